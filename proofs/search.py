"""Counterexample and witness search for the claims of SPEC.md §8.

A *target* names what is looked for: a counterexample to a theorem (C1, C3, C6) or to an open
question (C4), a witness of an existence claim (C2, C5a, C5b), or, for C7, instances that raise
the record ratio ``(Bench_i(T) − u_i)/ε_i(T)`` (found when it reaches 2). Two methods:

- **random**: instances ``0, 1, …, budget − 1`` of a seeded family of
  :mod:`instances.generators`; a hit is written at once, then shrunk greedily
  (:mod:`proofs.shrink`) and written again, smaller;
- **hypothesis**: examples of :mod:`proofs.strategies` (C7 guided by ``hypothesis.target``), a
  hit shrunk by hypothesis itself.

Every kept instance is written as three files in the output folder: ``NAME.yaml`` (the instance,
with ``provenance``: claim, target, method, family, seed, index, verdict, a note on what it shows
and the command), ``NAME.certificate.yml`` when the verdict carries an equilibrium certificate
(checked by :func:`solver.certificates.verify.verify_certificate` before it is written), and
``NAME.verdict.json`` (the verdict record that CI re-runs). ``search-state.json`` records, per run
(target, method, family, seed, sizes, options), how far it got, what it found and the record, so an
interrupted search keeps everything and the same command resumes where it stopped.
"""

from __future__ import annotations

import contextlib
import copy
import hashlib
import json
import os
import re
import signal
import threading
import time
import warnings
from collections.abc import Callable, Iterable, Iterator
from dataclasses import asdict, dataclass, field
from fractions import Fraction
from pathlib import Path
from types import FrameType
from typing import Any

from instances.generators import Sizes, check_sizes, generate_instance
from proofs.check import claims
from proofs.claim import Checker, CheckOptions, ClaimResult, Kind, Verdict
from proofs.shrink import shrink_instance
from solver.analysis import Analysis
from solver.certificates.records import dumps_certificate
from solver.conversation.classes import parse_class
from solver.core.documents import DocumentError, load_document
from solver.core.errors import ModelError, PluralisError
from solver.core.model import Instance
from solver.core.serialization import content_hash, dumps, instance_from_dict, instance_to_dict
from solver.equilibria.games import Mode
from solver.responses.response import TiePolicy

STATE_FILE = "search-state.json"
DEFAULT_BUDGET = 100
DEFAULT_SHRINK_EVALUATIONS = 200
DEFAULT_SHRINK_SECONDS = 90.0
PROFILE_LIMIT = 20_000
"""Instances whose games have more profiles than this (per user's game) are skipped."""
DEFAULT_BLOCK = 16
"""Family indices one task examines when a random search runs elsewhere (see :data:`Mapper`)."""

Mapper = Callable[[Callable[[Any], Any], Iterable[Any]], Iterator[tuple[Any, Any]]]
"""Runs a function on every job elsewhere (a cluster's workers), yielding each job with its result as
it completes, in any order; a task that raises makes it raise. Jobs and results are plain data."""


@dataclass(frozen=True)
class Target:
    """What the search looks for and where it looks by default (a claim's :class:`~proofs.claim.Search`).

    Attributes
    ----------
    name : str
        The target's name (``C1`` … ``C7``, ``C5a``, ``C5b``).
    claim : str
        The claim of SPEC.md §8.
    kind : Kind
        Witness, counterexample or record.
    check : callable
        The checker run on every instance's analysis.
    family : str
        The default seeded family.
    sizes : Sizes
        The default sizes of that family.
    strategy : dict
        Keyword arguments of :func:`proofs.strategies.search_instances`.
    description : str
        One line on what a kept instance shows.
    measure : callable or None
        For a record: the quantity a result measured.
    goal : Fraction or None
        For a record: the value at which the quantity is a hit.
    note : callable or None
        The note recorded with a kept instance (None, or None returned: the verdict and reasons).
    """

    name: str
    claim: str
    kind: Kind
    check: Checker
    family: str
    sizes: Sizes = field(default_factory=Sizes)
    strategy: dict[str, Any] = field(default_factory=dict)
    description: str = ""
    measure: Callable[[ClaimResult], Fraction | None] | None = None
    goal: Fraction | None = None
    note: Callable[[ClaimResult], str | None] | None = None

    def record(self, result: ClaimResult) -> Fraction | None:
        """The quantity a result measured, for a record target (None otherwise, or when none).

        Parameters
        ----------
        result : ClaimResult
            The checker's result.

        Returns
        -------
        Fraction or None
            The measured quantity (C7: the ratio).
        """
        if self.kind is not Kind.RECORD or self.measure is None:
            return None
        return self.measure(result)

    def hit(self, result: ClaimResult) -> bool:
        """Whether a result is what this target looks for (a record counts only at its goal).

        Parameters
        ----------
        result : ClaimResult
            The checker's result.

        Returns
        -------
        bool
            True for a witness (HOLDS), a counterexample, or a measured quantity at its goal.
        """
        if self.kind is Kind.WITNESS:
            return result.verdict is Verdict.HOLDS
        if self.kind is Kind.COUNTEREXAMPLE:
            return result.verdict is Verdict.COUNTEREXAMPLE
        value = self.record(result)
        return result.verdict is Verdict.COUNTEREXAMPLE or (
            value is not None and self.goal is not None and value >= self.goal
        )


def _targets() -> dict[str, Target]:
    """The targets declared by the claims of the registry, in its order."""
    targets = {}
    for claim in claims().values():
        for search in claim.searches:
            targets[search.name] = Target(
                search.name,
                claim.id,
                search.kind,
                search.check or claim.check,
                search.family,
                search.sizes,
                dict(search.strategy),
                search.description,
                search.measure,
                search.goal,
                search.note,
            )
    return targets


TARGETS: dict[str, Target] = _targets()
"""Every target, by name: what each claim's module says a search for it looks for."""


def find_target(name: str) -> Target:
    """The target of a name (``C2``, ``c5a`` …), case-insensitive.

    Parameters
    ----------
    name : str
        The name.

    Returns
    -------
    Target
        The target.
    """
    for key, target in TARGETS.items():
        if key.lower() == name.lower():
            return target
    raise ModelError(f"unknown claim {name!r}; search targets: {', '.join(TARGETS)}")


# -- notes -------------------------------------------------------------------------------------------


def describe(target: Target, result: ClaimResult) -> str:
    """A note saying what an instance kept by the search shows, with its exact numbers.

    Parameters
    ----------
    target : Target
        The target.
    result : ClaimResult
        The checker's result on the instance.

    Returns
    -------
    str
        The target's own note (:attr:`Target.note`), or the verdict and its reasons.
    """
    note = None if target.note is None else target.note(result)
    if note is not None:
        return note
    return f"{target.name} {result.verdict.value}: " + "; ".join(result.reasons)


# -- files -------------------------------------------------------------------------------------------


def _write_atomically(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    temporary.write_text(text, encoding="utf-8")
    os.replace(temporary, path)


def _take_certificates(value: Any) -> tuple[Any, list[dict[str, Any]]]:
    """The witness with every embedded certificate taken out (replaced by its number), and them."""
    found: list[dict[str, Any]] = []

    def walk(item: Any) -> Any:
        if isinstance(item, dict):
            result = {}
            for key, sub in item.items():
                if key == "certificate" and isinstance(sub, dict):
                    found.append(sub)
                    result[key] = len(found) - 1
                else:
                    result[key] = walk(sub)
            return result
        if isinstance(item, list):
            return [walk(x) for x in item]
        return item

    return walk(value), found


def options_json(options: CheckOptions) -> dict[str, Any]:
    """Check options as exact strings (recorded with every verdict).

    Parameters
    ----------
    options : CheckOptions
        The options.

    Returns
    -------
    dict
        ``{"class", "delta", "tie_policy", "full", "limit"}``, plus ``selection_limit``,
        ``choice_limit``, ``law_limit`` and ``benchmark_limit`` when they differ from their defaults
        (so earlier records keep their keys).
    """
    document: dict[str, Any] = {
        "class": options.strategy_class.name,
        "delta": str(options.delta),
        "tie_policy": options.policy.value,
        "full": options.full,
        "limit": options.limit,
    }
    default = CheckOptions()
    if options.selection_limit != default.selection_limit:
        document["selection_limit"] = options.selection_limit
    if options.choice_limit != default.choice_limit:
        document["choice_limit"] = options.choice_limit
    if options.law_limit != default.law_limit:
        document["law_limit"] = options.law_limit
    if options.benchmark_limit != default.benchmark_limit:
        document["benchmark_limit"] = options.benchmark_limit
    return document


def options_from_json(document: dict[str, Any]) -> CheckOptions:
    """Read check options written by :func:`options_json`.

    Parameters
    ----------
    document : dict
        The recorded options.

    Returns
    -------
    CheckOptions
        The options.
    """
    default = CheckOptions()
    return CheckOptions(
        parse_class(document["class"]),
        Fraction(document["delta"]),
        TiePolicy(document["tie_policy"]),
        bool(document["full"]),
        int(document["limit"]),
        int(document.get("selection_limit", default.selection_limit)),
        int(document.get("choice_limit", default.choice_limit)),
        int(document.get("law_limit", default.law_limit)),
        int(document.get("benchmark_limit", default.benchmark_limit)),
    )


def with_provenance(
    instance: Instance, title: str, description: str, provenance: dict[str, str], source: str | None = None
) -> Instance:
    """The instance with a new title, description and provenance (the game itself unchanged).

    Parameters
    ----------
    instance : Instance
        The instance.
    title, description : str
        Its new title and description.
    provenance : dict
        Fields added to (or replacing) its provenance.
    source : str, optional
        Its new source (default: unchanged).

    Returns
    -------
    Instance
        The instance, validated again.
    """
    document = instance_to_dict(instance)
    document["title"] = title
    document["description"] = description
    if source is not None:
        document["source"] = source
    document["provenance"] = {**document.get("provenance", {}), **provenance}
    return instance_from_dict(document)


@dataclass(frozen=True)
class Written:
    """What was written for one kept instance."""

    name: str
    verdict: str
    certificate_valid: bool | None
    shrunk: bool
    ratio: Fraction | None = None


def write_witness(
    out: Path,
    name: str,
    target: Target,
    instance: Instance,
    options: CheckOptions,
    provenance: dict[str, str],
) -> Written:
    """Check an instance once more with its provenance and write its three files.

    The certificate inside the verdict embeds the instance exactly as written (same content
    hash); it is verified before it is written.

    Parameters
    ----------
    out : Path
        The output folder.
    name : str
        The file stem.
    target : Target
        The target.
    instance : Instance
        The instance (without the search provenance).
    options : CheckOptions
        The check options.
    provenance : dict
        Search provenance (method, family, seed, index, …); the claim, verdict and note are added.

    Returns
    -------
    Written
        What was written.
    """
    from solver.certificates.verify import verify_certificate

    first = target.check(Analysis(instance), options)
    note = describe(target, first)
    fields = {
        "claim": target.claim,
        "target": target.name,
        "kind": target.kind.value,
        "verdict": first.verdict.value,
        "note": note,
        "class": options.strategy_class.name,
        "delta": str(options.delta),
        "tie_policy": options.policy.value,
        **provenance,
    }
    title = f"{target.name} {target.kind.value}: {target.description}"
    origin = provenance.get("search", "pluralis search")
    final = with_provenance(instance, title, note, fields, f"found by {origin}")
    result = target.check(Analysis(final), options)
    if result.verdict is not first.verdict:
        raise AssertionError(f"{name}: the verdict changed when provenance was added")
    witness, certificates = _take_certificates(None if result.witness is None else result.witness.to_json())
    certificate_name = None
    valid: bool | None = None
    if certificates:
        valid = all(verify_certificate(c).valid for c in certificates)
        # ``.yml``: a certificate is YAML but not an instance, and instance globs look for ``*.yaml``.
        certificate_name = f"{name}.certificate.yml"
        # One certificate per witness; a combined C5 result keeps the first.
        _write_atomically(out / certificate_name, dumps_certificate(certificates[0]))
    _write_atomically(out / f"{name}.yaml", dumps(final))
    document = result.to_json()
    document["details"]["witness"] = witness
    record = {
        "claim": target.claim,
        "target": target.name,
        "kind": target.kind.value,
        "verdict": result.verdict.value,
        "instance": f"{name}.yaml",
        "instance_hash": content_hash(final),
        "certificate": certificate_name,
        "certificate_valid": valid,
        "options": options_json(options),
        "note": note,
        "result": document,
    }
    _write_atomically(out / f"{name}.verdict.json", json.dumps(record, indent=2, ensure_ascii=False) + "\n")
    shrunk = provenance.get("shrunk", "no") != "no"
    return Written(name, result.verdict.value, valid, shrunk, target.record(result))


# -- state -------------------------------------------------------------------------------------------


@dataclass
class RunState:
    """How far one run got (saved after every instance).

    Attributes
    ----------
    next_index : int
        Random method: the next family index to examine.
    rounds : int
        Hypothesis method: rounds finished.
    tried : int
        Instances examined.
    skipped : int
        Instances the checker refused (a class or search space too large).
    verdicts : dict
        Count of each verdict.
    found : list of str
        Names of the kept instances that hit the target.
    record : str or None
        C7: the largest ratio seen, exact.
    record_name : str or None
        C7: the instance holding the record.
    seconds : float
        Time spent.
    finished : bool
        Whether the run ended by exhausting its budget or finding enough.
    hashes : list of str
        Content hashes of kept instances (before provenance), to keep nothing twice.
    """

    next_index: int = 0
    rounds: int = 0
    tried: int = 0
    skipped: int = 0
    verdicts: dict[str, int] = field(default_factory=dict)
    found: list[str] = field(default_factory=list)
    record: str | None = None
    record_name: str | None = None
    seconds: float = 0.0
    finished: bool = False
    hashes: list[str] = field(default_factory=list)


_STATE_TYPES: dict[str, tuple[type, ...]] = {
    "next_index": (int,),
    "rounds": (int,),
    "tried": (int,),
    "skipped": (int,),
    "verdicts": (dict,),
    "found": (list,),
    "record": (str, type(None)),
    "record_name": (str, type(None)),
    "seconds": (int, float),
    "finished": (bool,),
    "hashes": (list,),
}


def _read_state(path: Path) -> dict[str, dict[str, Any]]:
    """Every run of a state file, by key; a damaged file is refused with one line naming the remedy."""
    remedy = (
        f"the search state is damaged: delete {path} to start the searches of this folder afresh (the "
        "instances kept in it stay), or restore the file from a copy"
    )

    def refuse(place: str, problem: str) -> DocumentError:
        where = "" if problem.startswith(str(path)) else f"{path}: "
        return DocumentError("", f"{where}{place + ': ' if place else ''}{problem}; {remedy}")

    document = load_document(path, error=refuse)
    runs = document.get("runs") if isinstance(document, dict) else None
    if not isinstance(runs, dict):
        raise refuse("", "expected a mapping with the field 'runs'")
    for key, entry in runs.items():
        state = entry.get("state") if isinstance(entry, dict) else None
        if not isinstance(state, dict) or not isinstance(entry.get("run"), dict):
            raise refuse(f"runs.{key}", "expected a mapping with the fields 'run' and 'state'")
        for name, value in state.items():
            types = _STATE_TYPES.get(name)
            # A bool is an int to isinstance: only 'finished' may be one.
            wrong = types is None or not isinstance(value, types)
            if wrong or isinstance(value, bool) is not (bool in (types or ())):
                raise refuse(f"runs.{key}.state.{name}", "unknown field or wrong type")
        # A kept instance's name becomes file names (and a superseded record's files are removed).
        names = [*state.get("found", []), state.get("record_name")]
        if any(n is not None and not is_search_name(n) for n in names):
            raise refuse(f"runs.{key}.state", "a kept instance's name is not one the search writes")
    return runs


class SearchState:
    """The state file of an output folder: every run's :class:`RunState`, by key."""

    def __init__(self, out: Path) -> None:
        self.path = out / STATE_FILE
        self.runs: dict[str, dict[str, Any]] = {}
        if self.path.exists():
            self.runs = _read_state(self.path)

    def get(self, key: str, description: dict[str, Any]) -> RunState:
        """The state of a run (new if absent).

        Parameters
        ----------
        key : str
            The run's key (:meth:`SearchRequest.key`).
        description : dict
            The run as JSON, recorded with a new entry.

        Returns
        -------
        RunState
            Its state.
        """
        entry = self.runs.setdefault(key, {"run": description, "state": asdict(RunState())})
        return RunState(**entry["state"])

    def put(self, key: str, state: RunState) -> None:
        """Record a run's state and save the file atomically, keeping other runs' latest entries.

        Parameters
        ----------
        key : str
            The run's key.
        state : RunState
            Its state.
        """
        self.runs[key]["state"] = asdict(state)
        if self.path.exists():
            # Another search into the same folder may have saved its runs meanwhile.
            current = _read_state(self.path)
            current[key] = self.runs[key]
            self.runs = current
        _write_atomically(self.path, json.dumps({"runs": self.runs}, indent=2, ensure_ascii=False) + "\n")


# -- the search ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SearchRequest:
    """One search: what, how, where, and how much.

    Attributes
    ----------
    target : Target
        What is looked for.
    method : str
        ``random`` or ``hypothesis``.
    family : str
        The seeded family (random method).
    sizes : Sizes
        Its sizes.
    seed : int
        The seed.
    budget : int
        Random: family indices ``0 … budget − 1``; hypothesis: examples per round.
    options : CheckOptions
        The checker's options.
    max_found : int
        Stop after this many hits (counting those of earlier, resumed runs).
    deadline : float or None
        ``time.monotonic()`` after which nothing new is started.
    shrink : bool
        Shrink hits (and records).
    command : str
        The command line, recorded in provenance.
    """

    target: Target
    method: str
    family: str
    sizes: Sizes
    seed: int
    budget: int
    options: CheckOptions
    max_found: int = 1
    deadline: float | None = None
    shrink: bool = True
    command: str = ""

    def key(self) -> str:
        """The run's key in the state file: everything that determines its instances and verdicts."""
        return json.dumps(self.description(), sort_keys=True)

    def description(self) -> dict[str, Any]:
        """The run as JSON."""
        entry: dict[str, Any] = {
            "target": self.target.name,
            "method": self.method,
            "seed": self.seed,
            "options": options_json(self.options),
        }
        if self.method == "random":
            entry["family"] = self.family
            entry["sizes"] = self.sizes.describe()
        else:
            entry["budget"] = self.budget
        return entry

    def out_of_time(self) -> bool:
        """Whether the deadline has passed."""
        return self.deadline is not None and time.monotonic() > self.deadline


Progress = Callable[[int, RunState], None]
"""Called after every instance with the number examined in this call and the run's state."""


class _Interrupts:
    """Whether SIGINT arrived during a search, even if an engine caught it.

    The enumeration and the certification in full stop at Ctrl-C and return what they found; a
    claim checked on such a partial list could get a wrong verdict, so the search stops (raises
    ``KeyboardInterrupt``) as soon as an instance evaluated or a state saved follows a SIGINT.
    """

    seen = False

    @classmethod
    @contextlib.contextmanager
    def watched(cls) -> Iterator[None]:
        """Record every SIGINT while the block runs (main thread only), raising as usual."""
        cls.seen = False
        if threading.current_thread() is not threading.main_thread():
            yield
            return
        previous = signal.getsignal(signal.SIGINT)

        def handler(number: int, frame: FrameType | None) -> None:
            cls.seen = True
            if callable(previous):
                previous(number, frame)
            elif previous is not signal.SIG_IGN:
                raise KeyboardInterrupt

        signal.signal(signal.SIGINT, handler)
        try:
            yield
        finally:
            signal.signal(signal.SIGINT, previous)

    @classmethod
    def stop_if_seen(cls) -> None:
        """Raise ``KeyboardInterrupt`` if a SIGINT arrived (whoever caught it)."""
        if cls.seen:
            raise KeyboardInterrupt


def _evaluate(target: Target, instance: Instance, options: CheckOptions) -> ClaimResult | None:
    """The checker's result, or None when the instance is refused or too large for a quick check."""
    try:
        analysis = Analysis(instance)
        game = analysis.game(
            Mode.ANONYMOUS, options.strategy_class, limit=options.limit, law_limit=options.law_limit
        )
        if game.profile_count() > PROFILE_LIMIT:
            return None
        result = target.check(analysis, options)
    except PluralisError:
        result = None
    _Interrupts.stop_if_seen()  # the check may have run on a partial enumeration
    return result


def _is_record(target: Target, result: ClaimResult, state: RunState) -> bool:
    return _raises_record(target.record(result), state)


def _raises_record(ratio: Fraction | None, state: RunState) -> bool:
    """Whether a measured ratio beats the run's record (any ratio does while there is none)."""
    return ratio is not None and (state.record is None or ratio > Fraction(state.record))


def _keeps(target: Target, options: CheckOptions, floor: Fraction | None) -> Callable[[Instance], bool]:
    """The predicate a shrink keeps: the hit, or for a record a ratio at least the record."""

    def predicate(instance: Instance) -> bool:
        result = _evaluate(target, instance, options)
        if result is None:
            return False
        if target.kind is Kind.RECORD and floor is not None:
            ratio = target.record(result)
            return ratio is not None and ratio >= floor
        return target.hit(result)

    return predicate


Shrinker = Callable[[SearchRequest, Instance, Fraction | None], tuple[Instance, tuple[str, ...]] | None]
"""Shrinks a kept instance for a request (a record's ratio kept at least the given floor): the
smaller instance and the edits that made it, or None when nothing smaller keeps it."""


def _shrink_here(
    request: SearchRequest, instance: Instance, floor: Fraction | None
) -> tuple[Instance, tuple[str, ...]] | None:
    shrunk = shrink_instance(
        instance,
        _keeps(request.target, request.options, floor),
        DEFAULT_SHRINK_EVALUATIONS,
        DEFAULT_SHRINK_SECONDS,
        # A counterexample may shrink to a stakeless provider (SPEC §8's edge); witnesses and
        # records keep their providers interested, as a reader expects of an illustration.
        zero_stakes=request.target.kind is Kind.COUNTEREXAMPLE,
    )
    return None if shrunk is None or not shrunk.steps else (shrunk.instance, tuple(shrunk.steps))


def _keep(
    request: SearchRequest,
    out: Path,
    state: RunState,
    instance: Instance,
    name: str,
    provenance: dict[str, str],
    record: Fraction | None,
    shrinker: Shrinker = _shrink_here,
) -> Written | None:
    """Write a hit (or record) at once, then shrink it and write it again under the same name.

    The hit's hash (and its shrunk form's) is recorded only once the kept instance is written in
    its final form, so that no state, even one saved in between, can skip a hit left unshrunk.
    """
    original = content_hash(instance)
    if original in state.hashes:
        return None
    by = provenance.pop("shrunk_by", None)
    base = {**provenance, "search": request.command, "shrunk": by or "no"}
    written = write_witness(out, name, request.target, instance, request.options, base)
    shrunk = shrinker(request, instance, record) if request.shrink else None
    if shrunk is None:
        state.hashes.append(original)
        return written
    smallest, steps = shrunk
    greedy = f"greedy, {len(steps)} edits: " + "; ".join(steps)
    smaller = {
        **base,
        "shrunk": f"{by}, then {greedy}" if by else greedy,
        "shrunk_from": original,
    }
    written = write_witness(out, name, request.target, smallest, request.options, smaller)
    state.hashes += [original, content_hash(smallest)]
    return written


def _account(state: RunState, result: ClaimResult | None) -> None:
    _count(state, None if result is None else result.verdict.value)


def _count(state: RunState, verdict: str | None) -> None:
    state.tried += 1
    if verdict is None:
        state.skipped += 1
    else:
        state.verdicts[verdict] = state.verdicts.get(verdict, 0) + 1


_SEARCH_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9-]{0,119}")


def is_search_name(name: object) -> bool:
    """Whether a value is a name the search gives a kept instance (the stem of its three files).

    Names are made of the target, the family or method, the seed and an index
    (``C2-divided-s0-0012``): letters, digits and hyphens only, so that no name read back from a
    state file can reach outside the output folder.

    Parameters
    ----------
    name : object
        Any value.

    Returns
    -------
    bool
        True for such a name.
    """
    return isinstance(name, str) and _SEARCH_NAME.fullmatch(name) is not None


def _name(target: Target, middle: str) -> str:
    name = f"{target.name}-{middle}"
    if not is_search_name(name):
        raise ModelError(f"the search cannot name a kept instance {name!r}")
    return name


def _remove(out: Path, name: str) -> None:
    for suffix in (".yaml", ".certificate.yml", ".verdict.json"):
        (out / f"{name}{suffix}").unlink(missing_ok=True)


def _consider(
    request: SearchRequest,
    out: Path,
    state: RunState,
    instance: Instance,
    result: ClaimResult,
    name: str,
    provenance: dict[str, str],
    shrinker: Shrinker = _shrink_here,
) -> bool:
    """Keep an instance that hits the target or raises the record; return whether it was a new hit."""
    target = request.target
    ratio = target.record(result)
    hit = target.hit(result)
    if not hit and not _is_record(target, result, state):
        return False
    written = _keep(request, out, state, instance, name, provenance, ratio, shrinker)
    if written is None:
        return False
    if hit:
        state.found.append(written.name)
    if _raises_record(ratio, state):
        # A superseded record is removed unless it is also a hit; shrinking keeps the ratio or raises it.
        if state.record_name is not None and state.record_name not in state.found:
            _remove(out, state.record_name)
        state.record, state.record_name = str(written.ratio or ratio), written.name
    return hit


def _random_run(request: SearchRequest, out: Path, state: RunState, save: Progress) -> None:
    target = request.target
    for examined, index in enumerate(range(state.next_index, request.budget), start=1):
        if request.out_of_time() or len(state.found) >= request.max_found:
            return
        instance = generate_instance(request.family, request.seed, index, request.sizes)
        result = _evaluate(target, instance, request.options)
        _account(state, result)
        if result is not None:
            _consider(request, out, state, instance, result, *_random_names(request, index))
        state.next_index = index + 1
        save(examined, state)
    state.finished = True


def _random_names(request: SearchRequest, index: int) -> tuple[str, dict[str, str]]:
    """The name and provenance of family instance ``index`` when a random run keeps it."""
    provenance = {
        "method": "random",
        "family": request.family,
        "seed": str(request.seed),
        "index": str(index),
    }
    return _name(request.target, f"{request.family}-s{request.seed}-{index:04d}"), provenance


# -- the search on a cluster ---------------------------------------------------------------------------


@dataclass(frozen=True)
class _Remote:
    """A request as a worker receives it: plain data, the target by name, the options as JSON."""

    target: str
    method: str
    family: str
    sizes: Sizes
    seed: int
    budget: int
    options: dict[str, Any]
    remaining: float | None
    """Seconds left before the deadline when the task was made (clocks differ between machines)."""

    @classmethod
    def of(cls, request: SearchRequest) -> _Remote:
        remaining = None if request.deadline is None else max(0.0, request.deadline - time.monotonic())
        return cls(
            request.target.name,
            request.method,
            request.family,
            request.sizes,
            request.seed,
            request.budget,
            options_json(request.options),
            remaining,
        )

    def request(self) -> SearchRequest:
        deadline = None if self.remaining is None else time.monotonic() + self.remaining
        return SearchRequest(
            find_target(self.target),
            self.method,
            self.family,
            self.sizes,
            self.seed,
            self.budget,
            options_from_json(self.options),
            deadline=deadline,
        )


_Outcome = tuple[int, str | None, bool, str | None]
"""One family instance examined on a worker: index, verdict (None: skipped), hit, measured ratio."""


def _examine_block(job: tuple[_Remote, int, int]) -> list[_Outcome]:
    """Examine family instances ``start … stop − 1`` (a task): what the client needs to go on."""
    remote, start, stop = job
    request = remote.request()
    outcomes: list[_Outcome] = []
    for index in range(start, stop):
        instance = generate_instance(request.family, request.seed, index, request.sizes)
        result = _evaluate(request.target, instance, request.options)
        if result is None:
            outcomes.append((index, None, False, None))
            continue
        ratio = request.target.record(result)
        outcomes.append(
            (index, result.verdict.value, request.target.hit(result), None if ratio is None else str(ratio))
        )
    return outcomes


def _shrink_task(job: tuple[_Remote, dict[str, Any], str | None]) -> tuple[dict[str, Any], list[str]] | None:
    """Shrink a kept instance (a task): the smaller instance's document and the edits, or None."""
    remote, document, floor = job
    shrunk = _shrink_here(
        remote.request(), instance_from_dict(document), None if floor is None else Fraction(floor)
    )
    return None if shrunk is None else (instance_to_dict(shrunk[0]), list(shrunk[1]))


def _shrink_elsewhere(mapper: Mapper) -> Shrinker:
    """A shrinker that runs each shrink as a task of the mapper, and waits for it."""

    def shrink(
        request: SearchRequest, instance: Instance, floor: Fraction | None
    ) -> tuple[Instance, tuple[str, ...]] | None:
        job = (_Remote.of(request), instance_to_dict(instance), None if floor is None else str(floor))
        for _, outcome in mapper(_shrink_task, [job]):
            return None if outcome is None else (instance_from_dict(outcome[0]), tuple(outcome[1]))
        return None

    return shrink


def _random_run_elsewhere(
    request: SearchRequest, out: Path, state: RunState, save: Progress, mapper: Mapper, block: int
) -> None:
    """The random method with blocks of indices examined by the mapper's workers.

    Blocks come back in any order; the client goes through them in index order, exactly as
    :func:`_random_run` goes through the indices, so the state, the hits and their files are the
    same. It examines a hit (or a new record) once more to keep it, shrinks it as a task, and saves
    the state after every block it has gone through: a resumed run starts at the first index not
    gone through.
    """
    target = request.target
    remote = _Remote.of(request)
    jobs = (
        (remote, start, min(start + block, request.budget))
        for start in range(state.next_index, request.budget, block)
    )
    shrinker = _shrink_elsewhere(mapper)
    waiting: dict[int, list[_Outcome]] = {}
    examined = 0
    for (_, start, _), outcomes in mapper(_examine_block, jobs):
        waiting[start] = outcomes
        while state.next_index in waiting:
            for index, verdict, hit, ratio in waiting.pop(state.next_index):
                if request.out_of_time() or len(state.found) >= request.max_found:
                    return
                examined += 1
                _count(state, verdict)
                record = _raises_record(None if ratio is None else Fraction(ratio), state)
                if verdict is not None and (hit or record):
                    instance = generate_instance(request.family, request.seed, index, request.sizes)
                    result = _evaluate(target, instance, request.options)
                    if result is not None:
                        _consider(
                            request, out, state, instance, result, *_random_names(request, index), shrinker
                        )
                state.next_index = index + 1
            save(examined, state)
    state.finished = True


class _Hit(Exception):
    """Raised inside a hypothesis example that hits the target, so that hypothesis shrinks it."""


def _round_seed(seed: int, round_number: int) -> int:
    digest = hashlib.sha256(f"pluralis-search:{seed}:{round_number}".encode()).digest()
    return int.from_bytes(digest[:8], "big")


def _hypothesis_round(
    request: SearchRequest, state: RunState, round_number: int, examined: list[int], save: Progress
) -> tuple[Instance | None, tuple[Fraction, Instance] | None]:
    """One hypothesis run: its smallest hit (hypothesis shrinks it) and, for C7, its best ratio."""
    from hypothesis import HealthCheck, Phase, given, settings
    from hypothesis import seed as seeded
    from hypothesis import target as observe

    from proofs.strategies import search_instances

    target = request.target
    hits: list[Instance] = []
    best: list[tuple[Fraction, Instance]] = []

    @settings(
        max_examples=request.budget,
        database=None,
        deadline=None,
        derandomize=False,
        suppress_health_check=list(HealthCheck),
        phases=(Phase.generate, Phase.target, Phase.shrink),
        report_multiple_bugs=False,
        print_blob=False,
    )
    @seeded(_round_seed(request.seed, round_number))
    @given(search_instances(**target.strategy))
    def run(instance: Instance) -> None:
        if request.out_of_time():
            return
        result = _evaluate(target, instance, request.options)
        if not hits:
            # Examples tried while shrinking are not counted.
            _account(state, result)
            examined[0] += 1
            save(examined[0], state)
        if result is None:
            return
        if target.kind is Kind.RECORD:
            ratio = target.record(result)
            if ratio is not None:
                observe(float(ratio), label="ratio")
                if not best or ratio > best[0][0]:
                    best[:] = [(ratio, instance)]
        if target.hit(result):
            hits.append(instance)
            raise _Hit

    with contextlib.suppress(_Hit):
        run()
    # Hypothesis replays the smallest failing example last.
    return (hits[-1] if hits else None), (best[0] if best else None)


def _round_task(
    job: tuple[_Remote, int],
) -> tuple[dict[str, Any] | None, tuple[str, dict[str, Any]] | None, int, int, dict[str, int]]:
    """One hypothesis round (a task): its hit, its best ratio, and the examples it counted."""
    from hypothesis.errors import HypothesisDeprecationWarning

    remote, round_number = job
    counts = RunState()
    with warnings.catch_warnings():
        # A worker's own threads draw from the random module while hypothesis generates, which it
        # takes for the strategy's doing; its examples come from its own seeded generator all the same.
        warnings.simplefilter("ignore", HypothesisDeprecationWarning)
        hit, best = _hypothesis_round(
            remote.request(), counts, round_number, [0], lambda examined, state: None
        )
    return (
        None if hit is None else instance_to_dict(hit),
        None if best is None else (str(best[0]), instance_to_dict(best[1])),
        counts.tried,
        counts.skipped,
        counts.verdicts,
    )


def _hypothesis_run_elsewhere(
    request: SearchRequest, out: Path, state: RunState, save: Progress, mapper: Mapper
) -> None:
    """The hypothesis method with rounds run by the mapper's workers, as many at once as hits wanted.

    Each round's seed is the run's seed and the round's number (:func:`_round_seed`), so a round
    finds the same examples wherever it runs; the client goes through the rounds in order, exactly
    as :func:`_hypothesis_run` does, and drops those after the first without a new hit.
    """
    examined = 0
    while len(state.found) < request.max_found and not request.out_of_time():
        first = state.rounds
        remote = _Remote.of(request)
        jobs = [(remote, number) for number in range(first, first + request.max_found - len(state.found))]
        waiting: dict[int, Any] = {}
        for (_, number), outcome in mapper(_round_task, jobs):
            waiting[number] = outcome
            while state.rounds in waiting:
                round_number = state.rounds
                hit_document, best_document, tried, skipped, verdicts = waiting.pop(round_number)
                state.tried += tried
                state.skipped += skipped
                for verdict, count in verdicts.items():
                    state.verdicts[verdict] = state.verdicts.get(verdict, 0) + count
                examined += tried
                hit = None if hit_document is None else instance_from_dict(hit_document)
                best = None if best_document is None else instance_from_dict(best_document[1])
                new_hit = _keep_round(request, out, state, round_number, hit, best, _shrink_elsewhere(mapper))
                state.rounds += 1
                save(examined, state)
                if not new_hit or len(state.found) >= request.max_found or request.out_of_time():
                    state.finished = not request.out_of_time()
                    return
    state.finished = not request.out_of_time()


def _keep_round(
    request: SearchRequest,
    out: Path,
    state: RunState,
    round_number: int,
    hit: Instance | None,
    best: Instance | None,
    shrinker: Shrinker = _shrink_here,
) -> bool:
    """Keep what a hypothesis round found (its hit, else its best ratio); return whether a new hit."""
    name = _name(request.target, f"hypothesis-s{request.seed}-r{round_number:02d}")
    provenance = {"method": "hypothesis", "seed": str(request.seed), "round": str(round_number)}
    chosen = hit if hit is not None else best
    if chosen is None:
        return False
    result = _evaluate(request.target, chosen, request.options)
    if result is None:
        return False
    extra = {"shrunk_by": "by hypothesis"} if hit is not None else {}
    return _consider(request, out, state, chosen, result, name, {**provenance, **extra}, shrinker)


def _hypothesis_run(request: SearchRequest, out: Path, state: RunState, save: Progress) -> None:
    examined = [0]
    while len(state.found) < request.max_found and not request.out_of_time():
        round_number = state.rounds
        hit, best = _hypothesis_round(request, state, round_number, examined, save)
        new_hit = _keep_round(request, out, state, round_number, hit, None if best is None else best[1])
        state.rounds += 1
        save(examined[0], state)
        if not new_hit:
            break
    state.finished = not request.out_of_time()


def run_search(
    request: SearchRequest,
    out: Path,
    progress: Progress | None = None,
    mapper: Mapper | None = None,
    block: int = DEFAULT_BLOCK,
) -> RunState:
    """Run (or resume) one search, writing every kept instance at once.

    Parameters
    ----------
    request : SearchRequest
        What to search.
    out : Path
        The output folder (created if needed); its state file makes the run resumable.
    progress : callable, optional
        Called after every instance with the count examined in this call and the state (on a
        cluster: after every block, or hypothesis round, gone through).
    mapper : Mapper, optional
        Run the work elsewhere (a cluster): blocks of family indices, hypothesis rounds and
        shrinking are its tasks, and this process keeps the files and the state; the files, the
        state and a resumed run are those of a search run here.
    block : int
        Family indices per task with a mapper.

    Returns
    -------
    RunState
        The run's state at the end (also in the state file). Ctrl-C saves the state as it was
        after the last instance (random) or round (hypothesis) that finished, and re-raises.
    """
    if request.method not in ("random", "hypothesis"):
        raise ModelError(f"unknown search method {request.method!r}; use random or hypothesis")
    if request.method == "random":
        check_sizes(request.family, request.sizes)
    if request.target.claim == "C6" and request.options.delta != 0:
        raise ModelError(
            f"C6 is about exact equilibria: --delta {request.options.delta} cannot be honoured "
            "(search C1 for δ-equilibria)"
        )
    out.mkdir(parents=True, exist_ok=True)
    store = SearchState(out)
    key = request.key()
    state = store.get(key, request.description())
    started = time.monotonic()
    spent = state.seconds
    more = request.method == "random" and state.next_index < request.budget
    if state.finished and (len(state.found) >= request.max_found or not more):
        return state
    state.finished = False
    saved = copy.deepcopy(state)

    def save(examined: int, current: RunState) -> None:
        nonlocal saved
        _Interrupts.stop_if_seen()  # what was kept since may rest on a partial enumeration
        current.seconds = spent + time.monotonic() - started
        # A hypothesis round is replayed whole on resume (its seed is the round's), so only finished
        # rounds are saved; the random method saves after every instance.
        if request.method == "random" or current.rounds != saved.rounds:
            store.put(key, current)
            saved = copy.deepcopy(current)
        if progress is not None:
            progress(examined, current)

    try:
        with _Interrupts.watched():
            if mapper is not None and request.method == "random":
                _random_run_elsewhere(request, out, state, save, mapper, max(1, block))
            elif mapper is not None:
                _hypothesis_run_elsewhere(request, out, state, save, mapper)
            elif request.method == "random":
                _random_run(request, out, state, save)
            else:
                _hypothesis_run(request, out, state, save)
    except BaseException:
        # Ctrl-C (or a failure) in the middle of an instance or a round may leave the state half
        # updated (a kept instance's hash recorded before its shrinking was done): save the last
        # consistent state instead, from which the same command examines that instance or round
        # again and ends where an uninterrupted run ends.
        saved.seconds = spent + time.monotonic() - started
        store.put(key, saved)
        for leftover in out.glob(f".*.{os.getpid()}.tmp"):
            leftover.unlink(missing_ok=True)
        raise
    state.seconds = spent + time.monotonic() - started
    store.put(key, state)
    return state

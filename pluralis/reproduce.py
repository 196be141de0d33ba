"""``pluralis reproduce``: every claim of SPEC.md §8 on every instance of a library, and a report.

For each instance the claims are checked with the default options (deterministic rules,
deviator-favourable ties, δ = 0; C2 and C5 certify their equilibria in ``full``, C4 re-runs C1 and
C3 with canonical and adversarial ties). The *margin* of a verdict is the smallest
``worst − bound`` over its rows: non-negative for a theorem that holds, negative where a witness
falls below a benchmark (C2, C5) or a counterexample breaks a bound; for C7 the ratio
``(Bench_i(T) − u_i)/ε_i(T)`` is shown instead. Claims whose games are too large to enumerate
quickly are skipped with a note.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path

from proofs.c7_tightness import ratio_of
from proofs.check import claims
from proofs.claim import CheckOptions, ClaimResult, Verdict
from solver.classes import parse_class
from solver.errors import PluralisError
from solver.games import Game, Mode
from solver.model import Instance

PROFILE_LIMIT = 20_000
"""Claims are skipped on instances whose deterministic games have more profiles than this."""
TIE_PROFILE_LIMIT = 5_000
"""C4 solves four games: it is skipped above this many profiles."""


@dataclass(frozen=True)
class Entry:
    """The claims checked on one instance file.

    Attributes
    ----------
    path : Path
        The file.
    name : str
        Its name relative to the library.
    instance : Instance
        The instance.
    results : dict
        Claim id to result, for the claims checked.
    skipped : dict
        Claim id to the reason it was not checked.
    seconds : dict
        Claim id to the time its check took.
    """

    path: Path
    name: str
    instance: Instance
    results: dict[str, ClaimResult] = field(default_factory=dict)
    skipped: dict[str, str] = field(default_factory=dict)
    seconds: dict[str, float] = field(default_factory=dict)


def margin(result: ClaimResult) -> Fraction | None:
    """The smallest ``worst − bound`` over a result's rows (None when no row has both).

    Parameters
    ----------
    result : ClaimResult
        A checker's result.

    Returns
    -------
    Fraction or None
        The margin.
    """
    margins = [r.margin for r in result.rows if r.margin is not None]
    return min(margins) if margins else None


def cell(result: ClaimResult | None, skipped: str | None = None) -> str:
    """A verdict with its margin, as one short cell (``holds 1/4``, ``C7: holds, ratio 2``).

    Parameters
    ----------
    result : ClaimResult or None
        The result, or None when skipped.
    skipped : str, optional
        Why it was skipped.

    Returns
    -------
    str
        The cell text.
    """
    if result is None:
        return "skipped" if skipped else "-"
    if result.claim == "C7":
        ratio = ratio_of(result)
        return result.verdict.value + ("" if ratio is None else f", ratio {ratio}")
    value = margin(result)
    if result.verdict is Verdict.VACUOUS or value is None:
        return result.verdict.value
    return f"{result.verdict.value} {value}"


def _profiles(instance: Instance) -> int:
    game = Game(instance, Mode.ANONYMOUS, parse_class("deterministic", instance))
    return game.profile_count()


def check_entry(path: Path, name: str, instance: Instance, options: CheckOptions | None = None) -> Entry:
    """Check every claim on one instance, skipping those too large to enumerate quickly.

    Parameters
    ----------
    path : Path
        The file.
    name : str
        Its display name.
    instance : Instance
        The instance.
    options : CheckOptions, optional
        The checkers' options (default: deterministic, deviator-favourable, δ = 0).

    Returns
    -------
    Entry
        The results, skips and timings.
    """
    options = options or CheckOptions()
    entry = Entry(path, name, instance)
    try:
        profiles = _profiles(instance)
    except PluralisError as error:
        profiles = None
        too_large = str(error)
    for claim_id, claim in claims().items():
        if profiles is None:
            entry.skipped[claim_id] = too_large
            continue
        if profiles > PROFILE_LIMIT or (claim_id == "C4" and profiles > TIE_PROFILE_LIMIT):
            entry.skipped[claim_id] = f"{profiles} deterministic profiles: too many for a quick run"
            continue
        started = time.perf_counter()
        try:
            entry.results[claim_id] = claim.check(instance, options)
        except PluralisError as error:
            entry.skipped[claim_id] = str(error)
        entry.seconds[claim_id] = time.perf_counter() - started
    return entry


def run_library(
    files: list[Path],
    root: Path,
    load: Callable[[Path], Instance],
    progress: Callable[[Entry], None] | None = None,
) -> list[Entry]:
    """Check every claim on every file of a library.

    Parameters
    ----------
    files : list of Path
        The instance files.
    root : Path
        The library folder (names are relative to it).
    load : callable
        Reads one instance file.
    progress : callable, optional
        Called with each finished entry.

    Returns
    -------
    list of Entry
        One per file, in order.
    """
    entries = []
    for path in files:
        name = str(path.relative_to(root)) if path.is_relative_to(root) else str(path)
        entry = check_entry(path, name, load(path))
        entries.append(entry)
        if progress is not None:
            progress(entry)
    return entries


def _escape(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def markdown_report(entries: list[Entry], seconds: float) -> str:
    """A short Markdown report: claims, verdict counts, the verdict table and what each witness shows.

    Parameters
    ----------
    entries : list of Entry
        The library's results.
    seconds : float
        The total time.

    Returns
    -------
    str
        The report.
    """
    registry = claims()
    ids = list(registry)
    lines = [
        "# pluralis reproduce",
        "",
        f"{len(entries)} instance(s), checked in {seconds:.1f} s. Every claim of SPEC.md §8 is checked with "
        "deterministic rules, deviator-favourable ties and δ = 0; C2 and C5 certify their equilibria "
        "in full (each certificate re-checked by the independent verifier), and C4 re-runs C1 and C3 "
        "with canonical and adversarial ties. A margin is the smallest `worst − bound` over a verdict's "
        "rows: a theorem that holds has a non-negative margin; a witness (C2, C5) shows how far below "
        "its benchmark a user falls. For C7 the ratio `(Bench_i(T) − u_i)/ε_i(T)` is given.",
        "",
        "## Claims",
        "",
        "| claim | status | statement | holds | vacuous | counterexample | skipped |",
        "|---|---|---|---|---|---|---|",
    ]
    for claim_id, claim in registry.items():
        counts = {v: 0 for v in Verdict}
        for e in entries:
            result = e.results.get(claim_id)
            if result is not None:
                counts[result.verdict] += 1
        skipped = sum(1 for e in entries if claim_id in e.skipped)
        lines.append(
            f"| {claim_id} {claim.title} | {claim.status.value} | {_escape(claim.statement)} | "
            f"{counts[Verdict.HOLDS]} | {counts[Verdict.VACUOUS]} | {counts[Verdict.COUNTEREXAMPLE]} | "
            f"{skipped} |"
        )
    lines += ["", "## Verdicts and margins", "", "| instance | " + " | ".join(ids) + " |"]
    lines.append("|---" * (len(ids) + 1) + "|")
    for e in entries:
        cells = [cell(e.results.get(c), e.skipped.get(c)) for c in ids]
        lines.append(f"| {_escape(e.name)} | " + " | ".join(cells) + " |")
    witnesses = [e for e in entries if "target" in dict(e.instance.provenance)]
    if witnesses:
        lines += ["", "## Instances found by the search", ""]
        for e in witnesses:
            provenance = dict(e.instance.provenance)
            lines.append(
                f"- `{e.name}` ({provenance['target']}, {provenance.get('verdict', '?')}): "
                f"{_escape(provenance.get('note', ''))}"
            )
    counterexamples = [
        (e, c, r) for e in entries for c, r in e.results.items() if r.verdict is Verdict.COUNTEREXAMPLE
    ]
    if counterexamples:
        lines += ["", "## Counterexamples", ""]
        for e, c, r in counterexamples:
            lines.append(f"- `{e.name}`, {c}: " + _escape("; ".join(r.reasons)))
    skips = [(e, c, why) for e in entries for c, why in e.skipped.items()]
    if skips:
        lines += ["", "## Skipped", ""]
        lines += [f"- `{e.name}`, {c}: {_escape(why)}" for e, c, why in skips]
    return "\n".join(lines) + "\n"

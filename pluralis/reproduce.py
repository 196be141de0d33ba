"""``pluralis reproduce``: every claim of SPEC.md §8 on every instance of a library, and a report.

For each instance the claims are checked with the default options (deterministic rules,
deviator-favourable ties, δ = 0; C2 and C5 certify their equilibria in ``full``, C4 re-runs C1 and
C3 with canonical and adversarial ties). The *margin* of a verdict is the smallest
``worst − bound`` over its rows: non-negative for a theorem that holds, negative where a witness
falls below a benchmark (C2, C5) or a counterexample breaks a bound. Each part of a claim (C5 (a)
and (b)) is shown with its own verdict, margin and reason. The open questions (C4, C7) are shown
by their finding, never as "holds": which theorem fails with which ties, and the record ratio
``(Bench_i(T) − u_i)/ε_i(T)``. Claims whose games have more profiles than the profile limit are
skipped with a note; a file that cannot be read is named with its reason, and the others are
still checked.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path

from pluralis.limits import name_limit_option
from proofs.c7_tightness import ratio_of
from proofs.check import claims
from proofs.claim import FINDING, CheckOptions, Claim, ClaimResult, Verdict, part_label
from solver.analysis import Analysis
from solver.conversation.classes import Deterministic
from solver.core.errors import PluralisError
from solver.core.model import Instance
from solver.equilibria.games import Mode

PROFILE_LIMIT = 20_000
"""Claims are skipped on instances whose deterministic games have more profiles than this."""
TIE_PROFILE_LIMIT = 5_000
"""C4 solves four games: it is skipped above this many profiles (a quarter of the profile limit)."""
TIE_SHARE = PROFILE_LIMIT // TIE_PROFILE_LIMIT
"""C4's share of the profile limit: it is checked up to ``profile_limit // TIE_SHARE`` profiles."""


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


@dataclass(frozen=True)
class Unreadable:
    """A library file that could not be read as an instance.

    Attributes
    ----------
    path : Path
        The file.
    name : str
        Its name relative to the library.
    reason : str
        Why, on one line.
    """

    path: Path
    name: str
    reason: str


@dataclass(frozen=True)
class Column:
    """A column of the verdict tables: a claim, or one part of a claim.

    Attributes
    ----------
    header : str
        ``C1``, or ``C5 (a)`` for a part.
    claim : str
        The claim id.
    part : str or None
        The part's id (``C5a``), or None for the whole claim.
    """

    header: str
    claim: str
    part: str | None = None

    def result(self, entry: Entry) -> ClaimResult | None:
        """This column's result for an instance (None when skipped or not checked).

        Parameters
        ----------
        entry : Entry
            The instance's results.

        Returns
        -------
        ClaimResult or None
            The claim's result, or its part's.
        """
        result = entry.results.get(self.claim)
        if result is None or self.part is None:
            return result
        return next((p for p in result.parts if p.claim == self.part), None)

    def cell(self, entry: Entry) -> str:
        """This column's cell for an instance.

        Parameters
        ----------
        entry : Entry
            The instance's results.

        Returns
        -------
        str
            :func:`cell` of the result.
        """
        return cell(self.result(entry), entry.skipped.get(self.claim))


def columns(claim_ids: list[str]) -> list[Column]:
    """The verdict tables' columns: one per claim, or one per part for a claim made of parts.

    Parameters
    ----------
    claim_ids : list of str
        The claims shown, in order.

    Returns
    -------
    list of Column
        The columns.
    """
    registry = claims()
    result: list[Column] = []
    for claim_id in claim_ids:
        claim = registry.get(claim_id)
        if claim is not None and claim.parts:
            result.extend(Column(part_label(part), claim_id, part) for part, _ in claim.parts)
        else:
            result.append(Column(claim_id, claim_id))
    return result


def shown_results(claim_id: str, result: ClaimResult) -> list[tuple[str, ClaimResult]]:
    """The lines an instance's table shows for one claim: the claim, or each of its parts.

    Parameters
    ----------
    claim_id : str
        The claim id.
    result : ClaimResult
        Its result.

    Returns
    -------
    list of (str, ClaimResult)
        A label (``C1``, ``C5 (a)``) and the result it shows.
    """
    if not result.parts:
        return [(claim_id, result)]
    return [(part_label(p.claim), p) for p in result.parts]


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


def margin_text(result: ClaimResult) -> str:
    """A result's margin as text (``1/4``), C7's record ratio (``ratio 2``), or ``-``.

    Parameters
    ----------
    result : ClaimResult
        A checker's result.

    Returns
    -------
    str
        The text.
    """
    if result.claim == "C7":
        ratio = ratio_of(result)
        return "-" if ratio is None else f"ratio {ratio}"
    value = margin(result)
    return "-" if value is None or result.verdict is Verdict.VACUOUS else str(value)


def cell(result: ClaimResult | None, skipped: str | None = None) -> str:
    """A verdict with its margin, or an open question's finding, as one short cell.

    ``holds 1/4``, ``vacuous``, ``counterexample -1/2``; for an open question its finding
    (``record ratio 2``, ``C1 fails with adversarial ties, margin -1/4``), never ``holds``.

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
    value = margin(result)
    if result.outcome == FINDING:
        if result.claim == "C7" or value is None:
            return result.finding
        return f"{result.finding}, margin {value}"
    if result.verdict is Verdict.VACUOUS or value is None:
        return result.verdict.value
    return f"{result.verdict.value} {value}"


def _profiles(analysis: Analysis, options: CheckOptions) -> int:
    game = analysis.game(Mode.ANONYMOUS, Deterministic(), limit=options.limit, law_limit=options.law_limit)
    return game.profile_count()


def check_entry(
    path: Path,
    name: str,
    instance: Instance,
    options: CheckOptions | None = None,
    profile_limit: int = PROFILE_LIMIT,
) -> Entry:
    """Check every claim on one instance, all through one analysis of it, skipping those too large.

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
    profile_limit : int
        Skip the claims when the anonymous deterministic game has more profiles than this (C4,
        which solves four games, above a quarter of it).

    Returns
    -------
    Entry
        The results, skips and timings.
    """
    options = options or CheckOptions()
    entry = Entry(path, name, instance)
    analysis = Analysis(instance)
    try:
        profiles = _profiles(analysis, options)
    except PluralisError as error:
        profiles = None
        too_large = str(error)
    for claim_id, claim in claims().items():
        if profiles is None:
            entry.skipped[claim_id] = too_large
            continue
        limit = profile_limit // TIE_SHARE if claim_id == "C4" else profile_limit
        if profiles > limit:
            entry.skipped[claim_id] = (
                f"{profiles} deterministic profiles: too many for a quick run (above {limit:,}; "
                "raise it with --profile-limit N)"
            )
            continue
        started = time.perf_counter()
        try:
            entry.results[claim_id] = claim.check(analysis, options)
        except PluralisError as error:
            entry.skipped[claim_id] = str(name_limit_option(error))
        entry.seconds[claim_id] = time.perf_counter() - started
    return entry


def run_library(
    files: list[Path],
    root: Path,
    load: Callable[[Path], Instance],
    progress: Callable[[Entry | Unreadable], None] | None = None,
    profile_limit: int = PROFILE_LIMIT,
    options: CheckOptions | None = None,
) -> list[Entry | Unreadable]:
    """Check every claim on every file of a library; a file that cannot be read is kept with its reason.

    Parameters
    ----------
    files : list of Path
        The instance files.
    root : Path
        The library folder (names are relative to it).
    load : callable
        Reads one instance file (raises :class:`~solver.core.errors.PluralisError` on a bad one).
    progress : callable, optional
        Called with each finished entry.
    profile_limit : int
        As in :func:`check_entry`.
    options : CheckOptions, optional
        The checkers' options, as in :func:`check_entry`.

    Returns
    -------
    list of Entry or Unreadable
        One per file, in order.
    """
    entries: list[Entry | Unreadable] = []
    for path in files:
        name = str(path.relative_to(root)) if path.is_relative_to(root) else str(path)
        done: Entry | Unreadable
        try:
            instance = load(path)
        except PluralisError as error:
            done = Unreadable(path, name, str(error))
        else:
            done = check_entry(path, name, instance, options, profile_limit)
        entries.append(done)
        if progress is not None:
            progress(done)
    return entries


def _escape(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def markdown_report(entries: list[Entry | Unreadable], seconds: float) -> str:
    """A short Markdown report: claims, outcome counts, the verdict table and what each witness shows.

    Parameters
    ----------
    entries : list of Entry or Unreadable
        The library's results, and the files that could not be read.
    seconds : float
        The total time.

    Returns
    -------
    str
        The report.
    """
    registry = claims()
    checked = [e for e in entries if isinstance(e, Entry)]
    unreadable = [e for e in entries if isinstance(e, Unreadable)]
    shown = columns(list(registry))
    lines = [
        "# pluralis reproduce",
        "",
        f"{len(checked)} instance(s), checked in {seconds:.1f} s. Every claim of SPEC.md §8 is checked "
        "with deterministic rules, deviator-favourable ties and δ = 0; C2 and C5 certify their equilibria "
        "in full (each certificate re-checked by the independent verifier), and C4 re-runs C1 and C3 "
        "with canonical and adversarial ties. A margin is the smallest `worst − bound` over a verdict's "
        "rows: a theorem that holds has a non-negative margin; a witness (C2, C5) shows how far below "
        "its benchmark a user falls. C5's parts (a) and (b) have a verdict each. C4 and C7 are open "
        "questions: they get a *finding*, not a verdict (C4: which theorem fails with which ties; C7: "
        "the record ratio `(Bench_i(T) − u_i)/ε_i(T)`).",
        "",
        "## Claims",
        "",
        "| claim | status | statement | holds | finding | vacuous | counterexample | skipped |",
        "|---|---|---|---|---|---|---|---|",
    ]
    statements = {part: text for claim in registry.values() for part, text in claim.parts}
    for column in _count_rows(registry):
        claim = registry[column.claim]
        counts = dict.fromkeys((*(v.value for v in Verdict), FINDING), 0)
        for e in checked:
            result = column.result(e)
            if result is not None:
                counts[result.outcome] += 1
        skipped = sum(1 for e in checked if column.claim in e.skipped)
        name = f"{column.claim} {claim.title}" if column.part is None else column.header
        statement = claim.statement if column.part is None else statements[column.part]
        lines.append(
            f"| {name} | {claim.status.value} | {_escape(statement)} | {counts[Verdict.HOLDS.value]} | "
            f"{counts[FINDING]} | {counts[Verdict.VACUOUS.value]} | {counts[Verdict.COUNTEREXAMPLE.value]} | "
            f"{skipped} |"
        )
    lines += ["", "## Verdicts and margins", "", "| instance | " + " | ".join(c.header for c in shown) + " |"]
    lines.append("|---" * (len(shown) + 1) + "|")
    for e in checked:
        lines.append(f"| {_escape(e.name)} | " + " | ".join(_escape(c.cell(e)) for c in shown) + " |")
    witnesses = [e for e in checked if "target" in dict(e.instance.provenance)]
    if witnesses:
        lines += ["", "## Instances found by the search", ""]
        for e in witnesses:
            provenance = dict(e.instance.provenance)
            target = provenance["target"]
            found = next((c for c in shown if target in (c.claim, c.part)), None)
            now = "" if found is None else f": {found.cell(e)}"
            lines.append(f"- `{e.name}` ({target}{now}): {_escape(provenance.get('note', ''))}")
    counterexamples = [
        (e, c, r) for e in checked for c, r in e.results.items() if r.outcome == Verdict.COUNTEREXAMPLE.value
    ]
    if counterexamples:
        lines += ["", "## Counterexamples", ""]
        for e, c, r in counterexamples:
            lines.append(f"- `{e.name}`, {c}: " + _escape("; ".join(r.reasons)))
    findings = _notable_findings(checked)
    if findings:
        lines += ["", "## Findings on the open questions", ""]
        for e, c, r in findings:
            lines.append(f"- `{e.name}`, {c}: {_escape(r.reasons[0] if r.reasons else r.finding)}")
    skips = [(e, c, why) for e in checked for c, why in e.skipped.items()]
    if skips:
        lines += ["", "## Skipped", ""]
        lines += [f"- `{e.name}`, {c}: {_escape(why)}" for e, c, why in skips]
    if unreadable:
        lines += ["", "## Files that could not be read", ""]
        lines += [f"- `{u.name}`: {_escape(u.reason)}" for u in unreadable]
    return "\n".join(lines) + "\n"


def _notable_findings(entries: list[Entry]) -> list[tuple[Entry, str, ClaimResult]]:
    """The open questions' findings worth a line: every failure C4 finds, and C7's largest ratio."""
    notable = [
        (e, c, r)
        for e in entries
        for c, r in e.results.items()
        if r.outcome == FINDING and c != "C7" and r.verdict is not Verdict.HOLDS
    ]
    ratios = [
        (ratio, e, r) for e in entries if (r := e.results.get("C7")) and (ratio := ratio_of(r)) is not None
    ]
    if ratios:
        best = max(ratio for ratio, _, _ in ratios)
        notable += [(e, "C7", r) for ratio, e, r in ratios if ratio == best]
    return notable


def _count_rows(registry: dict[str, Claim]) -> list[Column]:
    """The rows of the claims table: each claim, followed by its parts."""
    rows = []
    for claim_id, claim in registry.items():
        rows.append(Column(claim_id, claim_id))
        rows.extend(Column(part_label(part), claim_id, part) for part, _ in claim.parts)
    return rows

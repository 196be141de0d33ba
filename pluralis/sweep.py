"""The ``pluralis sweep`` command: one parameter of a file swept over an interval, exactly (SPEC.md §9).

The answer is a partition of the closed interval into open pieces and points; on each piece the
combinatorial answer is constant and every number is an exact function of the parameter
(:mod:`solver.parametric.sweep`). Text output is a table of pieces; ``--json`` follows
:data:`SWEEP_SCHEMA`; ``--plot OUT.png`` (or ``.pdf``) draws every quantity against the parameter
with the breakpoints marked.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Sequence
from fractions import Fraction
from pathlib import Path
from typing import Any

import click
from rich.console import Console
from rich.table import Table

from pluralis.limits import (
    benchmark_limit_option,
    choice_limit_option,
    class_limit_option,
    law_limit_option,
    reading_limit_options,
    selection_limit_option,
)
from pluralis.output import json_text, output_console
from pluralis.progress import progress_bar
from solver.conversation.classes import parse_class
from solver.core.model import Instance
from solver.core.numbers import parse_number
from solver.equilibria.games import Mode
from solver.parametric.algebraic import AlgebraicNumber, Real, sympy_text
from solver.parametric.family import Family, SweepError
from solver.parametric.sweep import (
    CHECKS,
    Evaluation,
    Piece,
    SweepResult,
    describe_real,
    same_quantity,
    sweep,
)
from solver.parametric.values import ParamValue
from solver.responses.response import TiePolicy

SWEEP_SCHEMA = "pluralis.sweep/1"
"""The schema of ``pluralis sweep --json``."""

WHATS = ("inspect", "solve", "check", "commit")
"""What ``--what`` accepts."""

_PARAM = re.compile(r"^\s*([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.+?)\s*\.\.\s*(.+?)\s*$")


def parse_param(text: str) -> tuple[str, Fraction, Fraction]:
    """Read ``--param NAME=LOW..HIGH``.

    Parameters
    ----------
    text : str
        E.g. ``"p=1/100..99/100"``.

    Returns
    -------
    (str, Fraction, Fraction)
        The name and the interval's ends (exact).

    Raises
    ------
    SweepError
        For text of another shape; NumberError for an end that is not an exact number.
    """
    match = _PARAM.match(text)
    if match is None:
        raise SweepError(
            f"--param {text!r} is not NAME=LOW..HIGH; write e.g. --param p=0..1 or --param p=1/100..99/100"
        )
    name, low, high = match.groups()
    return (
        name,
        parse_number(low, f"--param {name} (low end)"),
        parse_number(high, f"--param {name} (high end)"),
    )


def make_evaluation(
    what: str,
    instance: Instance,
    *,
    mode: Mode,
    class_text: str,
    delta: Fraction,
    policy: TiePolicy,
    claims: Sequence[str] = (),
    full: bool = False,
    limit: int,
    selection_limit: int,
    choice_limit: int,
    law_limit: int,
    benchmark_limit: int,
) -> Evaluation:
    """The evaluation a sweep runs for ``--what``.

    Parameters
    ----------
    what : str
        ``inspect``, ``solve``, ``check`` or ``commit``.
    instance : Instance
        The file's instance (at its own parameter values), to read classes.
    mode, class_text, delta, policy, claims, full : object
        The options of the point commands.
    limit, selection_limit, choice_limit, law_limit, benchmark_limit : int
        Their limits.

    Returns
    -------
    Evaluation
        What to compute on each piece.

    Raises
    ------
    SweepError
        For a combination of options the sweep does not support.
    """
    if what == "inspect":
        from solver.parametric.inspect import InspectEvaluation

        return InspectEvaluation(benchmark_limit)
    if what == "commit":
        if class_text not in ("full", "deterministic"):
            raise SweepError(
                f"--what commit computes the optimal commitment over the class full; drop --class "
                f"{class_text} (or write --class full)"
            )
        if len(instance.providers) != 1:
            raise SweepError(
                f"--what commit needs a single provider (the file has {len(instance.providers)}); use "
                "--what solve for games with several providers"
            )
        from solver.parametric.commit import CommitEvaluation

        return CommitEvaluation(mode, choice_limit)
    if what == "solve":
        if class_text == "full":
            raise SweepError(
                "--what solve sweeps finite classes (deterministic, grid:Q, shared:P1,P2); for one "
                "provider over full use --what commit"
            )
        strategy_class = parse_class(class_text, instance)
        try:
            from solver.parametric.equilibria import SolveEvaluation
        except ImportError:
            raise SweepError("--what solve is not available in this installation") from None
        return SolveEvaluation(mode, strategy_class, delta, policy, limit, selection_limit)
    try:
        from proofs.claim import CheckOptions
        from proofs.parametric import CheckEvaluation  # type: ignore[import-not-found, unused-ignore]
    except ImportError:
        raise SweepError("--what check is not available in this installation") from None
    options = CheckOptions(
        parse_class(class_text, instance),
        delta,
        policy,
        full,
        limit,
        selection_limit,
        choice_limit,
        law_limit,
        benchmark_limit,
    )
    evaluation: Evaluation = CheckEvaluation(tuple(claims), options)
    return evaluation


# -- reading a result ------------------------------------------------------------------------------------


def quantity_text(quantity: Any) -> str | None:
    """A reported number as sympy text in the parameter (None stays None).

    Parameters
    ----------
    quantity : ParamValue, Fraction or None
        The number.

    Returns
    -------
    str or None
        E.g. ``"2*p"``, ``"1/2"``.
    """
    if quantity is None:
        return None
    if isinstance(quantity, ParamValue):
        return quantity.expression()
    return str(quantity)


def point_value(quantity: Any, piece: Piece) -> str | None:
    """A number on a piece as shown: its exact value at a rational point, else its function.

    Parameters
    ----------
    quantity : ParamValue, Fraction or None
        The number.
    piece : Piece
        Its piece.

    Returns
    -------
    str or None
        The text.
    """
    if quantity is None:
        return None
    if piece.kind == "point" and isinstance(piece.low, Fraction) and isinstance(quantity, ParamValue):
        return str(quantity.at(piece.low))
    return quantity_text(quantity)


def claim_summary(result: SweepResult) -> dict[str, dict[str, Any]]:
    """Per claim: whether it holds on the whole interval, else where it fails, with witnesses.

    A claim holds on the whole interval when no piece (open or point) has the verdict
    ``counterexample``; every failing piece is reported with a witness parameter value: its rational
    sample (an open piece) or its point (a rational point; an irrational point has no rational
    witness and says so).

    Parameters
    ----------
    result : SweepResult
        The sweep.

    Returns
    -------
    dict
        ``{claim: {"holds_on_interval": bool, "verdicts": [...], "failing": [{"from", "to", "kind",
        "witness"}]}}``.
    """
    summary: dict[str, dict[str, Any]] = {}
    name = result.parameter
    for piece in result.pieces:
        for claim, verdict in piece.answer.verdicts.items():
            entry = summary.setdefault(claim, {"holds_on_interval": True, "verdicts": [], "failing": []})
            if verdict not in entry["verdicts"]:
                entry["verdicts"].append(verdict)
            if verdict == "counterexample":
                entry["holds_on_interval"] = False
                witness = piece.sample if isinstance(piece.sample, Fraction) else None
                entry["failing"].append(
                    {
                        "from": sympy_text(piece.low, name),
                        "to": sympy_text(piece.high, name),
                        "kind": piece.kind,
                        "witness": None if witness is None else str(witness),
                    }
                )
    return summary


def sweep_to_json(result: SweepResult, what: str, title: str) -> dict[str, Any]:
    """The JSON form of a sweep (:data:`SWEEP_SCHEMA`).

    Parameters
    ----------
    result : SweepResult
        The sweep.
    what : str
        What was swept (``inspect``, ``solve``, ``check``, ``commit``).
    title : str
        The instance's title.

    Returns
    -------
    dict
        ``{"title", "what", "parameter", "interval": [LOW, HIGH], "breakpoints": [{"value", "exact"}],
        "pieces": [{"from", "to", "kind", "sample", "checked", "quantities": {NAME: sympy text or null},
        "values": {NAME: exact value at a rational point piece}, "verdicts": {CLAIM: verdict},
        "equilibria": [...] (solve)}], "claims": {...}, "evaluations", "fine_pieces",
        "checked_fine"}``. Ends of pieces are exact sympy text (a rational, or
        ``CRootOf(poly, k)`` for an irrational breakpoint).
    """
    name = result.parameter
    pieces = []
    for piece in result.pieces:
        entry: dict[str, Any] = {
            "from": sympy_text(piece.low, name),
            "to": sympy_text(piece.high, name),
            "kind": piece.kind,
            "sample": sympy_text(piece.sample, name),
            "checked": piece.checked,
            "quantities": {k: quantity_text(v) for k, v in piece.answer.quantities.items()},
            "verdicts": dict(piece.answer.verdicts),
        }
        if piece.kind == "point" and isinstance(piece.low, Fraction):
            entry["values"] = {k: point_value(v, piece) for k, v in piece.answer.quantities.items()}
        entry.update(piece.answer.details)
        pieces.append(entry)
    breakpoints = []
    for value in result.breakpoints:
        described = describe_real(value)
        if isinstance(value, AlgebraicNumber):
            described["exact"]["sympy"] = sympy_text(value, name)
        breakpoints.append(described)
    document: dict[str, Any] = {
        "title": title,
        "what": what,
        "parameter": name,
        "interval": [str(result.interval[0]), str(result.interval[1])],
        "breakpoints": breakpoints,
        "pieces": pieces,
        "evaluations": result.evaluations,
        "fine_pieces": result.fine_pieces,
        "checked_fine": result.checked_fine,
    }
    summary = claim_summary(result)
    if summary:
        document["claims"] = summary
    return document


def _missing_text(quantity: str) -> str:
    """How the table shows a quantity with no value: no equilibrium, an infinite factor, a vacuous row."""
    if quantity.startswith(("worst.", "best.")):
        return "none (no equilibrium)"
    if quantity.startswith("transfer_factor."):
        return "∞"
    return "none (vacuous)" if quantity.startswith("margin.") else "undefined"


def _piece_label(piece: Piece, name: str) -> str:
    if piece.kind == "point":
        return f"{name} = {_real_short(piece.low)}"
    return f"({_real_short(piece.low)}, {_real_short(piece.high)})"


def _real_short(value: Real) -> str:
    return f"≈{value.decimal(6)}" if isinstance(value, AlgebraicNumber) else str(value)


def print_sweep(console: Console, result: SweepResult, what: str, title: str) -> None:
    """Print a sweep as text: the breakpoints, then a table of pieces.

    Parameters
    ----------
    console : Console
        Where text goes.
    result : SweepResult
        The sweep.
    what : str
        What was swept.
    title : str
        The instance's title.
    """
    name = result.parameter
    low, high = result.interval
    console.print(f"{title}: sweep of {what} over {name} in [{low}, {high}]", style="bold")
    points = result.breakpoints
    if points:
        console.print(f"breakpoints ({len(points)}):")
        quiet = _structural_breakpoints(result)
        for k, value in enumerate(points):
            if isinstance(value, AlgebraicNumber):
                text = (
                    f"  {name} = root of {value.polynomial_text(name)} in ({value.interval[0]}, "
                    f"{value.interval[1]}) ≈ {value.decimal(12)}"
                )
            else:
                text = f"  {name} = {value}"
            if k in quiet:
                text += "  (the same numbers on both sides: what changes is the combinatorial answer)"
            console.print(text, soft_wrap=True)
    else:
        console.print("no breakpoint: one answer on the whole open interval")
    table = Table(
        title=f"pieces (open intervals and points); numbers as exact functions of {name}",
        title_justify="left",
        show_lines=True,
    )
    table.add_column("piece", no_wrap=True)
    table.add_column("quantity", no_wrap=True)
    table.add_column("value", overflow="fold")
    for piece in result.pieces:
        names: list[str] = []
        values: list[str] = []
        for quantity, number in piece.answer.quantities.items():
            names.append(quantity)
            shown = point_value(number, piece)
            values.append(_missing_text(quantity) if shown is None else shown)
        for claim, verdict in piece.answer.verdicts.items():
            names.append(f"verdict {claim}")
            values.append(verdict)
        table.add_row(_piece_label(piece, name), "\n".join(names), "\n".join(values))
    console.print(table)
    summary = claim_summary(result)
    for claim, entry in summary.items():
        if entry["holds_on_interval"]:
            console.print(
                f"{claim}: no counterexample on [{low}, {high}] (verdicts: {', '.join(entry['verdicts'])})"
            )
            continue
        parts = []
        for failing in entry["failing"]:
            where = (
                f"{name} = {failing['from']}"
                if failing["kind"] == "point"
                else f"({failing['from']}, {failing['to']})"
            )
            witness = failing["witness"] or "no rational point"
            parts.append(f"{where} (witness {name} = {witness})")
        console.print(f"{claim}: FAILS on " + "; ".join(parts), soft_wrap=True)
    unchecked = [p for p in result.pieces if not p.checked]
    console.print(
        f"{len(result.pieces)} pieces from {result.fine_pieces} before merging; {result.evaluations} traced "
        f"evaluations; every piece with a rational point checked by the point engine"
        + (" (and every piece before merging)" if result.checked_fine else "")
        + (f" ({len(unchecked)} irrational point(s) cannot be)" if unchecked else ""),
        style="dim",
    )


def _structural_breakpoints(result: SweepResult) -> set[int]:
    """The breakpoints (by index) where the numbers and verdicts continue but the structure changes."""
    found = set()
    interior = [k for k, p in enumerate(result.pieces) if p.kind == "point"][1:-1]
    for index, k in enumerate(interior):
        left, right = result.pieces[k - 1].answer, result.pieces[k + 1].answer
        if (
            dict(left.verdicts) == dict(right.verdicts)
            and list(left.quantities) == list(right.quantities)
            and all(same_quantity(left.quantities[q], right.quantities[q]) for q in left.quantities)
        ):
            found.add(index)
    return found


def plot_sweep(result: SweepResult, path: Path, title: str) -> None:
    """Draw every quantity against the parameter, breakpoints marked (PNG or PDF by extension).

    Curves are drawn from floating-point evaluations of the exact functions: the plot is for
    reading, never a reported number.

    Parameters
    ----------
    result : SweepResult
        The sweep.
    path : Path
        The output file, ``.png`` or ``.pdf``.
    title : str
        The figure's title.
    """
    suffix = path.suffix.lower()
    if suffix not in (".png", ".pdf"):
        raise SweepError(f"--plot {path}: the file must end in .png or .pdf")
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    name = result.parameter
    names = list(result.pieces[0].answer.quantities)
    figure, axes = plt.subplots(figsize=(8, 5))
    colours = plt.rcParams["axes.prop_cycle"].by_key()["color"]
    for index, quantity in enumerate(names):
        colour = colours[index % len(colours)]
        labelled = False
        for piece in result.pieces:
            value = piece.answer.quantities.get(quantity)
            if value is None:
                continue
            if piece.kind == "point":
                if isinstance(piece.low, Fraction):
                    y = value.at(piece.low) if isinstance(value, ParamValue) else value
                    axes.plot([float(piece.low)], [float(y)], "o", color=colour, markersize=3)
                continue
            a = float(piece.low.approximation(12) if isinstance(piece.low, AlgebraicNumber) else piece.low)
            b = float(piece.high.approximation(12) if isinstance(piece.high, AlgebraicNumber) else piece.high)
            xs = [a + (b - a) * k / 60 for k in range(1, 60)]
            ys = []
            for x in xs:
                try:
                    ys.append(float(value.at(Fraction(x)) if isinstance(value, ParamValue) else value))
                except ZeroDivisionError:
                    ys.append(float("nan"))
            axes.plot(xs, ys, "-", color=colour, label=None if labelled else quantity)
            labelled = True
    for breakpoint_ in result.breakpoints:
        x = float(breakpoint_.approximation(12) if isinstance(breakpoint_, AlgebraicNumber) else breakpoint_)
        axes.axvline(x, color="grey", linestyle="--", linewidth=0.8)
    axes.set_xlabel(f"parameter {name}")
    axes.set_ylabel("value")
    axes.set_title(title)
    if names:
        axes.legend(fontsize="small")
    figure.tight_layout()
    figure.savefig(path, format=suffix[1:])
    plt.close(figure)


@click.command("sweep")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "--param",
    "param_text",
    required=True,
    help="The parameter and the closed interval to sweep, NAME=LOW..HIGH with exact ends "
    '("p=1/100..99/100").',
)
@click.option(
    "--what",
    type=click.Choice(WHATS),
    default="inspect",
    show_default=True,
    help="What to compute on each piece: inspect's numbers, solve's worst and best equilibrium "
    "utilities, check's verdicts and margins, or a single provider's optimal commitment (full).",
)
@click.option(
    "--mode",
    type=click.Choice([m.value for m in Mode]),
    default=Mode.ANONYMOUS.value,
    show_default=True,
    help="With solve, check and commit: the personalized or the anonymous game.",
)
@click.option(
    "--class",
    "class_text",
    default="deterministic",
    show_default=True,
    help="With solve and check: the finite strategy class (deterministic, grid:Q, shared:P1,P2).",
)
@click.option("--delta", default="0", show_default=True, help='With solve and check: δ, exact ("1/10").')
@click.option(
    "--tie-policy",
    type=click.Choice([p.value for p in TiePolicy]),
    default=TiePolicy.FAVOURABLE.value,
    show_default=True,
    help="With solve and check: how users break ties when a deviation is evaluated (SPEC §4).",
)
@click.option(
    "--claim", "claim_ids", multiple=True, help="With check: claim id (C1 ... C7); repeat for several."
)
@click.option(
    "--full", is_flag=True, help="With check: only equilibria certified against every mixed deviation."
)
@class_limit_option()
@selection_limit_option()
@choice_limit_option("With commit and check: ")
@law_limit_option()
@benchmark_limit_option()
@reading_limit_options()
@click.option(
    "--plot",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Draw every quantity against the parameter into OUT.png or OUT.pdf.",
)
@click.option(
    "--check",
    "check",
    type=click.Choice(CHECKS),
    default="pieces",
    show_default=True,
    help="Where the point engine confirms the traced answer: at a rational point of every reported "
    "piece, or (fine) of every piece before merging too, including each point where the traced "
    "comparisons changed but the answer did not.",
)
@click.option("--json", "as_json", is_flag=True, help="Print JSON, every number an exact string.")
def sweep_command(
    file: Path,
    param_text: str,
    what: str,
    mode: str,
    class_text: str,
    delta: str,
    tie_policy: str,
    claim_ids: tuple[str, ...],
    full: bool,
    limit: int,
    selection_limit: int,
    choice_limit: int,
    law_limit: int,
    benchmark_limit: int,
    plot: Path | None,
    check: str,
    as_json: bool,
) -> None:
    """Sweep a parameter of FILE over an interval: exact pieces, breakpoints and functions (SPEC §9).

    The file declares the parameter (parameters: {p: "1/2"}) and uses it in its numbers ("1-p").
    The interval is cut into open pieces and points on which the answer of --what is constant, with
    every number an exact rational function of the parameter there; each piece is checked at a
    rational point by the ordinary engine (with --check fine, each piece before merging too). Exit
    status 2 on bad input.
    """
    name, low, high = parse_param(param_text)
    if plot is not None and plot.suffix.lower() not in (".png", ".pdf"):
        raise SweepError(f"--plot {plot}: the file must end in .png or .pdf")
    family = Family.from_file(file)
    evaluation = make_evaluation(
        what,
        family.instance,
        mode=Mode(mode),
        class_text=class_text,
        delta=parse_number(delta, "--delta"),
        policy=TiePolicy(tie_policy),
        claims=claim_ids,
        full=full,
        limit=limit,
        selection_limit=selection_limit,
        choice_limit=choice_limit,
        law_limit=law_limit,
        benchmark_limit=benchmark_limit,
    )
    with progress_bar("sweeping", not as_json and sys.stderr.isatty()) as hook:
        result = sweep(family, name, (low, high), evaluation, hook, check)
    title = family.instance.title or str(file)
    if as_json:
        click.echo(json_text(sweep_to_json(result, what, title), SWEEP_SCHEMA))
    else:
        print_sweep(output_console(), result, what, title)
    if plot is not None:
        plot_sweep(result, plot, title)
        if not as_json:
            output_console().print(f"plot written: {plot}", soft_wrap=True)


__all__ = [
    "SWEEP_SCHEMA",
    "claim_summary",
    "make_evaluation",
    "parse_param",
    "plot_sweep",
    "print_sweep",
    "sweep_command",
    "sweep_to_json",
]

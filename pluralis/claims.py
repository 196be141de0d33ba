"""The ``pluralis check`` command: claims of SPEC.md §8 on one instance."""

from __future__ import annotations

from pathlib import Path

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
from pluralis.output import CHECK_SCHEMA, json_text, output_console
from proofs.check import check_claims, results_to_json
from proofs.claim import CheckOptions, ClaimResult, Status, Verdict, part_label
from solver.conversation.classes import parse_class
from solver.core.numbers import parse_number
from solver.core.serialization import load
from solver.equilibria.games import Mode
from solver.responses.response import TiePolicy

FAIL_ON = ("never", "counterexample")
"""What ``--fail-on`` accepts."""
EXIT_COUNTEREXAMPLE = 1
"""Exit status of ``check --fail-on counterexample`` when a theorem gets a counterexample."""


@click.command()
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "--claim", "claim_ids", multiple=True, help="Claim id (C1 ... C7); repeat for several; default all."
)
@click.option(
    "--mode", type=click.Choice([m.value for m in Mode]), default=None, help="Only claims about this game."
)
@click.option(
    "--class",
    "class_text",
    default="deterministic",
    show_default=True,
    help="Finite class of the equilibria: deterministic or grid:Q.",
)
@click.option("--delta", default="0", show_default=True, help="δ of δ-equilibrium, exact.")
@click.option(
    "--tie-policy",
    type=click.Choice([p.value for p in TiePolicy]),
    default=TiePolicy.FAVOURABLE.value,
    show_default=True,
    help="Ties when deviations are evaluated.",
)
@click.option(
    "--full", is_flag=True, help="Quantify only over equilibria certified against every mixed deviation."
)
@class_limit_option()
@selection_limit_option()
@choice_limit_option("With --full and for C2, C5: ")
@law_limit_option()
@benchmark_limit_option()
@reading_limit_options()
@click.option(
    "--fail-on",
    type=click.Choice(FAIL_ON),
    default="never",
    show_default=True,
    help="Exit with status 1 when a theorem (C1, C3, C6) gets a counterexample (counterexample), or never.",
)
@click.option("--json", "as_json", is_flag=True, help="Print JSON, every number an exact string.")
def check(
    file: Path,
    claim_ids: tuple[str, ...],
    mode: str | None,
    class_text: str,
    delta: str,
    tie_policy: str,
    full: bool,
    limit: int,
    selection_limit: int,
    choice_limit: int,
    law_limit: int,
    benchmark_limit: int,
    fail_on: str,
    as_json: bool,
) -> None:
    """Check the claims of SPEC §8 on the instance FILE: a verdict per claim, user and T.

    Exit status 0 whatever the verdicts, unless --fail-on counterexample is given and a theorem
    gets a counterexample (status 1); 2 on bad input.
    """
    instance = load(file)
    policy = TiePolicy(tie_policy)
    if full and policy is not TiePolicy.FAVOURABLE:
        raise click.UsageError("--full certifies deviations with deviator-favourable ties only")
    options = CheckOptions(
        parse_class(class_text, instance),
        parse_number(delta, "--delta"),
        policy,
        full,
        limit,
        selection_limit,
        choice_limit,
        law_limit,
        benchmark_limit,
    )
    results = check_claims(instance, claim_ids, options, None if mode is None else Mode(mode))
    if as_json:
        click.echo(json_text(results_to_json(results), CHECK_SCHEMA))
    else:
        print_results(output_console(), instance.title or str(file), results)
    broken = refuted_theorems(results)
    if fail_on == "counterexample" and broken:
        click.echo(
            f"counterexample to {', '.join(broken)}: exit status 1 (--fail-on counterexample)", err=True
        )
        raise SystemExit(EXIT_COUNTEREXAMPLE)


def refuted_theorems(results: dict[str, ClaimResult]) -> list[str]:
    """The theorems among the results that got a counterexample.

    Parameters
    ----------
    results : dict
        Claim id to result.

    Returns
    -------
    list of str
        Their ids, in order.
    """
    return [
        claim_id
        for claim_id, result in results.items()
        if result.status is Status.THEOREM and result.verdict is Verdict.COUNTEREXAMPLE
    ]


def print_results(console: Console, title: str, results: dict[str, ClaimResult]) -> None:
    """Print verdict tables.

    Parameters
    ----------
    console : Console
        Where text goes.
    title : str
        The instance's title.
    results : dict
        Claim id to result.
    """
    console.print(title, style="bold")
    for claim_id, result in results.items():
        s = result.setting
        where = f"{s.mode.value} game, " if s.mode is not None else ""
        finding = f": {result.finding}" if result.finding else ""
        console.print(
            f"{claim_id} ({result.status.value}): {result.outcome.upper()}{finding}  — "
            f"{where}class {s.class_name}, "
            f"{s.policy.value} ties, δ = {s.delta}{', certified in full' if s.certified_in_full else ''}"
        )
        if result.parts:
            for part in result.parts:
                console.print(f"  {part_label(part.claim)}: {part.verdict.value.upper()}")
                for reason in part.reasons:
                    console.print(f"    {reason}")
        else:
            for reason in result.reasons:
                console.print(f"  {reason}")
        if result.rows:
            table = Table(box=None, pad_edge=False)
            for column in ("user", "T", "bound", "worst", "margin", "verdict", "note"):
                table.add_column(column)
            for r in result.rows:
                table.add_row(
                    r.user,
                    r.subset_label,
                    "-" if r.bound is None else str(r.bound),
                    "-" if r.worst is None else str(r.worst),
                    "-" if r.margin is None else str(r.margin),
                    r.verdict.value,
                    r.note,
                )
            console.print(table)

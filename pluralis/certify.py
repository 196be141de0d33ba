"""Command-line pieces for the class ``full``: certified equilibria, optimal commitments, certificates."""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path
from typing import Any

import click
from rich.console import Console
from rich.table import Table

from pluralis.interrupts import defer_interrupts, watch_interrupts
from pluralis.output import json_text
from solver.certificates import build_certificate, certificate_from_certification, write_certificate
from solver.certification import FullResult, certify_result
from solver.classes import parse_class
from solver.enumeration import DEFAULT_SELECTION_LIMIT, solve_equilibria
from solver.games import Game, Mode
from solver.model import Instance
from solver.oracle import DeviationBound, OracleOptions, solve_commitment
from solver.protocol import ConversationTree
from solver.response import DEFAULT_LAW_LIMIT, TiePolicy
from solver.results import SolveResult, equilibrium_to_json
from solver.verify import Verification, verify_file


def solve_full(
    console: Console,
    instance: Instance,
    mode: Mode,
    source_class: str,
    delta: Fraction,
    limit: int,
    as_json: bool,
    certificates: Path | None,
    oracle: OracleOptions | None = None,
    progress: bool = False,
    selection_limit: int = DEFAULT_SELECTION_LIMIT,
    law_limit: int = DEFAULT_LAW_LIMIT,
) -> None:
    """Equilibria in ``full``: a single provider's optimal commitment, or finite equilibria certified.

    Parameters
    ----------
    console : Console
        Where text goes.
    instance : Instance
        The game.
    mode : Mode
        Personalized or anonymous.
    source_class : str
        The finite class searched before certification (``deterministic`` or ``grid:Q``).
    delta : Fraction
        δ.
    limit : int
        Largest class enumerated.
    as_json : bool
        Print JSON instead of text.
    certificates : Path, optional
        Folder where a certificate is written for each certified equilibrium.
    oracle : OracleOptions, optional
        How the deviation oracle covers the users' choices.
    progress : bool
        Show progress bars on standard error.
    selection_limit : int
        The most best-response selections of one profile combined (δ > 0).
    law_limit : int
        The most outcome laws among a user's best responses to one rule.

    Raises
    ------
    KeyboardInterrupt
        After printing what was finished, when interrupted (Ctrl-C): the equilibria checked so
        far, with a status line that says how many were checked and how far they are certified,
        and their certificates (each written whole).
    """
    if len(instance.providers) == 1:
        _commitment(console, instance, mode, as_json, certificates, oracle or OracleOptions())
        return
    game = Game(instance, mode, parse_class(source_class, instance), limit=limit, law_limit=law_limit)
    # Both stages stop at Ctrl-C and return what they finished; the watch says it was Ctrl-C.
    with watch_interrupts() as watch:
        finite = solve_equilibria(
            game, delta, TiePolicy.FAVOURABLE, progress=progress, selection_limit=selection_limit
        )
        full = (
            certify_result(game, finite, oracle, progress=progress)
            if finite.complete
            else _unchecked(finite, len(instance.users))
        )
    interrupted = watch.interrupted
    written = []
    if certificates is not None:
        try:
            with defer_interrupts():  # every certificate file is written whole
                certificates.mkdir(parents=True, exist_ok=True)
                for k, c in enumerate(full.certifications):
                    if c.survives and c.certified:
                        path = certificates / f"equilibrium-{k + 1}.yaml"
                        write_certificate(certificate_from_certification(instance, c, delta), path)
                        written.append(str(path))
        except KeyboardInterrupt:
            interrupted = True
    if as_json:
        click.echo(json_text(_full_json(instance, full, source_class, written)))
    else:
        _print_full(console, instance, full, source_class)
        for name in written:
            console.print(f"certificate written: {name}", soft_wrap=True)
    if interrupted:
        raise KeyboardInterrupt


def _unchecked(finite: SolveResult, users: int) -> FullResult:
    """The result in ``full`` of an interrupted search of the finite class: nothing was checked."""
    return FullResult(finite, (), 0, (None,) * users, (None,) * users, certified=False, complete=False)


def _full_json(instance: Instance, full: FullResult, source_class: str, written: list[str]) -> dict[str, Any]:
    labels = [u.label for u in instance.users]
    equilibria = []
    for c in full.certifications:
        entry = equilibrium_to_json(instance, c.equilibrium)
        entry["survives_in_full"] = c.survives
        entry["deviation_bounds"] = {instance.providers[b.provider].label: str(b.value) for b in c.bounds}
        entry["deviation_bound_status"] = {instance.providers[b.provider].label: b.status for b in c.bounds}
        entry["deviation_bound_estimates"] = {
            instance.providers[b.provider].label: str(b.estimate) for b in c.bounds if b.estimate is not None
        }
        entry["status"] = c.status
        entry["certified"] = c.certified
        equilibria.append(entry)
    return {
        "mode": full.finite.mode.value,
        "class": "full",
        "searched_class": source_class,
        "tie_policy": TiePolicy.FAVOURABLE.value,
        "delta": str(full.finite.delta),
        "exact": full.certified and full.finite.exact,
        "status": full.status,
        "complete": full.complete,
        "finite_complete": full.finite.complete,
        "checked": len(full.certifications),
        "count": full.count,
        "finite_count": full.finite.count,
        "worst": {label: None if v is None else str(v) for label, v in zip(labels, full.worst)},
        "best": {label: None if v is None else str(v) for label, v in zip(labels, full.best)},
        "equilibria": equilibria,
        "certificates": written,
    }


def _print_full(console: Console, instance: Instance, full: FullResult, source_class: str) -> None:
    if full.complete:
        console.print(
            f"{full.finite.mode.value} game: {full.finite.count} equilibrium profile(s) in {source_class}; "
            f"{full.count} survive every mixed deviation ({full.status}, deviator-favourable ties, "
            f"δ = {full.finite.delta})",
            soft_wrap=True,
        )
    else:
        survivors = sum(1 for c in full.certifications if c.survives)
        console.print(
            f"{full.finite.mode.value} game, equilibria of {source_class} checked against every mixed "
            f"deviation (deviator-favourable ties, δ = {full.finite.delta}): {survivors} of the "
            f"{len(full.certifications)} checked survive; the table holds those checked",
            soft_wrap=True,
        )
        console.print(full.status, soft_wrap=True)
    tree = ConversationTree(instance.protocol)
    table = Table(box=None, pad_edge=False)
    for column in ("#", "rules", "utilities", "payoffs", "sup deviation", "in full"):
        table.add_column(column)
    for k, c in enumerate(full.certifications):
        e = c.equilibrium
        rules = "; ".join(
            f"{instance.providers[j].label}: {r.describe(instance.providers[j].signals, tree)}"
            for j, r in enumerate(e.rules)
        )
        utilities = ", ".join(f"{instance.users[o.user].label} {o.utility}" for o in e.outcomes)
        payoffs = ", ".join(
            f"{instance.providers[j].label} {lo}" + ("" if lo == hi else f"..{hi}")
            for j, (lo, hi) in enumerate(e.payoffs)
        )
        bounds = ", ".join(
            f"{instance.providers[b.provider].label} {'' if b.exhaustive else '≥ '}{b.value}"
            for b in c.bounds
        )
        verdict = "yes" if c.certified and c.survives else "no" if not c.survives else "yes?"
        table.add_row(str(k + 1), rules, utilities, payoffs, bounds, verdict)
    console.print(table)
    if any(not b.exhaustive for c in full.certifications for b in c.bounds):
        console.print(
            "≥ v: a certified candidate from the MIP (an exact lower bound on the supremum, not certified "
            "optimal); yes?: survives those candidates only",
            soft_wrap=True,
        )
    partial = "" if full.complete else f" (over the {len(full.certifications)} equilibria checked only)"
    for i, user in enumerate(instance.users):
        if full.worst[i] is None:
            which = source_class if full.complete else f"{source_class} checked before the interruption"
            console.print(f"{user.label}: no equilibrium of {which} survives in full")
        else:
            console.print(
                f"{user.label}: worst surviving utility {full.worst[i]}, best {full.best[i]}{partial}"
            )


def _commitment(
    console: Console,
    instance: Instance,
    mode: Mode,
    as_json: bool,
    certificates: Path | None,
    oracle: OracleOptions,
) -> None:
    """The single provider's optimal commitment over all mixed rules (the persuasion optimum)."""
    tree = ConversationTree(instance.protocol)
    provider = instance.providers[0]
    groups = (
        [tuple(range(len(instance.users)))]
        if mode is Mode.ANONYMOUS
        else [(i,) for i in range(len(instance.users))]
    )
    results = []
    interrupted = False
    try:
        for users in groups:
            bound = solve_commitment(
                instance, users, oracle.limit, method=oracle.method, time_limit=oracle.time_limit
            )
            document = build_certificate(instance, users, [bound.rule], [bound]) if bound.certified else None
            results.append((users, bound, document))
            if certificates is not None and document is not None:
                with defer_interrupts():  # the certificate file is written whole
                    certificates.mkdir(parents=True, exist_ok=True)
                    label = "" if mode is Mode.ANONYMOUS else f"-{instance.users[users[0]].label}"
                    write_certificate(document, certificates / f"commitment{label}.yaml")
    except KeyboardInterrupt:
        interrupted = True  # print the commitments computed, then exit as interrupted
    missing = groups[len(results) :]
    if as_json:
        click.echo(
            json_text(
                {
                    "mode": mode.value,
                    "class": "full",
                    "exact": all(b.certified for _, b, _ in results),
                    "complete": not interrupted,
                    "commitments": [
                        {
                            "users": [instance.users[i].label for i in users],
                            "payoff": str(b.value),
                            "rule": b.rule.to_document(provider.signals, tree),
                            "utilities": None
                            if d is None
                            else {k: v["utility"] for k, v in d["responses"].items()},
                            "certified": b.certified,
                            "status": b.status,
                            "estimate": None if b.estimate is None else str(b.estimate),
                        }
                        for users, b, d in results
                    ],
                },
            )
        )
    else:
        _print_commitments(console, instance, results)
        if interrupted and missing:
            who = "; ".join(", ".join(instance.users[i].label for i in users) for users in missing)
            console.print(
                f"INTERRUPTED: the optimal commitments towards {who} were not computed", soft_wrap=True
            )
    if interrupted:
        raise KeyboardInterrupt


def _print_commitments(
    console: Console,
    instance: Instance,
    results: list[tuple[tuple[int, ...], DeviationBound, dict[str, Any] | None]],
) -> None:
    tree = ConversationTree(instance.protocol)
    provider = instance.providers[0]
    for users, b, d in results:
        who = ", ".join(instance.users[i].label for i in users)
        console.print(
            f"optimal commitment of {provider.label} towards {who}: payoff {b.value} ({b.status})",
            soft_wrap=True,
        )
        if b.estimate is not None:
            console.print(f"  the MIP solver's estimate of the optimum: {b.estimate} (floating point)")
        console.print(f"  rule: {b.rule.describe(provider.signals, tree)}")
        if d is not None:
            console.print("  users: " + ", ".join(f"{k} {v['utility']}" for k, v in d["responses"].items()))


def print_verification(console: Console, path: Path, verification: Verification) -> None:
    """Print a verifier's verdict.

    Parameters
    ----------
    console : Console
        Where text goes.
    path : Path
        The certificate file.
    verification : Verification
        The verdict.
    """
    if verification.valid:
        console.print(
            f"{path}: valid ({verification.checked_programs} deviation programs checked)", soft_wrap=True
        )
    else:
        console.print(f"{path}: INVALID", soft_wrap=True)
        for reason in verification.reasons:
            console.print(f"  {reason}")


__all__ = ["print_verification", "solve_full", "verify_file"]

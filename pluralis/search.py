"""``pluralis search``: look for counterexamples and witnesses of the claims of SPEC.md §8."""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import fields, replace
from fractions import Fraction
from pathlib import Path
from typing import Any

import click
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from instances.generators import FAMILIES, Sizes, check_sizes, family_sizes
from pluralis.cluster import (
    CLUSTER_OPTION,
    ClusterError,
    ClusterSpec,
    Session,
    TaskFailure,
    cluster_option,
    connect,
    in_flight_option,
)
from pluralis.limits import (
    benchmark_limit_option,
    choice_limit_option,
    class_limit_option,
    law_limit_option,
    reading_limit_options,
    selection_limit_option,
)
from pluralis.output import output_console
from proofs.claim import CheckOptions, Kind
from proofs.search import (
    DEFAULT_BLOCK,
    DEFAULT_BUDGET,
    TARGETS,
    Mapper,
    RunState,
    SearchRequest,
    SearchState,
    find_target,
    run_search,
)
from solver.conversation.classes import parse_class
from solver.core.errors import ModelError
from solver.core.numbers import parse_number


def _sizes(base: Sizes, given: dict[str, Any]) -> Sizes:
    changes = {k: v for k, v in given.items() if v is not None}
    return replace(base, **changes)


def _mapper(session: Session[Any, Any]) -> Mapper:
    """The search's tasks on a cluster; a task that raises stops the search (the state is kept)."""

    def run(function: Callable[[Any], Any], jobs: Iterable[Any]) -> Iterator[tuple[Any, Any]]:
        for job, outcome in session.run(function, jobs):
            if isinstance(outcome, TaskFailure):
                raise ClusterError(
                    f"{CLUSTER_OPTION} {session.spec.describe()}: a search task failed on a worker "
                    f"({outcome.error}); what was found is kept, and the same command resumes"
                )
            yield job, outcome

    return run


def _command(
    name: str,
    method: str,
    family: str,
    budget: int,
    seed: int,
    sizes: Sizes,
    default: Sizes,
    options: CheckOptions,
    max_found: int,
    shrink: bool,
) -> str:
    parts = ["pluralis search", f"--claim {name}", f"--method {method}"]
    if method != "hypothesis":
        parts.append(f"--family {family}")
    parts += [f"--budget {budget}", f"--seed {seed}"]
    if max_found != 1:
        parts.append(f"--max-found {max_found}")
    if options.strategy_class != CheckOptions().strategy_class:
        parts.append(f"--class {options.strategy_class.name}")
    if options.delta:
        parts.append(f"--delta {options.delta}")
    usual = CheckOptions()
    for flag, value, standard in (
        ("--class-limit", options.limit, usual.limit),
        ("--selection-limit", options.selection_limit, usual.selection_limit),
        ("--choice-limit", options.choice_limit, usual.choice_limit),
        ("--law-limit", options.law_limit, usual.law_limit),
        ("--benchmark-limit", options.benchmark_limit, usual.benchmark_limit),
    ):
        if value != standard:
            parts.append(f"{flag} {value}")
    if not shrink:
        parts.append("--no-shrink")
    for f in fields(Sizes):
        value = getattr(sizes, f.name)
        if value != getattr(default, f.name):
            parts.append(f"--{f.name.replace('_', '-')} {value}")
    return " ".join(parts)


@click.command("search")
@click.option(
    "--claim",
    "claim_name",
    required=True,
    help=f"What to look for: {', '.join(TARGETS)} (C5a and C5b are the two parts of C5).",
)
@click.option(
    "--family", type=click.Choice(list(FAMILIES)), default=None, help="Seeded family (default: per claim)."
)
@click.option(
    "--method",
    type=click.Choice(["random", "hypothesis", "both"]),
    default="both",
    show_default=True,
    help="Seeded family instances, hypothesis examples with shrinking, or the first then the second.",
)
@click.option(
    "--budget",
    type=click.IntRange(min=0),
    default=DEFAULT_BUDGET,
    show_default=True,
    help="Family instances examined (random); examples per hypothesis round.",
)
@click.option("--seed", type=int, default=0, show_default=True, help="Seed of the family and of hypothesis.")
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("search-results"),
    show_default=True,
    help="Folder for the instances kept and the resumable state.",
)
@click.option(
    "--max-found",
    type=click.IntRange(min=1),
    default=1,
    show_default=True,
    help="Stop after this many hits (counting those of a resumed run).",
)
@click.option("--time-limit", type=float, default=None, help="Seconds after which nothing new is started.")
@click.option(
    "--class",
    "class_text",
    default="deterministic",
    show_default=True,
    help="Finite class of the equilibria: deterministic or grid:Q.",
)
@click.option("--delta", default="0", show_default=True, help="δ of δ-equilibrium, exact.")
@class_limit_option()
@selection_limit_option()
@choice_limit_option("C2, C5: ")
@law_limit_option()
@benchmark_limit_option()
@reading_limit_options()
@click.option("--no-shrink", is_flag=True, help="Keep hits as found, without shrinking.")
@cluster_option()
@in_flight_option()
@click.option(
    "--block",
    type=click.IntRange(min=1),
    default=DEFAULT_BLOCK,
    show_default=True,
    help=f"With {CLUSTER_OPTION}, random method: family indices examined by one task.",
)
@click.option("--states", type=int, default=None)
@click.option("--providers", type=int, default=None)
@click.option("--users", type=int, default=None)
@click.option("--actions", type=int, default=None)
@click.option("--signals", type=int, default=None)
@click.option("--worlds-per-state", type=int, default=None)
@click.option("--messages", type=int, default=None)
@click.option("--denominator", type=int, default=None)
@click.option("--epsilon", default=None, help="near-aligned: the target ε, exact.")
def search_command(
    claim_name: str,
    family: str | None,
    method: str,
    budget: int,
    seed: int,
    out: Path,
    max_found: int,
    time_limit: float | None,
    class_text: str,
    delta: str,
    limit: int,
    selection_limit: int,
    choice_limit: int,
    law_limit: int,
    benchmark_limit: int,
    no_shrink: bool,
    cluster: ClusterSpec | None,
    in_flight: int | None,
    block: int,
    epsilon: str | None,
    **size_options: int | None,
) -> None:
    """Search instances on which a claim fails, or, for an existence claim, a witness.

    Every instance kept is written at once into OUT (instance with provenance, certificate,
    verdict record); running the same command again resumes where it stopped. Interrupted
    (Ctrl-C), it prints what it finished and exits 130; the same command then ends with the same
    files as a run never interrupted. With --cluster, family instances (in blocks), hypothesis
    rounds and shrinking run on Dask distributed, and the files are those of a run here.
    """
    if cluster is None and in_flight is not None:
        raise click.UsageError("--in-flight bounds the tasks handed to a cluster; give it with --cluster")
    target = find_target(claim_name)
    given: dict[str, Any] = {k: v for k, v in size_options.items() if v is not None}
    if epsilon is not None:
        given["epsilon"] = parse_number(epsilon, "--epsilon")
    if method == "hypothesis" and (family is not None or given):
        chosen = (["--family"] if family is not None else []) + [
            f"--{name.replace('_', '-')}" for name in given
        ]
        raise ModelError(
            f"{', '.join(chosen)} choose the seeded family of --method random; --method hypothesis "
            "draws its own instances: leave them out, or use --method random or both"
        )
    family = family or target.family
    sizes = _sizes(family_sizes(family, target.sizes), given)
    if method != "hypothesis":
        check_sizes(family, sizes, given)
        try:
            check_sizes(family, sizes)
        except ModelError as error:
            raise ModelError(
                f"the sizes --claim {target.name} searches by default do not suit: {error}"
            ) from None
    options = CheckOptions(
        parse_class(class_text),
        parse_number(delta, "--delta"),
        limit=limit,
        selection_limit=selection_limit,
        choice_limit=choice_limit,
        law_limit=law_limit,
        benchmark_limit=benchmark_limit,
    )
    deadline = None if time_limit is None else time.monotonic() + time_limit
    console = output_console(140)
    methods = ["random", "hypothesis"] if method == "both" else [method]
    states: list[tuple[str, RunState]] = []
    running: tuple[str, SearchRequest] | None = None
    try:
        session = (
            contextlib.nullcontext(None)
            if cluster is None
            else connect(cluster, lambda line: click.echo(line, err=True), in_flight)
        )
        with session as connected:
            mapper = None if connected is None else _mapper(connected)
            for m in methods:
                found_before = sum(len(s.found) for _, s in states)
                if found_before >= max_found:
                    break
                request = SearchRequest(
                    target,
                    m,
                    family,
                    sizes,
                    seed,
                    budget,
                    options,
                    max_found=max_found - found_before,
                    deadline=deadline,
                    shrink=not no_shrink,
                    command=_command(
                        target.name,
                        m,
                        family,
                        budget,
                        seed,
                        sizes,
                        target.sizes,
                        options,
                        max_found,
                        not no_shrink,
                    ),
                )
                label = f"{target.name} {m}" + (f" {family}" if m == "random" else "") + f" seed {seed}"
                with Progress(
                    TextColumn(label),
                    BarColumn(),
                    MofNCompleteColumn(),
                    TextColumn("{task.fields[found]}"),
                    TimeElapsedColumn(),
                    console=Console(stderr=True),
                    transient=True,
                ) as bar:
                    task = bar.add_task(label, total=budget, found="")

                    def progress(
                        examined: int, state: RunState, task: Any = task, bar: Progress = bar
                    ) -> None:
                        text = f"found {len(state.found)}" + (
                            f", record {state.record}" if state.record else ""
                        )
                        bar.update(task, completed=min(examined, budget), found=text)

                    running = (m, request)
                    states.append((m, run_search(request, out, progress, mapper, block)))
                    running = None
    except KeyboardInterrupt:
        if running is not None:
            # What the interrupted run saved: everything up to its last finished instance or round.
            entry = SearchState(out).runs.get(running[1].key())
            if entry is not None:
                states.append((f"{running[0]} (INTERRUPTED)", RunState(**entry["state"])))
        if states:
            _print_summary(console, target.name, family, states, out)
        console.print(
            f"INTERRUPTED: everything found so far is in {out}; the same command resumes the search "
            "and ends where an uninterrupted one ends",
            soft_wrap=True,
        )
        raise
    _print_summary(console, target.name, family, states, out)
    if target.kind is Kind.RECORD:
        records = [Fraction(s.record) for _, s in states if s.record is not None]
        if records:
            best = max(records)
            verdict = "attained" if best >= 2 else "not attained"
            console.print(f"largest ratio (Bench_i(T) − u_i)/ε_i(T) observed: {best}; 2 is {verdict}")


def _print_summary(
    console: Console, name: str, family: str, states: list[tuple[str, RunState]], out: Path
) -> None:
    table = Table(title=f"pluralis search --claim {name}", title_justify="left")
    for column in ("method", "family", "tried", "skipped", "verdicts", "found", "record", "seconds"):
        table.add_column(column)
    for method, s in states:
        verdicts = ", ".join(f"{k} {v}" for k, v in sorted(s.verdicts.items()))
        table.add_row(
            method,
            family if method.startswith("random") else "hypothesis",
            str(s.tried),
            str(s.skipped),
            verdicts,
            ", ".join(s.found) or "-",
            "-" if s.record is None else f"{s.record} ({s.record_name})",
            f"{s.seconds:.1f}",
        )
    console.print(table)
    console.print(f"kept instances and search-state.json are in {out}", soft_wrap=True)

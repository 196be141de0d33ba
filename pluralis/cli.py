"""The ``pluralis`` command: inspect instances and reproduce the library's results.

Every error raised on purpose (:class:`solver.core.errors.PluralisError`) is printed as one line,
``error: ...``, with exit status 2; an interruption exits with status 130.
"""

from __future__ import annotations

import gc
import importlib
import os
import sys
import threading
import time
from collections.abc import Sequence
from fractions import Fraction
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click
from rich.console import Console
from rich.table import Table

from pluralis.folders import max_output_option, truncation_note
from pluralis.interrupts import ignore_interrupts, watch_interrupts
from pluralis.library import bundled_library, instance_files
from pluralis.limits import (
    benchmark_limit_option,
    choice_limit_option,
    class_limit_option,
    command_options,
    law_limit_option,
    name_limit_option,
    reading_limit_options,
    selection_limit_option,
)
from pluralis.output import (
    GROUPED_NOTE,
    INSPECT_SCHEMA,
    echo_error,
    json_text,
    output_console,
    shown_rows,
    users_table,
)
from pluralis.progress import progress_bar
from pluralis.reproduce import (
    PROFILE_LIMIT,
    Entry,
    Unreadable,
    columns,
    margin_text,
    markdown_report,
    run_library,
    shown_results,
)
from proofs.claim import CheckOptions
from solver.conversation.classes import DEFAULT_CLASS_LIMIT, parse_class
from solver.conversation.protocol import ConversationTree
from solver.core.errors import PluralisError, printable
from solver.core.model import Instance
from solver.core.numbers import parse_number
from solver.core.serialization import load
from solver.equilibria.games import Game, Mode
from solver.equilibria.regret import DEFAULT_SELECTION_LIMIT
from solver.equilibria.results import (
    SOLVE_SCHEMA,
    Method,
    SolveResult,
    relabelling_groups,
    relabelling_key,
    result_to_json,
)
from solver.oracle.problem import DEFAULT_MIP_TIME_LIMIT, METHODS, OracleMethod, OracleOptions
from solver.responses.response import DEFAULT_LAW_LIMIT, TiePolicy

if TYPE_CHECKING:
    from pluralis.inspection import InstanceSummary

# The public API and the inspection tables are imported by the commands that use them, so that
# ``pluralis check`` and ``pluralis --help`` do not pay for them.

EXIT_INVALID = 1
EXIT_INPUT_ERROR = 2
EXIT_INTERRUPTED = 130


LAZY_COMMANDS: dict[str, tuple[str, str]] = {
    "batch": ("pluralis.batch", "batch_command"),
    "check": ("pluralis.claims", "check"),
    "fit": ("pluralis.fit", "fit_command"),
    "generate": ("pluralis.generate", "generate_command"),
    "search": ("pluralis.search", "search_command"),
    "sweep": ("pluralis.sweep", "sweep_command"),
    "synthesize": ("pluralis.fit", "synthesize_command"),
}
"""Subcommands defined in modules of their own, imported only when one of them is run (so that
``pluralis check`` does not import numpy for ``fit`` or the process pool for ``batch``)."""

LAZY_HELP: dict[str, str] = {
    "batch": "Run a command over every instance file in DIRECTORY, in parallel, resumably.",
    "check": "Check the claims of SPEC §8 on the instance FILE: a verdict per claim, user and T.",
    "fit": "Fit every group of TABLE.csv by the providers' utilities (SPEC.md §10).",
    "generate": "Write COUNT instances of a FAMILY into OUT, with provenance and a catalog.json.",
    "search": "Search instances on which a claim fails, or, for an existence claim, a witness.",
    "sweep": "Sweep a parameter of FILE over an interval: exact pieces, breakpoints and functions (SPEC §9).",
    "synthesize": "Write a SYNTHETIC utility table (OUT/table.csv) and its stakes (OUT/stakes.csv).",
}
"""The first paragraph of each lazy subcommand's help, which ``pluralis --help`` lists without
importing its module (a test holds them equal to the commands' own)."""


class _Group(click.Group):
    """A click group that turns pluralis errors into one-line messages and Ctrl-C into status 130."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*super().list_commands(ctx), *LAZY_COMMANDS})

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        # As click lists them, but a lazy subcommand not yet imported stands in as a command with
        # the help of LAZY_HELP, shortened the same way.
        rows: list[tuple[str, click.Command]] = []
        for name in self.list_commands(ctx):
            if name in LAZY_HELP and name not in self.commands:
                rows.append((name, click.Command(name, help=LAZY_HELP[name])))
                continue
            command = self.get_command(ctx, name)
            if command is not None and not command.hidden:
                rows.append((name, command))
        if not rows:
            return
        limit = formatter.width - 6 - max(len(name) for name, _ in rows)
        with formatter.section("Commands"):
            formatter.write_dl([(name, command.get_short_help_str(limit)) for name, command in rows])

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name in LAZY_COMMANDS and cmd_name not in self.commands:
            module, attribute = LAZY_COMMANDS[cmd_name]
            command = getattr(importlib.import_module(module), attribute)
            assert isinstance(command, click.Command)
            self.add_command(command, cmd_name)
        return super().get_command(ctx, cmd_name)

    def invoke(self, ctx: click.Context) -> Any:
        try:
            # An engine that stops at Ctrl-C returns what it found; the command still exits 130.
            with watch_interrupts() as watch:
                result = super().invoke(ctx)
            if watch.interrupted:
                raise KeyboardInterrupt
            return result
        except PluralisError as error:
            command = self.get_command(ctx, ctx.invoked_subcommand or "")
            available = set() if command is None else command_options(command)
            echo_error(str(name_limit_option(error, available)))
            ctx.exit(EXIT_INPUT_ERROR)
        except KeyboardInterrupt:
            click.echo("interrupted", err=True)
            ctx.exit(EXIT_INTERRUPTED)


def _console() -> Console:
    return output_console()


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="pluralis")
def cli() -> None:
    """Exact equilibria and claim checking for pluralistic alignment games."""


@cli.command()
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@benchmark_limit_option()
@reading_limit_options()
@click.option("--json", "as_json", is_flag=True, help="Print JSON, every number an exact string.")
def inspect(file: Path, benchmark_limit: int, as_json: bool) -> None:
    """Summarise an instance FILE: users, providers, protocol, garblings, Bench_i(T) and OPT_i."""
    from pluralis.inspection import summarize, summary_to_json

    summary = summarize(load(file), benchmark_limit)
    if as_json:
        click.echo(json_text(summary_to_json(summary), INSPECT_SCHEMA))
    else:
        _print_summary(_console(), summary)


def _print_summary(console: Console, summary: InstanceSummary) -> None:
    instance = summary.instance
    console.print(f"{instance.title or '(untitled instance)'}  hash {summary.hash[:12]}", style="bold")
    if instance.description:
        console.print(instance.description)
    protocol = instance.protocol
    console.print(
        f"states: {', '.join(instance.states)}   worlds: {len(instance.worlds)}   "
        f"protocol: [{', '.join(protocol.turns)}]  "
        f"provider messages: {', '.join(protocol.provider_messages) or '-'}"
        f"  user messages: {', '.join(protocol.user_messages) or '-'}"
    )
    providers = Table(title="providers", title_justify="left")
    providers.add_column("provider")
    providers.add_column("signals")
    for i, user in enumerate(instance.users):
        providers.add_column(f"stake in {user.label} (λ)", justify="right")
        del i
    for j, provider in enumerate(instance.providers):
        providers.add_row(
            provider.label, ", ".join(provider.signals), *(str(s.weight) for s in instance.stakes[j])
        )
    console.print(providers)
    users = Table(title="users", title_justify="left")
    for column in ("user", "actions", "features", "OPT_i"):
        users.add_column(column)
    for i, user in enumerate(instance.users):
        users.add_row(user.label, ", ".join(user.actions), ", ".join(user.features), str(summary.optima[i]))
    console.print(users)
    benchmarks = Table(title="common garblings and benchmarks Bench_i(T)", title_justify="left")
    benchmarks.add_column("T")
    benchmarks.add_column("cells")
    for user in instance.users:
        benchmarks.add_column(user.label, justify="right")
    for subset in summary.subsets:
        benchmarks.add_row(subset.label, "  ".join(subset.cells), *(str(v) for v in subset.benchmarks))
    console.print(benchmarks)
    _print_alignment(console, summary)


def _print_alignment(console: Console, summary: InstanceSummary) -> None:
    """Weak Market Alignment per (T, user) and strong alignment per T (SPEC §7)."""
    instance = summary.instance
    uncertified = False
    weak = Table(title="weak market alignment: error ε_i(T), transfer factor 1/λ*_i", title_justify="left")
    for column in ("T", "user", "ε_i(T)", "1/λ*_i", "weights w_{j,i}", "offset c_i"):
        weak.add_column(column, justify="right" if column.startswith(("ε", "1/", "offset")) else "left")
    for subset in summary.subsets:
        for fit in subset.alignment:
            uncertified = uncertified or not fit.certified
            weights = "  ".join(
                f"{instance.providers[j].label} {w}" for j, w in zip(fit.providers, fit.weights)
            )
            factor = "∞" if fit.transfer_factor is None else str(fit.transfer_factor)
            weak.add_row(
                subset.label, instance.users[fit.user].label, str(fit.error), factor, weights, str(fit.offset)
            )
    console.print(weak)
    console.print("1/λ*_i = ∞: every least-error fit puts weight on a provider with λ_{j,i} = 0", style="dim")
    strong = Table(title="strong alignment and C3 bound terms (δ = 0)", title_justify="left")
    strong.add_column("T")
    strong.add_column("holds")
    strong.add_column("weights w_j")
    for user in instance.users:
        strong.add_column(f"{user.label} bound", justify="right")
    for subset in summary.subsets:
        result = subset.strong
        if result is None:
            continue
        uncertified = uncertified or not result.certified
        weights = (
            "-"
            if result.weights is None or not result.holds
            else "  ".join(
                f"{instance.providers[j].label} {w}" for j, w in zip(result.providers, result.weights)
            )
        )
        bounds = [str(b.bound_term) + ("" if b.attained else " (inf)") for b in result.bounds]
        strong.add_row(subset.label, "yes" if result.holds else "no", weights, *bounds)
    console.print(strong)
    console.print(
        "holds: one w and factors μ_i > 0 track every user with zero error; bound: min 2 Σ_k ε'_k(T) / μ_i "
        "((inf): approached as μ_i → ∞, not attained)",
        style="dim",
    )
    if uncertified:
        console.print("note: some alignment optimum could not be certified exactly", style="bold red")


def _solve(
    instance: Instance,
    mode: Mode,
    class_text: str,
    engine: str,
    delta: Fraction,
    policy: TiePolicy,
    limit: int,
    progress: bool,
    selection_limit: int = DEFAULT_SELECTION_LIMIT,
    law_limit: int = DEFAULT_LAW_LIMIT,
) -> SolveResult:
    from pluralis.api import solve_finite

    game = Game(instance, mode, parse_class(class_text, instance), limit=limit, law_limit=law_limit)
    with progress_bar("solving", progress and engine != Method.MIP.value) as hook:
        return solve_finite(game, Method(engine), delta, policy, selection_limit, hook)


@cli.command()
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "--mode",
    type=click.Choice([m.value for m in Mode]),
    default=Mode.ANONYMOUS.value,
    show_default=True,
    help="The personalized game (one rule per provider and user) or the anonymous one.",
)
@click.option(
    "--class",
    "class_text",
    default="deterministic",
    show_default=True,
    help="Strategy class: deterministic, grid:Q, shared:P1,P2 or full (SPEC §5).",
)
@click.option(
    "--engine",
    type=click.Choice(["enumerate", "mip"]),
    default="enumerate",
    show_default=True,
    help="mip: every equilibrium up to 10,000 profiles; above, existence and each user's worst and best "
    "equilibrium only (lazy deviation cuts, each witness verified exactly).",
)
@click.option("--delta", default="0", show_default=True, help='δ of δ-equilibrium, exact ("1/10").')
@click.option(
    "--tie-policy",
    type=click.Choice([p.value for p in TiePolicy]),
    default=TiePolicy.FAVOURABLE.value,
    show_default=True,
    help="How users break ties when a deviation is evaluated (SPEC §4).",
)
@class_limit_option()
@selection_limit_option()
@law_limit_option()
@click.option("--show", type=int, default=20, show_default=True, help="Equilibria printed (text output).")
@click.option(
    "--from",
    "source_class",
    default="deterministic",
    show_default=True,
    help="With --class full: the finite class whose equilibria are certified against mixed deviations.",
)
@click.option(
    "--certificates",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="With --class full: write a certificate file per certified equilibrium into this folder "
    "(equilibrium-K.yaml, commitment[-I].yaml); a folder holding other files is refused.",
)
@click.option(
    "--replace",
    is_flag=True,
    help="With --certificates: remove the certificates of another instance or other options from the "
    "folder instead of refusing it (other files are never removed).",
)
@click.option(
    "--oracle",
    type=click.Choice(list(METHODS)),
    default="auto",
    show_default=True,
    help="With --class full: solve every combination of the users' choices (exhaustive, exact), ask a "
    "MIP for them (mip, a certified candidate), or exhaustive up to --choice-limit and the MIP above (auto).",
)
@choice_limit_option("With --class full: ")
@click.option(
    "--oracle-time-limit",
    type=click.FloatRange(min=0, min_open=True),
    default=DEFAULT_MIP_TIME_LIMIT,
    show_default=True,
    help="With --class full: seconds the MIP solver may spend on one deviation.",
)
@max_output_option("With --json: ")
@click.option(
    "--group-relabelled/--no-group-relabelled",
    "group",
    default=True,
    show_default=True,
    help="Text output: show one equilibrium per group of equilibria that differ only by a renaming of "
    "the provider messages, with the group's size (--json lists every equilibrium with its group).",
)
@reading_limit_options()
@click.option("--json", "as_json", is_flag=True, help="Print JSON, every number an exact string.")
def solve(
    file: Path,
    mode: str,
    class_text: str,
    engine: str,
    delta: str,
    tie_policy: str,
    limit: int,
    selection_limit: int,
    law_limit: int,
    show: int,
    source_class: str,
    certificates: Path | None,
    replace: bool,
    oracle: str,
    choice_limit: int,
    oracle_time_limit: float,
    max_output_equilibria: int,
    group: bool,
    as_json: bool,
) -> None:
    """Find every equilibrium of the game in FILE over a strategy class.

    Classes: deterministic, grid:Q, shared:P1,P2, and full. With --class full, a single provider's
    optimal commitment is computed exactly; with several providers, the equilibria of a finite
    class (--from) are certified against every mixed deviation.
    """
    instance = load(file)
    if class_text == "full":
        from pluralis.full import solve_full

        if TiePolicy(tie_policy) is not TiePolicy.FAVOURABLE:
            raise click.UsageError("--class full certifies deviations with deviator-favourable ties only")
        delta_value = parse_number(delta, "--delta")
        solve_full(
            _console(),
            instance,
            Mode(mode),
            source_class,
            delta_value,
            limit,
            as_json,
            certificates,
            OracleOptions(choice_limit, OracleMethod(oracle), oracle_time_limit),
            progress=not as_json and sys.stderr.isatty(),
            selection_limit=selection_limit,
            law_limit=law_limit,
            replace=replace,
            max_listed=max_output_equilibria,
            group=group,
        )
        return
    # The enumeration stops at Ctrl-C and returns what it found: print that, then exit 130.
    with watch_interrupts() as watch:
        try:
            result = _solve(
                instance,
                Mode(mode),
                class_text,
                engine,
                parse_number(delta, "--delta"),
                TiePolicy(tie_policy),
                limit,
                progress=not as_json and sys.stderr.isatty(),
                selection_limit=selection_limit,
                law_limit=law_limit,
            )
        except KeyboardInterrupt:
            # Outside the search (reading the game, building its table, assembling the result):
            # nothing finished to show.
            click.echo("INTERRUPTED before the search returned a result: nothing to show", err=True)
            raise
    hint = None
    if result.count == 0 and result.complete and result.policy is TiePolicy.FAVOURABLE:
        try:
            strategy_class = parse_class(class_text, instance)
            game = Game(instance, Mode(mode), strategy_class, limit=limit, law_limit=law_limit)
            from pluralis.api import HINT_PROFILE_LIMIT, count_under_other_ties

            hint = count_under_other_ties(game, result.delta, selection_limit, HINT_PROFILE_LIMIT)
        except KeyboardInterrupt:
            watch.interrupted = True  # the result is finished: print it without the hint
    if as_json:
        other = None if hint is None else hint.to_json()
        document = result_to_json(instance, result, max_output_equilibria, other, law_limit)
        click.echo(json_text(document, SOLVE_SCHEMA))
        if document["truncated"]:
            click.echo(truncation_note(len(result.equilibria), document["equilibria_listed"]), err=True)
    else:
        console = _console()
        try:
            _print_result(console, instance, result, show, group, law_limit)
        except KeyboardInterrupt:
            # The search had finished: its count and extremes stand; only the listing stopped.
            watch.interrupted = True
            console.print(
                "INTERRUPTED while listing the equilibria: the count above and the utilities below are "
                "those of the finished search",
                style="bold red",
                soft_wrap=True,
            )
            _print_utilities(console, instance, result, result.complete)
        if hint is not None:
            console.print(hint.describe(), style="bold", soft_wrap=True)
    if watch.interrupted:
        raise KeyboardInterrupt


def _print_result(
    console: Console,
    instance: Instance,
    result: SolveResult,
    show: int,
    group: bool = True,
    law_limit: int = DEFAULT_LAW_LIMIT,
) -> None:
    tree = ConversationTree(instance.protocol)
    status = "exact" if result.exact else "NOT certified exact"
    extremes = False
    if not result.complete and result.method is Method.MIP:
        from solver.equilibria.mip_extremes import EXTREMES_NOTE

        extremes = bool(result.notes) and result.notes[0].startswith(EXTREMES_NOTE)
    if not result.complete:
        status += (
            ", extremes only: listed, the equilibria attaining them"
            if extremes
            else ", INTERRUPTED: a partial list"
        )
    console.print(
        f"{result.mode.value} game, class {result.strategy_class.name}, δ = {result.delta}, deviations with "
        f"{result.policy.value} ties, engine {result.method.value} ({status}): "
        f"{result.count} equilibrium profile(s)"
    )
    if result.mode is Mode.PERSONALIZED:
        console.print("the personalized game splits by user; listed: each user's game's equilibria")
    rows = shown_rows(relabelling_groups([relabelling_key(instance, e) for e in result.equilibria]), group)
    table = Table(box=None, pad_edge=False)
    table.add_column("#", justify="right")
    if group:
        table.add_column("renamings", justify="right")
    table.add_column("rules")
    table.add_column("users: utility @ provider")
    table.add_column("provider payoffs")
    for k, size in rows[:show]:
        e = result.equilibria[k]
        rules = "; ".join(
            f"{instance.providers[j].label}: {r.describe(instance.providers[j].signals, tree)}"
            for j, r in enumerate(e.rules)
        )
        payoffs = ", ".join(
            f"{instance.providers[j].label} {lo}" + ("" if lo == hi else f"..{hi}")
            for j, (lo, hi) in enumerate(e.payoffs)
        )
        users = ", ".join(
            f"{instance.users[o.user].label} {o.utility} @ "
            + "/".join(instance.providers[j].label for j in o.providers)
            for o in e.outcomes
        )
        renamings = [f"×{size}"] if group else []
        table.add_row(str(k + 1), *renamings, rules, users, payoffs)
    console.print(table)
    if len(rows) > show:
        console.print(f"... {len(rows) - show} more (--show N, or --json for all)")
    if group and len(rows) < len(result.equilibria):
        console.print(GROUPED_NOTE, soft_wrap=True)
    if rows:
        shown = [(k + 1, result.equilibria[k]) for k, _ in rows[:show]]
        console.print(users_table(instance, shown, law_limit))
    _print_utilities(console, instance, result, result.complete or (extremes and result.exact))
    for note in result.notes:
        console.print(f"note: {note}", style="bold red")


def _print_utilities(console: Console, instance: Instance, result: SolveResult, settled: bool) -> None:
    """Each user's worst and best equilibrium utility, said to be partial unless ``settled``."""
    partial = "" if settled else " (over the equilibria found before the search stopped only)"
    for i, user in enumerate(instance.users):
        worst, best = result.worst[i], result.best[i]
        if worst is None:
            found = "in this class" if settled else "found before the search stopped"
            console.print(f"{user.label}: no equilibrium {found}")
        else:
            console.print(f"{user.label}: worst equilibrium utility {worst}, best {best}{partial}")


@cli.command()
@click.argument("certificates", nargs=-1, required=True, type=click.Path(dir_okay=False, path_type=Path))
@reading_limit_options()
def verify(certificates: tuple[Path, ...]) -> None:
    """Re-check equilibrium CERTIFICATES from the instance they embed.

    Every file is checked: a malformed one is named on one line (``error: PATH: reason``) and the
    others are still verified; each other one gets a line saying what it certifies (kind, mode,
    users, δ, instance title and hash) and whether it is valid, then, when it is not, the failing
    checks. Exit status: 0 when every certificate is valid, 1 when one is invalid, 2 when one is
    malformed (the worst of them).
    """
    from solver.certificates.verify import verify_file

    console = _console()
    status = 0
    for path in certificates:
        try:
            verification = verify_file(path)
        except PluralisError as error:
            click.echo(printable(f"error: {_naming(path, error)}"), err=True)
            status = max(status, EXIT_INPUT_ERROR)
            continue
        console.print(printable(f"{path}: {verification.describe()}"), soft_wrap=True)
        for reason in verification.reasons:
            console.print(printable(f"  {reason}"), soft_wrap=True)
        if not verification.valid:
            status = max(status, EXIT_INVALID)
    if status:
        raise SystemExit(status)


def _naming(path: Path, error: Exception | str) -> str:
    """An error's message starting with the file it is about (once)."""
    message = str(error)
    return message if message.startswith(str(path)) else f"{path}: {message}"


@cli.command()
@click.option(
    "--library",
    type=click.Path(file_okay=False, exists=True, path_type=Path),
    default=None,
    help="Folder of instance files (default: the bundled library).",
)
@click.option(
    "--report",
    type=click.Path(dir_okay=False, path_type=Path),
    default=Path("reports/reproduce.md"),
    show_default=True,
    help="Where the Markdown report is written.",
)
@click.option("--details", is_flag=True, help="Also print each instance's summary and extreme equilibria.")
@click.option(
    "--profile-limit",
    type=click.IntRange(min=0),
    default=PROFILE_LIMIT,
    show_default=True,
    help="Skip an instance's claims when its anonymous deterministic game has more profiles than this "
    "(C4, which solves four games, above a quarter of it).",
)
@class_limit_option()
@selection_limit_option()
@choice_limit_option("For C2, C5: ")
@law_limit_option()
@benchmark_limit_option()
@reading_limit_options()
def reproduce(
    library: Path | None,
    report: Path,
    details: bool,
    profile_limit: int,
    limit: int,
    selection_limit: int,
    choice_limit: int,
    law_limit: int,
    benchmark_limit: int,
) -> None:
    """Check every claim of SPEC §8 on the instance library: verdicts, margins and a Markdown report.

    Every file is checked: one that cannot be read is named with its reason (``error: PATH:
    reason``) and the others are still checked. Exit status 2 when a file could not be read, else 0.
    """
    console = output_console(160)
    files = instance_files(library)
    if not files:
        raise click.ClickException(f"no instance files in {library}")
    root = bundled_library() if library is None else library
    console.print(f"pluralis reproduce: {len(files)} instance(s)")
    started = time.perf_counter()

    def show(entry: Entry | Unreadable) -> None:
        if isinstance(entry, Unreadable):
            return  # named once, after the summary
        console.rule(entry.name)
        instance = entry.instance
        console.print(instance.title or "(untitled instance)", style="bold")
        if details:
            from pluralis.inspection import summarize

            _print_summary(console, summarize(instance))
            _print_extremes(console, instance)
        table = Table(box=None, pad_edge=False)
        for column in ("claim", "status", "outcome", "margin", "setting", "seconds", "what"):
            table.add_column(column)
        for claim_id, result in entry.results.items():
            seconds = f"{entry.seconds.get(claim_id, 0):.1f}"
            for label, shown in shown_results(claim_id, result):
                s = shown.setting
                table.add_row(
                    label,
                    shown.status.value,
                    shown.outcome,
                    margin_text(shown),
                    f"{s.class_name}, δ = {s.delta}" + (", certified in full" if s.certified_in_full else ""),
                    seconds,
                    shown.reasons[0] if shown.reasons else "",
                )
                seconds = ""
        for claim_id, why in entry.skipped.items():
            table.add_row(claim_id, "", "skipped", "-", "", "", why)
        console.print(table)

    options = CheckOptions(
        limit=limit,
        selection_limit=selection_limit,
        choice_limit=choice_limit,
        law_limit=law_limit,
        benchmark_limit=benchmark_limit,
    )
    entries = run_library(files, root, load, show, profile_limit, options)
    seconds = time.perf_counter() - started
    checked = [e for e in entries if isinstance(e, Entry)]
    unreadable = [e for e in entries if isinstance(e, Unreadable)]
    ids = sorted({c for e in checked for c in (*e.results, *e.skipped)}, key=lambda c: int(c[1:]))
    shown_columns = columns(ids)
    summary = Table(title="claims, verdicts and margins", title_justify="left")
    summary.add_column("instance")
    for column in shown_columns:
        summary.add_column(column.header)
    for entry in checked:
        summary.add_row(entry.name, *(column.cell(entry) for column in shown_columns))
    console.rule("summary")
    console.print(summary)
    console.print(
        "margin: smallest worst − bound over a verdict's rows (negative where a witness falls below a "
        "benchmark); C4, C7: open questions, shown by their finding (C7: the record ratio "
        "(Bench_i(T) − u_i)/ε_i(T))",
        style="dim",
    )
    for bad in unreadable:
        echo_error(_naming(bad.path, bad.reason))
    report.parent.mkdir(parents=True, exist_ok=True)
    report.write_text(markdown_report(entries, seconds), encoding="utf-8")
    console.print(f"report written to {report} ({seconds:.1f} s)", soft_wrap=True)
    if unreadable:
        raise SystemExit(EXIT_INPUT_ERROR)


def _print_extremes(console: Console, instance: Instance) -> None:
    """Worst and best equilibrium utility per user, in both games, over the deterministic class."""
    table = Table(
        title="equilibria over deterministic rules (deviator-favourable ties, δ = 0)", title_justify="left"
    )
    table.add_column("game")
    table.add_column("profiles", justify="right")
    for user in instance.users:
        table.add_column(f"{user.label} worst..best", justify="right")
    for mode in Mode:
        try:
            result = _solve(
                instance,
                mode,
                "deterministic",
                "enumerate",
                Fraction(0),
                TiePolicy.FAVOURABLE,
                DEFAULT_CLASS_LIMIT,
                progress=False,
            )
        except PluralisError as error:
            table.add_row(mode.value, "-", *(f"skipped: {error}" for _ in instance.users))
            continue
        cells = [
            "none" if w is None else (str(w) if w == b else f"{w}..{b}")
            for w, b in zip(result.worst, result.best)
        ]
        table.add_row(mode.value, str(result.count), *cells)
    console.print(table)


def main(argv: Sequence[str] | None = None) -> None:
    """Entry point of the ``pluralis`` console script.

    Parameters
    ----------
    argv : sequence of str, optional
        Arguments (default: ``sys.argv[1:]``).
    """
    # Everything imported so far lives as long as the process: the cyclic garbage collector need
    # not walk it again, neither during the command nor at exit (a tenth of a short command's CPU).
    gc.freeze()
    try:
        cli.main(args=list(argv) if argv is not None else sys.argv[1:], prog_name="pluralis")
    except KeyboardInterrupt:  # a second Ctrl-C while the first one was being reported
        ignore_interrupts()
        _exit_interrupted()
    except SystemExit as stop:
        # The command has finished or has been interrupted: a Ctrl-C while the interpreter shuts
        # down must not turn its exit status into death by SIGINT.
        ignore_interrupts()
        if stop.code == EXIT_INTERRUPTED:
            _exit_interrupted()
        raise


def _exit_interrupted() -> None:
    """Exit with status 130 once an interrupted command has reported what it kept.

    Everything the command keeps is written before it reports the interruption. A thread that is
    still alive then can only be waiting for work that was abandoned (the process pool's reader,
    when a worker was stopped in the middle of sending a result), so the interpreter is not left
    to wait for it: the streams are flushed and the process ends at once.
    """
    stragglers = [t for t in threading.enumerate() if t is not threading.main_thread() and not t.daemon]
    if stragglers:
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(EXIT_INTERRUPTED)
    raise SystemExit(EXIT_INTERRUPTED)

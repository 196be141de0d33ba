"""The ``pluralis`` command: inspect instances and reproduce the library's results.

Every error raised on purpose (:class:`solver.errors.PluralisError`) is printed as one line,
``error: ...``, with exit status 2; an interruption exits with status 130.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Sequence
from importlib import resources
from pathlib import Path
from typing import Any

import click
from rich.console import Console
from rich.table import Table

from solver.errors import PluralisError
from solver.inspection import InstanceSummary, summarize, summary_to_json
from solver.serialization import load

EXIT_INPUT_ERROR = 2
EXIT_INTERRUPTED = 130


class _Group(click.Group):
    """A click group that turns pluralis errors into one-line messages."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except PluralisError as error:
            click.echo(f"error: {error}", err=True)
            ctx.exit(EXIT_INPUT_ERROR)
        except KeyboardInterrupt:
            click.echo("interrupted", err=True)
            ctx.exit(EXIT_INTERRUPTED)


def _console() -> Console:
    return Console(highlight=False, soft_wrap=False, width=max(100, Console().width))


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="pluralis")
def cli() -> None:
    """Exact equilibria and claim checking for pluralistic alignment games."""


@cli.command()
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="Print JSON, every number an exact string.")
def inspect(file: Path, as_json: bool) -> None:
    """Summarise an instance FILE: users, providers, protocol, garblings, Bench_i(T) and OPT_i."""
    summary = summarize(load(file))
    if as_json:
        click.echo(json.dumps(summary_to_json(summary), indent=2, ensure_ascii=False))
    else:
        _print_summary(_console(), summary)


def _print_summary(console: Console, summary: InstanceSummary) -> None:
    instance = summary.instance
    console.print(f"[bold]{instance.title or '(untitled instance)'}[/bold]  hash {summary.hash[:12]}")
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


def library_files(directory: Path | None = None) -> list[Path]:
    """Every instance file of a library folder (the bundled library by default), sorted.

    Parameters
    ----------
    directory : Path, optional
        The folder; defaults to the ``instances`` package.

    Returns
    -------
    list of Path
        ``*.yaml``, ``*.yml`` and ``*.json`` files, recursively, excluding catalogs.
    """
    root = Path(str(resources.files("instances"))) if directory is None else directory
    files = [p for p in root.rglob("*") if p.suffix in {".yaml", ".yml", ".json"} and p.stem != "catalog"]
    return sorted(files)


@cli.command()
@click.option(
    "--library",
    type=click.Path(file_okay=False, exists=True, path_type=Path),
    default=None,
    help="Folder of instance files (default: the bundled library).",
)
def reproduce(library: Path | None) -> None:
    """Run over the instance library and print, per instance, every result computable so far."""
    console = _console()
    files = library_files(library)
    if not files:
        raise click.ClickException(f"no instance files in {library}")
    console.print(f"pluralis reproduce: {len(files)} instance(s)")
    for path in files:
        console.rule(str(path.name))
        _print_summary(console, summarize(load(path)))


def main(argv: Sequence[str] | None = None) -> None:
    """Entry point of the ``pluralis`` console script.

    Parameters
    ----------
    argv : sequence of str, optional
        Arguments (default: ``sys.argv[1:]``).
    """
    cli.main(args=list(argv) if argv is not None else sys.argv[1:], prog_name="pluralis")

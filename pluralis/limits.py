"""The limits that can refuse a computation, as options of the commands they can stop.

Every command that enumerates a strategy class, combines users' best-response selections, solves
the deviation oracle one choice combination at a time, collects a user's optimal outcome laws or
searches the T-shared rules of a benchmark takes the matching option, spelled the same everywhere:
``--class-limit``, ``--selection-limit``, ``--choice-limit``, ``--law-limit``,
``--benchmark-limit``. A refusal (:class:`solver.core.errors.ClassTooLargeError`) names the option of the
command being run. Every command that reads files also takes ``--max-file-size`` (the file-size
limit of :mod:`solver.core.documents`).
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from dataclasses import dataclass
from typing import Any, TypeVar

import click

from solver.conversation.classes import DEFAULT_CLASS_LIMIT
from solver.core.documents import (
    DEPTH_OPTION,
    FILE_SIZE_OPTION,
    MAX_DEPTH,
    MAX_FILE_SIZE,
    MAX_NODES,
    VALUES_OPTION,
    reading_limits,
)
from solver.core.errors import ClassTooLargeError, Limit, PluralisError
from solver.equilibria.regret import DEFAULT_SELECTION_LIMIT
from solver.oracle.problem import DEFAULT_CHOICE_LIMIT
from solver.responses.information import DEFAULT_BENCHMARK_LIMIT
from solver.responses.response import DEFAULT_LAW_LIMIT


@dataclass(frozen=True)
class _Spec:
    """How a limit is spelled on the command line, where its value goes, its default and help."""

    spellings: tuple[str, ...]
    parameter: str
    default: int
    help: str


_SPECS = {
    Limit.CLASS: _Spec(
        ("--class-limit", "--limit"),
        "limit",
        DEFAULT_CLASS_LIMIT,
        "Largest strategy class enumerated per provider.",
    ),
    Limit.SELECTION: _Spec(
        ("--selection-limit",),
        "selection_limit",
        DEFAULT_SELECTION_LIMIT,
        "Largest frontier of the users' tie selections kept at once: the undominated partial sums over "
        "users at one profile (and, in the personalized game with δ > 0, over their own games' equilibria).",
    ),
    Limit.CHOICE: _Spec(
        ("--choice-limit",),
        "choice_limit",
        DEFAULT_CHOICE_LIMIT,
        "Most combinations of the users' choices solved one by one per mixed deviation (certification "
        "in full).",
    ),
    Limit.LAW: _Spec(
        ("--law-limit",),
        "law_limit",
        DEFAULT_LAW_LIMIT,
        "Most distinct outcome laws among a user's best responses to one rule.",
    ),
    Limit.BENCHMARK: _Spec(
        ("--benchmark-limit",),
        "benchmark_limit",
        DEFAULT_BENCHMARK_LIMIT,
        "Most deterministic T-shared rules searched for one benchmark Bench_i(T).",
    ),
}

OPTIONS = {kind: spec.spellings[0] for kind, spec in _SPECS.items()}
"""The command-line option of each limit."""

_F = TypeVar("_F", bound=Callable[..., Any])


def limit_option(kind: Limit, help_prefix: str = "") -> Callable[[_F], _F]:
    """The option that raises one limit, spelled the same in every command.

    Parameters
    ----------
    kind : Limit
        The limit.
    help_prefix : str
        Put before the help text, saying which commands it serves (``"solve: "``).

    Returns
    -------
    callable
        A click decorator; the value is passed under the limit's parameter name (``limit``,
        ``selection_limit``, ``choice_limit``, ``law_limit``, ``benchmark_limit``).
    """
    spec = _SPECS[kind]
    text = f"{help_prefix}{spec.help[0].lower()}{spec.help[1:]}" if help_prefix else spec.help
    return click.option(
        *spec.spellings,
        spec.parameter,
        type=click.IntRange(min=0),
        default=spec.default,
        show_default=True,
        help=text,
    )


def class_limit_option(help_prefix: str = "") -> Callable[[_F], _F]:
    """``--class-limit`` (also ``--limit``): the largest strategy class enumerated (:func:`limit_option`)."""
    return limit_option(Limit.CLASS, help_prefix)


def selection_limit_option(help_prefix: str = "") -> Callable[[_F], _F]:
    """``--selection-limit``: the most selections combined at once (:func:`limit_option`)."""
    return limit_option(Limit.SELECTION, help_prefix)


def choice_limit_option(help_prefix: str = "") -> Callable[[_F], _F]:
    """``--choice-limit``: the most choice combinations solved one by one (:func:`limit_option`)."""
    return limit_option(Limit.CHOICE, help_prefix)


def law_limit_option(help_prefix: str = "") -> Callable[[_F], _F]:
    """``--law-limit``: the most outcome laws of a user's best responses (:func:`limit_option`)."""
    return limit_option(Limit.LAW, help_prefix)


def benchmark_limit_option(help_prefix: str = "") -> Callable[[_F], _F]:
    """``--benchmark-limit``: the most T-shared rules searched for a benchmark (:func:`limit_option`)."""
    return limit_option(Limit.BENCHMARK, help_prefix)


def name_limit_option(error: PluralisError, available: Collection[str] | None = None) -> PluralisError:
    """A refusal by a limit, reworded to name the option that raises it.

    Parameters
    ----------
    error : PluralisError
        Any pluralis error; only :class:`~solver.core.errors.ClassTooLargeError` is reworded.
    available : collection of str, optional
        The options of the command being run (default: every limit option).

    Returns
    -------
    PluralisError
        The error naming its option when the command has it, else the error unchanged.
    """
    if not isinstance(error, ClassTooLargeError) or error.kind is None:
        return error
    option = OPTIONS[error.kind]
    if available is not None and option not in available:
        return error
    return error.naming(option)


def _reading_option(spelling: str, field: str, metavar: str, text: str) -> Callable[[_F], _F]:
    """An option that sets one limit of :mod:`solver.core.documents` for the command's run."""

    def use(ctx: click.Context, parameter: click.Parameter, value: int | None) -> None:
        if value is not None:
            ctx.with_resource(reading_limits(**{field: value}))

    return click.option(
        spelling,
        type=click.IntRange(min=0),
        default=None,
        metavar=metavar,
        expose_value=False,
        callback=use,
        help=text,
    )


def reading_limit_options() -> Callable[[_F], _F]:
    """The options bounding what a file may cost: ``--max-file-size``, ``--max-depth``, ``--max-values``.

    Their values are not passed to the command: they set the limits of :mod:`solver.core.documents`
    for the command's run (restored when it ends).

    Returns
    -------
    callable
        A click decorator adding the three options.
    """
    options = (
        _reading_option(
            FILE_SIZE_OPTION,
            "max_file_size",
            "BYTES",
            f"Largest file read, in bytes [default: {MAX_FILE_SIZE:,} (16 MiB)].",
        ),
        _reading_option(
            DEPTH_OPTION,
            "max_depth",
            "N",
            f"Deepest nesting of lists and mappings in a file [default: {MAX_DEPTH}].",
        ),
        _reading_option(
            VALUES_OPTION,
            "max_nodes",
            "N",
            f"Most values in one file, aliases counted in full [default: {MAX_NODES:,}].",
        ),
    )

    def decorate(command: _F) -> _F:
        for option in reversed(options):
            command = option(command)
        return command

    return decorate


def command_options(command: click.Command) -> set[str]:
    """Every option spelling of a click command (``--class-limit``, ``--limit``, ``-h``, ...).

    Parameters
    ----------
    command : click.Command
        The command.

    Returns
    -------
    set of str
        The spellings.
    """
    return {spelling for parameter in command.params for spelling in parameter.opts}

"""The limits that can refuse a computation, as options of the commands they can stop.

Every command that enumerates a strategy class, combines users' best-response selections, solves
the deviation oracle one choice combination at a time, collects a user's optimal outcome laws or
searches the T-shared rules of a benchmark takes the matching option, spelled the same everywhere:
``--class-limit``, ``--selection-limit``, ``--choice-limit``, ``--law-limit``,
``--benchmark-limit``. A refusal (:class:`solver.errors.ClassTooLargeError`) names the option of the
command being run.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from typing import Any, TypeVar

import click

from solver.classes import DEFAULT_CLASS_LIMIT
from solver.enumeration import DEFAULT_SELECTION_LIMIT
from solver.errors import ClassTooLargeError, Limit, PluralisError
from solver.information import DEFAULT_BENCHMARK_LIMIT
from solver.oracle_context import DEFAULT_CHOICE_LIMIT
from solver.response import DEFAULT_LAW_LIMIT

OPTIONS = {
    Limit.CLASS: "--class-limit",
    Limit.SELECTION: "--selection-limit",
    Limit.CHOICE: "--choice-limit",
    Limit.LAW: "--law-limit",
    Limit.BENCHMARK: "--benchmark-limit",
}
"""The command-line option of each limit."""

_F = TypeVar("_F", bound=Callable[..., Any])


def _help(prefix: str, text: str) -> str:
    """An option's help, after a prefix that says which commands it serves (``solve: ...``)."""
    return f"{prefix}{text[0].lower()}{text[1:]}" if prefix else text


def class_limit_option(help_prefix: str = "") -> Callable[[_F], _F]:
    """The ``--class-limit`` option (also spelled ``--limit``): the largest strategy class enumerated.

    Parameters
    ----------
    help_prefix : str
        Put before the help text (``"solve: "``).

    Returns
    -------
    callable
        A click decorator; the value is passed as ``limit``.
    """
    return click.option(
        "--class-limit",
        "--limit",
        "limit",
        type=click.IntRange(min=0),
        default=DEFAULT_CLASS_LIMIT,
        show_default=True,
        help=_help(help_prefix, "Largest strategy class enumerated per provider."),
    )


def selection_limit_option(help_prefix: str = "") -> Callable[[_F], _F]:
    """The ``--selection-limit`` option: the most combinations of users' selections examined at once.

    Parameters
    ----------
    help_prefix : str
        Put before the help text.

    Returns
    -------
    callable
        A click decorator; the value is passed as ``selection_limit``.
    """
    return click.option(
        "--selection-limit",
        "selection_limit",
        type=click.IntRange(min=0),
        default=DEFAULT_SELECTION_LIMIT,
        show_default=True,
        help=_help(
            help_prefix,
            "Most combinations of the users' best responses at one profile (and, in the personalized "
            "game with δ > 0, of their own games' equilibria) examined.",
        ),
    )


def choice_limit_option(help_prefix: str = "") -> Callable[[_F], _F]:
    """The ``--choice-limit`` option: the most choice combinations the deviation oracle solves one by one.

    Parameters
    ----------
    help_prefix : str
        Put before the help text.

    Returns
    -------
    callable
        A click decorator; the value is passed as ``choice_limit``.
    """
    return click.option(
        "--choice-limit",
        "choice_limit",
        type=click.IntRange(min=0),
        default=DEFAULT_CHOICE_LIMIT,
        show_default=True,
        help=_help(
            help_prefix,
            "Most combinations of the users' choices solved one by one per mixed deviation "
            "(certification in full).",
        ),
    )


def law_limit_option(help_prefix: str = "") -> Callable[[_F], _F]:
    """The ``--law-limit`` option: the most outcome laws among a user's best responses to one rule.

    Parameters
    ----------
    help_prefix : str
        Put before the help text.

    Returns
    -------
    callable
        A click decorator; the value is passed as ``law_limit``.
    """
    return click.option(
        "--law-limit",
        "law_limit",
        type=click.IntRange(min=0),
        default=DEFAULT_LAW_LIMIT,
        show_default=True,
        help=_help(help_prefix, "Most distinct outcome laws among a user's best responses to one rule."),
    )


def benchmark_limit_option(help_prefix: str = "") -> Callable[[_F], _F]:
    """The ``--benchmark-limit`` option: the most T-shared rules searched for one benchmark.

    Parameters
    ----------
    help_prefix : str
        Put before the help text.

    Returns
    -------
    callable
        A click decorator; the value is passed as ``benchmark_limit``.
    """
    return click.option(
        "--benchmark-limit",
        "benchmark_limit",
        type=click.IntRange(min=0),
        default=DEFAULT_BENCHMARK_LIMIT,
        show_default=True,
        help=_help(help_prefix, "Most deterministic T-shared rules searched for one benchmark Bench_i(T)."),
    )


def name_limit_option(error: PluralisError, available: Collection[str] | None = None) -> PluralisError:
    """A refusal by a limit, reworded to name the option that raises it.

    Parameters
    ----------
    error : PluralisError
        Any pluralis error; only :class:`~solver.errors.ClassTooLargeError` is reworded.
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

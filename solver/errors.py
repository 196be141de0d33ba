"""The exception hierarchy of pluralis.

Every error raised on bad input derives from :class:`PluralisError` and from a builtin
(``ValueError`` or ``TypeError``), so callers may catch either. Messages are one line and
name the place in the input (``users.judge.utility[acquit][guilty]``) and the remedy.
"""

from __future__ import annotations

import enum
from typing import Any


class PluralisError(Exception):
    """Base class of every error pluralis raises on purpose."""


class InstanceError(PluralisError, ValueError):
    """An instance file or dictionary breaks a rule of SPEC.md §11.

    Parameters
    ----------
    place : str
        Where the defect is, as a dotted path (``worlds.w1.prob``); empty for the whole file.
    problem : str
        What is wrong and how to fix it.
    """

    def __init__(self, place: str, problem: str) -> None:
        self.place = _one_line(place)
        self.problem = _one_line(problem)
        super().__init__(f"{self.place}: {self.problem}" if self.place else self.problem)


def _one_line(text: str) -> str:
    """Join the lines of a message, so that every error prints on one line, and every character prints."""
    return printable(" ".join(part.strip() for part in text.splitlines() if part.strip()))


def printable(text: str) -> str:
    """The text with every lone UTF-16 surrogate written as an escape (``\\ud800``), so it can be printed.

    Parameters
    ----------
    text : str
        Any text, perhaps read from a file.

    Returns
    -------
    str
        The same text when it is valid Unicode; else with each surrogate escaped.
    """
    return text.encode("utf-8", "backslashreplace").decode("utf-8")


class NumberError(InstanceError):
    """A number is not an exact rational (a float, a bool, a non-finite or unreadable value)."""


class Limit(enum.Enum):
    """A limit that can refuse a computation, with the Python parameter that raises it.

    Each is also an option of the commands it can stop (``--class-limit`` and so on); the command
    line names that option in the error (:meth:`ClassTooLargeError.naming`).
    """

    CLASS = "class"
    SELECTION = "selection"
    CHOICE = "choice"
    LAW = "law"
    BENCHMARK = "benchmark"

    @property
    def parameter(self) -> str:
        """Where a Python caller raises this limit."""
        return _PARAMETERS[self][0]

    @property
    def alternative(self) -> str:
        """What else avoids the refusal."""
        return _PARAMETERS[self][1]


_PARAMETERS = {
    Limit.CLASS: ("Game(..., limit=N)", "choose a smaller class"),
    Limit.SELECTION: ("solve_equilibria(..., selection_limit=N)", "choose a smaller class"),
    Limit.CHOICE: ("OracleOptions(limit=N)", "let the MIP oracle solve the deviation"),
    Limit.LAW: ("Game(..., law_limit=N)", "use fewer messages or actions"),
    Limit.BENCHMARK: ("solve_benchmark(..., limit=N)", "use fewer provider messages or signals"),
}


class ClassTooLargeError(PluralisError, ValueError):
    """A strategy class or search space has more members than the caller's limit allows.

    Parameters
    ----------
    what : str
        What was to be enumerated.
    count : int
        Its exact size.
    limit : int
        The limit in force.
    kind : Limit, optional
        Which limit refused it (None when the limit has no name).
    option : str, optional
        The command-line option that raises this limit for the command being run.
    """

    def __init__(
        self, what: str, count: int, limit: int, kind: Limit | None = None, option: str | None = None
    ) -> None:
        self.what = what
        self.count = count
        self.limit = limit
        self.kind = kind
        self.option = option
        alternative = "choose a smaller class" if kind is None else kind.alternative
        if option is not None:
            remedy = f"raise it with {option} N"
        elif kind is not None:
            remedy = f"raise the {kind.value} limit ({kind.parameter})"
        else:
            remedy = "raise the limit"
        super().__init__(
            f"{what} has {count:,} members, above the limit {limit:,}; {remedy} or {alternative}"
        )

    def naming(self, option: str) -> ClassTooLargeError:
        """The same refusal, naming the option that raises the limit.

        Parameters
        ----------
        option : str
            The option of the command being run (``--selection-limit``).

        Returns
        -------
        ClassTooLargeError
            A new error whose message says to raise the limit with that option.
        """
        return ClassTooLargeError(self.what, self.count, self.limit, self.kind, option)

    def __reduce__(self) -> tuple[Any, ...]:
        return (ClassTooLargeError, (self.what, self.count, self.limit, self.kind, self.option))


class ModelError(PluralisError, ValueError):
    """A request does not make sense for the given instance (unknown label, wrong provider, ...)."""

"""The exception hierarchy of pluralis.

Every error raised on bad input derives from :class:`PluralisError` and from a builtin
(``ValueError`` or ``TypeError``), so callers may catch either. Messages are one line and
name the place in the input (``users.judge.utility[acquit][guilty]``) and the remedy.
"""

from __future__ import annotations


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
    """Join the lines of a message, so that every error prints on one line."""
    return " ".join(part.strip() for part in text.splitlines() if part.strip())


class NumberError(InstanceError):
    """A number is not an exact rational (a float, a bool, a non-finite or unreadable value)."""


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
    """

    def __init__(self, what: str, count: int, limit: int) -> None:
        self.what = what
        self.count = count
        self.limit = limit
        super().__init__(
            f"{what} has {count:,} members, above the limit {limit:,}; raise the limit "
            f"(limit=... in Python, --limit N on the command line) or choose a smaller class"
        )


class ModelError(PluralisError, ValueError):
    """A request does not make sense for the given instance (unknown label, wrong provider, ...)."""

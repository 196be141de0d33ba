"""The exception hierarchy of pluralis.

Every error raised on bad input derives from :class:`PluralisError` and from a builtin
(``ValueError`` or ``TypeError``), so callers may catch either. Messages are one line and
name the place in the input (``users.judge.utility[acquit][guilty]``) and the remedy.
"""

from __future__ import annotations

import enum
import re
import reprlib
import unicodedata
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
        self.place = one_line(place, MAX_PLACE_LENGTH)
        self.problem = one_line(problem, MAX_PROBLEM_LENGTH)
        super().__init__(f"{self.place}: {self.problem}" if self.place else self.problem)


MAX_PLACE_LENGTH = 300
"""Longest place an error message names; a longer one (a label built into a path) is cut short."""

MAX_PROBLEM_LENGTH = 1_000
"""Longest problem an error message states; a longer one is cut short."""


def one_line(text: str, limit: int = MAX_PROBLEM_LENGTH) -> str:
    """A message on one line, every character printable, at most ``limit`` characters.

    Parameters
    ----------
    text : str
        A message, perhaps quoting text from a file.
    limit : int
        The most characters kept.

    Returns
    -------
    str
        Its lines joined by spaces, escaped by :func:`printable` and cut by :func:`shorten`.
    """
    lines = (part.strip() for part in text[: 4 * limit].splitlines())
    return shorten(printable(" ".join(part for part in lines if part)), limit)


def shorten(text: str, limit: int = 60) -> str:
    """The text cut to at most ``limit`` characters, ending in ``...`` when it was cut.

    Parameters
    ----------
    text : str
        Any text.
    limit : int
        The most characters returned (at least 4).

    Returns
    -------
    str
        ``text`` itself when short enough.
    """
    return text if len(text) <= limit else text[: limit - 3] + "..."


_REPR = reprlib.Repr()
_REPR.maxstring = 60
_REPR.maxother = 60
_REPR.maxlong = 40
_REPR.maxlevel = 2
_REPR.maxlist = _REPR.maxtuple = _REPR.maxdict = _REPR.maxset = _REPR.maxfrozenset = 4


def shown(value: Any, limit: int = 60) -> str:
    """Quote a value from a file for a message: its ``repr``, at most ``limit`` characters.

    The representation is built cut short (:mod:`reprlib`): a value of many megabytes, or a list
    nested deeply, costs no more than a short one.

    Parameters
    ----------
    value : object
        A value read from a file.
    limit : int
        The most characters returned.

    Returns
    -------
    str
        A short, printable representation.
    """
    return shorten(printable(_REPR.repr(value)), limit)


# Characters that would act on a terminal instead of showing (C0 and C1 controls, DEL), change how
# the text around them is shown (format characters: bidirectional controls, zero-width characters),
# break lines (U+2028, U+2029) or cannot be encoded at all (lone surrogates).
_NOT_PRINTABLE = frozenset(("Cc", "Cf", "Cs", "Zl", "Zp"))
_ASCII_CONTROL = re.compile("[\x00-\x1f\x7f]")
_NOT_PLAIN_ASCII = re.compile("[^\x20-\x7e]")


def is_printable(character: str) -> bool:
    """Whether one character shows as itself: not a control, format, surrogate or separator character.

    Parameters
    ----------
    character : str
        One character.

    Returns
    -------
    bool
        False for Unicode categories Cc, Cf, Cs, Zl and Zp.
    """
    return unicodedata.category(character) not in _NOT_PRINTABLE


def printable(text: str, keep: str = "") -> str:
    """The text with every character that would not show as itself written as an escape.

    Control characters (ANSI escape sequences start with one), format characters (bidirectional
    overrides, zero-width characters), line and paragraph separators and lone UTF-16 surrogates
    are written as Python escapes (``\\x1b``, ``\\u202e``, ``\\ud800``), so that text read from
    a file can neither act on a terminal nor disguise what is printed around it.

    Parameters
    ----------
    text : str
        Any text, perhaps read from a file.
    keep : str
        Characters left as they are (``"\\n"`` for text printed on several lines).

    Returns
    -------
    str
        The same text when every character prints; else with those that do not escaped.
    """
    if text.isascii() and not _ASCII_CONTROL.search(text):
        return text

    def shown(match: re.Match[str]) -> str:
        c = match.group()
        return c if c in keep or is_printable(c) else _escape(c)

    return _NOT_PLAIN_ASCII.sub(shown, text)


def _escape(character: str) -> str:
    code = ord(character)
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}" if code < 0x10000 else f"\\U{code:08x}"


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

"""What commands write: output folders, and how many equilibria a JSON result lists.

Commands that write several files into a folder the user names (``solve --certificates DIR``,
``batch --out DIR``) follow the same rules: a file name never comes from a label (certificates
are numbered, batch results follow the library's own relative paths), every file written lies
inside the folder asked for once both are resolved (symbolic links included), and a folder that
holds files of another run (another instance, other options) is refused with a one-line error
naming a few of them, or cleared with an explicit ``--replace``. ``--replace`` only ever removes
files the command itself writes; anything else in the folder is left alone.

A JSON result (``solve --json``, a ``batch`` result file) lists at most ``--max-output-equilibria``
equilibria (:data:`solver.equilibria.results.DEFAULT_MAX_LISTED` by default): the counts, worst and best stay
over every equilibrium, ``equilibria_listed`` says how many are listed and ``truncated`` whether
some were left out.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, TypeVar

import click

from solver.core.errors import PluralisError, printable, shorten
from solver.equilibria.results import DEFAULT_MAX_LISTED

_F = TypeVar("_F", bound=Callable[..., Any])

MAX_OUTPUT_OPTION = "--max-output-equilibria"


class FolderError(PluralisError, ValueError):
    """An output folder cannot be used as asked (it holds another run's files, or lies in the input)."""


def is_inside(path: Path, folder: Path) -> bool:
    """Whether a path lies inside a folder (or is the folder), both resolved.

    Parameters
    ----------
    path : Path
        A file or folder, existing or not.
    folder : Path
        The folder.

    Returns
    -------
    bool
        True when the resolved path is the resolved folder or below it.
    """
    resolved, base = path.resolve(), folder.resolve()
    return resolved == base or base in resolved.parents


def written_inside(path: Path, folder: Path) -> Path:
    """A path about to be written, checked to lie inside the folder once resolved.

    Parameters
    ----------
    path : Path
        The file to write.
    folder : Path
        The folder it must lie in.

    Returns
    -------
    Path
        ``path`` itself.

    Raises
    ------
    FolderError
        When the resolved path leaves the folder (a symbolic link on the way).
    """
    if not is_inside(path.parent, folder) or path.is_symlink():
        raise FolderError(
            f"{printable(str(path))} would be written outside {printable(str(folder))} (a symbolic link); "
            "choose another folder"
        )
    return path


def names(paths: Sequence[Path | str], shown: int = 3) -> str:
    """A few file names for a one-line message: ``a.yaml, b.yaml and 4 more``.

    Parameters
    ----------
    paths : sequence of Path or str
        The files (their names are shown, escaped and cut short).
    shown : int
        The most names shown.

    Returns
    -------
    str
        The names.
    """
    listed = [shorten(printable(Path(p).name), 60) for p in paths[:shown]]
    more = len(paths) - len(listed)
    return ", ".join(listed) + (f" and {more} more" if more > 0 else "")


def write_atomically(path: Path, text: str) -> None:
    """Write a text file whole or not at all: a hidden temporary file beside it, then a rename.

    The rename replaces a symbolic link at ``path`` rather than writing through it.

    Parameters
    ----------
    path : Path
        The file.
    text : str
        Its content (UTF-8).
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    temporary.write_text(text, encoding="utf-8")
    os.replace(temporary, path)


def max_output_option(help_prefix: str = "") -> Callable[[_F], _F]:
    """The ``--max-output-equilibria N`` option (parameter ``max_output_equilibria``).

    Parameters
    ----------
    help_prefix : str
        Text put before the help (``"solve: "`` in ``batch``).

    Returns
    -------
    callable
        The click decorator.
    """
    return click.option(
        MAX_OUTPUT_OPTION,
        "max_output_equilibria",
        type=click.IntRange(min=0),
        default=DEFAULT_MAX_LISTED,
        show_default=True,
        help=help_prefix
        + "Most equilibria listed in a JSON result; the count, worst and best stay over all of them, "
        'and "truncated": true says that some were left out.',
    )


def truncation_note(count: int, listed: int) -> str:
    """The note printed when a JSON result lists only some equilibria.

    Parameters
    ----------
    count : int
        The equilibria found.
    listed : int
        The equilibria listed.

    Returns
    -------
    str
        One line naming the option that lists more.
    """
    return (
        f'note: {count:,} equilibria, the first {listed:,} listed ("truncated": true); the count, worst '
        f"and best are over all of them; list more with {MAX_OUTPUT_OPTION} N"
    )


__all__ = [
    "MAX_OUTPUT_OPTION",
    "FolderError",
    "is_inside",
    "max_output_option",
    "names",
    "truncation_note",
    "write_atomically",
    "written_inside",
]

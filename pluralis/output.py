"""The console every command prints to.

Numbers, labels and file names are printed as they are: no rich markup (an instance title such as
``[a] and [b]`` must not be read as style tags), no highlighting, and at least ``min_width``
columns so that tables of exact fractions stay readable in narrow or non-terminal outputs. Lines
that carry a file path are printed with ``soft_wrap=True`` by their callers, so that they are
never broken.
"""

from __future__ import annotations

from rich.console import Console


def output_console(min_width: int = 100) -> Console:
    """A console on standard output for a command's results.

    Parameters
    ----------
    min_width : int
        The least width used, even when the terminal (or a pipe) reports fewer columns.

    Returns
    -------
    Console
        Markup and highlighting off; text wraps, tables keep their columns.
    """
    return Console(highlight=False, markup=False, soft_wrap=False, width=max(min_width, Console().width))


__all__ = ["output_console"]

"""The console every command prints to, and the escaping of text that came from a file.

Numbers, labels and file names are printed as they are: no rich markup (an instance title such as
``[a] and [b]`` must not be read as style tags), no highlighting, and at least ``min_width``
columns so that tables of exact fractions stay readable in narrow or non-terminal outputs. Lines
that carry a file path are printed with ``soft_wrap=True`` by their callers, so that they are
never broken.

Text from a file never reaches the terminal raw: :func:`printable` writes every control character,
format character (bidirectional overrides, zero-width characters), line or paragraph separator and
lone surrogate as an escape (``\\x1b``), so that an ANSI sequence in a label cannot recolour,
rewrite or hide what is printed around it. The console of :func:`output_console` applies it to
every string it renders (table cells and titles included, line feeds and tabs kept); one-line
messages (``error: ...``) pass through :func:`printable` or :func:`echo_error`; JSON goes through
:func:`json_text`, which escapes the same characters as JSON escapes, so the document read back is
unchanged.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from typing import Any

import click
from rich.console import Console
from rich.table import Table
from rich.text import Text

from pluralis import __version__
from solver.core.errors import is_printable, printable
from solver.core.model import Instance
from solver.equilibria.results import Equilibrium, describe_outcome, describe_strategy, find_user_selections
from solver.responses.response import DEFAULT_LAW_LIMIT

INSPECT_SCHEMA = "pluralis.inspect/1"
"""The schema of ``pluralis inspect --json``."""
CHECK_SCHEMA = "pluralis.check/1"
"""The schema of ``pluralis check --json``."""
FIT_SCHEMA = "pluralis.fit/1"
"""The schema of ``pluralis fit --json``."""


class _EscapingConsole(Console):
    """A rich console that escapes what would not print as itself in every string it renders."""

    def render_str(self, text: str, **options: Any) -> Text:
        return super().render_str(printable(text, keep="\n\t"), **options)


def output_console(min_width: int = 100) -> Console:
    """A console on standard output for a command's results.

    Parameters
    ----------
    min_width : int
        The least width used, even when the terminal (or a pipe) reports fewer columns.

    Returns
    -------
    Console
        Markup and highlighting off; text wraps, tables keep their columns; every string rendered
        has its control and format characters escaped (:func:`printable`; line feeds and tabs kept).
    """
    return _EscapingConsole(
        highlight=False, markup=False, soft_wrap=False, width=max(min_width, Console().width)
    )


def echo_error(message: str) -> None:
    """Print a one-line error on standard error, ``error: MESSAGE``, every character printable.

    Parameters
    ----------
    message : str
        The message (it may quote a file's text).
    """
    click.echo(printable(f"error: {message}"), err=True)


_NOT_PLAIN_ASCII = re.compile("[^\x20-\x7e\n]")


def _json_escape(character: str) -> str:
    code = ord(character)
    if code < 0x10000:
        return f"\\u{code:04x}"
    code -= 0x10000
    return f"\\u{0xD800 + (code >> 10):04x}\\u{0xDC00 + (code & 0x3FF):04x}"


def stamped(document: dict[str, Any], schema: str) -> dict[str, Any]:
    """A JSON document headed by the version of pluralis that wrote it and the name of its schema.

    Parameters
    ----------
    document : dict
        The command's JSON document.
    schema : str
        The schema's name, ``pluralis.<command>/<version>`` (README, "JSON output").

    Returns
    -------
    dict
        ``{"pluralis_version": …, "schema": …}`` followed by the document's own fields.
    """
    return {"pluralis_version": __version__, "schema": schema, **document}


def json_text(document: Any, schema: str) -> str:
    """JSON for a terminal: indented, non-ASCII text kept, what would not print written as ``\\uXXXX``.

    Parameters
    ----------
    document : object
        A JSON-serializable document.
    schema : str
        The schema's name: the document is :func:`stamped` with it and the version of pluralis.

    Returns
    -------
    str
        ``json.dumps(document, indent=2, ensure_ascii=False)`` with every control, format or
        separator character escaped; ``json.loads`` of it gives the same document.
    """
    document = stamped(document, schema)
    text = json.dumps(document, indent=2, ensure_ascii=False)
    if text.isascii() and "\x7f" not in text:
        return text  # JSON escapes the other ASCII controls itself
    # Such characters occur only inside strings (the rest is ASCII), where an escape means the same.
    return _NOT_PLAIN_ASCII.sub(_json_shown, text)


def _json_shown(match: re.Match[str]) -> str:
    c = match.group()
    return c if is_printable(c) else _json_escape(c)


def users_table(
    instance: Instance,
    equilibria: Sequence[tuple[int, Equilibrium]],
    law_limit: int = DEFAULT_LAW_LIMIT,
) -> Table:
    """The users' side of equilibria: per equilibrium, user and admissible selection, one row.

    Parameters
    ----------
    instance : Instance
        The game.
    equilibria : sequence of (int, Equilibrium)
        Each equilibrium with its number (from 1, the ``#`` of the table above it).
    law_limit : int
        The most combinations of a user's optimal choices tried to play out one of her selections.

    Returns
    -------
    Table
        Columns ``#``, ``user``, ``provider`` (the one she uses in that selection), ``says and
        does`` (her message at each of her turns and her action after each transcript she
        reaches) and ``outcome`` (the probability of each action she may take), all exact.
    """
    table = Table(title="what each user does", title_justify="left", box=None, pad_edge=False)
    for column in ("#", "user", "provider", "says and does", "outcome"):
        table.add_column(column, justify="right" if column == "#" else "left")
    for number, e in equilibria:
        for o in e.outcomes:
            for s in find_user_selections(instance, e.rules, o, law_limit):
                table.add_row(
                    str(number),
                    instance.users[o.user].label,
                    instance.providers[s.provider].label,
                    describe_strategy(instance, o.user, s) or "-",
                    describe_outcome(instance, o.user, s),
                )
    return table


GROUPED_NOTE = (
    "renamings ×N: the equilibrium shown stands for N equilibria that differ from it only by a renaming "
    "of the provider messages (itself included), with the same users' outcomes and payoffs; "
    "--no-group-relabelled lists them all"
)
"""The note under a table that shows one equilibrium per group of renamings."""


def shown_rows(groups: Sequence[int], grouped: bool) -> list[tuple[int, int]]:
    """The equilibria a table shows: all, or the first of each group of renamings.

    Parameters
    ----------
    groups : sequence of int
        Each equilibrium's group (:func:`solver.equilibria.results.relabelling_groups`).
    grouped : bool
        Show one equilibrium per group.

    Returns
    -------
    list of (int, int)
        The index of each equilibrium shown and the size of its group, in order.
    """
    sizes: dict[int, int] = {}
    for g in groups:
        sizes[g] = sizes.get(g, 0) + 1
    if not grouped:
        return [(k, sizes[g]) for k, g in enumerate(groups)]
    seen: set[int] = set()
    rows = []
    for k, g in enumerate(groups):
        if g not in seen:
            seen.add(g)
            rows.append((k, sizes[g]))
    return rows


__all__ = [
    "CHECK_SCHEMA",
    "FIT_SCHEMA",
    "GROUPED_NOTE",
    "INSPECT_SCHEMA",
    "echo_error",
    "json_text",
    "output_console",
    "printable",
    "shown_rows",
    "stamped",
    "users_table",
]

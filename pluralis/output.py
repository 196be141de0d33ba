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
from typing import Any

import click
from rich.console import Console
from rich.text import Text

from pluralis import __version__
from solver.core.errors import is_printable, printable


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


__all__ = ["echo_error", "json_text", "output_console", "printable"]

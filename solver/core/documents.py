"""Reading YAML and JSON documents: one path for every file pluralis reads.

Instance files (SPEC.md §11), certificates (§9), a search's ``search-state.json`` and a batch's
result files are all read by :func:`load_document` (or :func:`parse_document` for text), with the
same rules:

* **Size.** At most :attr:`ReadLimits.max_file_size` bytes are read (one more, to tell that a file
  is larger, which is refused): a device such as ``/dev/zero`` or a huge file costs no more.
* **Text.** UTF-8, with or without a byte-order mark; a lone UTF-16 surrogate (a ``"\\ud800"``
  escape) in a key or a value is refused with its place.
* **Structure.** One document; at most :attr:`ReadLimits.max_depth` levels of nesting and
  :attr:`ReadLimits.max_nodes` values (keys, scalars, lists and mappings), counted as if every
  alias were written out in full; a key that appears
  twice in one mapping is refused with both lines (YAML) or its place (JSON).
* **YAML.** An alias (``*name``) and a merge key (``<<``) count as every value they repeat, so a
  kilobyte of aliases cannot stand for gigabytes of values; an alias is read as the same object as
  its anchor, as PyYAML reads it. Tags other than
  the standard ``!!str``, ``!!int``, ``!!float``, ``!!bool``, ``!!null``, ``!!seq`` and ``!!map``
  are refused. A plain number must be written in decimal: the spellings that YAML 1.1 reads as
  other numbers (``010`` as 8, ``0x10``, ``0b10``, ``1_000``, ``1:30`` as 90) are refused with the
  number YAML 1.1 would read and the remedy (plain decimal, or quotes for text). ``=`` is text.
* **Numbers.** A plain integer has at most :data:`MAX_DIGITS` digits.

The YAML reader builds the document from the parser's events, never from a node graph, so that it
holds nothing but the document itself. This module imports nothing of the engine: the independent
verifier (:mod:`solver.certificates.verify`) reads certificates with it.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import yaml

from solver.core.errors import (
    MAX_PLACE_LENGTH,
    MAX_PROBLEM_LENGTH,
    PluralisError,
    one_line,
    printable,
    shorten,
    shown,
)

MAX_FILE_SIZE = 16 * 2**20
"""Default largest file read, in bytes (16 MiB); the command line's ``--max-file-size``."""

MAX_DEPTH = 64
"""Default deepest nesting of lists and mappings (an instance needs 6 levels, a certificate about 10)."""

MAX_NODES = 1_000_000
"""Default most values in one document, keys, scalars, lists and mappings counted."""

MAX_DIGITS = 1000
"""Most digits of a plain integer (as :data:`solver.core.numbers.MAX_DIGITS`)."""

FILE_SIZE_OPTION = "--max-file-size"
"""The command-line option that raises the file-size limit."""

DEPTH_OPTION = "--max-depth"
"""The command-line option that raises the nesting limit."""

VALUES_OPTION = "--max-values"
"""The command-line option that raises the limit on the values of one document."""


@dataclass(frozen=True)
class ReadLimits:
    """What one file may cost to read.

    Attributes
    ----------
    max_file_size : int
        Largest file read, in bytes.
    max_depth : int
        Deepest nesting of lists and mappings.
    max_nodes : int
        Most values (keys, scalars, lists and mappings) in one document.
    """

    max_file_size: int = MAX_FILE_SIZE
    max_depth: int = MAX_DEPTH
    max_nodes: int = MAX_NODES


_limits = ReadLimits()


def current_limits() -> ReadLimits:
    """The limits in force when a call passes none.

    Returns
    -------
    ReadLimits
        The defaults, or those set by :func:`reading_limits`.
    """
    return _limits


def set_limits(limits: ReadLimits) -> ReadLimits:
    """Make limits the ones in force when a call passes none (in a worker process, say).

    Parameters
    ----------
    limits : ReadLimits
        The new limits.

    Returns
    -------
    ReadLimits
        The former ones.
    """
    global _limits
    former, _limits = _limits, limits
    return former


@contextmanager
def reading_limits(**changes: int) -> Iterator[ReadLimits]:
    """Read files with other limits inside a ``with`` block (the command line's options).

    Parameters
    ----------
    **changes
        Fields of :class:`ReadLimits` to change (``max_file_size=2**30``).

    Yields
    ------
    ReadLimits
        The limits in force inside the block; the former ones are restored after it.
    """
    former = set_limits(replace(_limits, **changes))
    try:
        yield _limits
    finally:
        set_limits(former)


class DocumentError(PluralisError, ValueError):
    """A file cannot be read as a document: too large, not UTF-8, bad syntax, a refused construct.

    Parameters
    ----------
    place : str
        Where the defect is, as a dotted path (``runs.abc.state``); empty for the whole file, when
        the problem names the file.
    problem : str
        What is wrong and how to fix it.
    """

    def __init__(self, place: str, problem: str) -> None:
        self.place = one_line(place, MAX_PLACE_LENGTH)
        self.problem = one_line(problem, MAX_PROBLEM_LENGTH)
        super().__init__(f"{self.place}: {self.problem}" if self.place else self.problem)


ErrorFactory = Callable[[str, str], Exception]
"""Builds the error a reader raises from a place and a problem (:class:`DocumentError` by default)."""


def read_text(path: str | Path, limits: ReadLimits | None = None, error: ErrorFactory = DocumentError) -> str:
    """Read a UTF-8 text file of bounded size.

    Parameters
    ----------
    path : str or Path
        The file.
    limits : ReadLimits, optional
        The limits (default: :func:`current_limits`).
    error : callable
        Builds the error raised, from a place and a problem.

    Returns
    -------
    str
        The text, without a leading byte-order mark.

    Raises
    ------
    Exception
        Built by ``error``, with an empty place and a problem naming the file: it cannot be read,
        is larger than the limit, or is not UTF-8.
    """
    limits = limits or _limits
    error = _tidy(error)
    path = Path(path)
    try:
        with path.open("rb") as handle:
            data = handle.read(limits.max_file_size + 1)
    except OSError as failure:
        raise error("", f"cannot read {path}: {failure.strerror or failure}") from None
    if len(data) > limits.max_file_size:
        raise error(
            "",
            f"{path} is larger than {limits.max_file_size:,} bytes, the most a file may hold; raise the "
            f"limit with {FILE_SIZE_OPTION} BYTES",
        )
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as failure:
        raise error("", f"{path} is not UTF-8 text (byte {failure.start})") from None
    return text[1:] if text.startswith("\ufeff") else text


def format_of(path: str | Path) -> str:
    """The format a file is read in, by its suffix: ``"json"`` for ``.json``, else ``"yaml"``.

    Parameters
    ----------
    path : str or Path
        The file.

    Returns
    -------
    str
        ``"json"`` or ``"yaml"``.
    """
    return "json" if Path(path).suffix.lower() == ".json" else "yaml"


def load_document(
    path: str | Path, limits: ReadLimits | None = None, error: ErrorFactory = DocumentError
) -> Any:
    """Read a YAML or JSON file (JSON for a ``.json`` suffix) under the rules of this module.

    Parameters
    ----------
    path : str or Path
        The file.
    limits : ReadLimits, optional
        The limits (default: :func:`current_limits`).
    error : callable
        Builds the error raised, from a place and a problem (``InstanceError`` for instances).

    Returns
    -------
    object
        The document: dicts, lists, strings, ints, floats, bools and None (None for an empty
        YAML file).
    """
    text = read_text(path, limits, error)
    return parse_document(text, format_of(path), str(path), limits, error)


def parse_document(
    text: str,
    format: str = "yaml",
    name: str = "<string>",
    limits: ReadLimits | None = None,
    error: ErrorFactory = DocumentError,
) -> Any:
    """Parse YAML or JSON text under the rules of this module.

    Parameters
    ----------
    text : str
        The text (a leading byte-order mark is ignored).
    format : {"yaml", "json"}
        Its format.
    name : str
        The source named in errors that concern the whole text.
    limits : ReadLimits, optional
        The limits (default: :func:`current_limits`); the file size is not checked here.
    error : callable
        Builds the error raised, from a place and a problem.

    Returns
    -------
    object
        The document.
    """
    limits = limits or _limits
    error = _tidy(error)
    if text.startswith("\ufeff"):
        text = text[1:]
    if format == "json":
        return _Json(name, limits, error).parse(text)
    if format == "yaml":
        return _Yaml(name, limits, error).parse(text)
    raise ValueError(f"unknown format {format!r}; use 'yaml' or 'json'")


def _tidy(error: ErrorFactory) -> ErrorFactory:
    """The same factory, given a place and a problem on one line, printable and cut short."""

    def tidy(place: str, problem: str) -> Exception:
        return error(one_line(place, MAX_PLACE_LENGTH), one_line(problem, MAX_PROBLEM_LENGTH))

    return tidy


def unicode_problem(text: str) -> str | None:
    """Why a text is not valid Unicode (it holds a lone UTF-16 surrogate), or None.

    Parameters
    ----------
    text : str
        Any text.

    Returns
    -------
    str or None
        The problem and its remedy, quoting the text cut short.
    """
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as failure:
        return (
            f"text '{shorten(printable(text))}' is not valid Unicode: character {failure.start + 1} is a "
            "lone UTF-16 surrogate; write the character itself (escaped above U+FFFF: YAML \\UXXXXXXXX, "
            "JSON a surrogate pair)"
        )
    return None


def _join(place: str, key: Any) -> str:
    return f"{place}.{key}" if place else str(key)


def _too_many(limits: ReadLimits) -> str:
    return (
        f"holds more than {limits.max_nodes:,} values (keys, numbers, texts, lists and mappings), the most "
        f"a document may hold; raise the limit with {VALUES_OPTION} N"
    )


def _too_deep(limits: ReadLimits) -> str:
    return (
        f"is nested too deeply: more than {limits.max_depth} levels of lists and mappings, the most a "
        f"document may have; raise the limit with {DEPTH_OPTION} N"
    )


# -- YAML ----------------------------------------------------------------------------------------------

_TAG = "tag:yaml.org,2002:"
_ALLOWED_TAGS = frozenset(_TAG + name for name in ("str", "int", "float", "bool", "null", "seq", "map"))
_DECIMAL_INTEGER = re.compile(r"[-+]?(?:0|[1-9][0-9]*)")


@dataclass(frozen=True)
class _Anchored:
    """A value that carries a YAML anchor, with what it costs each time an alias repeats it."""

    value: Any
    nodes: int
    height: int


class _Yaml:
    """Builds one YAML document from the parser's events, checking every rule on the way.

    An alias stands for its anchor's value (the same object, as PyYAML reads it) and counts as
    every value in it: a document's size and depth are those of the document written out in full.
    """

    def __init__(self, name: str, limits: ReadLimits, error: ErrorFactory) -> None:
        self.name = name
        self.limits = limits
        self.error = error
        self.nodes = 0
        self.anchors: dict[str, _Anchored | None] = {}
        self.aliases = False
        self.loader: yaml.SafeLoader | None = None

    def parse(self, text: str) -> Any:
        try:
            self.loader = yaml.SafeLoader(text)  # refuses characters YAML does not allow in a file
            return self._stream(self.loader)
        except yaml.MarkedYAMLError as failure:
            mark = failure.problem_mark
            where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark is not None else ""
            context = f" ({failure.context})" if failure.context else ""
            problem = f"{failure.problem or 'syntax error'}{context}{where}"
            raise self.error("", f"{self.name} is not valid YAML: {problem}") from None
        except yaml.YAMLError as failure:
            raise self.error("", f"{self.name} is not valid YAML: {failure}") from None
        finally:
            if self.loader is not None:
                self.loader.dispose()

    def _stream(self, loader: yaml.SafeLoader) -> Any:
        _next(loader)  # the stream's start
        if loader.check_event(yaml.StreamEndEvent):
            return None
        _next(loader)  # the document's start
        document, _ = self._node(loader, "", 0)
        _next(loader)  # the document's end
        if not loader.check_event(yaml.StreamEndEvent):
            line = _next(loader).start_mark.line + 1
            raise self.error(
                "",
                f"{self.name} is not valid YAML: expected a single document in the stream, but found "
                f"another document at line {line}",
            )
        return document

    def _count(self, nodes: int, line: int) -> None:
        self.nodes += nodes
        if self.nodes > self.limits.max_nodes:
            raise self.error("", f"{self.name} {_too_many(self.limits)}{self._counted(line)}")

    def _deep(self, depth: int, height: int, line: int) -> None:
        if depth + height > self.limits.max_depth:
            raise self.error("", f"{self.name} {_too_deep(self.limits)}{self._counted(line)}")

    def _counted(self, line: int) -> str:
        return f", aliases counted in full (line {line})" if self.aliases else f" (line {line})"

    def _node(self, loader: yaml.SafeLoader, place: str, depth: int) -> tuple[Any, int]:
        """Read one value at a nesting depth: the value and its height (0 for a scalar)."""
        event = _next(loader)
        line = event.start_mark.line + 1
        if isinstance(event, yaml.AliasEvent):
            anchored = self.anchors.get(str(event.anchor), _MISSING)
            if anchored is _MISSING or anchored is None:
                what = "an undefined anchor" if anchored is _MISSING else "a value that contains it"
                raise self.error(
                    place, f"the YAML alias *{shorten(str(event.anchor), 40)} (line {line}) refers to {what}"
                )
            assert isinstance(anchored, _Anchored)
            self.aliases = True
            self._count(anchored.nodes, line)
            self._deep(depth, anchored.height, line)
            return anchored.value, anchored.height
        anchor = getattr(event, "anchor", None)
        if anchor is not None:
            self.anchors[anchor] = None  # being read: an alias inside it would make it contain itself
        before = self.nodes
        self._count(1, line)
        if isinstance(event, yaml.ScalarEvent):
            value, height = self._scalar(loader, event, place), 0
        else:
            self._deep(depth, 1, line)
            tag = getattr(event, "tag", None)
            if tag not in (None, "!") and tag not in _ALLOWED_TAGS:
                raise self._tag_error(place, tag, line)
            if isinstance(event, yaml.SequenceStartEvent):
                value, height = self._sequence(loader, place, depth)
            elif isinstance(event, yaml.MappingStartEvent):
                value, height = self._mapping(loader, place, depth)
            else:
                raise self.error(
                    "", f"{self.name} is not valid YAML: unexpected {type(event).__name__} at line {line}"
                )
        if anchor is not None:
            self.anchors[anchor] = _Anchored(value, self.nodes - before, height)
        return value, height

    def _sequence(self, loader: yaml.SafeLoader, place: str, depth: int) -> tuple[list[Any], int]:
        items: list[Any] = []
        height = 1
        while not loader.check_event(yaml.SequenceEndEvent):
            item, item_height = self._node(loader, f"{place}[{len(items)}]", depth + 1)
            items.append(item)
            height = max(height, item_height + 1)
        _next(loader)
        return items, height

    def _mapping(self, loader: yaml.SafeLoader, place: str, depth: int) -> tuple[dict[Any, Any], int]:
        result: dict[Any, Any] = {}
        lines: dict[Any, int] = {}
        merged: list[dict[Any, Any]] = []
        merge_line = 0
        keys = 0
        height = 1
        while not loader.check_event(yaml.MappingEndEvent):
            key_event = _peek(loader)
            key_line = key_event.start_mark.line + 1
            key_place = f"{place}[{keys}]"
            keys += 1
            if isinstance(key_event, (yaml.SequenceStartEvent, yaml.MappingStartEvent)):
                raise self.error(
                    key_place, f"a key is a list or a mapping (line {key_line}); keys are single values"
                )
            key, _ = self._node(loader, key_place, depth + 1)
            if key is _MERGE:
                if merge_line:
                    raise self.error(
                        f"{place}.<<",
                        f"this key appears twice in one mapping (lines {merge_line} and {key_line}); give "
                        "one merge key a list of mappings",
                    )
                merge_line = key_line
                value_event = _peek(loader)
                value, value_height = self._node(loader, f"{place}.<<", depth + 1)
                merged.extend(self._merged(value, place, value_event.start_mark.line + 1))
                height = max(height, value_height)
                continue
            value_place = _join(place, key)
            if key in lines:
                raise self.error(
                    value_place,
                    f"this key appears twice in one mapping (lines {lines[key]} and {key_line}); keys and "
                    "labels must be unique",
                )
            lines[key] = key_line
            value, value_height = self._node(loader, value_place, depth + 1)
            result[key] = value
            height = max(height, value_height + 1)
        _next(loader)
        if merged:
            # YAML's merge keys: the mapping's own keys first, then the first merged mapping's.
            combined: dict[Any, Any] = {}
            for source in reversed(merged):
                combined.update(source)
            combined.update(result)
            result = combined
        return result, height

    def _merged(self, value: Any, place: str, line: int) -> list[dict[Any, Any]]:
        if isinstance(value, dict):
            return [value]
        if isinstance(value, list) and all(isinstance(item, dict) for item in value):
            return list(value)
        raise self.error(f"{place}.<<", f"a merge key << (line {line}) takes a mapping or a list of mappings")

    def _tag_error(self, place: str, tag: str, line: int) -> Exception:
        return self.error(
            place,
            f"the YAML tag {shorten(printable(tag), 60)} (line {line}) is not read in these files: only "
            "plain values, lists and mappings; remove it",
        )

    def _scalar(self, loader: yaml.SafeLoader, event: Any, place: str) -> Any:
        line = event.start_mark.line + 1
        value = event.value
        problem = unicode_problem(value)
        if problem is not None:
            raise self.error(place, problem)
        tag = event.tag
        if tag is None or tag == "!":
            tag = _resolve(loader, value, event.implicit)
        if tag == _TAG + "merge":
            return _MERGE
        if tag == _TAG + "value":  # a plain '=' (YAML 1.1's default-value key) is text
            return value
        if tag == _TAG + "timestamp" and event.tag is None:
            pass  # a plain date: read as YAML reads it; where a number or a label is due it is refused
        elif tag not in _ALLOWED_TAGS:
            raise self._tag_error(place, tag, line)
        if tag in (_TAG + "int", _TAG + "float"):
            self._check_number(loader, value, tag, place, line)
        try:
            return _construct(loader, tag, value)
        except ValueError as failure:  # an impossible date such as 2023-02-30
            raise self.error(
                place,
                f"cannot read {shown(value)} (line {line}): {failure}; quote the value if it is a label",
            ) from None

    def _check_number(self, loader: yaml.SafeLoader, value: str, tag: str, place: str, line: int) -> None:
        spelling = value.strip()
        if tag == _TAG + "int" and _DECIMAL_INTEGER.fullmatch(spelling):
            digits = len(spelling.lstrip("+-"))
            if digits > MAX_DIGITS:
                raise self.error(
                    place,
                    f"a number has too many digits: {digits:,} (line {line}); numbers have at most "
                    f"{MAX_DIGITS} digits",
                )
            return
        if tag == _TAG + "float" and ":" not in spelling and "_" not in spelling:
            return
        if ":" in spelling:
            kind = "a base-60 (sexagesimal) number"
        elif "_" in spelling:
            kind = "a number with digit separators"
        elif spelling.lstrip("+-").lower().startswith("0x"):
            kind = "a hexadecimal number"
        elif spelling.lstrip("+-").lower().startswith("0b"):
            kind = "a binary number"
        else:
            kind = "an octal number"
        try:
            read = f", {shorten(str(_construct(loader, tag, value)), 40)}"
        except (ValueError, yaml.YAMLError):
            read = ""
        raise self.error(
            place,
            f"YAML 1.1 reads {shorten(spelling, 40)} (line {line}) as {kind}{read}; write numbers in plain "
            f'decimal digits, or quote the value ("{shorten(spelling, 40)}") if it is text',
        )


def _next(loader: yaml.SafeLoader) -> Any:
    """The parser's next event."""
    return loader.get_event()  # type: ignore[no-untyped-call]


def _peek(loader: yaml.SafeLoader) -> Any:
    """The parser's next event, left in place."""
    return loader.peek_event()  # type: ignore[no-untyped-call]


def _resolve(loader: yaml.SafeLoader, value: str, implicit: tuple[bool, bool]) -> str:
    """The tag YAML gives an untagged scalar."""
    tag: str = loader.resolve(yaml.ScalarNode, value, implicit)  # type: ignore[no-untyped-call]
    return tag


_MISSING = object()
_MERGE = object()
"""The value of a merge key ``<<``, told apart from every value a file can hold."""


def _construct(loader: yaml.SafeLoader, tag: str, value: str) -> Any:
    """The value of one scalar, as PyYAML's safe loader builds it."""
    try:
        return loader.construct_object(yaml.ScalarNode(tag, value))
    finally:
        loader.constructed_objects.clear()


# -- JSON ----------------------------------------------------------------------------------------------


class _TooManyDigits(Exception):
    """A JSON integer longer than :data:`MAX_DIGITS` digits, met while parsing."""

    def __init__(self, spelling: str) -> None:
        super().__init__(spelling)
        self.spelling = spelling


def _json_integer(spelling: str) -> int:
    if len(spelling.lstrip("-")) > MAX_DIGITS:
        raise _TooManyDigits(spelling)
    return int(spelling)


class _Json:
    """Parses one JSON document and checks every rule on it."""

    def __init__(self, name: str, limits: ReadLimits, error: ErrorFactory) -> None:
        self.name = name
        self.limits = limits
        self.error = error
        self.duplicates: dict[int, str] = {}

    def _object(self, pairs: list[tuple[str, Any]]) -> dict[str, Any]:
        result = dict(pairs)
        if len(result) != len(pairs):
            seen: set[str] = set()
            for key, _ in pairs:
                if key in seen:
                    self.duplicates[id(result)] = key
                    break
                seen.add(key)
        return result

    def parse(self, text: str) -> Any:
        # Bound the values before building them: every value but the first follows a comma, a colon
        # or an opening bracket (those inside strings count too, so this only over-counts).
        if sum(text.count(c) for c in ",:[{") + 1 > self.limits.max_nodes:
            raise self.error(
                "", f"{self.name} {_too_many(self.limits)} (counted by its commas, colons and brackets)"
            )
        try:
            document = json.loads(text, object_pairs_hook=self._object, parse_int=_json_integer)
        except json.JSONDecodeError as failure:
            raise self.error(
                "",
                f"{self.name} is not valid JSON: {failure.msg} at line {failure.lineno}, "
                f"column {failure.colno}",
            ) from None
        except _TooManyDigits as failure:
            raise self.error(
                "",
                f"{self.name} holds a number with too many digits: {len(failure.spelling.lstrip('-')):,} "
                f"({shorten(failure.spelling, 20)}); numbers have at most {MAX_DIGITS} digits",
            ) from None
        except RecursionError:
            raise self.error("", f"{self.name} {_too_deep(self.limits)}") from None
        self._check(document)
        return document

    def _check(self, document: Any) -> None:
        stack: list[tuple[Any, str, int]] = [(document, "", 0)]
        while stack:
            value, place, depth = stack.pop()
            if isinstance(value, str):
                problem = unicode_problem(value)
                if problem is not None:
                    raise self.error(place, problem)
                continue
            if not isinstance(value, (dict, list)):
                continue
            if depth >= self.limits.max_depth:
                raise self.error("", f"{self.name} {_too_deep(self.limits)}")
            if isinstance(value, list):
                # Pushed in reverse, so that the first defect in the file's order is the one named.
                stack.extend((value[k], f"{place}[{k}]", depth + 1) for k in reversed(range(len(value))))
                continue
            if id(value) in self.duplicates:
                raise self.error(
                    _join(place, self.duplicates[id(value)]),
                    "this key appears twice in one object; keys and labels must be unique",
                )
            for k, key in enumerate(value):
                problem = unicode_problem(key)
                if problem is not None:
                    raise self.error(f"{place}[{k}]", problem)
            stack.extend((value[key], _join(place, key), depth + 1) for key in reversed(list(value)))


__all__ = [
    "DEPTH_OPTION",
    "FILE_SIZE_OPTION",
    "MAX_DEPTH",
    "MAX_DIGITS",
    "MAX_FILE_SIZE",
    "MAX_NODES",
    "VALUES_OPTION",
    "DocumentError",
    "ErrorFactory",
    "ReadLimits",
    "current_limits",
    "format_of",
    "load_document",
    "parse_document",
    "read_text",
    "reading_limits",
    "set_limits",
    "unicode_problem",
]

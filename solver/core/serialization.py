"""Reading and writing instance files (SPEC.md §11): YAML or JSON, canonical dumps, content hashes.

:func:`instance_from_dict` checks the syntax of a parsed file (keys, labels, numbers) and builds
an :class:`~solver.core.model.Instance`, which checks the values. :func:`instance_to_dict` writes the
canonical form; ``dump(load(dump(x))) == dump(x)`` holds byte for byte.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from fractions import Fraction
from pathlib import Path
from typing import Any

import yaml

from solver.core.documents import ReadLimits, format_of, load_document, parse_document
from solver.core.errors import InstanceError, shorten, shown
from solver.core.model import (
    DEFAULT_FEATURE,
    PROVIDER_TURN,
    USER_TURN,
    Instance,
    Protocol,
    Provider,
    Stake,
    User,
    World,
)
from solver.core.numbers import (
    check_parameter_name,
    format_number,
    is_expression,
    parse_number,
)

SCHEMA_VERSION = 1
PROTOCOL_NAMES = {"signal": (PROVIDER_TURN,), "report-signal": (USER_TURN, PROVIDER_TURN)}

_TOP_REQUIRED = ("states", "providers", "users", "worlds", "stakes", "protocol")
_TOP_OPTIONAL = ("schema_version", "title", "description", "source", "parameters", "provenance")
_PROVENANCE_TEXT = ("title", "description", "source")


class _Reader:
    """Reads one parsed document, remembering numbers written as expressions."""

    def __init__(self, parameters: Mapping[str, Fraction]) -> None:
        self.parameters = parameters
        self.expressions: dict[str, str] = {}

    def number(self, value: Any, place: str) -> Fraction:
        result = parse_number(value, place, self.parameters)
        if is_expression(value):
            self.expressions[place] = str(value).strip()
        return result


def _mapping(
    value: Any, place: str, required: tuple[str, ...] = (), optional: tuple[str, ...] | None = None
) -> dict[str, Any]:
    if not isinstance(value, Mapping):
        raise InstanceError(place or "file", f"must be a mapping (key: value), got {_describe(value)}")
    for key in value:
        if not isinstance(key, str):
            raise InstanceError(_join(place, str(key)), f"key {shown(key)} must be a string; quote it")
    for key in required:
        if key not in value:
            raise InstanceError(_join(place, key), "required field is missing")
    if optional is not None:
        allowed = set(required) | set(optional)
        for key in value:
            if key not in allowed:
                raise InstanceError(
                    _join(place, key), f"unknown key; allowed here: {', '.join(sorted(allowed))}"
                )
    return dict(value)


def _labels(value: Any, place: str, allow_empty: bool = False) -> tuple[str, ...]:
    if not isinstance(value, list):
        raise InstanceError(place, f"must be a list of labels, got {_describe(value)}")
    labels = tuple(_label(v, f"{place}[{k}]") for k, v in enumerate(value))
    if not labels and not allow_empty:
        raise InstanceError(place, "must list at least one label")
    seen: set[str] = set()
    for label in labels:
        if label in seen:
            raise InstanceError(place, f"label {shown(label)} appears twice; labels must be unique")
        seen.add(label)
    return labels


def _label(value: Any, place: str) -> str:
    if not isinstance(value, str) or not value:
        raise InstanceError(
            place,
            f"label {shown(value)} must be a non-empty string; quote it (YAML reads yes/no/1 as non-strings)",
        )
    return value


def _known(value: Any, known: tuple[str, ...], place: str, kind: str) -> str:
    label = _label(value, place)
    if label not in known:
        declared = shorten(", ".join(known), 200)
        raise InstanceError(place, f"unknown {kind} {shown(label)}; declared: {declared}")
    return label


def _describe(value: Any) -> str:
    return f"{type(value).__name__} {shown(value)}"


def _join(place: str, key: str) -> str:
    return f"{place}.{key}" if place else key


def _table(
    reader: _Reader,
    value: Any,
    rows: tuple[str, ...],
    columns: tuple[str, ...],
    place: str,
    kinds: tuple[str, str],
) -> tuple[tuple[Fraction, ...], ...]:
    """Read a nested mapping ``row -> column -> number`` that must be complete."""
    outer = _mapping(value, place)
    for key in outer:
        _known(key, rows, f"{place}[{key}]", kinds[0])
    result = []
    for row in rows:
        if row not in outer:
            raise InstanceError(
                f"{place}[{row}]", f"missing: give a value for every {kinds[0]} and {kinds[1]}"
            )
        inner = _mapping(outer[row], f"{place}[{row}]")
        for key in inner:
            _known(key, columns, f"{place}[{row}][{key}]", kinds[1])
        cells = []
        for column in columns:
            cell = f"{place}[{row}][{column}]"
            if column not in inner:
                raise InstanceError(cell, f"missing: give a value for every {kinds[0]} and {kinds[1]}")
            cells.append(reader.number(inner[column], cell))
        result.append(tuple(cells))
    return tuple(result)


def instance_from_dict(document: Any) -> Instance:
    """Build a validated instance from a parsed YAML/JSON document.

    Parameters
    ----------
    document : mapping
        The structure of SPEC.md §11.

    Returns
    -------
    Instance
        The frozen instance.

    Raises
    ------
    InstanceError
        On any defect, naming its place and the remedy.
    """
    if document is None:
        raise InstanceError(
            "file", f"is empty; an instance is a mapping with the fields {', '.join(_TOP_REQUIRED)}"
        )
    top = _mapping(document, "", _TOP_REQUIRED, _TOP_OPTIONAL)
    version = top.get("schema_version", SCHEMA_VERSION)
    if type(version) is not int or version != SCHEMA_VERSION:
        raise InstanceError(
            "schema_version", f"unsupported schema version {shown(version)}; this pluralis reads version 1"
        )
    text = {}
    for key in _PROVENANCE_TEXT:
        value = top.get(key, "")
        if not isinstance(value, str):
            raise InstanceError(key, f"must be a string, got {_describe(value)}")
        text[key] = value
    parameters: dict[str, Fraction] = {}
    for name, value in _mapping(top.get("parameters", {}), "parameters").items():
        check_parameter_name(name, f"parameters.{name}")
        parameters[name] = parse_number(value, f"parameters.{name}")
    provenance = []
    for key, value in _mapping(top.get("provenance", {}), "provenance").items():
        if isinstance(value, bool) or not isinstance(value, (str, int)):
            raise InstanceError(f"provenance.{key}", f"must be a string or an int, got {_describe(value)}")
        provenance.append((key, str(value)))
    reader = _Reader(parameters)

    states = _labels(top["states"], "states")
    providers = _read_providers(top["providers"])
    worlds = _read_worlds(reader, top["worlds"], states, providers)
    world_labels = tuple(w.label for w in worlds)
    users = _read_users(reader, top["users"], states, world_labels)
    stakes = _read_stakes(reader, top["stakes"], states, providers, users)
    protocol = _read_protocol(top["protocol"])
    return Instance(
        states=states,
        providers=providers,
        users=users,
        worlds=worlds,
        stakes=stakes,
        protocol=protocol,
        title=text["title"],
        description=text["description"],
        source=text["source"],
        parameters=tuple(parameters.items()),
        expressions=tuple(sorted(reader.expressions.items())),
        provenance=tuple(sorted(provenance)),
    )


def _read_providers(value: Any) -> tuple[Provider, ...]:
    entries = _mapping(value, "providers")
    if not entries:
        raise InstanceError("providers", "must declare at least one provider")
    result = []
    for label, body in entries.items():
        place = f"providers.{label}"
        fields = _mapping(body, place, ("signals",), ())
        result.append(Provider(label, _labels(fields["signals"], f"{place}.signals")))
    return tuple(result)


def _read_worlds(
    reader: _Reader, value: Any, states: tuple[str, ...], providers: tuple[Provider, ...]
) -> tuple[World, ...]:
    entries = _mapping(value, "worlds")
    if not entries:
        raise InstanceError("worlds", "must declare at least one world")
    provider_labels = tuple(p.label for p in providers)
    result = []
    for label, body in entries.items():
        place = f"worlds.{label}"
        fields = _mapping(body, place, ("prob", "state", "signals"), ())
        prob = reader.number(fields["prob"], f"{place}.prob")
        state = _known(fields["state"], states, f"{place}.state", "state")
        seen = _mapping(fields["signals"], f"{place}.signals")
        for key in seen:
            _known(key, provider_labels, f"{place}.signals.{key}", "provider")
        signals = []
        for p in providers:
            if p.label not in seen:
                raise InstanceError(
                    f"{place}.signals.{p.label}", "missing: every world gives every provider's signal"
                )
            signals.append(_known(seen[p.label], p.signals, f"{place}.signals.{p.label}", "signal"))
        result.append(World(label, prob, state, tuple(signals)))
    return tuple(result)


def _read_users(
    reader: _Reader, value: Any, states: tuple[str, ...], worlds: tuple[str, ...]
) -> tuple[User, ...]:
    entries = _mapping(value, "users")
    if not entries:
        raise InstanceError("users", "must declare at least one user")
    result = []
    for label, body in entries.items():
        place = f"users.{label}"
        fields = _mapping(body, place, ("actions", "utility"), ("features", "feature_kernel"))
        actions = _labels(fields["actions"], f"{place}.actions")
        utility = _table(reader, fields["utility"], actions, states, f"{place}.utility", ("action", "state"))
        features = (
            _labels(fields["features"], f"{place}.features") if "features" in fields else (DEFAULT_FEATURE,)
        )
        kernel = None
        if "feature_kernel" in fields:
            kernel = _table(
                reader,
                fields["feature_kernel"],
                worlds,
                features,
                f"{place}.feature_kernel",
                ("world", "feature"),
            )
        elif len(features) > 1:
            raise InstanceError(
                f"{place}.feature_kernel", "required field is missing (the user has several features)"
            )
        result.append(User(label, actions, utility, features, kernel))
    return tuple(result)


def _read_stakes(
    reader: _Reader,
    value: Any,
    states: tuple[str, ...],
    providers: tuple[Provider, ...],
    users: tuple[User, ...],
) -> tuple[tuple[Stake, ...], ...]:
    entries = _mapping(value, "stakes")
    provider_labels = tuple(p.label for p in providers)
    user_labels = tuple(u.label for u in users)
    for key in entries:
        _known(key, provider_labels, f"stakes.{key}", "provider")
    result = []
    for p in providers:
        if p.label not in entries:
            raise InstanceError(
                f"stakes.{p.label}", "missing: give the stake of every provider in every user"
            )
        row_entries = _mapping(entries[p.label], f"stakes.{p.label}")
        for key in row_entries:
            _known(key, user_labels, f"stakes.{p.label}.{key}", "user")
        row = []
        for u in users:
            place = f"stakes.{p.label}.{u.label}"
            if u.label not in row_entries:
                raise InstanceError(place, "missing: give the stake of every provider in every user")
            fields = _mapping(row_entries[u.label], place, ("weight", "utility"), ())
            weight = reader.number(fields["weight"], f"{place}.weight")
            utility = _table(
                reader, fields["utility"], u.actions, states, f"{place}.utility", ("action", "state")
            )
            row.append(Stake(weight, utility))
        result.append(tuple(row))
    return tuple(result)


def _read_protocol(value: Any) -> Protocol:
    fields = _mapping(value, "protocol", ("turns",), ("provider_messages", "user_messages"))
    turns_value = fields["turns"]
    if isinstance(turns_value, str) and turns_value in PROTOCOL_NAMES:
        turns = PROTOCOL_NAMES[turns_value]
    elif isinstance(turns_value, list):
        turns = tuple(_label(t, f"protocol.turns[{k}]") for k, t in enumerate(turns_value))
        for k, t in enumerate(turns):
            if t not in (USER_TURN, PROVIDER_TURN):
                raise InstanceError(
                    f"protocol.turns[{k}]",
                    f"unknown turn {shown(t)}; each turn is 'U' (user) or 'P' (provider)",
                )
    else:
        raise InstanceError(
            "protocol.turns",
            f"must be a list of 'U'/'P' or one of {', '.join(PROTOCOL_NAMES)}, got {_describe(turns_value)}",
        )
    alphabets: dict[str, tuple[str, ...]] = {}
    for key, turn in (("provider_messages", PROVIDER_TURN), ("user_messages", USER_TURN)):
        needed = turn in turns
        if key not in fields:
            if needed:
                raise InstanceError(
                    f"protocol.{key}", f"required field is missing: the protocol has '{turn}' turns"
                )
            alphabets[key] = ()
        else:
            alphabets[key] = _labels(fields[key], f"protocol.{key}", allow_empty=not needed)
    return Protocol(turns, alphabets["provider_messages"], alphabets["user_messages"])


def instance_to_dict(instance: Instance) -> dict[str, Any]:
    """Write the canonical document of an instance.

    Parameters
    ----------
    instance : Instance
        The instance.

    Returns
    -------
    dict
        Keys in the order of SPEC.md §11, numbers as ints or ``"p/q"`` strings, and numbers that
        were written as parameter expressions kept as those expressions.
    """
    expressions = dict(instance.expressions)

    def number(value: Fraction, place: str) -> int | str:
        return expressions.get(place, format_number(value))

    def table(rows: tuple[str, ...], columns: tuple[str, ...], values: Any, place: str) -> dict[str, Any]:
        return {
            r: {c: number(values[a][y], f"{place}[{r}][{c}]") for y, c in enumerate(columns)}
            for a, r in enumerate(rows)
        }

    document: dict[str, Any] = {"schema_version": SCHEMA_VERSION}
    for key in _PROVENANCE_TEXT:
        if getattr(instance, key):
            document[key] = getattr(instance, key)
    if instance.provenance:
        document["provenance"] = dict(instance.provenance)
    if instance.parameters:
        document["parameters"] = {k: format_number(v) for k, v in instance.parameters}
    document["states"] = list(instance.states)
    document["providers"] = {p.label: {"signals": list(p.signals)} for p in instance.providers}
    users: dict[str, Any] = {}
    world_labels = tuple(w.label for w in instance.worlds)
    for u in instance.users:
        place = f"users.{u.label}"
        body: dict[str, Any] = {"actions": list(u.actions)}
        if u.features != (DEFAULT_FEATURE,) or u.feature_kernel is not None:
            body["features"] = list(u.features)
        body["utility"] = table(u.actions, instance.states, u.utility, f"{place}.utility")
        if u.feature_kernel is not None:
            body["feature_kernel"] = table(
                world_labels, u.features, u.feature_kernel, f"{place}.feature_kernel"
            )
        users[u.label] = body
    document["users"] = users
    document["worlds"] = {
        w.label: {
            "prob": number(w.prob, f"worlds.{w.label}.prob"),
            "state": w.state,
            "signals": {p.label: s for p, s in zip(instance.providers, w.signals)},
        }
        for w in instance.worlds
    }
    stakes: dict[str, Any] = {}
    for p, row in zip(instance.providers, instance.stakes):
        stakes[p.label] = {}
        for u, stake in zip(instance.users, row):
            place = f"stakes.{p.label}.{u.label}"
            stakes[p.label][u.label] = {
                "weight": number(stake.weight, f"{place}.weight"),
                "utility": table(u.actions, instance.states, stake.utility, f"{place}.utility"),
            }
    document["stakes"] = stakes
    document["protocol"] = {
        "turns": list(instance.protocol.turns),
        "provider_messages": list(instance.protocol.provider_messages),
        "user_messages": list(instance.protocol.user_messages),
    }
    return document


def dumps(instance: Instance, format: str = "yaml") -> str:
    """Write the canonical text of an instance.

    Parameters
    ----------
    instance : Instance
        The instance.
    format : {"yaml", "json"}
        Output format.

    Returns
    -------
    str
        The canonical text; ``dumps(loads(dumps(x))) == dumps(x)``.
    """
    document = instance_to_dict(instance)
    if format == "json":
        return json.dumps(document, indent=2, ensure_ascii=False) + "\n"
    if format == "yaml":
        return yaml.safe_dump(
            document, sort_keys=False, allow_unicode=True, default_flow_style=None, width=100
        )
    raise ValueError(f"unknown format {format!r}; use 'yaml' or 'json'")


def loads(text: str, format: str = "yaml", name: str = "<string>") -> Instance:
    """Read an instance from text.

    Parameters
    ----------
    text : str
        YAML or JSON text, read by :func:`solver.core.documents.parse_document` (duplicate keys,
        aliases, YAML 1.1 number spellings and lone surrogates refused; nesting and size bounded).
    format : {"yaml", "json"}
        Its format (JSON is also valid YAML, but JSON errors are clearer from the JSON reader).
    name : str
        The source name used in syntax error messages.

    Returns
    -------
    Instance
        The validated instance.
    """
    return instance_from_dict(parse_document(text, format, name, error=InstanceError))


def load(path: str | Path, limits: ReadLimits | None = None) -> Instance:
    """Read an instance file (``.yaml``, ``.yml`` or ``.json``).

    Parameters
    ----------
    path : str or Path
        The file.
    limits : ReadLimits, optional
        What reading it may cost (default: :func:`solver.core.documents.current_limits`, 16 MiB).

    Returns
    -------
    Instance
        The validated instance.
    """
    return instance_from_dict(load_document(path, limits, error=InstanceError))


def dump(instance: Instance, path: str | Path) -> None:
    """Write the canonical file of an instance; the format follows the suffix.

    Parameters
    ----------
    instance : Instance
        The instance.
    path : str or Path
        Destination (``.json`` for JSON, anything else YAML).
    """
    path = Path(path)
    path.write_text(dumps(instance, format_of(path)), encoding="utf-8")


def content_hash(instance: Instance) -> str:
    """Return the SHA-256 of the canonical JSON of an instance.

    Parameters
    ----------
    instance : Instance
        The instance.

    Returns
    -------
    str
        64 hexadecimal digits; equal instances have equal hashes whatever their file spelling.
    """
    canonical = json.dumps(instance_to_dict(instance), separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def substitute(instance: Instance, **values: Any) -> Instance:
    """Give new exact values to an instance's parameters and re-evaluate every expression.

    Parameters
    ----------
    instance : Instance
        A symbolic family (an instance with parameters).
    **values
        New values by parameter name, in any exact spelling.

    Returns
    -------
    Instance
        The re-validated instance.

    Raises
    ------
    InstanceError
        For an unknown parameter or values that make the instance invalid.
    """
    known = dict(instance.parameters)
    for name in values:
        if name not in known:
            raise InstanceError(
                f"parameters.{name}", f"unknown parameter; declared: {', '.join(known) or 'none'}"
            )
    document = instance_to_dict(instance)
    document["parameters"] = {
        name: format_number(parse_number(values[name], f"parameters.{name}"))
        if name in values
        else document["parameters"][name]
        for name in known
    }
    return instance_from_dict(document)

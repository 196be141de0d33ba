"""Seeded families of small instances, and libraries of them with a catalog.

Every instance is built as a document (SPEC.md §11), validated by
:func:`solver.core.serialization.instance_from_dict`, and carries its provenance: family, seed, index,
sizes and the generator version. Numbers are exact rationals with small denominators. Generation
is deterministic: instance ``index`` of a family with ``seed`` draws from its own
:class:`random.Random` seeded by the string ``"pluralis:FAMILY:SEED:INDEX"`` (string seeds are
hashed with SHA-512, the same on every platform and Python version), so a library is reproducible
byte for byte and any one instance can be regenerated alone.

Families (:data:`FAMILIES`):

- ``uniform``: everything drawn uniformly (prior, signals, utilities, stakes);
- ``opposed``: providers in opposed pairs, ``U_{j',i} = 1 − U_{j,i}``;
- ``polarized``: users in opposed pairs, ``u_{i'} = 1 − u_i``;
- ``complementary``: the state is a tuple of bits and provider j observes bit j only, so the
  providers' information is complementary and the common garbling is coarse;
- ``persuader``: one provider whose utility ignores the state and prefers one action (a
  Bayesian-persuasion sender), users who want to match the state;
- ``near-aligned``: every provider's utility from each user lies within a target ε of her
  utility, so Weak Market Alignment holds with ``ε_i(T) ≤ ε`` for every T;
- ``divided``: divided loyalties. Every provider sees the state; every user wants to match it
  (utility 1 for the k-th action in the k-th state, 0 otherwise); a provider's utility from each
  user is either hers (aligned) or one minus hers (opposed), drawn at random, with random stakes.
  Weak Market Alignment for all providers holds with zero error for every user some provider is
  aligned with.

The edges of the model are drawn too, each with probability :data:`EDGE_PROBABILITY` and only where
the family's description stays true (:data:`EDGES`): a zero stake ``λ_{j,i} = 0``; a signal that no
world has (probability zero); two actions a user values alike in every state (her ties); two
providers that see the same signal in every world (ties between providers). They are drawn after
everything else, so an instance without an edge is the one the family drew before edges existed;
the edges drawn are listed in its provenance. One-state and one-message games are sizes
(``states=1``, ``messages=1``).

A family makes some sizes itself (``complementary`` has ``2**providers`` states, ``divided`` one
world per state, …): a size it cannot honour is an error naming it (:func:`check_sizes`), never
ignored.
"""

from __future__ import annotations

import json
import os
import random
from collections.abc import Callable, Collection
from dataclasses import asdict, dataclass, fields, replace
from fractions import Fraction
from pathlib import Path
from typing import Any

from solver.core.errors import ModelError
from solver.core.model import Instance
from solver.core.numbers import format_number
from solver.core.serialization import content_hash, dumps, instance_from_dict

GENERATOR_VERSION = "2"
CATALOG_NAME = "catalog.json"


@dataclass(frozen=True)
class Sizes:
    """The sizes of generated instances.

    Attributes
    ----------
    states, providers, users, actions, signals : int
        Counts (``complementary`` uses ``2**providers`` states; ``persuader`` one provider).
    worlds_per_state : int
        Worlds drawn per state (distinct signal profiles; fewer when there are not enough).
    messages : int
        Provider messages of the protocol ``[P]``.
    denominator : int
        Probabilities, utilities and stakes are multiples of ``1/denominator`` (probabilities
        are normalised weights, so their denominators divide a small sum).
    epsilon : Fraction
        The target ε of ``near-aligned``.
    """

    states: int = 2
    providers: int = 2
    users: int = 2
    actions: int = 2
    signals: int = 2
    worlds_per_state: int = 2
    messages: int = 2
    denominator: int = 4
    epsilon: Fraction = Fraction(1, 10)

    def __post_init__(self) -> None:
        for name in ("states", "providers", "users", "actions", "signals", "worlds_per_state", "messages"):
            value = getattr(self, name)
            if not isinstance(value, int) or not 1 <= value <= 12:
                raise ModelError(f"{name} must be an integer between 1 and 12, got {value!r}")
        if not 1 <= self.denominator <= 1000:
            raise ModelError(f"denominator must be between 1 and 1000, got {self.denominator}")
        if not 0 <= self.epsilon <= 1:
            raise ModelError(f"epsilon must lie in [0, 1], got {self.epsilon}")

    def describe(self) -> str:
        """One line naming every size (as stored in provenance).

        Returns
        -------
        str
            ``states=2 providers=2 ...``.
        """
        return " ".join(f"{k}={v}" for k, v in asdict(self).items())


EDGE_PROBABILITY = Fraction(1, 10)
"""The probability of each edge of the model in a generated instance (independently)."""


class _Draw:
    """Exact random draws on a grid, from one seeded generator."""

    def __init__(self, family: str, seed: int, index: int, sizes: Sizes) -> None:
        self.rng = random.Random(f"pluralis:{family}:{seed}:{index}")
        self.q = sizes.denominator

    def grid(self, low: int = 0) -> Fraction:
        """A multiple of 1/q in [low/q, 1]."""
        return Fraction(self.rng.randint(low, self.q), self.q)

    def table(self, rows: list[str], columns: list[str]) -> dict[str, dict[str, Fraction]]:
        return {r: {c: self.grid() for c in columns} for r in rows}

    def distribution(self, count: int) -> list[Fraction]:
        """Positive probabilities: integer weights 1..q normalised."""
        weights = [self.rng.randint(1, self.q) for _ in range(count)]
        total = sum(weights)
        return [Fraction(w, total) for w in weights]


def _labels(prefix: str, count: int) -> list[str]:
    return [f"{prefix}{k + 1}" for k in range(count)]


def _numbers(value: Any) -> Any:
    """Spell every Fraction of a document in the file form (int or "p/q")."""
    if isinstance(value, Fraction):
        return format_number(value)
    if isinstance(value, dict):
        return {k: _numbers(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_numbers(v) for v in value]
    return value


def _worlds(
    draw: _Draw, states: list[str], providers: dict[str, list[str]], per_state: int
) -> dict[str, dict[str, Any]]:
    labels = list(providers)
    entries: list[tuple[str, tuple[str, ...]]] = []
    for state in states:
        seen: list[tuple[str, ...]] = []
        for _ in range(per_state):
            profile = tuple(draw.rng.choice(providers[p]) for p in labels)
            if profile not in seen:
                seen.append(profile)
        entries.extend((state, profile) for profile in seen)
    probabilities = draw.distribution(len(entries))
    return {
        f"w{k + 1}": {"prob": prob, "state": state, "signals": dict(zip(labels, profile))}
        for k, ((state, profile), prob) in enumerate(zip(entries, probabilities))
    }


def _document(
    draw: _Draw,
    sizes: Sizes,
    states: list[str],
    providers: dict[str, list[str]],
    user_utilities: dict[str, dict[str, dict[str, Fraction]]],
    stake_utility: Callable[[str, str], dict[str, dict[str, Fraction]]],
    worlds: dict[str, dict[str, Any]] | None = None,
) -> dict[str, Any]:
    return {
        "states": states,
        "providers": {p: {"signals": signals} for p, signals in providers.items()},
        "users": {u: {"actions": list(utility), "utility": utility} for u, utility in user_utilities.items()},
        "worlds": worlds if worlds is not None else _worlds(draw, states, providers, sizes.worlds_per_state),
        "stakes": {
            p: {u: {"weight": draw.grid(1), "utility": stake_utility(p, u)} for u in user_utilities}
            for p in providers
        },
        "protocol": {"turns": ["P"], "provider_messages": _labels("m", sizes.messages), "user_messages": []},
    }


def _uniform(draw: _Draw, sizes: Sizes) -> dict[str, Any]:
    states = _labels("y", sizes.states)
    actions = _labels("a", sizes.actions)
    providers = {p: _labels("s", sizes.signals) for p in _labels("P", sizes.providers)}
    users = {u: draw.table(actions, states) for u in _labels("U", sizes.users)}
    return _document(draw, sizes, states, providers, users, lambda p, u: draw.table(actions, states))


def _opposed(draw: _Draw, sizes: Sizes) -> dict[str, Any]:
    states = _labels("y", sizes.states)
    actions = _labels("a", sizes.actions)
    names = _labels("P", max(2, sizes.providers))
    providers = {p: _labels("s", sizes.signals) for p in names}
    users = {u: draw.table(actions, states) for u in _labels("U", sizes.users)}
    first: dict[tuple[str, str], dict[str, dict[str, Fraction]]] = {}

    def stake(p: str, u: str) -> dict[str, dict[str, Fraction]]:
        k = names.index(p)
        if k % 2 == 0:
            first[(p, u)] = draw.table(actions, states)
            return first[(p, u)]
        if (names[k - 1], u) in first:
            partner = first[(names[k - 1], u)]
            return {a: {y: 1 - v for y, v in row.items()} for a, row in partner.items()}
        return draw.table(actions, states)

    return _document(draw, sizes, states, providers, users, stake)


def _polarized(draw: _Draw, sizes: Sizes) -> dict[str, Any]:
    states = _labels("y", sizes.states)
    actions = _labels("a", sizes.actions)
    providers = {p: _labels("s", sizes.signals) for p in _labels("P", sizes.providers)}
    names = _labels("U", max(2, sizes.users))
    users: dict[str, dict[str, dict[str, Fraction]]] = {}
    for k, u in enumerate(names):
        if k % 2 == 0:
            users[u] = draw.table(actions, states)
        else:
            users[u] = {a: {y: 1 - v for y, v in row.items()} for a, row in users[names[k - 1]].items()}
    return _document(draw, sizes, states, providers, users, lambda p, u: draw.table(actions, states))


def _complementary(draw: _Draw, sizes: Sizes) -> dict[str, Any]:
    count = min(sizes.providers, 4)
    bits = [format(k, f"0{count}b") for k in range(2**count)]
    states = [f"y{b}" for b in bits]
    names = _labels("P", count)
    providers = {p: ["s0", "s1"] for p in names}
    actions = _labels("a", sizes.actions)
    users = {u: draw.table(actions, states) for u in _labels("U", sizes.users)}
    probabilities = draw.distribution(len(states))
    worlds = {
        f"w{b}": {"prob": prob, "state": f"y{b}", "signals": {p: f"s{b[j]}" for j, p in enumerate(names)}}
        for b, prob in zip(bits, probabilities)
    }
    return _document(draw, sizes, states, providers, users, lambda p, u: draw.table(actions, states), worlds)


def _persuader(draw: _Draw, sizes: Sizes) -> dict[str, Any]:
    states = _labels("y", sizes.states)
    actions = _labels("a", max(2, sizes.actions))
    providers = {"P1": _labels("s", sizes.signals)}
    users: dict[str, dict[str, dict[str, Fraction]]] = {}
    for u in _labels("U", sizes.users):
        right = {y: draw.rng.choice(actions) for y in states}
        users[u] = {a: {y: Fraction(int(right[y] == a)) for y in states} for a in actions}
    favourite = draw.rng.choice(actions)

    def stake(p: str, u: str) -> dict[str, dict[str, Fraction]]:
        return {a: {y: Fraction(int(a == favourite)) for y in states} for a in actions}

    return _document(draw, sizes, states, providers, users, stake)


def _near_aligned(draw: _Draw, sizes: Sizes) -> dict[str, Any]:
    states = _labels("y", sizes.states)
    actions = _labels("a", sizes.actions)
    providers = {p: _labels("s", sizes.signals) for p in _labels("P", sizes.providers)}
    users = {u: draw.table(actions, states) for u in _labels("U", sizes.users)}
    steps = sizes.denominator

    def stake(p: str, u: str) -> dict[str, dict[str, Fraction]]:
        # A perturbation within [-ε, ε], clipped into [0, 1]: clipping only moves it closer to u.
        return {
            a: {
                y: min(
                    Fraction(1), max(Fraction(0), v + sizes.epsilon * draw.rng.randint(-steps, steps) / steps)
                )
                for y, v in row.items()
            }
            for a, row in users[u].items()
        }

    return _document(draw, sizes, states, providers, users, stake)


def _divided(draw: _Draw, sizes: Sizes) -> dict[str, Any]:
    states = _labels("y", sizes.states)
    actions = _labels("a", sizes.actions)
    # Every provider sees the state: signal s_k in the one world of state y_k.
    signals = [f"s{k + 1}" for k in range(sizes.states)]
    providers = {p: list(signals) for p in _labels("P", sizes.providers)}
    # Users want to match the state: the k-th action is right in the k-th state (cyclically).
    matching = {
        a: {y: Fraction(int(k % len(actions) == n)) for k, y in enumerate(states)}
        for n, a in enumerate(actions)
    }
    users = {u: {a: dict(row) for a, row in matching.items()} for u in _labels("U", sizes.users)}
    probabilities = draw.distribution(len(states))
    worlds = {
        f"w{k + 1}": {"prob": prob, "state": y, "signals": {p: signals[k] for p in providers}}
        for k, (y, prob) in enumerate(zip(states, probabilities))
    }
    aligned = {(p, u): draw.rng.random() < 0.5 for p in providers for u in users}

    def stake(p: str, u: str) -> dict[str, dict[str, Fraction]]:
        if aligned[(p, u)]:
            return {a: dict(row) for a, row in users[u].items()}
        return {a: {y: 1 - v for y, v in row.items()} for a, row in users[u].items()}

    return _document(draw, sizes, states, providers, users, stake, worlds)


FAMILIES: dict[str, Callable[[_Draw, Sizes], dict[str, Any]]] = {
    "uniform": _uniform,
    "opposed": _opposed,
    "polarized": _polarized,
    "complementary": _complementary,
    "persuader": _persuader,
    "near-aligned": _near_aligned,
    "divided": _divided,
}
"""Every family by name."""

_DESCRIPTIONS = {
    "uniform": "Prior, signals, utilities and stakes drawn uniformly on a grid.",
    "opposed": "Providers in opposed pairs: one's utility from each user is one minus the other's.",
    "polarized": "Users in opposed pairs: one's utility is one minus the other's.",
    "complementary": "The state is a tuple of bits and provider j observes bit j only.",
    "persuader": "One provider that always prefers the same action; users who want to match the state.",
    "near-aligned": "Every provider's utility from each user lies within epsilon of hers.",
    "divided": "Providers see the state, users want to match it, and each provider is aligned with "
    "or opposed to each user.",
}


EDGES: dict[str, tuple[str, ...]] = {
    "uniform": ("zero stake", "tied actions", "twin providers", "unused signal"),
    "opposed": ("zero stake", "tied actions", "twin providers", "unused signal"),
    "polarized": ("zero stake", "tied actions", "twin providers", "unused signal"),
    "complementary": ("zero stake", "tied actions"),
    "persuader": ("zero stake", "tied actions", "unused signal"),
    "near-aligned": ("zero stake", "tied actions", "twin providers", "unused signal"),
    "divided": ("zero stake", "tied actions"),
}
"""The edges each family may draw, in the order they are drawn.

``complementary`` keeps every signal and one bit per provider, and ``divided`` one signal per
state; in ``divided`` every provider already sees what every other sees.
"""


def _option(name: str) -> str:
    return "--" + name.replace("_", "-")


def _made(family: str, sizes: Sizes) -> dict[str, tuple[Any, str]]:
    """The sizes a family makes itself: name → (the value it makes, None if it has no such size; why)."""
    made: dict[str, tuple[Any, str]] = {}
    if family != "near-aligned":
        made["epsilon"] = (None, "only near-aligned has a target ε")
    if family == "opposed":
        made["providers"] = (max(2, sizes.providers), "its providers come in opposed pairs")
    elif family == "polarized":
        made["users"] = (max(2, sizes.users), "its users come in opposed pairs")
    elif family == "complementary":
        count = min(sizes.providers, 4)
        made["providers"] = (count, "it has at most 4 providers, each seeing one bit of the state")
        made["states"] = (2**count, "its states are the tuples of one bit per provider")
        made["signals"] = (2, "each provider sees one bit")
        made["worlds_per_state"] = (1, "it has one world per state")
    elif family == "persuader":
        made["providers"] = (1, "it has one persuader")
        made["actions"] = (max(2, sizes.actions), "a persuader needs at least two actions to prefer one")
    elif family == "divided":
        made["signals"] = (sizes.states, "every provider sees the state: one signal per state")
        made["worlds_per_state"] = (1, "it has one world per state")
    return made


def check_sizes(family: str, sizes: Sizes, given: Collection[str] | None = None) -> None:
    """Refuse a size that a family cannot honour, naming it (never ignore it).

    Parameters
    ----------
    family : str
        A name in :data:`FAMILIES`.
    sizes : Sizes
        The sizes asked for.
    given : collection of str, optional
        The names of the sizes the caller chose (a command line's options); by default, every size
        that differs from its default in :class:`Sizes`.

    Raises
    ------
    ModelError
        When a chosen size is not what the family makes (``divided`` has one world per state,
        ``polarized`` at least two users, only ``near-aligned`` has an ε, …); the message names
        the size, its option and what the family makes.
    """
    if family not in FAMILIES:
        raise ModelError(f"unknown family {family!r}; families: {', '.join(FAMILIES)}")
    names = [f.name for f in fields(Sizes)]
    if given is None:
        defaults = Sizes()
        chosen = [n for n in names if getattr(sizes, n) != getattr(defaults, n)]
    else:
        unknown = sorted(set(given) - set(names))
        if unknown:
            raise ModelError(f"unknown size(s) {', '.join(unknown)}; sizes: {', '.join(names)}")
        chosen = [n for n in names if n in given]
    made = _made(family, sizes)
    for name in chosen:
        if name not in made:
            continue
        value, why = made[name]
        asked = getattr(sizes, name)
        if value == asked:
            continue
        where = f"family {family} cannot honour {name} = {asked} ({_option(name)})"
        if value is None:
            raise ModelError(f"{where}: {why}; leave {_option(name)} out")
        raise ModelError(
            f"{where}: {why}, so it makes {name} = {value}; "
            f"leave {_option(name)} out or choose another family"
        )


def family_sizes(family: str, sizes: Sizes) -> Sizes:
    """The sizes with every size the family does not have (ε outside ``near-aligned``) at its default.

    For defaults meant for another family (a search target's), before the sizes a caller chose are
    put in and checked by :func:`check_sizes`.

    Parameters
    ----------
    family : str
        A name in :data:`FAMILIES`.
    sizes : Sizes
        Sizes, perhaps meant for another family.

    Returns
    -------
    Sizes
        The same sizes, with the ones the family has no use for back at their defaults.
    """
    defaults = Sizes()
    unused = {n: getattr(defaults, n) for n, (value, _) in _made(family, sizes).items() if value is None}
    return replace(sizes, **unused)


def _chance(draw: _Draw) -> bool:
    """True with probability :data:`EDGE_PROBABILITY`, exactly."""
    return draw.rng.randrange(EDGE_PROBABILITY.denominator) < EDGE_PROBABILITY.numerator


def _merge_worlds(document: dict[str, Any]) -> None:
    """Merge worlds with the same state and signals (adding their probabilities); number them again."""
    merged: dict[tuple[Any, ...], dict[str, Any]] = {}
    for world in document["worlds"].values():
        key = (world["state"], tuple(sorted(world["signals"].items())))
        if key in merged:
            merged[key]["prob"] += world["prob"]
        else:
            merged[key] = dict(world)
    document["worlds"] = {f"w{k + 1}": world for k, world in enumerate(merged.values())}


def _draw_edges(draw: _Draw, family: str, document: dict[str, Any]) -> list[str]:
    """Apply the edges of :data:`EDGES` that the draw picks; return what was done, in words."""
    rng = draw.rng
    providers: dict[str, dict[str, list[str]]] = document["providers"]
    users: dict[str, dict[str, Any]] = document["users"]
    stakes: dict[str, dict[str, dict[str, Any]]] = document["stakes"]
    done: list[str] = []
    for edge in EDGES[family]:
        if not _chance(draw):
            continue
        if edge == "zero stake":
            p, u = rng.choice([(p, u) for p in stakes for u in stakes[p]])
            stakes[p][u]["weight"] = Fraction(0)
            done.append(f"zero stake: {p} has λ = 0 on {u}")
        elif edge == "unused signal":
            choices = [p for p, body in providers.items() if len(body["signals"]) >= 2]
            if not choices:
                continue
            p = rng.choice(choices)
            signals = providers[p]["signals"]
            gone = rng.choice(signals)
            instead = rng.choice([x for x in signals if x != gone])
            worlds = document["worlds"].values()
            # Its twins (drawn before) say what it says: they lose the signal too and stay twins.
            twins = [q for q in providers if all(w["signals"][q] == w["signals"][p] for w in worlds)]
            for world in worlds:
                for q in twins:
                    if world["signals"][q] == gone:
                        world["signals"][q] = instead
            _merge_worlds(document)
            done.append(f"unused signal: no world has signal {gone} of {', '.join(twins)}")
        elif edge == "tied actions":
            choices = [u for u, body in users.items() if len(body["actions"]) >= 2]
            if not choices:
                continue
            u = rng.choice(choices)
            a, b = rng.sample(users[u]["actions"], 2)
            tied = [u]
            if family == "polarized":
                # Keep the pair opposed: her partner's row b becomes his row a too.
                names = list(users)
                k = names.index(u)
                partner = k + 1 if k % 2 == 0 else k - 1
                if partner < len(names):
                    tied.append(names[partner])
            for v in tied:
                users[v]["utility"][b] = dict(users[v]["utility"][a])
                if family in ("near-aligned", "divided"):
                    # Their stakes are built from her utility: keep them so.
                    for row in stakes.values():
                        row[v]["utility"][b] = dict(row[v]["utility"][a])
            done.append(f"tied actions: {', '.join(tied)} value {b} as {a} in every state")
        elif edge == "twin providers":
            if len(providers) < 2:
                continue
            p, twin = rng.sample(list(providers), 2)
            for world in document["worlds"].values():
                world["signals"][twin] = world["signals"][p]
            _merge_worlds(document)
            done.append(f"twin providers: {twin} sees what {p} sees in every world")
    return done


def generate_instance(family: str, seed: int, index: int, sizes: Sizes | None = None) -> Instance:
    """Generate instance ``index`` of a family, deterministically.

    Parameters
    ----------
    family : str
        A name in :data:`FAMILIES`.
    seed : int
        The library's seed.
    index : int
        The instance's number in the library (0-based).
    sizes : Sizes, optional
        Sizes (defaults: two of everything); one the family cannot honour is refused
        (:func:`check_sizes`).

    Returns
    -------
    Instance
        A validated instance with title, description, source and provenance (with ``edges`` when
        some edge of :data:`EDGES` was drawn).
    """
    sizes = sizes or Sizes()
    check_sizes(family, sizes)
    draw = _Draw(family, seed, index, sizes)
    document = FAMILIES[family](draw, sizes)
    edges = _draw_edges(draw, family, document)
    provenance = {
        "family": family,
        "seed": str(seed),
        "index": str(index),
        "generator": "instances.generators",
        "generator_version": GENERATOR_VERSION,
        "sizes": sizes.describe(),
    }
    if family == "near-aligned":
        provenance["epsilon"] = str(sizes.epsilon)
    if edges:
        provenance["edges"] = "; ".join(edges)
    header = {
        "schema_version": 1,
        "title": f"{family} #{index} (seed {seed})",
        "description": _DESCRIPTIONS[family],
        "source": f"generated by pluralis instances.generators version {GENERATOR_VERSION}",
        "provenance": provenance,
    }
    return instance_from_dict({**header, **_numbers(document)})


@dataclass(frozen=True)
class LibraryEntry:
    """One generated file, as listed in the catalog."""

    file: str
    hash: str
    index: int
    title: str
    states: int
    providers: int
    users: int
    worlds: int


def file_name(family: str, seed: int, index: int, format: str = "yaml") -> str:
    """The file name of a generated instance: ``FAMILY-sSEED-INDEX.yaml``.

    Parameters
    ----------
    family : str
        The family.
    seed, index : int
        Seed and index.
    format : {"yaml", "json"}
        The file format.

    Returns
    -------
    str
        The name.
    """
    return f"{family}-s{seed}-{index:04d}.{format}"


def _write_atomically(path: Path, text: str) -> None:
    temporary = path.with_name(f".{path.name}.tmp")
    temporary.write_text(text, encoding="utf-8")
    os.replace(temporary, path)


def generate_library(
    family: str,
    count: int,
    seed: int,
    out: Path,
    sizes: Sizes | None = None,
    format: str = "yaml",
) -> list[LibraryEntry]:
    """Write ``count`` instances of a family into a folder, with a catalog.

    Parameters
    ----------
    family : str
        A name in :data:`FAMILIES`.
    count : int
        How many instances.
    seed : int
        The seed; the same seed writes the same bytes.
    out : Path
        The folder (created if needed).
    sizes : Sizes, optional
        Sizes of the instances.
    format : {"yaml", "json"}
        File format.

    Returns
    -------
    list of LibraryEntry
        What was written; also listed in ``out/catalog.json``.
    """
    if count < 0:
        raise ModelError(f"count must be non-negative, got {count}")
    if format not in ("yaml", "json"):
        raise ModelError(f"unknown format {format!r}; use yaml or json")
    sizes = sizes or Sizes()
    check_sizes(family, sizes)
    out.mkdir(parents=True, exist_ok=True)
    entries = []
    for index in range(count):
        instance = generate_instance(family, seed, index, sizes)
        name = file_name(family, seed, index, format)
        _write_atomically(out / name, dumps(instance, format))
        entries.append(
            LibraryEntry(
                name,
                content_hash(instance),
                index,
                instance.title,
                len(instance.states),
                len(instance.providers),
                len(instance.users),
                len(instance.worlds),
            )
        )
    catalog = {
        "generator": "instances.generators",
        "generator_version": GENERATOR_VERSION,
        "family": family,
        "description": _DESCRIPTIONS[family],
        "seed": seed,
        "count": count,
        "sizes": {k: str(v) if isinstance(v, Fraction) else v for k, v in asdict(sizes).items()},
        "instances": [asdict(e) for e in entries],
    }
    _write_atomically(out / CATALOG_NAME, json.dumps(catalog, indent=2, ensure_ascii=False) + "\n")
    return entries

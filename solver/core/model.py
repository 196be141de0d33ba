"""The frozen, validated model of one finite instance (SPEC.md §1, §11).

An :class:`Instance` is immutable and hashable. It is validated on construction: every rule of
SPEC.md §11 that concerns values (probabilities, utility ranges, stakes) is checked here once, with
an error naming the place. Reading files and checking their syntax lives in
:mod:`solver.core.serialization`.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass, field
from fractions import Fraction
from functools import cached_property

from solver.core.documents import unicode_problem
from solver.core.errors import InstanceError, ModelError, is_printable, printable, shorten, shown
from solver.core.numbers import ONE, ZERO

DEFAULT_FEATURE = "default"
"""The one dummy feature of a user who declares none (SPEC.md §1)."""

USER_TURN = "U"
PROVIDER_TURN = "P"

Table = tuple[tuple[Fraction, ...], ...]
"""A utility table indexed ``[action][state]`` in file order."""


@dataclass(frozen=True)
class Provider:
    """A provider: its label and the signals it may observe."""

    label: str
    signals: tuple[str, ...]


@dataclass(frozen=True)
class User:
    """A user: actions, utility ``u(a, y)``, private features and their kernel.

    ``utility[a][y]`` follows the file order of actions and states. ``feature_kernel`` is ``None``
    for a user with a single feature (probability one), else indexed ``[world][feature]``.
    """

    label: str
    actions: tuple[str, ...]
    utility: Table
    features: tuple[str, ...] = (DEFAULT_FEATURE,)
    feature_kernel: Table | None = None


@dataclass(frozen=True)
class World:
    """A world ``ω = (y, x^P_1..x^P_m)`` with its prior probability; ``signals`` in provider order."""

    label: str
    prob: Fraction
    state: str
    signals: tuple[str, ...]


@dataclass(frozen=True)
class Stake:
    """Provider j's stake in user i: weight ``λ_{j,i}`` and utility ``U_{j,i}(a, y)`` (``[a][y]``)."""

    weight: Fraction
    utility: Table


@dataclass(frozen=True)
class Protocol:
    """A turn sequence over ``{U, P}`` with the two alphabets (SPEC.md §2)."""

    turns: tuple[str, ...]
    provider_messages: tuple[str, ...]
    user_messages: tuple[str, ...]

    def alphabet(self, turn: int) -> tuple[str, ...]:
        """Return the messages that may be spoken at a turn.

        Parameters
        ----------
        turn : int
            Zero-based turn index.

        Returns
        -------
        tuple of str
            ``provider_messages`` or ``user_messages``.
        """
        return self.provider_messages if self.turns[turn] == PROVIDER_TURN else self.user_messages


@dataclass(frozen=True)
class Instance:
    """One finite pluralistic alignment game (SPEC.md §1).

    Build instances with :func:`solver.core.serialization.instance_from_dict` or
    :func:`solver.core.serialization.load`; direct construction validates values as well.

    Attributes
    ----------
    states, providers, users, worlds : tuple
        In file order; every label is unique in its list.
    stakes : tuple of tuple of Stake
        ``stakes[j][i]`` for provider j and user i.
    protocol : Protocol
        The conversation protocol.
    parameters : tuple of (str, Fraction)
        Named parameters, with their current exact values.
    expressions : tuple of (str, str)
        For each number written as an expression in the parameters, its place and text.
    provenance : tuple of (str, str)
        Free provenance fields (``generator``, ``seed``, ``note`` ...), as strings.
    """

    states: tuple[str, ...]
    providers: tuple[Provider, ...]
    users: tuple[User, ...]
    worlds: tuple[World, ...]
    stakes: tuple[tuple[Stake, ...], ...]
    protocol: Protocol
    title: str = ""
    description: str = ""
    source: str = ""
    parameters: tuple[tuple[str, Fraction], ...] = ()
    expressions: tuple[tuple[str, str], ...] = ()
    provenance: tuple[tuple[str, str], ...] = field(default=())

    def __post_init__(self) -> None:
        _validate(self)

    # -- label lookups ---------------------------------------------------------------------------------

    @cached_property
    def provider_labels(self) -> tuple[str, ...]:
        """Provider labels in file order."""
        return tuple(p.label for p in self.providers)

    @cached_property
    def user_labels(self) -> tuple[str, ...]:
        """User labels in file order."""
        return tuple(u.label for u in self.users)

    def provider_index(self, label: str) -> int:
        """Return the position of a provider, by label.

        Parameters
        ----------
        label : str
            A provider label.

        Returns
        -------
        int
            Its index in file order.
        """
        return _index(self.provider_labels, label, "provider")

    def user_index(self, label: str) -> int:
        """Return the position of a user, by label.

        Parameters
        ----------
        label : str
            A user label.

        Returns
        -------
        int
            Its index in file order.
        """
        return _index(self.user_labels, label, "user")

    # -- derived arrays used by the kernels ------------------------------------------------------------

    @cached_property
    def world_states(self) -> tuple[int, ...]:
        """State index ``y(ω)`` of every world."""
        position = {s: k for k, s in enumerate(self.states)}
        return tuple(position[w.state] for w in self.worlds)

    @cached_property
    def world_signals(self) -> tuple[tuple[int, ...], ...]:
        """``world_signals[j][ω]``: the index of provider j's signal ``x^P_j(ω)``."""
        result = []
        for j, provider in enumerate(self.providers):
            position = {s: k for k, s in enumerate(provider.signals)}
            result.append(tuple(position[w.signals[j]] for w in self.worlds))
        return tuple(result)

    def joint_prior(self, user: int) -> Table:
        """User i's joint prior ``π_i(x, ω) = π(ω) κ_i(x | ω)`` (SPEC.md §1).

        Parameters
        ----------
        user : int
            User index.

        Returns
        -------
        tuple of tuple of Fraction
            Indexed ``[feature][world]``.
        """
        return self._joint_priors[user]

    @cached_property
    def _joint_priors(self) -> tuple[Table, ...]:
        priors: list[Table] = []
        for u in self.users:
            if u.feature_kernel is None:
                priors.append((tuple(w.prob for w in self.worlds),))
            else:
                kernel = u.feature_kernel
                priors.append(
                    tuple(
                        tuple(w.prob * kernel[k][x] for k, w in enumerate(self.worlds))
                        for x in range(len(u.features))
                    )
                )
        return tuple(priors)

    def parameter_values(self) -> dict[str, Fraction]:
        """Return the parameters as a dictionary.

        Returns
        -------
        dict
            Name to exact value.
        """
        return dict(self.parameters)


def _index(labels: tuple[str, ...], label: str, kind: str) -> int:
    try:
        return labels.index(label)
    except ValueError:
        raise ModelError(f"unknown {kind} {shown(label)}; known: {shorten(', '.join(labels), 200)}") from None


def _check_unique(labels: tuple[str, ...], place: str) -> None:
    if not labels:
        raise InstanceError(place, "must list at least one label")
    seen: set[str] = set()
    for label in labels:
        if not isinstance(label, str) or not label:
            raise InstanceError(place, f"label {shown(label)} must be a non-empty string")
        if label in seen:
            raise InstanceError(place, f"label {shown(label)} appears twice; labels must be unique")
        seen.add(label)


def _check_number(value: object, place: str) -> None:
    # One exact number type: a float, bool or foreign rational would break exactness or hashing.
    if isinstance(value, bool) or not isinstance(value, (Fraction, int)):
        raise InstanceError(
            place,
            f"{type(value).__name__} {shown(value)} is not an exact number; use fractions.Fraction "
            "(solver.core.numbers.parse_number reads every file spelling)",
        )


def _check_table(
    table: Table, rows: tuple[str, ...], columns: tuple[str, ...], place: str, kinds: tuple[str, str]
) -> None:
    if len(table) != len(rows) or any(len(r) != len(columns) for r in table):
        raise InstanceError(
            place,
            f"must have one row per {kinds[0]} ({', '.join(rows)}) and one column per {kinds[1]} "
            f"({', '.join(columns)})",
        )
    for a, row in zip(rows, table):
        for y, value in zip(columns, row):
            _check_number(value, f"{place}[{a}][{y}]")
            if not ZERO <= value <= ONE:
                raise InstanceError(
                    f"{place}[{a}][{y}]",
                    f"utility {value} lies outside [0, 1]; rescale utilities into [0, 1]",
                )


MAX_LABEL_LENGTH = 100
"""Most characters in a label (of a state, provider, signal, user, action, feature, world or message)."""

MAX_TITLE_LENGTH = 1_000
"""Most characters in an instance's title or source."""

MAX_TEXT_LENGTH = 100_000
"""Most characters in an instance's description or in one provenance value."""

_LABEL = "label"
_LINE = "line"
_TEXT = "text"
_RULES = {
    _LABEL: "labels are printable text without control or format characters, without leading or "
    "trailing spaces, in Unicode normal form NFC",
    _LINE: "titles and sources are printable text on one line, without control or format characters",
    _TEXT: "descriptions and provenance are printable text, lines and tabs allowed, without other control "
    "or format characters",
}


def _texts(instance: Instance) -> Iterator[tuple[str, object, str]]:
    """Every piece of text of an instance with its place and kind: provenance, labels and names."""
    yield ("title", instance.title, _LINE)
    yield ("description", instance.description, _TEXT)
    yield ("source", instance.source, _LINE)
    for key, value in instance.provenance:
        yield "provenance", key, _LABEL
        yield f"provenance.{printable(key)}", value, _TEXT
    for name, _ in instance.parameters:
        yield "parameters", name, ""
    for place, expression in instance.expressions:
        yield printable(place), expression, ""
    yield from ((f"states[{k}]", s, _LABEL) for k, s in enumerate(instance.states))
    for j, p in enumerate(instance.providers):
        yield f"providers[{j}]", p.label, _LABEL
        place = f"providers.{printable(p.label)}"
        yield from ((f"{place}.signals[{k}]", s, _LABEL) for k, s in enumerate(p.signals))
    for i, u in enumerate(instance.users):
        yield f"users[{i}]", u.label, _LABEL
        place = f"users.{printable(u.label)}"
        yield from ((f"{place}.actions[{k}]", a, _LABEL) for k, a in enumerate(u.actions))
        yield from ((f"{place}.features[{k}]", x, _LABEL) for k, x in enumerate(u.features))
    for w, world in enumerate(instance.worlds):
        yield f"worlds[{w}]", world.label, _LABEL
        yield f"worlds.{printable(world.label)}.state", world.state, ""
    protocol = instance.protocol
    yield from ((f"protocol.turns[{t}]", turn, "") for t, turn in enumerate(protocol.turns))
    for name in ("provider_messages", "user_messages"):
        yield from ((f"protocol.{name}[{k}]", m, _LABEL) for k, m in enumerate(getattr(protocol, name)))


_SPACE = re.compile(r"\s")


def _character(c: str) -> str:
    """A character named for a message: ``U+202E (RIGHT-TO-LEFT OVERRIDE)``."""
    name = unicodedata.name(c, "")
    return f"U+{ord(c):04X}" + (f" ({name})" if name else "")


def text_problem(text: str, kind: str = _LABEL) -> str | None:
    """Why a text breaks the rule for its kind (SPEC.md §11, README "Instance files"), or None.

    Labels (of states, providers, signals, users, actions, features, worlds, messages, and the keys
    of ``provenance``) are printable text: no character of Unicode category Cc (controls), Cf
    (format characters: bidirectional controls, zero-width characters), Cs (surrogates), Zl or Zp
    (line and paragraph separators), and no space but U+0020; no leading or trailing space; in
    Unicode normal form NFC; at most :data:`MAX_LABEL_LENGTH` characters. Titles and sources are
    printable text on one line (:data:`MAX_TITLE_LENGTH`); descriptions and provenance values may
    also hold line feeds and tabs (:data:`MAX_TEXT_LENGTH`).

    Parameters
    ----------
    text : str
        The text.
    kind : {"label", "line", "text"}
        Which rule applies.

    Returns
    -------
    str or None
        The problem and its remedy, quoting the text cut short; None when the text is fine.
    """
    problem = unicode_problem(text)
    if problem is not None:
        return problem
    what = "label" if kind == _LABEL else "text"
    limit = {_LABEL: MAX_LABEL_LENGTH, _LINE: MAX_TITLE_LENGTH}.get(kind, MAX_TEXT_LENGTH)
    if len(text) > limit:
        return f"{what} {shown(text)} has {len(text):,} characters, more than {limit:,}; shorten it"
    allowed = "\n\t" if kind == _TEXT else ""
    if not (text.isascii() and text.isprintable()):
        for k, c in enumerate(text):
            if c in allowed or (is_printable(c) and (kind != _LABEL or c == " " or not c.isspace())):
                continue
            kind_of = "space" if c.isspace() and is_printable(c) else "character"
            return (
                f"{what} {shown(text)} holds the {kind_of} {_character(c)} at character {k + 1}: "
                f"{_RULES[kind]}; remove it" + (" or write an ordinary space" if kind_of == "space" else "")
            )
    if kind != _LABEL:
        return None
    if _SPACE.match(text) or _SPACE.match(text[-1:]):
        return f"label {shown(text)} begins or ends with a space: {_RULES[kind]}; remove the space"
    if not unicodedata.is_normalized("NFC", text):
        composed = unicodedata.normalize("NFC", text)
        return (
            f"label {shown(text)} is not in Unicode normal form NFC: {_RULES[kind]}; write it composed, as "
            f"{shorten(ascii(composed), 60)}"
        )
    return None


def is_label(text: object) -> bool:
    """Whether a value may be a label: a non-empty string that :func:`text_problem` accepts.

    Parameters
    ----------
    text : object
        Any value.

    Returns
    -------
    bool
        True for a label of the rule of SPEC.md §11.
    """
    return isinstance(text, str) and bool(text) and text_problem(text) is None


def _check_text(text: object, place: str, kind: str) -> None:
    if not isinstance(text, str):
        return
    problem = unicode_problem(text) if not kind else text_problem(text, kind)
    if problem is not None:
        raise InstanceError(place, problem)


def _validate(instance: Instance) -> None:
    """Check the value rules of SPEC.md §11 on a typed instance."""
    for place, text, kind in _texts(instance):
        _check_text(text, place, kind)
    _check_unique(instance.states, "states")
    _check_unique(tuple(p.label for p in instance.providers), "providers")
    for p in instance.providers:
        if "," in p.label:
            # Sets T of providers are written with commas (shared:P1,P2, the rows of check).
            raise InstanceError(
                f"providers.{printable(p.label)}",
                "a provider label may not contain ',' (it separates the providers of a set T, as in "
                "--class shared:P1,P2); rename the provider",
            )
    _check_unique(tuple(u.label for u in instance.users), "users")
    _check_unique(tuple(w.label for w in instance.worlds), "worlds")
    for p in instance.providers:
        _check_unique(p.signals, f"providers.{p.label}.signals")
    states = set(instance.states)
    total = ZERO
    for w in instance.worlds:
        place = f"worlds.{w.label}"
        if w.state not in states:
            raise InstanceError(
                f"{place}.state",
                f"unknown state {shown(w.state)}; declared states: {', '.join(instance.states)}",
            )
        if len(w.signals) != len(instance.providers):
            raise InstanceError(f"{place}.signals", "must give one signal for every provider")
        for p, s in zip(instance.providers, w.signals):
            if s not in p.signals:
                raise InstanceError(
                    f"{place}.signals.{p.label}",
                    f"unknown signal {shown(s)}; provider {p.label} has signals {', '.join(p.signals)}",
                )
        _check_number(w.prob, f"{place}.prob")
        if w.prob < 0:
            raise InstanceError(
                f"{place}.prob", f"probability {w.prob} is negative; probabilities lie in [0, 1]"
            )
        if w.prob == 0:
            raise InstanceError(
                f"{place}.prob", "probability 0: every world has a positive probability; drop this world"
            )
        total += w.prob
    if total != 1:
        raise InstanceError("worlds", f"world probabilities sum to {total}, not 1; fix the 'prob' fields")
    for u in instance.users:
        place = f"users.{u.label}"
        _check_unique(u.actions, f"{place}.actions")
        _check_unique(u.features, f"{place}.features")
        _check_table(u.utility, u.actions, instance.states, f"{place}.utility", ("action", "state"))
        if u.feature_kernel is None:
            if len(u.features) != 1:
                raise InstanceError(
                    f"{place}.feature_kernel",
                    "is required when a user has more than one feature; give world -> feature -> probability",
                )
        else:
            kernel = u.feature_kernel
            if len(kernel) != len(instance.worlds) or any(len(r) != len(u.features) for r in kernel):
                raise InstanceError(
                    f"{place}.feature_kernel", "must give, for every world, a probability of every feature"
                )
            for w, row in zip(instance.worlds, kernel):
                for x, value in zip(u.features, row):
                    _check_number(value, f"{place}.feature_kernel[{w.label}][{x}]")
                    if value < 0:
                        raise InstanceError(
                            f"{place}.feature_kernel[{w.label}][{x}]",
                            f"probability {value} is negative; probabilities lie in [0, 1]",
                        )
                if sum(row, ZERO) != 1:
                    raise InstanceError(
                        f"{place}.feature_kernel[{w.label}]",
                        f"feature probabilities sum to {sum(row, ZERO)}, not 1; fix the row so it sums to 1",
                    )
    if len(instance.stakes) != len(instance.providers) or any(
        len(row) != len(instance.users) for row in instance.stakes
    ):
        raise InstanceError("stakes", "must give a stake for every (provider, user) pair")
    for p, stake_row in zip(instance.providers, instance.stakes):
        for u, stake in zip(instance.users, stake_row):
            place = f"stakes.{p.label}.{u.label}"
            _check_number(stake.weight, f"{place}.weight")
            if stake.weight < 0:
                raise InstanceError(
                    f"{place}.weight", f"weight {stake.weight} is negative; stakes λ must be ≥ 0"
                )
            _check_table(stake.utility, u.actions, instance.states, f"{place}.utility", ("action", "state"))
    protocol = instance.protocol
    for k, t in enumerate(protocol.turns):
        if t not in (USER_TURN, PROVIDER_TURN):
            raise InstanceError(
                f"protocol.turns[{k}]", f"unknown turn {shown(t)}; each turn is 'U' (user) or 'P' (provider)"
            )
    if PROVIDER_TURN in protocol.turns:
        _check_unique(protocol.provider_messages, "protocol.provider_messages")
    if USER_TURN in protocol.turns:
        _check_unique(protocol.user_messages, "protocol.user_messages")

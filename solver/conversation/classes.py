"""Strategy classes (SPEC.md §5): which rules a provider may commit to, as enumerable sets.

Every finite class can be counted before it is enumerated; :meth:`StrategyClass.enumerate`
refuses, with the count in the message, a class larger than the caller's limit.
"""

from __future__ import annotations

import itertools
import math
from abc import ABC, abstractmethod
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from fractions import Fraction

from solver.conversation.garblings import common_garbling, resolve_providers, shared_rules
from solver.conversation.protocol import ConversationTree
from solver.conversation.rules import Distribution, Rule
from solver.core.errors import ClassTooLargeError, Limit, ModelError
from solver.core.model import Instance

DEFAULT_CLASS_LIMIT = 100_000


class StrategyClass(ABC):
    """A finite set of rules for each provider."""

    @property
    @abstractmethod
    def name(self) -> str:
        """The class as written on the command line (``grid:3``)."""

    @property
    def contains_shared_rules(self) -> bool:
        """Whether the class holds every deterministic T-shared rule, for every provider and every T.

        C1 and C3 (SPEC.md §8) compare equilibria of the class with a deviation to such a rule, so
        they say something only about a class that contains them (SPEC.md §6).
        """
        return False

    @abstractmethod
    def count(self, instance: Instance, provider: int) -> int:
        """Number of rules of provider j in the class, computed without enumerating.

        Parameters
        ----------
        instance : Instance
            The game.
        provider : int
            Index of provider j.

        Returns
        -------
        int
            The exact count.
        """

    @abstractmethod
    def rules(self, instance: Instance, provider: int) -> Iterator[Rule]:
        """Iterate over provider j's rules in the class, each reading j's signals.

        Parameters
        ----------
        instance : Instance
            The game.
        provider : int
            Index of provider j.

        Yields
        ------
        Rule
            The rules, in a fixed order.
        """

    def enumerate(
        self, instance: Instance, provider: int, limit: int = DEFAULT_CLASS_LIMIT
    ) -> tuple[Rule, ...]:
        """List provider j's rules after checking the class is within ``limit``.

        Parameters
        ----------
        instance : Instance
            The game.
        provider : int
            Index of provider j.
        limit : int
            The largest class the caller accepts.

        Returns
        -------
        tuple of Rule
            The rules.

        Raises
        ------
        ClassTooLargeError
            When the class has more than ``limit`` rules.
        """
        count = self.count(instance, provider)
        if count > limit:
            raise ClassTooLargeError(
                f"class {self.name} for provider {instance.providers[provider].label}",
                count,
                limit,
                Limit.CLASS,
            )
        return tuple(self.rules(instance, provider))


def _shape(instance: Instance, provider: int) -> tuple[int, int, int]:
    tree = ConversationTree(instance.protocol)
    return (
        len(instance.providers[provider].signals),
        len(tree.provider_nodes),
        len(instance.protocol.provider_messages),
    )


@dataclass(frozen=True)
class Deterministic(StrategyClass):
    """Every deterministic rule: one message at each (signal, provider node)."""

    @property
    def name(self) -> str:
        return "deterministic"

    @property
    def contains_shared_rules(self) -> bool:
        """True: every deterministic rule is in the class, the T-shared ones among them."""
        return True

    def count(self, instance: Instance, provider: int) -> int:
        signals, nodes, size = _shape(instance, provider)
        return int(size ** (signals * nodes))

    def rules(self, instance: Instance, provider: int) -> Iterator[Rule]:
        signals, nodes, size = _shape(instance, provider)
        for flat in itertools.product(range(size), repeat=signals * nodes):
            yield Rule.deterministic([flat[s * nodes : (s + 1) * nodes] for s in range(signals)], size)


def grid_distributions(size: int, q: int) -> tuple[Distribution, ...]:
    """Every distribution over ``size`` messages whose probabilities are multiples of ``1/q``.

    Parameters
    ----------
    size : int
        Alphabet size.
    q : int
        Grid denominator.

    Returns
    -------
    tuple of Distribution
        In lexicographic order of numerators, point masses included.
    """
    result = []
    for bars in itertools.combinations(range(q + size - 1), size - 1):
        parts, previous = [], -1
        for b in (*bars, q + size - 1):
            parts.append(b - previous - 1)
            previous = b
        result.append(tuple(Fraction(p, q) for p in parts))
    return tuple(sorted(result, reverse=True))


@dataclass(frozen=True)
class Grid(StrategyClass):
    """Every rule whose probabilities are multiples of ``1/q`` (``grid(1)`` is ``deterministic``)."""

    q: int

    def __post_init__(self) -> None:
        if isinstance(self.q, bool) or not isinstance(self.q, int) or self.q < 1:
            raise ModelError(f"grid(q) needs a positive integer q, got {self.q!r}")

    @property
    def name(self) -> str:
        return f"grid:{self.q}"

    @property
    def contains_shared_rules(self) -> bool:
        """True: point masses are multiples of ``1/q``, so every deterministic rule is in the grid."""
        return True

    def count(self, instance: Instance, provider: int) -> int:
        signals, nodes, size = _shape(instance, provider)
        return int(math.comb(self.q + size - 1, size - 1) ** (signals * nodes))

    def rules(self, instance: Instance, provider: int) -> Iterator[Rule]:
        signals, nodes, size = _shape(instance, provider)
        options = grid_distributions(size, self.q)
        for flat in itertools.product(options, repeat=signals * nodes):
            yield Rule(tuple(tuple(flat[s * nodes : (s + 1) * nodes]) for s in range(signals)))


@dataclass(frozen=True)
class Shared(StrategyClass):
    """The deterministic T-shared rules (SPEC.md §6), for providers in T.

    Attributes
    ----------
    providers : tuple of str
        The labels of T.
    """

    providers: tuple[str, ...]

    @property
    def name(self) -> str:
        return "shared:" + ",".join(self.providers)

    def _garbling(self, instance: Instance, provider: int):  # type: ignore[no-untyped-def]
        garbling = common_garbling(instance, self.providers)
        if provider not in garbling.providers:
            raise ModelError(
                f"class {self.name} is defined for the providers in T only; "
                f"{instance.providers[provider].label} is not one of them"
            )
        return garbling

    def count(self, instance: Instance, provider: int) -> int:
        garbling = self._garbling(instance, provider)
        _, nodes, size = _shape(instance, provider)
        return int(size ** (len(garbling.cells) * nodes))

    def rules(self, instance: Instance, provider: int) -> Iterator[Rule]:
        garbling = self._garbling(instance, provider)
        for rule in shared_rules(instance, garbling):
            yield garbling.lift(instance, provider, rule)


@dataclass(frozen=True)
class Menu(StrategyClass):
    """An explicit menu of rules per provider.

    Attributes
    ----------
    menus : tuple of (str, tuple of Rule)
        For each provider label, its rules.
    """

    menus: tuple[tuple[str, tuple[Rule, ...]], ...]

    @classmethod
    def from_mapping(cls, menus: Mapping[str, Sequence[Rule]]) -> Menu:
        """Build a menu from ``{provider label: [rules]}``.

        Parameters
        ----------
        menus : mapping
            Rules by provider label.

        Returns
        -------
        Menu
            The class.
        """
        return cls(tuple((label, tuple(rules)) for label, rules in menus.items()))

    @property
    def name(self) -> str:
        return "menu"

    def _menu(self, instance: Instance, provider: int) -> tuple[Rule, ...]:
        label = instance.providers[provider].label
        for key, rules in self.menus:
            if key == label:
                return rules
        raise ModelError(f"the menu gives no rules for provider {label}")

    def count(self, instance: Instance, provider: int) -> int:
        return len(self._menu(instance, provider))

    def rules(self, instance: Instance, provider: int) -> Iterator[Rule]:
        yield from self._menu(instance, provider)


def parse_class(text: str, instance: Instance | None = None) -> StrategyClass:
    """Read a class as written on the command line.

    Parameters
    ----------
    text : str
        ``deterministic``, ``grid:Q`` or ``shared:P1,P2``.
    instance : Instance, optional
        When given, provider labels in ``shared:`` are checked against it.

    Returns
    -------
    StrategyClass
        The class.
    """
    kind, _, argument = text.partition(":")
    if kind == "deterministic" and not argument:
        return Deterministic()
    if kind == "grid":
        if not argument.isdigit() or int(argument) < 1:
            raise ModelError(f"class {text!r}: write grid:Q with a positive integer Q, e.g. grid:2")
        return Grid(int(argument))
    if kind == "shared":
        labels = tuple(p.strip() for p in argument.split(",") if p.strip())
        if not labels:
            raise ModelError(f"class {text!r}: write shared:P1,P2 with provider labels")
        if instance is not None:
            resolve_providers(instance, labels)
        return Shared(labels)
    raise ModelError(f"unknown strategy class {text!r}; use deterministic, grid:Q or shared:P1,P2")

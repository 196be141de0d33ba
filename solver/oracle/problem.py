"""The shape of provider j's deviation problem (SPEC.md §9): its variables, the users' choices, the options.

Shared by the exhaustive oracle (:mod:`solver.oracle.deviation`), which fixes the users' choices and solves a
linear program per combination, and the mixed-integer program (:mod:`solver.oracle.mip`), which
makes the choices binaries.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import NoReturn

from solver.conversation.protocol import ConversationTree
from solver.conversation.rules import Rule
from solver.core.errors import ModelError
from solver.core.model import PROVIDER_TURN, USER_TURN, Instance
from solver.core.numbers import ZERO

DEFAULT_CHOICE_LIMIT = 20_000
"""The most combinations of the users' choices the oracle solves one by one (exactly)."""

DEFAULT_MIP_TIME_LIMIT = 120.0
"""Seconds CBC may spend on one deviation program before its best solution so far is taken."""


class OracleMethod(enum.Enum):
    """How the deviation oracle covers the users' choices (SPEC.md §9); each value is its text.

    ``OracleMethod("mip")`` reads the text (as the command line's ``--oracle`` gives it); any other
    text is refused with a :class:`ModelError` that names the allowed ones.
    """

    AUTO = "auto"
    """Exhaustive up to the choice limit, the MIP candidate above it."""
    EXHAUSTIVE = "exhaustive"
    """Every combination of the users' choices, one linear program each: exact."""
    MIP = "mip"
    """The mixed-integer program picks the choices: a certified candidate."""

    @classmethod
    def _missing_(cls, value: object) -> NoReturn:
        raise ModelError(f"unknown oracle method {value!r}; use one of {', '.join(METHODS)}")


METHODS = tuple(method.value for method in OracleMethod)
"""The texts of :class:`OracleMethod`, in order: what the command line accepts."""


@dataclass(frozen=True)
class OracleOptions:
    """How the deviation oracle covers the users' choices.

    Attributes
    ----------
    limit : int
        The largest number of choice combinations solved one by one (exactly).
    method : OracleMethod
        ``AUTO``: exhaustive up to ``limit``, the MIP candidate above it.
    time_limit : float or None
        Seconds the MIP solver may spend on one deviation.
    """

    limit: int = DEFAULT_CHOICE_LIMIT
    method: OracleMethod = OracleMethod.AUTO
    time_limit: float | None = DEFAULT_MIP_TIME_LIMIT

    def __post_init__(self) -> None:
        if not isinstance(self.method, OracleMethod):
            raise ModelError(
                f"the oracle method must be an OracleMethod ({', '.join(m.name for m in OracleMethod)}), "
                f"got {self.method!r}; read text with OracleMethod(text)"
            )
        if self.limit < 0:
            raise ModelError(f"the choice limit must be a non-negative integer, got {self.limit}")
        if self.time_limit is not None and not self.time_limit > 0:
            raise ModelError(
                f"the MIP time limit must be a positive number of seconds, got {self.time_limit!r}"
            )


@dataclass(frozen=True)
class UserChoice:
    """A user's choices against the deviator's rule, fixed in one linear program.

    Attributes
    ----------
    user : int
        Her index.
    consults : bool
        Whether she consults the deviator (else she stays with her best other provider).
    reports : tuple of int
        For each of her features, the provider node (her report history) she creates.
    actions : tuple of tuple of int
        For each feature and each provider message, her action.
    """

    user: int
    consults: bool
    reports: tuple[int, ...] = ()
    actions: tuple[tuple[int, ...], ...] = ()

    def describe(self, instance: Instance, tree: ConversationTree) -> str:
        """One readable line, e.g. ``judge: consults; m1→acquit, m2→convict``."""
        user = instance.users[self.user]
        if not self.consults:
            return f"{user.label}: stays with another provider"
        parts = []
        for x, feature in enumerate(user.features):
            report = tree.spell(tree.provider_nodes[self.reports[x]])
            acts = ", ".join(
                f"{message}→{user.actions[a]}"
                for message, a in zip(instance.protocol.provider_messages, self.actions[x])
            )
            where = "" if len(user.features) == 1 else f"{feature}: "
            says = "" if report == "∅" else f"reports {report}; "
            parts.append(f"{where}{says}{acts}")
        return f"{user.label}: consults; " + " | ".join(parts)


class DeviationContext:
    """Coefficients of provider j's deviation problem: its variables' layout and the users' weights.

    Parameters
    ----------
    instance : Instance
        The game; its protocol must have one provider turn, last, after any user turns.
    provider : int
        The deviator j.
    """

    def __init__(self, instance: Instance, provider: int) -> None:
        turns = instance.protocol.turns
        if turns.count(PROVIDER_TURN) != 1 or turns[-1] != PROVIDER_TURN:
            raise ModelError(
                "the deviation oracle needs a protocol with one provider turn, last, after any user "
                f"turns (got {list(turns)}); use grid(q) classes for other protocols"
            )
        if any(t != USER_TURN for t in turns[:-1]):
            raise ModelError("the deviation oracle needs user turns only before the provider turn")
        self.instance = instance
        self.provider = provider
        self.tree = ConversationTree(instance.protocol)
        self.signals = len(instance.providers[provider].signals)
        self.nodes = len(self.tree.provider_nodes)
        self.messages = len(instance.protocol.provider_messages)

    def sigma(self, s: int, h: int, m: int) -> int:
        """Column of σ(m | s, h)."""
        return (s * self.nodes + h) * self.messages + m

    def sigma_count(self) -> int:
        """Number of σ columns."""
        return self.signals * self.nodes * self.messages

    def rule(self, probability: Callable[[int, int, int], Fraction]) -> Rule:
        """j's rule with ``σ(m | s, h) = probability(s, h, m)``."""
        return Rule(
            tuple(
                tuple(tuple(probability(s, h, m) for m in range(self.messages)) for h in range(self.nodes))
                for s in range(self.signals)
            )
        )

    def weights(self, user: int, utility: Sequence[Sequence[Fraction]]) -> list[list[list[Fraction]]]:
        """``w[x][s][a] = Σ_{ω: x_j(ω) = s} π_i(x, ω) · utility(a, y(ω))``."""
        instance = self.instance
        signal_of = instance.world_signals[self.provider]
        states = instance.world_states
        actions = len(instance.users[user].actions)
        result = []
        for prior in instance.joint_prior(user):
            table = [[ZERO] * actions for _ in range(self.signals)]
            for w, p in enumerate(prior):
                if p:
                    for a in range(actions):
                        table[signal_of[w]][a] += p * utility[a][states[w]]
            result.append(table)
        return result


__all__ = [
    "DEFAULT_CHOICE_LIMIT",
    "DEFAULT_MIP_TIME_LIMIT",
    "METHODS",
    "DeviationContext",
    "OracleMethod",
    "OracleOptions",
    "UserChoice",
]

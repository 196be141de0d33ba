"""Equilibria of a finite class over generic exact numbers (SPEC.md §4, §5), for parameter sweeps.

The same search as :mod:`solver.equilibria.enumeration` and :mod:`solver.equilibria.regret`, written
once over any ordered field: it uses only ``+ - *``, comparisons, ``max``/``min``/``sorted`` on its
numbers, never hashes one and never reads a denominator. On :class:`fractions.Fraction` it is the
ordinary engine without the common integer scale; on the parameter's traced numbers
(:mod:`solver.parametric.values`) every comparison it makes is recorded, so the combinatorial answer
(which profiles are equilibria, with which selections) is the same on the whole piece around the
point, and every reported utility is an exact function of the parameter there.

A user's selection at a profile is written ``(k, l)``: the provider k she uses and the index l of
one of her optimal outcome laws with k's rule (the canonical law first), so that selections are
plain integers and can key caches. Two laws of one provider whose payoff vectors are equal count as
one selection, the first of them, as :meth:`solver.equilibria.regret.RegretKernel.options` merges
equal ``(k, payoffs)`` pairs.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Hashable, Mapping, Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import TYPE_CHECKING, Any, Protocol

from solver.conversation.classes import DEFAULT_CLASS_LIMIT, StrategyClass
from solver.conversation.protocol import ConversationTree
from solver.conversation.rules import Rule
from solver.core.errors import ClassTooLargeError, Limit, ModelError
from solver.core.model import Instance
from solver.core.numbers import ZERO
from solver.equilibria.enumeration import solve_equilibria
from solver.equilibria.games import Game, Mode
from solver.equilibria.regret import DEFAULT_SELECTION_LIMIT
from solver.parametric.values import at_point, sweep_store
from solver.responses.response import TiePolicy

if TYPE_CHECKING:
    from solver.parametric.family import ParametricInstance
    from solver.parametric.sweep import Answer

Number = Any
"""An element of an ordered field: a ``Fraction`` or a traced value of the parameter."""

Option = tuple[int, int]
"""A user's selection at a profile: the provider k she uses and the index of her outcome law there."""

Combination = tuple[Option, ...]
"""One selection per user of the game: a best-response selection b (SPEC.md §4)."""

_ATTRACTED = "attracted"
"""Case 2 of SPEC.md §4: she takes the deviator's new rule."""
_STAYS = "stays"
"""Cases 3–4: she keeps ``b_i`` with her provider k ≠ j, or re-chooses among the others."""
_TIED = "tied"
"""Adversarial ties only: the smaller of the two."""


class RuleAnswer(Protocol):
    """What a user does against one rule: her value and, per optimal outcome law, every payoff."""

    @property
    def value(self) -> Number:
        """``V_i(σ)``."""
        ...

    @property
    def payoffs(self) -> Sequence[Sequence[Number]]:
        """Per optimal outcome law, the canonical one first, each provider's ``λ_{k,i} E[U_{k,i}]``."""
        ...


Respond = Callable[[Any, int, int, Rule], RuleAnswer]
"""A user's response to one rule: ``respond(instance, user, provider, rule)``."""


@dataclass(frozen=True)
class Entry:
    """One cell of a response table: a user's value of a rule and the payoffs of her optimal laws.

    Attributes
    ----------
    value : Number
        ``V_i(σ)``.
    payoffs : tuple of tuple of Number
        Per optimal outcome law (canonical first), every provider's payoff from her.
    """

    value: Number
    payoffs: tuple[tuple[Number, ...], ...]


Table = tuple[tuple[tuple[Entry, ...], ...], ...]
"""``table[u][k][r]``: the u-th user of a game against rule r of provider k."""


def build_table(
    instance: Any, users: Sequence[int], rules: Sequence[Sequence[Rule]], respond: Respond
) -> Table:
    """Every user's response to every rule of every provider (SPEC.md §9: precomputed once).

    Parameters
    ----------
    instance : Instance or ParametricInstance
        The game, with the numbers ``respond`` reads.
    users : sequence of int
        The users of the game.
    rules : sequence of sequence of Rule
        Each provider's rules (structural: they do not depend on the parameter).
    respond : callable
        ``respond(instance, user, provider, rule)`` with ``value`` and ``payoffs``.

    Returns
    -------
    Table
        ``table[u][k][r]``.
    """
    return tuple(
        tuple(
            tuple(_entry(respond(instance, i, k, rule)) for rule in rules_k)
            for k, rules_k in enumerate(rules)
        )
        for i in users
    )


def _entry(answer: RuleAnswer) -> Entry:
    return Entry(answer.value, tuple(tuple(vector) for vector in answer.payoffs))


def _total(values: Sequence[Number]) -> Number:
    """The sum of some numbers, from the exact 0 (an empty sum is ``Fraction(0)``)."""
    result: Number = ZERO
    for v in values:
        result = _plus(result, v)
    return result


def _same(left: Sequence[Number], right: Sequence[Number]) -> bool:
    return len(left) == len(right) and all(a == b for a, b in zip(left, right))


@dataclass(frozen=True, eq=False)
class _Ranking:
    """Provider j's total per rule at (σ_{-j}, b), the first best and the first best of the others.

    ``certified[0]`` (``[1]``) says whether the first (second) total's comparisons with every
    other total it stands for are recorded.
    """

    totals: tuple[Number, ...]
    first: int
    second: int | None
    certified: list[bool]

    def top(self, which: int) -> int:
        """The first (0) or the second (1) best rule."""
        best = self.first if which == 0 else self.second
        assert best is not None
        return best


def _plus(left: Number, right: Number) -> Number:
    """``left + right``, with the exact 0 left out (no mixed-type addition for it)."""
    if left is ZERO:
        return right
    if right is ZERO:
        return left
    return left + right


@dataclass(frozen=True)
class _Reaction:
    """One user's reaction to each rule r of the deviator j, the others' rules fixed."""

    own: tuple[Number, ...]
    kinds: tuple[str, ...]
    left: Number


class GenericKernel:
    """The regret kernel of :class:`solver.equilibria.regret.RegretKernel` over generic numbers.

    Payoffs ``Π_j(σ, b)``, each provider's best deviation ``Dev_j(σ, b)`` with the users reacting as
    SPEC.md §4 says under ``policy``, and the equilibrium condition of SPEC.md §5, computed with the
    table's own numbers (no common scale).

    Parameters
    ----------
    table : Table
        ``table[u][k][r]`` for the game's users.
    sizes : sequence of int
        The number of rules of each provider.
    policy : TiePolicy
        How users break ties when a deviation is evaluated.
    delta : Fraction
        δ of δ-equilibrium.
    alone : sequence of sequence of bool, optional
        ``alone[k][r]``: whether provider k's r-th rule stands for itself only. A rule standing for
        several alike rules (:func:`rule_classes`) is a deviation from itself: provider k playing
        one of them can move to another with the same totals. By default every rule is alone.

    Attributes
    ----------
    values : list
        ``values[u][k][r]``: ``V_i``.
    payoffs : list
        ``payoffs[u][k][r]``: per optimal law, every provider's payoff, canonical first.
    best, worst : list
        ``best[u][k][r][j]``, ``worst[u][k][r][j]``: the largest and smallest of those for j.
    """

    def __init__(
        self,
        table: Table,
        sizes: Sequence[int],
        policy: TiePolicy,
        delta: Fraction,
        alone: Sequence[Sequence[bool]] | None = None,
    ) -> None:
        self.policy = policy
        self.delta = Fraction(delta)
        self.sizes = tuple(sizes)
        self.m = len(self.sizes)
        self.alone = (
            tuple(tuple(a) for a in alone) if alone is not None else tuple((True,) * n for n in self.sizes)
        )
        self.values = [[[e.value for e in provider] for provider in user] for user in table]
        self.payoffs = [[[e.payoffs for e in provider] for provider in user] for user in table]
        self.best = [
            [[tuple(max(v[d] for v in e) for d in range(self.m)) for e in pr] for pr in u]
            for u in self.payoffs
        ]
        self.worst = [
            [[tuple(min(v[d] for v in e) for d in range(self.m)) for e in pr] for pr in u]
            for u in self.payoffs
        ]
        self._reaction_cache: dict[tuple[int, tuple[int, ...]], tuple[_Reaction, ...]] = {}
        self._order: dict[tuple[int, int, int, int, int], int] = {}
        self._laws: dict[tuple[int, int, int], tuple[int, ...]] = {}
        self._ranked: dict[tuple[int, tuple[int, ...], tuple[Option | None, ...]], _Ranking] = {}

    def compare(self, u: int, a: tuple[int, int], b: tuple[int, int]) -> int:
        """The sign of ``V_u(a) − V_u(b)`` for two (provider, rule) pairs, each pair decided once.

        The same two values are compared at many profiles; a traced comparison records its
        polynomial when first decided, and its sign is the same at every later profile.

        Parameters
        ----------
        u : int
            The user's position among the game's users.
        a, b : tuple of int
            ``(k, r)``: provider k's r-th rule.

        Returns
        -------
        int
            1, 0 or -1.
        """
        if a == b:
            return 0
        key = (u, *a, *b)
        known = self._order.get(key)
        if known is None:
            left, right = self.values[u][a[0]][a[1]], self.values[u][b[0]][b[1]]
            known = 1 if left > right else (-1 if left < right else 0)
            self._order[key] = known
            self._order[(u, *b, *a)] = -known
        return known

    def _distinct_laws(self, u: int, k: int, r: int) -> tuple[int, ...]:
        """Her laws at provider k's r-th rule, leaving out a law whose payoffs repeat an earlier one's."""
        key = (u, k, r)
        known = self._laws.get(key)
        if known is None:
            vectors = self.payoffs[u][k][r]
            kept: list[int] = []
            for law, vector in enumerate(vectors):
                if not any(_same(vectors[other], vector) for other in kept):
                    kept.append(law)
            known = tuple(kept)
            self._laws[key] = known
        return known

    def _top(self, u: int, profile: Sequence[int], providers: Sequence[int]) -> tuple[int, list[int]]:
        """The first provider offering the u-th user most among some, and all that tie with it."""
        first = providers[0]
        for k in providers[1:]:
            if self.compare(u, (k, profile[k]), (first, profile[first])) > 0:
                first = k
        tied = [k for k in providers if self.compare(u, (k, profile[k]), (first, profile[first])) == 0]
        return first, tied

    def payoff(self, u: int, profile: Sequence[int], option: Option) -> tuple[Number, ...]:
        """Every provider's payoff from the u-th user under a selection at a profile.

        Parameters
        ----------
        u : int
            The user's position among the game's users.
        profile : sequence of int
            σ.
        option : Option
            Her selection ``(k, l)``.

        Returns
        -------
        tuple of Number
            One payoff per provider.
        """
        k, law = option
        return self.payoffs[u][k][profile[k]][law]

    def _reactions(self, j: int, others: tuple[int, ...]) -> tuple[_Reaction, ...]:
        """Per user, what a change of j's rule does to her, with the others' rules fixed (SPEC.md §4)."""
        key = (j, others)
        cached = self._reaction_cache.get(key)
        if cached is not None:
            return cached
        policy = self.policy
        own_table = self.best if policy is TiePolicy.FAVOURABLE else self.worst
        rivals = [k for k in range(self.m) if k != j]
        profile = [*others[:j], 0, *others[j:]]
        result = []
        for u in range(len(self.values)):
            if policy is TiePolicy.CANONICAL:
                own = tuple(self.payoffs[u][j][r][0][j] for r in range(self.sizes[j]))
            else:
                own = tuple(own_table[u][j][r][j] for r in range(self.sizes[j]))
            if not rivals:
                result.append(_Reaction(own, tuple(_ATTRACTED for _ in own), ZERO))
                continue
            holder, optimal = self._top(u, profile, rivals)
            top = (holder, profile[holder])
            if policy is TiePolicy.FAVOURABLE:
                left = max(self.best[u][k][profile[k]][j] for k in optimal)
            elif policy is TiePolicy.ADVERSARIAL:
                left = min(self.worst[u][k][profile[k]][j] for k in optimal)
            else:
                left = self.payoffs[u][optimal[0]][profile[optimal[0]]][0][j]
            kinds = []
            for r in range(self.sizes[j]):
                order = self.compare(u, (j, r), top)
                if order > 0:
                    kinds.append(_ATTRACTED)
                elif order < 0:
                    kinds.append(_STAYS)
                elif policy is TiePolicy.FAVOURABLE or (policy is TiePolicy.CANONICAL and j < optimal[0]):
                    kinds.append(_ATTRACTED)
                elif policy is TiePolicy.ADVERSARIAL:
                    kinds.append(_TIED)
                else:
                    kinds.append(_STAYS)
            result.append(_Reaction(own, tuple(kinds), left))
        reactions = tuple(result)
        self._reaction_cache[key] = reactions
        return reactions

    def _ranking(self, j: int, profile: Sequence[int], selection: Sequence[Option]) -> _Ranking:
        """Every total of j's rules at (σ_{-j}, b), and the first two of them (cached, SPEC.md §4)."""
        others = tuple(profile[:j]) + tuple(profile[j + 1 :])
        reactions = self._reactions(j, others)
        # What j keeps from a user who is not attracted depends only on her selection (by index).
        sources = tuple(o if o[0] != j else None for o in selection)
        key = (j, others, sources)
        ranking = self._ranked.get(key)
        if ranking is not None:
            return ranking
        fallback = [
            self.payoff(u, profile, o)[j] if o[0] != j else reaction.left
            for u, (o, reaction) in enumerate(zip(selection, reactions))
        ]
        totals: list[Number] = [ZERO] * self.sizes[j]
        for reaction, kept in zip(reactions, fallback):
            own, kinds = reaction.own, reaction.kinds
            for r in range(self.sizes[j]):
                kind = kinds[r]
                if kind is _ATTRACTED:
                    totals[r] = _plus(totals[r], own[r])
                elif kind is _STAYS:
                    totals[r] = _plus(totals[r], kept)
                else:
                    totals[r] = _plus(totals[r], min(own[r], kept))
        values = [at_point(t) for t in totals]
        rules = range(self.sizes[j])
        second: int | None
        if all(v is not None for v in values):
            # Ranked at the point, nothing recorded: the comparisons that justify a use of the
            # ranking are made where it is used (:meth:`_certify`).
            first = max(rules, key=lambda r: (values[r], -r))
            rest = [r for r in rules if r != first]
            second = max(rest, key=lambda r: (values[r], -r)) if rest else None
            certified = [False, False]
        else:
            # At an irrational point, by traced comparisons: the first best rule and the first best
            # of the others, each comparison recorded as it is made.
            first = 0
            for r in rules:
                if totals[r] > totals[first]:
                    first = r
            second = None
            for r in rules:
                if r != first and (second is None or totals[r] > totals[second]):
                    second = r
            certified = [True, True]
        ranking = _Ranking(tuple(totals), first, second, certified)
        self._ranked[key] = ranking
        return ranking

    @staticmethod
    def _certify(ranking: _Ranking, which: int) -> None:
        """Record that the first (0) or second (1) total is at least every other one it stands for."""
        if ranking.certified[which]:
            return
        totals = ranking.totals
        best = ranking.first if which == 0 else ranking.second
        assert best is not None
        skipped = (best,) if which == 0 else (best, ranking.first)
        for r, total in enumerate(totals):
            if r not in skipped and not totals[best] >= total:
                raise AssertionError("a total ranked at the point is not the largest there")
        ranking.certified[which] = True

    def deviation(self, j: int, profile: Sequence[int], selection: Sequence[Option]) -> Number:
        """Provider j's best payoff from a change of its rule, at (σ, b) (SPEC.md §4, §5).

        As :meth:`solver.equilibria.regret.RegretKernel.deviation`: one whom j attracts takes j's new
        rule; one who stays with her provider k ≠ j keeps ``b_i``; one who leaves j re-chooses among
        the others. Only rules other than ``σ_j`` are deviations (case 1). The totals are ranked once
        per (σ_{-j}, b) and the returned total's comparisons with every other are recorded.

        Parameters
        ----------
        j : int
            The deviator.
        profile : sequence of int
            σ.
        selection : sequence of Option
            b: per user of the game, her selection at σ.

        Returns
        -------
        Number
            ``Dev_j(σ, b)``: the largest payoff over j's rules other than ``σ_j``.
        """
        if self.sizes[j] == 1 and self.alone[j][0]:
            return _total([self.payoff(u, profile, o)[j] for u, o in enumerate(selection)])
        ranking = self._ranking(j, profile, selection)
        which = self._which(ranking, j, profile[j])
        self._certify(ranking, which)
        return ranking.totals[ranking.top(which)]

    def _which(self, ranking: _Ranking, j: int, current: int) -> int:
        """Whether ``Dev_j`` is the first (0) or the second (1) total, ``σ_j`` being ``current``."""
        return 1 if ranking.first == current and self.alone[j][current] else 0

    def admits(self, j: int, profile: Sequence[int], selection: Sequence[Option]) -> Number | None:
        """Whether ``Π_j(σ, b) ≥ Dev_j(σ, b) − δ`` (SPEC.md §5), deciding only what the answer needs.

        The deviation ranked first at the point (other than ``σ_j``) is compared with the payoff.
        When it beats the payoff by more than δ, that one comparison proves the condition false (no
        other deviation is looked at); otherwise the comparisons of that deviation with every other
        are recorded too, which prove the condition true.

        Parameters
        ----------
        j : int
            The provider.
        profile : sequence of int
            σ.
        selection : sequence of Option
            b: per user of the game, her selection at σ.

        Returns
        -------
        Number or None
            ``Dev_j(σ, b)`` when the condition holds, None when it fails.
        """
        payoff = _total([self.payoff(u, profile, o)[j] for u, o in enumerate(selection)])
        if self.sizes[j] == 1 and self.alone[j][0]:
            return payoff
        ranking = self._ranking(j, profile, selection)
        which = self._which(ranking, j, profile[j])
        deviation = ranking.totals[ranking.top(which)]
        if payoff < deviation - self.delta:
            return None
        self._certify(ranking, which)
        return deviation

    def options(self, u: int, profile: Sequence[int]) -> tuple[tuple[Option, ...], Number]:
        """Every best-response selection of the u-th user at a profile, and her utility (SPEC.md §4).

        Parameters
        ----------
        u : int
            The user's position among the game's users.
        profile : sequence of int
            σ.

        Returns
        -------
        options : tuple of Option
            Each distinct (provider, payoffs) among her optimal providers and their optimal laws,
            providers in file order and the canonical law first; a law whose payoffs equal an
            earlier one's of the same provider is not repeated.
        utility : Number
            Her utility ``max_k V_i(σ_k)``.
        """
        holder, optimal = self._top(u, profile, range(self.m))
        seen: list[Option] = []
        for k in optimal:
            seen.extend((k, law) for law in self._distinct_laws(u, k, profile[k]))
        return tuple(seen), self.values[u][holder][profile[holder]]


def admissible_selections(
    kernel: GenericKernel, profile: tuple[int, ...], options: Sequence[Sequence[Option]], limit: int
) -> list[tuple[Combination, tuple[Number, ...]]]:
    """Every selection b that makes (σ, b) an equilibrium: ``Π_j(σ, b) ≥ Dev_j(σ, b) − δ`` for all j.

    As :func:`solver.equilibria.regret.admissible_selections`, over generic numbers.

    Parameters
    ----------
    kernel : GenericKernel
        The game's kernel.
    profile : tuple of int
        σ.
    options : sequence of sequence of Option
        Per user of the game, her selections at σ (:meth:`GenericKernel.options`).
    limit : int
        The most combinations of selections examined.

    Returns
    -------
    list of (Combination, tuple of Number)
        The admissible combinations, in product order, each with every provider's ``Dev_j``.

    Raises
    ------
    ClassTooLargeError
        When there are more combinations than ``limit``.
    """
    size = math.prod(len(o) for o in options)
    if size > limit:
        raise ClassTooLargeError("the best-response selections of one profile", size, limit, Limit.SELECTION)
    result = []
    for combination in itertools.product(*options):
        deviations = []
        for j in range(kernel.m):
            deviation = kernel.admits(j, profile, combination)
            if deviation is None:
                break
            deviations.append(deviation)
        else:
            result.append((combination, tuple(deviations)))
    return result


@dataclass(frozen=True)
class GenericEquilibrium:
    """An equilibrium profile with its admissible selections, over generic numbers (SPEC.md §5).

    Attributes
    ----------
    users : tuple of int
        The users it is played over (all of them, or one in a personalized game's slice).
    profile : tuple of int
        σ: the index of each provider's rule in its class.
    utilities : tuple of Number
        Per user of ``users``, her utility.
    used : tuple of tuple of Option
        Per user, her options that some admissible selection b gives her, in the order of her
        options (providers in file order, the canonical law first): what
        :attr:`solver.equilibria.results.UserOutcome.selections` lists.
    canonical : bool
        Whether every user's canonical selection (her first option) is admissible together.
    selections : tuple of Combination
        The admissible selections b, in product order.
    payoffs : tuple of tuple of Number
        Per admissible selection, every provider's payoff from these users.
    """

    users: tuple[int, ...]
    profile: tuple[int, ...]
    utilities: tuple[Number, ...]
    used: tuple[tuple[Option, ...], ...]
    canonical: bool
    selections: tuple[Combination, ...]
    payoffs: tuple[tuple[Number, ...], ...]

    def at(self, profile: tuple[int, ...]) -> GenericEquilibrium:
        """The same equilibrium at a profile of alike rules (:func:`rule_classes`).

        Parameters
        ----------
        profile : tuple of int
            σ, whose rules are alike this one's, one by one.

        Returns
        -------
        GenericEquilibrium
            The equilibrium with that profile.
        """
        return GenericEquilibrium(
            self.users, profile, self.utilities, self.used, self.canonical, self.selections, self.payoffs
        )

    def key(self) -> tuple[tuple[int, ...], tuple[int, ...], tuple[tuple[Option, ...], ...], bool]:
        """The combinatorial part: users, profile, the options used and the canonical flag."""
        return (self.users, self.profile, self.used, self.canonical)


@dataclass(frozen=True)
class GenericSolution:
    """Every equilibrium of a game over a finite class, over generic numbers.

    Attributes
    ----------
    mode : Mode
        Personalized or anonymous.
    equilibria : tuple of GenericEquilibrium
        As :attr:`solver.equilibria.results.SolveResult.equilibria`: anonymous, whole profiles;
        personalized, each user's slices that take part in a whole-game equilibrium.
    count : int
        The number of equilibrium profiles of the whole game.
    worst, best : tuple of (Number or None)
        Per user of the instance, her lowest and highest equilibrium utility.
    """

    mode: Mode
    equilibria: tuple[GenericEquilibrium, ...]
    count: int
    worst: tuple[Number | None, ...]
    best: tuple[Number | None, ...]

    def structure(self) -> Hashable:
        """The combinatorial answer: the mode, the count and every equilibrium's :meth:`key`."""
        return (self.mode.value, self.count, tuple(e.key() for e in self.equilibria))


def _equilibrium(
    kernel: GenericKernel,
    users: tuple[int, ...],
    profile: tuple[int, ...],
    utilities: Sequence[Number],
    options: Sequence[Sequence[Option]],
    admissible: Sequence[Combination],
) -> GenericEquilibrium:
    payoffs = tuple(
        tuple(_total([kernel.payoff(u, profile, o)[j] for u, o in enumerate(c)]) for j in range(kernel.m))
        for c in admissible
    )
    used = tuple(
        tuple(o for o in opts if any(c[u] == o for c in admissible)) for u, opts in enumerate(options)
    )
    canonical = any(all(o == opts[0] for o, opts in zip(c, options)) for c in admissible)
    return GenericEquilibrium(users, profile, tuple(utilities), used, canonical, tuple(admissible), payoffs)


def _extremes(
    n: int, equilibria: Sequence[GenericEquilibrium]
) -> tuple[list[Number | None], list[Number | None]]:
    worst: list[Number | None] = [None] * n
    best: list[Number | None] = [None] * n
    for e in equilibria:
        for i, utility in zip(e.users, e.utilities):
            low, high = worst[i], best[i]
            worst[i] = utility if low is None else min(low, utility)
            best[i] = utility if high is None else max(high, utility)
    return worst, best


def _profiles(sizes: Sequence[int]) -> itertools.product[tuple[int, ...]]:
    return itertools.product(*(range(s) for s in sizes))


def solve_anonymous(
    table: Table,
    sizes: Sequence[int],
    user_count: int,
    delta: Fraction = ZERO,
    policy: TiePolicy = TiePolicy.FAVOURABLE,
    selection_limit: int = DEFAULT_SELECTION_LIMIT,
) -> GenericSolution:
    """Every equilibrium (σ, b) of the anonymous game (SPEC.md §5), as the enumeration finds them.

    Parameters
    ----------
    table : Table
        ``table[i][k][r]`` for every user i of the instance.
    sizes : sequence of int
        The number of rules of each provider.
    user_count : int
        The number of users.
    delta : Fraction
        δ ≥ 0.
    policy : TiePolicy
        How users break ties when a deviation is evaluated (SPEC.md §4).
    selection_limit : int
        Refuse profiles with more combinations of best-response selections than this.

    Returns
    -------
    GenericSolution
        The equilibria, each user's worst and best utility, and their count.
    """
    classes = rule_classes([table], sizes)
    kernel = GenericKernel(classes.reduce(table), classes.sizes, policy, delta, classes.alone)
    users = tuple(range(user_count))
    found = []
    # Profiles of the same rules up to alike rules have the same answer: decided once.
    decided: dict[tuple[int, ...], GenericEquilibrium | None] = {}
    for profile in _profiles(sizes):
        reduced = classes.profile(profile)
        if reduced not in decided:
            answers = [kernel.options(u, reduced) for u in users]
            options = [o for o, _ in answers]
            admissible = admissible_selections(kernel, reduced, options, selection_limit)
            decided[reduced] = None
            if admissible:
                combinations = [c for c, _ in admissible]
                utilities = [v for _, v in answers]
                decided[reduced] = _equilibrium(kernel, users, reduced, utilities, options, combinations)
        equilibrium = decided[reduced]
        if equilibrium is not None:
            found.append(equilibrium.at(profile))
    worst, best = _extremes(user_count, found)
    return GenericSolution(Mode.ANONYMOUS, tuple(found), len(found), tuple(worst), tuple(best))


@dataclass(frozen=True)
class _Candidate:
    profile: tuple[int, ...]
    reduced: tuple[int, ...]
    utility: Number
    options: tuple[Option, ...]
    regrets: tuple[tuple[Number, ...], ...]
    admitted: tuple[int, ...]

    def at(self, profile: tuple[int, ...]) -> _Candidate:
        """The same candidate at a profile of alike rules."""
        return _Candidate(profile, self.reduced, self.utility, self.options, self.regrets, self.admitted)


def _candidate(kernel: GenericKernel, profile: tuple[int, ...], delta: Fraction) -> _Candidate | None:
    """A one-user game's profile with the selections whose regrets are all at most δ (None if none)."""
    options, utility = kernel.options(0, profile)
    regrets = []
    admitted = []
    for k, o in enumerate(options):
        if delta == 0:
            # Only whether every regret is at most 0 matters: decided as the anonymous game's
            # condition, without the regrets themselves.
            if all(kernel.admits(j, profile, (o,)) is not None for j in range(kernel.m)):
                admitted.append(k)
            continue
        payoff = kernel.payoff(0, profile, o)
        regret = tuple(kernel.deviation(j, profile, (o,)) - payoff[j] for j in range(kernel.m))
        regrets.append(regret)
        if all(r <= kernel.delta for r in regret):
            admitted.append(k)
    if not admitted:
        return None
    return _Candidate(profile, profile, utility, options, tuple(regrets), tuple(admitted))


@dataclass(frozen=True)
class RuleClasses:
    """Each provider's rules grouped into classes of alike rules (:func:`rule_classes`).

    Attributes
    ----------
    members : tuple of tuple of tuple of int
        ``members[k][c]``: the indices of provider k's rules in its class c, increasing; classes
        in the order of their first rule.
    of : tuple of tuple of int
        ``of[k][r]``: the class of provider k's r-th rule.
    """

    members: tuple[tuple[tuple[int, ...], ...], ...]
    of: tuple[tuple[int, ...], ...]

    @property
    def sizes(self) -> tuple[int, ...]:
        """The number of classes of each provider."""
        return tuple(len(m) for m in self.members)

    @property
    def alone(self) -> tuple[tuple[bool, ...], ...]:
        """``alone[k][c]``: whether class c of provider k holds a single rule."""
        return tuple(tuple(len(c) == 1 for c in m) for m in self.members)

    def profile(self, profile: Sequence[int]) -> tuple[int, ...]:
        """The classes of a profile's rules.

        Parameters
        ----------
        profile : sequence of int
            σ.

        Returns
        -------
        tuple of int
            Per provider, the class of its rule.
        """
        return tuple(self.of[k][r] for k, r in enumerate(profile))

    def reduce(self, table: Table) -> Table:
        """The table with one rule per class (its first).

        Parameters
        ----------
        table : Table
            ``table[u][k][r]``.

        Returns
        -------
        Table
            ``table[u][k][c]``.
        """
        return tuple(
            tuple(tuple(provider[c[0]] for c in self.members[k]) for k, provider in enumerate(user))
            for user in table
        )


def rule_classes(tables: Sequence[Table], sizes: Sequence[int]) -> RuleClasses:
    """Group each provider's rules whose entries are the same numbers, for every user of every table.

    Two such rules are interchangeable in the search: every user values them alike and gets the
    same payoffs from them, so two profiles that differ only by alike rules have the same
    equilibrium selections, and a provider can deviate from a rule to an alike one with the same
    totals (:class:`GenericKernel`'s ``alone``). Numbers count as the same when they are the same
    objects (the traced responses give rules of one shape the same objects), so nothing is
    compared and nothing is recorded.

    Parameters
    ----------
    tables : sequence of Table
        ``table[u][k][r]`` for the users concerned.
    sizes : sequence of int
        The number of rules of each provider.

    Returns
    -------
    RuleClasses
        The classes.
    """
    members = []
    of = []
    for k, size in enumerate(sizes):
        found: dict[tuple[Any, ...], int] = {}
        groups: list[list[int]] = []
        classes = []
        for r in range(size):
            signature = tuple(
                (id(entry.value), tuple(tuple(id(x) for x in vector) for vector in entry.payoffs))
                for table in tables
                for entry in (user[k][r] for user in table)
            )
            c = found.get(signature)
            if c is None:
                c = found[signature] = len(groups)
                groups.append([])
            groups[c].append(r)
            classes.append(c)
        members.append(tuple(tuple(g) for g in groups))
        of.append(tuple(classes))
    return RuleClasses(tuple(members), tuple(of))


def solve_personalized(
    tables: Sequence[Table],
    sizes: Sequence[int],
    delta: Fraction = ZERO,
    policy: TiePolicy = TiePolicy.FAVOURABLE,
    selection_limit: int = DEFAULT_SELECTION_LIMIT,
) -> GenericSolution:
    """Every equilibrium of the personalized game, through its split into one game per user (SPEC.md §5).

    As :func:`solver.equilibria.regret.personalized_result`: each user's candidates are the profiles
    of her game with a selection whose regrets are all at most δ; with δ = 0 a candidate takes part
    exactly when a selection has no positive regret, and with δ > 0 every combination of the users'
    candidates is tried (the whole game's regret of j is the sum of the positive parts of its
    regrets in the users' games).

    Parameters
    ----------
    tables : sequence of Table
        Per user of the instance, the table of her one-user game (``table[0][k][r]``).
    sizes : sequence of int
        The number of rules of each provider (per user).
    delta : Fraction
        δ ≥ 0.
    policy : TiePolicy
        How users break ties when a deviation is evaluated.
    selection_limit : int
        The most combinations of the users' candidates examined when δ > 0.

    Returns
    -------
    GenericSolution
        The users' slices that take part in some whole-game equilibrium, with those of their
        selections that do, the count of whole-game profiles, and each user's worst and best.
    """
    kernels = []
    m = len(sizes)
    candidates: list[list[_Candidate]] = []
    for table in tables:
        classes = rule_classes([table], sizes)
        kernel = GenericKernel(classes.reduce(table), classes.sizes, policy, delta, classes.alone)
        kernels.append(kernel)
        found = []
        # Profiles of the same rules up to alike rules have the same candidate: decided once.
        decided: dict[tuple[int, ...], _Candidate | None] = {}
        for profile in _profiles(sizes):
            reduced = classes.profile(profile)
            if reduced not in decided:
                decided[reduced] = _candidate(kernel, reduced, delta)
            candidate = decided[reduced]
            if candidate is not None:
                found.append(candidate.at(profile))
        candidates.append(found)
    admissible, count = _recombine(candidates, Fraction(delta), m, selection_limit)
    equilibria = []
    for i, (kernel, user) in enumerate(zip(kernels, candidates)):
        slices: dict[tuple[tuple[int, ...], tuple[int, ...]], GenericEquilibrium] = {}
        for c, selected in zip(user, admissible[i]):
            if selected:
                key = (c.reduced, tuple(sorted(selected)))
                if key not in slices:
                    chosen = [(c.options[k],) for k in key[1]]
                    slices[key] = _equilibrium(kernel, (i,), c.reduced, [c.utility], [c.options], chosen)
                equilibria.append(slices[key].at(c.profile))
    worst, best = _extremes(len(tables), equilibria)
    return GenericSolution(Mode.PERSONALIZED, tuple(equilibria), count, tuple(worst), tuple(best))


def _recombine(
    candidates: list[list[_Candidate]], delta: Fraction, m: int, limit: int
) -> tuple[list[list[set[int]]], int]:
    """As :func:`solver.equilibria.regret.recombine` (separable when δ = 0)."""
    if delta == 0:
        admissible = [[set(c.admitted) for c in user] for user in candidates]
        count = math.prod(sum(1 for s in user if s) for user in admissible)
        if count == 0:
            admissible = [[set() for _ in user] for user in candidates]
        return admissible, count
    size = math.prod(len(user) for user in candidates)
    if size > limit:
        raise ClassTooLargeError(
            "the combinations of the users' candidate profiles", size, limit, Limit.SELECTION
        )
    admissible = [[set() for _ in user] for user in candidates]
    count = 0
    for combination in itertools.product(*(range(len(user)) for user in candidates)):
        chosen = [candidates[u][c] for u, c in enumerate(combination)]
        found = False
        for selection in itertools.product(*(range(len(c.regrets)) for c in chosen)):
            clipped = [
                _total([max(c.regrets[k][j], ZERO) for c, k in zip(chosen, selection)]) for j in range(m)
            ]
            if all(v <= delta for v in clipped):
                found = True
                for u, (c, k) in enumerate(zip(combination, selection)):
                    admissible[u][c].add(k)
        count += found
    return admissible, count


def solve_game(
    instance: Any,
    rules: Sequence[Sequence[Rule]],
    mode: Mode,
    respond: Respond,
    delta: Fraction = ZERO,
    policy: TiePolicy = TiePolicy.FAVOURABLE,
    selection_limit: int = DEFAULT_SELECTION_LIMIT,
) -> GenericSolution:
    """Every equilibrium of an instance's game over given rules, with a given response function.

    Parameters
    ----------
    instance : Instance or ParametricInstance
        The game, with the numbers ``respond`` reads.
    rules : sequence of sequence of Rule
        Each provider's rules in the class (:attr:`solver.equilibria.games.Game.rules`).
    mode : Mode
        Personalized or anonymous.
    respond : callable
        ``respond(instance, user, provider, rule)`` with ``value`` and ``payoffs``.
    delta : Fraction
        δ ≥ 0.
    policy : TiePolicy
        How users break ties when a deviation is evaluated.
    selection_limit : int
        As in :func:`solve_anonymous` and :func:`solve_personalized`.

    Returns
    -------
    GenericSolution
        The equilibria.
    """
    delta = Fraction(delta)
    if delta < 0:
        raise ModelError(f"δ must be non-negative, got {delta}")
    n = len(instance.users)
    sizes = [len(r) for r in rules]
    if mode is Mode.ANONYMOUS:
        table = build_table(instance, range(n), rules, respond)
        return solve_anonymous(table, sizes, n, delta, policy, selection_limit)
    tables = [build_table(instance, (i,), rules, respond) for i in range(n)]
    return solve_personalized(tables, sizes, delta, policy, selection_limit)


def quantities(labels: Sequence[str], solution: GenericSolution) -> dict[str, Number | None]:
    """The solution's numbers by the names of ``pluralis solve --json``: count, worst and best.

    Parameters
    ----------
    labels : sequence of str
        The users' labels.
    solution : GenericSolution
        The solution.

    Returns
    -------
    dict
        ``count``, the number of equilibrium profiles of the whole game, then ``worst.<user>`` and
        ``best.<user>`` per user (None when she has no equilibrium).
    """
    result: dict[str, Number | None] = {"count": Fraction(solution.count)}
    for label, worst, best in zip(labels, solution.worst, solution.best):
        result[f"worst.{label}"] = worst
        result[f"best.{label}"] = best
    return result


def describe_equilibria(
    instance: Any, rules: Sequence[Sequence[Rule]], solution: GenericSolution
) -> list[dict[str, Any]]:
    """The equilibrium profiles of a solution, written out: each provider's rule and whose game it is.

    Parameters
    ----------
    instance : Instance or ParametricInstance
        The instance (only its labels, signals and protocol are read).
    rules : sequence of sequence of Rule
        Per provider, its rules in the class (:func:`class_rules`).
    solution : GenericSolution
        The solution.

    Returns
    -------
    list of dict
        Per equilibrium, ``{"users": [USER, ...], "rules": {P: rule}, "canonical_selection_admissible":
        bool}``, a rule written as ``solve --json`` writes it; in the personalized game each entry is
        one user's slice.
    """
    tree = ConversationTree(instance.protocol)
    documents: dict[tuple[int, int], Any] = {}

    def document(j: int, index: int) -> Any:
        # A rule is written once, however many equilibria it takes part in.
        key = (j, index)
        if key not in documents:
            documents[key] = rules[j][index].to_document(instance.providers[j].signals, tree)
        return documents[key]

    described = []
    for equilibrium in solution.equilibria:
        described.append(
            {
                "users": [instance.users[u].label for u in equilibrium.users],
                "rules": {
                    p.label: document(j, equilibrium.profile[j]) for j, p in enumerate(instance.providers)
                },
                "canonical_selection_admissible": equilibrium.canonical,
            }
        )
    return described


def class_rules(
    instance: Any, strategy_class: StrategyClass, limit: int = DEFAULT_CLASS_LIMIT
) -> tuple[tuple[Rule, ...], ...]:
    """Each provider's rules in a class (:attr:`solver.equilibria.games.Game.rules`).

    A class reads only the instance's structure (signals, protocol, the worlds' signals for a
    shared class), never its numbers, so the rules are the same at every value of the parameter.

    Parameters
    ----------
    instance : Instance or ParametricInstance
        The instance.
    strategy_class : StrategyClass
        The class.
    limit : int
        The largest class accepted per provider.

    Returns
    -------
    tuple of tuple of Rule
        Per provider, its rules in the class's order.
    """
    # The structure a class reads, by identity (a family's instances share these objects); the
    # objects themselves are kept with the rules, so that their ids stay theirs.
    structure = (
        instance.providers,
        instance.protocol,
        *(w.signals for w in instance.worlds),
        *(w.label for w in instance.worlds),
    )
    key = (tuple(id(x) for x in structure), strategy_class, limit)
    known = _CLASS_RULES.get(key)
    if known is not None and all(a is b for a, b in zip(known[0], structure)):
        return known[1]  # type: ignore[no-any-return]
    rules = tuple(strategy_class.enumerate(instance, j, limit) for j in range(len(instance.providers)))
    if len(_CLASS_RULES) >= 64:
        _CLASS_RULES.clear()
    _CLASS_RULES[key] = (structure, rules)
    return rules


_CLASS_RULES: dict[Any, Any] = sweep_store()
"""Each provider's rules in a class, by the structure the class reads (:func:`class_rules`)."""


@dataclass(frozen=True)
class SolveEvaluation:
    """``pluralis sweep --what solve``: each user's worst and best equilibrium utility (SPEC.md §5).

    Parameters
    ----------
    mode : Mode
        Personalized or anonymous.
    strategy_class : StrategyClass
        A finite class (deterministic, grid, shared, menu).
    delta : Fraction
        δ ≥ 0 of δ-equilibrium.
    policy : TiePolicy
        How users break ties when a deviation is evaluated.
    limit : int
        The largest class accepted per provider.
    selection_limit : int
        The most combinations of best-response selections examined at once.
    """

    mode: Mode
    strategy_class: StrategyClass
    delta: Fraction = ZERO
    policy: TiePolicy = TiePolicy.FAVOURABLE
    limit: int = DEFAULT_CLASS_LIMIT
    selection_limit: int = DEFAULT_SELECTION_LIMIT

    def solution(
        self, family: ParametricInstance, rules: Sequence[Sequence[Rule]] | None = None
    ) -> GenericSolution:
        """The equilibria over the family's traced numbers at its point.

        Parameters
        ----------
        family : ParametricInstance
            The instance's structure with traced numbers.
        rules : sequence of sequence of Rule, optional
            Each provider's rules in the class (:func:`class_rules`), when already listed.

        Returns
        -------
        GenericSolution
            The equilibria, every comparison recorded in the family's trace.
        """
        from solver.parametric.responses import responses_for

        if rules is None:
            rules = class_rules(family, self.strategy_class, self.limit)
        return solve_game(
            family, rules, self.mode, responses_for, self.delta, self.policy, self.selection_limit
        )

    def traced(self, family: ParametricInstance) -> Answer:
        """The evaluation on the family's traced numbers (the sweep's :class:`Evaluation` protocol).

        Parameters
        ----------
        family : ParametricInstance
            The instance's structure with traced numbers.

        Returns
        -------
        Answer
            ``worst.<user>`` and ``best.<user>`` as functions of the parameter, no verdicts, and the
            equilibrium profiles with their admissible selections as the structure.
        """
        from solver.parametric.sweep import Answer

        rules = class_rules(family, self.strategy_class, self.limit)
        solution = self.solution(family, rules)
        labels = [u.label for u in family.users]
        named = quantities(labels, solution)
        details = {"equilibria": describe_equilibria(family, rules, solution)}
        return Answer(named, {}, solution.structure(), details)

    def numeric(self, instance: Instance) -> tuple[Mapping[str, Fraction | None], Mapping[str, str]]:
        """The ordinary engine at a rational point: ``pluralis solve``'s worst and best per user.

        Parameters
        ----------
        instance : Instance
            The instance at the point.

        Returns
        -------
        tuple
            The quantities by name, and no verdicts.
        """
        game = Game(instance, self.mode, self.strategy_class, limit=self.limit)
        result = solve_equilibria(game, self.delta, self.policy, selection_limit=self.selection_limit)
        named: dict[str, Fraction | None] = {"count": Fraction(result.count)}
        for user, worst, best in zip(instance.users, result.worst, result.best):
            named[f"worst.{user.label}"] = worst
            named[f"best.{user.label}"] = best
        return named, {}

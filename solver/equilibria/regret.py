"""The regret kernel: integer lookups over a game's response table (SPEC.md §4, §5).

Every payoff of a game's response table is scaled by one common denominator, so that a profile's
payoffs, each provider's best deviation and its regret ``Dev_j − Π_j`` are integer arithmetic. Both
equilibrium engines (:mod:`solver.equilibria.enumeration` and :mod:`solver.equilibria.mip`) decide
and report equilibria through it, so they agree on what an equilibrium is by construction.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from fractions import Fraction

from solver.core.errors import ClassTooLargeError, Limit, ModelError
from solver.core.numbers import ZERO
from solver.equilibria.games import Game, Mode
from solver.equilibria.results import Equilibrium, Method, SolveResult, UserOutcome
from solver.responses.response import TiePolicy

DEFAULT_SELECTION_LIMIT = 100_000

FEW_SELECTIONS = 64
"""Up to this many combinations of the users' selections at a profile (and always a single one),
each is tried directly."""

Option = tuple[int, tuple[int, ...]]
"""A user's selection at a profile: the provider she uses and the providers' scaled payoffs."""


_ATTRACTED = "attracted"
"""Case 2 of SPEC.md §4: she takes the deviator's new rule."""
_STAYS = "stays"
"""Cases 3–4: she keeps ``b_i`` with her provider k ≠ j, or re-chooses among the others."""
_TIED = "tied"
"""Adversarial ties only: the smaller of the two."""


@dataclass(frozen=True)
class _Reaction:
    """One user's reaction to each rule r of the deviator j, the others' rules fixed (scaled payoffs).

    ``own[r]``: j's payoff when she takes r; ``kinds[r]``: whether she does; ``left``: j's payoff
    when she was with j and re-chooses among the others (case 4).
    """

    own: tuple[int, ...]
    kinds: tuple[str, ...]
    left: int


@dataclass(frozen=True)
class Candidate:
    """A profile of a personalized game's one-user game with, per selection, its payoffs and regrets.

    The personalized game is searched user by user and recombined (SPEC.md §5); a candidate keeps
    what the recombination needs, on its kernel's integer scale.

    Attributes
    ----------
    profile : tuple of int
        The index of each provider's rule in its class.
    options : tuple of Option
        The user's best-response selections at the profile (SPEC.md §4): the provider she uses and
        every provider's scaled payoff from her.
    regrets : tuple of tuple of int
        Per selection, each provider's scaled regret ``Dev_j − Π_j`` (SPEC.md §5).
    deviations : tuple of tuple of int
        Per selection, each provider's scaled best deviation payoff ``Dev_j``.
    """

    profile: tuple[int, ...]
    options: tuple[Option, ...]
    regrets: tuple[tuple[int, ...], ...]
    deviations: tuple[tuple[int, ...], ...]


def _extreme(vectors: tuple[tuple[int, ...], ...], pick: Callable[..., int]) -> tuple[int, ...]:
    """Per provider, the largest (``max``) or smallest (``min``) payoff over a rule's optimal laws."""
    if len(vectors) == 1:
        return vectors[0]
    return tuple(pick(column) for column in zip(*vectors))


class RegretKernel:
    """Integer lookups over one game's response table: payoffs, best deviations and regrets.

    Every payoff of the table and δ are scaled by their common denominator ``scale``, so that a
    profile's payoffs ``Π_j(σ, b)``, each provider's best deviation ``Dev_j(σ, b)`` with the users
    reacting as SPEC.md §4 says under ``policy``, and the equilibrium condition of SPEC.md §5 are
    integer arithmetic. Best deviations are cached by the other providers' rules.

    Parameters
    ----------
    game : Game
        The game: anonymous, or a personalized game (usually one of its one-user games).
    policy : TiePolicy
        How users break ties when a deviation is evaluated (SPEC.md §4).
    delta : Fraction
        δ of δ-equilibrium (SPEC.md §5).

    Attributes
    ----------
    game : Game
        The game.
    policy : TiePolicy
        The tie policy.
    scale : int
        The common denominator: a scaled number ``v`` stands for ``v / scale``.
    delta : int
        δ, scaled.
    m : int
        The number of providers.
    sizes : tuple of int
        The number of rules in each provider's class.
    values : list
        ``values[u][k][r]``: the u-th user's value ``V_i`` of provider k's r-th rule (exact).
    payoffs : list
        ``payoffs[u][k][r]``: for each of her optimal outcome laws there, every provider's scaled
        payoff, the canonical law first.
    best, worst : list
        ``best[u][k][r][j]`` and ``worst[u][k][r][j]``: the largest and smallest of those payoffs
        for provider j.
    """

    def __init__(self, game: Game, policy: TiePolicy, delta: Fraction) -> None:
        self.game = game
        self.policy = policy
        table = game.table.responses
        delta = Fraction(delta)
        denominators = {delta.denominator}
        for user in table:
            for provider in user:
                for r in provider:
                    for vector in r.payoffs:
                        denominators.update(p.denominator for p in vector)
        self.scale = math.lcm(*denominators)
        factor = {d: self.scale // d for d in denominators}
        self.delta = delta.numerator * factor[delta.denominator]
        self.m = len(game.instance.providers)
        self.sizes = tuple(len(rules) for rules in game.rules)
        self.values = [[[r.value for r in provider] for provider in user] for user in table]
        self.payoffs = [
            [
                [
                    tuple(tuple(p.numerator * factor[p.denominator] for p in v) for v in r.payoffs)
                    for r in provider
                ]
                for provider in user
            ]
            for user in table
        ]
        self.best = [[[_extreme(r, max) for r in pr] for pr in u] for u in self.payoffs]
        self.worst = [[[_extreme(r, min) for r in pr] for pr in u] for u in self.payoffs]
        self.reactions: dict[tuple[int, tuple[int, ...]], tuple[_Reaction, ...]] = {}
        self.cache: dict[tuple[int, tuple[int, ...], tuple[int, ...]], tuple[int, int, int]] = {}

    def _reactions(self, j: int, others: tuple[int, ...]) -> tuple[_Reaction, ...]:
        """Per user, what a change of j's rule does to her, with the others' rules fixed (SPEC.md §4)."""
        key = (j, others)
        cached = self.reactions.get(key)
        if cached is not None:
            return cached
        policy = self.policy
        own_table = self.best if policy is TiePolicy.FAVOURABLE else self.worst
        rivals = [k for k in range(self.m) if k != j]
        profile = [*others[:j], 0, *others[j:]]
        result = []
        for u in range(len(self.values)):
            values = self.values[u]
            if policy is TiePolicy.CANONICAL:
                own = tuple(self.payoffs[u][j][r][0][j] for r in range(self.sizes[j]))
            else:
                own = tuple(own_table[u][j][r][j] for r in range(self.sizes[j]))
            if not rivals:
                result.append(_Reaction(own, tuple(_ATTRACTED for _ in own), 0))
                continue
            top = max(values[k][profile[k]] for k in rivals)
            optimal = [k for k in rivals if values[k][profile[k]] == top]
            if policy is TiePolicy.FAVOURABLE:
                left = max(self.best[u][k][profile[k]][j] for k in optimal)
            elif policy is TiePolicy.ADVERSARIAL:
                left = min(self.worst[u][k][profile[k]][j] for k in optimal)
            else:
                left = self.payoffs[u][optimal[0]][profile[optimal[0]]][0][j]
            kinds = []
            for r in range(self.sizes[j]):
                value = values[j][r]
                if value > top:
                    kinds.append(_ATTRACTED)
                elif value < top:
                    kinds.append(_STAYS)
                elif policy is TiePolicy.FAVOURABLE or (policy is TiePolicy.CANONICAL and j < optimal[0]):
                    kinds.append(_ATTRACTED)
                elif policy is TiePolicy.ADVERSARIAL:
                    kinds.append(_TIED)
                else:
                    kinds.append(_STAYS)
            result.append(_Reaction(own, tuple(kinds), left))
        reactions = tuple(result)
        self.reactions[key] = reactions
        return reactions

    def deviation(self, j: int, profile: Sequence[int], selection: Sequence[Option]) -> int:
        """Provider j's best payoff from a change of its rule, at (σ, b) (SPEC.md §4, §5).

        Users react as :func:`solver.responses.response.deviation_payoff_from_user` says: one whom j
        attracts takes j's new rule; one who stays with her provider k ≠ j keeps ``b_i``; one who
        leaves j re-chooses among the others. Only rules other than ``σ_j`` are deviations (case 1):
        with no other rule, the deviation payoff is ``Π_j(σ, b)``.

        Parameters
        ----------
        j : int
            The deviator.
        profile : sequence of int
            σ: the index of each provider's rule in its class.
        selection : sequence of Option
            b: per user of the game, her selection at σ.

        Returns
        -------
        int
            ``Dev_j(σ, b)``, scaled: the largest payoff over j's rules other than ``σ_j``.
        """
        current = profile[j]
        if self.sizes[j] == 1:
            return sum(option[1][j] for option in selection)
        others = tuple(profile[:j]) + tuple(profile[j + 1 :])
        reactions = self._reactions(j, others)
        fallback = tuple(
            option[1][j] if option[0] != j else reaction.left
            for option, reaction in zip(selection, reactions)
        )
        key = (j, others, fallback)
        ranked = self.cache.get(key)
        if ranked is None:
            totals = [0] * self.sizes[j]
            for reaction, kept in zip(reactions, fallback):
                own, kinds = reaction.own, reaction.kinds
                for r in range(self.sizes[j]):
                    kind = kinds[r]
                    if kind is _ATTRACTED:
                        totals[r] += own[r]
                    elif kind is _STAYS:
                        totals[r] += kept
                    else:
                        totals[r] += min(own[r], kept)
            order = sorted(range(self.sizes[j]), key=lambda r: -totals[r])[:2]
            ranked = (order[0], totals[order[0]], totals[order[1]])
            self.cache[key] = ranked
        best_rule, best, second = ranked
        return second if best_rule == current else best

    def options(self, u: int, profile: Sequence[int]) -> tuple[tuple[Option, ...], Fraction]:
        """Every best-response selection of the u-th user at a profile, and her utility (SPEC.md §4).

        Parameters
        ----------
        u : int
            The user's position among the game's users.
        profile : sequence of int
            σ: the index of each provider's rule in its class.

        Returns
        -------
        options : tuple of Option
            Each distinct (provider, scaled payoffs) among her optimal providers and their optimal
            outcome laws, providers in file order and the canonical law first.
        utility : Fraction
            Her utility ``max_k V_i(σ_k)``, exact.
        """
        values = self.values[u]
        top = max(values[k][profile[k]] for k in range(self.m))
        seen: list[Option] = []
        for k in range(self.m):
            if values[k][profile[k]] == top:
                for vector in self.payoffs[u][k][profile[k]]:
                    if (k, vector) not in seen:
                        seen.append((k, vector))
        return tuple(seen), top

    def fraction(self, value: int) -> Fraction:
        """A scaled number as the exact number it stands for.

        Parameters
        ----------
        value : int
            A number on this kernel's scale.

        Returns
        -------
        Fraction
            ``value / scale``.
        """
        return Fraction(value, self.scale)


Vector = tuple[int, ...]
"""A point of a frontier: one integer per column, on a kernel's scale."""

SELECTIONS = "the Pareto frontier of the users' best-response selections at one profile"
"""What the selection limit bounds in the anonymous game (SPEC.md §4, §5)."""

CANDIDATES = "the Pareto frontier of the users' candidate profiles and selections"
"""What the selection limit bounds when a personalized game's users' games are recombined."""


@dataclass(frozen=True)
class Selections:
    """What the selections b that make (σ, b) an equilibrium have in common (SPEC.md §5).

    Attributes
    ----------
    used : tuple of tuple of int
        Per user, the indices (in :meth:`RegretKernel.options` order) of the options that some
        admissible selection b gives her, increasing.
    canonical : bool
        Whether the canonical selection, every user's first option, is admissible.
    payoffs : tuple of (int, int)
        Each provider's lowest and highest scaled payoff ``Π_j(σ, b)`` over the admissible b.
    deviations : tuple of (int, int)
        Each provider's lowest and highest scaled best deviation payoff ``Dev_j(σ, b)`` over them.
    """

    used: tuple[tuple[int, ...], ...]
    canonical: bool
    payoffs: tuple[tuple[int, int], ...]
    deviations: tuple[tuple[int, int], ...]


def _maximal(points: set[Vector]) -> list[Vector]:
    """The Pareto-maximal points of a set: those that no other point matches or beats in every column."""
    ordered = sorted(points, reverse=True)
    if not ordered or len(ordered[0]) <= 1:
        return ordered[:1]
    kept: list[Vector] = []
    if len(ordered[0]) == 2:
        # In decreasing order of the first column, a point is maximal when its second beats all before.
        for point in ordered:
            if not kept or point[1] > kept[-1][1]:
                kept.append(point)
        return kept
    for point in ordered:
        # Only a lexicographically larger point can dominate it, and those come first.
        for other in kept:
            if all(a >= b for a, b in zip(other, point)):
                break
        else:
            kept.append(point)
    return kept


Signature = tuple[tuple[int, ...], ...]
"""One column's values, per stage and item, each stage shifted so that its smallest value is 0."""


def _shift(values: Sequence[Sequence[int]]) -> tuple[Signature, int]:
    """A column's signature and the sum of the shifts: its sum over a choice is the signature's plus that."""
    lows = [min(stage) for stage in values]
    return tuple(tuple(x - low for x in stage) for stage, low in zip(values, lows)), sum(lows)


@dataclass(frozen=True)
class _Columns:
    """Choices of one item per stage, summed column by column, reduced to the columns that matter.

    A choice is *feasible* when, in every constrained column, the sum of the chosen items' values
    is at least the column's floor. Each stage's values are shifted so that their smallest is 0
    (the shifts add up to constants), identical columns are merged (the larger floor wins), and a
    constraint that every choice meets is dropped, so every floor left is positive and every
    partial sum of a column lies between 0 and the sum of the stages' largest values.

    Attributes
    ----------
    stages : tuple of tuple of Vector
        Per stage, per item (in the caller's order), its shifted values in the kept columns.
    floors : tuple of int or None
        Per kept column, the floor of its sum; None for a column kept only as an objective.
    cut : tuple of bool
        Per kept column, whether a partial sum above its floor may be cut down to it: for every
        constrained column that is not also an objective.
    objectives : tuple of (int, int)
        Per objective column asked for, the kept column it became (−1 when it has the same sum for
        every choice) and the constant to add to that column's sum.
    feasible : bool
        False when some constrained column falls short of its floor even at its largest.
    signatures : tuple of Signature
        Per kept column, its shifted values per stage and item (the columns of ``stages``).
    sizes : tuple of int
        Per stage, its number of items.
    """

    stages: tuple[tuple[Vector, ...], ...]
    floors: tuple[int | None, ...]
    cut: tuple[bool, ...]
    objectives: tuple[tuple[int, int], ...]
    feasible: bool
    signatures: tuple[Signature, ...]
    sizes: tuple[int, ...]

    @classmethod
    def reduce(cls, stages: Sequence[Sequence[Vector]], floors: Sequence[int]) -> _Columns:
        """Shift, merge and drop columns: ``stages[s][i][c]`` is item i of stage s in column c."""
        groups: dict[Signature, int] = {}
        signatures: list[Signature] = []
        group_floors: list[int] = []
        feasible = True
        for c, floor in enumerate(floors):
            signature, constant = _shift([[v[c] for v in items] for items in stages])
            floor -= constant
            if floor <= 0:
                # A floor that every choice meets.
                continue
            g = groups.get(signature)
            if g is None:
                if not any(x for stage in signature for x in stage):
                    # The same sum for every choice, and it falls short.
                    feasible = False
                    continue
                groups[signature] = g = len(signatures)
                signatures.append(signature)
                group_floors.append(floor)
            else:
                group_floors[g] = max(group_floors[g], floor)
        for signature, floor in zip(signatures, group_floors):
            feasible = feasible and floor <= sum(max(stage) for stage in signature)
        sizes = tuple(len(items) for items in stages)
        return cls._build(signatures, list(group_floors), [True] * len(signatures), (), feasible, sizes)

    @classmethod
    def _build(
        cls,
        signatures: Sequence[Signature],
        floors: Sequence[int | None],
        cut: Sequence[bool],
        objectives: tuple[tuple[int, int], ...],
        feasible: bool,
        sizes: tuple[int, ...],
    ) -> _Columns:
        stages = tuple(
            tuple(zip(*(signature[s] for signature in signatures))) if signatures else ((),) * size
            for s, size in enumerate(sizes)
        )
        return cls(stages, tuple(floors), tuple(cut), objectives, feasible, tuple(signatures), sizes)

    def objective(self, *columns: Sequence[Sequence[int]]) -> _Columns:
        """The same choices with objective columns: ``columns[o][s][i]`` is item i of stage s in column o.

        An objective column is kept whole (never cut down), so that its sum over a choice can be
        read off a frontier; one identical to a constrained column shares it, which is then not cut.
        """
        signatures = list(self.signatures)
        floors = list(self.floors)
        cut = list(self.cut)
        index = {signature: c for c, signature in enumerate(signatures)}
        objectives = []
        for values in columns:
            signature, constant = _shift(values)
            if not any(x for stage in signature for x in stage):
                objectives.append((-1, constant))
                continue
            c = index.get(signature)
            if c is None:
                index[signature] = c = len(signatures)
                signatures.append(signature)
                floors.append(None)
                cut.append(False)
            cut[c] = False
            objectives.append((c, constant))
        return self._build(signatures, floors, cut, tuple(objectives), self.feasible, self.sizes)

    def rests(self, stages: Sequence[Sequence[Vector]]) -> list[Vector]:
        """``rests[u]``: per column, the largest sum over the stages from the u-th on."""
        width = len(self.floors)
        rests = [(0,) * width]
        for items in reversed(stages):
            top = [max(v[c] for v in items) for c in range(width)]
            rests.append(tuple(a + b for a, b in zip(rests[-1], top)))
        rests.reverse()
        return rests

    def advance(
        self, frontier: Sequence[Vector], items: Sequence[Vector], rest: Vector, limit: int, what: str
    ) -> list[Vector]:
        """The frontier after one more stage, when the stages still to come can add at most ``rest``.

        A sum that cannot reach a floor even with ``rest`` added is dropped; one above a floor is
        cut down to it unless the column is also an objective (every later stage adds at least 0,
        so the floor is met whatever comes);
        of the rest, the Pareto-maximal sums are kept. Every feasible completion of a dropped or
        cut sum is a feasible completion of a kept one, with objective columns as large.

        Raises
        ------
        ClassTooLargeError
            When the frontier has more than ``limit`` points.
        """
        floors, cut = self.floors, self.cut
        sums: set[Vector] = set()
        for f in frontier:
            for v in items:
                point = []
                for c, floor in enumerate(floors):
                    x = f[c] + v[c]
                    if floor is not None:
                        if x + rest[c] < floor:
                            break
                        if cut[c] and x > floor:
                            x = floor
                    point.append(x)
                else:
                    sums.add(tuple(point))
        kept = _maximal(sums)
        if len(kept) > limit:
            raise ClassTooLargeError(what, len(kept), limit, Limit.SELECTION)
        return kept

    def sweep(self, stages: Sequence[Sequence[Vector]], limit: int, what: str) -> list[list[Vector]]:
        """``sweep[u]``: the frontier of the sums over the first u stages (see :meth:`advance`)."""
        rests = self.rests(stages)
        frontiers = [[(0,) * len(self.floors)]]
        for u, items in enumerate(stages):
            frontiers.append(self.advance(frontiers[-1], sorted(set(items)), rests[u + 1], limit, what))
        return frontiers

    def used(self, limit: int, what: str) -> tuple[tuple[int, ...], ...] | None:
        """Per stage, the items that some feasible choice holds (None when no choice is feasible).

        Item i of stage u is held exactly when some point of the frontier before u, plus the item,
        plus some point of the frontier of the stages after u (computed backwards) meets every
        floor: cutting a sum down to a floor keeps it at least 0, so both cuts are exact together.
        """
        if not self.feasible:
            return None
        stages = self.stages
        forward = self.sweep(stages, limit, what)
        if not forward[-1]:
            return None
        backward = self.sweep(stages[::-1], limit, what)[::-1]
        floors = [0 if floor is None else floor for floor in self.floors]
        used = []
        for u, items in enumerate(stages):
            after = backward[u + 1]
            held = []
            for i, v in enumerate(items):
                needs = {tuple(floor - a - b for floor, a, b in zip(floors, f, v)) for f in forward[u]}
                if any(all(x >= y for x, y in zip(g, need)) for need in needs for g in after):
                    held.append(i)
            used.append(tuple(held))
        return tuple(used)

    def optimum(self, limit: int, what: str) -> int | None:
        """The largest, over feasible choices, of the smallest objective (None when none is feasible).

        The smallest of the objective columns' sums only grows with each of them, and feasibility
        only with the constrained columns, so the last frontier holds an optimal choice's sums.
        """
        if not self.feasible:
            return None
        if all(column < 0 for column, _ in self.objectives):
            # Every objective has the same sum for every choice.
            return min(constant for _, constant in self.objectives)
        best: int | None = None
        for point in self.sweep(self.stages, limit, what)[-1]:
            value = min((point[c] if c >= 0 else 0) + constant for c, constant in self.objectives)
            best = value if best is None else max(best, value)
        return best


def _columns_at(
    kernel: RegretKernel, profile: tuple[int, ...], options: Sequence[Sequence[Option]]
) -> tuple[list[list[list[int]]], list[tuple[int, list[list[int]]]]]:
    """Per user and option, each provider's payoff and each deviation's payoff to its provider.

    Returns ``payoffs[j][u][i]``, provider j's scaled payoff from the u-th user's i-th option, and
    per alternative rule r ≠ σ_j of a provider j with more than one rule, ``(j, totals)`` with
    ``totals[u][i]`` her contribution to j's payoff from r when she holds that option: what
    :meth:`RegretKernel.deviation` adds up (SPEC.md §4: j's new rule when it attracts her, what she
    gives j where she stays, the smaller of the two at an adversarial tie).
    """
    payoffs = [[[vector[j] for _, vector in opts] for opts in options] for j in range(kernel.m)]
    alternatives: list[tuple[int, list[list[int]]]] = []
    for j in range(kernel.m):
        if kernel.sizes[j] == 1:
            continue
        reactions = kernel._reactions(j, profile[:j] + profile[j + 1 :])
        for r in range(kernel.sizes[j]):
            if r == profile[j]:
                continue
            totals = []
            for opts, reaction in zip(options, reactions):
                kind, own = reaction.kinds[r], reaction.own[r]
                row = []
                for k, vector in opts:
                    kept = vector[j] if k != j else reaction.left
                    row.append(own if kind is _ATTRACTED else kept if kind is _STAYS else min(own, kept))
                totals.append(row)
            alternatives.append((j, totals))
    return payoffs, alternatives


def admissible_selections(
    kernel: RegretKernel, profile: tuple[int, ...], options: Sequence[Sequence[Option]], limit: int
) -> Selections | None:
    """The selections b that make (σ, b) an equilibrium: ``Π_j(σ, b) ≥ Dev_j(σ, b) − δ`` for all j.

    SPEC.md §5's condition, with deviations evaluated as SPEC.md §4 says. It holds exactly when,
    for every provider j and every rule r ≠ σ_j, ``Π_j(σ, b) − T_{j,r}(b) ≥ −δ``, where
    ``T_{j,r}(b)`` is j's payoff from r; both are sums over users of what her own selection b_i
    gives. A dynamic programme over users keeps, after each user, only the Pareto-maximal vectors
    of these partial sums (cut down to their floors where every later user keeps them there), which
    decides existence without trying the product of the selections. A forward and a backward pass
    tell which options of each user some admissible b holds; each provider's payoff and best
    deviation payoff are optimised over the admissible b by one more pass each, with the quantity
    as an extra column of the frontier (``min_r −T_{j,r}`` for the lowest best deviation).
    Everything is integer arithmetic on the kernel's scale.

    Parameters
    ----------
    kernel : RegretKernel
        The game's kernel.
    profile : tuple of int
        σ: the index of each provider's rule in its class.
    options : sequence of sequence of Option
        Per user of the game, her selections at σ, canonical first (:meth:`RegretKernel.options`).
    limit : int
        The most points of one frontier.

    Returns
    -------
    Selections or None
        The options the admissible selections use, whether the canonical one is admissible, and
        each provider's range of payoffs and of best deviation payoffs over them; None when no
        selection is admissible.

    Raises
    ------
    ClassTooLargeError
        When a frontier has more than ``limit`` points (a frontier has at least one).
    """
    if limit < 1:
        raise ClassTooLargeError(SELECTIONS, 1, limit, Limit.SELECTION)
    m = kernel.m
    if math.prod(len(o) for o in options) <= max(FEW_SELECTIONS, 1):
        return _enumerated_selections(kernel, profile, options)
    payoffs, alternatives = _columns_at(kernel, profile, options)
    stages = [
        [tuple(payoffs[j][u][i] - totals[u][i] for j, totals in alternatives) for i in range(len(opts))]
        for u, opts in enumerate(options)
    ]
    floors = [-kernel.delta] * len(alternatives)
    columns = _Columns.reduce(stages, floors)
    used = columns.used(limit, SELECTIONS)
    if used is None:
        return None
    canonical = all(sum(stage[0][c] for stage in stages) >= floors[c] for c in range(len(floors)))

    def optimum(*objectives: list[list[int]]) -> int:
        value = columns.objective(*objectives).optimum(limit, SELECTIONS)
        assert value is not None, "an admissible selection exists"
        return value

    def negated(values: list[list[int]]) -> list[list[int]]:
        return [[-x for x in row] for row in values]

    ranges = [(-optimum(negated(payoffs[j])), optimum(payoffs[j])) for j in range(m)]
    deviations = []
    for j in range(m):
        mine = [totals for k, totals in alternatives if k == j]
        if not mine:
            # With one rule, the deviation payoff is the payoff (RegretKernel.deviation).
            deviations.append(ranges[j])
            continue
        highest = max(optimum(totals) for totals in mine)
        deviations.append((-optimum(*(negated(totals) for totals in mine)), highest))
    return Selections(used, canonical, tuple(ranges), tuple(deviations))


def _enumerated_selections(
    kernel: RegretKernel, profile: tuple[int, ...], options: Sequence[Sequence[Option]]
) -> Selections | None:
    """:func:`admissible_selections` over few selections: each tried, deviations from the cache.

    :meth:`RegretKernel.deviation` keeps each provider's two best rules by the others' rules and
    what the users keep, so a selection costs m lookups; the frontier programme pays one pass per
    alternative rule for the deviation ranges, which is slower when the selections are few.
    """
    used: list[set[int]] = [set() for _ in options]
    payoffs: list[list[int]] = [[] for _ in range(kernel.m)]
    deviations: list[list[int]] = [[] for _ in range(kernel.m)]
    canonical = False
    for indices in itertools.product(*(range(len(o)) for o in options)):
        selection = tuple(o[i] for o, i in zip(options, indices))
        found = []
        for j in range(kernel.m):
            deviation = kernel.deviation(j, profile, selection)
            payoff = sum(o[1][j] for o in selection)
            if payoff < deviation - kernel.delta:
                break
            found.append((payoff, deviation))
        else:
            for u, i in enumerate(indices):
                used[u].add(i)
            for j, (payoff, deviation) in enumerate(found):
                payoffs[j].append(payoff)
                deviations[j].append(deviation)
            canonical = canonical or not any(indices)
    if not payoffs[0]:
        return None
    return Selections(
        tuple(tuple(sorted(u)) for u in used),
        canonical,
        tuple((min(p), max(p)) for p in payoffs),
        tuple((min(d), max(d)) for d in deviations),
    )


def equilibrium_at(
    game: Game,
    kernel: RegretKernel,
    profile: tuple[int, ...],
    utilities: Sequence[Fraction],
    options: Sequence[Sequence[Option]],
    selections: Selections,
) -> Equilibrium:
    """The equilibrium (σ, b) at a profile, over its admissible selections (SPEC.md §5).

    Parameters
    ----------
    game : Game
        The game the profile is played in.
    kernel : RegretKernel
        Its kernel.
    profile : tuple of int
        σ: the index of each provider's rule in its class.
    utilities : sequence of Fraction
        Per user of the game, her utility at σ.
    options : sequence of sequence of Option
        Per user, her selections at σ, canonical first (:meth:`RegretKernel.options`).
    selections : Selections
        What the selections b that make (σ, b) an equilibrium have in common; some b is.

    Returns
    -------
    Equilibrium
        σ's rules, each user's outcome and the selections she makes in some admissible b, and each
        provider's range of payoffs and of best deviation payoffs over them, exact; ``canonical``
        when every user's canonical selection is admissible together.
    """
    outcomes = tuple(
        UserOutcome(
            user,
            utilities[u],
            tuple(sorted({options[u][i][0] for i in selections.used[u]})),
            tuple(
                (options[u][i][0], tuple(kernel.fraction(p) for p in options[u][i][1]))
                for i in selections.used[u]
            ),
        )
        for u, user in enumerate(game.users)
    )
    return Equilibrium(
        users=game.users,
        profile=profile,
        rules=tuple(game.rules[j][r] for j, r in enumerate(profile)),
        outcomes=outcomes,
        payoffs=tuple((kernel.fraction(low), kernel.fraction(high)) for low, high in selections.payoffs),
        deviations=tuple(
            (kernel.fraction(low), kernel.fraction(high)) for low, high in selections.deviations
        ),
        canonical=selections.canonical,
    )


def extremes(game: Game, equilibria: Sequence[Equilibrium]) -> tuple[tuple[Fraction | None, ...], ...]:
    """Each user's worst and best utility over some equilibria (SPEC.md §5).

    Parameters
    ----------
    game : Game
        The game; its instance gives the users.
    equilibria : sequence of Equilibrium
        The equilibria, of the whole game or of its one-user games.

    Returns
    -------
    tuple of (tuple of Fraction or None)
        ``(worst, best)``: per user of the instance, her lowest and highest utility over the
        equilibria that include her; None when none does.
    """
    n = len(game.instance.users)
    worst: list[Fraction | None] = [None] * n
    best: list[Fraction | None] = [None] * n
    for e in equilibria:
        for o in e.outcomes:
            low, high = worst[o.user], best[o.user]
            worst[o.user] = o.utility if low is None else min(low, o.utility)
            best[o.user] = o.utility if high is None else max(high, o.utility)
    return tuple(worst), tuple(best)


def examine(game: Game, kernel: RegretKernel, profile: tuple[int, ...], limit: int) -> Equilibrium | None:
    """Decide whether a profile is an equilibrium of a game over all its users jointly (SPEC.md §4, §5).

    Parameters
    ----------
    game : Game
        The game.
    kernel : RegretKernel
        Its kernel.
    profile : tuple of int
        σ: the index of each provider's rule in its class.
    limit : int
        The most points of one Pareto frontier of the users' selections (:func:`admissible_selections`).

    Returns
    -------
    Equilibrium or None
        The equilibrium with its admissible selections, or None when no selection is admissible.

    Raises
    ------
    ClassTooLargeError
        When a frontier has more than ``limit`` points.
    """
    users = [kernel.options(u, profile) for u in range(len(game.users))]
    options = [o for o, _ in users]
    selections = admissible_selections(kernel, profile, options, limit)
    if selections is None:
        return None
    return equilibrium_at(game, kernel, profile, [v for _, v in users], options, selections)


def verify_profile(
    game: Game,
    profile: Sequence[int],
    delta: Fraction = ZERO,
    policy: TiePolicy = TiePolicy.FAVOURABLE,
    selection_limit: int = DEFAULT_SELECTION_LIMIT,
) -> Equilibrium | None:
    """Decide exactly whether a profile (one rule index per provider) is an equilibrium.

    For an anonymous game, and for each one-user game of a personalized game's split (SPEC.md §5):
    recomputes every deviation and every best-response selection from the response table.

    Parameters
    ----------
    game : Game
        An anonymous game, or a personalized game over one user.
    profile : sequence of int
        The index of each provider's rule in its class.
    delta : Fraction
        δ of δ-equilibrium.
    policy : TiePolicy
        Tie policy for deviations.
    selection_limit : int
        Refuse profiles with more best-response selections than this.

    Returns
    -------
    Equilibrium or None
        The equilibrium with its admissible selections, or None if none is admissible.
    """
    if game.mode is Mode.PERSONALIZED and len(game.users) != 1:
        raise ModelError("verify a personalized game's profiles on its one-user games (Game.split())")
    profile = tuple(profile)
    if len(profile) != len(game.rules) or any(
        not 0 <= r < len(rules) for r, rules in zip(profile, game.rules)
    ):
        raise ModelError(f"profile {profile} does not index one rule of each provider's class")
    return examine(game, RegretKernel(game, policy, Fraction(delta)), profile, selection_limit)


def candidate_at(kernel: RegretKernel, profile: tuple[int, ...]) -> Candidate:
    """A profile of a one-user game with every selection's payoffs and regrets (SPEC.md §4, §5).

    Parameters
    ----------
    kernel : RegretKernel
        The kernel of a game over one user.
    profile : tuple of int
        σ: the index of each provider's rule in its class.

    Returns
    -------
    Candidate
        Her selections at σ and, per selection, each provider's ``Dev_j`` and regret
        ``Dev_j − Π_j``, scaled.
    """
    options, _ = kernel.options(0, profile)
    deviations = tuple(tuple(kernel.deviation(j, profile, (o,)) for j in range(kernel.m)) for o in options)
    regrets = tuple(tuple(d[j] - o[1][j] for j in range(kernel.m)) for o, d in zip(options, deviations))
    return Candidate(profile, options, regrets, deviations)


def is_within(candidate: Candidate, bound: Sequence[int]) -> bool:
    """Whether some selection of a candidate has every provider's regret within a bound (SPEC.md §5).

    Parameters
    ----------
    candidate : Candidate
        A profile of a one-user game.
    bound : sequence of int
        Per provider, the largest regret allowed, on the candidate's scale.

    Returns
    -------
    bool
        True when some selection has ``regret_j ≤ bound[j]`` for every provider j.
    """
    return any(all(r[j] <= bound[j] for j in range(len(bound))) for r in candidate.regrets)


def slice_kernels(
    game: Game, policy: TiePolicy, delta: Fraction
) -> tuple[tuple[Game, ...], list[RegretKernel], int]:
    """The personalized game's one-user games and their kernels on one common scale (SPEC.md §5).

    Parameters
    ----------
    game : Game
        A personalized game.
    policy : TiePolicy
        How users break ties when a deviation is evaluated (SPEC.md §4).
    delta : Fraction
        δ of δ-equilibrium.

    Returns
    -------
    slices : tuple of Game
        The one-user games (:meth:`Game.split`).
    kernels : list of RegretKernel
        One kernel per one-user game, all on the same scale, so that the users' regrets add up.
    delta : int
        δ on that scale.
    """
    slices = game.split()
    kernels = [RegretKernel(s, policy, delta) for s in slices]
    # One common scale so that regrets of different users add up exactly.
    scale = math.lcm(*(k.scale for k in kernels))
    for kernel in kernels:
        rescale(kernel, scale)
    return slices, kernels, int(delta * scale)


def personalized_result(
    game: Game,
    slices: Sequence[Game],
    kernels: Sequence[RegretKernel],
    candidates: list[list[Candidate]],
    delta: Fraction,
    policy: TiePolicy,
    limit: int,
    separable: bool,
    method: Method = Method.ENUMERATE,
    exact: bool = True,
    complete: bool = True,
    notes: tuple[str, ...] = (),
) -> SolveResult:
    """The personalized game's result, recombined from its users' candidates (SPEC.md §5).

    Parameters
    ----------
    game : Game
        The personalized game.
    slices : sequence of Game
        Its one-user games.
    kernels : sequence of RegretKernel
        Their kernels, on one common scale (:func:`slice_kernels`).
    candidates : list of list of Candidate
        Per user, the profiles of her game that may take part in a whole-game equilibrium.
    delta : Fraction
        δ of δ-equilibrium.
    policy : TiePolicy
        The tie policy the kernels use, recorded in the result.
    limit : int
        The most points of one frontier when δ > 0 or not ``separable`` (:func:`recombine`).
    separable : bool
        As in :func:`recombine`.
    method : Method
        The engine, recorded in the result.
    exact, complete : bool
        Recorded in the result.
    notes : tuple of str
        Recorded in the result.

    Returns
    -------
    SolveResult
        Each user's equilibria that take part in some whole-game equilibrium, with the selections
        that do, the number of whole-game equilibrium profiles, and each user's worst and best
        utility over them.

    Raises
    ------
    ClassTooLargeError
        When a frontier of the recombination exceeds ``limit``.
    """
    m = len(game.instance.providers)
    delta_scaled = kernels[0].delta if kernels else 0
    admissible, count = recombine(candidates, delta_scaled, m, limit, separable=separable)
    equilibria = []
    for u, (part, kernel) in enumerate(zip(slices, kernels)):
        for c, selected in zip(candidates[u], admissible[u]):
            if selected:
                utility = kernel.options(0, c.profile)[1]
                equilibria.append(
                    equilibrium_at(part, kernel, c.profile, [utility], [c.options], _held(c, selected, m))
                )
    worst, best = extremes(game, equilibria)
    return SolveResult(
        Mode.PERSONALIZED,
        game.strategy_class,
        policy,
        delta,
        method,
        exact,
        complete,
        tuple(equilibria),
        count,
        worst,
        best,
        notes,
    )


def _held(candidate: Candidate, selected: set[int], m: int) -> Selections:
    """A candidate's selections that take part in some whole-game equilibrium, as :class:`Selections`."""
    chosen = sorted(selected)
    return Selections(
        (tuple(chosen),),
        0 in selected,
        tuple(
            (min(candidate.options[k][1][j] for k in chosen), max(candidate.options[k][1][j] for k in chosen))
            for j in range(m)
        ),
        tuple(
            (min(candidate.deviations[k][j] for k in chosen), max(candidate.deviations[k][j] for k in chosen))
            for j in range(m)
        ),
    )


def rescale(kernel: RegretKernel, scale: int) -> None:
    """Put a kernel on a finer common scale, in place; its cached deviations are dropped.

    Parameters
    ----------
    kernel : RegretKernel
        The kernel.
    scale : int
        The new scale, a multiple of ``kernel.scale``.
    """
    factor = scale // kernel.scale
    if factor == 1:
        return
    kernel.payoffs = [
        [[tuple(tuple(p * factor for p in v) for v in r) for r in pr] for pr in u] for u in kernel.payoffs
    ]
    kernel.best = [[[tuple(p * factor for p in r) for r in pr] for pr in u] for u in kernel.best]
    kernel.worst = [[[tuple(p * factor for p in r) for r in pr] for pr in u] for u in kernel.worst]
    kernel.delta *= factor
    kernel.scale = scale
    kernel.reactions.clear()
    kernel.cache.clear()


def recombine(
    candidates: list[list[Candidate]], delta: int, m: int, limit: int, separable: bool
) -> tuple[list[list[set[int]]], int]:
    """Whole-game equilibria from the users' candidates: Σ_i max(regret_{j,i}, 0) ≤ δ for every j.

    A deviation that changes provider j's rules for some users leaves the other users' games, and
    so their responses, as they were: j's whole-game gain is the sum over the users it deviates on
    of its gains there, and it deviates exactly where it gains. So the whole game's regret of j is
    the sum of the positive parts of its regrets in the users' games, and with δ = 0 the game
    splits into the users' games (SPEC.md §5).

    Otherwise a dynamic programme over users decides it without trying every combination: after
    each user it keeps the Pareto-minimal vectors of the clipped regrets' partial sums (one
    coordinate per provider, capped at δ where every later user keeps them within it). A forward
    and a backward pass tell which candidates and selections take part in some whole-game
    equilibrium. The count follows a second programme whose states are such frontiers, one per
    set of combinations of the first users' candidates that leave the same possibilities, each
    with the number of combinations that lead to it; a combination of candidates counts once
    when some choice of their selections is within δ.

    Parameters
    ----------
    candidates : list of list of Candidate
        Per user, the candidate profiles of her game, on one common scale.
    delta : int
        δ on that scale.
    m : int
        The number of providers.
    limit : int
        The most points of one frontier, and the most frontiers the count keeps at once (not
        used when ``separable`` and δ = 0).
    separable : bool
        Whether to judge each user's candidates on their own when δ = 0: a candidate takes part
        exactly when one of its selections has no positive regret, and the count is the product
        over users of the candidates that do. Otherwise the dynamic programme decides.

    Returns
    -------
    admissible : list of list of set of int
        Per user and candidate, the indices of its selections used in some whole-game equilibrium.
    count : int
        The number of whole-game equilibrium profiles.

    Raises
    ------
    ClassTooLargeError
        When a frontier, or the count's set of frontiers, exceeds ``limit``.
    """
    if separable and delta == 0:
        # Positive parts add up to 0 exactly when every user's regrets are ≤ 0.
        admissible = [
            [{k for k, r in enumerate(c.regrets) if all(v <= 0 for v in r)} for c in user]
            for user in candidates
        ]
        count = math.prod(sum(1 for s in user if s) for user in admissible)
        if count == 0:
            # Some user's game has no equilibrium, so no slice takes part in a whole-game one.
            admissible = [[set() for _ in user] for user in candidates]
        return admissible, count
    if limit < 1:
        raise ClassTooLargeError(CANDIDATES, 1, limit, Limit.SELECTION)
    none: list[list[set[int]]] = [[set() for _ in user] for user in candidates]
    if any(not user for user in candidates):
        return none, 0
    # Per user, every (candidate, selection) with its negated clipped regrets: a sum ≥ −δ is within δ.
    items = [
        [(c, k) for c, candidate in enumerate(user) for k in range(len(candidate.regrets))]
        for user in candidates
    ]
    stages = [
        [tuple(-max(candidates[u][c].regrets[k][j], 0) for j in range(m)) for c, k in user]
        for u, user in enumerate(items)
    ]
    columns = _Columns.reduce(stages, [-delta] * m)
    used = columns.used(limit, CANDIDATES)
    if used is None:
        return none, 0
    admissible = none
    for u, held in enumerate(used):
        for i in held:
            c, k = items[u][i]
            admissible[u][c].add(k)
    return admissible, _count(columns, items, limit)


def _count(columns: _Columns, items: Sequence[Sequence[tuple[int, int]]], limit: int) -> int:
    """The combinations of candidates (one per user) with some feasible choice of their selections.

    The state after some users is the frontier of the sums their candidates' selections reach; two
    combinations with the same state have the same feasible completions, so the programme keeps
    each state once with the number of combinations that reach it. Candidates of one user whose
    selections have the same Pareto-maximal vectors move every state alike and go together.
    """
    rests = columns.rests(columns.stages)
    states: dict[tuple[Vector, ...], int] = {((0,) * len(columns.floors),): 1}
    for u, stage in enumerate(columns.stages):
        by_candidate: dict[int, set[Vector]] = {}
        for (c, _), vector in zip(items[u], stage):
            by_candidate.setdefault(c, set()).add(vector)
        moves: dict[tuple[Vector, ...], int] = {}
        for vectors in by_candidate.values():
            move = tuple(_maximal(vectors))
            moves[move] = moves.get(move, 0) + 1
        following: dict[tuple[Vector, ...], int] = {}
        for state, ways in states.items():
            for move, multiplicity in moves.items():
                reached = tuple(columns.advance(state, move, rests[u + 1], limit, CANDIDATES))
                if reached:
                    following[reached] = following.get(reached, 0) + ways * multiplicity
        if len(following) > limit:
            raise ClassTooLargeError(CANDIDATES, len(following), limit, Limit.SELECTION)
        states = following
    return sum(states.values())

"""The regret kernel: integer lookups over a game's response table (SPEC.md §4, §5).

Every payoff of a game's response table is scaled by one common denominator, so that a profile's
payoffs, each provider's best deviation and its regret ``Dev_j − Π_j`` are integer arithmetic. Both
equilibrium engines (:mod:`solver.equilibria.enumeration` and :mod:`solver.equilibria.mip`) decide
and report equilibria through it, so they agree on what an equilibrium is by construction.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction

from solver.core.errors import ClassTooLargeError, Limit, ModelError
from solver.core.numbers import ZERO
from solver.equilibria.games import Game, Mode
from solver.equilibria.results import Equilibrium, Method, SolveResult, UserOutcome
from solver.responses.response import TiePolicy

DEFAULT_SELECTION_LIMIT = 100_000

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
        fractions = [delta] + [
            p for user in table for provider in user for r in provider for vector in r.payoffs for p in vector
        ]
        self.scale = math.lcm(*(f.denominator for f in fractions))
        self.delta = int(delta * self.scale)
        self.m = len(game.instance.providers)
        self.sizes = tuple(len(rules) for rules in game.rules)
        self.values = [[[r.value for r in provider] for provider in user] for user in table]
        self.payoffs = [
            [
                [tuple(tuple(int(p * self.scale) for p in v) for v in r.payoffs) for r in provider]
                for provider in user
            ]
            for user in table
        ]
        self.best = [
            [[tuple(max(v[d] for v in r) for d in range(self.m)) for r in pr] for pr in u]
            for u in self.payoffs
        ]
        self.worst = [
            [[tuple(min(v[d] for v in r) for d in range(self.m)) for r in pr] for pr in u]
            for u in self.payoffs
        ]
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


Admissible = tuple[tuple[Option, ...], tuple[int, ...]]
"""A selection b that makes (σ, b) an equilibrium, with each provider's deviation payoff there."""


def admissible_selections(
    kernel: RegretKernel, profile: tuple[int, ...], options: Sequence[Sequence[Option]], limit: int
) -> list[Admissible]:
    """Every selection b that makes (σ, b) an equilibrium: ``Π_j(σ, b) ≥ Dev_j(σ, b) − δ`` for all j.

    SPEC.md §5's condition, with deviations evaluated as SPEC.md §4 says, over every combination
    of the users' best-response selections.

    Parameters
    ----------
    kernel : RegretKernel
        The game's kernel.
    profile : tuple of int
        σ: the index of each provider's rule in its class.
    options : sequence of sequence of Option
        Per user of the game, her selections at σ (:meth:`RegretKernel.options`).
    limit : int
        The most combinations of selections examined.

    Returns
    -------
    list of Admissible
        The admissible combinations, in product order, each with every provider's ``Dev_j``.

    Raises
    ------
    ClassTooLargeError
        When there are more combinations than ``limit``.
    """
    m = kernel.m
    size = math.prod(len(o) for o in options)
    if size > limit:
        raise ClassTooLargeError("the best-response selections of one profile", size, limit, Limit.SELECTION)
    result = []
    for combination in itertools.product(*options):
        deviations = []
        for j in range(m):
            deviation = kernel.deviation(j, profile, combination)
            if sum(o[1][j] for o in combination) < deviation - kernel.delta:
                break
            deviations.append(deviation)
        else:
            result.append((combination, tuple(deviations)))
    return result


def equilibrium_at(
    game: Game,
    kernel: RegretKernel,
    profile: tuple[int, ...],
    utilities: Sequence[Fraction],
    options: Sequence[Sequence[Option]],
    admissible: Sequence[Admissible],
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
    admissible : sequence of Admissible
        The selections b that make (σ, b) an equilibrium; not empty.

    Returns
    -------
    Equilibrium
        σ's rules, each user's outcome and the selections she makes in some admissible b, and each
        provider's range of payoffs and of best deviation payoffs over them, exact; ``canonical``
        when every user's canonical selection is admissible together.
    """
    m = kernel.m
    combinations = [c for c, _ in admissible]
    totals = [[sum(o[1][j] for o in c) for c in combinations] for j in range(m)]
    deviations = [[d[j] for _, d in admissible] for j in range(m)]
    canonical = any(all(o == opts[0] for o, opts in zip(c, options)) for c in combinations)
    outcomes = tuple(
        UserOutcome(
            user,
            utilities[u],
            tuple(sorted({c[u][0] for c in combinations})),
            tuple(
                (k, tuple(kernel.fraction(p) for p in vector))
                for k, vector in options[u]
                if any(c[u] == (k, vector) for c in combinations)
            ),
        )
        for u, user in enumerate(game.users)
    )
    return Equilibrium(
        users=game.users,
        profile=profile,
        rules=tuple(game.rules[j][r] for j, r in enumerate(profile)),
        outcomes=outcomes,
        payoffs=tuple((kernel.fraction(min(t)), kernel.fraction(max(t))) for t in totals),
        deviations=tuple((kernel.fraction(min(d)), kernel.fraction(max(d))) for d in deviations),
        canonical=canonical,
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
        The most combinations of the users' best-response selections examined.

    Returns
    -------
    Equilibrium or None
        The equilibrium with its admissible selections, or None when no selection is admissible.

    Raises
    ------
    ClassTooLargeError
        When the users have more combinations of selections than ``limit``.
    """
    users = [kernel.options(u, profile) for u in range(len(game.users))]
    options = [o for o, _ in users]
    admissible = admissible_selections(kernel, profile, options, limit)
    if not admissible:
        return None
    return equilibrium_at(game, kernel, profile, [v for _, v in users], options, admissible)


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
        The most combinations of the users' candidates examined when δ > 0 or not ``separable``.
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
        When the combinations of the users' candidates exceed ``limit``.
    """
    m = len(game.instance.providers)
    delta_scaled = kernels[0].delta if kernels else 0
    admissible, count = recombine(candidates, delta_scaled, m, limit, separable=separable)
    equilibria = []
    for u, (part, kernel) in enumerate(zip(slices, kernels)):
        for c, selected in zip(candidates[u], admissible[u]):
            if selected:
                utility = kernel.options(0, c.profile)[1]
                chosen = [((c.options[k],), c.deviations[k]) for k in sorted(selected)]
                equilibria.append(equilibrium_at(part, kernel, c.profile, [utility], [c.options], chosen))
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

    Parameters
    ----------
    candidates : list of list of Candidate
        Per user, the candidate profiles of her game, on one common scale.
    delta : int
        δ on that scale.
    m : int
        The number of providers.
    limit : int
        The most combinations of the users' candidates examined (not used when ``separable`` and
        δ = 0).
    separable : bool
        Whether to judge each user's candidates on their own when δ = 0: a candidate takes part
        exactly when one of its selections has no positive regret, and the count is the product
        over users of the candidates that do. Otherwise every combination of the users'
        candidates and selections is tried.

    Returns
    -------
    admissible : list of list of set of int
        Per user and candidate, the indices of its selections used in some whole-game equilibrium.
    count : int
        The number of whole-game equilibrium profiles.

    Raises
    ------
    ClassTooLargeError
        When the combinations of the users' candidates exceed ``limit``.
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
            clipped = [sum(max(c.regrets[k][j], 0) for c, k in zip(chosen, selection)) for j in range(m)]
            if all(v <= delta for v in clipped):
                found = True
                for u, (c, k) in enumerate(zip(combination, selection)):
                    admissible[u][c].add(k)
        count += found
    return admissible, count

"""Equilibria of ``full``: finite-class equilibria certified against every mixed deviation (SPEC.md §5, §9).

An equilibrium found in a finite class says only that no rule *of that class* does better. Here
each provider's supremum over all mixed rules is computed exactly by the deviation oracle, and the
equilibrium survives in ``full`` when some admissible best-response selection pays every provider
at least that supremum minus δ.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction

from solver.games import Game, Mode, respond_to_rules
from solver.numbers import ZERO
from solver.oracle import DEFAULT_CHOICE_LIMIT, DeviationBound, solve_deviation
from solver.results import Equilibrium, SolveResult
from solver.rules import Rule


@dataclass(frozen=True)
class FullCertification:
    """One finite-class equilibrium checked against every mixed deviation.

    Attributes
    ----------
    equilibrium : Equilibrium
        The equilibrium of the finite class.
    bounds : tuple of DeviationBound
        Each provider's supremum deviation payoff over all mixed rules.
    regrets : tuple of tuple of Fraction
        For every best-response selection at the profile, each provider's ``bound − payoff``.
    survives : bool
        Whether some selection has every regret ≤ δ (for a personalized slice: ≤ δ on its own).
    certified : bool
        Whether every bound was certified exactly.
    """

    equilibrium: Equilibrium
    bounds: tuple[DeviationBound, ...]
    regrets: tuple[tuple[Fraction, ...], ...]
    survives: bool
    certified: bool


def selections(
    game: Game, rules: Sequence[Rule], users: Sequence[int]
) -> list[list[tuple[int, tuple[Fraction, ...]]]]:
    """Every best-response selection of each user at a profile: (provider used, payoff vector).

    Parameters
    ----------
    game : Game
        The game.
    rules : sequence of Rule
        One rule per provider.
    users : sequence of int
        The users.

    Returns
    -------
    list of list of (int, tuple of Fraction)
        Per user, her distinct selections.
    """
    result = []
    for i in users:
        options: list[tuple[int, tuple[Fraction, ...]]] = []
        for k, response in respond_to_rules(game.instance, i, rules):
            options.extend((k, v) for v in response.payoffs if (k, v) not in options)
        result.append(options)
    return result


def certify_equilibrium(
    game: Game, equilibrium: Equilibrium, delta: Fraction = ZERO, limit: int = DEFAULT_CHOICE_LIMIT
) -> FullCertification:
    """Check one equilibrium against every mixed deviation of every provider, exactly.

    Parameters
    ----------
    game : Game
        The game the equilibrium was found in (anonymous, or a personalized one-user game).
    equilibrium : Equilibrium
        The equilibrium.
    delta : Fraction
        δ of δ-equilibrium.
    limit : int
        The largest number of linear programs per provider.

    Returns
    -------
    FullCertification
        The bounds, the regrets of each selection and whether the equilibrium survives in ``full``.
    """
    users = equilibrium.users
    rules = [list(equilibrium.rules) for _ in users]
    bounds = tuple(
        solve_deviation(game.instance, j, users, rules, limit) for j in range(len(game.instance.providers))
    )
    options = selections(game, equilibrium.rules, users)
    regrets = []
    for combination in itertools.product(*options):
        totals = [sum((o[1][j] for o in combination), ZERO) for j in range(len(bounds))]
        regrets.append(tuple(b.value - t for b, t in zip(bounds, totals)))
    survives = any(all(r <= delta for r in regret) for regret in regrets)
    return FullCertification(equilibrium, bounds, tuple(regrets), survives, all(b.certified for b in bounds))


@dataclass(frozen=True)
class FullResult:
    """The finite-class result and each of its equilibria certified in ``full``.

    Attributes
    ----------
    finite : SolveResult
        Equilibria of the finite class searched.
    certifications : tuple of FullCertification
        One per equilibrium of ``finite``.
    count : int
        Number of equilibrium profiles of the whole game that survive in ``full``.
    worst, best : tuple of (Fraction or None)
        Per user, her lowest and highest utility over the surviving equilibria.
    certified : bool
        Whether every bound was certified exactly.
    """

    finite: SolveResult
    certifications: tuple[FullCertification, ...]
    count: int
    worst: tuple[Fraction | None, ...]
    best: tuple[Fraction | None, ...]
    certified: bool


def certify_result(game: Game, finite: SolveResult, limit: int = DEFAULT_CHOICE_LIMIT) -> FullResult:
    """Certify every equilibrium of a finite-class result in ``full`` (SPEC.md §5).

    In the personalized game the whole game's condition is that, for every provider, the users'
    regrets add up to at most δ; the surviving profiles are recombined from the users' games.

    Parameters
    ----------
    game : Game
        The game searched.
    finite : SolveResult
        Its equilibria in a finite class.
    limit : int
        The largest number of linear programs per provider.

    Returns
    -------
    FullResult
        The certifications and the surviving counts and extremes.
    """
    delta = finite.delta
    if game.mode is Mode.ANONYMOUS:
        certifications = tuple(certify_equilibrium(game, e, delta, limit) for e in finite.equilibria)
        survivors = [c for c in certifications if c.survives]
        count = len(survivors)
    else:
        slices = {s.users[0]: s for s in game.split()}
        certifications = tuple(
            certify_equilibrium(slices[e.users[0]], e, delta, limit) for e in finite.equilibria
        )
        survivors, count = _recombine(game, certifications, delta)
    n = len(game.instance.users)
    worst: list[Fraction | None] = [None] * n
    best: list[Fraction | None] = [None] * n
    for c in survivors:
        for o in c.equilibrium.outcomes:
            low, high = worst[o.user], best[o.user]
            worst[o.user] = o.utility if low is None else min(low, o.utility)
            best[o.user] = o.utility if high is None else max(high, o.utility)
    return FullResult(
        finite, certifications, count, tuple(worst), tuple(best), all(c.certified for c in certifications)
    )


def _recombine(
    game: Game, certifications: Sequence[FullCertification], delta: Fraction
) -> tuple[list[FullCertification], int]:
    """Profiles of the whole personalized game whose users' regrets stay within δ.

    A deviation that changes provider j's rules for some users leaves the others' games, and so
    their responses, as they were: j's whole-game regret is the sum over users of the positive
    parts of its regrets in the users' games (SPEC.md §5: with δ = 0 the game splits).
    """
    by_user: dict[int, list[FullCertification]] = {i: [] for i in game.users}
    for c in certifications:
        by_user[c.equilibrium.users[0]].append(c)
    m = len(game.instance.providers)
    if delta == 0:
        survivors = [c for c in certifications if c.survives]
        count = 1
        for i in game.users:
            count *= sum(1 for c in by_user[i] if c.survives)
        return survivors, count
    users = list(by_user)
    used: set[int] = set()
    count = 0
    for combination in itertools.product(*(by_user[i] for i in users)):
        for regrets in itertools.product(*(c.regrets for c in combination)):
            if all(sum((max(r[j], ZERO) for r in regrets), ZERO) <= delta for j in range(m)):
                count += 1
                used.update(id(c) for c in combination)
                break
    return [c for c in certifications if id(c) in used], count

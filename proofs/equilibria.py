"""The equilibria a claim quantifies over: a finite class, optionally certified in ``full``."""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass
from fractions import Fraction

from proofs.claim import CheckOptions, Setting
from solver.certification import certify_result
from solver.classes import parse_class
from solver.enumeration import solve_equilibria
from solver.errors import ClassTooLargeError
from solver.games import Game, Mode
from solver.model import Instance
from solver.numbers import ZERO
from solver.results import Equilibrium


@dataclass(frozen=True)
class Quantified:
    """Equilibria of one game with each user's worst utility and the equilibrium attaining it.

    Attributes
    ----------
    game : Game
        The game.
    equilibria : tuple of Equilibrium
        The equilibria quantified over (anonymous: whole profiles; personalized: users' slices that
        take part in an equilibrium of the whole game).
    count : int
        Number of equilibrium profiles of the whole game.
    worst : tuple of (Fraction or None)
        Per user, her lowest equilibrium utility.
    setting : Setting
        How they were obtained.
    """

    game: Game
    equilibria: tuple[Equilibrium, ...]
    count: int
    worst: tuple[Fraction | None, ...]
    setting: Setting

    def worst_equilibrium(self, user: int) -> Equilibrium | None:
        """An equilibrium in which the user gets her worst utility."""
        target = self.worst[user]
        for e in self.equilibria:
            for o in e.outcomes:
                if o.user == user and o.utility == target:
                    return e
        return None


def quantify(instance: Instance, mode: Mode, options: CheckOptions) -> Quantified:
    """Find the equilibria a claim is checked on (SPEC.md §5).

    Parameters
    ----------
    instance : Instance
        The game.
    mode : Mode
        Personalized or anonymous.
    options : CheckOptions
        Class, δ, tie policy and whether to certify in ``full``.

    Returns
    -------
    Quantified
        The equilibria and each user's worst utility.
    """
    game = Game(instance, mode, parse_class(options.class_name, instance), limit=options.limit)
    finite = solve_equilibria(game, options.delta, options.policy)
    if not options.full:
        setting = Setting(mode, options.class_name, options.policy, options.delta, False)
        if mode is Mode.PERSONALIZED:
            kept, count, worst = whole_game_slices(game, finite.equilibria, options.delta, options.limit)
            return Quantified(game, kept, count, worst, setting)
        return Quantified(game, finite.equilibria, finite.count, finite.worst, setting)
    full = certify_result(game, finite)
    survivors = tuple(c.equilibrium for c in full.certifications if c.survives)
    setting = Setting(
        mode, f"full (from {options.class_name})", options.policy, options.delta, full.certified
    )
    return Quantified(game, survivors, full.count, full.worst, setting)


def whole_game_slices(
    game: Game, slices: tuple[Equilibrium, ...], delta: Fraction, limit: int
) -> tuple[tuple[Equilibrium, ...], int, tuple[Fraction | None, ...]]:
    """The users' slices that take part in an equilibrium of the whole personalized game (SPEC.md §5).

    A deviation that changes provider j's rules for some users leaves the others' responses as
    they were, so j's whole-game regret under a combination of the users' slices and selections
    is the sum over users of the positive parts of its regrets in their games; the combination is
    an equilibrium when that sum is at most δ for every j. A negative regret in one user's game
    makes no room in another's. With δ = 0 this asks every slice to be an equilibrium of its own
    game. Each regret is recomputed from the slice's best deviations and every best-response
    selection at its profile.

    Parameters
    ----------
    game : Game
        The personalized game.
    slices : tuple of Equilibrium
        Candidate slices (a superset of those taking part), each over one user.
    delta : Fraction
        δ.
    limit : int
        The largest number of combinations of the users' slices examined when δ > 0.

    Returns
    -------
    tuple
        The slices that take part, the number of whole-game equilibrium profiles, and each user's
        worst utility over them (None when there is none).
    """
    parts = {s.users[0]: s for s in game.split()}
    m = len(game.instance.providers)
    options: dict[int, list[tuple[Equilibrium, list[tuple[Fraction, ...]]]]] = {i: [] for i in game.users}
    for e in slices:
        user = e.users[0]
        # Every best-response selection at the profile, from the slice's response table.
        responses = [parts[user].table.responses[0][k][r] for k, r in enumerate(e.profile)]
        top = max(r.value for r in responses)
        vectors = {v for r in responses if r.value == top for v in r.payoffs}
        regrets = [tuple(max(e.deviations[j] - v[j], ZERO) for j in range(m)) for v in vectors]
        regrets = [r for r in regrets if all(x <= delta for x in r)]
        if regrets:
            options[user].append((e, regrets))
    kept: set[int] = set()
    if delta == 0:
        count = math.prod(len(options[i]) for i in game.users)
        if count:
            kept = {id(e) for i in game.users for e, _ in options[i]}
    else:
        size = math.prod(len(options[i]) for i in game.users)
        if size > limit:
            raise ClassTooLargeError("the combinations of the users' equilibrium slices", size, limit)
        count = 0
        for combination in itertools.product(*(options[i] for i in game.users)):
            for chosen in itertools.product(*(r for _, r in combination)):
                if all(sum((r[j] for r in chosen), ZERO) <= delta for j in range(m)):
                    count += 1
                    kept.update(id(e) for e, _ in combination)
                    break
    equilibria = tuple(e for e in slices if id(e) in kept)
    worst: list[Fraction | None] = [None] * len(game.instance.users)
    for e in equilibria:
        for o in e.outcomes:
            low = worst[o.user]
            worst[o.user] = o.utility if low is None else min(low, o.utility)
    return equilibria, count, tuple(worst)

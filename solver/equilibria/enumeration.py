"""Exact enumeration of all equilibria (σ, b) of a game over a finite class (SPEC.md §5, §9).

Every user's response to every rule is computed once (:class:`solver.equilibria.games.ResponseTable`); a
profile is then lookups in integers (all payoffs scaled by one common denominator). A provider's
best deviation depends only on the others' rules and is cached by them. The personalized game is
solved through its split into one game per user, then recombined.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from fractions import Fraction

from solver.core.errors import ModelError
from solver.core.numbers import ZERO
from solver.core.progress import PROGRESS_STEP, ProgressHook, report
from solver.equilibria.games import Game, Mode
from solver.equilibria.regret import (
    DEFAULT_SELECTION_LIMIT,
    Candidate,
    RegretKernel,
    candidate_at,
    examine,
    extremes,
    is_within,
    personalized_result,
    slice_kernels,
)
from solver.equilibria.results import Equilibrium, LazyEquilibria, Method, SolveResult
from solver.responses.response import TiePolicy


def _profiles(game: Game) -> Iterator[tuple[int, ...]]:
    return itertools.product(*(range(len(rules)) for rules in game.rules))


def solve_equilibria(
    game: Game,
    delta: Fraction = ZERO,
    policy: TiePolicy = TiePolicy.FAVOURABLE,
    progress: ProgressHook | None = None,
    selection_limit: int = DEFAULT_SELECTION_LIMIT,
    vectorised: bool = True,
) -> SolveResult:
    """Enumerate every equilibrium (σ, b) of a game over its finite class, exactly.

    Parameters
    ----------
    game : Game
        The personalized or anonymous game.
    delta : Fraction
        δ ≥ 0 of δ-equilibrium (SPEC.md §5).
    policy : TiePolicy
        How users break ties when a deviation is evaluated (deviator-favourable by default).
    progress : ProgressHook, optional
        Called now and then with the profiles scanned (:mod:`solver.core.progress`).
    selection_limit : int
        Refuse profiles whose number of best-response selections exceeds this.
    vectorised : bool
        Anonymous game: decide every profile at once with :func:`solver.equilibria.scan.scan_anonymous`
        and build each equilibrium when it is read (the default), or one profile at a time with
        :func:`solver.equilibria.regret.examine`, building every equilibrium (``False``, the reference
        path). Both give equal results. The vectorised scan falls back to the per-profile path when
        its int64 sums could overflow.

    Returns
    -------
    SolveResult
        All equilibria, with each user's worst and best equilibrium utility. If interrupted
        (Ctrl-C), the result holds what was found and says ``complete=False``.
    """
    if delta < 0:
        raise ModelError(f"δ must be non-negative, got {delta}")
    if game.mode is Mode.ANONYMOUS:
        if vectorised:
            return _scan_anonymous(game, Fraction(delta), policy, progress, selection_limit)
        return _solve_anonymous(game, Fraction(delta), policy, progress, selection_limit)
    return _solve_personalized(game, Fraction(delta), policy, progress, selection_limit)


def _scan_anonymous(
    game: Game, delta: Fraction, policy: TiePolicy, progress: ProgressHook | None, limit: int
) -> SolveResult:
    kernel = RegretKernel(game, policy, delta)
    from solver.equilibria import scan  # numpy is imported only when an anonymous game is solved

    if not scan.fits(kernel):
        return _solve_anonymous(game, delta, policy, progress, limit, kernel)
    found = scan.scan_anonymous(game, kernel, limit, progress)

    def build(profile: tuple[int, ...]) -> Equilibrium:
        equilibrium = examine(game, kernel, profile, limit)
        if equilibrium is None:
            raise AssertionError(f"the scan and examine disagree on profile {profile}")
        return equilibrium

    return SolveResult(
        Mode.ANONYMOUS,
        game.strategy_class,
        policy,
        delta,
        Method.ENUMERATE,
        True,
        found.complete,
        LazyEquilibria(found.profiles, build, found.built),
        len(found.profiles),
        found.worst,
        found.best,
    )


def _solve_anonymous(
    game: Game,
    delta: Fraction,
    policy: TiePolicy,
    progress: ProgressHook | None,
    limit: int,
    kernel: RegretKernel | None = None,
) -> SolveResult:
    kernel = RegretKernel(game, policy, delta) if kernel is None else kernel
    found: list[Equilibrium] = []
    complete = True
    total = game.profile_count()
    try:
        for count, profile in enumerate(_profiles(game)):
            if count % PROGRESS_STEP == 0:
                report(progress, "anonymous game", count, total)
            equilibrium = examine(game, kernel, profile, limit)
            if equilibrium is not None:
                found.append(equilibrium)
    except KeyboardInterrupt:
        complete = False
    worst, best = extremes(game, found)
    return SolveResult(
        Mode.ANONYMOUS,
        game.strategy_class,
        policy,
        delta,
        Method.ENUMERATE,
        True,
        complete,
        tuple(found),
        len(found),
        worst,
        best,
    )


def _scan_slice(game: Game, kernel: RegretKernel, progress: ProgressHook | None) -> list[Candidate]:
    """Profiles of one user's game with a selection whose regrets are all ≤ δ."""
    bound = [kernel.delta] * kernel.m
    candidates = []
    task = f"user {game.instance.users[game.users[0]].label}"
    total = game.profile_count()
    for count, profile in enumerate(_profiles(game)):
        if count % PROGRESS_STEP == 0:
            report(progress, task, count, total)
        candidate = candidate_at(kernel, profile)
        if is_within(candidate, bound):
            candidates.append(candidate)
    return candidates


def _solve_personalized(
    game: Game, delta: Fraction, policy: TiePolicy, progress: ProgressHook | None, limit: int
) -> SolveResult:
    slices, kernels, _ = slice_kernels(game, policy, delta)
    complete = True
    candidates: list[list[Candidate]] = []
    try:
        # A regret above δ for one user cannot be offset by another user (positive parts add
        # up, see recombine), so each user's candidates are her profiles within δ.
        for part, kernel in zip(slices, kernels):
            candidates.append(_scan_slice(part, kernel, progress))
    except KeyboardInterrupt:
        complete = False
    if not complete:
        return SolveResult(
            Mode.PERSONALIZED,
            game.strategy_class,
            policy,
            delta,
            Method.ENUMERATE,
            True,
            False,
            (),
            0,
            (None,) * len(game.instance.users),
            (None,) * len(game.instance.users),
            ("interrupted before the users' games were recombined",),
        )
    return personalized_result(game, slices, kernels, candidates, delta, policy, limit, separable=True)

"""The users' tie selections decided by a Pareto-frontier programme, against the product it replaces.

At a profile of the anonymous game, whether some selection b of the users' best responses makes
(σ, b) an equilibrium (SPEC.md §4, §5) is decided by a dynamic programme over users
(:func:`solver.equilibria.regret.admissible_selections`), and a personalized game's users' games
are recombined by another (:func:`solver.equilibria.regret.recombine`). Here both are compared with
a brute force written from the definitions: every combination of the users' selections, each
judged by :meth:`RegretKernel.deviation`. Games are drawn with many ties: users indifferent
between all actions, zero stakes, providers offered the same rule twice, all three tie policies,
δ = 0 and δ > 0.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterator, Sequence
from fractions import Fraction
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from solver.conversation.classes import Deterministic, Menu
from solver.core.serialization import instance_from_dict
from solver.equilibria import regret
from solver.equilibria.enumeration import solve_equilibria
from solver.equilibria.games import Game, Mode
from solver.equilibria.regret import (
    Candidate,
    RegretKernel,
    candidate_at,
    examine,
    is_within,
    recombine,
    slice_kernels,
)
from solver.equilibria.results import Equilibrium, UserOutcome
from solver.responses.response import TiePolicy
from tests.strategies import Shape, instance_documents


@pytest.fixture(scope="module", autouse=True, params=["frontier", "enumerated"])
def selection_path(request: pytest.FixtureRequest) -> Iterator[str]:
    """Every test runs twice: with the frontier programme at every tied profile, and with the
    direct trial of the selections wherever they are few (regret.FEW_SELECTIONS)."""
    saved = regret.FEW_SELECTIONS
    regret.FEW_SELECTIONS = 0 if request.param == "frontier" else 10**9
    yield request.param
    regret.FEW_SELECTIONS = saved


POLICIES = st.sampled_from(list(TiePolicy))
DELTAS = st.sampled_from([Fraction(0), Fraction(0), Fraction(1, 4), Fraction(1, 2), Fraction(1)])
SMALL_SIGNAL = Shape(("P",), 0, 2)
"""Signal protocols with one or two messages: at most 2² = 4 deterministic rules per provider."""


# -- games with many ties ------------------------------------------------------------------------------


@st.composite
def tied_documents(draw: st.DrawFn, max_users: int) -> dict[str, Any]:
    """An instance document whose users are often indifferent and whose stakes are often zero."""
    document = draw(
        instance_documents(
            max_providers=3,
            max_signals=2,
            max_users=max_users,
            max_actions=2,
            shapes=(SMALL_SIGNAL,),
            tricky=False,
        )
    )
    for body in document["users"].values():
        if draw(st.booleans()):
            # Indifferent: every action is worth the same in every state, so every rule and every
            # action is a best response and her selections are as many as her providers' laws.
            body["utility"] = {a: dict.fromkeys(row, 0) for a, row in body["utility"].items()}
    for by_user in document["stakes"].values():
        for stake in by_user.values():
            if draw(st.integers(0, 3)) == 0:
                stake["weight"] = 0
    return document


@st.composite
def tied_games(draw: st.DrawFn, mode: Mode, max_users: int) -> Game:
    """A game over the deterministic rules, sometimes with a provider's rules each offered twice."""
    instance = instance_from_dict(draw(tied_documents(max_users)))
    if draw(st.booleans()):
        return Game(instance, mode, Deterministic())
    menus = {}
    for j, provider in enumerate(instance.providers):
        rules = Deterministic().enumerate(instance, j)
        twice = draw(st.booleans()) and len(rules) <= 2
        menus[provider.label] = [r for r in rules for _ in range(2 if twice else 1)]
    return Game(instance, mode, Menu.from_mapping(menus))


# -- brute force ---------------------------------------------------------------------------------------


def brute_equilibrium(game: Game, kernel: RegretKernel, profile: tuple[int, ...]) -> Equilibrium | None:
    """SPEC.md §5 at one profile: every combination of the users' selections, each judged directly."""
    users = [kernel.options(u, profile) for u in range(len(game.users))]
    options = [o for o, _ in users]
    admissible = []
    for combination in itertools.product(*options):
        payoffs = [sum(o[1][j] for o in combination) for j in range(kernel.m)]
        deviations = [kernel.deviation(j, profile, combination) for j in range(kernel.m)]
        if all(p >= d - kernel.delta for p, d in zip(payoffs, deviations)):
            admissible.append((combination, payoffs, deviations))
    if not admissible:
        return None
    f = kernel.fraction
    return Equilibrium(
        users=game.users,
        profile=profile,
        rules=tuple(game.rules[j][r] for j, r in enumerate(profile)),
        outcomes=tuple(
            UserOutcome(
                user,
                users[u][1],
                tuple(sorted({c[u][0] for c, _, _ in admissible})),
                tuple(
                    (k, tuple(f(p) for p in vector))
                    for k, vector in options[u]
                    if any(c[u] == (k, vector) for c, _, _ in admissible)
                ),
            )
            for u, user in enumerate(game.users)
        ),
        payoffs=tuple(
            (f(min(p[j] for _, p, _ in admissible)), f(max(p[j] for _, p, _ in admissible)))
            for j in range(kernel.m)
        ),
        deviations=tuple(
            (f(min(d[j] for _, _, d in admissible)), f(max(d[j] for _, _, d in admissible)))
            for j in range(kernel.m)
        ),
        canonical=any(all(o == opts[0] for o, opts in zip(c, options)) for c, _, _ in admissible),
    )


def brute_recombine(
    candidates: Sequence[Sequence[Candidate]], delta: int, m: int
) -> tuple[list[list[set[int]]], int]:
    """Every combination of the users' candidates and of their selections: Σ_i max(regret, 0) ≤ δ."""
    admissible: list[list[set[int]]] = [[set() for _ in user] for user in candidates]
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


def profiles(game: Game) -> list[tuple[int, ...]]:
    return list(itertools.product(*(range(len(rules)) for rules in game.rules)))


# -- the anonymous game --------------------------------------------------------------------------------


@given(game=tied_games(Mode.ANONYMOUS, max_users=4), policy=POLICIES, delta=DELTAS, data=st.data())
def test_a_profile_is_judged_as_the_product_of_selections_judges_it(
    game: Game, policy: TiePolicy, delta: Fraction, data: st.DataObject
) -> None:
    # The whole Equilibrium is compared: the options each user holds in some admissible b, the
    # providers she uses, the payoff and deviation ranges and the canonical flag. A few profiles
    # are drawn, since the product grows as the users' selections multiply.
    kernel = RegretKernel(game, policy, delta)
    for profile in data.draw(st.lists(st.sampled_from(profiles(game)), min_size=1, max_size=4, unique=True)):
        assert examine(game, kernel, profile, 10**6) == brute_equilibrium(game, kernel, profile)


@given(game=tied_games(Mode.ANONYMOUS, max_users=2), policy=POLICIES, delta=DELTAS)
def test_the_solved_anonymous_game_is_the_product_of_selections(
    game: Game, policy: TiePolicy, delta: Fraction
) -> None:
    result = solve_equilibria(game, delta, policy)
    kernel = RegretKernel(game, policy, delta)
    expected = [e for e in (brute_equilibrium(game, kernel, p) for p in profiles(game)) if e is not None]
    assert list(result.equilibria) == expected and result.count == len(expected)


def indifferent_users(n: int, stakes: Sequence[str] = ("1", "1/2")) -> dict[str, Any]:
    """Two informed providers, a two-message signal, and n users indifferent between two actions.

    Every rule gives every user the value 0, so each user is tied between both providers, and with
    an uninformative or informative rule both actions are optimal: each user has several options.
    """
    states = ["s0", "s1"]
    users = {
        f"U{i}": {"actions": ["a0", "a1"], "utility": {a: dict.fromkeys(states, 0) for a in ("a0", "a1")}}
        for i in range(n)
    }
    wants = {
        "A": {"a0": {"s0": 1, "s1": 1}, "a1": {"s0": 0, "s1": 0}},
        "B": {"a0": {"s0": 0, "s1": 1}, "a1": {"s0": 1, "s1": 0}},
    }
    return {
        "states": states,
        "providers": {p: {"signals": ["x0", "x1"]} for p in wants},
        "users": users,
        "worlds": {
            "w0": {"prob": "1/2", "state": "s0", "signals": {"A": "x0", "B": "x0"}},
            "w1": {"prob": "1/2", "state": "s1", "signals": {"A": "x1", "B": "x1"}},
        },
        "stakes": {
            p: {u: {"weight": stakes[k % len(stakes)], "utility": wants[p]} for k, u in enumerate(users)}
            for p in wants
        },
        "protocol": {"turns": ["P"], "provider_messages": ["m0", "m1"]},
    }


@pytest.mark.parametrize("policy", list(TiePolicy), ids=lambda p: p.value)
def test_indifferent_users_are_judged_as_the_product_judges_them(policy: TiePolicy) -> None:
    # Three users tied between both providers and both actions at every profile: every profile
    # has a product of selections to compare with.
    game = Game(instance_from_dict(indifferent_users(3)), Mode.ANONYMOUS, Deterministic())
    kernel = RegretKernel(game, policy, Fraction(0))
    for profile in profiles(game):
        assert math.prod(len(kernel.options(u, profile)[0]) for u in range(3)) >= 2**3
        assert examine(game, kernel, profile, 10**6) == brute_equilibrium(game, kernel, profile)


# -- the personalized game -----------------------------------------------------------------------------


@st.composite
def candidate_lists(draw: st.DrawFn) -> tuple[list[list[Candidate]], int, int]:
    """Users' candidates with small regrets, many of them equal or zero, and several selections each."""
    m = draw(st.integers(1, 3))
    users = draw(st.integers(1, 4))
    regret = st.integers(-2, 3)
    candidates = []
    for _ in range(users):
        user = []
        for p in range(draw(st.integers(0, 3))):
            selections = draw(st.integers(1, 3))
            regrets = tuple(tuple(draw(regret) for _ in range(m)) for _ in range(selections))
            options = tuple((0, (s,) * m) for s in range(selections))
            user.append(Candidate((p,), options, regrets, regrets))
        candidates.append(user)
    return candidates, draw(st.integers(0, 5)), m


@given(case=candidate_lists(), separable=st.booleans())
def test_recombination_is_the_product_of_candidates_and_selections(
    case: tuple[list[list[Candidate]], int, int], separable: bool
) -> None:
    # With δ = 0 and `separable`, the old per-user rule decides; the product agrees with it too
    # (SPEC.md §5: with δ = 0 the personalized game splits), so both paths are checked here.
    candidates, delta, m = case
    assert recombine(candidates, delta, m, 10**6, separable) == brute_recombine(candidates, delta, m)


@given(game=tied_games(Mode.PERSONALIZED, max_users=2), policy=POLICIES, delta=DELTAS)
def test_the_personalized_game_is_recombined_as_the_product_recombines_it(
    game: Game, policy: TiePolicy, delta: Fraction
) -> None:
    slices, kernels, delta_scaled = slice_kernels(game, policy, delta)
    bound = [delta_scaled] * len(game.instance.providers)
    candidates = [
        [c for c in (candidate_at(k, p) for p in profiles(s)) if is_within(c, bound)]
        for s, k in zip(slices, kernels)
    ]
    m = len(game.instance.providers)
    admissible, count = brute_recombine(candidates, delta_scaled, m)
    assert recombine(candidates, delta_scaled, m, 10**6, separable=False) == (admissible, count)
    result = solve_equilibria(game, delta, policy)
    assert result.count == count
    # Each user's equilibria are her candidates with a selection taking part, with those selections.
    expected = {
        (
            slices[u].users,
            c.profile,
            tuple(
                (c.options[k][0], tuple(kernels[u].fraction(p) for p in c.options[k][1])) for k in sorted(s)
            ),
        )
        for u, user in enumerate(candidates)
        for c, s in zip(user, admissible[u])
        if s
    }
    assert {(e.users, e.profile, e.outcomes[0].selections) for e in result.equilibria} == expected

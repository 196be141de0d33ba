"""Equilibria of the personalized and anonymous games over finite classes (SPEC.md §5).

Hand-derived cases say where their numbers come from; properties check the engine against a
direct recomputation from the response module, and the invariances the model implies.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from solver.conversation.classes import Deterministic, Grid
from solver.conversation.rules import Rule
from solver.core.errors import ClassTooLargeError, Limit
from solver.core.model import Instance
from solver.core.serialization import instance_from_dict, instance_to_dict, load
from solver.equilibria.enumeration import solve_equilibria
from solver.equilibria.games import Game, Mode, respond_to_rules
from solver.equilibria.regret import verify_profile
from solver.responses.response import (
    TiePolicy,
    deviation_payoff_from_user,
    user_value,
)
from tests.strategies import Shape, small_instances

LIBRARY = Path(__file__).resolve().parent.parent / "instances"
F = Fraction


def _document(providers: dict[str, Any], stakes: dict[str, Any], utility: dict[str, Any]) -> dict[str, Any]:
    """Two equally likely states; every provider observes the state exactly."""
    return {
        "states": ["s0", "s1"],
        "providers": {p: {"signals": ["saw0", "saw1"]} for p in providers},
        "users": {"user": {"actions": ["a0", "a1"], "utility": utility}},
        "worlds": {
            "w0": {"prob": "1/2", "state": "s0", "signals": {p: "saw0" for p in providers}},
            "w1": {"prob": "1/2", "state": "s1", "signals": {p: "saw1" for p in providers}},
        },
        "stakes": {p: {"user": stakes[p]} for p in providers},
        "protocol": {"turns": ["P"], "provider_messages": ["m1", "m2"]},
    }


MATCH = {"a0": {"s0": 1, "s1": 0}, "a1": {"s0": 0, "s1": 1}}


def aligned_pair() -> Instance:
    """Two informed providers paid exactly what the user gets."""
    stake = {"weight": 1, "utility": MATCH}
    return instance_from_dict(_document({"A": None, "B": None}, {"A": stake, "B": stake}, MATCH))


def tug_of_war() -> Instance:
    """An indifferent user; provider A wants action a0, provider B wants a1."""
    indifferent = {"a0": {"s0": 0, "s1": 0}, "a1": {"s0": 0, "s1": 0}}
    stakes = {
        "A": {"weight": 1, "utility": {"a0": {"s0": 1, "s1": 1}, "a1": {"s0": 0, "s1": 0}}},
        "B": {"weight": 1, "utility": {"a0": {"s0": 0, "s1": 0}, "a1": {"s0": 1, "s1": 1}}},
    }
    return instance_from_dict(_document({"A": None, "B": None}, stakes, indifferent))


@dataclass(frozen=True)
class Case:
    instance: Instance
    mode: Mode
    profiles: frozenset[tuple[int, ...]] | None
    count: int
    worst: tuple[Fraction | None, ...]
    best: tuple[Fraction | None, ...]


# Deterministic rules of a provider with signals (saw_guilty/saw0, saw_innocent/saw1) and messages
# (m1, m2) come in the order (m1,m1), (m1,m2), (m2,m1), (m2,m2): 1 and 2 reveal, 0 and 3 pool.
CASES = (
    [
        # Prosecutor and judge (SPEC §11). Pooling leaves the prior 3/10 guilty: the judge acquits
        # (7/10 > 3/10), the prosecutor gets 0. Revealing makes the judge convict exactly the guilty:
        # judge 1, prosecutor 3/10. So the prosecutor's best deviation is worth 3/10: pooling is no
        # equilibrium, revealing is. One user: both games coincide.
        pytest.param(
            Case(load(LIBRARY / "prosecutor_judge.yaml"), mode, frozenset({(1,), (2,)}), 2, (F(1),), (F(1),)),
            id=f"prosecutor-judge-{mode.value}",
        )
        for mode in Mode
    ]
    + [
        # Aligned pair: each provider's payoff equals the user's utility, 1 if someone reveals, else
        # 1/2. Revealing is always available and, with deviator-favourable ties, wins the user, so every
        # best deviation is worth 1. Equilibria: profiles where at least one provider reveals:
        # 4*4 - 2*2 = 12 profiles, user utility 1 in all.
        pytest.param(Case(aligned_pair(), mode, None, 12, (F(1),), (F(1),)), id=f"several-{mode.value}")
        for mode in Mode
    ]
    + [
        # Tug of war: every rule leaves the indifferent user all choices, so a deviator gets the user and
        # its preferred action: every best deviation is worth 1. But Π_A + Π_B = 1 < 2 in any selection.
        # No equilibrium in any class.
        pytest.param(Case(tug_of_war(), mode, frozenset(), 0, (None,), (None,)), id=f"none-{mode.value}")
        for mode in Mode
    ]
)


@pytest.mark.parametrize("case", CASES)
def test_hand_derived_equilibria(case: Case) -> None:
    result = solve_equilibria(Game(case.instance, case.mode, Deterministic()))
    assert result.exact and result.complete
    assert result.count == case.count
    if case.profiles is not None:
        assert {e.profile for e in result.equilibria} == case.profiles
    assert result.worst == case.worst
    assert result.best == case.best


def test_prosecutor_payoff_is_the_probability_of_guilt() -> None:
    # Revealing: conviction exactly when guilty, probability 3/10 (SPEC §11 prior).
    result = solve_equilibria(Game(load(LIBRARY / "prosecutor_judge.yaml"), Mode.ANONYMOUS, Deterministic()))
    assert {e.payoffs for e in result.equilibria} == {((F(3, 10), F(3, 10)),)}


def test_personalized_count_is_a_product_over_users() -> None:
    # Two copies of the aligned user: 12 equilibria each (see CASES), so 12 * 12 in the whole game.
    document = instance_to_dict(aligned_pair())
    document["users"]["other"] = document["users"]["user"]
    for p in ("A", "B"):
        document["stakes"][p]["other"] = document["stakes"][p]["user"]
    result = solve_equilibria(Game(instance_from_dict(document), Mode.PERSONALIZED, Deterministic()))
    assert result.count == 144


def test_class_too_large_is_refused_with_the_count() -> None:
    game = Game(load(LIBRARY / "prosecutor_judge.yaml"), Mode.ANONYMOUS, Grid(3), limit=10)
    # grid(3) over 2 messages: 4 distributions per signal, 2 signals: 16 rules.
    with pytest.raises(ClassTooLargeError, match=r"16 members, above the limit 10") as caught:
        solve_equilibria(game)
    assert caught.value.kind is Limit.CLASS
    assert "limit=N" in str(caught.value)


# -- properties ------------------------------------------------------------------------------------

SMALL = small_instances(
    max_providers=2, max_signals=2, max_users=2, max_states=2, max_worlds=3, shapes=(Shape(("P",), 0, 2),)
)


def _selections(
    instance: Instance, user: int, rules: Sequence[Rule]
) -> list[tuple[int, tuple[Fraction, ...]]]:
    """Her best-response selections at a profile: the provider she uses and every provider's payoff."""
    options: list[tuple[int, tuple[Fraction, ...]]] = []
    for k, response in respond_to_rules(instance, user, rules):
        options.extend((k, v) for v in response.payoffs if (k, v) not in options)
    return options


def _is_equilibrium_directly(
    instance: Instance,
    users: Sequence[int],
    strategies: Sequence[Sequence[Rule]],
    alternatives: Sequence[Sequence[tuple[Rule, ...]]],
    delta: Fraction,
    policy: TiePolicy = TiePolicy.FAVOURABLE,
) -> bool:
    """SPEC §5 from solver.responses.response alone: some selection b with Π_j(σ, b) ≥ Π_j(σ'_j, σ_-j) − δ.

    ``strategies[j][u]`` is the rule provider j offers the u-th user; ``alternatives[j]`` lists j's
    strategies (one rule per user). A user whose rule from j is unchanged keeps ``b_i`` (SPEC §4
    case 1); the others react as ``deviation_payoff_from_user`` says (cases 2–4).
    """
    m = len(instance.providers)
    offered = [[strategies[j][u] for j in range(m)] for u in range(len(users))]
    options = [_selections(instance, i, offered[u]) for u, i in enumerate(users)]
    for b in itertools.product(*options):
        ok = True
        for j in range(m):
            payoff = sum((o[1][j] for o in b), Fraction(0))
            for alternative in alternatives[j]:
                if tuple(alternative) == tuple(strategies[j]):
                    continue
                total = Fraction(0)
                for u, i in enumerate(users):
                    kept = b[u][1][j]
                    if alternative[u] == strategies[j][u]:
                        total += kept
                        continue
                    rules = list(offered[u])
                    rules[j] = alternative[u]
                    total += deviation_payoff_from_user(instance, i, rules, j, b[u][0], kept, policy)
                if total > payoff + delta:
                    ok = False
                    break
            if not ok:
                break
        if ok:
            return True
    return False


@given(SMALL, st.sampled_from(list(Mode)), st.sampled_from([F(0), F(1, 4)]), st.sampled_from(list(TiePolicy)))
def test_equilibria_are_exactly_the_profiles_spec_admits(
    instance: Instance, mode: Mode, delta: Fraction, policy: TiePolicy
) -> None:
    # An independent reading of SPEC §4–5 from the response module: every profile of the anonymous
    # game, and of every user's game of the personalized one, is an equilibrium exactly when listed.
    game = Game(instance, mode, Deterministic())
    result = solve_equilibria(game, delta, policy)
    classes = game.rules
    for part in [game] if mode is Mode.ANONYMOUS else list(game.split()):
        users = part.users
        listed = {e.profile for e in result.equilibria if e.users == users}
        for profile in itertools.product(*(range(len(r)) for r in classes)):
            strategies = [[classes[j][r]] * len(users) for j, r in enumerate(profile)]
            alternatives = [[(rule,) * len(users) for rule in rules] for rules in classes]
            direct = _is_equilibrium_directly(instance, users, strategies, alternatives, delta, policy)
            if mode is Mode.PERSONALIZED:
                # A user's game lists its equilibria that take part in a whole-game one (SPEC §5):
                # with δ = 0, all of them as soon as every user's game has one.
                assert profile not in listed or direct
                if delta == 0 and result.count:
                    assert direct == (profile in listed), profile
            else:
                assert direct == (profile in listed), profile
                assert (verify_profile(part, profile, delta, policy) is not None) == direct
    for e in result.equilibria:
        for o in e.outcomes:
            # The user's utility is her best value over the providers' rules (SPEC §4).
            assert o.utility == max(user_value(instance, o.user, j, r) for j, r in enumerate(e.rules))


def _scale_provider(instance: Instance, provider: str, factor: Fraction) -> Instance:
    document = instance_to_dict(instance)
    for stake in document["stakes"][provider].values():
        stake["weight"] = str(Fraction(stake["weight"]) * factor)
    return instance_from_dict(document)


@given(SMALL, st.sampled_from(list(Mode)), st.sampled_from([F(2), F(1, 3), F(5, 2)]))
def test_scaling_a_providers_stakes_leaves_equilibria_unchanged(
    instance: Instance, mode: Mode, factor: Fraction
) -> None:
    # Π_j and Dev_j scale by the same positive factor, so every comparison keeps its sign (δ = 0).
    label = instance.providers[0].label
    before = solve_equilibria(Game(instance, mode, Deterministic()))
    after = solve_equilibria(Game(_scale_provider(instance, label, factor), mode, Deterministic()))
    assert {e.key() for e in before.equilibria} == {e.key() for e in after.equilibria}
    assert before.count == after.count and before.worst == after.worst and before.best == after.best


def _reverse_providers(instance: Instance) -> Instance:
    document = instance_to_dict(instance)
    document["providers"] = dict(reversed(list(document["providers"].items())))
    document["stakes"] = dict(reversed(list(document["stakes"].items())))
    return instance_from_dict(document)


@given(SMALL, st.sampled_from(list(Mode)), st.sampled_from([TiePolicy.FAVOURABLE, TiePolicy.ADVERSARIAL]))
def test_relabelling_providers_permutes_equilibria(instance: Instance, mode: Mode, policy: TiePolicy) -> None:
    # Deviator-favourable and adversarial ties do not look at file order, so reversing the providers
    # reverses every equilibrium profile and keeps every utility.
    before = solve_equilibria(Game(instance, mode, Deterministic()), policy=policy)
    after = solve_equilibria(Game(_reverse_providers(instance), mode, Deterministic()), policy=policy)
    reversed_profiles = {(e.users, tuple(reversed(e.profile))) for e in before.equilibria}
    assert reversed_profiles == {e.key() for e in after.equilibria}
    assert before.count == after.count and before.worst == after.worst and before.best == after.best


@given(
    small_instances(
        max_providers=2,
        max_signals=2,
        max_users=2,
        max_states=2,
        max_worlds=2,
        shapes=(Shape(("P",), 0, 2),),
        features=False,
    ),
    st.sampled_from([F(0), F(1, 3)]),
)
def test_personalized_game_is_the_product_of_the_users_games(instance: Instance, delta: Fraction) -> None:
    # Brute force over the whole personalized game: provider j's strategy is one rule per user, its
    # payoff sums over users, and its deviation may change any of its per-user rules at once; a user
    # whose rule is unchanged keeps her selection (SPEC §4 case 1, §5).
    users = tuple(range(len(instance.users)))
    classes = [Deterministic().enumerate(instance, j) for j in range(len(instance.providers))]
    per_provider = [list(itertools.product(rules, repeat=len(users))) for rules in classes]
    count = sum(
        _is_equilibrium_directly(instance, users, profile, per_provider, delta)
        for profile in itertools.product(*per_provider)
    )
    result = solve_equilibria(Game(instance, Mode.PERSONALIZED, Deterministic()), delta)
    assert result.count == count


def test_certifying_after_enumerating_builds_each_users_table_once(monkeypatch: pytest.MonkeyPatch) -> None:
    # Enumeration and certification in full both split the personalized game (SPEC.md §5); the
    # one-user games are the same objects, so each user's response table is built once in all.
    from solver.certificates.certification import certify_result
    from solver.equilibria.games import ResponseTable

    built: list[tuple[int, ...]] = []
    build = ResponseTable.build

    def counting(cls: type, instance: Instance, users: tuple[int, ...], *rest: Any) -> ResponseTable:
        built.append(tuple(users))
        return build(instance, users, *rest)

    monkeypatch.setattr(ResponseTable, "build", classmethod(counting))
    game = Game(load(LIBRARY / "two_providers_two_users.yaml"), Mode.PERSONALIZED, Deterministic())
    finite = solve_equilibria(game)
    certify_result(game, finite)
    assert game.split() == game.split() and all(a is b for a, b in zip(game.split(), game.split()))
    assert sorted(built) == [(u,) for u in range(len(game.instance.users))]

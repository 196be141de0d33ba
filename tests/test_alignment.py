"""The alignment LPs of SPEC.md §7: hand-derived fits, strong alignment, and their properties.

Instances here have two equally likely states ``s0``, ``s1`` and actions ``a0``, ``a1``; a utility
table is written ``[[u(a0,s0), u(a0,s1)], [u(a1,s0), u(a1,s1)]]``. ``MATCH`` pays 1 for the action
that matches the state.
"""

from __future__ import annotations

from fractions import Fraction
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from solver.core.errors import ModelError
from solver.core.model import Instance
from solver.core.serialization import instance_from_dict
from solver.responses.alignment import (
    best_bound_weights,
    fit_error,
    strong_alignment,
    strong_errors,
    weak_alignment,
)
from solver.responses.information import provider_subsets
from tests.strategies import instances

F = Fraction
Table = list[list[int | str]]

MATCH: Table = [[1, 0], [0, 1]]
MISMATCH: Table = [[0, 1], [1, 0]]
ZERO_TABLE: Table = [[0, 0], [0, 0]]
A0_ONLY: Table = [[1, 1], [0, 0]]


def _table(rows: Table) -> dict[str, dict[str, int | str]]:
    return {f"a{a}": {f"s{y}": v for y, v in enumerate(row)} for a, row in enumerate(rows)}


def _instance(users: dict[str, Table], stakes: dict[str, dict[str, tuple[int | str, Table]]]) -> Instance:
    """Every provider sees the state; ``stakes[provider][user] = (λ, U)``."""
    providers = list(stakes)
    return instance_from_dict(
        {
            "states": ["s0", "s1"],
            "providers": {p: {"signals": ["saw0", "saw1"]} for p in providers},
            "users": {u: {"actions": ["a0", "a1"], "utility": _table(t)} for u, t in users.items()},
            "worlds": {
                "w0": {"prob": "1/2", "state": "s0", "signals": {p: "saw0" for p in providers}},
                "w1": {"prob": "1/2", "state": "s1", "signals": {p: "saw1" for p in providers}},
            },
            "stakes": {
                p: {u: {"weight": weight, "utility": _table(t)} for u, (weight, t) in row.items()}
                for p, row in stakes.items()
            },
            "protocol": {"turns": ["P"], "provider_messages": ["m0", "m1"]},
        }
    )


# -- weak market alignment, by hand --------------------------------------------------------------------


def test_provider_paid_like_the_user() -> None:
    # U = u: with the only weight w = 1 the residual is the offset c, so ε = 0 at c = 0, and the
    # transfer factor is 1/λ = 1/2; the C1 term with δ = 1 is 2·0 + 1·1/2.
    instance = _instance({"user": MATCH}, {"P": {"user": (2, MATCH)}})
    result = weak_alignment(instance, 0, ["P"], delta=F(1))
    assert (result.error, result.weights, result.offset) == (0, (1,), 0)
    assert result.transfer_factor == F(1, 2)
    assert result.bound_term == F(1, 2)
    assert result.certified


def test_user_is_the_average_of_two_providers() -> None:
    # U1 = [[1,0],[0,0]], U2 = [[0,0],[0,1]], u = [[1/2,0],[0,1/2]]. Zero error forces c = 0 at
    # (a0, s1), then w1 = 1/2 at (a0, s0) and w2 = 1/2 at (a1, s1): the unique fit. With λ1 = 1 and
    # λ2 = 1/2 the factor is (1/2)/1 + (1/2)/(1/2) = 3/2.
    instance = _instance(
        {"user": [["1/2", 0], [0, "1/2"]]},
        {"P1": {"user": (1, [[1, 0], [0, 0]])}, "P2": {"user": ("1/2", [[0, 0], [0, 1]])}},
    )
    result = weak_alignment(instance, 0, ["P1", "P2"])
    assert (result.error, result.weights, result.offset) == (0, (F(1, 2), F(1, 2)), 0)
    assert result.transfer_factor == F(3, 2)
    assert result.certified


def test_opposed_provider_has_error_one() -> None:
    # U = 1 − u with u ∈ {0, 1}: the residual U + c − u = 1 − 2u + c is 1 + c where u = 0 and
    # −1 + c where u = 1, so the best offset is c = 0 and ε = 1: the largest possible error
    # (both utilities lie in [0, 1], so every residual lies in [−1, 1]).
    instance = _instance({"user": MATCH}, {"P": {"user": (1, MISMATCH)}})
    result = weak_alignment(instance, 0, ["P"])
    assert (result.error, result.offset, result.transfer_factor) == (1, 0, 1)


def test_indifferent_provider_gives_half() -> None:
    # U ≡ 0: the residual c − u takes the values c and c − 1, so c = 1/2 and ε = 1/2.
    instance = _instance({"user": MATCH}, {"P": {"user": (1, ZERO_TABLE)}})
    result = weak_alignment(instance, 0, ["P"])
    assert (result.error, result.offset) == (F(1, 2), F(1, 2))


def test_error_of_a_partial_fit() -> None:
    # u = MATCH, U = A0_ONLY (pays for a0 whatever the state), w = 1: the residual U + c − u is
    # c at (a0, s0), 1 + c at (a0, s1), c at (a1, s0) and c − 1 at (a1, s1). Its range is 2, so
    # ε = 1 at c = 0.
    instance = _instance({"user": MATCH}, {"P": {"user": (1, A0_ONLY)}})
    result = weak_alignment(instance, 0, ["P"])
    assert (result.error, result.offset) == (1, 0)
    assert fit_error(instance, 0, ["P"], result.weights, result.offset) == 1


def test_careless_provider_forces_an_infinite_factor() -> None:
    # P1 has U = u but λ = 0; P2 is indifferent (U ≡ 0). Zero error needs w1·u + c = u, so w1 = 1:
    # every least-error fit leans on P1 and 1/λ* is infinite.
    instance = _instance({"user": MATCH}, {"P1": {"user": (0, MATCH)}, "P2": {"user": (1, ZERO_TABLE)}})
    result = weak_alignment(instance, 0, ["P1", "P2"], delta=F(1))
    assert result.error == 0
    assert result.weights == (1, 0)
    assert result.transfer_factor is None
    assert result.bound_term is None  # δ > 0 times an infinite factor
    # δ = 0 too: weight on a provider without a stake gives C1 no bound (SPEC §8's support rule).
    assert weak_alignment(instance, 0, ["P1", "P2"]).bound_term is None
    assert result.certified


def test_careless_provider_is_avoided_when_possible() -> None:
    # Both P1 (λ = 0) and P2 (λ = 1) have U = u: zero error with all weight on P2, factor 1.
    instance = _instance({"user": MATCH}, {"P1": {"user": (0, MATCH)}, "P2": {"user": (1, MATCH)}})
    result = weak_alignment(instance, 0, ["P1", "P2"])
    assert (result.error, result.weights, result.transfer_factor) == (0, (0, 1), 1)


def test_best_bound_weights_avoid_a_provider_without_a_stake_whatever_delta() -> None:
    # Careless P1 (U = u, λ = 0) and indifferent P2 (U ≡ 0, λ = 1). SPEC §8's support rule: C1's
    # weights lie on the providers with λ > 0, for δ = 0 too, so w = (0, 1): the constant fit of
    # u = MATCH leaves ε = 1/2 (c = 1/2), factor 1/λ_{P2} = 1. Bound term 2·1/2 + δ·1: 2 at δ = 1,
    # 1 at δ = 0 (not 0, which P1's exact fit would give if it counted).
    instance = _instance({"user": MATCH}, {"P1": {"user": (0, MATCH)}, "P2": {"user": (1, ZERO_TABLE)}})
    costly = best_bound_weights(instance, 0, ["P1", "P2"], F(1))
    assert (costly.bound_term, costly.weights, costly.error, costly.transfer_factor) == (
        2,
        (0, 1),
        F(1, 2),
        1,
    )
    assert costly.support == (1,)
    exact = best_bound_weights(instance, 0, ["P1", "P2"], F(0))
    assert (exact.bound_term, exact.weights, exact.error, exact.transfer_factor) == (1, (0, 1), F(1, 2), 1)
    # T = {P1} alone: no provider with a stake, the bound is vacuous for every δ (SPEC §8).
    for delta in (F(0), F(1)):
        alone = best_bound_weights(instance, 0, ["P1"], delta)
        assert alone.bound_term is None and alone.weights is None and alone.support == ()
        assert alone.certified


def test_best_bound_weights_may_accept_error_to_lower_the_factor() -> None:
    # P1: U = u with λ = 1/4 (factor 4); P2: U ≡ 0 with λ = 1 (factor 1). For weights (w, 1 − w)
    # the residual is w·u + c − u, of range 1 − w, so ε = (1 − w)/2 and the C1 term is
    # (1 − w) + δ (4w + 1 − w) = 1 + δ + w (3δ − 1): linear in w. δ = 1/2 > 1/3 takes w = 0 (term 3/2);
    # δ = 1/4 < 1/3 takes w = 1 (term 1/4·4 = 1).
    instance = _instance({"user": MATCH}, {"P1": {"user": ("1/4", MATCH)}, "P2": {"user": (1, ZERO_TABLE)}})
    high = best_bound_weights(instance, 0, ["P1", "P2"], F(1, 2))
    assert (high.bound_term, high.weights) == (F(3, 2), (0, 1))
    low = best_bound_weights(instance, 0, ["P1", "P2"], F(1, 4))
    assert (low.bound_term, low.weights) == (1, (1, 0))


def test_bad_arguments() -> None:
    instance = _instance({"user": MATCH}, {"P": {"user": (1, MATCH)}})
    with pytest.raises(ModelError, match="negative"):
        weak_alignment(instance, 0, ["P"], delta=F(-1))
    with pytest.raises(ModelError, match="not an exact number"):
        best_bound_weights(instance, 0, ["P"], 0.5)  # type: ignore[arg-type]
    with pytest.raises(ModelError, match="out of range"):
        weak_alignment(instance, 3, ["P"])
    with pytest.raises(ModelError, match="unknown provider"):
        strong_alignment(instance, ["Q"])


# -- strong alignment, by hand -------------------------------------------------------------------------


def test_one_provider_tracks_both_users() -> None:
    # λU = μu + c with U_{P,i} = u_i: μ_1 = λ_1 = 1, μ_2 = λ_2 = 1/2, c = 0; the margin
    # max t ≤ min(μ) is 1/2. With zero errors every C3 term with δ = 0 is 0.
    instance = _instance({"u1": MATCH, "u2": MISMATCH}, {"P": {"u1": (1, MATCH), "u2": ("1/2", MISMATCH)}})
    result = strong_alignment(instance, ["P"])
    assert result.holds and result.margin == F(1, 2)
    assert result.factors == (1, F(1, 2)) and result.offsets == (0, 0)
    assert [b.bound_term for b in result.bounds] == [0, 0]
    assert result.certified


def test_opposed_interest_breaks_strong_alignment() -> None:
    # U_{P,2} = 1 − u_2 forces μ_2 = −1 < 0: no μ ≥ 0 tracks user 2 exactly (certified infeasible).
    instance = _instance({"u1": MATCH, "u2": MATCH}, {"P": {"u1": (1, MATCH), "u2": (1, MISMATCH)}})
    result = strong_alignment(instance, ["P"])
    assert not result.holds and result.margin is None and result.certified


def test_indifference_gives_margin_zero() -> None:
    # λ_{P,2} = 0: the pooled interest in user 2 is 0 = μ_2 u_2 + c_2, so μ_2 = 0 and t = 0.
    instance = _instance({"u1": MATCH, "u2": MATCH}, {"P": {"u1": (1, MATCH), "u2": (0, MATCH)}})
    result = strong_alignment(instance, ["P"])
    assert not result.holds and result.margin == 0


def test_a_common_combination_tracks_everyone() -> None:
    # P1 cares only for u1 (U = u1), P2 only for u2. With w = (w, 1 − w): μ_1 = w, μ_2 = 1 − w, so
    # the margin max min(w, 1 − w) is 1/2 at w = 1/2. Neither provider alone does it (margin 0).
    instance = _instance(
        {"u1": MATCH, "u2": MISMATCH},
        {"P1": {"u1": (1, MATCH), "u2": (1, ZERO_TABLE)}, "P2": {"u1": (1, ZERO_TABLE), "u2": (1, MISMATCH)}},
    )
    both = strong_alignment(instance, ["P1", "P2"])
    assert both.holds and both.margin == F(1, 2) and both.weights == (F(1, 2), F(1, 2))
    assert not strong_alignment(instance, ["P1"]).holds
    assert not strong_alignment(instance, ["P2"]).holds


def test_strong_bound_of_an_indifferent_provider() -> None:
    # One user (u = MATCH), U ≡ 0. The best offset makes ε' = max |μu + c| = μ/2, so the C3 term is
    # (δ + μ)/μ = 1 + δ/μ. δ = 0: 1, attained by every μ > 0. δ = 1: infimum 1 as μ → ∞, not attained.
    instance = _instance({"user": MATCH}, {"P": {"user": (1, ZERO_TABLE)}})
    exact = strong_alignment(instance, ["P"]).bounds[0]
    assert exact.bound_term == 1 and exact.attained
    assert exact.errors is not None and exact.factors is not None
    assert 2 * exact.errors[0] / exact.factors[0] == 1
    slack = strong_alignment(instance, ["P"], F(1)).bounds[0]
    assert slack.bound_term == 1 and not slack.attained and slack.weights is None


def test_strong_bound_with_slack_is_attained() -> None:
    # U = u with λ = 1: tracking with μ = 1 has no error, the C3 term is δ/μ. Larger μ would need
    # error: ε' = max|u − μu − c| = |1 − μ|/2, term (δ + |1 − μ|)/μ, least at μ = 1 for δ = 1/2:
    # derivative of (δ + μ − 1)/μ is (1 − δ)/μ² > 0 above 1; below 1, (δ + 1 − μ)/μ decreases. So 1/2.
    instance = _instance({"user": MATCH}, {"P": {"user": (1, MATCH)}})
    bound = strong_alignment(instance, ["P"], F(1, 2)).bounds[0]
    assert bound.bound_term == F(1, 2)
    assert bound.factors == (1,) and bound.errors == (0,)


# -- properties ----------------------------------------------------------------------------------------

alignment_instances = instances(
    max_states=2, max_actions=2, max_worlds=3, max_users=2, features=False, tricky=False
)
deltas = st.sampled_from((F(0), F(1, 3), F(1)))


def _range(table: Any) -> Fraction:
    values = [v for row in table for v in row]
    return max(values) - min(values)


@given(alignment_instances, deltas)
def test_weak_alignment_properties(instance: Instance, delta: Fraction) -> None:
    subsets = provider_subsets(instance)
    for i, user in enumerate(instance.users):
        errors = {}
        for t in subsets:
            result = weak_alignment(instance, i, t, delta)
            assert result.certified
            errors[t] = result.error
            # The reported weights lie on the simplex and achieve the reported error exactly.
            assert all(w >= 0 for w in result.weights) and sum(result.weights) == 1
            assert fit_error(instance, i, t, result.weights, result.offset) == result.error
            # Any single provider with the best offset fits within (range u + range U_j)/2 ≤ 1.
            single = min(_range(instance.stakes[j][i].utility) for j in t)
            assert 0 <= result.error <= (_range(user.utility) + single) / 2 <= 1
            stakes = [instance.stakes[j][i].weight for j in t]
            if result.transfer_factor is None:
                assert any(w > 0 and s == 0 for w, s in zip(result.weights, stakes))
            else:
                assert all(s > 0 for w, s in zip(result.weights, stakes) if w > 0)
                assert result.transfer_factor == sum(w / s for w, s in zip(result.weights, stakes) if w > 0)
            # The best C1 weights lie on the providers with a stake (SPEC §8) and do at least as
            # well as the least-error weights whenever those have a finite factor.
            best = best_bound_weights(instance, i, t, delta)
            assert best.certified
            assert best.support == tuple(j for j in t if instance.stakes[j][i].weight > 0)
            if not best.support:
                assert best.bound_term is None and best.weights is None
                continue
            assert best.bound_term is not None and best.weights is not None and best.error is not None
            assert all(w == 0 for w, j in zip(best.weights, t) if j not in best.support)
            assert best.offset is not None
            assert fit_error(instance, i, t, best.weights, best.offset) == best.error
            assert best.transfer_factor == sum(
                (w / instance.stakes[j][i].weight for w, j in zip(best.weights, t) if w > 0), F(0)
            )
            assert best.bound_term == 2 * best.error + delta * best.transfer_factor
            # Restricting the support cannot fit better than all of T.
            assert best.error >= result.error
            if result.bound_term is not None:
                assert best.bound_term <= result.bound_term
            if delta == 0 and result.transfer_factor is not None:
                assert best.bound_term == 2 * result.error
        # More providers fit at least as well.
        for small in subsets:
            for large in subsets:
                if set(small) <= set(large):
                    assert errors[large] <= errors[small]


@given(alignment_instances, deltas)
def test_strong_alignment_properties(instance: Instance, delta: Fraction) -> None:
    for t in provider_subsets(instance):
        result = strong_alignment(instance, t, delta)
        assert result.certified
        if result.holds:
            assert result.margin is not None and result.margin > 0
            assert result.weights is not None and result.factors is not None and result.offsets is not None
            assert all(w >= 0 for w in result.weights) and sum(result.weights) == 1
            assert all(mu >= result.margin for mu in result.factors)
            assert strong_errors(instance, t, result.weights, result.factors, result.offsets) == (0,) * len(
                instance.users
            )
        for i, bound in enumerate(result.bounds):
            assert bound.certified and bound.bound_term >= 0
            if result.holds:
                # The zero-error witness is feasible for the bound: its term is δ/μ_i.
                assert result.factors is not None
                assert bound.bound_term <= delta / result.factors[i]
            if bound.attained:
                assert bound.weights is not None and bound.factors is not None and bound.errors is not None
                assert bound.offsets is not None
                assert all(w >= 0 for w in bound.weights) and sum(bound.weights) == 1
                assert bound.factors[i] > 0 and all(mu >= 0 for mu in bound.factors)
                assert bound.errors == strong_errors(instance, t, bound.weights, bound.factors, bound.offsets)
                assert (delta + 2 * sum(bound.errors)) / bound.factors[i] == bound.bound_term

"""The strategies of tests/strategies.py: valid by construction, within bounds, and varied."""

from __future__ import annotations

from fractions import Fraction
from typing import Any

import pytest
from hypothesis import HealthCheck, Phase, find, given, settings
from hypothesis import strategies as st

from proofs.strategies import search_instances
from solver.conversation.garblings import common_garbling, count_shared_rules
from solver.conversation.protocol import ConversationTree
from solver.core.model import Instance
from solver.core.serialization import PROTOCOL_NAMES, instance_from_dict
from solver.responses.information import provider_subsets
from tests import strategies as S

# Generation only: an example is enough, shrinking it would only cost time.
FIND = settings(
    max_examples=2000, database=None, phases=[Phase.generate], suppress_health_check=list(HealthCheck)
)


def turns_of(document: dict[str, Any]) -> tuple[str, ...]:
    turns = document["protocol"]["turns"]
    return PROTOCOL_NAMES[turns] if isinstance(turns, str) else tuple(turns)


def numbers_of(document: dict[str, Any]) -> list[Any]:
    """Every number of a document: probabilities, kernels, utilities and weights, as spelled."""
    found: list[Any] = [w["prob"] for w in document["worlds"].values()]

    def table(rows: dict[str, dict[str, Any]]) -> None:
        found.extend(v for row in rows.values() for v in row.values())

    for user in document["users"].values():
        table(user["utility"])
        if "feature_kernel" in user:
            table(user["feature_kernel"])
    for row in document["stakes"].values():
        for stake in row.values():
            found.append(stake["weight"])
            table(stake["utility"])
    return found


def user_strategy_count(instance: Instance, user: int) -> int:
    """Deterministic (μ, d) of one feature: |M_U|^(user nodes) · |A|^(leaves)."""
    tree = ConversationTree(instance.protocol)
    return len(instance.protocol.user_messages) ** len(tree.user_nodes) * len(
        instance.users[user].actions
    ) ** len(tree.leaves)


@given(S.instance_documents())
def test_every_document_is_valid_and_within_bounds(document: dict[str, Any]) -> None:
    instance = instance_from_dict(document)
    assert 1 <= len(instance.states) <= S.MAX_STATES
    assert 1 <= len(instance.providers) <= S.MAX_PROVIDERS
    assert all(1 <= len(p.signals) <= S.MAX_SIGNALS for p in instance.providers)
    assert 1 <= len(instance.users) <= S.MAX_USERS
    assert all(S.MIN_ACTIONS <= len(u.actions) <= S.MAX_ACTIONS for u in instance.users)
    assert all(len(u.features) in (1, S.FEATURE_COUNT) for u in instance.users)
    assert 1 <= len(instance.worlds) <= S.MAX_WORLDS
    assert sum(w.prob for w in instance.worlds) == 1
    assert all(w.prob > 0 for w in instance.worlds)
    turns = instance.protocol.turns
    assert turns in {s.turns for s in S.DEFAULT_SHAPES}
    assert 1 <= len(instance.protocol.provider_messages) <= 3
    assert len(instance.protocol.user_messages) <= 3
    assert ("U" in turns) == bool(instance.protocol.user_messages)


@given(S.instances())
def test_numbers_have_small_denominators(instance: Instance) -> None:
    for u in instance.users:
        assert all(v.denominator in S.DENOMINATORS for row in u.utility for v in row)
    for row in instance.stakes:
        for stake in row:
            assert stake.weight.denominator in S.DENOMINATORS
            assert all(v.denominator in S.DENOMINATORS for r in stake.utility for v in r)


@given(S.instance_documents())
def test_every_number_is_an_exact_spelling(document: dict[str, Any]) -> None:
    for value in numbers_of(document):
        assert not isinstance(value, (bool, float))
        if isinstance(value, str):
            Fraction(value)


@given(
    S.instance_documents(
        max_states=1, max_providers=1, max_signals=2, max_users=1, max_actions=2, max_worlds=2, features=False
    )
)
def test_bounds_are_respected(document: dict[str, Any]) -> None:
    instance = instance_from_dict(document)
    assert len(instance.states) == 1
    assert len(instance.providers) == 1
    assert len(instance.providers[0].signals) <= 2
    assert len(instance.users) == 1
    assert len(instance.users[0].actions) == 2
    assert len(instance.worlds) <= 2
    assert instance.users[0].feature_kernel is None


@given(S.small_instances())
def test_small_instances_are_enumerable(instance: Instance) -> None:
    assert instance.protocol.turns in {s.turns for s in S.SMALL_SHAPES}
    for user in range(len(instance.users)):
        assert user_strategy_count(instance, user) <= 2**3 * 3**4
    for providers in provider_subsets(instance):
        assert count_shared_rules(instance, common_garbling(instance, providers)) <= 2**12


@pytest.mark.parametrize(
    "turns", [("P",), ("U", "P"), ("P", "P"), ("U", "P", "U")], ids=["P", "UP", "PP", "UPU"]
)
def test_every_protocol_kind_is_generated(turns: tuple[str, ...]) -> None:
    find(S.instance_documents(), lambda d: turns_of(d) == turns, settings=FIND)


@pytest.mark.parametrize("spelled", ["signal", "report-signal"])
def test_named_protocols_are_generated(spelled: str) -> None:
    find(S.instance_documents(), lambda d: d["protocol"]["turns"] == spelled, settings=FIND)


@pytest.mark.parametrize("with_features", [False, True], ids=["no-features", "features"])
def test_both_feature_cases_are_generated(with_features: bool) -> None:
    find(
        S.instances(),
        lambda i: any((u.feature_kernel is not None) == with_features for u in i.users),
        settings=FIND,
    )


def test_users_with_informative_features_are_generated() -> None:
    # A kernel that is not constant across worlds makes the feature carry information.
    find(
        S.instances(),
        lambda i: any(u.feature_kernel and len(set(u.feature_kernel)) > 1 for u in i.users),
        settings=FIND,
    )


def test_non_canonical_spellings_are_generated() -> None:
    find(
        S.instance_documents(),
        lambda d: (
            any(isinstance(v, str) and "." in v for v in numbers_of(d))
            and any(isinstance(v, str) and Fraction(v).denominator == 1 for v in numbers_of(d))
        ),
        settings=FIND,
    )


def test_tricky_labels_are_generated() -> None:
    find(S.instance_documents(), lambda d: any(s in S.TRICKY_LABELS for s in d["states"]), settings=FIND)


@pytest.mark.parametrize(
    ("size", "bound"),
    [
        (lambda i: len(i.states), S.MAX_STATES),
        (lambda i: len(i.providers), S.MAX_PROVIDERS),
        (lambda i: max(len(p.signals) for p in i.providers), S.MAX_SIGNALS),
        (lambda i: len(i.users), S.MAX_USERS),
        (lambda i: max(len(u.actions) for u in i.users), S.MAX_ACTIONS),
        (lambda i: len(i.worlds), S.MAX_WORLDS),
        (lambda i: len(i.protocol.provider_messages), 3),
        (lambda i: len(i.protocol.user_messages), 3),
    ],
    ids=[
        "states",
        "providers",
        "signals",
        "users",
        "actions",
        "worlds",
        "provider-messages",
        "user-messages",
    ],
)
def test_largest_sizes_are_generated(size: Any, bound: int) -> None:
    find(S.instances(), lambda i: size(i) == bound, settings=FIND)


@given(S.instances(informative=True, min_states=2, min_signals=2, min_worlds=2, min_providers=2))
def test_informative_instances(instance: Instance) -> None:
    assert len(instance.states) >= 2 and len(instance.worlds) >= 2 and len(instance.providers) >= 2
    assert all(len(p.signals) >= 2 for p in instance.providers)
    signals = instance.providers[0].signals
    for k, world in enumerate(instance.worlds):
        assert world.state == instance.states[k % len(instance.states)]
        assert world.signals[0] == signals[k % len(signals)]


@given(S.instances(public=True, min_providers=2, min_signals=2))
def test_public_signals_separate_groups(instance: Instance) -> None:
    # Some G ≥ 1 splits the worlds by k mod G and every provider's signal index agrees with it.
    n = len(instance.worlds)
    fits = [
        g
        for g in range(1, min(len(p.signals) for p in instance.providers) + 1)
        if all(
            p.signals.index(instance.worlds[k].signals[j]) % g == k % g
            for j, p in enumerate(instance.providers)
            for k in range(n)
        )
    ]
    assert fits
    cells = common_garbling(instance, range(len(instance.providers))).cells
    assert len(cells) >= min(max(fits), n)


def test_public_signals_give_several_shared_cells() -> None:
    find(
        S.instances(public=True, min_providers=2, min_signals=2),
        lambda i: len(common_garbling(i, range(len(i.providers))).cells) >= 2,
        settings=FIND,
    )


@given(S.rule_cases())
def test_rule_cases_have_the_shape_of_their_provider(case: S.RuleCase) -> None:
    tree = ConversationTree(case.instance.protocol)
    assert 0 <= case.user < len(case.instance.users)
    assert len(case.rule.table) == len(case.instance.providers[case.provider].signals)
    assert all(len(row) == len(tree.provider_nodes) for row in case.rule.table)
    size = len(case.instance.protocol.provider_messages)
    for row in case.rule.table:
        for distribution in row:
            assert len(distribution) == size
            assert sum(distribution) == 1
            assert all(p >= 0 and p.denominator <= S.MAX_GRID for p in distribution)


@given(S.shared_cases())
def test_shared_cases_read_cells(case: S.SharedCase) -> None:
    assert len(case.rule.table) == len(case.garbling.cells)
    for j in case.garbling.providers:
        lifted = case.garbling.lift(case.instance, j, case.rule)
        assert case.garbling.is_shared(case.instance, j, lifted)


@pytest.mark.parametrize("deterministic", [True, False], ids=["deterministic", "mixed"])
def test_both_rule_kinds_are_generated(deterministic: bool) -> None:
    find(S.rule_cases(), lambda c: c.rule.is_deterministic == deterministic, settings=FIND)


def test_coarse_and_fine_garblings_are_generated() -> None:
    find(S.shared_cases(), lambda c: 1 < len(c.garbling.cells) < len(c.instance.worlds), settings=FIND)


@given(st.data())
def test_compositions_sum_to_their_total(data: st.DataObject) -> None:
    total = data.draw(st.integers(0, 6))
    parts = data.draw(st.integers(1, 4))
    drawn = data.draw(S.compositions(total, parts))
    assert len(drawn) == parts and sum(drawn) == total and min(drawn) >= 0


# -- the edges of the model are reached ------------------------------------------------------------------


def _zero_stake(i: Instance) -> bool:
    return any(stake.weight == 0 for row in i.stakes for stake in row)


def _unused_signal(i: Instance) -> bool:
    return any(
        any(all(w.signals[j] != s for w in i.worlds) for s in p.signals) for j, p in enumerate(i.providers)
    )


def _tied_actions(i: Instance) -> bool:
    return any(len(set(u.utility)) < len(u.utility) for u in i.users)


def _twin_providers(i: Instance) -> bool:
    m = len(i.providers)
    return any(
        i.providers[j].signals == i.providers[k].signals
        and all(w.signals[j] == w.signals[k] for w in i.worlds)
        for j in range(m)
        for k in range(j + 1, m)
    )


EDGES = {
    "zero-stake": _zero_stake,
    "unused-signal": _unused_signal,
    "tied-actions": _tied_actions,
    "twin-providers": _twin_providers,
    "one-state": lambda i: len(i.states) == 1,
    "one-message": lambda i: len(i.protocol.provider_messages) == 1,
}


@pytest.mark.parametrize("edge", list(EDGES))
def test_the_test_strategies_reach_every_edge(edge: str) -> None:
    find(S.instances(), EDGES[edge], settings=FIND)


@pytest.mark.parametrize("edge", list(EDGES))
def test_the_search_strategies_reach_every_edge(edge: str) -> None:
    find(search_instances(report=True), EDGES[edge], settings=FIND)


def test_the_search_strategies_reach_a_stakeless_provider_in_an_informative_market() -> None:
    # The C2 and C3 targets' shapes (informative, two providers) reach λ = 0 too.
    find(
        search_instances(min_providers=2, min_states=2, min_signals=2, informative=True),
        _zero_stake,
        settings=FIND,
    )


@given(search_instances(report=True, mirrored=True, min_providers=2))
def test_search_instances_stay_within_their_bounds(instance: Instance) -> None:
    # The edges keep the search's sizes: twins and unused signals change no count.
    assert 1 <= len(instance.states) <= 3 and 2 <= len(instance.providers) <= 2
    assert all(1 <= len(p.signals) <= 3 for p in instance.providers)
    assert 1 <= len(instance.users) <= 2 and all(2 <= len(u.actions) <= 3 for u in instance.users)
    assert sum(w.prob for w in instance.worlds) == 1 and all(w.prob > 0 for w in instance.worlds)
    assert all(stake.weight >= 0 for row in instance.stakes for stake in row)


@given(search_instances(report=True, min_providers=2, edges=False))
def test_search_instances_without_edges_have_positive_stakes(instance: Instance) -> None:
    # C7's record search keeps every stake: none of the edges is drawn.
    assert all(stake.weight > 0 for row in instance.stakes for stake in row)

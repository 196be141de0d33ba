"""Properties of best responses, benchmarks and strategy classes (SPEC.md §2–§6).

Each test states one mathematical fact. The brute-force engine below is written directly from
the formula of SPEC.md §3, independently of the backward induction of :mod:`solver.responses.response`:
it enumerates every deterministic user strategy ``(μ, d)`` and sums ``π_i(x, ω) L_σ(ω, h)`` over
consistent transcripts.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from fractions import Fraction
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from solver.conversation.classes import Deterministic, Grid, Shared, StrategyClass
from solver.conversation.garblings import common_garbling, count_shared_rules, shared_rules
from solver.conversation.protocol import ConversationTree
from solver.conversation.rules import Rule
from solver.core.errors import ClassTooLargeError, Limit
from solver.core.model import Instance, Table
from solver.core.serialization import instance_from_dict, instance_to_dict, load
from solver.equilibria.games import Game, Mode, respond_to_rule, respond_to_rules
from solver.responses import response as response_module
from solver.responses.information import (
    all_benchmarks,
    benchmark,
    optimum,
    provider_subsets,
    revealing_rule,
    revelation_value,
    solve_benchmark,
)
from solver.responses.response import (
    Response,
    RuleRows,
    TiePolicy,
    Walk,
    expected,
    find_optimal_laws,
    find_tie_set,
    respond_to_profile,
    rule_rows,
    solve_response,
    solve_user_response,
    user_value,
)
from tests import strategies as S

ZERO = Fraction(0)

History = tuple[int, ...]
Law = tuple[Fraction, ...]
"""A law flattened ``[a * |Y| + y]``, so that laws can be added and collected in sets."""

SHARED_ENUMERATION_LIMIT = 600
"""Enumerate the deterministic T-shared rules only up to this many (a few milliseconds each)."""

CLASS_ENUMERATION_LIMIT = 600

OPT_SHAPES = (
    S.Shape(("P",), 0, 3),
    S.Shape(("U", "P"), 2, 2),
    S.Shape(("P",), 0, 2, min_provider_messages=2),
)
"""Trees where every deterministic rule of every provider can be enumerated quickly."""

BENCHMARK_INSTANCES = st.one_of(
    S.small_instances(),
    S.small_instances(
        shapes=(
            S.Shape(("P",), 0, 2, min_provider_messages=2),
            S.Shape(("U", "P"), 2, 2, min_provider_messages=2),
        ),
        informative=True,
        min_signals=3,
        min_worlds=3,
    ),
    S.small_instances(public=True, min_providers=2, min_signals=2),
)
"""Small instances; one in three with more cells than one provider turn can spell out, where the
benchmark is found by enumerating shared rules, and one in three with partly shared signals."""

GARBLING_INSTANCES = st.one_of(
    S.small_instances(), S.small_instances(public=True, min_providers=2, min_signals=2)
)
"""Small instances, half of them with signals that several providers share in part."""

DECISIVE_CASES = S.rule_cases(
    S.small_instances(
        shapes=(
            S.Shape(("U", "P"), 2, 2, min_provider_messages=2, min_user_messages=2),
            S.Shape(("U", "P", "U"), 2, 1, min_user_messages=2),
            S.Shape(("P", "P"), 0, 2, min_provider_messages=2),
        ),
        informative=True,
        min_states=2,
        min_signals=2,
        min_worlds=2,
    ),
    first_provider=True,
)
"""An informative provider running the rule, states spread over the worlds and, mostly, a user
who speaks first: cases where her messages often matter."""

SMALL_CASES = st.one_of(S.rule_cases(S.small_instances()), DECISIVE_CASES, DECISIVE_CASES)
"""Cases small enough for the brute-force engine, two in three of them decisive."""

CLASS_SHAPES = (S.Shape(("P",), 0, 3), S.Shape(("U", "P"), 2, 2), S.Shape(("P", "P"), 0, 2))


# -- an independent engine: SPEC.md §3 by enumeration ----------------------------------------------------


def transcripts(instance: Instance, length: int) -> list[History]:
    """Every sequence of messages for the first ``length`` turns, in lexicographic order."""
    protocol = instance.protocol
    return list(itertools.product(*(range(len(protocol.alphabet(t))) for t in range(length))))


def nodes_of(instance: Instance, turn: str) -> list[History]:
    """The histories after which ``turn`` ('U' or 'P') speaks, by length then lexicographically."""
    return [
        h for t, kind in enumerate(instance.protocol.turns) if kind == turn for h in transcripts(instance, t)
    ]


def world_signal(instance: Instance, provider: int, world: int) -> int:
    """The index of ``x^P_c(ω)`` among provider c's signals."""
    return instance.providers[provider].signals.index(instance.worlds[world].signals[provider])


def prior(instance: Instance, user: int, feature: int, world: int) -> Fraction:
    """``π_i(x, ω) = π(ω) κ_i(x | ω)`` (SPEC.md §1)."""
    kernel = instance.users[user].feature_kernel
    weight = Fraction(1) if kernel is None else kernel[world][feature]
    return instance.worlds[world].prob * weight


def likelihood(instance: Instance, provider: int, rule: Rule, world: int, history: History) -> Fraction:
    """``L_σ(ω, h) = Π_{t: τ_t = P} σ(h_t | x^P_c(ω), h_{<t})`` (SPEC.md §3)."""
    position = {h: n for n, h in enumerate(nodes_of(instance, "P"))}
    row = rule.table[world_signal(instance, provider, world)]
    result = Fraction(1)
    for t, kind in enumerate(instance.protocol.turns):
        if kind == "P":
            result *= row[position[history[:t]]][history[t]]
    return result


def leaf_masses(
    instance: Instance, user: int, provider: int, rule: Rule, feature: int
) -> dict[History, list[Fraction]]:
    """For every complete transcript h: ``Σ_{ω: y(ω)=y} π_i(x, ω) L_σ(ω, h)`` by state y (SPEC.md §3).

    Whether h is consistent with the user's messages is decided by the strategy, in
    :func:`feature_law`.
    """
    masses: dict[History, list[Fraction]] = {}
    for h in transcripts(instance, len(instance.protocol.turns)):
        totals = [ZERO] * len(instance.states)
        for w, world in enumerate(instance.worlds):
            mass = prior(instance, user, feature, w) * likelihood(instance, provider, rule, w, h)
            totals[instance.states.index(world.state)] += mass
        masses[h] = totals
    return masses


def feature_law(
    instance: Instance,
    user: int,
    masses: dict[History, list[Fraction]],
    messages: dict[History, int],
    actions: dict[History, int],
) -> Law:
    """``I(a, y)`` restricted to one feature x, for the strategy ``(μ(x, ·), d(x, ·))`` (SPEC.md §3)."""
    turns = instance.protocol.turns
    n_states = len(instance.states)
    law = [ZERO] * (len(instance.users[user].actions) * n_states)
    for h, totals in masses.items():
        if all(h[t] == messages[h[:t]] for t, kind in enumerate(turns) if kind == "U"):
            a = actions[h]
            for y, p in enumerate(totals):
                law[a * n_states + y] += p
    return tuple(law)


def feature_strategies(
    instance: Instance, user: int
) -> Iterator[tuple[dict[History, int], dict[History, int]]]:
    """Every deterministic ``(μ(x, ·), d(x, ·))`` of one feature x.

    A message at every user node and an action at every leaf, reachable or not.
    """
    user_nodes = nodes_of(instance, "U")
    leaves = transcripts(instance, len(instance.protocol.turns))
    n_messages = len(instance.protocol.user_messages)
    n_actions = len(instance.users[user].actions)
    for chosen in itertools.product(range(n_messages), repeat=len(user_nodes)):
        messages = dict(zip(user_nodes, chosen))
        for acted in itertools.product(range(n_actions), repeat=len(leaves)):
            yield messages, dict(zip(leaves, acted))


def add(left: Law, right: Law) -> Law:
    return tuple(p + q for p, q in zip(left, right))


def utility_of(instance: Instance, law: Law, utility: Table) -> Fraction:
    """``E_I[U] = Σ_{a,y} I(a, y) U(a, y)`` on a flattened law."""
    n_states = len(instance.states)
    return sum((p * utility[k // n_states][k % n_states] for k, p in enumerate(law)), ZERO)


def table_of(instance: Instance, user: int, law: Law) -> Table:
    n_states = len(instance.states)
    n_actions = len(instance.users[user].actions)
    return tuple(tuple(law[a * n_states : (a + 1) * n_states]) for a in range(n_actions))


def scored_strategies(
    instance: Instance, user: int, provider: int, rule: Rule, feature: int
) -> list[tuple[Fraction, Law, dict[History, int], dict[History, int]]]:
    """Every deterministic strategy of one feature with its utility and its law."""
    utility = instance.users[user].utility
    masses = leaf_masses(instance, user, provider, rule, feature)
    result = []
    for messages, actions in feature_strategies(instance, user):
        law = feature_law(instance, user, masses, messages, actions)
        result.append((utility_of(instance, law, utility), law, messages, actions))
    return result


def brute_force(
    instance: Instance, user: int, provider: int, rule: Rule
) -> tuple[Fraction, frozenset[Table]]:
    """``max_{μ, d} E_I[u_i]`` and the set of laws of the maximisers, by enumeration.

    A strategy is a function of the feature x and ``E_I[u_i]`` is a sum over x, so the maximum over
    strategies is the sum over x of per-feature maxima, and the laws of the maximisers are the sums
    of per-feature optimal laws.
    """
    value = ZERO
    laws: set[Law] = {(ZERO,) * (len(instance.users[user].actions) * len(instance.states))}
    for x in range(len(instance.users[user].features)):
        scored = scored_strategies(instance, user, provider, rule, x)
        best = max(s[0] for s in scored)
        value += best
        laws = {add(left, s[1]) for left in laws for s in scored if s[0] == best}
    return value, frozenset(table_of(instance, user, law) for law in laws)


def law_of_strategy(instance: Instance, user: int, provider: int, rule: Rule, response: Response) -> Table:
    """The law of SPEC.md §3 for the strategy a response selected, recomputed by enumeration."""
    total: Law = (ZERO,) * (len(instance.users[user].actions) * len(instance.states))
    for x in range(len(instance.users[user].features)):
        masses = leaf_masses(instance, user, provider, rule, x)
        messages = {h: m for (f, h), m in response.strategy.messages if f == x}
        actions = {h: a for (f, h), a in response.strategy.actions if f == x}
        total = add(total, feature_law(instance, user, masses, messages, actions))
    return table_of(instance, user, total)


def mass(law: Table) -> Fraction:
    return sum((p for row in law for p in row), ZERO)


# -- best responses (SPEC.md §3–4) -------------------------------------------------------------------------


@given(SMALL_CASES)
def test_value_is_the_maximum_over_all_user_strategies(case: S.RuleCase) -> None:
    # V_i(σ) = max_{μ,d} E_{I_i}[u_i] (SPEC.md §4): backward induction and enumeration agree, so V_i
    # is at least the value of every deterministic strategy and is attained by one of them.
    value, laws = brute_force(case.instance, case.user, case.provider, case.rule)
    assert user_value(case.instance, case.user, case.provider, case.rule) == value
    # The laws of the optimal strategies are exactly the laws over the tie set (SPEC.md §4, "any").
    assert find_optimal_laws(case.instance, case.user, case.provider, case.rule) == laws


@given(SMALL_CASES, st.sampled_from(list(TiePolicy)))
def test_selected_strategy_induces_the_reported_law(case: S.RuleCase, policy: TiePolicy) -> None:
    # A response's strategy is one (μ, d); SPEC.md §3's formula applied to it gives the reported
    # law, whose expected utility is V_i(σ).
    response = solve_response(case.instance, case.user, case.provider, case.rule, policy)
    assert law_of_strategy(case.instance, case.user, case.provider, case.rule, response) == response.law
    assert expected(response.law, case.instance.users[case.user].utility) == response.value


@given(SMALL_CASES)
def test_tie_set_holds_exactly_the_optimal_strategies(case: S.RuleCase) -> None:
    # Masses are unnormalised: a choice at a node of mass 0 changes nothing and a worse choice at a
    # node of positive mass loses value, so a strategy is optimal iff its choices at the nodes its
    # own messages lead to are all in the tie set (SPEC.md §4).
    instance, user = case.instance, case.user
    turns = instance.protocol.turns
    ties = find_tie_set(instance, user, case.provider, case.rule)
    tie_messages, tie_actions = dict(ties.messages), dict(ties.actions)

    def reached(h: History, messages: dict[History, int]) -> bool:
        return all(h[t] == messages[h[:t]] for t in range(len(h)) if turns[t] == "U")

    for x in range(len(instance.users[user].features)):
        scored = scored_strategies(instance, user, case.provider, case.rule, x)
        best = max(s[0] for s in scored)
        for value, _, messages, actions in scored:
            in_ties = all(
                m in tie_messages[(x, h)] for h, m in messages.items() if reached(h, messages)
            ) and all(a in tie_actions[(x, h)] for h, a in actions.items() if reached(h, messages))
            assert in_ties == (value == best)


@given(SMALL_CASES)
def test_canonical_choices_are_the_first_optimal_ones(case: S.RuleCase) -> None:
    # Canonical ties take the first maximising message and action in file order (SPEC.md §4).
    instance, user = case.instance, case.user
    ties = find_tie_set(instance, user, case.provider, case.rule)
    strategy = solve_response(instance, user, case.provider, case.rule).strategy
    assert [(node, options[0]) for node, options in ties.messages] == list(strategy.messages)
    assert [(node, options[0]) for node, options in ties.actions] == list(strategy.actions)


# -- the one kernel against every pure strategy (SPEC.md §3–4) --------------------------------------------

JOINT_STRATEGY_LIMIT = 1024
"""Most pure strategies (over all features at once) that the cases below give a user."""

JOINT_CASES = st.one_of(
    # [P]: up to 3 leaves and 3 actions per feature, 3^(3·2) = 729 strategies with two features.
    S.rule_cases(S.small_instances(shapes=(S.Shape(("P",), 0, 3),))),
    # [U, P] and [P, P] with two actions: 2^(1+4) and 2^4 per feature, at most 2^10 with two.
    S.rule_cases(
        S.small_instances(
            shapes=(S.Shape(("U", "P"), 2, 2, min_user_messages=2), S.Shape(("P", "P"), 0, 2)), max_actions=2
        )
    ),
    S.rule_cases(
        S.small_instances(
            shapes=(S.Shape(("U", "P"), 2, 2, min_provider_messages=2, min_user_messages=2),),
            max_actions=2,
            informative=True,
            min_states=2,
            min_signals=2,
            min_worlds=2,
        ),
        first_provider=True,
    ),
    # [U, P, U] with one feature: 2^3 message maps times 2^4 action maps.
    S.rule_cases(
        S.small_instances(
            shapes=(S.Shape(("U", "P", "U"), 2, 1, min_user_messages=2),),
            max_actions=2,
            features=False,
            informative=True,
            min_states=2,
        ),
        first_provider=True,
    ),
)
"""Small cases where a user's pure strategies can all be listed; in two kinds of four she speaks
first to an informative provider, so that her messages matter."""

Node = tuple[int, History]
"""A decision node of the user: (feature, history)."""


def decision_nodes(instance: Instance, user: int) -> tuple[list[Node], list[Node]]:
    """Her (feature, user node) pairs, where she speaks, and her (feature, leaf) pairs, where she acts."""
    features = range(len(instance.users[user].features))
    leaves = transcripts(instance, len(instance.protocol.turns))
    return [(x, h) for x in features for h in nodes_of(instance, "U")], [
        (x, h) for x in features for h in leaves
    ]


def pure_strategies(instance: Instance, user: int) -> Iterator[dict[Node, int]]:
    """Every pure strategy ``(μ, d)``: a message at each of her speaking nodes, an action at each leaf."""
    speaking, acting = decision_nodes(instance, user)
    options = [range(len(instance.protocol.user_messages))] * len(speaking)
    options += [range(len(instance.users[user].actions))] * len(acting)
    for choice in itertools.product(*options):
        yield dict(zip(speaking + acting, choice))


def consistent(instance: Instance, strategy: dict[Node, int], x: int, h: History, start: int = 0) -> bool:
    """Whether ``h`` follows her messages ``μ(x, ·)`` at her turns from turn ``start`` on."""
    turns = instance.protocol.turns
    return all(h[t] == strategy[(x, h[:t])] for t in range(start, len(h)) if turns[t] == "U")


def induced_law(
    instance: Instance, user: int, masses: list[dict[History, list[Fraction]]], strategy: dict[Node, int]
) -> Law:
    """``I_i(a, y)`` of SPEC.md §3 for a pure strategy, over every feature at once."""
    n_states = len(instance.states)
    law = [ZERO] * (len(instance.users[user].actions) * n_states)
    for x, by_leaf in enumerate(masses):
        for h, totals in by_leaf.items():
            if consistent(instance, strategy, x, h):
                for y, p in enumerate(totals):
                    law[strategy[(x, h)] * n_states + y] += p
    return tuple(law)


def subgame_value(
    instance: Instance,
    user: int,
    by_leaf: dict[History, list[Fraction]],
    strategy: dict[Node, int],
    node: Node,
) -> Fraction:
    """Her unnormalised utility from a node on: over the leaves below it that her messages lead to."""
    x, start = node
    utility = instance.users[user].utility
    return sum(
        (
            p * utility[strategy[(x, h)]][y]
            for h, totals in by_leaf.items()
            if h[: len(start)] == start and consistent(instance, strategy, x, h, len(start))
            for y, p in enumerate(totals)
        ),
        ZERO,
    )


def brute_force_ties(
    instance: Instance,
    user: int,
    masses: list[dict[History, list[Fraction]]],
    strategies: list[dict[Node, int]],
) -> dict[Node, tuple[int, ...]]:
    """At every decision node, the choices made there by strategies optimal from that node on.

    A choice is in the tie set when some strategy that maximises her utility in the subgame at the
    node makes it (SPEC.md §4), whether or not her own earlier messages reach the node.
    """
    speaking, acting = decision_nodes(instance, user)
    ties = {}
    for node in speaking + acting:
        values = [subgame_value(instance, user, masses[node[0]], s, node) for s in strategies]
        best = max(values)
        ties[node] = tuple(sorted({s[node] for s, v in zip(strategies, values) if v == best}))
    return ties


@given(JOINT_CASES)
def test_kernel_agrees_with_every_pure_strategy(case: S.RuleCase) -> None:
    # V_i = max over all pure (μ, d) of E_I[u_i]; the optimal laws are the laws of the maximisers;
    # the tie set holds the subgame-optimal choices at every node and the canonical strategy takes
    # the first of them (SPEC.md §3–4). The brute force computes each from its definition.
    instance, user, provider, rule = case.instance, case.user, case.provider, case.rule
    features = range(len(instance.users[user].features))
    masses = [leaf_masses(instance, user, provider, rule, x) for x in features]
    strategies = list(pure_strategies(instance, user))
    assert len(strategies) <= JOINT_STRATEGY_LIMIT
    utility = instance.users[user].utility
    scored = [
        (utility_of(instance, law, utility), law)
        for law in (induced_law(instance, user, masses, s) for s in strategies)
    ]
    value = max(v for v, _ in scored)
    laws = frozenset(table_of(instance, user, law) for v, law in scored if v == value)
    ties = brute_force_ties(instance, user, masses, strategies)
    canonical = {node: options[0] for node, options in ties.items()}
    canonical_law = table_of(instance, user, induced_law(instance, user, masses, canonical))

    solved = solve_user_response(instance, user, provider, rule, all_laws=True)
    assert solved.value == value
    assert solved.laws == laws
    assert dict(solved.ties.messages) | dict(solved.ties.actions) == ties
    assert dict(solved.strategy.messages) | dict(solved.strategy.actions) == canonical
    assert solved.law == canonical_law
    assert canonical_law in laws

    # Every public face of the kernel reads the same walk.
    assert user_value(instance, user, provider, rule) == value
    assert find_optimal_laws(instance, user, provider, rule) == laws
    assert find_tie_set(instance, user, provider, rule) == solved.ties
    assert solve_response(instance, user, provider, rule) == solved.response
    answer = respond_to_rule(instance, user, provider, rule)
    assert answer.value == value
    assert answer.laws[0] == canonical_law
    assert frozenset(answer.laws) == laws and len(answer.laws) == len(laws)
    if len(laws) >= 2:
        # Fewer laws allowed than there are: refused, naming the law limit.
        with pytest.raises(ClassTooLargeError) as refused:
            respond_to_rule(instance, user, provider, rule, law_limit=len(laws) - 1)
        assert refused.value.kind is Limit.LAW
        assert refused.value.count >= len(laws)


def test_respond_to_rule_walks_the_tree_once(monkeypatch: pytest.MonkeyPatch) -> None:
    # The response table asks the kernel once per (user, rule): value, canonical law and every
    # optimal law come out of one backward induction.
    instance = load("instances/two_providers_two_users.yaml")
    # Each walk is recorded by the user it solves for and the rule it reads.
    calls: list[tuple[str, RuleRows[int]]] = []
    kernel = response_module._walk

    def counted(*args: Any, **kwargs: Any) -> Walk[int]:
        calls.append((args[0].label, args[1]))
        return kernel(*args, **kwargs)

    monkeypatch.setattr(response_module, "_walk", counted)
    matcher, beta = instance.user_index("matcher"), instance.provider_index("beta")
    rules = Deterministic().enumerate(instance, beta)
    # A rule where the matcher's best responses induce several laws, so all of them are needed.
    tied = next(r for r in rules if len(find_optimal_laws(instance, matcher, beta, r)) >= 2)
    first = Deterministic().enumerate(instance, 0)[0]
    with_beta = ("matcher", rule_rows(instance, beta, tied))
    with_first = ("matcher", rule_rows(instance, 0, first))
    # The probe sees walks: the value and the laws asked for apart take two.
    calls.clear()
    solve_response(instance, matcher, beta, tied)
    find_optimal_laws(instance, matcher, beta, tied)
    assert calls == [with_beta, with_beta]

    calls.clear()
    answer = respond_to_rule(instance, matcher, beta, tied)
    assert calls == [with_beta]
    assert len(answer.laws) >= 2

    calls.clear()
    profile = [first, tied]
    respond_to_rules(instance, matcher, profile)
    assert calls == [with_first, with_beta]

    game = Game(instance, Mode.ANONYMOUS, Deterministic())
    classes = game.rules
    calls.clear()
    table = game.table
    assert len(calls) == len(game.users) * sum(len(rules_j) for rules_j in classes)
    assert calls == [
        (instance.users[i].label, rule_rows(instance, j, r))
        for i in game.users
        for j, rules_j in enumerate(classes)
        for r in rules_j
    ]
    assert table.responses[matcher][beta][rules.index(tied)] == answer


@given(st.one_of(S.rule_cases(), SMALL_CASES))
def test_table_entry_on_integers_equals_the_fraction_reference(case: S.RuleCase) -> None:
    # The response table keeps laws and payoffs as integers over the user's common denominators
    # and makes them fractions at the end; the reference computes the same entry in fractions from
    # the definitions: every optimal law (canonical first, the others in increasing order) and
    # provider k's payoff λ_{k,i} E_I[U_{k,i}] from each (SPEC.md §3–4).
    instance, user, provider, rule = case.instance, case.user, case.provider, case.rule
    solved = solve_user_response(instance, user, provider, rule, all_laws=True)
    assert solved.laws is not None
    laws = (solved.law, *sorted(solved.laws - {solved.law}))
    payoffs = tuple(
        tuple(
            instance.stakes[k][user].weight * expected(law, instance.stakes[k][user].utility)
            for k in range(len(instance.providers))
        )
        for law in laws
    )
    answer = respond_to_rule(instance, user, provider, rule)
    assert answer.value == solved.value
    assert answer.laws == laws
    assert answer.payoffs == payoffs
    assert all(isinstance(p, Fraction) for vector in answer.payoffs for p in vector)


@st.composite
def profile_cases(draw: st.DrawFn) -> tuple[Instance, int, list[Rule], int]:
    """A user, one rule per provider, and a deviator."""
    instance = draw(S.small_instances(public=draw(st.booleans()), min_signals=1))
    user = draw(st.integers(0, len(instance.users) - 1))
    rules = [draw(S.provider_rules(instance, j)) for j in range(len(instance.providers))]
    if draw(st.booleans()):
        # The same T-shared rule everywhere makes every provider tie (SPEC.md §6).
        garbling = common_garbling(instance, range(len(instance.providers)))
        shared = draw(S.shared_rules(instance, garbling))
        rules = [garbling.lift(instance, j, shared) for j in range(len(instance.providers))]
    return instance, user, rules, draw(st.integers(0, len(instance.providers) - 1))


@given(profile_cases())
def test_provider_choice_follows_the_tie_policy(case: tuple[Instance, int, list[Rule], int]) -> None:
    # A best response picks a provider of largest V_i; canonical takes the first, favourable the
    # deviator when it is among them, else the best optimal choice for it; adversarial the worst.
    instance, user, rules, deviator = case
    values = [user_value(instance, user, j, rule) for j, rule in enumerate(rules)]
    top = max(values)
    optimal = [j for j, v in enumerate(values) if v == top]
    canonical = respond_to_profile(instance, user, rules)
    assert canonical.provider == optimal[0]
    assert canonical.response == solve_response(instance, user, optimal[0], rules[optimal[0]])
    side = instance.stakes[deviator][user].utility
    reachable = {
        j: [expected(law, side) for law in find_optimal_laws(instance, user, j, rules[j])] for j in optimal
    }
    favourable = respond_to_profile(instance, user, rules, TiePolicy.FAVOURABLE, deviator)
    adversarial = respond_to_profile(instance, user, rules, TiePolicy.ADVERSARIAL, deviator)
    for choice in (favourable, adversarial):
        assert choice.provider in optimal
        assert choice.response.value == top
        assert choice.response.law in find_optimal_laws(
            instance, user, choice.provider, rules[choice.provider]
        )
    if deviator in optimal:
        assert favourable.provider == deviator
        assert expected(favourable.response.law, side) == max(reachable[deviator])
    else:
        assert expected(favourable.response.law, side) == max(max(v) for v in reachable.values())
    assert expected(adversarial.response.law, side) == min(min(v) for v in reachable.values())


@given(S.rule_cases(), st.data())
def test_laws_of_the_tie_policies(case: S.RuleCase, data: st.DataObject) -> None:
    instance, user, provider, rule = case.instance, case.user, case.provider, case.rule
    beneficiary = data.draw(st.integers(0, len(instance.providers) - 1), label="beneficiary")
    u = instance.users[user].utility
    side = instance.stakes[beneficiary][user].utility
    responses = {
        policy: solve_response(instance, user, provider, rule, policy, beneficiary) for policy in TiePolicy
    }
    laws = find_optimal_laws(instance, user, provider, rule)
    value = responses[TiePolicy.CANONICAL].value
    for response in responses.values():
        # Ties change the strategy, never the value; a law is a probability on (a, y) (SPEC.md §3).
        assert response.value == value
        assert mass(response.law) == 1
        assert all(p >= 0 for row in response.law for p in row)
        assert expected(response.law, u) == value
        assert response.law in laws
    for law in laws:
        assert mass(law) == 1
        assert expected(law, u) == value
    stakes = [expected(law, side) for law in laws]
    # Favourable and adversarial ties pick the best and the worst optimal law for the beneficiary.
    assert expected(responses[TiePolicy.FAVOURABLE].law, side) == max(stakes)
    assert expected(responses[TiePolicy.ADVERSARIAL].law, side) == min(stakes)


RELABEL_SHAPES = (
    S.Shape(("P",), 0, 3, min_provider_messages=2),
    S.Shape(("U", "P"), 3, 3, min_provider_messages=2),
    S.Shape(("P", "P"), 0, 3, min_provider_messages=2),
    S.Shape(("P", "P"), 0, 3, min_provider_messages=2),
    S.Shape(("U", "P", "U"), 3, 3, min_provider_messages=2),
)
"""At least two messages to rename; provider nodes after a provider turn (``[P, P]``) are where a
renaming must move rows as well as distributions."""


@given(S.rule_cases(S.instances(shapes=RELABEL_SHAPES)), st.data())
def test_relabelling_provider_messages_keeps_the_response(case: S.RuleCase, data: st.DataObject) -> None:
    # Renaming messages maps transcripts one to one and keeps every L_σ(ω, h) (SPEC.md §3), so the
    # value, the canonical law and the set of optimal laws do not change.
    instance, user, provider, rule = case.instance, case.user, case.provider, case.rule
    tree = ConversationTree(instance.protocol)
    size = len(instance.protocol.provider_messages)
    permutation = data.draw(st.permutations(range(size)), label="permutation")
    renamed = rule.relabel(permutation, tree)
    turns = instance.protocol.turns
    for h in transcripts(instance, len(turns)):
        moved = tuple(permutation[m] if turns[t] == "P" else m for t, m in enumerate(h))
        for w in range(len(instance.worlds)):
            assert likelihood(instance, provider, renamed, w, moved) == likelihood(
                instance, provider, rule, w, h
            )
    before = solve_response(instance, user, provider, rule)
    after = solve_response(instance, user, provider, renamed)
    assert after.value == before.value
    assert after.law == before.law
    assert find_optimal_laws(instance, user, provider, renamed) == find_optimal_laws(
        instance, user, provider, rule
    )
    inverse = [permutation.index(m) for m in range(size)]
    assert renamed.relabel(inverse, tree) == rule


@st.composite
def affine_maps(draw: st.DrawFn) -> tuple[Fraction, Fraction]:
    """``(α, β)`` with ``α > 0`` and ``α u + β ∈ [0, 1]`` for every ``u ∈ [0, 1]``."""
    alpha = Fraction(draw(st.integers(1, 4)), 4)
    beta = Fraction(draw(st.integers(0, 4 - alpha.numerator * 4 // alpha.denominator)), 4)
    return alpha, beta


def with_user_utility(instance: Instance, user: int, alpha: Fraction, beta: Fraction) -> Instance:
    """The instance with ``u_i`` replaced by ``α u_i + β``, rebuilt through the loader."""
    document = instance_to_dict(instance)
    table = document["users"][instance.users[user].label]["utility"]
    for row in table.values():
        for state, value in row.items():
            row[state] = str(alpha * Fraction(value) + beta)
    return instance_from_dict(document)


@given(SMALL_CASES, affine_maps(), st.data())
def test_affine_utility_maps_values_affinely(
    case: S.RuleCase, affine: tuple[Fraction, Fraction], data: st.DataObject
) -> None:
    # Every strategy spreads total mass 1 over (a, y), so E[α u + β] = α E[u] + β, and with α > 0
    # the maximisers, hence the laws, are unchanged (SPEC.md §3–4); the same holds for Bench (§6).
    instance, user, provider, rule = case.instance, case.user, case.provider, case.rule
    alpha, beta = affine
    moved = with_user_utility(instance, user, alpha, beta)
    before = solve_response(instance, user, provider, rule)
    after = solve_response(moved, user, provider, rule)
    assert after.value == alpha * before.value + beta
    assert after.law == before.law
    assert find_optimal_laws(moved, user, provider, rule) == find_optimal_laws(instance, user, provider, rule)
    providers = data.draw(S.provider_sets(instance), label="T")
    assert benchmark(moved, user, providers) == alpha * benchmark(instance, user, providers) + beta


def test_half_plus_a_quarter() -> None:
    # The example of the affine property on the judge of SPEC.md §11: V = 1 when the prosecutor
    # reveals the state; u/2 + 1/4 gives 3/4.
    from solver.core.serialization import load

    instance = load("instances/prosecutor_judge.yaml")
    revealing = Rule.deterministic([[0], [1]], 2)
    assert user_value(instance, 0, 0, revealing) == 1
    moved = with_user_utility(instance, 0, Fraction(1, 2), Fraction(1, 4))
    assert user_value(moved, 0, 0, revealing) == Fraction(3, 4)


# -- shared information and the benchmark (SPEC.md §6) ----------------------------------------------------


@given(GARBLING_INSTANCES, st.data())
def test_common_garbling_is_the_meet(instance: Instance, data: st.DataObject) -> None:
    # Each j in T computes the cell from its signal, and no cell can be split so that this stays
    # true: the cells are the finest partition coarser than every x^P_j, j ∈ T.
    providers = data.draw(S.provider_sets(instance), label="T")
    garbling = common_garbling(instance, providers)
    assert sorted(w for cell in garbling.cells for w in cell) == list(range(len(instance.worlds)))
    for j in providers:
        for w, v in itertools.combinations(range(len(instance.worlds)), 2):
            if instance.worlds[w].signals[j] == instance.worlds[v].signals[j]:
                assert garbling.cell_of_world[w] == garbling.cell_of_world[v]
    for cell in garbling.cells:
        for k in range(1, len(cell)):
            for part in itertools.combinations(cell, k):
                rest = [w for w in cell if w not in part]
                assert any(
                    instance.worlds[w].signals[j] == instance.worlds[v].signals[j]
                    for j in providers
                    for w in part
                    for v in rest
                )


@given(S.shared_cases(BENCHMARK_INSTANCES))
def test_revealing_the_cell_attains_the_benchmark(case: S.SharedCase) -> None:
    instance, user, garbling = case.instance, case.user, case.garbling
    result = solve_benchmark(instance, user, garbling.providers)
    bound = revelation_value(instance, user, garbling)
    # A T-shared rule's messages garble (cell, user's messages), so knowing the cell is worth more.
    assert result.value <= bound
    # The benchmark is attained by its rule, and no T-shared rule, even mixed, beats it (V convex).
    for j in garbling.providers:
        assert user_value(instance, user, j, garbling.lift(instance, j, result.rule)) == result.value
        assert user_value(instance, user, j, garbling.lift(instance, j, case.rule)) <= result.value
    revealing = revealing_rule(instance, garbling)
    size = len(instance.protocol.provider_messages)
    spellable = size ** instance.protocol.turns.count("P") >= len(garbling.cells)
    assert (revealing is not None) == spellable
    if revealing is not None:
        # Distinct cells get distinct message sequences, so the user learns the cell exactly.
        for j in garbling.providers:
            lifted = garbling.lift(instance, j, revealing)
            assert user_value(instance, user, j, lifted) == bound
        assert result.value == bound
    count = count_shared_rules(instance, garbling)
    if count <= SHARED_ENUMERATION_LIMIT:
        runner = garbling.providers[-1]
        best = max(
            user_value(instance, user, runner, garbling.lift(instance, runner, rule))
            for rule in shared_rules(instance, garbling)
        )
        assert sum(1 for _ in shared_rules(instance, garbling)) == count
        assert result.value == best


@given(BENCHMARK_INSTANCES)
def test_benchmark_is_monotone_in_the_set_of_providers(instance: Instance) -> None:
    # For T ⊆ T' every cell of x^P_{T'} is a union of cells of x^P_T, so a T'-shared rule is
    # T-shared and Bench_i(T) ≥ Bench_i(T') (SPEC.md §6).
    subsets = provider_subsets(instance)
    garblings = {t: common_garbling(instance, t) for t in subsets}
    benchmarks = all_benchmarks(instance)
    for small, large in itertools.product(subsets, repeat=2):
        if set(small) <= set(large):
            for cell in garblings[large].cells:
                assert all(set(c) <= set(cell) or not set(c) & set(cell) for c in garblings[small].cells)
            for user in benchmarks:
                assert benchmarks[user][small] >= benchmarks[user][large]


@given(S.shared_cases(S.instances(min_providers=2, min_signals=2, public=True), min_providers=2), st.data())
def test_canonical_response_does_not_depend_on_the_runner(case: S.SharedCase, data: st.DataObject) -> None:
    # A T-shared rule gives every world the row of its cell whichever j in T runs it, so the masses,
    # hence value, strategy and laws, are the same (SPEC.md §4: "never depends on which provider").
    instance, user, garbling = case.instance, case.user, case.garbling
    beneficiary = data.draw(st.integers(0, len(instance.providers) - 1), label="beneficiary")
    first, *others = garbling.providers
    reference = {
        policy: solve_response(
            instance, user, first, garbling.lift(instance, first, case.rule), policy, beneficiary
        )
        for policy in TiePolicy
    }
    laws = find_optimal_laws(instance, user, first, garbling.lift(instance, first, case.rule))
    for j in others:
        lifted = garbling.lift(instance, j, case.rule)
        assert garbling.is_shared(instance, j, lifted)
        for policy in TiePolicy:
            assert solve_response(instance, user, j, lifted, policy, beneficiary) == reference[policy]
        assert find_optimal_laws(instance, user, j, lifted) == laws


@given(S.rule_cases(S.small_instances(shapes=OPT_SHAPES, informative=True)))
def test_optimum_bounds_every_benchmark_and_every_rule(case: S.RuleCase) -> None:
    instance, user = case.instance, case.user
    opt = optimum(instance, user)
    # A T-shared rule of j ∈ T is a rule of j, so OPT_i ≥ Bench_i(T) (SPEC.md §6, §8 C3).
    for providers in provider_subsets(instance):
        assert benchmark(instance, user, providers) <= opt
    # A {j}-shared rule is any rule of j and V_i is convex, so OPT_i = max_j max over deterministic
    # rules of j, and no mixed rule of any provider does better.
    best = max(
        user_value(instance, user, j, rule)
        for j in range(len(instance.providers))
        for rule in Deterministic().enumerate(instance, j)
    )
    assert opt == best
    assert user_value(instance, user, case.provider, case.rule) <= opt


# -- strategy classes (SPEC.md §5) -------------------------------------------------------------------------


def check_count(strategy_class: StrategyClass, instance: Instance, provider: int) -> tuple[Rule, ...] | None:
    """Check count against enumerate and the limit; return the rules when there are few enough."""
    count = strategy_class.count(instance, provider)
    assert count >= 1
    with pytest.raises(ClassTooLargeError) as refused:
        strategy_class.enumerate(instance, provider, limit=count - 1)
    assert refused.value.count == count
    assert f"{count:,}" in str(refused.value)
    if count > CLASS_ENUMERATION_LIMIT:
        return None
    rules = strategy_class.enumerate(instance, provider, limit=count)
    assert len(rules) == count
    assert len(set(rules)) == count
    return rules


@given(S.small_instances(shapes=CLASS_SHAPES), st.data())
def test_strategy_classes(instance: Instance, data: st.DataObject) -> None:
    provider = data.draw(st.integers(0, len(instance.providers) - 1), label="provider")
    q = data.draw(st.integers(2, 3), label="q")
    nodes, size = S.rule_shape(instance)
    signals = len(instance.providers[provider].signals)
    deterministic = check_count(Deterministic(), instance, provider)
    # |M_P| choices at each (signal, node); C(q + |M_P| - 1, |M_P| - 1) grid points per distribution.
    assert Deterministic().count(instance, provider) == size ** (signals * nodes)
    grid_one = check_count(Grid(1), instance, provider)
    assert Grid(1).count(instance, provider) == Deterministic().count(instance, provider)
    if deterministic is not None and grid_one is not None:
        assert set(grid_one) == set(deterministic)
        assert all(rule.is_deterministic for rule in deterministic)
    grid = check_count(Grid(q), instance, provider)
    if grid is not None:
        assert all((p * q).denominator == 1 for rule in grid for row in rule.table for d in row for p in d)
        if deterministic is not None:
            assert set(deterministic) <= set(grid)
    others = data.draw(S.provider_sets(instance), label="T")
    members = tuple(sorted({provider, *others}))
    shared = Shared(tuple(instance.providers[j].label for j in members))
    garbling = common_garbling(instance, members)
    rules = check_count(shared, instance, provider)
    assert shared.count(instance, provider) == count_shared_rules(instance, garbling)
    if rules is not None:
        assert all(garbling.is_shared(instance, provider, rule) for rule in rules)
        assert all(rule.is_deterministic for rule in rules)
        if deterministic is not None:
            # The deterministic T-shared rules of j are the lifted ones, free on signals j never sees.
            seen = {instance.worlds[w].signals[provider] for w in range(len(instance.worlds))}
            unseen = signals - len(seen)
            matching = [rule for rule in deterministic if garbling.is_shared(instance, provider, rule)]
            assert set(rules) <= set(matching)
            assert len(matching) == len(rules) * size ** (unseen * nodes)

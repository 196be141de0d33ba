"""Equilibria and claims over generic numbers (:mod:`solver.parametric.equilibria`, :mod:`proofs.parametric`).

Written over any ordered field, the search must be, on ``Fraction``, exactly the ordinary engine of
:mod:`solver.equilibria` (SPEC.md §4, §5): the same equilibrium profiles, the same admissible
selections, the same count and the same worst and best utilities, in both games, under every tie
policy, with δ = 0 and δ > 0; and C1 and C3 must give the point checkers' rows and verdicts.
"""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st

from proofs.check import check_claims
from proofs.claim import CheckOptions
from proofs.parametric import CheckEvaluation, c1_bound_term, c3_bound_term, check_claim
from solver.conversation.classes import Deterministic, Grid, Shared, StrategyClass
from solver.conversation.rules import Rule
from solver.core.errors import ClassTooLargeError, ModelError
from solver.core.model import Instance
from solver.core.serialization import load
from solver.equilibria.enumeration import solve_equilibria
from solver.equilibria.games import Game, Mode, respond_to_rule
from solver.equilibria.results import SolveResult
from solver.parametric.equilibria import (
    Entry,
    GenericKernel,
    GenericSolution,
    Respond,
    RuleAnswer,
    SolveEvaluation,
    build_table,
    quantities,
    solve_game,
)
from solver.parametric.family import Family
from solver.parametric.sweep import sweep, value_at
from solver.parametric.values import Point, Trace
from solver.responses.alignment import best_bound_weights, strong_alignment
from solver.responses.information import provider_subsets
from solver.responses.response import TiePolicy
from tests.strategies import small_instances

F = Fraction
LIBRARY = Path(__file__).resolve().parent.parent / "instances"


def _generic(
    game: Game, delta: Fraction, policy: TiePolicy, respond: Respond = respond_to_rule
) -> GenericSolution:
    return solve_game(game.instance, game.rules, game.mode, respond, delta, policy)


def _shared_responses() -> Respond:
    """The point engine's responses, one object per distinct answer of a user: rules that every
    user answers alike then hold the same numbers, as the traced responses of rules of one shape do,
    and the search treats them as one class."""
    seen: dict[object, object] = {}

    def respond(instance: Instance, user: int, provider: int, rule: Rule) -> RuleAnswer:
        answer = respond_to_rule(instance, user, provider, rule)
        key = (user, provider, answer.value, tuple(tuple(v) for v in answer.payoffs))
        return seen.setdefault(key, answer)  # type: ignore[return-value]

    return respond


def _selections(solution: GenericSolution, instance: Instance, game: Game) -> list[tuple[object, ...]]:
    """Per equilibrium: utilities, canonical flag, per user the (provider, payoffs) she uses."""
    table = {}
    for e in solution.equilibria:
        per_user = []
        for u, i in enumerate(e.users):
            chosen = []
            for k, law in e.used[u]:
                rule = game.rules[k][e.profile[k]]
                chosen.append((k, respond_to_rule(instance, i, k, rule).payoffs[law]))
            per_user.append(tuple(chosen))
        table[(e.users, e.profile)] = (tuple(e.utilities), e.canonical, tuple(per_user))
    return sorted(table.items())


def _expected(result: SolveResult) -> list[tuple[object, ...]]:
    table = {}
    for e in result.equilibria:
        table[(e.users, e.profile)] = (
            tuple(o.utility for o in e.outcomes),
            e.canonical,
            tuple(tuple(o.selections) for o in e.outcomes),
        )
    return sorted(table.items())


def _agree(game: Game, delta: Fraction, policy: TiePolicy, respond: Respond = respond_to_rule) -> None:
    try:
        expected = solve_equilibria(game, delta, policy)
    except ClassTooLargeError:
        # Too many combinations of candidates for the engine: the generic search refuses them too.
        with pytest.raises(ClassTooLargeError):
            _generic(game, delta, policy, respond)
        return
    try:
        found = _generic(game, delta, policy, respond)
    except ClassTooLargeError:
        # The engine counts a personalized game's δ-equilibria over Pareto frontiers of the users'
        # candidates; the generic search tries their combinations, up to the selection limit, and
        # refuses beyond it. That is the only refusal allowed where the engine answers.
        assert game.mode is Mode.PERSONALIZED and delta > 0
        return
    assert found.count == expected.count
    assert found.worst == expected.worst
    assert found.best == expected.best
    assert _selections(found, game.instance, game) == _expected(expected)


@given(
    small_instances(max_users=2, max_providers=2, max_signals=2),
    st.sampled_from(list(Mode)),
    st.sampled_from([F(0), F(1, 4)]),
    st.sampled_from(list(TiePolicy)),
)
def test_generic_search_on_fractions_is_the_engine(
    instance: Instance, mode: Mode, delta: Fraction, policy: TiePolicy
) -> None:
    # Same arithmetic, same comparisons: on Fractions the two searches must agree on everything.
    _agree(Game(instance, mode, Deterministic()), delta, policy)


@given(
    small_instances(max_users=2, max_providers=2, max_signals=2),
    st.sampled_from(list(Mode)),
    st.sampled_from([F(0), F(1, 4)]),
    st.sampled_from(list(TiePolicy)),
)
def test_generic_search_over_classes_of_alike_rules_is_the_engine(
    instance: Instance, mode: Mode, delta: Fraction, policy: TiePolicy
) -> None:
    # Rules that every user answers alike are interchangeable: the search decides the profiles of
    # such rules once, and a provider may deviate from its rule to an alike one (which, with ties
    # broken for the deviator, can pay it more than staying). It must still be the engine.
    game = Game(instance, mode, Deterministic())
    try:
        _generic(game, delta, policy)
    except ClassTooLargeError:
        # The recombination of a personalized game with δ > 0 refuses too many candidates, alike
        # rules or not (where the engine may still answer): the classes must not change that.
        with pytest.raises(ClassTooLargeError):
            _generic(game, delta, policy, _shared_responses())
        return
    _agree(game, delta, policy, _shared_responses())


@given(
    small_instances(max_users=2, max_signals=2, max_providers=2, max_states=2), st.sampled_from(list(Mode))
)
def test_generic_search_on_a_grid_class(instance: Instance, mode: Mode) -> None:
    # Mixed rules give laws with several optimal responses more often; the grid class reaches them.
    game = Game(instance, mode, Grid(2), limit=64)
    _agree(game, F(0), TiePolicy.FAVOURABLE)


@pytest.mark.parametrize("mode", list(Mode))
@pytest.mark.parametrize("name", ["prosecutor_judge.yaml"])
def test_library_instance(name: str, mode: Mode) -> None:
    game = Game(load(LIBRARY / name), mode, Deterministic())
    for policy in TiePolicy:
        _agree(game, F(0), policy)


def test_quantities_use_the_names_of_solve_json() -> None:
    instance = load(LIBRARY / "prosecutor_judge.yaml")
    game = Game(instance, Mode.ANONYMOUS, Deterministic())
    solution = _generic(game, F(0), TiePolicy.FAVOURABLE)
    named = quantities([u.label for u in instance.users], solution)
    numeric, verdicts = SolveEvaluation(Mode.ANONYMOUS, Deterministic()).numeric(instance)
    assert named == dict(numeric)
    assert verdicts == {}
    assert set(named) == {"count", "worst.judge", "best.judge"}


def test_kernel_never_hashes_a_number() -> None:
    # A number type that refuses hashing, as the traced values do: the kernel must still run.
    class Unhashable(Fraction):
        __hash__ = None  # type: ignore[assignment]

    instance = load(LIBRARY / "prosecutor_judge.yaml")
    game = Game(instance, Mode.ANONYMOUS, Deterministic())

    def respond(inst: Instance, user: int, provider: int, rule: Rule) -> Entry:
        answer = respond_to_rule(inst, user, provider, rule)
        return Entry(Unhashable(answer.value), tuple(tuple(Unhashable(p) for p in v) for v in answer.payoffs))

    table = build_table(instance, (0,), game.rules, respond)
    kernel = GenericKernel(table, [len(r) for r in game.rules], TiePolicy.FAVOURABLE, F(0))
    with pytest.raises(TypeError):
        hash(kernel.values[0][0][0])
    found = solve_game(instance, game.rules, Mode.ANONYMOUS, respond)
    expected = solve_equilibria(game)
    assert found.count == expected.count and found.worst == expected.worst


def _two_providers_family() -> Family:
    document = yaml.safe_load((LIBRARY / "two_providers_two_users.yaml").read_text(encoding="utf-8"))
    document["parameters"] = {"p": "1/3"}
    document["worlds"]["w_low"]["prob"] = "p"
    document["worlds"]["w_mid"]["prob"] = "(1-p)/2"
    document["worlds"]["w_high"]["prob"] = "(1-p)/2"
    return Family.from_document(document)


@pytest.mark.parametrize("point", [F(1, 6), F(1, 5), F(1, 3), F(3, 7), F(1, 2)])
@pytest.mark.parametrize("policy", list(TiePolicy))
@pytest.mark.parametrize(
    ("mode", "delta"), [(Mode.ANONYMOUS, F(0)), (Mode.PERSONALIZED, F(0)), (Mode.PERSONALIZED, F(1, 20))]
)
def test_traced_search_over_alike_rules_is_the_engine(
    point: Fraction, policy: TiePolicy, mode: Mode, delta: Fraction
) -> None:
    # With the low state's prior p, alpha's 27 deterministic rules weigh the worlds in only 5 ways
    # and beta's 9 in 2: the traced search decides the profiles of alike rules once. At every point
    # (1/5, 1/3 and 3/7 with users indifferent between actions) it must still give the engine's
    # every equilibrium profile, with the same utilities, selections and canonical flag.
    family = _two_providers_family()
    instance = family.instance_at(point)
    game = Game(instance, mode, Deterministic())
    expected = solve_equilibria(game, delta, policy)
    evaluation = SolveEvaluation(mode, Deterministic(), delta=delta, policy=policy)
    found = evaluation.solution(family.at(Trace(Point.rational(point), "p")))
    assert found.count == expected.count
    assert [value_at(w, point) for w in found.worst] == list(expected.worst)
    assert [value_at(b, point) for b in found.best] == list(expected.best)
    listed = {}
    for e in found.equilibria:
        selections = tuple(
            tuple(
                (k, respond_to_rule(instance, i, k, game.rules[k][e.profile[k]]).payoffs[law])
                for k, law in used
            )
            for i, used in zip(e.users, e.used)
        )
        utilities = tuple(value_at(v, point) for v in e.utilities)
        listed[(e.users, e.profile)] = (utilities, e.canonical, selections)
    assert sorted(listed.items()) == _expected(expected)


def _prosecutor_family() -> Family:
    document = yaml.safe_load((LIBRARY / "prosecutor_judge.yaml").read_text(encoding="utf-8"))
    document["parameters"] = {"p": "3/10"}
    document["worlds"]["w1"]["prob"] = "p"
    document["worlds"]["w2"]["prob"] = "1 - p"
    return Family.from_document(document)


@pytest.mark.parametrize(
    ("policy", "at_half"),
    [(TiePolicy.FAVOURABLE, (F(1, 2), F(1, 2), 2)), (TiePolicy.ADVERSARIAL, (F(1, 2), F(1), 4))],
)
@pytest.mark.parametrize("mode", list(Mode))
def test_prosecutor_and_judge_swept_over_the_prior(
    mode: Mode, policy: TiePolicy, at_half: tuple[Fraction, Fraction, int]
) -> None:
    # Prior of guilt p; the prosecutor's four deterministic rules: two uninformative (the judge's
    # value max(p, 1 − p), conviction for sure when p > 1/2, never when p < 1/2) and two revealing
    # (value 1, conviction with probability p). One provider, so an equilibrium is a best rule:
    # below 1/2 revealing (p > 0), the judge gets 1; above 1/2 uninformative (1 > p), she gets p.
    # At p = 1/2 the judge is indifferent after an uninformative rule. Deviator-favourable ties credit
    # it with a conviction (payoff 1 > 1/2): only the two uninformative rules are equilibria, with
    # her convicting, and she gets 1/2. Adversarial ties credit it with an acquittal (0): revealing
    # (1/2) is an equilibrium too, so 4 profiles, worst 1/2 and best 1.
    result = sweep(
        _prosecutor_family(),
        "p",
        (F(1, 100), F(99, 100)),
        SolveEvaluation(mode, Deterministic(), policy=policy),
    )
    assert [piece.kind for piece in result.pieces] == ["point", "open", "point", "open", "point"]
    assert result.breakpoints == (F(1, 2),)
    below, half, above = result.pieces[1], result.pieces[2], result.pieces[3]
    for x in (F(1, 100), F(1, 5), F(49, 100)):
        assert value_at(below.answer.quantities["worst.judge"], x) == 1
        assert value_at(below.answer.quantities["best.judge"], x) == 1
    for x in (F(51, 100), F(3, 4), F(99, 100)):
        assert value_at(above.answer.quantities["worst.judge"], x) == x
        assert value_at(above.answer.quantities["best.judge"], x) == x
    worst, best, count = at_half
    assert value_at(half.answer.quantities["worst.judge"], F(1, 2)) == worst
    assert value_at(half.answer.quantities["best.judge"], F(1, 2)) == best
    structure = half.answer.structure
    assert isinstance(structure, tuple) and structure[1] == count


# -- the claims over generic numbers (proofs.parametric), on Fractions ------------------------------------


@given(small_instances(max_users=2, max_providers=2, max_signals=2), st.sampled_from([F(0), F(1, 3)]))
def test_bound_terms_on_fractions_are_the_alignment_programs(instance: Instance, delta: Fraction) -> None:
    # The same linear programs (SPEC.md §7–8) solved by the generic simplex: the same exact optima.
    for i in range(len(instance.users)):
        for t in provider_subsets(instance):
            assert (
                c1_bound_term(instance, i, t, delta) == best_bound_weights(instance, i, t, delta).bound_term
            )
            assert (
                c3_bound_term(instance, t, i, delta)
                == strong_alignment(instance, t, delta).bounds[i].bound_term
            )


@given(
    small_instances(max_users=2, max_providers=2, max_signals=2),
    st.sampled_from(["C1", "C3"]),
    st.sampled_from(list(TiePolicy)),
)
def test_claim_rows_on_fractions_are_the_checkers(instance: Instance, claim: str, policy: TiePolicy) -> None:
    # C1 and C3 over generic numbers, run on Fractions: the point checkers' verdict and rows.
    options = CheckOptions(policy=policy)
    verdict, rows, _ = check_claim(instance, claim, options)
    expected = check_claims(instance, [claim], options)[claim]
    assert verdict is expected.verdict
    got = [
        (r.user, r.subset_label, r.bound, r.worst if r.bound is not None else None, r.verdict) for r in rows
    ]
    want = [
        (r.user, r.subset_label, r.bound, r.worst if r.bound is not None else None, r.verdict)
        for r in expected.rows
    ]
    assert sorted(got, key=str) == sorted(want, key=str)


def test_only_c1_and_c3_are_swept() -> None:
    with pytest.raises(ModelError, match="not available for sweeps"):
        CheckEvaluation(("C2",))
    with pytest.raises(ModelError, match="not available for sweeps"):
        CheckEvaluation(("C1",), CheckOptions(full=True))
    assert CheckEvaluation(("c3",)).claims == ("C3",)
    assert CheckEvaluation().claims == ("C1", "C3")


@pytest.mark.parametrize("strategy_class", [Grid(2), Shared(("prosecutor",))], ids=lambda c: c.name)
@pytest.mark.parametrize("mode", list(Mode))
def test_other_finite_classes_sweep_as_the_point_engine(strategy_class: StrategyClass, mode: Mode) -> None:
    # A quadratic prior p² of guilt: the breakpoints are irrational (the judge's posterior after a
    # grid rule's message crosses 1/2), and every rational p, on the grid or a breakpoint, must give
    # the point engine's worst, best and profiles.
    document = yaml.safe_load((LIBRARY / "prosecutor_judge.yaml").read_text(encoding="utf-8"))
    document["parameters"] = {"p": "1/2"}
    document["worlds"]["w1"]["prob"] = "p*p"
    document["worlds"]["w2"]["prob"] = "1 - p*p"
    family = Family.from_document(document)
    evaluation = SolveEvaluation(mode, strategy_class)
    result = sweep(family, "p", (F(1, 10), F(99, 100)), evaluation)
    assert any(not isinstance(b, Fraction) for b in result.breakpoints)
    for value in [F(1, 10) + F(k, 20) for k in range(18)]:
        instance = family.instance_at(value)
        point = solve_equilibria(Game(instance, mode, strategy_class))
        piece = result.piece_at(value)
        assert {k: value_at(q, value) for k, q in piece.answer.quantities.items()} == dict(
            evaluation.numeric(instance)[0]
        )
        structure = piece.answer.structure
        assert isinstance(structure, tuple) and structure[1] == point.count
        assert sorted(e[1] for e in structure[2]) == sorted(e.profile for e in point.equilibria)


def test_a_stake_that_vanishes_at_an_end_makes_the_c1_row_vacuous_there() -> None:
    # two_providers_two_users with beta's stake in the investor swept as p over [0, 1]. Beta's
    # utility from her is her own utility, so ε = 0 and her C1 bound for T = {beta} is
    # Bench({beta}) = 3/4, which is also OPT (every benchmark of hers is 3/4, the file's note): C1
    # makes her worst equilibrium utility exactly 3/4, a margin of 0 for every p > 0. At p = 0 beta
    # has no stake in her, and the row is vacuous (the support rule of SPEC.md §8).
    document = yaml.safe_load((LIBRARY / "two_providers_two_users.yaml").read_text(encoding="utf-8"))
    document["parameters"] = {"p": "1/2"}
    document["stakes"]["beta"]["investor"]["weight"] = "p"
    result = sweep(Family.from_document(document), "p", (F(0), F(1)), CheckEvaluation(("C1",)))
    name = "margin.C1.investor.beta"
    assert result.pieces[0].kind == "point" and result.pieces[0].answer.quantities[name] is None
    for piece in result.pieces[1:]:
        for x in (F(1, 3), F(1)):
            if piece.contains(x):
                assert value_at(piece.answer.quantities[name], x) == 0
    assert all(piece.answer.verdicts["C1"] == "holds" for piece in result.pieces)

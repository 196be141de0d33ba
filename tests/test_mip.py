"""One contract suite run against both equilibrium engines (SPEC.md §5, §9).

The enumeration (:func:`solver.equilibria.enumeration.solve_equilibria`) and the MIP
(:func:`solver.equilibria.mip.solve_equilibria_mip`) must return the same equilibria, with the same exact
numbers, on every bundled instance and on generated ones, under each tie policy of SPEC.md §4; the
MIP's extreme-equilibrium search must find the enumeration's worst and best utilities. Like PuLP's
own tests, the same assertions run against each engine, and a solver's "Optimal" is only ever a
candidate: the last tests make the solver fail or lie and check that the result says so. The
extremes engine (:func:`solver.equilibria.mip_extremes.find_equilibrium_extremes`), which never
enumerates profiles, must find the enumeration's existence verdict and every user's worst and best
utility, with witnesses that the regret kernel re-verifies.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from dataclasses import dataclass
from fractions import Fraction
from functools import cache
from pathlib import Path
from typing import Any

import pulp
import pytest
from hypothesis import given
from hypothesis import strategies as st

from solver.conversation.classes import parse_class
from solver.core.errors import ModelError
from solver.core.model import Instance
from solver.core.serialization import instance_from_dict, load
from solver.equilibria import mip_extremes
from solver.equilibria.enumeration import solve_equilibria
from solver.equilibria.games import Game, Mode
from solver.equilibria.mip import Sense, find_extreme_equilibrium_mip, solve_equilibria_mip
from solver.equilibria.mip_extremes import (
    EXTREMES_NOTE,
    LABEL,
    EquilibriumExtremes,
    find_equilibrium_extremes,
)
from solver.equilibria.regret import verify_profile
from solver.equilibria.results import Method, SolveResult
from solver.responses.response import TiePolicy
from tests import strategies as S

INSTANCES = Path(__file__).resolve().parent.parent / "instances"

Engine = Callable[[Game, Fraction, TiePolicy], SolveResult]
ENGINES: dict[str, Engine] = {
    "enumerate": lambda game, delta, policy: solve_equilibria(game, delta, policy),
    "mip": lambda game, delta, policy: solve_equilibria_mip(game, delta, policy),
}
OTHER = {"enumerate": "mip", "mip": "enumerate"}

NAMES = (
    "prosecutor_judge",
    "noisy_witness",
    "report_signal_features",
    "complementary_halves",
    "two_providers_two_users",
)
POLICIES = (TiePolicy.FAVOURABLE, TiePolicy.CANONICAL)
DELTAS = (Fraction(0), Fraction(1, 10))
SENSES = (Sense.MINIMIZE, Sense.MAXIMIZE)

BLIND_AND_INFORMED = "regressions/blind_and_informed"
"""SPEC.md §4, case 3: the walker keeps her raincoat at the informed provider when the blind one deviates."""
REGRESSIONS = {BLIND_AND_INFORMED: ("deterministic", "grid:4")}

SLOW = {
    # The MIP solves once per equilibrium of the anonymous game and once per candidate of a user's
    # slice: these take from several seconds to minutes each.
    ("two_providers_two_users", "deterministic", Mode.PERSONALIZED),
    ("complementary_halves", "grid:2", Mode.PERSONALIZED),
    ("two_providers_two_users", "grid:2", Mode.ANONYMOUS),
}
SLOW_POLICIES = {
    # Over a hundred equilibria under canonical and adversarial ties, one MIP solve each.
    (BLIND_AND_INFORMED, "grid:4", TiePolicy.CANONICAL),
    (BLIND_AND_INFORMED, "grid:4", TiePolicy.ADVERSARIAL),
}
TOO_LARGE = {
    # Thousands of slice candidates, one MIP solve each; with δ = 1/10 their combinations also
    # exceed the recombination limit, for both engines.
    ("two_providers_two_users", "grid:2", Mode.PERSONALIZED, Fraction(0)),
    ("two_providers_two_users", "grid:2", Mode.PERSONALIZED, Fraction(1, 10)),
    # 576 equilibria, one MIP solve each: several minutes (δ = 0, with 216, stays as a slow case).
    ("two_providers_two_users", "grid:2", Mode.ANONYMOUS, Fraction(1, 10)),
}


@cache
def bundled(name: str) -> Instance:
    return load(INSTANCES / f"{name}.yaml")


@dataclass(frozen=True)
class Case:
    """A game (bundled instance, mode, class) with a δ and a tie policy for deviations."""

    name: str
    mode: Mode
    class_name: str
    policy: TiePolicy
    delta: Fraction

    def game(self) -> Game:
        return Game(bundled(self.name), self.mode, parse_class(self.class_name))

    def __str__(self) -> str:
        name = Path(self.name).name
        return f"{name}-{self.mode.value}-{self.class_name}-{self.policy.name.lower()}-delta={self.delta}"


def cases() -> list[Any]:
    plan: list[tuple[str, tuple[str, ...], tuple[TiePolicy, ...]]]
    plan = [(name, ("deterministic", "grid:2"), POLICIES) for name in NAMES]
    plan += [(name, classes, tuple(TiePolicy)) for name, classes in REGRESSIONS.items()]
    result = []
    for name, class_names, policies in plan:
        for class_name in class_names:
            for mode in Mode:
                for policy in policies:
                    slow = (name, class_name, mode) in SLOW or (name, class_name, policy) in SLOW_POLICIES
                    marks = [pytest.mark.slow] if slow else []
                    for delta in DELTAS:
                        if (name, class_name, mode, delta) in TOO_LARGE:
                            continue
                        case = Case(name, mode, class_name, policy, delta)
                        result.append(pytest.param(case, id=str(case), marks=marks))
    return result


CASES = cases()


@cache
def solve(engine: str, case: Case) -> SolveResult:
    return ENGINES[engine](case.game(), case.delta, case.policy)


def summary(result: SolveResult) -> dict[str, Any]:
    """Everything two engines must agree on, in exact numbers."""
    return {
        "mode": result.mode,
        "class": result.strategy_class.name,
        "policy": result.policy,
        "delta": result.delta,
        "count": result.count,
        "worst": result.worst,
        "best": result.best,
        "equilibria": sorted(
            (e.key(), e.outcomes, e.payoffs, e.deviations, e.canonical) for e in result.equilibria
        ),
    }


# -- the contract, run against each engine ------------------------------------------------------------


@pytest.mark.parametrize("engine", sorted(ENGINES))
@pytest.mark.parametrize("case", CASES)
def test_result_honours_the_contract(engine: str, case: Case) -> None:
    result = solve(engine, case)
    game = case.game()
    assert result.method.value == engine
    assert (result.mode, result.strategy_class.name, result.policy, result.delta) == (
        case.mode,
        case.class_name,
        case.policy,
        case.delta,
    )
    assert result.exact and result.complete and result.notes == ()
    keys = [e.key() for e in result.equilibria]
    assert len(keys) == len(set(keys))
    n = len(game.instance.users)
    for user in range(n):
        utilities = [o.utility for e in result.equilibria for o in e.outcomes if o.user == user]
        assert result.worst[user] == (min(utilities) if utilities else None)
        assert result.best[user] == (max(utilities) if utilities else None)
    if case.mode is Mode.ANONYMOUS:
        assert result.count == len(result.equilibria)
        for equilibrium in result.equilibria:
            assert verify_profile(game, equilibrium.profile, case.delta, case.policy) == equilibrium
    else:
        # Each listed slice equilibrium takes part in a whole-game equilibrium: every user has one.
        users = {e.users for e in result.equilibria}
        assert (result.count > 0) == (users == {(i,) for i in range(n)})
        assert all(len(e.users) == 1 for e in result.equilibria)


@pytest.mark.parametrize("engine", sorted(ENGINES))
@pytest.mark.parametrize("case", CASES)
def test_engines_find_the_same_equilibria(engine: str, case: Case) -> None:
    assert summary(solve(engine, case)) == summary(solve(OTHER[engine], case))


@pytest.mark.parametrize("engine", sorted(ENGINES))
@pytest.mark.parametrize("mode", Mode)
@pytest.mark.parametrize(("class_name", "count"), [("deterministic", 4), ("grid:4", 10)])
def test_blind_and_informed_has_its_documented_equilibria(
    engine: str, mode: Mode, class_name: str, count: int
) -> None:
    # The blind provider cannot attract the walker (3/5 < 1), so she keeps her raincoat at the
    # informed provider (SPEC.md §4, case 3): the informed provider reveals the weather, in either
    # of its two revealing rules, and the blind provider may play any of its uninformative rules.
    case = Case(BLIND_AND_INFORMED, mode, class_name, TiePolicy.FAVOURABLE, Fraction(0))
    result = solve(engine, case)
    game = case.game()
    assert result.count == len(result.equilibria) == count
    assert {e.profile[0] for e in result.equilibria} == set(range(len(game.rules[0])))
    assert len({e.profile[1] for e in result.equilibria}) == 2
    assert all(o.utility == 1 and o.providers == (1,) for e in result.equilibria for o in e.outcomes)


@pytest.mark.parametrize("case", [c for c in CASES if c.values[0].delta == 0])
def test_extreme_equilibria_match_the_enumeration(case: Case) -> None:
    reference = solve("enumerate", case)
    game = case.game()
    for user in range(len(game.instance.users)):
        for sense, expected in zip(SENSES, (reference.worst[user], reference.best[user])):
            extreme = find_extreme_equilibrium_mip(game, user, sense, case.delta, case.policy)
            assert extreme.exact and extreme.notes == ()
            assert extreme.utility == expected
            if expected is None:
                assert extreme.witness == ()
                continue
            # The witness is one of the enumerated equilibria and attains the extreme.
            listed = {e.key(): e for e in reference.equilibria}
            for equilibrium in extreme.witness:
                assert listed[equilibrium.key()].outcomes == equilibrium.outcomes
            utilities = [o.utility for e in extreme.witness for o in e.outcomes if o.user == user]
            assert utilities == [expected]


@pytest.mark.parametrize(
    "case",
    [
        pytest.param(case, id=str(case))
        for name in NAMES
        for mode in Mode
        if (name, "deterministic", mode) not in SLOW
        for case in [Case(name, mode, "deterministic", TiePolicy.ADVERSARIAL, Fraction(1, 10))]
    ],
)
def test_engines_agree_under_adversarial_ties(case: Case) -> None:
    assert summary(solve("mip", case)) == summary(solve("enumerate", case))


# -- generated instances -------------------------------------------------------------------------------


@st.composite
def tied_instances(draw: st.DrawFn, /, **bounds: Any) -> Instance:
    """Small instances (as :func:`tests.strategies.small_instances`) where users may be indifferent.

    A user drawn to be indifferent finds her first two actions equally good in every state: every
    rule then leaves her a tie that the providers' stakes may value differently, which is where
    the tie policy and SPEC.md §4's cases 3–4 (she keeps ``b_i``, or re-chooses) matter.
    """
    document = draw(S.instance_documents(tricky=False, **bounds))
    for user in document["users"].values():
        if draw(st.booleans()):
            first, second = user["actions"][:2]
            user["utility"][second] = dict(user["utility"][first])
    return instance_from_dict(document)


SMALL_GAMES = st.one_of(
    # Up to three providers that each send one of two messages.
    tied_instances(
        max_providers=3, max_signals=2, max_states=2, max_worlds=3, shapes=(S.Shape(("P",), 0, 2),)
    ),
    # Two providers answering a report: at most 16 deterministic rules each.
    tied_instances(
        max_providers=2, max_signals=2, max_states=2, max_worlds=3, shapes=(S.Shape(("U", "P"), 2, 2),)
    ),
)


@given(
    instance=SMALL_GAMES,
    mode=st.sampled_from(Mode),
    delta=st.sampled_from((Fraction(0), Fraction(1, 10), Fraction(1, 2))),
    data=st.data(),
)
def test_engines_agree_on_generated_games(
    instance: Instance, mode: Mode, delta: Fraction, data: st.DataObject
) -> None:
    game = Game(instance, mode, parse_class("deterministic"))
    references = {}
    for policy in TiePolicy:
        reference = solve_equilibria(game, delta, policy)
        result = solve_equilibria_mip(game, delta, policy)
        assert result.exact and result.complete, (policy, result.notes)
        assert summary(result) == summary(reference), policy
        references[policy] = reference
    policy = data.draw(st.sampled_from(TiePolicy), label="policy")
    user = data.draw(st.integers(0, len(instance.users) - 1), label="user")
    sense = data.draw(st.sampled_from(SENSES), label="sense")
    extreme = find_extreme_equilibrium_mip(game, user, sense, delta, policy)
    assert extreme.exact, extreme.notes
    expected = references[policy].worst if sense is Sense.MINIMIZE else references[policy].best
    assert extreme.utility == expected[user]


def zero_table(actions: list[str]) -> dict[str, dict[str, int]]:
    return {a: {"y0": 0, "y1": 0} for a in actions}


# User U1 is indifferent between two actions, one of which each provider prefers. Each provider has
# two rules that tell her nothing: switching to the other one is a deviation that attracts her
# (deviator-favourable ties, SPEC.md §4 case 2) and gets her preferred action, so both providers
# would need all of her: her game has no equilibrium. U0 matters to nobody, so every profile of her
# game is one. The personalized game has none, and U0's slice equilibria must not be listed (they
# take part in no whole-game equilibrium).
NO_WHOLE_GAME_EQUILIBRIUM = {
    "schema_version": 1,
    "states": ["y0", "y1"],
    "providers": {"P0": {"signals": ["s0"]}, "P1": {"signals": ["s0", "s1"]}},
    "users": {
        "U0": {"actions": ["a0", "a1", "a2"], "utility": zero_table(["a0", "a1", "a2"])},
        "U1": {"actions": ["a0", "a1"], "utility": zero_table(["a0", "a1"])},
    },
    "worlds": {
        "w0": {"prob": "1/2", "state": "y0", "signals": {"P0": "s0", "P1": "s0"}},
        "w1": {"prob": "1/2", "state": "y1", "signals": {"P0": "s0", "P1": "s0"}},
    },
    "stakes": {
        "P0": {
            "U0": {"weight": 0, "utility": zero_table(["a0", "a1", "a2"])},
            "U1": {"weight": 1, "utility": {"a0": {"y0": 0, "y1": 0}, "a1": {"y0": 0, "y1": 1}}},
        },
        "P1": {
            "U0": {"weight": 0, "utility": zero_table(["a0", "a1", "a2"])},
            "U1": {"weight": 1, "utility": {"a0": {"y0": 0, "y1": 1}, "a1": {"y0": 0, "y1": 0}}},
        },
    },
    "protocol": {"turns": ["P"], "provider_messages": ["m0", "m1"]},
}


@pytest.mark.parametrize("engine", sorted(ENGINES))
def test_a_user_without_equilibrium_leaves_the_personalized_game_without_any(engine: str) -> None:
    game = Game(
        instance_from_dict(NO_WHOLE_GAME_EQUILIBRIUM), Mode.PERSONALIZED, parse_class("deterministic")
    )
    assert [len(solve_equilibria(part).equilibria) for part in game.split()] == [8, 0]
    result = ENGINES[engine](game, Fraction(0), TiePolicy.FAVOURABLE)
    assert (result.count, result.equilibria, result.worst, result.best) == (0, (), (None, None), (None, None))
    for user in (0, 1):
        assert find_extreme_equilibrium_mip(game, user, Sense.MAXIMIZE).utility is None


# -- the solver is a source of candidates, never of proofs ------------------------------------------------


class FailingSolver:
    """A pulp solver that never solves anything."""

    def actualSolve(self, lp: Any, **kwargs: Any) -> int:
        return int(pulp.LpStatusNotSolved)


class LyingSolver:
    """CBC, except that its first answer is a made-up profile declared optimal."""

    def __init__(self, lie: tuple[int, ...]) -> None:
        self.lie = lie
        self.calls = 0

    def actualSolve(self, lp: Any, **kwargs: Any) -> int:
        self.calls += 1
        if self.calls > 1:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", DeprecationWarning)
                cbc = pulp.PULP_CBC_CMD(msg=False)
            return int(cbc.actualSolve(lp, **kwargs))
        for variable in lp.variables():
            variable.varValue = 0.0
            parts = variable.name.split("_")
            if parts[0] == "x" and self.lie[int(parts[1])] == int(parts[2]):
                variable.varValue = 1.0
        return int(pulp.LpStatusOptimal)


PROSECUTOR = Case("prosecutor_judge", Mode.ANONYMOUS, "deterministic", TiePolicy.FAVOURABLE, Fraction(0))


def test_prosecutor_has_a_profile_that_is_no_equilibrium() -> None:
    game = PROSECUTOR.game()
    assert verify_profile(game, (0,)) is None
    assert solve("enumerate", PROSECUTOR).equilibria


@pytest.mark.parametrize("mode", Mode)
def test_a_rejected_candidate_is_reported_and_the_answer_stays_exact(mode: Mode) -> None:
    game = Game(bundled("prosecutor_judge"), mode, parse_class("deterministic"))
    solver = LyingSolver((0,))
    result = solve_equilibria_mip(game, solver=solver)
    assert not result.exact
    assert any(note.startswith("DISAGREEMENT") for note in result.notes)
    assert summary(result) == summary(solve_equilibria(game))


@pytest.mark.parametrize("mode", Mode)
def test_a_solver_that_fails_makes_the_result_incomplete(mode: Mode) -> None:
    game = Game(bundled("prosecutor_judge"), mode, parse_class("deterministic"))
    result = solve_equilibria_mip(game, solver=FailingSolver())
    assert not result.exact and not result.complete
    assert any(note.startswith("INCOMPLETE") and "Not Solved" in note for note in result.notes)
    extreme = find_extreme_equilibrium_mip(game, 0, solver=FailingSolver())
    assert extreme.utility is None and not extreme.exact and extreme.notes


def test_a_rejected_optimum_does_not_stop_the_extreme_search() -> None:
    game = PROSECUTOR.game()
    extreme = find_extreme_equilibrium_mip(game, 0, Sense.MINIMIZE, solver=LyingSolver((0,)))
    assert not extreme.exact
    assert extreme.utility == solve("enumerate", PROSECUTOR).worst[0]


def test_the_time_limit_is_honoured() -> None:
    game = Game(bundled("complementary_halves"), Mode.ANONYMOUS, parse_class("deterministic"))
    result = solve_equilibria_mip(game, time_limit=1e-9)
    assert not result.complete and not result.exact
    assert any("time limit" in note for note in result.notes)


def test_another_pulp_solver_can_be_used() -> None:
    pytest.importorskip("highspy")
    case = Case("complementary_halves", Mode.ANONYMOUS, "deterministic", TiePolicy.CANONICAL, Fraction(0))
    result = solve_equilibria_mip(case.game(), case.delta, case.policy, solver=pulp.HiGHS(msg=False))
    assert summary(result) == summary(solve("enumerate", case))


@pytest.mark.parametrize(
    "call",
    [
        lambda game: solve_equilibria_mip(game, Fraction(-1)),
        lambda game: solve_equilibria_mip(game, time_limit=0),
        lambda game: find_extreme_equilibrium_mip(game, 0, "min"),  # type: ignore[arg-type]
        lambda game: find_extreme_equilibrium_mip(game, 5),
        lambda game: find_extreme_equilibrium_mip(game, 0, Sense.MINIMIZE, Fraction(-1, 2)),
    ],
    ids=["negative-delta", "zero-time", "sense-as-text", "unknown-user", "negative-delta-extreme"],
)
def test_bad_requests_are_refused(call: Callable[[Game], object]) -> None:
    with pytest.raises(ModelError):
        call(PROSECUTOR.game())


def test_a_sense_given_as_text_names_the_enum() -> None:
    with pytest.raises(
        ModelError, match=r"Sense\.MINIMIZE or Sense\.MAXIMIZE, got 'min'; read text with Sense"
    ):
        find_extreme_equilibrium_mip(PROSECUTOR.game(), 0, "min")  # type: ignore[arg-type]


@pytest.mark.parametrize("sense", Sense, ids=lambda s: s.value)
def test_a_sense_round_trips_through_its_text(sense: Sense) -> None:
    assert Sense(sense.value) is sense


def test_an_unknown_sense_names_the_allowed_ones() -> None:
    with pytest.raises(ModelError, match=r"unknown sense 'median'; use one of 'min', 'max'$"):
        Sense("median")


# -- the extremes engine: the lazy-cut MIP against the enumeration --------------------------------------


def extremes_case_params() -> list[Any]:
    """The contract's cases the extremes engine accepts: anonymous games, personalized ones at δ = 0."""
    return [
        pytest.param(param.values[0], id=param.id)
        for param in CASES
        if param.values[0].mode is Mode.ANONYMOUS or param.values[0].delta == 0
    ]


def assert_extremes_match(game: Game, found: EquilibriumExtremes, reference: SolveResult) -> None:
    """Existence, worst and best per user equal the enumeration's; every witness re-verified exactly."""
    assert found.optimal and found.exact and found.notes == (), found.notes
    assert found.label == LABEL
    assert found.exists is (reference.count > 0)
    assert tuple(u.worst for u in found.users) == reference.worst
    assert tuple(u.best for u in found.users) == reference.best
    assert found.profiles == game.profile_count()
    for extremes in found.users:
        for utility, witness in (
            (extremes.worst, extremes.worst_witness),
            (extremes.best, extremes.best_witness),
        ):
            if utility is None:
                assert witness == ()
                continue
            mine = [o.utility for e in witness for o in e.outcomes if o.user == extremes.user]
            assert mine == [utility]
            if game.mode is Mode.ANONYMOUS:
                (equilibrium,) = witness
                assert verify_profile(game, equilibrium.profile, found.delta, found.policy) == equilibrium
            else:
                # One equilibrium of each user's game: together a whole-game equilibrium (δ = 0).
                assert [e.users for e in witness] == [(i,) for i in game.users]
                for part, equilibrium in zip(game.split(), witness):
                    verified = verify_profile(part, equilibrium.profile, found.delta, found.policy)
                    assert verified == equilibrium


@pytest.mark.parametrize("case", extremes_case_params())
def test_extremes_engine_matches_the_enumeration(case: Case) -> None:
    game = case.game()
    found = find_equilibrium_extremes(game, case.delta, case.policy)
    assert_extremes_match(game, found, solve("enumerate", case))


@given(
    instance=SMALL_GAMES,
    mode=st.sampled_from(Mode),
    policy=st.sampled_from(TiePolicy),
    delta=st.sampled_from((Fraction(0), Fraction(1, 10), Fraction(1, 2))),
)
def test_extremes_engine_agrees_with_the_enumeration_on_generated_games(
    instance: Instance, mode: Mode, policy: TiePolicy, delta: Fraction
) -> None:
    # The personalized game splits by user only at δ = 0 (SPEC.md §5), which the engine relies on.
    delta = delta if mode is Mode.ANONYMOUS else Fraction(0)
    game = Game(instance, mode, parse_class("deterministic"))
    found = find_equilibrium_extremes(game, delta, policy)
    assert_extremes_match(game, found, solve_equilibria(game, delta, policy))


def with_zero_stakes(document: dict[str, Any]) -> dict[str, Any]:
    stakes = {p: {u: dict(s, weight=0) for u, s in row.items()} for p, row in document["stakes"].items()}
    return dict(document, stakes=stakes)


EDGE_GAMES = {
    # No whole-game equilibrium in the personalized game (see NO_WHOLE_GAME_EQUILIBRIUM above); in the
    # anonymous game the same two providers compete for U1 alone as well.
    "no-equilibrium": NO_WHOLE_GAME_EQUILIBRIUM,
    # Zero stakes: no provider gains from any deviation, so every profile is an equilibrium and
    # each user's extremes are her lowest and highest value of the best offer over all profiles.
    "zero-stakes": with_zero_stakes(NO_WHOLE_GAME_EQUILIBRIUM),
}


@pytest.mark.parametrize("policy", TiePolicy, ids=lambda p: p.name.lower())
@pytest.mark.parametrize("mode", Mode, ids=lambda m: m.value)
@pytest.mark.parametrize("name", sorted(EDGE_GAMES))
def test_extremes_engine_on_edge_games(name: str, mode: Mode, policy: TiePolicy) -> None:
    game = Game(instance_from_dict(EDGE_GAMES[name]), mode, parse_class("grid:2"))
    reference = solve_equilibria(game, Fraction(0), policy)
    found = find_equilibrium_extremes(game, Fraction(0), policy)
    assert_extremes_match(game, found, reference)
    if name == "zero-stakes":
        assert reference.count == game.profile_count() ** (
            len(game.users) if mode is Mode.PERSONALIZED else 1
        )
    if name == "no-equilibrium" and mode is Mode.PERSONALIZED and policy is TiePolicy.FAVOURABLE:
        assert found.exists is False


def test_extremes_as_a_solve_result_list_the_witnesses_only() -> None:
    case = Case("two_providers_two_users", Mode.ANONYMOUS, "deterministic", TiePolicy.FAVOURABLE, Fraction(0))
    found = find_equilibrium_extremes(case.game())
    result = found.to_solve_result()
    reference = solve("enumerate", case)
    assert result.method is Method.MIP and result.exact
    # The list is not every equilibrium: complete means what it means for an interrupted search.
    assert not result.complete
    assert (result.worst, result.best) == (reference.worst, reference.best)
    listed = {e.key(): e for e in reference.equilibria}
    assert result.equilibria and all(listed[e.key()] == e for e in result.equilibria)
    assert result.notes[0].startswith(EXTREMES_NOTE) and LABEL in result.notes[0]


def test_a_failing_solver_leaves_the_extremes_not_optimal() -> None:
    found = find_equilibrium_extremes(PROSECUTOR.game(), solver=FailingSolver())
    assert not found.optimal and found.exists is None
    assert all(u.worst is None and u.best is None for u in found.users)
    assert any(note.startswith("INCOMPLETE") and "Not Solved" in note for note in found.notes)
    assert found.label.startswith("NOT optimal")


def test_a_lying_solver_never_makes_a_non_equilibrium_an_extreme() -> None:
    # The lie sets no selection binary: the point spells no selection, and the search stops there.
    found = find_equilibrium_extremes(PROSECUTOR.game(), solver=LyingSolver((0,)))
    assert not found.optimal
    assert all(u.worst is None for u in found.users)


def test_the_extremes_time_limit_is_honoured() -> None:
    game = Game(bundled("complementary_halves"), Mode.ANONYMOUS, parse_class("deterministic"))
    found = find_equilibrium_extremes(game, time_limit=1e-9)
    assert not found.optimal and any("time limit" in note for note in found.notes)


@pytest.mark.parametrize(
    "call",
    [
        lambda game: find_equilibrium_extremes(game, Fraction(-1)),
        lambda game: find_equilibrium_extremes(game, time_limit=0),
        lambda game: find_equilibrium_extremes(
            Game(game.instance, Mode.PERSONALIZED, game.strategy_class), Fraction(1, 10)
        ),
    ],
    ids=["negative-delta", "zero-time", "personalized-positive-delta"],
)
def test_bad_extremes_requests_are_refused(call: Callable[[Game], object]) -> None:
    with pytest.raises(ModelError):
        call(PROSECUTOR.game())


def test_solve_with_the_mip_engine_answers_extremes_above_the_listing_limit(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from click.testing import CliRunner

    from pluralis.api import solve_finite
    from pluralis.cli import cli

    # Every game is above a limit of 0 profiles: the engine answers extremes instead of listing.
    monkeypatch.setattr(mip_extremes, "LISTING_PROFILE_LIMIT", 0)
    case = Case("two_providers_two_users", Mode.ANONYMOUS, "deterministic", TiePolicy.FAVOURABLE, Fraction(0))
    result = solve_finite(case.game(), Method.MIP, case.delta, case.policy)
    reference = solve("enumerate", case)
    assert not result.complete and result.notes[0].startswith(EXTREMES_NOTE)
    assert (result.worst, result.best) == (reference.worst, reference.best)
    path = INSTANCES / "two_providers_two_users.yaml"
    output = CliRunner().invoke(cli, ["solve", str(path), "--engine", "mip"]).output
    assert "extremes only: listed, the equilibria attaining them" in output
    assert "INTERRUPTED" not in output and "before the search stopped" not in output

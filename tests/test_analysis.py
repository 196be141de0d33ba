"""One memoized analysis per instance (``solver.analysis``): each quantity computed once, unchanged.

The claims of SPEC.md §8 reach the engine only through an :class:`~solver.analysis.Analysis`. Here
the engine's functions are wrapped with counters, so that a memo bypassed anywhere (a claim calling
the engine itself, a game built twice, a personalized game split afresh) makes a count exceed one;
and every quantity the analysis returns is compared with the direct engine call it stands for.
"""

from __future__ import annotations

import dataclasses
from collections import Counter
from collections.abc import Hashable
from fractions import Fraction
from functools import cached_property
from pathlib import Path
from typing import Any

import pytest

import solver.analysis
import solver.certificates.certification as certification_module
from proofs.check import check_claims, claims
from proofs.claim import CheckOptions
from solver.analysis import Analysis
from solver.certificates.certification import certify_result
from solver.conversation.classes import Deterministic, Grid
from solver.conversation.garblings import common_garbling
from solver.core.errors import ClassTooLargeError
from solver.core.model import Instance
from solver.core.serialization import load
from solver.equilibria.enumeration import solve_equilibria
from solver.equilibria.games import Game, Mode, ResponseTable
from solver.responses.alignment import best_bound_weights, strong_alignment, weak_alignment
from solver.responses.information import optimum, provider_subsets, solve_benchmark
from solver.responses.response import TiePolicy

INSTANCES = Path(__file__).resolve().parent.parent / "instances"
TWO_BY_TWO = INSTANCES / "two_providers_two_users.yaml"
BUNDLED = sorted(INSTANCES.glob("*.yaml"))


def _counting(monkeypatch: pytest.MonkeyPatch) -> dict[str, Counter[Hashable]]:
    """Wrap the engine's computations with counters keyed by what determines each result."""
    calls: dict[str, Counter[Hashable]] = {
        kind: Counter()
        for kind in ("benchmark", "built", "table", "equilibria", "certification", "certified")
    }

    def benchmark(instance: Instance, user: int, providers: Any, *rest: Any) -> Any:
        calls["benchmark"][(user, tuple(providers))] += 1
        return solve_benchmark(instance, user, providers, *rest)

    def equilibria(game: Game, delta: Fraction, policy: TiePolicy, **keywords: Any) -> Any:
        calls["equilibria"][(game.mode, game.users, delta, policy)] += 1
        return solve_equilibria(game, delta, policy, **keywords)

    def certification(game: Game, finite: Any, *rest: Any) -> Any:
        calls["certification"][(game.mode, finite.delta, finite.policy)] += 1
        return certify_result(game, finite, *rest)

    certify = certification_module.certify_equilibrium

    def certified(game: Game, equilibrium: Any, *rest: Any) -> Any:
        # Counted wherever it runs: asked by a claim, or on the way by a certification in full.
        calls["certified"][(game.mode, game.users, equilibrium)] += 1
        return certify(game, equilibrium, *rest)

    build = ResponseTable.build

    def built(cls: type[ResponseTable], instance: Instance, users: Any, rules: Any, *rest: Any) -> Any:
        calls["built"][tuple(users)] += 1
        return build(instance, users, rules, *rest)

    making = Game.table

    def table(game: Game) -> ResponseTable:
        calls["table"][(game.mode, game.strategy_class, game.users)] += 1
        return making.func(game)

    counted = cached_property(table)
    counted.__set_name__(Game, "table")
    monkeypatch.setattr(Game, "table", counted)
    monkeypatch.setattr(ResponseTable, "build", classmethod(built))
    monkeypatch.setattr(solver.analysis, "solve_benchmark", benchmark)
    monkeypatch.setattr(solver.analysis, "solve_equilibria", equilibria)
    monkeypatch.setattr(solver.analysis, "certify_result", certification)
    monkeypatch.setattr(solver.analysis, "certify_equilibrium", certified)
    monkeypatch.setattr(certification_module, "certify_equilibrium", certified)
    return calls


# -- the work a check does ------------------------------------------------------------------------------


def test_a_check_computes_each_table_benchmark_and_equilibria_once(monkeypatch: pytest.MonkeyPatch) -> None:
    calls = _counting(monkeypatch)
    analysis = Analysis(load(TWO_BY_TWO))
    results = check_claims(analysis.instance, analysis=analysis)
    assert list(results) == list(claims())
    # Two users and three sets T ({alpha}, {beta}, {alpha, beta}): C1 reads every Bench_i(T), and
    # every other claim reads them again from the analysis.
    everyone = {(i, t) for i in (0, 1) for t in ((0,), (1,), (0, 1))}
    assert set(calls["benchmark"]) == everyone
    assert max(calls["benchmark"].values()) == 1
    # One table per game: the anonymous game's over both users and one per personalized slice
    # (SPEC §5: the personalized game is solved one user at a time), whatever the tie policy; and
    # no table is built but a game's.
    assert max(calls["table"].values()) == 1
    assert sorted((mode.value, users) for mode, _, users in calls["table"]) == [
        ("anonymous", (0, 1)),
        ("personalized", (0,)),
        ("personalized", (1,)),
    ]
    assert calls["built"].total() == calls["table"].total()
    # Each game once per tie policy: C1, C5, C7 (personalized) and C2, C3 (anonymous) share the
    # deviator-favourable enumeration; C4 adds the canonical and the adversarial ones.
    assert max(calls["equilibria"].values()) == 1
    assert {(mode, policy) for mode, _, _, policy in calls["equilibria"]} == {
        (mode, policy) for mode in Mode for policy in TiePolicy
    }
    # The analysis's own counters agree with what actually ran.
    assert analysis.work["benchmark"] == len(everyone)
    assert analysis.work["equilibria"] == len(calls["equilibria"])
    assert analysis.work["game"] == len(Mode)


def test_a_check_in_full_certifies_each_equilibrium_once(monkeypatch: pytest.MonkeyPatch) -> None:
    # A C5 (b) witness: C5 (b) certifies personalized equilibria one by one after C1 certified the
    # personalized game in full, and C7 quantifies over the same certification.
    name = "C5b-complementary-s0-0001"
    calls = _counting(monkeypatch)
    analysis = Analysis(load(INSTANCES / "witnesses" / f"{name}.yaml"))
    results = check_claims(analysis.instance, options=CheckOptions(full=True), analysis=analysis)
    assert results["C5"].parts[1].verdict.value == "holds"
    # C1, C5 and C7 quantify over the personalized game's survivors, C3 over the anonymous one's:
    # one certification in full per game; C5 (b) then certifies single equilibria, which the
    # certification in full already did.
    assert sorted(mode.value for mode, _, _ in calls["certification"]) == ["anonymous", "personalized"]
    assert max(calls["certification"].values()) == 1
    assert calls["certified"] and max(calls["certified"].values()) == 1
    assert max(calls["table"].values()) == 1
    assert calls["built"].total() == calls["table"].total()
    assert max(calls["benchmark"].values()) == 1
    assert max(calls["equilibria"].values()) == 1


# -- the analysis returns what the engine returns --------------------------------------------------------


@pytest.mark.parametrize("path", BUNDLED, ids=[p.stem for p in BUNDLED])
def test_information_and_alignment_are_the_engines(path: Path) -> None:
    instance = load(path)
    analysis = Analysis(instance)
    delta = Fraction(1, 10)
    for t in provider_subsets(instance):
        assert analysis.garbling(t) == common_garbling(instance, t)
        assert analysis.strong_alignment(t) == strong_alignment(instance, t)
        assert analysis.strong_alignment(t, delta) == strong_alignment(instance, t, delta)
        for i in range(len(instance.users)):
            assert analysis.benchmark(i, t) == solve_benchmark(instance, i, t)
            assert analysis.weak_alignment(i, t) == weak_alignment(instance, i, t)
            assert analysis.bound_weights(i, t) == best_bound_weights(instance, i, t)
            assert analysis.bound_weights(i, t, delta) == best_bound_weights(instance, i, t, delta)
    for i in range(len(instance.users)):
        assert analysis.optimum(i) == optimum(instance, i)


@pytest.mark.parametrize("path", BUNDLED, ids=[p.stem for p in BUNDLED])
def test_games_and_equilibria_are_the_engines(path: Path) -> None:
    instance = load(path)
    analysis = Analysis(instance)
    for mode in Mode:
        game = Game(instance, mode, Deterministic())
        shared = analysis.game(mode, Deterministic())
        assert shared.rules == game.rules
        for policy in TiePolicy:
            assert analysis.equilibria(mode, Deterministic(), Fraction(0), policy) == solve_equilibria(
                game, Fraction(0), policy
            )
        if mode is Mode.PERSONALIZED:
            assert [s.table for s in shared.split()] == [s.table for s in game.split()]
        else:
            assert shared.table == game.table


def test_a_certification_in_full_is_the_engines() -> None:
    instance = load(INSTANCES / "prosecutor_judge.yaml")
    analysis = Analysis(instance)
    for mode in Mode:
        game = Game(instance, mode, Deterministic())
        expected = certify_result(game, solve_equilibria(game))
        assert analysis.certification(mode, Deterministic()) == expected


# -- what is remembered ----------------------------------------------------------------------------------


def test_a_quantity_is_computed_once_and_a_set_is_keyed_by_its_indices() -> None:
    analysis = Analysis(load(TWO_BY_TWO))
    first = analysis.benchmark(0, (0, 1))
    # T is the sorted tuple of its indices, however it is written.
    assert analysis.benchmark(0, ("beta", "alpha")) is first
    assert analysis.benchmark(0, (1, 0)) is first
    assert analysis.work["benchmark"] == 1
    game = analysis.game(Mode.PERSONALIZED, Deterministic())
    assert analysis.game(Mode.PERSONALIZED, Deterministic()) is game
    # A personalized game hands out the same one-user games every time (their tables with them).
    assert game.split() is game.split()
    assert analysis.game(Mode.PERSONALIZED, Grid(1)) is not game  # another class, another game


def test_a_refusal_is_remembered_like_a_value(monkeypatch: pytest.MonkeyPatch) -> None:
    calls = _counting(monkeypatch)
    analysis = Analysis(load(TWO_BY_TWO))
    # A class limit of 0 refuses every class: the enumeration raises, once.
    for _ in range(2):
        with pytest.raises(ClassTooLargeError):
            analysis.equilibria(Mode.ANONYMOUS, Deterministic(), limit=0)
    assert analysis.work["equilibria"] == 1
    assert sum(calls["equilibria"].values()) == 1


def test_a_result_cut_short_is_not_remembered(monkeypatch: pytest.MonkeyPatch) -> None:
    stopped = []

    def interrupted(*arguments: Any, **keywords: Any) -> Any:
        result = solve_equilibria(*arguments, **keywords)
        if not stopped:
            stopped.append(True)
            return dataclasses.replace(result, complete=False)
        return result

    monkeypatch.setattr(solver.analysis, "solve_equilibria", interrupted)
    analysis = Analysis(load(TWO_BY_TWO))
    assert not analysis.equilibria(Mode.ANONYMOUS, Deterministic()).complete
    # Asked again, the enumeration runs again and its complete result is kept.
    assert analysis.equilibria(Mode.ANONYMOUS, Deterministic()).complete
    assert analysis.equilibria(Mode.ANONYMOUS, Deterministic()).complete
    assert analysis.work["equilibria"] == 2


def test_a_certification_over_equilibria_cut_short_certifies_nothing(monkeypatch: pytest.MonkeyPatch) -> None:
    stopped = []

    def interrupted(*arguments: Any, **keywords: Any) -> Any:
        result = solve_equilibria(*arguments, **keywords)
        if not stopped:
            stopped.append(True)
            return dataclasses.replace(result, complete=False)
        return result

    monkeypatch.setattr(solver.analysis, "solve_equilibria", interrupted)
    instance = load(INSTANCES / "prosecutor_judge.yaml")
    analysis = Analysis(instance)
    cut = analysis.certification(Mode.ANONYMOUS, Deterministic())
    # Nothing is certified over a list cut short, and nothing is remembered.
    assert not cut.finite.complete and not cut.complete and not cut.certified
    assert (cut.certifications, cut.count) == ((), 0)
    assert cut.worst == cut.best == (None,) * len(instance.users)
    assert analysis.work["certification"] == 0
    # Asked again, the list is enumerated in full and certified as the engine certifies it.
    game = Game(instance, Mode.ANONYMOUS, Deterministic())
    assert analysis.certification(Mode.ANONYMOUS, Deterministic()) == certify_result(
        game, solve_equilibria(game)
    )
    assert analysis.work["certification"] == 1


# -- sharing changes no verdict ----------------------------------------------------------------------------


@pytest.mark.parametrize("path", BUNDLED, ids=[p.stem for p in BUNDLED])
def test_one_shared_analysis_gives_what_one_analysis_per_claim_gives(path: Path) -> None:
    instance = load(path)
    shared = check_claims(instance)
    for claim_id, claim in claims().items():
        alone = claim.check(Analysis(instance), CheckOptions())
        assert alone.to_json() == shared[claim_id].to_json(), claim_id


def test_an_analysis_of_another_instance_is_refused() -> None:
    from solver.core.errors import ModelError

    analysis = Analysis(load(TWO_BY_TWO))
    with pytest.raises(ModelError, match="another instance"):
        check_claims(load(INSTANCES / "prosecutor_judge.yaml"), analysis=analysis)

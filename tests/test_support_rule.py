"""C1's and C6's support rule (SPEC.md §8): the bound weighs only providers with a stake in the user.

The proof of C1 lets a provider j of T deviate to the user's best T-shared rule and reads
``λ_{j,i}(E_ρ − E_eq) ≤ δ`` from the equilibrium; with ``λ_{j,i} = 0`` that step says nothing. So
``ε_i(T)`` and ``1/λ*_i`` of the bound are those of the best weights on the providers of T with
``λ_{j,i} > 0``, for δ = 0 as well, and a T without any is a vacuous row. The regression instances
in ``instances/regressions/c1_stakeless_provider*.yaml`` are the smallest games where the former
rule (the bound term taken as ``2 ε`` whatever the factor when δ = 0) reported a counterexample to
the theorem; :func:`old_best_bound_weights` keeps that rule here as a test double, to show the
instances and the search reach the case.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from fractions import Fraction
from pathlib import Path

import pytest
from click.testing import CliRunner

from pluralis.cli import cli
from proofs import c1_personalized, c6_single_user
from proofs.claim import CheckOptions, Verdict
from proofs.equilibria import quantify
from proofs.shrink import shrink_instance
from solver import analysis as analysis_module
from solver.analysis import Analysis
from solver.conversation.classes import Grid
from solver.conversation.garblings import resolve_providers
from solver.core.model import Instance
from solver.core.serialization import instance_from_dict, instance_to_dict, load
from solver.equilibria.games import Mode
from solver.responses.alignment import AlignmentBound, best_bound_weights, weak_alignment
from solver.responses.information import solve_benchmark

REGRESSIONS = Path(__file__).resolve().parent.parent / "instances" / "regressions"


def old_best_bound_weights(
    instance: Instance, user: int, providers: Iterable[str | int], delta: Fraction = Fraction(0)
) -> AlignmentBound:
    """The former rule: with δ = 0 the bound term is ``2 ε_i(T)`` over all of T, whatever the factor."""
    members = resolve_providers(instance, providers)
    if delta != 0:
        # With δ > 0 the former rule already left providers with λ = 0 out.
        return best_bound_weights(instance, user, members, delta)
    fit = weak_alignment(instance, user, members)
    support = tuple(j for j in members if instance.stakes[j][user].weight > 0)
    return AlignmentBound(
        user,
        members,
        support,
        Fraction(0),
        2 * fit.error,
        fit.weights,
        fit.offset,
        fit.error,
        fit.transfer_factor,
        fit.certified,
    )


def _old_rule(monkeypatch: pytest.MonkeyPatch) -> None:
    # C1's checker, and through it C6, C4 and the search, read the weights from the analysis,
    # which reads them from this one name.
    monkeypatch.setattr(analysis_module, "best_bound_weights", old_best_bound_weights)


# -- the regression instances --------------------------------------------------------------------------

# Hand derivations are in each file's provenance note: P's payoff λ·E[U] is 0 under every rule, so
# every rule of the class is an equilibrium; Bench({P}) = 1 (revealing the state); the worst
# equilibrium is a rule constant in the signal.
CASES = [
    # (file, deterministic equilibria, grid:2 equilibria, worst utility)
    pytest.param("c1_stakeless_provider", 4, 9, Fraction(1, 2), id="one-provider"),
    # Her hunch is right 3/4 of the time: max(1/2·3/4, 1/2·1/4) per hunch, 3/4 in all.
    pytest.param("c1_stakeless_provider_features", 4, 9, Fraction(3, 4), id="features"),
    # A message per (signal, report): 2^4 deterministic rules and 3^4 in grid:2.
    pytest.param("c1_stakeless_provider_report", 16, 81, Fraction(1, 2), id="user-turn"),
]
SETTINGS = [
    pytest.param(CheckOptions(), id="deterministic"),
    pytest.param(CheckOptions(Grid(2)), id="grid2"),
    pytest.param(CheckOptions(delta=Fraction(1, 10)), id="delta"),
    pytest.param(CheckOptions(full=True), id="full"),
]


def _load(name: str) -> Instance:
    return load(REGRESSIONS / f"{name}.yaml")


@pytest.mark.parametrize(("name", "deterministic", "grid", "worst"), CASES)
def test_the_regression_games_are_as_derived_by_hand(
    name: str, deterministic: int, grid: int, worst: Fraction
) -> None:
    instance = _load(name)
    assert instance.stakes[0][0].weight == 0
    assert solve_benchmark(instance, 0, (0,)).value == 1
    # U = u: weight 1 on P, offset 0 fits exactly (SPEC §7), with an infinite transfer factor.
    fit = weak_alignment(instance, 0, (0,))
    assert fit.error == 0 and fit.transfer_factor is None
    for options, count in ((CheckOptions(), deterministic), (CheckOptions(Grid(2)), grid)):
        quantified = quantify(Analysis(instance), Mode.PERSONALIZED, options)
        assert quantified.count == count
        assert quantified.worst[0] == worst


@pytest.mark.parametrize(("name", "deterministic", "grid", "worst"), CASES)
@pytest.mark.parametrize("options", SETTINGS)
def test_c1_and_c6_are_vacuous_without_a_stake(
    name: str, deterministic: int, grid: int, worst: Fraction, options: CheckOptions
) -> None:
    # SPEC §8: no provider of T = {P} has a stake in her, so the row is vacuous, for δ = 0 as well.
    analysis = Analysis(_load(name))
    result = c1_personalized.check(analysis, options)
    assert result.verdict is Verdict.VACUOUS
    (row,) = result.rows
    assert row.verdict is Verdict.VACUOUS and row.bound is None and row.worst == worst
    assert "stake" in row.note and "λ = 0" in row.note
    if options.delta == 0:
        assert c6_single_user.check(analysis, options).verdict is Verdict.VACUOUS


@pytest.mark.parametrize(("name", "deterministic", "grid", "worst"), CASES)
def test_the_former_rule_called_the_regression_games_counterexamples(
    name: str, deterministic: int, grid: int, worst: Fraction, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The defect each file records: with δ = 0 the bound was Bench − 2·0 = 1 > worst.
    _old_rule(monkeypatch)
    instance = _load(name)
    for check in (c1_personalized.check, c6_single_user.check):
        result = check(Analysis(instance), CheckOptions())
        assert result.verdict is Verdict.COUNTEREXAMPLE
        assert [(r.bound, r.worst) for r in result.rows] == [(Fraction(1), worst)]
    # With δ > 0 it already said vacuous.
    delta = CheckOptions(delta=Fraction(1, 10))
    assert c1_personalized.check(Analysis(instance), delta).verdict is Verdict.VACUOUS


@pytest.mark.parametrize(("name", "deterministic", "grid", "worst"), CASES)
@pytest.mark.parametrize("delta", [Fraction(0), Fraction(1, 10)], ids=["exact", "delta"])
def test_c4_no_longer_blames_the_ties(
    name: str, deterministic: int, grid: int, worst: Fraction, delta: Fraction
) -> None:
    # C4 re-runs C1 with canonical and adversarial ties; P is indifferent under every tie rule, so
    # every run is vacuous for T = {P} and no tie policy breaks C1 here.
    from proofs.c4_tie_sensitivity import check as check_c4

    assert check_c4(Analysis(_load(name)), CheckOptions(delta=delta)).verdict is not Verdict.COUNTEREXAMPLE


def test_the_proof_instantiation_says_the_row_is_vacuous() -> None:
    analysis = Analysis(_load("c1_stakeless_provider"))
    quantified = quantify(analysis, Mode.PERSONALIZED, CheckOptions())
    equilibrium = quantified.worst_equilibrium(0)
    assert equilibrium is not None
    proof = c1_personalized.instantiate(analysis, equilibrium, 0, (0,))
    assert all(step.holds for step in proof.steps)
    assert "vacuous" in proof.steps[0].statement


# -- a stakeless provider beside one with a stake ------------------------------------------------------


def _beside_a_bystander() -> Instance:
    """The stakeless P1 of the regression file, plus P2 (λ = 1) who sees the state but gains nothing."""
    document = instance_to_dict(_load("c1_stakeless_provider"))
    document["providers"]["Q"] = {"signals": ["s1", "s2"]}
    for world, signal in (("w1", "s1"), ("w2", "s2")):
        document["worlds"][world]["signals"]["Q"] = signal
    flat = {a: {"y1": 0, "y2": 0} for a in ("a1", "a2")}
    document["stakes"]["Q"] = {"judge": {"weight": 1, "utility": flat}}
    return instance_from_dict(document)


def test_the_bound_weighs_only_the_provider_with_a_stake() -> None:
    # T = {P, Q}: only Q (λ = 1, U ≡ 0) may carry weight, so the fit of u = [match] is a constant:
    # ε = 1/2 (c = 1/2) and the bound is Bench({P, Q}) − 2·1/2 = 1 − 1 = 0. {P} alone: vacuous;
    # {Q}: the same bound 0. Every equilibrium gives her at least 1/2 ≥ 0.
    instance = _beside_a_bystander()
    bound = best_bound_weights(instance, 0, (0, 1))
    assert bound.support == (1,) and bound.weights == (Fraction(0), Fraction(1))
    assert bound.error == Fraction(1, 2) and bound.bound_term == 1
    analysis = Analysis(instance)
    result = c1_personalized.check(analysis, CheckOptions())
    assert result.verdict is Verdict.HOLDS
    rows = {r.subset: r for r in result.rows}
    assert rows[(0,)].verdict is Verdict.VACUOUS
    assert rows[(1,)].bound == 0 and rows[(0, 1)].bound == 0
    assert rows[(0, 1)].subset_label == "P,Q"
    assert "no weight on P (λ = 0)" in rows[(0, 1)].note
    quantified = quantify(analysis, Mode.PERSONALIZED, CheckOptions())
    equilibrium = quantified.worst_equilibrium(0)
    assert equilibrium is not None
    proof = c1_personalized.instantiate(analysis, equilibrium, 0, (0, 1))
    # The deviations written out are Q's only, and every step holds.
    assert any("after Q " in step.statement for step in proof.steps)
    assert all("after P " not in step.statement for step in proof.steps)
    assert all(step.holds for step in proof.steps), [s.to_json() for s in proof.steps]


def test_c6_says_delta_is_outside_its_statement() -> None:
    result = c6_single_user.check(
        Analysis(_load("c1_stakeless_provider")), CheckOptions(delta=Fraction(1, 10))
    )
    assert result.verdict is Verdict.VACUOUS
    assert "δ = 0" in result.reasons[0] and "1/10" in result.reasons[0]
    assert result.setting.delta == Fraction(1, 10)


# -- the search reaches the edge -----------------------------------------------------------------------


def test_the_shrinker_can_set_a_stake_to_zero() -> None:
    instance = _beside_a_bystander()
    document = instance_to_dict(instance)
    document["stakes"]["P"]["judge"]["weight"] = "1/2"
    start = instance_from_dict(document)

    def stakeless(candidate: Instance) -> bool:
        return any(stake.weight == 0 for row in candidate.stakes for stake in row)

    assert not stakeless(start)
    shrunk = shrink_instance(start, stakeless, max_evaluations=50)
    assert stakeless(shrunk.instance)
    assert any(step.endswith("to 0") for step in shrunk.steps)
    kept = shrink_instance(start, stakeless, max_evaluations=50, zero_stakes=False)
    assert not stakeless(kept.instance)


SEARCH = ["search", "--claim", "C1", "--method", "hypothesis", "--budget", "100", "--seed", "0"]


def test_the_search_finds_the_former_false_counterexample_and_no_longer(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    # Under the former rule the hypothesis search reaches a provider with λ = 0 and a counterexample.
    with monkeypatch.context() as patched:
        _old_rule(patched)
        outcome = CliRunner().invoke(cli, [*SEARCH, "--out", str(tmp_path / "old")])
        assert outcome.exit_code == 0, outcome.output
    (record_path,) = sorted((tmp_path / "old").glob("C1-*.verdict.json"))
    record = json.loads(record_path.read_text(encoding="utf-8"))
    assert record["verdict"] == "counterexample"
    instance = load(tmp_path / "old" / record["instance"])
    failing = [r for r in record["result"]["details"]["rows"] if r["verdict"] == "counterexample"]
    assert failing
    for row in failing:
        i = instance.user_index(row["user"])
        members = [instance.provider_index(p) for p in row["T"].split(",")]
        # What it found is the edge: nobody in T has a stake in her.
        assert all(instance.stakes[j][i].weight == 0 for j in members)
    # Under the support rule those rows are vacuous and the instance is no counterexample.
    result = c1_personalized.check(Analysis(instance), CheckOptions())
    assert result.verdict is not Verdict.COUNTEREXAMPLE
    rows = {(r.user, r.subset_label): r for r in result.rows}
    assert all(rows[(r["user"], r["T"])].verdict is Verdict.VACUOUS for r in failing)
    # The same search with the support rule finds nothing.
    outcome = CliRunner().invoke(cli, [*SEARCH, "--out", str(tmp_path / "new")])
    assert outcome.exit_code == 0, outcome.output
    assert not list((tmp_path / "new").glob("C1-*.verdict.json"))


def test_c7_measures_the_ratio_against_the_c1_bound_with_its_support_rule() -> None:
    # The stakeless P of the regression file, with U(a2, y1) = 1/4 instead of 0: the fit of all of
    # T = {P} has ε = 1/8 (weight 1, offset −1/8) and the uninformative equilibrium leaves her at
    # 1/2 against Bench 1, a ratio (1 − 1/2)/(1/8) = 4. But P has no stake in her: C1 says nothing
    # for this T (SPEC §8), so no ratio of C1's constant is measured and nothing contradicts C1.
    from proofs import c7_tightness

    document = instance_to_dict(_load("c1_stakeless_provider"))
    document["stakes"]["P"]["judge"]["utility"]["a2"]["y1"] = "1/4"
    instance = instance_from_dict(document)
    assert weak_alignment(instance, 0, (0,)).error == Fraction(1, 8)
    result = c7_tightness.check(Analysis(instance), CheckOptions())
    assert result.verdict is not Verdict.COUNTEREXAMPLE
    assert c7_tightness.ratio_of(result) is None

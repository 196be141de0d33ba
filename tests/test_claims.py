"""The claims of SPEC.md §8: properties over hypothesis instances, hand-derived cases, the search.

C1 and C3 are theorems: on no instance may their checkers report a counterexample, in the
deterministic or the grid class, exactly or with δ > 0; C1's proof, written out on an equilibrium,
holds step by step. The existence claims' witnesses carry certificates that the independent
verifier accepts, and ``pluralis search --claim C2`` finds one from the command in the README.
"""

from __future__ import annotations

import json
import re
from fractions import Fraction
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import given
from hypothesis import strategies as st

from pluralis.cli import cli
from proofs import c1_personalized, c2_anonymous_failure, c3_strong_alignment, c5_conditions, c7_tightness
from proofs.c4_tie_sensitivity import check as check_c4
from proofs.c5_conditions import PersuasionWitness, PoolingWitness
from proofs.c6_single_user import check as check_c6
from proofs.c7_tightness import TightnessWitness
from proofs.certified import is_uninformative
from proofs.check import check_claims, claims
from proofs.claim import CheckOptions, Verdict
from proofs.equilibria import quantify
from proofs.search import TARGETS, SearchRequest, run_search
from proofs.shrink import shrink_instance
from proofs.strategies import search_instances
from solver.analysis import Analysis
from solver.certificates.verify import verify_file
from solver.conversation.classes import Deterministic, Grid, Menu, Shared, parse_class
from solver.conversation.rules import Rule
from solver.core.errors import ClassTooLargeError
from solver.core.model import Instance
from solver.core.serialization import load
from solver.equilibria.games import Mode
from solver.responses.information import provider_subsets
from tests import strategies as S

ROOT = Path(__file__).resolve().parent.parent
INSTANCES = ROOT / "instances"
WITNESSES = INSTANCES / "witnesses"

# Trees and classes small enough to enumerate grid:2 in both games quickly.
CLAIM_SHAPES = (S.Shape(("P",), 0, 2), S.Shape(("U", "P"), 2, 2, min_user_messages=2))
CLAIM_INSTANCES = S.small_instances(
    max_states=2, max_providers=2, max_signals=2, max_actions=2, max_worlds=3, shapes=CLAIM_SHAPES
)
CLASSES_AND_DELTAS = [
    pytest.param("deterministic", Fraction(0), id="deterministic-exact"),
    pytest.param("deterministic", Fraction(1, 10), id="deterministic-delta"),
    pytest.param("grid:2", Fraction(0), id="grid2-exact"),
    pytest.param("grid:2", Fraction(1, 10), id="grid2-delta"),
]


def _run(check: object, instance: Instance, options: CheckOptions) -> Verdict | None:
    try:
        return check(Analysis(instance), options).verdict  # type: ignore[operator,no-any-return]
    except ClassTooLargeError:
        return None


# -- the theorems never fail ---------------------------------------------------------------------------


@pytest.mark.parametrize(("class_name", "delta"), CLASSES_AND_DELTAS)
@given(CLAIM_INSTANCES)
def test_c1_never_has_a_counterexample(class_name: str, delta: Fraction, instance: Instance) -> None:
    verdict = _run(c1_personalized.check, instance, CheckOptions(parse_class(class_name), delta))
    assert verdict is not Verdict.COUNTEREXAMPLE


@pytest.mark.parametrize(("class_name", "delta"), CLASSES_AND_DELTAS)
@given(CLAIM_INSTANCES)
def test_c3_never_has_a_counterexample(class_name: str, delta: Fraction, instance: Instance) -> None:
    verdict = _run(c3_strong_alignment.check, instance, CheckOptions(parse_class(class_name), delta))
    assert verdict is not Verdict.COUNTEREXAMPLE


@given(search_instances(min_providers=2, min_states=2, min_signals=2, informative=True))
def test_c1_and_c3_hold_on_aligned_and_opposed_markets(instance: Instance) -> None:
    # Instances where providers are aligned with or opposed to users exactly: C1's and C3's
    # hypotheses are met often, so the bounds have something to say.
    for check in (c1_personalized.check, c3_strong_alignment.check):
        assert _run(check, instance, CheckOptions()) is not Verdict.COUNTEREXAMPLE


@given(CLAIM_INSTANCES, st.sampled_from([Fraction(0), Fraction(1, 10)]))
def test_c1_proof_holds_step_by_step(instance: Instance, delta: Fraction) -> None:
    # Every inequality of C1's proof holds on every user's worst equilibrium, for every T.
    analysis = Analysis(instance)
    try:
        quantified = quantify(analysis, Mode.PERSONALIZED, CheckOptions(delta=delta))
    except ClassTooLargeError:
        return
    for i in range(len(instance.users)):
        equilibrium = quantified.worst_equilibrium(i)
        if equilibrium is None:
            continue
        for t in provider_subsets(instance):
            proof = c1_personalized.instantiate(analysis, equilibrium, i, t, delta)
            failing = [s.to_json() for s in proof.steps if not s.holds]
            assert not failing, failing


@given(CLAIM_INSTANCES)
def test_c6_agrees_with_c1_on_single_user_instances(instance: Instance) -> None:
    result = check_c6(Analysis(instance), CheckOptions())
    if len(instance.users) != 1:
        assert result.verdict is Verdict.VACUOUS
    else:
        assert result.verdict is c1_personalized.check(Analysis(instance), CheckOptions()).verdict


@given(
    S.small_instances(
        max_states=2,
        max_providers=2,
        max_signals=2,
        max_actions=2,
        max_worlds=3,
        shapes=CLAIM_SHAPES,
    )
)
def test_c7_ratio_never_exceeds_two_exactly(instance: Instance) -> None:
    # With δ = 0, C7 divides by C1's ε_i(T) (on the providers with a stake, SPEC §8), so a ratio
    # above 2 would contradict C1.
    result = c7_tightness.check(Analysis(instance), CheckOptions())
    ratio = c7_tightness.ratio_of(result)
    assert ratio is None or ratio <= 2
    assert result.verdict is not Verdict.COUNTEREXAMPLE


# -- hand-derived cases on the bundled library ---------------------------------------------------------


def test_registry_lists_every_claim_in_order() -> None:
    assert list(claims()) == ["C1", "C2", "C3", "C4", "C5", "C6", "C7"]


def test_the_search_targets_are_those_the_claims_declare() -> None:
    # One target per claim, and one per part of C5 (its parts are searched for separately).
    assert list(TARGETS) == ["C1", "C2", "C3", "C4", "C5a", "C5b", "C6", "C7"]
    for claim in claims().values():
        for search in claim.searches:
            target = TARGETS[search.name]
            assert target.claim == claim.id and target.kind is search.kind
            assert target.check is (search.check or claim.check)
    assert TARGETS["C5a"].check is c5_conditions.check_part_a
    assert TARGETS["C5b"].check is c5_conditions.check_part_b


def test_which_classes_contain_the_shared_rules() -> None:
    # Deterministic rules include the T-shared ones; a grid of step 1/q includes every point mass,
    # hence every deterministic rule; shared:T and a menu hold only some rules.
    assert Deterministic().contains_shared_rules
    assert Grid(1).contains_shared_rules and Grid(3).contains_shared_rules
    assert not Shared(("alpha",)).contains_shared_rules
    assert not Menu(()).contains_shared_rules
    result = c1_personalized.check(
        Analysis(load(INSTANCES / "two_providers_two_users.yaml")), CheckOptions(Shared(("alpha", "beta")))
    )
    assert result.verdict is Verdict.VACUOUS
    assert result.reasons == ("class shared:alpha,beta does not contain every T-shared rule",)


def test_c5a_on_the_prosecutor_and_judge() -> None:
    # Prior 3/10 guilty. The optimal persuasion rule convicts on "guilty" and on 3/7 of the
    # innocent worlds: P(convict) = 3/10 + 3/10 = 3/5 at posterior 1/2, where the judge is
    # indifferent and convicts (ties favour the prosecutor), right half the time: 3/10; "acquit"
    # (2/5) is always right: 2/5. She gets 7/10 < Bench({prosecutor}) = 1. The prosecutor's
    # utility U = [convict] fits hers u = [right] with error |U + c − u| ≥ 1 at (convict, innocent)
    # or (acquit, innocent) whatever c: ε = 1, so C1 only promises 1 − 2 = −1.
    instance = load(INSTANCES / "prosecutor_judge.yaml")
    result = c5_conditions.check_part_a(Analysis(instance), CheckOptions())
    assert result.verdict is Verdict.HOLDS
    witness = result.witness
    assert isinstance(witness, PersuasionWitness)
    assert witness.utility == Fraction(7, 10)
    assert witness.benchmark == 1
    assert witness.epsilon == 1
    assert witness.c1_bound == -1
    assert witness.certified.valid is True
    # The JSON form writes the same numbers as exact strings.
    document = witness.to_json()
    assert (document["utility"], document["c1_bound"], document["certificate_valid"]) == ("7/10", "-1", True)


def test_c5b_on_complementary_halves() -> None:
    # Two fair bits, alpha sees b1 and beta b2. The common garbling of {alpha, beta} is one cell,
    # so Bench_guesser(K) = 1/4 (a blind guess) while each provider alone is worth 1/2 to her and
    # both together 1 (the pooled benchmark). Both providers are aligned with the guesser, so in
    # every personalized equilibrium she learns one bit: 1/2 ≥ 1/4, and < 1.
    instance = load(INSTANCES / "complementary_halves.yaml")
    analysis = Analysis(instance)
    assert c5_conditions.pooled_benchmark(instance, 0) == 1
    assert c5_conditions.single_value(analysis, 0, 0) == Fraction(1, 2)
    result = c5_conditions.check_part_b(analysis, CheckOptions())
    assert result.verdict is Verdict.HOLDS
    witness = result.witness
    assert isinstance(witness, PoolingWitness)
    assert instance.users[witness.user].label == "guesser"
    assert witness.utility == Fraction(1, 2)
    assert witness.pooled[0] == 1
    assert witness.benchmarks[0] == Fraction(1, 4)
    assert witness.certified.valid is True
    document = witness.to_json()
    assert (document["user"], document["pooled"]["guesser"], document["benchmarks"]["guesser"]) == (
        "guesser",
        "1",
        "1/4",
    )


def test_join_garbling_separates_signal_profiles() -> None:
    instance = load(INSTANCES / "complementary_halves.yaml")
    assert len(c5_conditions.join_garbling(instance).cells) == 4
    instance = load(INSTANCES / "two_providers_two_users.yaml")
    # Alpha sees the state, beta only whether it is low: the join is alpha's partition.
    assert len(c5_conditions.join_garbling(instance).cells) == 3


def test_c1_margins_on_the_two_by_two_market() -> None:
    # The matcher: alpha is aligned with her (ε({alpha}) = 0) and sees the state, so
    # Bench({alpha}) = 1 and the bound is 1; beta only tells low from {mid, high}: with both,
    # Bench = 2/3 and ε = 0 (all weight on alpha). The investor only needs "low or not": all her
    # benchmarks are 3/4, and beta is aligned with her (bound 3/4 for {beta} and {alpha, beta}).
    instance = load(INSTANCES / "two_providers_two_users.yaml")
    result = c1_personalized.check(Analysis(instance), CheckOptions())
    assert result.verdict is Verdict.HOLDS
    bounds = {(r.user, r.subset_label): r.bound for r in result.rows}
    # Rows carry T as provider indices; the label is only how it is printed.
    assert {r.subset_label: r.subset for r in result.rows} == {
        "alpha": (0,),
        "beta": (1,),
        "alpha,beta": (0, 1),
    }
    assert bounds[("matcher", "alpha")] == 1
    assert bounds[("matcher", "alpha,beta")] == Fraction(2, 3)
    assert bounds[("investor", "beta")] == Fraction(3, 4)
    assert bounds[("investor", "alpha,beta")] == Fraction(3, 4)
    assert all(r.margin is None or r.margin >= 0 for r in result.rows)


def test_c2_is_vacuous_on_the_bundled_examples_and_says_why() -> None:
    for name in ("two_providers_two_users.yaml", "prosecutor_judge.yaml", "complementary_halves.yaml"):
        result = c2_anonymous_failure.check(Analysis(load(INSTANCES / name)), CheckOptions())
        assert result.verdict is Verdict.VACUOUS
        assert result.reasons[0][:3] in ("(a)", "(b)", "(c)")


def test_c6_on_the_prosecutor_and_judge() -> None:
    # One user: in the deterministic class the prosecutor's best rule reveals (3/10 convictions
    # against none when pooling), so the judge gets 1 ≥ Bench − 2ε = 1 − 2.
    result = check_c6(Analysis(load(INSTANCES / "prosecutor_judge.yaml")), CheckOptions())
    assert result.verdict is Verdict.HOLDS
    assert [(r.bound, r.worst) for r in result.rows] == [(Fraction(-1), Fraction(1))]


def test_c7_on_the_prosecutor_and_judge() -> None:
    # The deterministic equilibrium reveals: ratio (1 − 1)/1 = 0.
    result = c7_tightness.check(Analysis(load(INSTANCES / "prosecutor_judge.yaml")), CheckOptions())
    assert c7_tightness.ratio_of(result) == 0
    assert isinstance(result.witness, TightnessWitness) and result.witness.attains_two is False
    assert result.witness.to_json()["ratio"] == "0"


def test_c4_holds_where_ties_do_not_matter() -> None:
    result = check_c4(Analysis(load(INSTANCES / "prosecutor_judge.yaml")), CheckOptions())
    assert result.verdict is Verdict.HOLDS
    # The finding first, then one reason per run: C1 and C3 with canonical and adversarial ties.
    assert result.finding == "no failure" and result.reasons[0].startswith("no failure")
    assert len(result.reasons) == 5


def test_check_claims_runs_every_claim_on_a_bundled_instance() -> None:
    results = check_claims(load(INSTANCES / "noisy_witness.yaml"))
    assert set(results) == {"C1", "C2", "C3", "C4", "C5", "C6", "C7"}
    assert results["C1"].verdict is Verdict.HOLDS
    assert results["C5"].verdict is Verdict.HOLDS


def test_uninformative_rules() -> None:
    point = (Fraction(1), Fraction(0))
    other = (Fraction(0), Fraction(1))
    assert is_uninformative(Rule(((point,), (point,))))
    assert not is_uninformative(Rule(((point,), (other,))))


# -- witnesses of the existence claims -----------------------------------------------------------------


def _c2_witnesses() -> list[Path]:
    return sorted(p for p in WITNESSES.glob("C2-*.yaml") if not p.name.endswith(".certificate.yml"))


def test_the_library_has_a_c2_witness_that_verifies() -> None:
    files = _c2_witnesses()
    assert files, "instances/witnesses holds no C2 witness"
    for path in files:
        instance = load(path)
        result = c2_anonymous_failure.check(Analysis(instance), CheckOptions())
        assert result.verdict is Verdict.HOLDS
        witness = result.witness
        assert isinstance(witness, c2_anonymous_failure.AnonymousFailureWitness)
        assert witness.certified.valid is True
        certificate = path.with_name(path.stem + ".certificate.yml")
        assert verify_file(certificate).valid


def test_search_finds_the_c2_witness_from_the_documented_command(tmp_path: Path) -> None:
    # The command in the README: pluralis search --claim C2 --budget 100 --seed 0 --out DIR.
    out = tmp_path / "witnesses"
    runner = CliRunner()
    command = ["search", "--claim", "C2", "--budget", "100", "--seed", "0", "--out", str(out)]
    outcome = runner.invoke(cli, command)
    assert outcome.exit_code == 0, outcome.output
    records = sorted(out.glob("C2-*.verdict.json"))
    assert len(records) == 1
    record = json.loads(records[0].read_text(encoding="utf-8"))
    assert record["verdict"] == "holds" and record["certificate_valid"] is True
    assert verify_file(out / record["certificate"]).valid
    instance = load(out / record["instance"])
    assert dict(instance.provenance)["claim"] == "C2"
    assert c2_anonymous_failure.check(Analysis(instance), CheckOptions()).verdict is Verdict.HOLDS
    # Running the same command again resumes a finished search: nothing is recomputed.
    before = {p.name: p.read_bytes() for p in out.iterdir() if p.name != "search-state.json"}
    again = runner.invoke(cli, command)
    assert again.exit_code == 0
    assert {p.name: p.read_bytes() for p in out.iterdir() if p.name != "search-state.json"} == before


@pytest.mark.parametrize("name", ["C2", "C5a", "C5b"])
def test_existence_witnesses_reverify_through_the_independent_verifier(name: str, tmp_path: Path) -> None:
    target = TARGETS[name]
    request = SearchRequest(target, "random", target.family, target.sizes, 0, 60, CheckOptions(), max_found=2)
    state = run_search(request, tmp_path)
    assert state.found
    for found in state.found:
        record = json.loads((tmp_path / f"{found}.verdict.json").read_text(encoding="utf-8"))
        assert record["certificate_valid"] is True
        verification = verify_file(tmp_path / record["certificate"])
        assert verification.valid, verification.reasons


def test_an_interrupted_search_resumes_where_it_stopped(tmp_path: Path) -> None:
    target = TARGETS["C1"]
    first = SearchRequest(target, "random", "uniform", target.sizes, 3, 5, CheckOptions())
    state = run_search(first, tmp_path)
    assert state.next_index == 5 and state.tried == 5 and state.finished
    # A larger budget continues from index 5 without redoing the first five.
    more = SearchRequest(target, "random", "uniform", target.sizes, 3, 8, CheckOptions())
    state = run_search(more, tmp_path)
    assert state.next_index == 8 and state.tried == 8


def test_shrinking_keeps_the_property_and_simplifies() -> None:
    instance = load(INSTANCES / "two_providers_two_users.yaml")

    def has_two_states(candidate: Instance) -> bool:
        return len(candidate.states) >= 2

    shrunk = shrink_instance(instance, has_two_states, max_evaluations=100)
    assert has_two_states(shrunk.instance)
    assert len(shrunk.instance.users) == 1 and len(shrunk.instance.providers) == 1
    assert len(shrunk.instance.states) == 2


@given(search_instances(mirrored=True, min_providers=2, hedge=True, report=True))
def test_search_strategies_build_valid_instances(instance: Instance) -> None:
    # Mirrored pairs average exactly to the user's utility: ε({P1, P2}) = 0 for every user.
    from solver.responses.alignment import weak_alignment

    for i in range(len(instance.users)):
        assert weak_alignment(instance, i, (0, 1)).error == 0
        assert "safe" in instance.users[i].actions


def test_negative_regrets_do_not_offset_positive_ones() -> None:
    # Found by the C7 search while personalized regrets were added without positive parts: P1's
    # regret in U2's game is −5/48 and in U1's game (pooling) +1/16. A deviation for U1 alone
    # leaves U2's response unchanged, so pooling towards U1 is no equilibrium: of the profiles the
    # raw sum admits (224), 192 remain, U1 gets 1/2 in all of them and C1's bound
    # Bench({P1}) − 2ε({P1}) = 1/2 − 1/16 = 7/16 holds.
    instance = load(INSTANCES / "regressions" / "negative_regret.yaml")
    analysis = Analysis(instance)
    quantified = quantify(analysis, Mode.PERSONALIZED, CheckOptions())
    assert quantified.count == 192
    assert quantified.worst[0] == Fraction(1, 2)
    assert c1_personalized.check(analysis, CheckOptions()).verdict is Verdict.HOLDS
    ratio = c7_tightness.ratio_of(c7_tightness.check(analysis, CheckOptions()))
    assert ratio is not None and ratio <= 2


def test_ctrl_c_keeps_the_state_and_the_same_command_resumes(tmp_path: Path) -> None:
    target = TARGETS["C1"]
    request = SearchRequest(target, "random", "uniform", target.sizes, 5, 6, CheckOptions())

    def interrupt(examined: int, state: object) -> None:
        if examined == 3:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        run_search(request, tmp_path, interrupt)
    saved = json.loads((tmp_path / "search-state.json").read_text(encoding="utf-8"))
    (entry,) = saved["runs"].values()
    assert entry["state"]["next_index"] == 3 and not entry["state"]["finished"]
    state = run_search(request, tmp_path)
    assert state.finished and state.next_index == 6 and state.tried == 6


def test_reproduce_prints_verdicts_and_writes_a_report(tmp_path: Path) -> None:
    library = tmp_path / "library"
    library.mkdir()
    for name in ("prosecutor_judge.yaml", "complementary_halves.yaml"):
        (library / name).write_bytes((INSTANCES / name).read_bytes())
    report = tmp_path / "report.md"
    outcome = CliRunner().invoke(cli, ["reproduce", "--library", str(library), "--report", str(report)])
    assert outcome.exit_code == 0, outcome.output
    assert "claims, verdicts and margins" in outcome.output
    text = report.read_text(encoding="utf-8")
    assert "| instance | C1 | C2 | C3 | C4 | C5 (a) | C5 (b) | C6 | C7 |" in text
    # The judge's persuasion shortfall: 7/10 against Bench 1 (margin −3/10), C1 with margin 2.
    assert "| prosecutor_judge.yaml | holds 2 | vacuous |" in text
    assert "holds -3/10" in text


def test_reproduce_prints_a_bracketed_title_as_written(tmp_path: Path) -> None:
    # Titles are data, not console markup: "[b]" must neither vanish nor turn the text bold.
    library = tmp_path / "library"
    library.mkdir()
    text = (INSTANCES / "prosecutor_judge.yaml").read_text(encoding="utf-8")
    titled = re.sub(r"(?m)^title: .*$", "title: 'Judge [b] and [i]'", text, count=1)
    assert titled != text
    (library / "judge.yaml").write_text(titled, encoding="utf-8")
    outcome = CliRunner().invoke(
        cli, ["reproduce", "--library", str(library), "--report", str(tmp_path / "r.md")]
    )
    assert outcome.exit_code == 0, outcome.output
    assert "Judge [b] and [i]" in outcome.output

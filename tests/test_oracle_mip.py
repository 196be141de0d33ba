"""The deviation oracle's MIP path (SPEC.md §9): certified candidates against the exhaustive oracle.

The MIP's answer is made exact before it is reported: the linear program of its choices is solved
and certified, and its own rule is evaluated exactly. So its value is certified as one of the values
the exhaustive oracle maximises over, at most the supremum; in practice the two agree.
"""

from __future__ import annotations

import json
from fractions import Fraction
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from pluralis.cli import cli
from solver.certificates.certification import CertificationStatus, certify_result
from solver.conversation.classes import Deterministic
from solver.conversation.rules import Rule
from solver.core.errors import ClassTooLargeError, ModelError
from solver.core.model import Instance
from solver.core.serialization import load
from solver.equilibria.enumeration import solve_equilibria
from solver.equilibria.games import Game, Mode
from solver.oracle.deviation import (
    DEFAULT_CHOICE_LIMIT,
    DeviationStatus,
    OracleMethod,
    OracleOptions,
    count_choices,
    deviation_payoff,
    program_count,
    solve_commitment,
    solve_deviation,
)
from solver.oracle.problem import METHODS
from solver.responses.response import TiePolicy
from tests.strategies import Shape, small_instances
from tests.test_oracle import ORACLE_CASES, PERSUASION, _best_in_class

LIBRARY = Path(__file__).resolve().parent.parent / "instances"
FORECASTERS = Path(__file__).resolve().parent / "data" / "oracle" / "two_forecasters.yaml"
INDIFFERENT = Path(__file__).resolve().parent / "data" / "oracle" / "indifferent_investor.yaml"
CANDIDATE = "certified candidate, not certified optimal"
F = Fraction


def _re_evaluated(
    instance: Instance, j: int, users: tuple[int, ...], others: list[Rule], rule: Rule
) -> Fraction:
    """j's exact payoff from a rule, users answering with deviator-favourable ties (SPEC §4)."""
    return deviation_payoff(instance, j, users, [others for _ in users], rule)


@pytest.mark.parametrize(("instance", "optimum", "deterministic"), PERSUASION)
def test_mip_candidate_is_the_persuasion_optimum(
    instance: Instance, optimum: Fraction, deterministic: Fraction
) -> None:
    # The optima are derived by hand in tests/test_oracle.py (Kamenica–Gentzkow concavification).
    candidate = solve_commitment(instance, method=OracleMethod.MIP)
    assert candidate.value == optimum > deterministic
    assert not candidate.exhaustive and not candidate.certified and candidate.candidate_certified
    assert candidate.status is DeviationStatus.CANDIDATE
    assert candidate.estimate is not None
    # The reported rule pays exactly the reported value.
    assert _re_evaluated(instance, 0, (0,), [candidate.rule], candidate.rule) == optimum


@settings(max_examples=25)
@given(ORACLE_CASES, st.sampled_from(list(Mode)), st.data())
def test_mip_candidate_agrees_with_the_exhaustive_oracle(
    instance: Instance, mode: Mode, data: st.DataObject
) -> None:
    m = len(instance.providers)
    users = tuple(range(len(instance.users))) if mode is Mode.ANONYMOUS else (0,)
    assume(all(count_choices(instance, j, users, m > 1) <= 2_000 for j in range(m)))
    others = [data.draw(st.sampled_from(Deterministic().enumerate(instance, k))) for k in range(m)]
    for j in range(m):
        exact = solve_deviation(instance, j, users, [others for _ in users], method=OracleMethod.EXHAUSTIVE)
        candidate = solve_deviation(instance, j, users, [others for _ in users], method=OracleMethod.MIP)
        assert exact.certified and candidate.candidate_certified and not candidate.certified
        # Both the candidate and the payoff of the rule it reports are values the supremum is taken over.
        assert candidate.value <= exact.value
        assert _re_evaluated(instance, j, users, others, candidate.rule) <= exact.value
        # The two oracles agree: the MIP found a best combination of choices.
        assert candidate.value == exact.value


def test_auto_switches_to_the_mip_above_the_choice_limit() -> None:
    instance = load(LIBRARY / "two_providers_two_users.yaml")
    users = (0, 1)
    game = Game(instance, Mode.ANONYMOUS, Deterministic())
    equilibrium = solve_equilibria(game, 0, TiePolicy.FAVOURABLE).equilibria[0]
    rules = [list(equilibrium.rules) for _ in users]
    for j in range(len(instance.providers)):
        count = program_count(instance, j, users, rules)
        exact = solve_deviation(instance, j, users, rules, limit=count)
        above = solve_deviation(instance, j, users, rules, limit=count - 1)
        assert exact.exhaustive and exact.certified and exact.status is DeviationStatus.CERTIFIED_EXACT
        assert not above.exhaustive and above.status is DeviationStatus.CANDIDATE
        assert above.value == exact.value
        with pytest.raises(ClassTooLargeError, match=f"{count:,} members, above the limit {count - 1:,}"):
            solve_deviation(instance, j, users, rules, limit=count - 1, method=OracleMethod.EXHAUSTIVE)


def test_a_user_indifferent_between_providers_picks_the_deviator() -> None:
    # Hand derivation (the file's note): every rule is worth 1 to the investor, so she is always
    # indifferent between the providers, and on a tie she picks the deviator (SPEC §4). With the
    # watcher revealing the state, the blind provider would earn 1/2 if she stayed (at "good" both
    # actions pay her 1 and she would take the risky one), but she consults it and, without
    # information, plays safe: its supremum is 0. Every engine must read the tie the same way.
    instance = load(INDIFFERENT)
    reveal = Rule((((F(1), F(0)),), ((F(0), F(1)),)))
    silent = Rule((((F(1), F(0)),),))
    profile = [silent, reveal]
    for method in (OracleMethod.EXHAUSTIVE, OracleMethod.MIP):
        bound = solve_deviation(instance, 0, (0,), [profile], method=method)
        assert bound.value == 0
        assert bound.choices is None or bound.choices[0].consults
    assert _re_evaluated(instance, 0, (0,), profile, silent) == 0
    assert _best_in_class(instance, Deterministic(), (0,), profile, 0) == 0


def test_instance_beyond_the_default_limit_gets_a_certified_candidate() -> None:
    # Two users with two hints and three actions each: 325² = 105,625 choice combinations per
    # deviator (see the file's description), above DEFAULT_CHOICE_LIMIT.
    instance = load(FORECASTERS)
    users = (0, 1)
    game = Game(instance, Mode.ANONYMOUS, Deterministic())
    equilibrium = solve_equilibria(game, 0, TiePolicy.FAVOURABLE).equilibria[0]
    rules = [list(equilibrium.rules) for _ in users]
    for j in range(len(instance.providers)):
        assert count_choices(instance, j, users, True) == 325**2
        assert program_count(instance, j, users, rules) > DEFAULT_CHOICE_LIMIT
        candidate = solve_deviation(instance, j, users, rules)
        assert (
            not candidate.exhaustive
            and candidate.candidate_certified
            and candidate.status is DeviationStatus.CANDIDATE
        )
        # When every user consults the deviator under the candidate's choices, the rule reported
        # attains the value (her own ties only add for j); the solver's own rule always does.
        if candidate.choices is None or all(c.consults for c in candidate.choices):
            assert (
                _re_evaluated(instance, j, users, list(equilibrium.rules), candidate.rule) >= candidate.value
            )
        # Every deterministic rule is a mixed rule: the candidate is at least the best deterministic
        # deviation the enumeration engine found. Without a selection every user who stays is read
        # as leaving j (SPEC §4 case 4: the best for j among her optimal providers), which is at
        # least what keeping any b_i there gives j (case 3), so it bounds the whole range.
        assert candidate.value >= equilibrium.deviations[j][1]
        # One user's slice has 325 combinations: there the exhaustive oracle is exact and agrees.
        for i in users:
            exact = solve_deviation(instance, j, (i,), [list(equilibrium.rules)])
            sliced = solve_deviation(instance, j, (i,), [list(equilibrium.rules)], method=OracleMethod.MIP)
            assert exact.certified and sliced.value == exact.value


@settings(max_examples=10)
@given(
    small_instances(
        max_providers=2,
        max_signals=2,
        max_users=2,
        max_states=2,
        max_worlds=3,
        shapes=(Shape(("P",), 0, 2),),
        features=False,
    ),
    st.sampled_from(list(Mode)),
)
def test_mip_certification_never_contradicts_the_exact_one(instance: Instance, mode: Mode) -> None:
    game = Game(instance, mode, Deterministic())
    finite = solve_equilibria(game)
    exact = certify_result(game, finite)
    candidate = certify_result(game, finite, OracleOptions(method=OracleMethod.MIP))
    assert exact.certified
    assert not candidate.certified or not finite.equilibria
    for e, c in zip(exact.certifications, candidate.certifications):
        # Candidates are lower bounds on the suprema: an exact survivor survives them, and what
        # they refute is refuted exactly.
        assert c.survives or not e.survives
        assert not c.refuted_exactly or not e.survives
        assert c.status in (CertificationStatus.REFUTED, CertificationStatus.SURVIVES_CANDIDATES)
    assert candidate.count >= exact.count


def test_oracle_options_are_validated() -> None:
    with pytest.raises(ModelError, match="unknown oracle method 'simplex'; use one of auto, exhaustive, mip"):
        OracleOptions(method=OracleMethod("simplex"))
    with pytest.raises(ModelError, match=r"must be an OracleMethod \(AUTO, EXHAUSTIVE, MIP\), got 'mip'"):
        OracleOptions(method="mip")  # type: ignore[arg-type]
    with pytest.raises(ModelError, match="positive number of seconds"):
        OracleOptions(time_limit=0)
    with pytest.raises(ModelError, match="non-negative"):
        OracleOptions(limit=-1)


def test_command_line_labels_the_candidate() -> None:
    path = str(LIBRARY / "prosecutor_judge.yaml")
    runner = CliRunner()
    text = runner.invoke(cli, ["solve", path, "--class", "full", "--oracle", "mip"])
    assert text.exit_code == 0, text.output
    assert f"payoff 3/5 ({CANDIDATE})" in text.output
    document = runner.invoke(cli, ["solve", path, "--class", "full", "--choice-limit", "0", "--json"])
    assert document.exit_code == 0, document.output
    commitment = json.loads(document.output)["commitments"][0]
    assert commitment["status"] == CANDIDATE and commitment["payoff"] == "3/5"
    assert json.loads(document.output)["exact"] is False
    exhaustive = runner.invoke(cli, ["solve", path, "--class", "full", "--oracle", "exhaustive", "--json"])
    assert json.loads(exhaustive.output)["commitments"][0]["status"] == "certified exact"


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["--oracle-time-limit", "0"], "--oracle-time-limit"),
        (["--oracle", "simplex"], "--oracle"),
        (["--choice-limit", "-3"], "--choice-limit"),
    ],
)
def test_command_line_refuses_bad_oracle_options(arguments: list[str], message: str) -> None:
    result = CliRunner().invoke(
        cli, ["solve", str(LIBRARY / "prosecutor_judge.yaml"), "--class", "full", *arguments]
    )
    assert result.exit_code == 2 and message in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)


@pytest.mark.parametrize("method", OracleMethod, ids=lambda m: m.value)
def test_an_oracle_method_round_trips_through_its_text(method: OracleMethod) -> None:
    assert OracleMethod(method.value) is method
    assert method.value in METHODS


@pytest.mark.parametrize("status", DeviationStatus, ids=lambda s: s.name)
def test_a_deviation_status_round_trips_through_its_text(status: DeviationStatus) -> None:
    assert DeviationStatus(status.value) is status


def test_an_unknown_deviation_status_names_the_allowed_ones() -> None:
    allowed = "'certified exact', 'certified candidate, not certified optimal', 'NOT certified'"
    with pytest.raises(ModelError, match=f"unknown deviation bound status 'exact'; use one of {allowed}$"):
        DeviationStatus("exact")


def test_a_solve_given_a_method_as_text_names_the_enum() -> None:
    with pytest.raises(ModelError, match="read text with OracleMethod"):
        solve_commitment(load(LIBRARY / "prosecutor_judge.yaml"), method="mip")  # type: ignore[arg-type]

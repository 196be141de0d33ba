"""The bundled instance library: a catalog test and hand-derived values on every instance.

Every expected number below was derived by hand from SPEC.md (§3 induced law and payoffs, §4 backward
induction and ties, §6 common garbling and benchmark); the derivation sits next to the number. Masses
are unnormalised: ``π_i(x, ω) L_σ(ω, h)`` summed per state at each leaf.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from fractions import Fraction
from functools import cache
from pathlib import Path

import pytest

from solver.conversation.garblings import common_garbling
from solver.conversation.protocol import ConversationTree
from solver.conversation.rules import Rule
from solver.core.model import Instance, Table
from solver.core.serialization import dumps, load, loads, substitute
from solver.responses.information import all_benchmarks, benchmark, optimum, solve_benchmark
from solver.responses.response import (
    TiePolicy,
    TieSet,
    find_tie_set,
    provider_payoff,
    respond_to_profile,
    solve_response,
)

INSTANCES = Path(__file__).resolve().parent.parent / "instances"
BUNDLED = sorted(INSTANCES.rglob("*.yaml"))

# A message, or a distribution over messages (message -> probability).
Said = str | Mapping[str, str]


@cache
def bundled(name: str, **values: str) -> Instance:
    """Load ``instances/<name>.yaml``, with parameters substituted when values are given."""
    instance = load(INSTANCES / f"{name}.yaml")
    return substitute(instance, **values) if values else instance


def make_rule(instance: Instance, provider: str, spec: Mapping[str, Said | Mapping[str, Said]]) -> Rule:
    """Build provider j's rule from labels: signal -> said, or signal -> node spelling -> said."""
    j = instance.provider_index(provider)
    tree = ConversationTree(instance.protocol)
    messages = instance.protocol.provider_messages
    single = tree.provider_nodes == ((),)

    def distribution(said: Said) -> tuple[Fraction, ...]:
        weights = {said: "1"} if isinstance(said, str) else said
        return tuple(Fraction(weights.get(m, "0")) for m in messages)

    table = []
    for signal in instance.providers[j].signals:
        entry = spec[signal]
        if single:
            table.append((distribution(entry),))  # type: ignore[arg-type]
        else:
            assert isinstance(entry, Mapping)
            table.append(tuple(distribution(entry[tree.spell(node)]) for node in tree.provider_nodes))
    return Rule(tuple(table))


def make_law(instance: Instance, user: str, spec: Mapping[str, Mapping[str, str]]) -> Table:
    """Build a law ``I(a, y)`` from labels; omitted cells are 0."""
    u = instance.users[instance.user_index(user)]
    return tuple(tuple(Fraction(spec.get(a, {}).get(y, "0")) for y in instance.states) for a in u.actions)


# -- catalog ---------------------------------------------------------------------------------------------


def test_catalog_is_not_empty() -> None:
    # The five files of the library: prosecutor_judge, complementary_halves, report_signal_features,
    # two_providers_two_users, noisy_witness.
    assert {p.stem for p in BUNDLED} >= {
        "prosecutor_judge",
        "complementary_halves",
        "report_signal_features",
        "two_providers_two_users",
        "noisy_witness",
    }


@pytest.mark.parametrize("path", BUNDLED, ids=lambda p: str(p.relative_to(INSTANCES)))
def test_bundled_instance_validates_and_round_trips(path: Path) -> None:
    instance = load(path)  # validates: a defect raises InstanceError naming its place
    text = dumps(instance)
    # Canonical form is a fixed point of load∘dump, in YAML and in JSON.
    assert dumps(loads(text)) == text
    assert loads(text) == instance
    json_text = dumps(instance, "json")
    assert dumps(loads(json_text, "json"), "json") == json_text
    # Each bundled file says what it is and what it shows.
    assert instance.title and instance.description and instance.source
    assert dict(instance.provenance).get("note")


def test_family_keeps_expressions_through_substitution() -> None:
    family = bundled("noisy_witness")
    moved = substitute(family, p="3/10")
    # w_gg has prob p*q: 1/2 · 3/4 = 3/8 by default, 3/10 · 3/4 = 9/40 after p := 3/10.
    assert family.worlds[0].prob == Fraction(3, 8)
    assert moved.worlds[0].prob == Fraction(9, 40)
    # The spelling "p*q" survives the substitution, so the family stays a family.
    assert dict(moved.expressions)["worlds.w_gg.prob"] == "p*q"
    assert dumps(loads(dumps(moved))) == dumps(moved)


# -- common garblings (SPEC §6) -------------------------------------------------------------------------


@dataclass(frozen=True)
class GarblingCase:
    instance: str
    providers: tuple[str, ...]
    cells: tuple[str, ...]


GARBLING_CASES = [
    # One provider whose signal equals the state: every world is its own cell.
    pytest.param(GarblingCase("prosecutor_judge", ("prosecutor",), ("w1", "w2")), id="prosecutor"),
    # The witness's report splits the worlds: saw_guilty in w_gg, w_ig; saw_innocent in w_gi, w_ii.
    pytest.param(
        GarblingCase("noisy_witness", ("prosecutor",), ("w_gg+w_ig", "w_gi+w_ii")), id="noisy-witness"
    ),
    # alpha sees b1: b1_0 in w00, w01; b1_1 in w10, w11.
    pytest.param(GarblingCase("complementary_halves", ("alpha",), ("w00+w01", "w10+w11")), id="halves-alpha"),
    # beta sees b2: b2_0 in w00, w10; b2_1 in w01, w11 (cells ordered by their first world).
    pytest.param(GarblingCase("complementary_halves", ("beta",), ("w00+w10", "w01+w11")), id="halves-beta"),
    # alpha joins w00-w01 and w10-w11, beta joins w00-w10 and w01-w11: the graph is a 4-cycle,
    # one component, so the common garbling is trivial (SPEC §8 C5(b)).
    pytest.param(
        GarblingCase("complementary_halves", ("alpha", "beta"), ("w00+w01+w10+w11",)), id="halves-both"
    ),
    # alpha sees the state: three singleton cells.
    pytest.param(
        GarblingCase("two_providers_two_users", ("alpha",), ("w_low", "w_mid", "w_high")), id="market-alpha"
    ),
    # beta sees b_low in w_low and b_up in w_mid, w_high.
    pytest.param(
        GarblingCase("two_providers_two_users", ("beta",), ("w_low", "w_mid+w_high")), id="market-beta"
    ),
    # alpha adds no edge; beta joins w_mid-w_high: the meet is beta's (coarser) partition.
    pytest.param(
        GarblingCase("two_providers_two_users", ("alpha", "beta"), ("w_low", "w_mid+w_high")),
        id="market-both",
    ),
    # The oracle sees the state: two singleton cells.
    pytest.param(GarblingCase("report_signal_features", ("oracle",), ("w_lo", "w_hi")), id="oracle"),
]


@pytest.mark.parametrize("case", GARBLING_CASES)
def test_common_garbling(case: GarblingCase) -> None:
    instance = bundled(case.instance)
    # Cells as derived in the case's comment.
    assert common_garbling(instance, case.providers).labels(instance) == case.cells


# -- benchmarks and optimum (SPEC §6) ---------------------------------------------------------------------


@dataclass(frozen=True)
class BenchmarkCase:
    instance: str
    user: str
    benchmarks: Mapping[tuple[str, ...], str]
    optimum: str
    parameters: Mapping[str, str] = field(default_factory=dict)


BENCHMARK_CASES = [
    # Cells {w1}, {w2}: knowing the cell, the judge convicts in w1 (3/10) and acquits in w2 (7/10):
    # Bench = 3/10 + 7/10 = 1 = OPT.
    pytest.param(
        BenchmarkCase("prosecutor_judge", "judge", {("prosecutor",): "1"}, "1"), id="prosecutor-judge"
    ),
    # p = 1/2, q = 3/4. Cell w_gg+w_ig: guilty 3/8, innocent 1/8 -> convict, 3/8.
    # Cell w_gi+w_ii: guilty 1/8, innocent 3/8 -> acquit, 3/8. Bench = 3/4 = q = OPT.
    pytest.param(
        BenchmarkCase("noisy_witness", "judge", {("prosecutor",): "3/4"}, "3/4"), id="noisy-witness"
    ),
    # p = 1/2, q = 9/10: each cell has 9/20 on the state it points to and 1/20 on the other.
    # Bench = 9/20 + 9/20 = 9/10.
    pytest.param(
        BenchmarkCase("noisy_witness", "judge", {("prosecutor",): "9/10"}, "9/10", {"q": "9/10"}),
        id="noisy-witness-q=9/10",
    ),
    # p = 1/10, q = 3/4: w_gg 3/40, w_gi 1/40, w_ig 9/40, w_ii 27/40. Cell saw_guilty: guilty 3/40 <
    # innocent 9/40 -> acquit 9/40; cell saw_innocent: acquit 27/40. Bench = 36/40 = 9/10 = 1 - p,
    # the no-information value: the witness is worthless against this prior.
    pytest.param(
        BenchmarkCase("noisy_witness", "judge", {("prosecutor",): "9/10"}, "9/10", {"p": "1/10"}),
        id="noisy-witness-p=1/10",
    ),
    # Guesser, four states at 1/4. {alpha}: a cell holds two states, best guess 1/4 per cell, two
    # cells: 1/2. {beta}: likewise 1/2. {alpha, beta}: one cell, 1/4. OPT = max(1/2, 1/2) = 1/2,
    # below the pooled value 1 (both bits): SPEC §8 C5(b).
    pytest.param(
        BenchmarkCase(
            "complementary_halves",
            "guesser",
            {("alpha",): "1/2", ("beta",): "1/2", ("alpha", "beta"): "1/4"},
            "1/2",
        ),
        id="halves-guesser",
    ),
    # Parity user. Each cell of {alpha} ({y00, y01} or {y10, y11}) has one even and one odd state,
    # 1/4 each: 1/4 per cell, 1/2 in all. Same for {beta} ({y00, y10}, {y01, y11}) and for the one
    # cell of {alpha, beta} (even 1/2 vs odd 1/2). OPT = 1/2.
    pytest.param(
        BenchmarkCase(
            "complementary_halves",
            "parity",
            {("alpha",): "1/2", ("beta",): "1/2", ("alpha", "beta"): "1/2"},
            "1/2",
        ),
        id="halves-parity",
    ),
    # Matcher, three states at 1/3. {alpha}: singletons, names the state: 1. {beta} and {alpha, beta}:
    # {low} gives 1/3, {mid, high} gives 1/3 (either guess): 2/3. OPT = max(1, 2/3) = 1.
    pytest.param(
        BenchmarkCase(
            "two_providers_two_users",
            "matcher",
            {("alpha",): "1", ("beta",): "2/3", ("alpha", "beta"): "2/3"},
            "1",
        ),
        id="market-matcher",
    ),
    # Investor. {alpha}: low -> hold 1/2·1/3 = 1/6 (invest 0); mid -> invest 3/4·1/3 = 1/4 (> 1/6);
    # high -> invest 1/3. Sum 2/12 + 3/12 + 4/12 = 3/4. {beta}, {alpha, beta}: low -> hold 1/6;
    # {mid, high} -> invest 1/4 + 1/3 = 7/12 (hold 1/3). Sum 2/12 + 7/12 = 3/4. OPT = 3/4.
    pytest.param(
        BenchmarkCase(
            "two_providers_two_users",
            "investor",
            {("alpha",): "3/4", ("beta",): "3/4", ("alpha", "beta"): "3/4"},
            "3/4",
        ),
        id="market-investor",
    ),
    # Revealing the cell {w_lo} or {w_hi} tells the state whatever the hunch: Σ_x Σ_cell mass = 1.
    pytest.param(
        BenchmarkCase("report_signal_features", "forecaster", {("oracle",): "1"}, "1"), id="forecaster"
    ),
]


@pytest.mark.parametrize("case", BENCHMARK_CASES)
def test_benchmarks(case: BenchmarkCase) -> None:
    instance = bundled(case.instance, **case.parameters)
    i = instance.user_index(case.user)
    expected = {tuple(instance.provider_index(p) for p in t): Fraction(v) for t, v in case.benchmarks.items()}
    # Bench_i(T) for every T and OPT_i, each derived in the case's comment.
    for t, value in expected.items():
        assert benchmark(instance, i, t) == value
        # Every alphabet here spells out every cell, so the benchmark is the revelation value.
        assert solve_benchmark(instance, i, t).revealing
    assert all_benchmarks(instance)[i] == expected
    assert optimum(instance, i) == Fraction(case.optimum)


def test_complementary_halves_is_c5b() -> None:
    instance = bundled("complementary_halves")
    guesser = instance.user_index("guesser")
    both = benchmark(instance, guesser, ("alpha", "beta"))
    # SPEC §8 C5(b): Bench({alpha, beta}) = 1/4 (no information) < Bench({alpha}) = Bench({beta}) = 1/2.
    assert both == Fraction(1, 4)
    assert (
        benchmark(instance, guesser, ("alpha",)) == benchmark(instance, guesser, ("beta",)) == Fraction(1, 2)
    )
    # The {alpha, beta}-shared maximiser reads one cell, so it says the same thing in every world.
    rule = solve_benchmark(instance, guesser, ("alpha", "beta")).rule
    assert len(rule.table) == 1


# -- responses, laws and payoffs (SPEC §3, §4) -----------------------------------------------------------


@dataclass(frozen=True)
class ResponseCase:
    instance: str
    user: str
    provider: str
    rule: Mapping[str, Said | Mapping[str, Said]]
    value: str
    law: Mapping[str, Mapping[str, str]]
    payoffs: Mapping[str, str]
    policy: TiePolicy = TiePolicy.CANONICAL
    beneficiary: str | None = None
    reports: Mapping[str, str] = field(default_factory=dict)
    parameters: Mapping[str, str] = field(default_factory=dict)


PERSUASION = {"saw_guilty": "m1", "saw_innocent": {"m1": "3/7", "m2": "4/7"}}
HUNCH_CHECK = {
    "s_lo": {"say_lo": "no", "say_hi": {"yes": "1/2", "no": "1/2"}},
    "s_hi": {"say_lo": {"yes": "1/2", "no": "1/2"}, "say_hi": "yes"},
}

RESPONSE_CASES = [
    # Uninformative: one leaf m1 with guilty 3/10, innocent 7/10. acquit 7/10 > convict 3/10.
    # V = 7/10; law acquit (3/10, 7/10); prosecutor 1 · P(convict) = 0.
    pytest.param(
        ResponseCase(
            "prosecutor_judge",
            "judge",
            "prosecutor",
            {"saw_guilty": "m1", "saw_innocent": "m1"},
            "7/10",
            {"acquit": {"guilty": "3/10", "innocent": "7/10"}},
            {"prosecutor": "0"},
        ),
        id="prosecutor-uninformative",
    ),
    # Fully revealing: leaf m1 guilty 3/10 -> convict; leaf m2 innocent 7/10 -> acquit. V = 1;
    # prosecutor 1 · P(convict) = 3/10.
    pytest.param(
        ResponseCase(
            "prosecutor_judge",
            "judge",
            "prosecutor",
            {"saw_guilty": "m1", "saw_innocent": "m2"},
            "1",
            {"convict": {"guilty": "3/10"}, "acquit": {"innocent": "7/10"}},
            {"prosecutor": "3/10"},
        ),
        id="prosecutor-revealing",
    ),
    # Optimal persuasion: leaf m1 has guilty 3/10 and innocent 7/10 · 3/7 = 3/10, a tie; canonical
    # picks the first action, acquit. Leaf m2: innocent 4/10 -> acquit. V = 3/10 + 4/10 = 7/10,
    # everyone acquitted: prosecutor 0.
    pytest.param(
        ResponseCase(
            "prosecutor_judge",
            "judge",
            "prosecutor",
            PERSUASION,
            "7/10",
            {"acquit": {"guilty": "3/10", "innocent": "7/10"}},
            {"prosecutor": "0"},
        ),
        id="prosecutor-persuasion-canonical",
    ),
    # Same rule, ties broken for the prosecutor: convict at m1 (guilty 3/10, innocent 3/10), acquit
    # at m2 (innocent 4/10). V still 7/10; prosecutor P(convict) = 3/5 (Kamenica–Gentzkow).
    pytest.param(
        ResponseCase(
            "prosecutor_judge",
            "judge",
            "prosecutor",
            PERSUASION,
            "7/10",
            {"convict": {"guilty": "3/10", "innocent": "3/10"}, "acquit": {"innocent": "2/5"}},
            {"prosecutor": "3/5"},
            policy=TiePolicy.FAVOURABLE,
        ),
        id="prosecutor-persuasion-favourable",
    ),
    # p = 1/2, q = 3/4, passing on the witness: m1 = saw_guilty: guilty 3/8, innocent 1/8 -> convict;
    # m2: guilty 1/8, innocent 3/8 -> acquit. V = 3/4; prosecutor P(convict) = 3/8 + 1/8 = 1/2.
    pytest.param(
        ResponseCase(
            "noisy_witness",
            "judge",
            "prosecutor",
            {"saw_guilty": "m1", "saw_innocent": "m2"},
            "3/4",
            {"convict": {"guilty": "3/8", "innocent": "1/8"}, "acquit": {"guilty": "1/8", "innocent": "3/8"}},
            {"prosecutor": "1/2"},
        ),
        id="noisy-witness-revealing",
    ),
    # p = 1/2, uninformative: guilty 1/2 vs innocent 1/2, a tie; canonical acquit. V = 1/2, prosecutor 0.
    pytest.param(
        ResponseCase(
            "noisy_witness",
            "judge",
            "prosecutor",
            {"saw_guilty": "m1", "saw_innocent": "m1"},
            "1/2",
            {"acquit": {"guilty": "1/2", "innocent": "1/2"}},
            {"prosecutor": "0"},
        ),
        id="noisy-witness-uninformative",
    ),
    # p = 3/10, q = 3/4: w_gg 9/40, w_gi 3/40, w_ig 7/40, w_ii 21/40. m1: guilty 9/40 > innocent 7/40
    # -> convict; m2: guilty 3/40 < innocent 21/40 -> acquit. V = 30/40 = 3/4; prosecutor 16/40 = 2/5.
    pytest.param(
        ResponseCase(
            "noisy_witness",
            "judge",
            "prosecutor",
            {"saw_guilty": "m1", "saw_innocent": "m2"},
            "3/4",
            {
                "convict": {"guilty": "9/40", "innocent": "7/40"},
                "acquit": {"guilty": "3/40", "innocent": "21/40"},
            },
            {"prosecutor": "2/5"},
            parameters={"p": "3/10"},
        ),
        id="noisy-witness-revealing-p=3/10",
    ),
    # alpha tells b1. m1: y00, y01 at 1/4, tie among g00, g01 -> g00; m2: y10, y11 -> g10. V = 1/2.
    # Payoffs: alpha 1 · E[u_guesser] = 1/2; beta 2 · 1/2 = 1.
    pytest.param(
        ResponseCase(
            "complementary_halves",
            "guesser",
            "alpha",
            {"b1_0": "m1", "b1_1": "m2"},
            "1/2",
            {"g00": {"y00": "1/4", "y01": "1/4"}, "g10": {"y10": "1/4", "y11": "1/4"}},
            {"alpha": "1/2", "beta": "1"},
        ),
        id="halves-guesser-alpha-reveals",
    ),
    # beta tells b2. m1: y00, y10, tie g00/g10 -> g00; m2: y01, y11, tie g01/g11 -> g01. V = 1/2.
    # Payoffs as above: alpha 1/2, beta 1.
    pytest.param(
        ResponseCase(
            "complementary_halves",
            "guesser",
            "beta",
            {"b2_0": "m1", "b2_1": "m2"},
            "1/2",
            {"g00": {"y00": "1/4", "y10": "1/4"}, "g01": {"y01": "1/4", "y11": "1/4"}},
            {"alpha": "1/2", "beta": "1"},
        ),
        id="halves-guesser-beta-reveals",
    ),
    # alpha says nothing: one leaf, four states at 1/4, g00 first. V = 1/4; alpha 1/4, beta 2 · 1/4.
    pytest.param(
        ResponseCase(
            "complementary_halves",
            "guesser",
            "alpha",
            {"b1_0": "m1", "b1_1": "m1"},
            "1/4",
            {"g00": {"y00": "1/4", "y01": "1/4", "y10": "1/4", "y11": "1/4"}},
            {"alpha": "1/4", "beta": "1/2"},
        ),
        id="halves-guesser-silent",
    ),
    # Parity user, alpha tells b1. m1: y00 (even), y01 (odd), tie -> even; m2: y10 (odd), y11 (even),
    # tie -> even. V = 1/2; alpha 1/2 · 1/2 = 1/4; beta 1 · P(odd) = 0.
    pytest.param(
        ResponseCase(
            "complementary_halves",
            "parity",
            "alpha",
            {"b1_0": "m1", "b1_1": "m2"},
            "1/2",
            {"even": {"y00": "1/4", "y01": "1/4", "y10": "1/4", "y11": "1/4"}},
            {"alpha": "1/4", "beta": "0"},
        ),
        id="halves-parity-canonical",
    ),
    # Same, ties broken for beta (who wants "odd"): odd at both leaves. V = 1/2; alpha 1/2 · 1/2 = 1/4;
    # beta 1 · 1 = 1.
    pytest.param(
        ResponseCase(
            "complementary_halves",
            "parity",
            "alpha",
            {"b1_0": "m1", "b1_1": "m2"},
            "1/2",
            {"odd": {"y00": "1/4", "y01": "1/4", "y10": "1/4", "y11": "1/4"}},
            {"alpha": "1/4", "beta": "1"},
            policy=TiePolicy.FAVOURABLE,
            beneficiary="beta",
        ),
        id="halves-parity-favourable-to-beta",
    ),
    # Matcher, alpha names the state: m1 low, m2 mid, m3 high, 1/3 each. V = 1; alpha 1 · 1 = 1;
    # beta 1/4 · P(high) = 1/4 · 1/3 = 1/12.
    pytest.param(
        ResponseCase(
            "two_providers_two_users",
            "matcher",
            "alpha",
            {"a_low": "m1", "a_mid": "m2", "a_high": "m3"},
            "1",
            {"low": {"low": "1/3"}, "mid": {"mid": "1/3"}, "high": {"high": "1/3"}},
            {"alpha": "1", "beta": "1/12"},
        ),
        id="market-matcher-alpha-reveals",
    ),
    # Investor, same rule: low -> hold (1/6 > 0); mid -> invest (1/4 > 1/6); high -> invest. V = 3/4.
    # alpha 1/2 · P(invest) = 1/2 · 2/3 = 1/3; beta 1 · E[u_investor] = 3/4.
    pytest.param(
        ResponseCase(
            "two_providers_two_users",
            "investor",
            "alpha",
            {"a_low": "m1", "a_mid": "m2", "a_high": "m3"},
            "3/4",
            {"hold": {"low": "1/3"}, "invest": {"mid": "1/3", "high": "1/3"}},
            {"alpha": "1/3", "beta": "3/4"},
        ),
        id="market-investor-alpha-reveals",
    ),
    # Matcher, beta tells low / up. m1: low -> low; m2: mid 1/3, high 1/3, tie -> mid (first).
    # V = 2/3; alpha E[u_matcher] = 2/3; beta 1/4 · P(high) = 0.
    pytest.param(
        ResponseCase(
            "two_providers_two_users",
            "matcher",
            "beta",
            {"b_low": "m1", "b_up": "m2"},
            "2/3",
            {"low": {"low": "1/3"}, "mid": {"mid": "1/3", "high": "1/3"}},
            {"alpha": "2/3", "beta": "0"},
        ),
        id="market-matcher-beta-reveals",
    ),
    # Same, ties broken for beta: at m2 the matcher says high. V = 2/3; alpha E[u_matcher] =
    # 1/3 (low, low) + 1/3 (high, high) = 2/3; beta 1/4 · P(high) = 1/4 · 2/3 = 1/6.
    pytest.param(
        ResponseCase(
            "two_providers_two_users",
            "matcher",
            "beta",
            {"b_low": "m1", "b_up": "m2"},
            "2/3",
            {"low": {"low": "1/3"}, "high": {"mid": "1/3", "high": "1/3"}},
            {"alpha": "2/3", "beta": "1/6"},
            policy=TiePolicy.FAVOURABLE,
        ),
        id="market-matcher-beta-reveals-favourable",
    ),
    # Investor, beta silent: hold 1/2 vs invest 0 + 1/4 + 1/3 = 7/12 -> invest. V = 7/12;
    # alpha 1/2 · 1 = 1/2; beta 1 · 7/12.
    pytest.param(
        ResponseCase(
            "two_providers_two_users",
            "investor",
            "beta",
            {"b_low": "m1", "b_up": "m1"},
            "7/12",
            {"invest": {"low": "1/3", "mid": "1/3", "high": "1/3"}},
            {"alpha": "1/2", "beta": "7/12"},
        ),
        id="market-investor-beta-silent",
    ),
    # Joint prior: π(hunch_lo, lo) = 3/8, π(hunch_lo, hi) = 1/8, π(hunch_hi, lo) = 1/8,
    # π(hunch_hi, hi) = 3/8. Hunch check. hunch_hi, say_hi: yes has hi 3/8, lo 1/16 -> act_hi 3/8;
    # no has lo 1/16 -> act_lo 1/16; total 7/16. hunch_hi, say_lo: yes hi 3/16 -> 3/16; no hi 3/16,
    # lo 1/8 -> act_hi 3/16; total 3/8 < 7/16, so she says say_hi. Symmetrically hunch_lo says say_lo
    # (7/16 vs 3/8). V = 7/8. Law: act_hi (lo 1/16, hi 3/8 + 1/16), act_lo (lo 3/8 + 1/16, hi 1/16).
    # The oracle (a seller) gets P(act_hi) = 1/2.
    pytest.param(
        ResponseCase(
            "report_signal_features",
            "forecaster",
            "oracle",
            HUNCH_CHECK,
            "7/8",
            {"act_lo": {"lo": "7/16", "hi": "1/16"}, "act_hi": {"lo": "1/16", "hi": "7/16"}},
            {"oracle": "1/2"},
            reports={"hunch_lo": "say_lo", "hunch_hi": "say_hi"},
        ),
        id="forecaster-hunch-check",
    ),
    # Silent oracle ("yes" always): both reports are worth the same, canonical say_lo. She follows
    # her hunch: V = 3/8 + 3/8 = 3/4; law act_lo (3/8, 1/8), act_hi (1/8, 3/8); seller 1/2.
    pytest.param(
        ResponseCase(
            "report_signal_features",
            "forecaster",
            "oracle",
            {"s_lo": {"say_lo": "yes", "say_hi": "yes"}, "s_hi": {"say_lo": "yes", "say_hi": "yes"}},
            "3/4",
            {"act_lo": {"lo": "3/8", "hi": "1/8"}, "act_hi": {"lo": "1/8", "hi": "3/8"}},
            {"oracle": "1/2"},
            reports={"hunch_lo": "say_lo", "hunch_hi": "say_lo"},
        ),
        id="forecaster-silent",
    ),
    # The oracle answers (yes = hi) only after say_hi and says yes after say_lo. say_lo is worth the
    # hunch alone (3/8 per hunch), say_hi reveals (1/2 per hunch): both hunches say say_hi. V = 1;
    # law act_lo (1/2, 0), act_hi (0, 1/2); seller 1/2.
    pytest.param(
        ResponseCase(
            "report_signal_features",
            "forecaster",
            "oracle",
            {"s_lo": {"say_lo": "yes", "say_hi": "no"}, "s_hi": {"say_lo": "yes", "say_hi": "yes"}},
            "1",
            {"act_lo": {"lo": "1/2"}, "act_hi": {"hi": "1/2"}},
            {"oracle": "1/2"},
            reports={"hunch_lo": "say_hi", "hunch_hi": "say_hi"},
        ),
        id="forecaster-answers-say-hi",
    ),
    # Leaning rule, ignoring the report: hi -> yes; lo -> yes or no at 1/2. hunch_hi: yes has hi 3/8,
    # lo 1/16 -> act_hi 3/8; no has lo 1/16 -> act_lo. hunch_lo: yes has hi 1/8, lo 3/16 -> act_lo
    # 3/16; no has lo 3/16 -> act_lo. V = 3/8 + 1/16 + 3/16 + 3/16 = 13/16. Reports tie: say_lo.
    # Law: act_hi (lo 1/16, hi 3/8); act_lo (lo 1/16 + 3/16 + 3/16 = 7/16, hi 1/8). Seller
    # P(act_hi) = 1/16 + 3/8 = 7/16.
    pytest.param(
        ResponseCase(
            "report_signal_features",
            "forecaster",
            "oracle",
            {
                "s_lo": {"say_lo": {"yes": "1/2", "no": "1/2"}, "say_hi": {"yes": "1/2", "no": "1/2"}},
                "s_hi": {"say_lo": "yes", "say_hi": "yes"},
            },
            "13/16",
            {"act_lo": {"lo": "7/16", "hi": "1/8"}, "act_hi": {"lo": "1/16", "hi": "3/8"}},
            {"oracle": "7/16"},
            reports={"hunch_lo": "say_lo", "hunch_hi": "say_lo"},
        ),
        id="forecaster-leaning",
    ),
]


@pytest.mark.parametrize("case", RESPONSE_CASES)
def test_response(case: ResponseCase) -> None:
    instance = bundled(case.instance, **case.parameters)
    i = instance.user_index(case.user)
    c = instance.provider_index(case.provider)
    beneficiary = None if case.beneficiary is None else instance.provider_index(case.beneficiary)
    response = solve_response(
        instance, i, c, make_rule(instance, case.provider, case.rule), case.policy, beneficiary
    )
    # V_i, the law I_i(a, y) and every provider's λ_{j,i} E_I[U_{j,i}], derived in the case's comment.
    assert response.value == Fraction(case.value)
    assert response.law == make_law(instance, case.user, case.law)
    payoffs = {
        p.label: provider_payoff(instance, j, i, response.law) for j, p in enumerate(instance.providers)
    }
    assert payoffs == {p: Fraction(v) for p, v in case.payoffs.items()}
    # The report each feature sends at the root, as derived in the case's comment.
    features = instance.users[i].features
    sent = dict(response.strategy.messages)
    for feature, report in case.reports.items():
        assert instance.protocol.user_messages[sent[(features.index(feature), ())]] == report


def test_forecaster_tie_set_under_silence() -> None:
    instance = bundled("report_signal_features")
    silent = make_rule(
        instance,
        "oracle",
        {"s_lo": {"say_lo": "yes", "say_hi": "yes"}, "s_hi": {"say_lo": "yes", "say_hi": "yes"}},
    )
    ties: TieSet = find_tie_set(instance, 0, 0, silent)
    # A silent oracle makes both reports worth the hunch alone (3/8 each), so both are optimal for
    # each hunch (features 0 = hunch_lo, 1 = hunch_hi).
    assert dict(ties.messages) == {(0, ()): (0, 1), (1, ()): (0, 1)}


def test_shared_rule_gives_one_law_whoever_runs_it() -> None:
    instance = bundled("two_providers_two_users")
    garbling = common_garbling(instance, ("alpha", "beta"))
    shared = Rule.deterministic([[0], [1]], 3)  # cell {w_low} -> m1, cell {w_mid, w_high} -> m2
    matcher = instance.user_index("matcher")
    laws = {
        solve_response(instance, matcher, j, garbling.lift(instance, j, shared)).law
        for j in garbling.providers
    }
    # Lifted to alpha: a_low -> m1, a_mid, a_high -> m2; to beta: b_low -> m1, b_up -> m2. Either way
    # m1 carries low 1/3 (-> low) and m2 mid 1/3, high 1/3 (tie -> mid): one law (SPEC §8 C1 proof).
    assert laws == {
        make_law(instance, "matcher", {"low": {"low": "1/3"}, "mid": {"mid": "1/3", "high": "1/3"}})
    }


@pytest.mark.parametrize(
    ("policy", "deviator", "chosen"),
    [
        # Investor facing (alpha names the state, beta says low / up): both worth 3/4 (see the
        # market-investor cases); canonical ties pick the first provider, alpha.
        pytest.param(TiePolicy.CANONICAL, None, "alpha", id="canonical"),
        # Deviator-favourable ties with beta deviating: she picks beta among her optimal providers.
        pytest.param(TiePolicy.FAVOURABLE, "beta", "beta", id="favourable-to-beta"),
    ],
)
def test_market_investor_profile_ties(policy: TiePolicy, deviator: str | None, chosen: str) -> None:
    instance = bundled("two_providers_two_users")
    rules = [
        make_rule(instance, "alpha", {"a_low": "m1", "a_mid": "m2", "a_high": "m3"}),
        make_rule(instance, "beta", {"b_low": "m1", "b_up": "m2"}),
    ]
    investor = instance.user_index("investor")
    d = None if deviator is None else instance.provider_index(deviator)
    picked = respond_to_profile(instance, investor, rules, policy, d)
    # Which provider she picks, as derived in the parameter's comment; her value is 3/4 either way.
    assert instance.providers[picked.provider].label == chosen
    assert picked.response.value == Fraction(3, 4)


def test_market_matcher_prefers_the_informed_provider() -> None:
    instance = bundled("two_providers_two_users")
    rules = [
        make_rule(instance, "alpha", {"a_low": "m1", "a_mid": "m2", "a_high": "m3"}),
        make_rule(instance, "beta", {"b_low": "m1", "b_up": "m2"}),
    ]
    picked = respond_to_profile(instance, instance.user_index("matcher"), rules)
    # alpha is worth 1 to the matcher, beta 2/3 (market-matcher cases): she picks alpha, value 1.
    assert picked.provider == instance.provider_index("alpha")
    assert picked.response.value == 1

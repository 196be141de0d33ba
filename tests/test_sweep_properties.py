"""A sweep's piece containing p gives exactly what the point commands give at p (SPEC.md §9).

Random small instances (2 states, 1–2 providers, 1–2 users, protocol ``[P]`` with 2 messages) whose
one parameter ``p`` enters linearly either two worlds' probabilities (``"q*p"`` and ``"q*(1 - p)"``,
so the worlds still sum to 1), a utility entry (``"p"``, ``"1 - p"``, ``"p/2"`` …) or a stake's
weight (``"p"``: a zero stake at ``p = 0``). The interval is inside the range where the file is
valid. For rationals p of the interval, drawn on a small grid and among the sweep's own rational
breakpoints (where a point piece holds, e.g. two actions tied), the piece holding p must report, at
p, exactly the numbers, verdicts and equilibrium profiles of the point engines: ``inspect``'s
optima, benchmarks and alignment errors, ``solve``'s worst and best utilities and profiles in both
games, and ``check``'s verdicts and margins of C1 and C3.
"""

from __future__ import annotations

import json
from fractions import Fraction
from pathlib import Path
from typing import Any

import yaml
from click.testing import CliRunner
from hypothesis import event, given
from hypothesis import strategies as st

from pluralis.cli import cli
from proofs.check import check_claims
from proofs.claim import CheckOptions, Verdict
from proofs.parametric import CheckEvaluation, failures
from solver.conversation.classes import Deterministic
from solver.core.serialization import dump
from solver.equilibria.enumeration import solve_equilibria
from solver.equilibria.games import Game, Mode
from solver.parametric.equilibria import SolveEvaluation
from solver.parametric.family import Family
from solver.parametric.inspect import InspectEvaluation
from solver.parametric.sweep import SweepResult, sweep, value_at
from solver.responses.response import TiePolicy

F = Fraction
ROOT = Path(__file__).resolve().parent.parent
STATES = ("y0", "y1")
UTILITIES = (F(0), F(1), F(1, 2), F(0), F(1), F(1, 4), F(3, 4))
"""Fixed utilities: mostly 0 and 1 so that ties are common."""
LINEAR = ("p", "1 - p", "p/2", "1/2 - p/2", "1/2 + p/2")
"""Utilities linear in p that stay in [0, 1] for p in [0, 1]."""
GRID = (2, 3, 4, 5, 6, 10)
"""Denominators of the interval's ends and of the values of p checked."""


def _text(value: Fraction) -> str:
    return str(value)


@st.composite
def families(draw: st.DrawFn) -> tuple[dict[str, Any], tuple[Fraction, Fraction]]:
    """A document with one parameter ``p`` entering linearly, and an interval where it is valid."""
    providers = [f"P{j}" for j in range(draw(st.integers(1, 2)))]
    signals = {j: [f"s{k}" for k in range(draw(st.integers(1, 2)))] for j in providers}
    users = [f"U{i}" for i in range(draw(st.integers(1, 2)))]
    actions = ("a0", "a1")
    n_worlds = draw(st.integers(2, 4))
    worlds: dict[str, Any] = {}
    for w in range(n_worlds):
        state = STATES[w % 2] if w < 2 else draw(st.sampled_from(STATES))
        worlds[f"w{w}"] = {
            "state": state,
            "signals": {j: draw(st.sampled_from(signals[j])) for j in providers},
        }

    def table() -> dict[str, dict[str, str]]:
        if draw(st.booleans()):
            # Matching the state: the decision then turns on the posterior, which p moves.
            return {a: {y: "1" if a[1] == y[1] else "0" for y in STATES} for a in actions}
        return {a: {y: _text(draw(st.sampled_from(UTILITIES))) for y in STATES} for a in actions}

    document: dict[str, Any] = {
        "schema_version": 1,
        "states": list(STATES),
        "providers": {j: {"signals": signals[j]} for j in providers},
        "users": {i: {"actions": list(actions), "utility": table()} for i in users},
        "worlds": worlds,
        "stakes": {
            j: {
                i: {"weight": _text(draw(st.sampled_from([F(1), F(1, 2), F(0)]))), "utility": table()}
                for i in users
            }
            for j in providers
        },
        "protocol": {"turns": ["P"], "provider_messages": ["m0", "m1"], "user_messages": []},
    }
    where = draw(
        st.sampled_from(["probability", "probability and utility", "utility", "stake utility", "weight"])
    )
    weights = [draw(st.integers(1, 3)) for _ in range(n_worlds)]
    total = sum(weights)
    masses = [F(w, total) for w in weights]
    for w, mass in enumerate(masses):
        worlds[f"w{w}"]["prob"] = _text(mass)
    if where.startswith("probability"):
        # The first two worlds (one per state) share their mass q as q·p and q·(1 − p): every p in
        # (0, 1) keeps the prior positive, and the posteriors move with p.
        first, second = draw(st.permutations([0, 1]))
        shared = masses[first] + masses[second]
        worlds[f"w{first}"]["prob"] = f"{shared}*p"
        worlds[f"w{second}"]["prob"] = f"{shared}*(1 - p)"
    if where.endswith("utility"):
        owner = (
            document["users"][draw(st.sampled_from(users))]
            if where in ("utility", "probability and utility")
            else document["stakes"][draw(st.sampled_from(providers))][draw(st.sampled_from(users))]
        )
        owner["utility"][draw(st.sampled_from(actions))][draw(st.sampled_from(STATES))] = draw(
            st.sampled_from(LINEAR)
        )
    if where == "weight":
        stake = document["stakes"][draw(st.sampled_from(providers))][draw(st.sampled_from(users))]
        stake["weight"] = draw(st.sampled_from(["p", "1 - p", "p/2"]))
    # Probabilities need p strictly inside (0, 1); utilities and weights may reach its ends.
    q = draw(st.sampled_from([g for g in GRID if g > 2] if where.startswith("probability") else GRID))
    low_end, high_end = (1, q - 1) if where.startswith("probability") else (0, q)
    # Wide intervals, so that a sweep meets breakpoints: the low end in the lower half, the high end
    # in the upper half.
    low = draw(st.integers(low_end, max(low_end, q // 2 - 1)))
    high = draw(st.integers(max(low + 1, (q + 1) // 2), high_end))
    interval = (F(low, q), F(high, q))
    document["parameters"] = {"p": _text((interval[0] + interval[1]) / 2)}
    return document, interval


@st.composite
def cases(draw: st.DrawFn) -> tuple[dict[str, Any], tuple[Fraction, Fraction], list[Fraction]]:
    """A family, its interval and a few grid values of p in it (ends included)."""
    document, (low, high) = draw(families())
    q = draw(st.sampled_from(GRID))
    values = [low + (high - low) * F(k, q) for k in draw(st.lists(st.integers(0, q), min_size=1, max_size=3))]
    return document, (low, high), values


def _values(result: SweepResult, grid: list[Fraction], draw_index: int) -> list[Fraction]:
    """The grid values and one of the sweep's rational breakpoints (a point piece), if it has one."""
    breakpoints = [b for b in result.breakpoints if isinstance(b, Fraction)]
    event(f"{len(result.pieces)} pieces" if len(result.pieces) < 7 else "7 or more pieces")
    return grid + ([breakpoints[draw_index % len(breakpoints)]] if breakpoints else [])


def _agrees_at(
    result: SweepResult, value: Fraction, quantities: dict[str, Any], verdicts: dict[str, str]
) -> None:
    piece = result.piece_at(value)
    if piece.kind == "point":
        assert piece.low == value
    got = {name: value_at(q, value) for name, q in piece.answer.quantities.items()}
    assert got == dict(quantities), value
    assert dict(piece.answer.verdicts) == dict(verdicts), value


@given(cases(), st.integers(0, 100))
def test_inspect_piece_agrees_with_the_point_command(case: Any, index: int) -> None:
    # inspect: OPT_i, Bench_i(T), ε_i(T) and the transfer factor of the piece at p, as at p (SPEC.md §6–7).
    document, interval, grid = case
    family = Family.from_document(document)
    evaluation = InspectEvaluation()
    result = sweep(family, "p", interval, evaluation)
    for value in _values(result, grid, index):
        quantities, verdicts = evaluation.numeric(family.instance_at(value))
        _agrees_at(result, value, dict(quantities), dict(verdicts))


def _profiles(structure: Any) -> tuple[int, list[tuple[Any, ...]]]:
    """Count and (users, profile, canonical) of each equilibrium of a solve sweep's structure."""
    _, count, equilibria = structure
    return count, sorted((users, profile, canonical) for users, profile, _, canonical in equilibria)


@given(
    cases(),
    st.sampled_from(list(Mode)),
    st.sampled_from(list(TiePolicy)),
    st.sampled_from([F(0), F(1, 4)]),
    st.integers(0, 100),
)
def test_solve_piece_agrees_with_the_point_command(
    case: Any, mode: Mode, policy: TiePolicy, delta: Fraction, index: int
) -> None:
    # solve, deterministic class: worst and best utilities and the equilibrium profiles (SPEC.md §5),
    # under every tie policy for deviations, with δ = 0 and δ > 0.
    document, interval, grid = case
    family = Family.from_document(document)
    evaluation = SolveEvaluation(mode, Deterministic(), delta, policy)
    result = sweep(family, "p", interval, evaluation)
    for value in _values(result, grid, index):
        instance = family.instance_at(value)
        quantities, verdicts = evaluation.numeric(instance)
        _agrees_at(result, value, dict(quantities), dict(verdicts))
        point = solve_equilibria(Game(instance, mode, Deterministic()), delta, policy)
        count, profiles = _profiles(result.piece_at(value).answer.structure)
        assert count == point.count
        assert profiles == sorted((e.users, e.profile, e.canonical) for e in point.equilibria)
        assert quantities == {
            "count": F(point.count),
            **{f"worst.{u.label}": w for u, w in zip(instance.users, point.worst)},
            **{f"best.{u.label}": b for u, b in zip(instance.users, point.best)},
        }


@given(cases(), st.sampled_from(list(TiePolicy)), st.sampled_from([F(0), F(1, 4)]), st.integers(0, 100))
def test_check_piece_agrees_with_the_point_command(
    case: Any, policy: TiePolicy, delta: Fraction, index: int
) -> None:
    # check C1 and C3: verdicts, each row's bound and margin, and the smallest margin (SPEC.md §8),
    # under every tie policy, with δ = 0 and δ > 0 (the bound terms' δ/λ*).
    document, interval, grid = case
    family = Family.from_document(document)
    options = CheckOptions(delta=delta, policy=policy)
    evaluation = CheckEvaluation(("C1", "C3"), options)
    result = sweep(family, "p", interval, evaluation)
    for value in _values(result, grid, index):
        instance = family.instance_at(value)
        point = check_claims(instance, ["C1", "C3"], options)
        quantities, verdicts = evaluation.numeric(instance)
        assert verdicts == {k: r.verdict.value for k, r in point.items()}
        for claim, r in point.items():
            for row in r.rows:
                assert quantities[f"margin.{claim}.{row.user}.{row.subset_label}"] == row.margin
        _agrees_at(result, value, dict(quantities), dict(verdicts))


C4_WITNESS = ROOT / "instances" / "witnesses" / "C4-hypothesis-s4-r00.yaml"


def test_failing_pieces_carry_witnesses_that_pluralis_check_confirms(tmp_path: Path) -> None:
    # The C4 witness: C1 fails with adversarial ties at prior 1/5 of its first world (utility 2/5 <
    # bound 1/2). With that prior swept as p, C1 must fail on some pieces and hold on others (at
    # p = 99/100 the user is nearly sure of y2, which every rule tells her, so she meets the bound),
    # and at each failing piece's witness `pluralis check` finds the counterexample.
    document = yaml.safe_load(C4_WITNESS.read_text(encoding="utf-8"))
    document["parameters"] = {"p": "1/5"}
    document["worlds"]["w1"]["prob"] = "p"
    document["worlds"]["w2"]["prob"] = "1 - p"
    family = Family.from_document(document)
    options = CheckOptions(policy=TiePolicy.ADVERSARIAL)
    result = sweep(family, "p", (F(1, 100), F(99, 100)), CheckEvaluation(("C1",), options))
    failing = failures(result, "C1")
    assert failing
    assert any(p.answer.verdicts["C1"] == Verdict.HOLDS.value for p in result.pieces)
    for failure in failing:
        witness = failure.witness
        assert witness is not None and failure.piece.contains(witness)
        path = tmp_path / f"at-{witness.numerator}-{witness.denominator}.yaml"
        dump(family.instance_at(witness), path)
        run = CliRunner().invoke(
            cli, ["check", str(path), "--claim", "C1", "--tie-policy", TiePolicy.ADVERSARIAL.value, "--json"]
        )
        assert run.exit_code == 0, run.output
        assert json.loads(run.output)["claims"]["C1"]["verdict"] == Verdict.COUNTEREXAMPLE.value
        margin = value_at(failure.piece.answer.quantities["margin.C1"], witness)
        assert margin is not None and margin < 0

"""The deviation oracle over ``full`` (SPEC.md §9) against persuasion theory and the finite classes."""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from solver.certificates.certification import certify_result
from solver.conversation.classes import Deterministic, Grid, StrategyClass
from solver.conversation.rules import Rule
from solver.core.model import Instance
from solver.core.serialization import load, substitute
from solver.equilibria.enumeration import solve_equilibria
from solver.equilibria.games import Game, Mode
from solver.oracle.deviation import (
    DEFAULT_CHOICE_LIMIT,
    OracleMethod,
    count_choices,
    solve_commitment,
    solve_deviation,
)
from solver.responses.response import (
    TiePolicy,
    deviation_payoff_from_user,
    provider_payoff,
    respond_to_profile,
)
from tests.strategies import Shape, small_instances

LIBRARY = Path(__file__).resolve().parent.parent / "instances"
F = Fraction


def _best_in_class(
    instance: Instance, cls: StrategyClass, users: tuple[int, ...], others: list[Rule], j: int
) -> Fraction:
    """Dev_j over a finite class, from the response module: deviator-favourable ties (SPEC §4)."""
    best = None
    for rule in cls.rules(instance, j):
        profile = list(others)
        profile[j] = rule
        total = sum(
            (
                provider_payoff(
                    instance,
                    j,
                    i,
                    respond_to_profile(instance, i, profile, TiePolicy.FAVOURABLE, j).response.law,
                )
                for i in users
            ),
            F(0),
        )
        best = total if best is None else max(best, total)
    assert best is not None
    return best


PERSUASION = [
    # Prosecutor and judge (SPEC §11; Kamenica and Gentzkow 2011). The judge convicts at posterior
    # guilt ≥ 1/2 (ties favour the prosecutor). Optimal: always "convict" when guilty (3/10) and
    # with probability t when innocent, with 3/10 = 7t/10 at posterior 1/2, so t = 3/7: conviction
    # probability 3/10 + 3/10 = 3/5. Best deterministic rule: reveal, 3/10.
    pytest.param(load(LIBRARY / "prosecutor_judge.yaml"), F(3, 5), F(3, 10), id="prosecutor-judge"),
    # Noisy witness at p = 3/10, q = 3/4: the prosecutor sees the witness, P(g) = 3/10·3/4 + 7/10·1/4
    # = 2/5, posterior guilt 9/16 after g and 1/8 after i. Pool a fraction t of the i-worlds with g:
    # (9/40 + 3t/40) / (2/5 + 3t/5) = 1/2 gives t = 1/9, conviction probability 2/5 + 3/5·1/9 = 7/15.
    # Best deterministic rule: pass the witness on, conviction probability 2/5.
    pytest.param(
        substitute(load(LIBRARY / "noisy_witness.yaml"), p="3/10"), F(7, 15), F(2, 5), id="noisy-witness"
    ),
]


@pytest.mark.parametrize(("instance", "optimum", "deterministic"), PERSUASION)
def test_commitment_is_the_persuasion_optimum(
    instance: Instance, optimum: Fraction, deterministic: Fraction
) -> None:
    commitment = solve_commitment(instance)
    assert commitment.certified
    assert commitment.value == optimum
    assert not commitment.rule.is_deterministic
    best = _best_in_class(instance, Deterministic(), (0,), [commitment.rule], 0)
    assert best == deterministic < optimum
    # The rule found attains the optimum under deviator-favourable ties.
    response = respond_to_profile(instance, 0, [commitment.rule], TiePolicy.FAVOURABLE, 0).response
    assert provider_payoff(instance, 0, 0, response.law) == optimum


def test_grid_classes_approach_the_optimum_from_below() -> None:
    instance = load(LIBRARY / "prosecutor_judge.yaml")
    optimum = solve_commitment(instance).value
    values = [_best_in_class(instance, Grid(q), (0,), [Rule(((),))], 0) for q in (1, 2, 7)]
    # grid(7) contains t = 3/7, so it attains the optimum; coarser grids do not exceed it.
    assert values[-1] == optimum
    assert all(v <= optimum for v in values)


ORACLE_CASES = small_instances(
    max_providers=2,
    max_signals=2,
    max_users=2,
    max_states=2,
    max_worlds=3,
    shapes=(Shape(("P",), 0, 2), Shape(("U", "P"), 2, 2)),
)


@settings(max_examples=25)
@given(ORACLE_CASES, st.sampled_from(list(Mode)), st.data())
def test_oracle_bounds_every_finite_class(instance: Instance, mode: Mode, data: st.DataObject) -> None:
    # Deterministic and grid rules are mixed rules, so the supremum over full is at least their best.
    m = len(instance.providers)
    others = [data.draw(st.sampled_from(Deterministic().enumerate(instance, k))) for k in range(m)]
    users = tuple(range(len(instance.users))) if mode is Mode.ANONYMOUS else (0,)
    # The exhaustive oracle's range; above it the MIP path is tested in tests/test_oracle_mip.py.
    assume(all(count_choices(instance, j, users, m > 1) <= DEFAULT_CHOICE_LIMIT for j in range(m)))
    for j in range(m):
        bound = solve_deviation(instance, j, users, [others for _ in users], method=OracleMethod.EXHAUSTIVE)
        assert bound.certified
        for cls in (Deterministic(), Grid(2)):
            if cls.count(instance, j) <= 300:
                assert bound.value >= _best_in_class(instance, cls, users, others, j)
        # The rule returned attains the bound: re-evaluate it with deviator-favourable ties.
        profile = list(others)
        profile[j] = bound.rule
        attained = sum(
            (
                provider_payoff(
                    instance,
                    j,
                    i,
                    respond_to_profile(instance, i, profile, TiePolicy.FAVOURABLE, j).response.law,
                )
                for i in users
            ),
            F(0),
        )
        # No rule beats the supremum; when every user consults j under the optimal choices, her
        # favourable response is at least as good for j as the LP's choice, so it is attained.
        assert attained <= bound.value
        if all(c.consults for c in bound.choices):
            assert attained == bound.value


@settings(max_examples=15)
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
def test_certification_never_contradicts_the_finite_engine(instance: Instance, mode: Mode) -> None:
    game = Game(instance, mode, Deterministic())
    finite = solve_equilibria(game)
    full = certify_result(game, finite)
    assert full.certified
    classes = game.rules
    for c in full.certifications:
        rules = c.equilibrium.rules
        for check in c.checks:
            for j, b in enumerate(check.bounds):
                # full contains the class: at the same selection b (SPEC §4 case 3 reads b), its
                # supremum is at least the best deviation within the class.
                finite_best = max(
                    (
                        sum(
                            (
                                deviation_payoff_from_user(
                                    instance, i, [*rules[:j], r, *rules[j + 1 :]], j, o[0], o[1][j]
                                )
                                for i, o in zip(c.equilibrium.users, check.selection)
                            ),
                            Fraction(0),
                        )
                        for r in classes[j]
                        if r != rules[j]
                    ),
                    default=None,
                )
                if finite_best is not None and len(instance.protocol.provider_messages) > 1:
                    assert b.value >= finite_best
    # Surviving in full is a refinement: never more profiles than the finite class has.
    assert full.count <= finite.count

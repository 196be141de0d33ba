"""SPEC.md §4's deviation rule, case 3: a user the deviator does not attract keeps her selection.

The regression instance ``instances/regressions/blind_and_informed.yaml``: rain with probability
3/5, sun 2/5; a blind provider (one signal) that wants an umbrella, an informed one (sees the
weather) that wants a raincoat in the rain and sunglasses in the sun; the walker values the
umbrella and the raincoat equally (1 in the rain, 0 in the sun), sunglasses 1 in the sun only.

Hand derivation (deterministic class, two messages). The blind provider's two rules are
uninformative: the walker acts on the prior, value 3/5 (umbrella or raincoat). The informed
provider's four rules: two pool (value 3/5), two reveal (value 1).

- The informed provider reveals: she takes it (1 > 3/5); in the rain she is indifferent between
  umbrella and raincoat. The informed provider's other revealing rule attracts her (case 2) and pays
  it 1 with the raincoat, so b must pick the raincoat (Π_informed = 3/5 + 2/5 = 1). The blind
  provider cannot attract her (3/5 < 1): whatever rule it offers she stays and keeps b (case 3), so
  it gains nothing. Equilibria: 2 blind rules × 2 revealing rules = 4, walker utility 1, payoffs
  blind 0, informed 1.
- The informed provider pools: revealing attracts her and pays it 1 > 3/5 ≥ Π_informed. None.

Re-breaking her tie at the informed provider in the blind one's favour (the rule before case 3)
makes the blind provider "gain" 3/5 by re-offering its own rule, while the informed one needs the
raincoat: no equilibrium at all.
"""

from __future__ import annotations

import copy
from fractions import Fraction
from pathlib import Path

import pytest

from solver.certificates.certification import certify_result
from solver.certificates.records import certificate_from_certification
from solver.certificates.verify import verify_certificate
from solver.conversation.classes import Deterministic, Grid
from solver.core.serialization import load
from solver.equilibria.enumeration import solve_equilibria
from solver.equilibria.games import Game, Mode
from solver.equilibria.mip import solve_equilibria_mip
from solver.responses.response import TiePolicy, deviation_payoff_from_user

INSTANCE = Path(__file__).resolve().parent.parent / "instances" / "regressions" / "blind_and_informed.yaml"
F = Fraction


@pytest.mark.parametrize("mode", list(Mode), ids=lambda m: m.value)
def test_blind_and_informed_has_its_four_equilibria(mode: Mode) -> None:
    instance = load(INSTANCE)
    result = solve_equilibria(Game(instance, mode, Deterministic()))
    assert result.count == 4
    # Profiles index (blind rule, informed rule); informed rules 1 and 2 reveal (see the docstring).
    assert {e.profile for e in result.equilibria} == {(0, 1), (0, 2), (1, 1), (1, 2)}
    for e in result.equilibria:
        assert [o.utility for o in e.outcomes] == [1]
        assert e.payoffs == ((F(0), F(0)), (F(1), F(1)))
        # The blind provider's deviations leave her where she is: its deviation payoff is its payoff.
        assert e.deviations[0] == (F(0), F(0))
        assert e.deviations[1] == (F(1), F(1))


@pytest.mark.parametrize("mode", list(Mode), ids=lambda m: m.value)
def test_grid_class_adds_only_the_blind_providers_mixtures(mode: Mode) -> None:
    # grid:4 gives the blind provider 5 rules, all uninformative; the informed provider's grid rules
    # that reveal exactly are its two deterministic revealing ones. 5 × 2 = 10.
    result = solve_equilibria(Game(load(INSTANCE), mode, Grid(4)))
    assert result.count == 10
    assert result.worst == result.best == (F(1),)


@pytest.mark.parametrize("mode", list(Mode), ids=lambda m: m.value)
def test_both_engines_agree_on_blind_and_informed(mode: Mode) -> None:
    game = Game(load(INSTANCE), mode, Deterministic())
    enumerated = solve_equilibria(game)
    mip = solve_equilibria_mip(game)
    assert {e.key() for e in mip.equilibria} == {e.key() for e in enumerated.equilibria}
    assert mip.count == enumerated.count == 4


@pytest.mark.parametrize("mode", list(Mode), ids=lambda m: m.value)
def test_blind_and_informed_equilibria_survive_in_full_and_verify(mode: Mode) -> None:
    # Any mixed rule of the blind provider is uninformative (one signal): value 3/5 < 1, so she stays
    # (case 3) and the blind provider's supremum is its payoff 0. The informed provider cannot get
    # more than 1 (utilities ≤ 1, stake 1).
    instance = load(INSTANCE)
    game = Game(instance, mode, Deterministic())
    full = certify_result(game, solve_equilibria(game))
    assert full.certified and full.count == 4
    for c in full.certifications:
        assert c.survives
        assert [b.value for b in c.bounds] == [F(0), F(1)]
        document = certificate_from_certification(instance, c)
        # The recorded selection is the one the bounds assume: the raincoat in the rain.
        (actions,) = document["responses"]["walker"]["actions"].values()
        assert sorted(entry["action"] for entry in actions) == ["raincoat", "sunglasses"]
        assert verify_certificate(document).valid


def test_verifier_recomputes_the_staying_constant_from_the_recorded_selection() -> None:
    # A certificate whose blind-provider programs read the staying walker as re-choosing in the blind
    # provider's favour (umbrella: 3/5) instead of keeping her raincoat (0) is rejected.
    instance = load(INSTANCE)
    game = Game(instance, Mode.ANONYMOUS, Deterministic())
    full = certify_result(game, solve_equilibria(game))
    document = certificate_from_certification(instance, full.certifications[0])
    forged = copy.deepcopy(document)
    stays = [p for p in forged["deviations"]["blind"]["programs"] if not p["choices"]["walker"]["consults"]]
    assert stays and all(p["constant"] == "0" for p in stays)
    for program in stays:
        program["constant"] = "3/5"
    forged["deviations"]["blind"]["bound"] = "3/5"
    verdict = verify_certificate(forged)
    assert not verdict.valid
    assert any("constant: stated 3/5, recomputed 0" in reason for reason in verdict.reasons)


def test_reference_reading_of_the_four_cases() -> None:
    instance = load(INSTANCE)
    rules = Game(instance, Mode.ANONYMOUS, Deterministic()).rules
    pool, reveal = rules[1][0], rules[1][1]
    umbrella = F(1)  # the blind provider's payoff when she takes the umbrella whatever the weather
    # Case 3: the blind provider re-offers a rule; she stays with the revealing informed provider and
    # keeps her raincoat: the blind provider gets what b gave it, 0.
    assert deviation_payoff_from_user(instance, 0, [rules[0][1], reveal], 0, 1, F(0)) == 0
    # Case 2: the informed provider switches to its other revealing rule: she takes it with the
    # raincoat (favourable to it): 3/5 + 2/5.
    assert deviation_payoff_from_user(instance, 0, [rules[0][0], rules[1][2]], 1, 1, F(1)) == 1
    # Case 4: she was with the informed provider, which now pools (3/5, tied with the blind one): on
    # a tie she picks the deviator (favourable), with her best action for it: raincoat, 3/5.
    assert deviation_payoff_from_user(instance, 0, [rules[0][0], pool], 1, 1, F(1)) == F(3, 5)
    # Adversarial ties at that tie: the worse for the informed provider of its own worst (umbrella:
    # 0) and leaving to the blind provider (umbrella: 0).
    adversarial = TiePolicy.ADVERSARIAL
    assert deviation_payoff_from_user(instance, 0, [rules[0][0], pool], 1, 1, F(1), adversarial) == 0
    # With her at the blind provider (b: umbrella on the prior) and the informed provider pooling,
    # the blind provider's other rule ties with the informed one: favourable ties give it the umbrella.
    assert deviation_payoff_from_user(instance, 0, [rules[0][1], pool], 0, 0, umbrella) == umbrella

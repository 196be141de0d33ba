"""The Gambit export against pygambit: payoffs read back exactly, and the same pure equilibria.

The exported game has canonical ties (SPEC.md §4), so its pure Nash equilibria are the profiles
that :func:`solver.equilibria.enumeration.solve_equilibria` reports under ``TiePolicy.CANONICAL`` with the
canonical selection admissible (SPEC.md §5). Payoffs are checked against an independent
recomputation from each user's value and canonical response to every rule, as exact fractions.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from solver.conversation.classes import Deterministic, Grid, StrategyClass
from solver.core.errors import InstanceError, ModelError
from solver.core.model import Instance
from solver.core.serialization import instance_from_dict, load
from solver.equilibria.enumeration import solve_equilibria
from solver.equilibria.gambit import NFG_VERSION, game_to_nfg, strategy_label, write_nfg
from solver.equilibria.games import Game, Mode
from solver.responses.response import TiePolicy, provider_payoff, solve_response, user_value
from tests.strategies import Shape, small_instances

INSTANCES = Path(__file__).resolve().parent.parent / "instances"
BUNDLED = sorted(INSTANCES.rglob("*.yaml"))
SMALL_GAME = 10_000
"""Largest number of profiles of a bundled game checked in class grid:2."""
FAST_GAME = 1_000
"""Games with more profiles are marked slow: pygambit's profiles are slow to read back."""

Profile = tuple[int, ...]


@pytest.fixture(scope="module")
def gambit() -> ModuleType:
    return pytest.importorskip("pygambit")


def read_back(gambit: ModuleType, game: Game) -> Any:
    """The exported game as pygambit reads it."""
    return gambit.read_nfg(io.StringIO(game_to_nfg(game)))


def contingency(instance: Instance, profile: Profile) -> dict[str, str]:
    return {p.label: strategy_label(r) for p, r in zip(instance.providers, profile)}


def gambit_equilibria(gambit: ModuleType, game: Game) -> set[Profile]:
    """Pure equilibria found by pygambit's ``enumpure_solve`` on the exported game."""
    table = read_back(gambit, game)
    result = gambit.nash.enumpure_solve(table)
    found = set()
    for equilibrium in result.equilibria:
        profile = []
        for p in game.instance.providers:
            strategy = equilibrium[p.label]
            chosen = [k for k, label in enumerate(table.get_strategies(p.label)) if strategy[label] == 1]
            assert len(chosen) == 1
            profile.append(chosen[0])
        found.add(tuple(profile))
    return found


def canonical_equilibria(game: Game) -> set[Profile]:
    """Equilibria under canonical deviations where the canonical selection is admissible."""
    result = solve_equilibria(game, policy=TiePolicy.CANONICAL)
    assert result.complete
    return {e.profile for e in result.equilibria if e.canonical}


def expected_payoffs(game: Game) -> dict[Profile, tuple[Fraction, ...]]:
    """``Σ_i λ_{j,i} E[U_{j,i}]`` at every profile, each user responding canonically (SPEC.md §3–4).

    Recomputed from :func:`solver.responses.response.user_value` and
    :func:`solver.responses.response.solve_response`, not from the game's response table: the user
    takes the first provider she values most.
    """
    instance = game.instance
    m = len(instance.providers)
    responses = {
        (i, j, r): (user_value(instance, i, j, rule), solve_response(instance, i, j, rule).law)
        for i in game.users
        for j, rules in enumerate(game.rules)
        for r, rule in enumerate(rules)
    }
    result = {}
    for profile in game_profiles(game):
        totals = [Fraction(0)] * m
        for i in game.users:
            values = [responses[i, j, r][0] for j, r in enumerate(profile)]
            chosen = values.index(max(values))
            law = responses[i, chosen, profile[chosen]][1]
            for j in range(m):
                totals[j] += provider_payoff(instance, j, i, law)
        result[profile] = tuple(totals)
    return result


def exported_games(instance: Instance, strategy_class: StrategyClass) -> list[Game]:
    """The anonymous game and each one-user game of the personalized game."""
    anonymous = Game(instance, Mode.ANONYMOUS, strategy_class)
    return [anonymous, *Game(instance, Mode.PERSONALIZED, strategy_class).split()]


def game_id(game: Game) -> str:
    if game.mode is Mode.ANONYMOUS:
        return "anonymous"
    return f"personalized-{game.instance.users[game.users[0]].label}"


@dataclass(frozen=True)
class Case:
    """One exported game of a bundled instance."""

    name: str
    game: Game


def bundled_cases() -> list[Any]:
    cases = []
    for path in BUNDLED:
        instance = load(path)
        name = path.relative_to(INSTANCES).with_suffix("").as_posix()
        for strategy_class in (Deterministic(), Grid(2)):
            for game in exported_games(instance, strategy_class):
                if strategy_class.name != "deterministic" and game.profile_count() > SMALL_GAME:
                    continue
                marks = [pytest.mark.slow] if game.profile_count() > FAST_GAME else []
                label = f"{name}-{strategy_class.name}-{game_id(game)}"
                cases.append(pytest.param(Case(name, game), id=label, marks=marks))
    return cases


CASES = bundled_cases()


def check_payoffs(gambit: ModuleType, game: Game) -> None:
    table = read_back(gambit, game)
    instance = game.instance
    assert list(table.players) == [p.label for p in instance.providers]
    for j, p in enumerate(instance.providers):
        assert table.get_strategies(p.label) == [strategy_label(r) for r in range(len(game.rules[j]))]
    for profile, expected in expected_payoffs(game).items():
        read = table.get_payoffs(contingency(instance, profile))
        assert all(isinstance(read[p.label], Fraction) for p in instance.providers)
        assert tuple(Fraction(read[p.label]) for p in instance.providers) == expected


def game_profiles(game: Game) -> list[Profile]:
    profiles: list[Profile] = [()]
    for rules in game.rules:
        profiles = [(*p, r) for p in profiles for r in range(len(rules))]
    return profiles


# -- bundled instances ---------------------------------------------------------------------------------


def test_every_bundled_instance_is_covered() -> None:
    covered = {param.values[0].name for param in CASES}
    assert covered == {path.relative_to(INSTANCES).with_suffix("").as_posix() for path in BUNDLED}


@pytest.mark.parametrize("case", CASES)
def test_pure_equilibria_agree_with_pygambit(gambit: ModuleType, case: Case) -> None:
    assert gambit_equilibria(gambit, case.game) == canonical_equilibria(case.game)


@pytest.mark.parametrize("case", CASES)
def test_payoffs_read_back_exactly(gambit: ModuleType, case: Case) -> None:
    check_payoffs(gambit, case.game)


# -- the file itself -----------------------------------------------------------------------------------


PROSECUTOR = INSTANCES / "prosecutor_judge.yaml"


def test_header_players_and_strategies() -> None:
    game = Game(load(PROSECUTOR), Mode.ANONYMOUS, Deterministic())
    text = game_to_nfg(game)
    assert text.startswith(f'{NFG_VERSION} "Prosecutor and judge: anonymous game, class deterministic"')
    assert '{ "prosecutor" }' in text.splitlines()[0]
    assert '{ "r0" "r1" "r2" "r3" }' in text


def test_prosecutor_payoffs_by_hand(gambit: ModuleType) -> None:
    # Rule r1 says m1 on saw_guilty and m2 on saw_innocent: the judge learns the state and
    # convicts exactly when guilty, so the prosecutor gets the prior 3/10. A constant rule (r0)
    # tells her nothing: she acquits (7/10 > 3/10) and the prosecutor gets 0.
    game = Game(load(PROSECUTOR), Mode.ANONYMOUS, Deterministic())
    table = read_back(gambit, game)
    assert table.get_payoffs({"prosecutor": "r1"})["prosecutor"] == Fraction(3, 10)
    assert table.get_payoffs({"prosecutor": "r0"})["prosecutor"] == 0


def test_write_nfg_round_trips_through_a_file(gambit: ModuleType, tmp_path: Path) -> None:
    game = Game(load(INSTANCES / "complementary_halves.yaml"), Mode.ANONYMOUS, Deterministic())
    path = tmp_path / "game.nfg"
    write_nfg(game, path)
    assert path.read_text(encoding="utf-8") == game_to_nfg(game)
    assert gambit.read_nfg(str(path)).to_nfg() == read_back(gambit, game).to_nfg()


def test_personalized_game_over_several_users_is_exported_by_slices() -> None:
    game = Game(load(INSTANCES / "complementary_halves.yaml"), Mode.PERSONALIZED, Deterministic())
    with pytest.raises(ModelError, match="split"):
        game_to_nfg(game)


def renamed(provider: str) -> Instance:
    document = {
        "states": ["y"],
        "providers": {provider: {"signals": ["s"]}},
        "users": {"u": {"actions": ["a", "b"], "utility": {"a": {"y": 1}, "b": {"y": 0}}}},
        "worlds": {"w": {"prob": 1, "state": "y", "signals": {provider: "s"}}},
        "stakes": {provider: {"u": {"weight": 1, "utility": {"a": {"y": 0}, "b": {"y": 1}}}}},
        "protocol": {"turns": ["P"], "provider_messages": ["m"]},
    }
    return instance_from_dict(document)


@pytest.mark.parametrize("label", ["a  b", "a\\b"])
def test_labels_gambit_cannot_store_are_refused(label: str) -> None:
    with pytest.raises(ModelError, match="Gambit label"):
        game_to_nfg(Game(renamed(label), Mode.ANONYMOUS, Deterministic()))


@pytest.mark.parametrize("label", [" a", "a ", "a\tb"])
def test_labels_no_instance_may_hold_never_reach_gambit(label: str) -> None:
    # The label rule (SPEC §11) refuses them at load time: no leading or trailing space, no tab.
    with pytest.raises(InstanceError, match=r"^providers\[0\]: label"):
        renamed(label)


@pytest.mark.parametrize("label", ['say "hi"', "é", "x: y", "#c"])
def test_unusual_labels_read_back(gambit: ModuleType, label: str) -> None:
    table = read_back(gambit, Game(renamed(label), Mode.ANONYMOUS, Deterministic()))
    assert list(table.players) == [label]
    assert table.get_payoffs({label: "r0"})[label] == 0


# -- generated instances -------------------------------------------------------------------------------


GENERATED = small_instances(
    max_providers=2,
    max_signals=2,
    max_users=2,
    shapes=(Shape(("P",), 0, 3), Shape(("U", "P"), 2, 2), Shape(("P", "P"), 0, 2)),
)


@settings(max_examples=20, deadline=None)
@given(instance=GENERATED, personalized=st.booleans())
def test_generated_games_agree_with_pygambit(instance: Instance, personalized: bool) -> None:
    gambit = pytest.importorskip("pygambit")
    games = exported_games(instance, Deterministic())
    for game in games[1:] if personalized else games[:1]:
        assert gambit_equilibria(gambit, game) == canonical_equilibria(game)
        check_payoffs(gambit, game)

"""The vectorised scan of the anonymous game against the per-profile path (SPEC.md §4, §5, §9).

:func:`solver.equilibria.scan.scan_anonymous` decides every profile at once; ``solve_equilibria(...,
vectorised=False)`` decides them one at a time with :func:`solver.equilibria.regret.examine`. They must
give equal results: the same equilibria in the same order (each built by ``examine``), the same count
and the same worst and best utilities, under every tie policy and δ.
"""

from __future__ import annotations

import copy
import itertools
import pickle
from fractions import Fraction
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st

from solver.conversation.classes import Deterministic, Grid, StrategyClass
from solver.core.errors import ClassTooLargeError
from solver.core.model import Instance
from solver.core.serialization import instance_from_dict, load
from solver.equilibria import scan
from solver.equilibria.enumeration import solve_equilibria
from solver.equilibria.games import Game, Mode
from solver.equilibria.regret import RegretKernel, verify_profile
from solver.equilibria.results import LazyEquilibria
from solver.responses.response import TiePolicy
from tests.strategies import Shape, fractions_in_unit, instance_documents, small_instances

LIBRARY = Path(__file__).resolve().parent.parent / "instances"
F = Fraction


@st.composite
def second_user(draw: st.DrawFn, document: dict[str, Any]) -> Instance:
    """The instance with one more user, ``V``, whose utility and stakes are drawn afresh.

    A rule that attracts one user while the other stays is where what a user keeps when she stays
    (SPEC.md §4, case 3) decides a deviation; it needs two users.
    """
    document = copy.deepcopy(document)
    states = document["states"]
    actions = list(next(iter(document["users"].values()))["actions"])

    def table() -> dict[str, dict[str, str]]:
        return {a: {y: str(draw(fractions_in_unit(4))) for y in states} for a in actions}

    document["users"]["V"] = {"actions": actions, "utility": table()}
    for stakes in document["stakes"].values():
        stakes["V"] = {"weight": draw(st.sampled_from(["0", "1/2", "1", "3/2"])), "utility": table()}
    return instance_from_dict(document)


# Two or three providers with two or three signals and two messages, the first provider informed,
# so that every provider has rules to deviate to and what they reveal matters, and two users; every
# edge the strategies draw (twin providers, tied actions, zero stakes, an unused signal) gives users
# several optimal providers or outcome laws at many profiles. The report-signal games have one or
# two users and alphabets of one or two messages.
SIGNAL_GAMES = instance_documents(
    min_providers=2,
    max_providers=3,
    min_signals=2,
    max_signals=3,
    max_users=1,
    min_states=2,
    max_states=2,
    min_worlds=2,
    max_worlds=3,
    shapes=(Shape(("P",), 0, 2, min_provider_messages=2),),
    tricky=False,
    informative=True,
).flatmap(second_user)
REPORT_GAMES = small_instances(
    max_providers=2,
    max_signals=2,
    max_users=2,
    max_states=2,
    max_worlds=2,
    shapes=(Shape(("U", "P"), 2, 2),),
    features=False,
)
CLASSES: list[StrategyClass] = [Deterministic(), Grid(2)]
DELTAS = [F(0), F(1, 4), F(1, 2), F(3)]
"""δ = 0, two values of the size of a payoff, and one above every payoff difference (all profiles)."""


@st.composite
def markets(draw: st.DrawFn) -> Instance:
    """Two or three providers who see the worlds through different partitions, and two users.

    Each of ``2s`` worlds (``s`` signals: 2 or 3 with two providers, 2 with three; prior weights
    1 to 4) has a state and, for each provider, the signal ``perm_j[w mod s]`` (a permutation
    drawn per provider, so some providers' partitions may also coincide); each user guesses the
    state (1 if right, 0 or 1/4 if wrong) or takes a safe action; stakes are 0, 1/2, 1 or 3/2 and
    the providers' utilities multiples of 1/4. Many profiles then have a single best-response
    selection, where what a user keeps when she stays (SPEC.md §4, case 3) decides a deviation.
    """
    providers = [f"P{j}" for j in range(draw(st.integers(2, 3)))]
    # At most 64 profiles: 8 rules for two providers, 4 for three.
    signals = draw(st.integers(2, 5 - len(providers)))
    states = ["y0", "y1"]
    quarter = st.integers(0, 4).map(lambda k: str(Fraction(k, 4)))
    worlds = {}
    permutations = {p: draw(st.permutations(range(signals))) for p in providers}
    weights = [draw(st.integers(1, 4)) for _ in range(2 * signals)]
    for w in range(2 * signals):
        worlds[f"w{w}"] = {
            "prob": str(Fraction(weights[w], sum(weights))),
            "state": states[w % 2] if w < 2 else draw(st.sampled_from(states)),
            "signals": {p: f"s{permutations[p][w % signals]}" for p in providers},
        }
    actions = ["a0", "a1", "safe"]
    users = {}
    for i in range(2):
        near = {y: draw(st.sampled_from(["0", "1/4"])) for y in states}
        utility = {
            a: {y: "1" if a == f"a{k}" else near[y] for k, y in enumerate(states)} for a in actions[:2]
        }
        safe = draw(st.sampled_from(["1/4", "1/2", "3/4"]))
        utility["safe"] = {y: safe for y in states}
        users[f"U{i}"] = {"actions": actions, "utility": utility}
    stakes = {
        p: {
            u: {
                "weight": draw(st.sampled_from(["0", "1/2", "1", "3/2"])),
                "utility": {a: {y: draw(quarter) for y in states} for a in actions},
            }
            for u in users
        }
        for p in providers
    }
    return instance_from_dict(
        {
            "states": states,
            "providers": {p: {"signals": [f"s{k}" for k in range(signals)]} for p in providers},
            "users": users,
            "worlds": worlds,
            "stakes": stakes,
            "protocol": {"turns": ["P"], "provider_messages": ["m0", "m1"]},
        }
    )


GAMES = st.one_of(
    st.tuples(SIGNAL_GAMES, st.sampled_from(CLASSES)),
    st.tuples(REPORT_GAMES, st.just(Deterministic())),
    st.tuples(markets(), st.just(Deterministic())),
)
"""An instance and a class: mixed rules (grid:2, more ties) only where the class stays small."""


@given(GAMES, st.sampled_from(DELTAS), st.sampled_from(list(TiePolicy)))
def test_the_scan_and_the_per_profile_path_give_equal_results(
    case: tuple[Instance, StrategyClass], delta: Fraction, policy: TiePolicy
) -> None:
    instance, strategy_class = case
    game = Game(instance, Mode.ANONYMOUS, strategy_class)
    scanned = solve_equilibria(game, delta, policy)
    reference = solve_equilibria(game, delta, policy, vectorised=False)
    assert isinstance(scanned.equilibria, LazyEquilibria)
    # The profiles alone first (cheap, and the clearest message), then every field.
    assert list(scanned.equilibria.profiles) == [e.profile for e in reference.equilibria]
    assert scanned.count == reference.count == len(reference.equilibria)
    assert (scanned.worst, scanned.best) == (reference.worst, reference.best)
    assert scanned == reference


@given(SIGNAL_GAMES, st.sampled_from(list(TiePolicy)))
def test_every_profile_the_scan_lists_is_verified_alone(instance: Instance, policy: TiePolicy) -> None:
    # verify_profile rebuilds a kernel and decides one profile: the scan's list is exactly the set
    # of profiles it accepts (SPEC.md §5).
    game = Game(instance, Mode.ANONYMOUS, Deterministic())
    result = solve_equilibria(game, F(0), policy)
    assert isinstance(result.equilibria, LazyEquilibria)
    listed = set(result.equilibria.profiles)
    for profile in _profiles(game):
        assert (verify_profile(game, profile, F(0), policy) is not None) == (profile in listed), profile


def _profiles(game: Game) -> list[tuple[int, ...]]:
    return list(itertools.product(*(range(len(rules)) for rules in game.rules)))


def _prosecutor() -> Game:
    return Game(load(LIBRARY / "prosecutor_judge.yaml"), Mode.ANONYMOUS, Deterministic())


def test_equilibria_are_built_when_read_and_only_then() -> None:
    # Prosecutor and judge: the two revealing rules (1 and 2) are the equilibria (tests/test_equilibria.py).
    result = solve_equilibria(_prosecutor())
    equilibria = result.equilibria
    assert isinstance(equilibria, LazyEquilibria)
    assert list(equilibria.profiles) == [(1,), (2,)] and equilibria.built == 0
    assert len(equilibria) == 2 and result.count == 2 and equilibria.built == 0
    last = equilibria[-1]
    assert last.profile == (2,) and equilibria.built == 1
    assert equilibria[1] is last  # built once, then read from the cache
    reference = solve_equilibria(_prosecutor(), vectorised=False).equilibria
    assert isinstance(reference, tuple)
    # A tuple to every reader: equality both ways, hash, slices, iteration, membership, pickling.
    assert equilibria == reference and reference == equilibria
    assert hash(equilibria) == hash(reference)
    assert equilibria[:1] == reference[:1] and equilibria[5:] == ()
    assert list(equilibria) == list(reference) and reference[0] in equilibria
    assert pickle.loads(pickle.dumps(equilibria)) == reference
    assert equilibria != reference[:1] and equilibria != list(reference)
    with pytest.raises(IndexError):
        equilibria[2]


def test_an_interrupted_scan_keeps_the_blocks_it_finished(monkeypatch: pytest.MonkeyPatch) -> None:
    # Blocks of 3 profiles; Ctrl-C when the third block starts: the first six profiles were decided.
    monkeypatch.setattr(scan, "BLOCK", 3)
    game = Game(load(LIBRARY / "two_providers_two_users.yaml"), Mode.ANONYMOUS, Deterministic())
    full = solve_equilibria(game)
    calls: list[int] = []

    def hook(task: str, completed: int, total: int) -> None:
        calls.append(completed)
        if completed == 6:
            raise KeyboardInterrupt

    stopped = solve_equilibria(game, progress=hook)
    assert calls == [0, 3, 6]
    assert not stopped.complete and full.complete
    strides = len(game.rules[1])
    expected = [e for e in full.equilibria if e.profile[0] * strides + e.profile[1] < 6]
    assert list(stopped.equilibria) == expected and stopped.count == len(expected)


def test_a_kernel_that_does_not_fit_takes_the_per_profile_path(monkeypatch: pytest.MonkeyPatch) -> None:
    game = _prosecutor()
    assert scan.fits(RegretKernel(game, TiePolicy.FAVOURABLE, F(0)))
    monkeypatch.setattr(scan, "PATTERN_LIMIT", 0)
    assert not scan.fits(RegretKernel(game, TiePolicy.FAVOURABLE, F(0)))
    result = solve_equilibria(game)
    assert isinstance(result.equilibria, tuple)
    assert result == solve_equilibria(game, vectorised=False)


def test_many_users_on_a_small_game_take_the_per_profile_path() -> None:
    # The tables by kept set take 4^n passes (module docstring of solver.equilibria.scan): with n
    # users on a game of P profiles the scan is used while 4^n <= max(SET_PASSES, n * P), and always
    # under adversarial ties, which have no sets. The prosecutor's deterministic rules are the 4
    # maps from 2 signals to 2 messages (P = 4): three judges (64 passes) scan, four (256 > 16) do not.
    document = yaml.safe_load((LIBRARY / "prosecutor_judge.yaml").read_text())

    def judges(n: int) -> Game:
        copy_ = copy.deepcopy(document)
        for k in range(1, n):
            copy_["users"][f"judge{k}"] = document["users"]["judge"]
            copy_["stakes"]["prosecutor"][f"judge{k}"] = document["stakes"]["prosecutor"]["judge"]
        return Game(instance_from_dict(copy_), Mode.ANONYMOUS, Deterministic())

    assert scan.SET_PASSES == 64
    assert scan.fits(RegretKernel(judges(3), TiePolicy.FAVOURABLE, F(0)))
    four = judges(4)
    assert not scan.fits(RegretKernel(four, TiePolicy.FAVOURABLE, F(0)))
    assert not scan.fits(RegretKernel(four, TiePolicy.CANONICAL, F(0)))
    assert scan.fits(RegretKernel(four, TiePolicy.ADVERSARIAL, F(0)))
    for policy in TiePolicy:
        assert solve_equilibria(four, policy=policy) == solve_equilibria(
            four, policy=policy, vectorised=False
        )


@pytest.mark.parametrize("limit", [0, 1, 2])
@pytest.mark.parametrize("policy", list(TiePolicy))
def test_the_selection_limit_stops_both_paths_alike(policy: TiePolicy, limit: int) -> None:
    # An indifferent user between two providers who want opposite actions (tug of war,
    # tests/test_equilibria.py): at every profile both providers are optimal for her, with every
    # outcome law, so a small limit on her selections is met; both paths refuse, or decide, alike.
    game = Game(_indifferent_pair(), Mode.ANONYMOUS, Deterministic())
    outcomes = []
    for vectorised in (True, False):
        try:
            outcomes.append(
                solve_equilibria(game, policy=policy, selection_limit=limit, vectorised=vectorised)
            )
        except ClassTooLargeError as error:
            outcomes.append(str(error))
    assert outcomes[0] == outcomes[1]
    if limit == 0:
        assert isinstance(outcomes[0], str)


def _indifferent_pair() -> Instance:
    providers = ("A", "B")
    flat = {"a0": {"s0": 0, "s1": 0}, "a1": {"s0": 0, "s1": 0}}
    return instance_from_dict(
        {
            "states": ["s0", "s1"],
            "providers": {p: {"signals": ["saw0", "saw1"]} for p in providers},
            "users": {"user": {"actions": ["a0", "a1"], "utility": flat}},
            "worlds": {
                "w0": {"prob": "1/2", "state": "s0", "signals": {p: "saw0" for p in providers}},
                "w1": {"prob": "1/2", "state": "s1", "signals": {p: "saw1" for p in providers}},
            },
            "stakes": {
                "A": {"user": {"weight": 1, "utility": {"a0": {"s0": 1, "s1": 1}, "a1": {"s0": 0, "s1": 0}}}},
                "B": {"user": {"weight": 1, "utility": {"a0": {"s0": 0, "s1": 0}, "a1": {"s0": 1, "s1": 1}}}},
            },
            "protocol": {"turns": ["P"], "provider_messages": ["m1", "m2"]},
        }
    )

"""The public API (``import pluralis``): labelled, frozen results; ``to_dict()`` is the command's ``--json``.

Also the users' side of an equilibrium (her provider, what she says and does, her outcome law),
checked against hand derivations on the prosecutor and judge of SPEC.md §11; the grouping of
equilibria that differ only by a renaming of the provider messages, checked against a brute-force
search over renamings; the one top-level shape of every ``solve --json``; the ``schema`` stamp of
every ``--json``; and the README's API example, run as a doctest.
"""

from __future__ import annotations

import ast
import dataclasses
import doctest
import itertools
import json
import re
import subprocess
import sys
from fractions import Fraction
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

import pluralis
from fitting.estimation import table_to_csv
from fitting.synthetic import SyntheticSettings, generate_table
from pluralis.cli import cli
from solver.conversation.classes import Deterministic, Grid
from solver.conversation.protocol import ConversationTree
from solver.conversation.rules import Rule
from solver.core.errors import ClassTooLargeError, ModelError, NumberError, PluralisError
from solver.core.serialization import instance_from_dict, load
from solver.equilibria.enumeration import solve_equilibria
from solver.equilibria.gambit import game_to_nfg
from solver.equilibria.games import Game, Mode
from solver.equilibria.results import (
    SOLVE_FIELDS,
    Equilibrium,
    find_user_selection,
    relabelling_groups,
    relabelling_key,
)
from solver.responses.response import expected

ROOT = Path(__file__).resolve().parent.parent
INSTANCES = ROOT / "instances"
PROSECUTOR = INSTANCES / "prosecutor_judge.yaml"
TWO = INSTANCES / "two_providers_two_users.yaml"
BLIND = INSTANCES / "regressions" / "blind_and_informed.yaml"
REPORT = INSTANCES / "report_signal_features.yaml"
C4_WITNESS = INSTANCES / "witnesses" / "C4-hypothesis-s4-r00.yaml"
STAKELESS_FEATURES = INSTANCES / "regressions" / "c1_stakeless_provider_features.yaml"


def _json(*arguments: str | Path) -> dict[str, Any]:
    result = CliRunner().invoke(cli, [*(str(a) for a in arguments), "--json"])
    assert result.exit_code == 0, result.output
    document: dict[str, Any] = json.loads(result.stdout)
    return document


def _text(*arguments: str | Path) -> str:
    result = CliRunner().invoke(cli, [str(a) for a in arguments], env={"COLUMNS": "250"})
    assert result.exit_code == 0, result.output
    return result.stdout


# -- to_dict() is the command line's --json ---------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "mode", "cls"),
    [
        pytest.param(PROSECUTOR, "anonymous", "deterministic", id="prosecutor-anonymous"),
        pytest.param(PROSECUTOR, "personalized", "grid:7", id="prosecutor-personalized-grid7"),
        pytest.param(TWO, "anonymous", "deterministic", id="two-anonymous"),
        pytest.param(TWO, "personalized", "deterministic", id="two-personalized"),
        pytest.param(REPORT, "anonymous", "grid:2", id="report-signal-features"),
        pytest.param(C4_WITNESS, "personalized", "deterministic", id="no-equilibrium-hint"),
        pytest.param(BLIND, "anonymous", "shared:blind,informed", id="shared"),
    ],
)
def test_solve_to_dict_is_the_json_of_solve(path: Path, mode: str, cls: str) -> None:
    solution = pluralis.solve(path, mode=mode, cls=cls)
    assert solution.to_dict() == _json("solve", path, "--mode", mode, "--class", cls)


def test_the_mip_engine_and_other_options_give_the_json_of_solve() -> None:
    solution = pluralis.solve(TWO, mode="personalized", engine="mip", delta="1/10", ties="adversarial")
    options = ("--mode", "personalized", "--engine", "mip", "--delta", "1/10", "--tie-policy", "adversarial")
    command = _json("solve", TWO, *options)
    assert solution.to_dict() == command
    cut = pluralis.solve(TWO).to_dict(max_equilibria=3)
    assert cut == _json("solve", TWO, "--max-output-equilibria", "3")
    assert (cut["equilibria_listed"], cut["truncated"], cut["count"]) == (3, True, 54)


def test_certify_and_solve_in_full_give_the_json_of_solve_class_full() -> None:
    finite = pluralis.solve(BLIND, mode="anonymous")
    full = pluralis.certify(finite)
    command = _json("solve", BLIND, "--class", "full", "--mode", "anonymous")
    assert full.to_dict() == command
    assert pluralis.solve(BLIND, cls="full").to_dict() == command
    # README, "How users react to a deviation": the 4 equilibria of deterministic survive in full.
    assert (full.kind, full.count, full.finite_count, full.checked) == (pluralis.Kind.FULL, 4, 4, 4)
    assert all(e.certification is not None and e.certification.survives for e in full.equilibria)


def test_commit_gives_the_json_of_solve_class_full_with_one_provider() -> None:
    commitment = pluralis.commit(PROSECUTOR)
    assert commitment.to_dict() == _json("solve", PROSECUTOR, "--class", "full")
    assert pluralis.solve(PROSECUTOR, cls="full").to_dict() == commitment.to_dict()
    personalized = pluralis.commit(PROSECUTOR, mode="personalized", users=["judge"])
    assert personalized.to_dict() == _json("solve", PROSECUTOR, "--class", "full", "--mode", "personalized")


def test_check_gives_the_json_of_check() -> None:
    verdicts = pluralis.check(PROSECUTOR, claim=["C1", "C6"])
    assert verdicts.to_dict() == _json("check", PROSECUTOR, "--claim", "C1", "--claim", "C6")
    assert list(verdicts.claims) == ["C1", "C6"]
    one = pluralis.check(PROSECUTOR, "C1", cls="grid:2", delta="1/10")
    assert one.to_dict() == _json(
        "check", PROSECUTOR, "--claim", "C1", "--class", "grid:2", "--delta", "1/10"
    )


# -- labels and frozen results ------------------------------------------------------------------------


def test_results_are_labelled_by_the_files_labels() -> None:
    instance = load(TWO)
    providers = [p.label for p in instance.providers]
    solution = pluralis.solve(instance, mode="personalized")
    assert (solution.providers, solution.users) == (tuple(providers), tuple(u.label for u in instance.users))
    assert list(solution.worst) == list(solution.users)
    for e in solution.equilibria:
        # A personalized game's equilibria are listed per user's slice, named by her label.
        assert e.slice is not None and e.users == (e.slice,)
        assert list(e.profile) == providers == list(e.payoffs) == list(e.deviations)
        assert list(e.outcomes) == [e.slice]
        for label, rule in e.profile.items():
            assert rule.provider == label
            signals = instance.providers[providers.index(label)].signals
            assert list(rule.distributions) == list(signals)
            # Every node's law sums to 1 over the messages it names.
            assert all(sum(d.values()) == 1 for nodes in rule.distributions.values() for d in nodes.values())
        outcome = e.outcomes[e.slice]
        assert outcome.provider == outcome.providers[0] and set(outcome.providers) <= set(providers)
        assert {r.provider for r in outcome.responses} == set(outcome.providers)


def test_results_are_frozen_and_hashable() -> None:
    solution = pluralis.solve(PROSECUTOR)
    equilibrium = solution.equilibria[0]
    with pytest.raises(dataclasses.FrozenInstanceError):
        solution.count = 3  # type: ignore[misc]
    with pytest.raises(dataclasses.FrozenInstanceError):
        equilibrium.number = 2  # type: ignore[misc]
    with pytest.raises(TypeError):
        equilibrium.profile["prosecutor"] = equilibrium.profile["prosecutor"]  # type: ignore[index]
    with pytest.raises(AttributeError):
        equilibrium.outcomes._items = ()  # type: ignore[misc]
    assert hash(equilibrium) == hash(pluralis.solve(PROSECUTOR).equilibria[0])
    hint = pluralis.solve(C4_WITNESS, mode="personalized")
    assert hint.other_tie_policies is not None and hash(hint) == hash(hint)
    assert equilibrium == pluralis.solve(PROSECUTOR).equilibria[0]
    # A labelled mapping equals the dict of its items.
    assert equilibrium.payoffs == {"prosecutor": (Fraction(3, 10), Fraction(3, 10))}


def test_a_game_fixes_mode_class_and_limits() -> None:
    instance = load(PROSECUTOR)
    game = Game(instance, Mode.ANONYMOUS, Grid(7))
    assert pluralis.solve(game).to_dict() == pluralis.solve(instance, cls="grid:7").to_dict()
    with pytest.raises(ModelError, match="cls: the Game given is over grid:7"):
        pluralis.solve(game, cls="deterministic")
    with pytest.raises(ModelError, match="mode: the Game given is the anonymous game"):
        pluralis.solve(game, mode="personalized")
    with pytest.raises(ModelError, match="pass its instance to solve it in full"):
        pluralis.solve(game, cls="full")


@pytest.mark.parametrize(
    ("call", "error", "message"),
    [
        (lambda: pluralis.solve(PROSECUTOR, mode="public"), ModelError, "mode: unknown game 'public'"),
        (lambda: pluralis.solve(PROSECUTOR, delta=0.1), NumberError, "the float 0.1 is not exact"),
        (lambda: pluralis.solve(PROSECUTOR, delta="-1/2"), ModelError, "δ must be non-negative"),
        (lambda: pluralis.solve(PROSECUTOR, ties="random"), ModelError, "ties: unknown tie policy 'random'"),
        (
            lambda: pluralis.solve(PROSECUTOR, cls="grid:0"),
            ModelError,
            "write grid:Q with a positive integer",
        ),
        (lambda: pluralis.solve(PROSECUTOR, engine="simplex"), ModelError, "engine: unknown engine"),
        (lambda: pluralis.solve(42), ModelError, "expected an Instance, a Game"),  # type: ignore[arg-type]
        (
            lambda: pluralis.solve(PROSECUTOR, class_limit=-1),
            ModelError,
            "class_limit: expected a non-negative",
        ),
        (
            lambda: pluralis.solve(PROSECUTOR, cls="grid:3", class_limit=10),
            ClassTooLargeError,
            "above the limit",
        ),
        (lambda: pluralis.solve(PROSECUTOR, cls="full", ties="canonical"), ModelError, "deviator-favourable"),
        (lambda: pluralis.solve(PROSECUTOR, cls="full", delta="1/10"), ModelError, "δ plays no part"),
        (lambda: pluralis.commit(TWO), ModelError, "commit() is for a single provider"),
        (lambda: pluralis.commit(PROSECUTOR, users="judge"), ModelError, "users: the anonymous game"),
        (
            lambda: pluralis.commit(PROSECUTOR, mode="personalized", users=["jury"]),
            ModelError,
            "users: unknown user 'jury'",
        ),
        (lambda: pluralis.commit(PROSECUTOR, oracle="simplex"), ModelError, "unknown oracle method"),
        (lambda: pluralis.certify(pluralis.commit(PROSECUTOR)), ModelError, "finite-class Solution"),
        (lambda: pluralis.certify(pluralis.solve(PROSECUTOR)), ModelError, "use commit()"),
        (
            lambda: pluralis.certify(pluralis.solve(BLIND, ties="canonical")),
            ModelError,
            "deviator-favourable",
        ),
        (lambda: pluralis.check(PROSECUTOR, claim="C9"), ModelError, "unknown claim 'C9'"),
        (lambda: pluralis.export_nfg(TWO, mode="personalized"), ModelError, "one user at a time"),
        (lambda: pluralis.export_nfg(TWO, user="matcher"), ModelError, "user: the anonymous game"),
        (lambda: pluralis.load(ROOT / "no such file.yaml"), PluralisError, "no such file.yaml"),
    ],
)
def test_bad_arguments_are_refused_with_the_projects_errors(call: Any, error: type, message: str) -> None:
    with pytest.raises(error, match=re.escape(message)) as caught:
        call()
    # Every error raised on purpose is also a ValueError, so that callers may catch either.
    assert isinstance(caught.value, PluralisError) and isinstance(caught.value, ValueError)


def test_import_pluralis_stays_cheap_and_names_the_api() -> None:
    probe = (
        "import sys, pluralis\n"
        "print(sorted(m for m in ('pluralis.api', 'solver', 'click') if m in sys.modules))\n"
        "print(pluralis.solve.__module__, pluralis.__version__)\n"
    )
    run = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True, cwd=ROOT)
    # Nothing of the engine or the command line is imported until an API name is used.
    assert run.stdout.splitlines() == ["[]", f"pluralis.api {pluralis.__version__}"]
    with pytest.raises(AttributeError, match="has no attribute 'solved'"):
        pluralis.solved  # type: ignore[attr-defined]  # noqa: B018


def test_the_package_offers_exactly_the_apis_public_names() -> None:
    # The names are listed in pluralis/__init__.py (three times: the lazy table, the imports for
    # type checkers, __all__) and in pluralis.api's __all__; every list must be the same.
    from pluralis import api

    assert pluralis.__all__ == ["__version__", *api.__all__]
    tree = ast.parse((ROOT / "pluralis" / "__init__.py").read_text(encoding="utf-8"))
    typed = [
        alias.asname
        for node in ast.walk(tree)
        if isinstance(node, ast.ImportFrom) and node.module == "pluralis.api"
        for alias in node.names
    ]
    assert typed == api.__all__
    assert all(getattr(pluralis, name) is getattr(api, name) for name in api.__all__)


def test_the_api_names_are_not_shadowed_by_the_modules_of_the_command_line() -> None:
    # The command line's modules are imported here (pluralis.cli and what it loads for --class
    # full); the package's names stay the API's functions.
    assert _json("solve", BLIND, "--class", "full")["kind"] == "full"
    for name in ("solve", "certify", "check", "commit", "load", "export_nfg"):
        assert callable(getattr(pluralis, name)), name


def test_export_nfg_is_the_gambit_file_with_labelled_strategies(tmp_path: Path) -> None:
    instance = load(TWO)
    exported = pluralis.export_nfg(instance, mode="personalized", user="investor")
    game = Game(instance, Mode.PERSONALIZED, Deterministic(), (1,))
    assert exported.text == str(exported) == game_to_nfg(game)
    assert exported.user == "investor" and list(exported.strategies) == [p.label for p in instance.providers]
    for j, p in enumerate(instance.providers):
        rules = exported.strategies[p.label]
        assert list(rules) == [f"r{k}" for k in range(len(game.rules[j]))]
        assert [r.rule for r in rules.values()] == list(game.rules[j])
    path = tmp_path / "game.nfg"
    exported.write(path)
    assert path.read_text(encoding="utf-8") == exported.text


# -- the users' side --------------------------------------------------------------------------------


def test_the_judges_side_in_the_persuasion_equilibrium_of_grid_7() -> None:
    # Prosecutor and judge (SPEC §11): prior guilty 3/10. In grid:7 the rule "saw_guilty → m1,
    # saw_innocent → 3/7 m1 + 4/7 m2" sends m1 with probability 3/10 + 7/10 · 3/7 = 3/5, and
    # after m1 the judge holds guilty with probability (3/10)/(3/5) = 1/2: acquit and convict tie
    # (each worth 3/10 in unnormalised mass). Canonical ties would acquit (first action), giving the
    # prosecutor 0, but it can then deviate to a rule of grid:7 worth 3/5 under deviator-favourable
    # ties, so the only admissible selection convicts after m1 and acquits after m2 (only innocent
    # mass 2/5 there). Outcome law: convict-guilty 3/10, convict-innocent 3/10, acquit-innocent
    # 2/5; the judge's utility 3/10 + 2/5 = 7/10, the prosecutor's payoff P(convict) = 3/5.
    solution = pluralis.solve(PROSECUTOR, cls="grid:7")
    first = solution.equilibria[0]
    assert str(first.profile["prosecutor"]) == "saw_guilty: m1 | saw_innocent: 3/7 m1 + 4/7 m2"
    judge = first.outcomes["judge"]
    assert (judge.utility, judge.provider, judge.providers) == (
        Fraction(7, 10),
        "prosecutor",
        ("prosecutor",),
    )
    (response,) = judge.responses
    assert response.actions == {"default": {("m1",): "convict", ("m2",): "acquit"}}
    assert response.messages == {}
    assert response.reach == {"default": {("m1",): Fraction(3, 5), ("m2",): Fraction(2, 5)}}
    assert response.law == {
        "acquit": {"guilty": 0, "innocent": Fraction(2, 5)},
        "convict": {"guilty": Fraction(3, 10), "innocent": Fraction(3, 10)},
    }
    assert response.outcome == {"acquit": Fraction(2, 5), "convict": Fraction(3, 5)}
    assert response.payoffs == {"prosecutor": Fraction(3, 5)}
    assert str(response) == "m1 → convict, m2 → acquit; outcome: acquit 2/5, convict 3/5"
    assert not first.canonical_selection_admissible
    # The JSON of solve says the same.
    side = _json("solve", PROSECUTOR, "--class", "grid:7")["equilibria"][0]["users"]["judge"]
    assert side["responses"][0]["outcome"] == {"acquit": "2/5", "convict": "3/5"}
    assert side["responses"][0]["actions"]["default"] == [
        {"history": ["m1"], "action": "convict", "probability": "3/5"},
        {"history": ["m2"], "action": "acquit", "probability": "2/5"},
    ]


def test_the_judges_side_in_deterministic_rules_and_in_the_optimal_commitment() -> None:
    # Deterministic rules: only the two revealing rules are equilibria (pooling leaves the judge at
    # her prior, 3/10 guilty, so she acquits and the prosecutor gets 0 < 3/10). Revealed, she
    # convicts exactly the guilty: law convict-guilty 3/10, acquit-innocent 7/10, utility 1.
    revealing = pluralis.solve(PROSECUTOR).equilibria[0].outcomes["judge"]
    (response,) = revealing.responses
    assert revealing.utility == 1
    assert response.law == {
        "acquit": {"guilty": 0, "innocent": Fraction(7, 10)},
        "convict": {"guilty": Fraction(3, 10), "innocent": 0},
    }
    # The optimal commitment over all mixed rules (Kamenica and Gentzkow): the same persuasion law
    # as in grid:7, with its messages the other way round (m2 for the guilty).
    commitment = pluralis.commit(PROSECUTOR).commitments[0]
    judge = commitment.outcomes["judge"]
    assert (commitment.payoff, judge.utility) == (Fraction(3, 5), Fraction(7, 10))
    assert judge.responses[0].actions == {"default": {("m1",): "acquit", ("m2",): "convict"}}
    assert judge.responses[0].outcome == {"acquit": Fraction(2, 5), "convict": Fraction(3, 5)}
    document = _json("solve", PROSECUTOR, "--class", "full")["commitments"][0]
    assert list(document["users"]) == ["judge"]
    assert document["users"]["judge"]["responses"][0]["outcome"] == {"acquit": "2/5", "convict": "3/5"}


@pytest.mark.parametrize(
    ("path", "mode", "cls"),
    [
        pytest.param(TWO, "anonymous", "deterministic", id="two-anonymous"),
        pytest.param(TWO, "personalized", "grid:2", id="two-personalized-grid2"),
        pytest.param(REPORT, "anonymous", "grid:2", id="report-signal-features"),
        pytest.param(STAKELESS_FEATURES, "anonymous", "grid:2", id="features"),
        pytest.param(BLIND, "personalized", "grid:4", id="blind-and-informed"),
    ],
)
def test_every_response_induces_her_utility_and_the_payoffs(path: Path, mode: str, cls: str) -> None:
    instance = load(path)
    solution = pluralis.solve(instance, mode=mode, cls=cls)
    assert solution.equilibria
    for e in solution.equilibria:
        for label, outcome in e.outcomes.items():
            i = solution.users.index(label)
            user = instance.users[i]
            for response in outcome.responses:
                table = tuple(tuple(response.law[a][y] for y in instance.states) for a in user.actions)
                # A law of (action, state) sums to 1, and her utility is E_I[u_i] (SPEC §3).
                assert sum(map(sum, table)) == 1
                assert expected(table, user.utility) == outcome.utility
                for j, p in enumerate(instance.providers):
                    stake = instance.stakes[j][i]
                    assert response.payoffs[p.label] == stake.weight * expected(table, stake.utility)
                # Where she gets to, her feature and transcript: each turn's transcripts sum to 1.
                for depth in {len(h) for nodes in response.reach.values() for h in nodes}:
                    reached = [
                        p for nodes in response.reach.values() for h, p in nodes.items() if len(h) == depth
                    ]
                    assert sum(reached) == 1
            # Her selections are exactly those the equilibrium's payoff range is made of.
            assert {r.provider for r in outcome.responses} == set(outcome.providers)


def _indifferent_user() -> dict[str, Any]:
    """One provider revealing a signal (1/3 s1, 2/3 s2) to a user who values every action alike."""
    zero = {"a1": {"y": 0}, "a2": {"y": 0}}
    return {
        "schema_version": 1,
        "states": ["y"],
        "providers": {"P": {"signals": ["s1", "s2"]}},
        "users": {"U": {"actions": ["a1", "a2"], "utility": zero}},
        "worlds": {
            "w1": {"prob": "1/3", "state": "y", "signals": {"P": "s1"}},
            "w2": {"prob": "2/3", "state": "y", "signals": {"P": "s2"}},
        },
        "stakes": {"P": {"U": {"weight": 1, "utility": {"a1": {"y": 0}, "a2": {"y": 1}}}}},
        "protocol": {"turns": ["P"], "provider_messages": ["m1", "m2"], "user_messages": []},
    }


def test_a_selection_that_no_tie_policy_makes_is_found_among_her_optimal_choices() -> None:
    instance = instance_from_dict(_indifferent_user())
    revealing = Rule.deterministic(((0,), (1,)), 2)
    # Every action is optimal after either message. The provider gets 1 per a2: canonical ties give
    # it 0 (a1 everywhere), favourable ties 1 (a2 everywhere). Its payoff 1/3 is a2 after m1 only.
    found = find_user_selection(instance, 0, 0, revealing, (Fraction(1, 3),))
    assert dict(found.strategy.actions) == {(0, (0,)): 1, (0, (1,)): 0}
    assert found.law == ((Fraction(2, 3),), (Fraction(1, 3),))
    with pytest.raises(ClassTooLargeError, match="searched for her equilibrium outcome"):
        find_user_selection(instance, 0, 0, revealing, (Fraction(1, 3),), law_limit=1)
    with pytest.raises(ModelError, match="no best response of user U"):
        find_user_selection(instance, 0, 0, revealing, (Fraction(1, 2),))


# -- equilibria that differ by a renaming of the messages ---------------------------------------------


def test_the_revealing_rule_and_its_renaming_are_one_group() -> None:
    # Deterministic rules of the prosecutor: the two revealing rules (saw_guilty → m1, saw_innocent →
    # m2, and the same with m1 and m2 swapped) are the only equilibria (see above); swapping the
    # messages maps one onto the other with the same law, so they are one group of 2.
    solution = pluralis.solve(PROSECUTOR)
    assert solution.count == 2 and [(g.group, g.equilibria) for g in solution.groups] == [(1, (1, 2))]
    assert [e.group for e in solution.equilibria] == [1, 1]
    document = solution.to_dict()
    assert (document["count"], document["group_count"]) == (2, 1)
    assert document["groups"] == [{"group": 1, "size": 2, "representative": 1}]
    assert [e["group"] for e in document["equilibria"]] == [1, 1]
    grouped = _text("solve", PROSECUTOR)
    assert "2 equilibrium profile(s)" in grouped and "×2" in grouped
    assert "saw_guilty: m1 | saw_innocent: m2" in grouped
    assert "saw_guilty: m2 | saw_innocent: m1" not in grouped
    assert "renamings ×N" in grouped
    listed = _text("solve", PROSECUTOR, "--no-group-relabelled")
    assert "saw_guilty: m1 | saw_innocent: m2" in listed and "saw_guilty: m2 | saw_innocent: m1" in listed
    assert "×2" not in listed and "renamings ×N" not in listed
    # The users' side is printed for each equilibrium shown.
    side = r"\n1\s+judge\s+prosecutor\s+m1 → convict, m2 → acquit\s+acquit 7/10, convict 3/10\s*\n"
    assert re.search(side, grouped) and len(re.findall(r"\n\d\s+judge\s+prosecutor", grouped)) == 1
    assert len(re.findall(r"\n\d\s+judge\s+prosecutor", listed)) == 2


def _two_turns() -> dict[str, Any]:
    """A provider that speaks twice ([P, P]): a renaming moves the second turn's nodes too."""
    document = _indifferent_user()
    document["states"] = ["y1", "y2"]
    document["users"]["U"]["utility"] = {"a1": {"y1": 1, "y2": 0}, "a2": {"y1": 0, "y2": 1}}
    document["worlds"] = {
        "w1": {"prob": "1/3", "state": "y1", "signals": {"P": "s1"}},
        "w2": {"prob": "2/3", "state": "y2", "signals": {"P": "s2"}},
    }
    document["stakes"]["P"]["U"]["utility"] = {"a1": {"y1": 1, "y2": 0}, "a2": {"y1": 0, "y2": 1}}
    document["protocol"]["turns"] = ["P", "P"]
    return document


def _brute_force_groups(game: Game, equilibria: tuple[Equilibrium, ...]) -> list[set[int]]:
    """Equilibria e ~ f when one renaming π of the messages sends every rule of e to f's."""
    tree = ConversationTree(game.instance.protocol)
    size = len(game.instance.protocol.provider_messages)
    groups: list[set[int]] = []
    for k, e in enumerate(equilibria):
        for group in groups:
            f = equilibria[min(group)]
            renamed = any(
                all(r.relabel(p, tree) == s for r, s in zip(e.rules, f.rules))
                for p in itertools.permutations(range(size))
            )
            same = (e.users, e.outcomes, e.payoffs, e.deviations, e.canonical) == (
                f.users, f.outcomes, f.payoffs, f.deviations, f.canonical
            )  # fmt: skip
            if renamed and same:
                group.add(k)
                break
        else:
            groups.append({k})
    return groups


@pytest.mark.parametrize(
    ("instance", "mode", "cls"),
    [
        pytest.param(load(TWO), Mode.ANONYMOUS, Deterministic(), id="two-three-messages"),
        pytest.param(load(TWO), Mode.PERSONALIZED, Deterministic(), id="two-personalized"),
        pytest.param(load(INSTANCES / "complementary_halves.yaml"), Mode.ANONYMOUS, Grid(2), id="halves"),
        pytest.param(load(REPORT), Mode.ANONYMOUS, Grid(2), id="user-turn-first"),
        pytest.param(
            instance_from_dict(_two_turns()), Mode.ANONYMOUS, Deterministic(), id="two-provider-turns"
        ),
    ],
)
def test_groups_are_exactly_the_renamings(instance: Any, mode: Mode, cls: Any) -> None:
    game = Game(instance, mode, cls)
    result = solve_equilibria(game)
    groups = relabelling_groups([relabelling_key(instance, e) for e in result.equilibria])
    found: dict[int, set[int]] = {}
    for k, g in enumerate(groups):
        found.setdefault(g, set()).add(k)
    assert sorted(map(sorted, found.values())) == sorted(
        map(sorted, _brute_force_groups(game, result.equilibria))
    )
    # Groups are numbered 1, 2, ... in order of first appearance, and some group is not a single one
    # (every instance here has two messages or more, whose renamings give other equilibria).
    assert [g for k, g in enumerate(groups) if g not in groups[:k]] == list(range(1, len(found) + 1))
    assert max(len(members) for members in found.values()) > 1


# -- one solve schema, and the stamp of every --json ------------------------------------------------


SOLVE_RUNS = [
    pytest.param(path, mode, cls, kind, id=f"{path.stem}-{mode}-{cls}")
    for mode in ("anonymous", "personalized")
    for path, cls, kind in (
        (BLIND, "deterministic", "finite"),
        (BLIND, "grid:2", "finite"),
        (BLIND, "shared:blind,informed", "finite"),
        (BLIND, "full", "full"),
        (PROSECUTOR, "full", "commitment"),
    )
]


@pytest.mark.parametrize(("path", "mode", "cls", "kind"), SOLVE_RUNS)
def test_every_solve_json_has_the_same_top_level_fields(path: Path, mode: str, cls: str, kind: str) -> None:
    document = _json("solve", path, "--mode", mode, "--class", cls)
    assert list(document) == ["pluralis_version", "schema", *SOLVE_FIELDS]
    assert (document["pluralis_version"], document["schema"]) == (pluralis.__version__, "pluralis.solve/1")
    assert (document["kind"], document["mode"]) == (kind, mode)
    assert document["class"] == cls and (document["searched_class"] == "deterministic") == (kind == "full")
    if kind == "commitment":
        # The one-provider commitment keys users by label, like an equilibrium.
        for commitment in document["commitments"]:
            assert isinstance(commitment["users"], dict) and list(commitment["users"]) == ["judge"]
    else:
        # The blind provider makes the common garbling trivial, so every shared rule is
        # uninformative and worth the same to the walker: either provider can offer another one
        # and, with deviator-favourable ties, attract her with her tie between umbrella and
        # raincoat broken its way (SPEC §4, case 2), and one of the two always gains by it. The
        # shared class has no equilibrium (the command counts those of the other ties instead).
        assert bool(document["equilibria"]) == (not cls.startswith("shared"))
        assert document["commitments"] == []


def test_the_engines_and_the_tie_hint_keep_the_solve_fields() -> None:
    documents = {
        "mip": _json("solve", PROSECUTOR, "--engine", "mip"),
        "no equilibrium": _json("solve", C4_WITNESS, "--mode", "personalized"),
    }
    for document in documents.values():
        assert list(document) == ["pluralis_version", "schema", *SOLVE_FIELDS]
    assert documents["mip"]["method"] == "mip" and documents["mip"]["other_tie_policies"] is None
    # README, the witness library: C4's witness has no equilibrium with the default ties.
    assert documents["no equilibrium"]["count"] == 0
    assert documents["no equilibrium"]["other_tie_policies"]["counts"] is not None


def test_every_json_command_is_stamped_with_its_schema(tmp_path: Path) -> None:
    table = tmp_path / "table.csv"
    settings = SyntheticSettings(items=6, answers=2, directions=2, providers=3, groups=2, seed=1)
    table.write_text(table_to_csv(generate_table(settings)), encoding="utf-8")
    schemas = {
        "pluralis.inspect/1": _json("inspect", PROSECUTOR),
        "pluralis.check/1": _json("check", PROSECUTOR, "--claim", "C1"),
        "pluralis.fit/1": _json("fit", table),
        "pluralis.solve/1": _json("solve", PROSECUTOR, "--mode", "personalized", "--class", "grid:2"),
    }
    for schema, document in schemas.items():
        assert list(document)[:2] == ["pluralis_version", "schema"]
        assert (document["pluralis_version"], document["schema"]) == (pluralis.__version__, schema)


# -- the README's example ---------------------------------------------------------------------------


def _readme_section(title: str) -> str:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    start = text.index(f"\n## {title}\n")
    end = text.find("\n## ", start + 1)
    return text[start : end if end >= 0 else len(text)]


def test_the_readme_api_example_runs_as_written(monkeypatch: pytest.MonkeyPatch) -> None:
    section = _readme_section("API")
    blocks = re.findall(r"```pycon\n(.*?)```", section, re.DOTALL)
    assert len(blocks) == 1, "the API section holds one pycon example"
    monkeypatch.chdir(ROOT)  # the example names the bundled instances by relative paths
    test = doctest.DocTestParser().get_doctest(blocks[0], {}, "README.md (API)", "README.md", 0)
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS)
    runner.run(test)
    failed, attempted = runner.summarize(verbose=False)
    assert attempted > 5 and failed == 0

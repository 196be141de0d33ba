"""Structured names (issue 14, items 1 and 2): no variable, row or history is labels joined into text.

The verifier names the variables and rows of a deviation program by index tuples, the oracle gives
them the same structured identities, and every file writes a history as a list of message labels
and a multiplier's row as separate fields. So labels that contain the separators of a joined
spelling (``][``, ``/``, ``|``, ``∅``) cannot make two variables, rows or histories one:

- issue 14's forgery — the prosecutor with signals ``a``, ``a][∅][b`` and messages ``b][∅][c``,
  ``c``, where ``sigma[a][∅][b][∅][c]`` spelled σ(b][∅][c | a) and σ(c | a][∅][b) alike — is
  rejected, and its true twin accepted;
- the tool's own certificates verify with messages ``x``, ``x/y``, ``y/z``, ``z`` and ``∅``, and
  the rule documents of solve and commitment JSON write histories as lists;
- a property draws labels from the whole of Unicode (those the model's label rule accepts:
  printable, no surrounding space, NFC; unique in their list; no comma in a provider label) and
  checks that the certificates always verify, before and after a YAML or JSON round trip, and that
  distinct variables, rows and histories never share a name.
"""

from __future__ import annotations

import json
import unicodedata
from fractions import Fraction
from pathlib import Path
from typing import Any

import yaml
from click.testing import CliRunner
from hypothesis import event, given
from hypothesis import strategies as st

from pluralis.cli import cli
from solver.certificates import verify
from solver.certificates.certification import certify_result
from solver.certificates.records import (
    build_certificate,
    certificate_from_certification,
    dumps_certificate,
    row_document,
)
from solver.certificates.verify import load_certificate, verify_certificate
from solver.conversation.classes import Deterministic
from solver.conversation.protocol import ConversationTree
from solver.core.model import Instance, is_label, text_problem
from solver.core.serialization import content_hash, dumps, instance_from_dict
from solver.equilibria.enumeration import solve_equilibria
from solver.equilibria.games import Game, Mode
from solver.oracle.deviation import DeviationProgram, solve_commitment

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "tests" / "data" / "certificates"
FORGED = CORPUS / "invalid" / "colliding_labels_forged_bound.yaml"
TWIN = CORPUS / "valid" / "colliding_labels_commitment.yaml"
SLASHED = CORPUS / "valid" / "slash_labels_commitment.yaml"
EMPTY_NAMED = CORPUS / "valid" / "empty_named_message_commitment.yaml"


# -- issue 14's forgery ---------------------------------------------------------------------------------


def test_the_forged_certificate_is_rejected_and_its_true_twin_accepted() -> None:
    forged, twin = load_certificate(FORGED), load_certificate(TWIN)
    assert forged["instance_hash"] == twin["instance_hash"]
    assert forged["instance"]["providers"]["prosecutor"]["signals"] == ["a", "a][∅][b"]
    assert forged["instance"]["protocol"]["provider_messages"] == ["b][∅][c", "c"]
    # The prosecutor's optimum is that of prosecutor_judge.yaml, 3/5; the forgery claims 21/50.
    assert (forged["deviations"]["prosecutor"]["bound"], twin["deviations"]["prosecutor"]["bound"]) == (
        "21/50",
        "3/5",
    )
    rejected = verify_certificate(forged)
    assert not rejected.valid
    assert any("dual constraint of column sigma(" in reason for reason in rejected.reasons)
    accepted = verify_certificate(twin)
    assert accepted.valid, accepted.reasons


def _merged(form: verify.Form) -> verify.Form:
    """The form with σ(c | a][∅][b) read as σ(b][∅][c | a): the two variables a joined name made one."""
    one, other = ("sigma", (0, 0, 0)), ("sigma", (1, 0, 1))
    merged = {k: v for k, v in form.items() if k != other}
    if other in form:
        merged[one] = merged.get(one, Fraction(0)) + form[other]
    return merged


def test_the_forgery_proves_its_bound_once_the_two_variables_are_one() -> None:
    # The forgery is a real one: every program's multipliers certify 21/50 for the program in which
    # σ(b][∅][c | a) and σ(c | a][∅][b) are one variable. Only telling them apart rejects it.
    document = load_certificate(FORGED)
    game = verify._Game(instance_from_dict(document["instance"]))
    entry = document["deviations"]["prosecutor"]
    for k, program in enumerate(entry["programs"]):
        key = verify._choice_key(program["choices"]["judge"], game, 0, "choices")
        choices = {0: {"consults": True, "reports": key[1], "actions": key[2]}}
        objective, upper, equal = verify._program(game, 0, choices, {0: None})
        merged = (
            _merged(objective),
            {r: (_merged(form), b) for r, (form, b) in upper.items()},
            {r: (_merged(form), b) for r, (form, b) in equal.items()},
        )
        duals = verify._duals(game, 0, program["certificate"], "certificate")
        limit = Fraction(entry["bound"]) - Fraction(program["constant"])
        assert verify._check_program(game, 0, merged, duals, program["status"], limit, f"[{k}]") is None


def test_the_engine_finds_the_true_optimum_with_the_colliding_labels() -> None:
    instance = instance_from_dict(load_certificate(TWIN)["instance"])
    bound = solve_commitment(instance)
    assert bound.certified and bound.value == Fraction(3, 5)
    for program, _ in bound.solutions:
        _assert_distinct_names(instance, 0, program)


# -- histories as lists ---------------------------------------------------------------------------------


def _histories(tree: ConversationTree) -> list[tuple[int, ...]]:
    return [*tree.user_nodes, *tree.provider_nodes, *tree.leaves]


def _assert_distinct_histories(instance: Instance) -> None:
    tree = ConversationTree(instance.protocol)
    written = [json.dumps(tree.labels(h), ensure_ascii=False) for h in _histories(tree)]
    assert len(set(written)) == len(written)


def test_slashed_messages_write_different_histories() -> None:
    # [x, y/z] and [x/y, z] both read x/y/z when joined by "/".
    document = load_certificate(SLASHED)
    instance = instance_from_dict(document["instance"])
    tree = ConversationTree(instance.protocol)
    assert tree.spell((0, 0)) == tree.spell((1, 1)) == "x/y/z"
    assert tree.labels((0, 0)) == ["x", "y/z"] and tree.labels((1, 1)) == ["x/y", "z"]
    _assert_distinct_histories(instance)
    actions = document["responses"]["forecaster"]["actions"]
    for entries in actions.values():
        written = [e["history"] for e in entries]
        assert ["x", "y/z"] in written and ["x/y", "z"] in written
    assert verify_certificate(document).valid


def test_a_message_named_like_the_empty_history_is_another_history() -> None:
    document = load_certificate(EMPTY_NAMED)
    instance = instance_from_dict(document["instance"])
    tree = ConversationTree(instance.protocol)
    assert tree.spell(()) == tree.spell((0,)) == "∅"
    _assert_distinct_histories(instance)
    (entries,) = document["responses"]["judge"]["messages"].values()
    written = [e["history"] for e in entries]
    assert [] in written and ["∅"] in written
    assert verify_certificate(document).valid


def test_solve_and_commitment_json_write_histories_as_lists(tmp_path: Path) -> None:
    instance = instance_from_dict(load_certificate(SLASHED)["instance"])
    path = tmp_path / "slashed.yaml"
    path.write_text(dumps(instance), encoding="utf-8")
    runner = CliRunner()
    nodes = [["x"], ["x/y"]]
    solved = runner.invoke(cli, ["solve", str(path), "--class", "deterministic", "--json"])
    assert solved.exit_code == 0, solved.output
    equilibria = json.loads(solved.output)["equilibria"]
    assert equilibria
    # The user's complete transcripts: ["x", "y/z"] and ["x/y", "z"] both join into "x/y/z".
    leaves = [[r, m] for r in ("x", "x/y") for m in ("y/z", "z")]
    for equilibrium in equilibria:
        for entries in equilibrium["rules"]["oracle"].values():
            assert [e["history"] for e in entries] == nodes
        _assert_sides_write_histories_as_lists(equilibrium["users"], leaves)
    committed = runner.invoke(cli, ["solve", str(path), "--class", "full", "--json"])
    assert committed.exit_code == 0, committed.output
    (commitment,) = json.loads(committed.output)["commitments"]
    for entries in commitment["rule"].values():
        assert [e["history"] for e in entries] == nodes
    _assert_sides_write_histories_as_lists(commitment["users"], leaves)


def _assert_sides_write_histories_as_lists(users: dict[str, Any], leaves: list[list[str]]) -> None:
    """Each user's side names her report node ``[]`` and every leaf by its own list of labels."""
    for side in users.values():
        for response in side["responses"]:
            for feature, entries in response["actions"].items():
                assert [e["history"] for e in entries] == leaves, feature
            for entries in response["messages"].values():
                assert [e["history"] for e in entries] == [[]]


# -- any labels -----------------------------------------------------------------------------------------

PIECES = ("a", "b", "c", "/", "][", "[", "]", "∅", "|", "'", '"', ":", " ", "-", "x", "é", "e\u0301")
"""Pieces of the joined spellings that version 1 used (``sigma[s][h][m]``, ``obey|u|x|m|a``, ``a/b``,
``∅``), quotes, a space and a decomposed é (composed by NFC), so that draws often spell alike when
joined."""


def _nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)


def labels(count: int, provider: bool = False) -> st.SearchStrategy[list[str]]:
    """``count`` labels: text from the whole of Unicode (or pieces of joined spellings), in NFC,
    kept when the model's label rule accepts it (:func:`solver.core.model.is_label`; no comma in a
    provider's), unique in their list."""
    text = st.one_of(
        st.text(min_size=1, max_size=5),
        st.lists(st.sampled_from(PIECES), min_size=1, max_size=4).map("".join),
    )
    label = text.map(_nfc).filter(is_label)
    if provider:
        label = label.filter(lambda t: "," not in t)
    return st.lists(label, min_size=count, max_size=count, unique=True)


UNIT = st.sampled_from(["0", "1/2", "1"])


@st.composite
def labelled_instances(draw: st.DrawFn) -> Instance:
    """A small game whose every label is drawn by :func:`labels`: 1–2 providers with 1–2 signals,
    one user with 2 actions and 1–2 features, 2 states, protocol ``[P]`` or (one provider)
    ``[U, P]``, 2 messages per alphabet."""
    states = draw(labels(2))
    providers = draw(labels(draw(st.integers(1, 2)), provider=True))
    signals = [draw(labels(draw(st.integers(1, 2)))) for _ in providers]
    (user,) = draw(labels(1))
    actions = draw(labels(2))
    features = draw(labels(draw(st.integers(1, 2))))
    reports = len(providers) == 1 and draw(st.booleans())
    worlds = draw(labels(2))
    provider_messages = draw(labels(2))
    user_messages = draw(labels(2)) if reports else []

    def utility() -> dict[str, dict[str, str]]:
        return {a: {y: draw(UNIT) for y in states} for a in actions}

    body: dict[str, Any] = {"actions": actions, "utility": utility()}
    if len(features) > 1:
        body["features"] = features
        first = draw(st.lists(UNIT, min_size=2, max_size=2))
        body["feature_kernel"] = {
            w: {features[0]: p, features[1]: str(1 - Fraction(p))} for w, p in zip(worlds, first)
        }
    document = {
        "schema_version": 1,
        "title": draw(st.text(max_size=8).filter(lambda t: text_problem(t, "line") is None)),
        "states": states,
        "providers": {p: {"signals": s} for p, s in zip(providers, signals)},
        "users": {user: body},
        "worlds": {
            w: {
                "prob": "1/2",
                "state": y,
                "signals": {p: s[min(k, len(s) - 1)] for p, s in zip(providers, signals)},
            }
            for k, (w, y) in enumerate(zip(worlds, states))
        },
        "stakes": {p: {user: {"weight": draw(UNIT), "utility": utility()}} for p in providers},
        "protocol": {
            "turns": ["U", "P"] if reports else ["P"],
            "provider_messages": provider_messages,
            "user_messages": user_messages,
        },
    }
    return instance_from_dict(document)


def _assert_distinct_names(instance: Instance, provider: int, program: DeviationProgram) -> None:
    lp = program.program
    assert len(set(program.variables)) == len(program.variables) == lp.variable_count
    assert len(set(program.rows)) == len(program.rows) == lp.row_count
    assert len(set(lp.variable_names)) == len(lp.variable_names)
    assert len(set(lp.row_names)) == len(lp.row_names)
    written = {
        json.dumps(row_document(instance, provider, row), sort_keys=True, ensure_ascii=False)
        for row in program.rows
    }
    assert len(written) == len(program.rows)


Programs = list[tuple[int, DeviationProgram]]


def _certificates(instance: Instance) -> list[tuple[dict[str, Any], Programs]]:
    """The tool's own certificates: the optimal commitment of one provider, or the first anonymous
    equilibrium of the deterministic class that survives in full; with the programs they solved,
    each with its deviator."""
    if len(instance.providers) == 1:
        bound = solve_commitment(instance)
        users = tuple(range(len(instance.users)))
        document = build_certificate(instance, users, [bound.rule], [bound])
        return [(document, [(0, p) for p, _ in bound.solutions])]
    game = Game(instance, Mode.ANONYMOUS, Deterministic())
    full = certify_result(game, solve_equilibria(game))
    for c in full.certifications:
        if c.survives and c.certified:
            programs = [(b.provider, p) for check in c.checks for b in check.bounds for p, _ in b.solutions]
            return [(certificate_from_certification(instance, c), programs)]
    return []


@given(labelled_instances())
def test_own_certificates_verify_whatever_the_labels(instance: Instance) -> None:
    _assert_distinct_histories(instance)
    tree = ConversationTree(instance.protocol)
    certificates = _certificates(instance)
    event(f"{len(instance.providers)} providers, turns {''.join(instance.protocol.turns)}")
    event(f"certificates: {len(certificates)}")
    for document, programs in certificates:
        for provider, program in programs:
            _assert_distinct_names(instance, provider, program)
        verification = verify_certificate(document)
        assert verification.valid, verification.reasons
        assert verification.subject is not None
        assert verification.subject.instance_hash == content_hash(instance)
        for rows in document["rules"].values():
            for entries in rows.values():
                assert [e["history"] for e in entries] == [tree.labels(h) for h in tree.provider_nodes]
        as_yaml = yaml.safe_load(dumps_certificate(document))
        as_json = json.loads(dumps_certificate(document, "json"))
        assert as_yaml == document == as_json
        assert verify_certificate(as_yaml).valid


def test_inspect_json_names_cells_by_their_worlds_not_by_a_joined_spelling(tmp_path: Path) -> None:
    # Worlds x and y share a signal, world "x+y" has its own: joined by "+", both cells would read
    # "x+y". As lists of worlds they differ, and the benchmark's rule names each cell so.
    import json

    from click.testing import CliRunner

    from pluralis.cli import cli

    match = {"l": {"s0": 1, "s1": 0}, "r": {"s0": 0, "s1": 1}}
    document = {
        "states": ["s0", "s1"],
        "providers": {"P": {"signals": ["a", "b"]}},
        "users": {"U": {"actions": ["l", "r"], "utility": match}},
        "worlds": {
            "x": {"prob": "1/4", "state": "s0", "signals": {"P": "a"}},
            "y": {"prob": "1/4", "state": "s0", "signals": {"P": "a"}},
            "x+y": {"prob": "1/2", "state": "s1", "signals": {"P": "b"}},
        },
        "stakes": {"P": {"U": {"weight": 1, "utility": match}}},
        "protocol": {"turns": ["P"], "provider_messages": ["m1", "m2"]},
    }
    path = tmp_path / "cells.json"
    path.write_text(json.dumps(document), encoding="utf-8")
    result = CliRunner().invoke(cli, ["inspect", str(path), "--json"])
    assert result.exit_code == 0, result.output
    summary = json.loads(result.output)
    assert summary["garblings"] == [{"T": ["P"], "cells": [["x", "y"], ["x+y"]]}]
    (bench,) = summary["users"]["U"]["benchmarks"]
    # Revealing the cell tells the states apart: Bench = 1, the two cells get different messages.
    assert bench["value"] == "1"
    assert [entry["cell"] for entry in bench["rule"]] == [["x", "y"], ["x+y"]]
    first, second = (entry["nodes"][0]["distribution"] for entry in bench["rule"])
    assert first.keys() != second.keys()

"""Validation of instance documents: one test case per rule of SPEC.md §11.

Every case starts from one valid document and changes one thing. The error must be an
:class:`~solver.core.errors.InstanceError` (also a ``ValueError``), name the place of the defect
exactly (``error.place``) and say what to do. The same rules hold for an
:class:`~solver.core.model.Instance` built directly, and after :func:`solver.core.serialization.substitute`
gives parameters new values.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Callable
from fractions import Fraction
from typing import Any

import pytest
import yaml

from solver.core.errors import InstanceError, NumberError
from solver.core.model import Instance, Protocol, Provider, Stake, User, World
from solver.core.serialization import (
    content_hash,
    dumps,
    instance_from_dict,
    instance_to_dict,
    loads,
    substitute,
)

Document = dict[str, Any]
Change = Callable[[Document], None]


def valid_document() -> Document:
    """Two providers, one user with two private features, a parameter, protocol ``[U, P]``."""
    return {
        "schema_version": 1,
        "title": "Two advisers and one patient",
        "parameters": {"eta": "1/10"},
        "states": ["sick", "well"],
        "providers": {"doctor": {"signals": ["pos", "neg"]}, "app": {"signals": ["alert", "quiet"]}},
        "users": {
            "patient": {
                "actions": ["treat", "wait"],
                "features": ["worried", "calm"],
                "utility": {"treat": {"sick": 1, "well": "1/2"}, "wait": {"sick": 0, "well": 1}},
                "feature_kernel": {
                    "w1": {"worried": "3/4", "calm": "1/4"},
                    "w2": {"worried": "1/4", "calm": "3/4"},
                    "w3": {"worried": "1/2", "calm": "1/2"},
                },
            }
        },
        "worlds": {
            "w1": {"prob": "3/10", "state": "sick", "signals": {"doctor": "pos", "app": "alert"}},
            "w2": {"prob": "0.2", "state": "well", "signals": {"doctor": "pos", "app": "quiet"}},
            "w3": {"prob": "1/2", "state": "well", "signals": {"doctor": "neg", "app": "quiet"}},
        },
        "stakes": {
            "doctor": {
                "patient": {
                    "weight": 1,
                    "utility": {"treat": {"sick": 1, "well": 0}, "wait": {"sick": 0, "well": 1}},
                }
            },
            "app": {
                "patient": {
                    "weight": "eta/2",
                    "utility": {"treat": {"sick": 1, "well": 1}, "wait": {"sick": 0, "well": 0}},
                }
            },
        },
        "protocol": {"turns": ["U", "P"], "provider_messages": ["m1", "m2"], "user_messages": ["r1", "r2"]},
    }


def _parent(document: Document, path: str) -> tuple[Any, str]:
    *keys, last = path.split("/")
    node: Any = document
    for key in keys:
        node = node[int(key)] if isinstance(node, list) else node[key]
    return node, last


def put(path: str, value: Any) -> Change:
    """Set the entry at a ``/``-separated path (list items by index)."""

    def change(document: Document) -> None:
        node, last = _parent(document, path)
        if isinstance(node, list):
            node[int(last)] = value
        else:
            node[last] = value

    return change


def drop(path: str) -> Change:
    """Delete the entry at a ``/``-separated path."""

    def change(document: Document) -> None:
        node, last = _parent(document, path)
        del node[int(last) if isinstance(node, list) else last]

    return change


def both(*changes: Change) -> Change:
    """Apply several edits that together make one defect (e.g. a zero world, total kept at 1)."""

    def change(document: Document) -> None:
        for single in changes:
            single(document)

    return change


def changed(*changes: Change) -> Document:
    document = valid_document()
    for change in changes:
        change(document)
    return document


def test_the_valid_document_is_valid() -> None:
    instance = instance_from_dict(valid_document())
    assert instance.states == ("sick", "well")
    assert [w.prob for w in instance.worlds] == [Fraction(3, 10), Fraction(1, 5), Fraction(1, 2)]
    assert instance.stakes[1][0].weight == Fraction(1, 20)


# --- one case per rule of the reader (syntax, keys, labels, numbers) and of the model (values) -------

RULES = [
    # the document and its top level
    pytest.param(lambda d: d.clear(), "states", "required field is missing", id="empty-document"),
    pytest.param(put("states", None), "states", "must be a list of labels", id="states-not-a-list"),
    *[
        pytest.param(drop(key), key, "required field is missing", id=f"missing-{key}")
        for key in ("states", "providers", "users", "worlds", "stakes", "protocol")
    ],
    pytest.param(put("comment", "x"), "comment", "unknown key; allowed here:", id="unknown-top-level-key"),
    pytest.param(put("schema_version", 2), "schema_version", "reads version 1", id="schema-version-2"),
    pytest.param(put("schema_version", "1"), "schema_version", "reads version 1", id="schema-version-text"),
    pytest.param(put("schema_version", True), "schema_version", "reads version 1", id="schema-version-bool"),
    pytest.param(put("schema_version", 1.0), "schema_version", "reads version 1", id="schema-version-float"),
    pytest.param(put("title", 7), "title", "must be a string", id="title-not-text"),
    pytest.param(put("source", ["a"]), "source", "must be a string", id="source-not-text"),
    pytest.param(
        put("provenance", {"seed": [1]}), "provenance.seed", "string or an int", id="provenance-value"
    ),
    pytest.param(put("provenance", "seed 1"), "provenance", "must be a mapping", id="provenance-not-mapping"),
    # parameters
    pytest.param(put("parameters", ["eta"]), "parameters", "must be a mapping", id="parameters-not-mapping"),
    pytest.param(
        put("parameters", {"eta": "1/10", "2eta": 1}), "parameters.2eta", "identifier", id="parameter-name"
    ),
    pytest.param(put("parameters/eta", 0.1), "parameters.eta", '"1/10"', id="parameter-float"),
    pytest.param(
        put("parameters", {"eta": "1/10", "zeta": "eta/2"}),
        "parameters.zeta",
        "unknown parameter(s) eta",
        id="parameter-uses-parameter",
    ),
    # labels
    pytest.param(put("states", []), "states", "at least one label", id="no-states"),
    pytest.param(
        put("states", ["sick", "well", "sick"]), "states", "'sick' appears twice", id="duplicate-state"
    ),
    pytest.param(put("states/1", True), "states[1]", "quote it", id="bool-state-label"),
    pytest.param(put("states/1", 2), "states[1]", "quote it", id="int-state-label"),
    pytest.param(put("states/1", None), "states[1]", "non-empty string", id="null-state-label"),
    pytest.param(put("states/1", ""), "states[1]", "non-empty string", id="empty-state-label"),
    pytest.param(
        lambda d: d["users"].update({True: d["users"].pop("patient")}),
        "users.True",
        "must be a string; quote it",
        id="bool-mapping-key",
    ),
    # providers
    pytest.param(put("providers", {}), "providers", "at least one provider", id="no-providers"),
    pytest.param(put("providers", ["doctor"]), "providers", "must be a mapping", id="providers-not-mapping"),
    pytest.param(
        drop("providers/app/signals"), "providers.app.signals", "required", id="provider-no-signals"
    ),
    pytest.param(put("providers/app/color", "red"), "providers.app.color", "unknown key", id="provider-key"),
    pytest.param(
        put("providers/app/signals", ["alert", "alert"]),
        "providers.app.signals",
        "'alert' appears twice",
        id="duplicate-signal",
    ),
    # worlds
    pytest.param(put("worlds", {}), "worlds", "at least one world", id="no-worlds"),
    pytest.param(drop("worlds/w1/prob"), "worlds.w1.prob", "required field is missing", id="world-no-prob"),
    pytest.param(
        drop("worlds/w1/state"), "worlds.w1.state", "required field is missing", id="world-no-state"
    ),
    pytest.param(put("worlds/w1/weight", 1), "worlds.w1.weight", "unknown key", id="world-unknown-key"),
    pytest.param(
        put("worlds/w2/state", "healthy"), "worlds.w2.state", "unknown state 'healthy'", id="world-state"
    ),
    pytest.param(
        put("worlds/w1/signals", "pos"), "worlds.w1.signals", "must be a mapping", id="world-signals"
    ),
    pytest.param(
        put("worlds/w1/signals/oracle", "x"),
        "worlds.w1.signals.oracle",
        "unknown provider 'oracle'",
        id="world-unknown-provider",
    ),
    pytest.param(
        drop("worlds/w1/signals/app"),
        "worlds.w1.signals.app",
        "every world gives every provider's signal",
        id="world-missing-signal",
    ),
    pytest.param(
        put("worlds/w1/signals/doctor", "maybe"),
        "worlds.w1.signals.doctor",
        "unknown signal 'maybe'; declared: pos, neg",
        id="world-unknown-signal",
    ),
    pytest.param(put("worlds/w1/prob", 0.3), "worlds.w1.prob", '"3/10"', id="probability-float"),
    pytest.param(
        put("worlds/w1/prob", "three"), "worlds.w1.prob", "unknown parameter", id="probability-word"
    ),
    pytest.param(
        both(put("worlds/w2/prob", "-1/5"), put("worlds/w3/prob", "9/10")),
        "worlds.w2.prob",
        "negative",
        id="probability-negative",
    ),
    pytest.param(
        both(put("worlds/w2/prob", 0), put("worlds/w3/prob", "7/10")),
        "worlds.w2.prob",
        "drop this world",
        id="probability-zero",
    ),
    pytest.param(put("worlds/w3/prob", "2/5"), "worlds", "sum to 9/10, not 1", id="probabilities-sum"),
    # users and their utility tables
    pytest.param(put("users", {}), "users", "at least one user", id="no-users"),
    pytest.param(drop("users/patient/actions"), "users.patient.actions", "required", id="user-no-actions"),
    pytest.param(drop("users/patient/utility"), "users.patient.utility", "required", id="user-no-utility"),
    pytest.param(put("users/patient/action", ["a"]), "users.patient.action", "unknown key", id="user-key"),
    pytest.param(
        put("users/patient/actions", ["treat", "treat"]),
        "users.patient.actions",
        "appears twice",
        id="duplicate-action",
    ),
    pytest.param(
        drop("users/patient/utility/wait"),
        "users.patient.utility[wait]",
        "give a value for every action and state",
        id="utility-missing-row",
    ),
    pytest.param(
        drop("users/patient/utility/wait/well"),
        "users.patient.utility[wait][well]",
        "give a value for every action and state",
        id="utility-missing-pair",
    ),
    pytest.param(
        put("users/patient/utility/sleep", {"sick": 0, "well": 0}),
        "users.patient.utility[sleep]",
        "unknown action 'sleep'",
        id="utility-unknown-action",
    ),
    pytest.param(
        put("users/patient/utility/wait/dead", 0),
        "users.patient.utility[wait][dead]",
        "unknown state 'dead'",
        id="utility-unknown-state",
    ),
    pytest.param(
        put("users/patient/utility/wait", [0, 1]),
        "users.patient.utility[wait]",
        "must be a mapping",
        id="utility-row-not-mapping",
    ),
    pytest.param(
        put("users/patient/utility/treat/well", "3/2"),
        "users.patient.utility[treat][well]",
        "rescale utilities into [0, 1]",
        id="utility-above-one",
    ),
    pytest.param(
        put("users/patient/utility/treat/well", "-1/2"),
        "users.patient.utility[treat][well]",
        "rescale utilities into [0, 1]",
        id="utility-below-zero",
    ),
    pytest.param(
        put("users/patient/utility/wait/sick", False),
        "users.patient.utility[wait][sick]",
        "write 0 or 1",
        id="utility-bool",
    ),
    # features and their kernel
    pytest.param(
        drop("users/patient/feature_kernel"),
        "users.patient.feature_kernel",
        "required field is missing",
        id="features-without-kernel",
    ),
    pytest.param(
        put("users/patient/features", ["calm", "calm"]),
        "users.patient.features",
        "appears twice",
        id="duplicate-feature",
    ),
    pytest.param(
        drop("users/patient/feature_kernel/w3"),
        "users.patient.feature_kernel[w3]",
        "every world and feature",
        id="kernel-missing-world",
    ),
    pytest.param(
        put("users/patient/feature_kernel/w4", {"worried": 1, "calm": 0}),
        "users.patient.feature_kernel[w4]",
        "unknown world 'w4'",
        id="kernel-unknown-world",
    ),
    pytest.param(
        put("users/patient/feature_kernel/w3/angry", 0),
        "users.patient.feature_kernel[w3][angry]",
        "unknown feature 'angry'",
        id="kernel-unknown-feature",
    ),
    pytest.param(
        put("users/patient/feature_kernel/w1", {"worried": "5/4", "calm": "-1/4"}),
        "users.patient.feature_kernel[w1][calm]",
        "negative",
        id="kernel-negative",
    ),
    pytest.param(
        put("users/patient/feature_kernel/w3/calm", "1/3"),
        "users.patient.feature_kernel[w3]",
        "sum to 5/6, not 1",
        id="kernel-row-sum",
    ),
    # stakes
    pytest.param(
        drop("stakes/app"), "stakes.app", "every provider in every user", id="stakes-missing-provider"
    ),
    pytest.param(
        drop("stakes/app/patient"),
        "stakes.app.patient",
        "every provider in every user",
        id="stakes-missing-user",
    ),
    pytest.param(
        put("stakes/oracle", {}), "stakes.oracle", "unknown provider 'oracle'", id="stakes-provider"
    ),
    pytest.param(
        put("stakes/app/visitor", {}), "stakes.app.visitor", "unknown user 'visitor'", id="stakes-user"
    ),
    pytest.param(
        drop("stakes/app/patient/weight"), "stakes.app.patient.weight", "required", id="stake-no-weight"
    ),
    pytest.param(
        put("stakes/app/patient/share", 1), "stakes.app.patient.share", "unknown key", id="stake-key"
    ),
    pytest.param(
        put("stakes/doctor/patient/weight", -1),
        "stakes.doctor.patient.weight",
        "must be ≥ 0",
        id="weight-negative",
    ),
    pytest.param(
        put("stakes/doctor/patient/weight", "nan"),
        "stakes.doctor.patient.weight",
        "not a finite number",
        id="weight-nan",
    ),
    pytest.param(
        put("stakes/doctor/patient/utility/wait/well", 2),
        "stakes.doctor.patient.utility[wait][well]",
        "outside [0, 1]",
        id="stake-utility-above-one",
    ),
    pytest.param(
        drop("stakes/doctor/patient/utility/treat/sick"),
        "stakes.doctor.patient.utility[treat][sick]",
        "every action and state",
        id="stake-utility-missing-pair",
    ),
    # protocol
    pytest.param(
        drop("protocol/turns"), "protocol.turns", "required field is missing", id="protocol-no-turns"
    ),
    pytest.param(put("protocol/rounds", 2), "protocol.rounds", "unknown key", id="protocol-key"),
    pytest.param(put("protocol/turns", 2), "protocol.turns", "signal, report-signal", id="turns-not-list"),
    pytest.param(
        put("protocol/turns", "persuasion"), "protocol.turns", "signal, report-signal", id="turns-name"
    ),
    pytest.param(
        put("protocol/turns", ["U", "p"]), "protocol.turns[1]", "'U' (user) or 'P'", id="turn-lowercase"
    ),
    pytest.param(put("protocol/turns", ["U", True]), "protocol.turns[1]", "quote it", id="turn-bool"),
    pytest.param(
        drop("protocol/provider_messages"),
        "protocol.provider_messages",
        "the protocol has 'P' turns",
        id="missing-provider-messages",
    ),
    pytest.param(
        drop("protocol/user_messages"),
        "protocol.user_messages",
        "the protocol has 'U' turns",
        id="missing-user-messages",
    ),
    pytest.param(
        put("protocol/user_messages", []),
        "protocol.user_messages",
        "at least one label",
        id="no-user-messages",
    ),
    pytest.param(
        put("protocol/provider_messages", ["m1", "m1"]),
        "protocol.provider_messages",
        "'m1' appears twice",
        id="duplicate-provider-message",
    ),
    pytest.param(
        put("protocol/user_messages", ["r1", None]),
        "protocol.user_messages[1]",
        "non-empty string",
        id="null-user-message",
    ),
]


@pytest.mark.parametrize(("change", "place", "remedy"), RULES)
def test_each_rule_names_its_place_and_remedy(change: Change, place: str, remedy: str) -> None:
    document = changed(change)
    with pytest.raises(InstanceError) as caught:
        instance_from_dict(document)
    error = caught.value
    assert isinstance(error, ValueError)
    assert error.place == place
    assert remedy in error.problem
    assert str(error) == f"{place}: {error.problem}"
    assert "\n" not in str(error)


def test_the_error_is_also_a_value_error() -> None:
    with pytest.raises(ValueError, match=r"^worlds: world probabilities sum to 9/10"):
        instance_from_dict(changed(put("worlds/w3/prob", "2/5")))


def test_a_float_is_a_number_error_with_the_exact_spelling() -> None:
    with pytest.raises(NumberError) as caught:
        instance_from_dict(changed(put("users/patient/utility/treat/well", 0.1)))
    assert caught.value.place == "users.patient.utility[treat][well]"
    assert '"1/10"' in caught.value.problem
    assert "quoted string" in caught.value.problem


def test_none_is_an_empty_file() -> None:
    with pytest.raises(InstanceError) as caught:
        instance_from_dict(None)
    assert caught.value.place == "file"
    assert "is empty" in caught.value.problem


@pytest.mark.parametrize("document", [[], "states: [a]", 3], ids=["list", "text", "int"])
def test_a_document_must_be_a_mapping(document: Any) -> None:
    with pytest.raises(InstanceError) as caught:
        instance_from_dict(document)
    assert caught.value.place == "file"
    assert "must be a mapping" in caught.value.problem


# --- file-level rules: syntax, duplicate keys --------------------------------------------------------


def valid_yaml() -> str:
    return yaml.safe_dump(valid_document(), sort_keys=False)


def valid_json() -> str:
    return json.dumps(valid_document(), indent=2)


def test_the_valid_texts_load() -> None:
    assert loads(valid_yaml()) == loads(valid_json(), "json") == instance_from_dict(valid_document())


@pytest.mark.parametrize(
    ("text", "place", "phrase"),
    [
        pytest.param(
            "states: [a]\nstates: [b]\n", "states", "appears twice in one mapping (lines 1 and 2)", id="top"
        ),
        pytest.param(
            "worlds:\n  w1: {prob: 1}\n  w1: {prob: 0}\n", "worlds.w1", "appears twice", id="world-label"
        ),
        pytest.param("a:\n  - {x: 1, x: 2}\n", "a[0].x", "appears twice", id="inside-a-list"),
    ],
)
def test_a_repeated_yaml_key_is_refused(text: str, place: str, phrase: str) -> None:
    with pytest.raises(InstanceError) as caught:
        loads(text)
    assert caught.value.place == place
    assert phrase in caught.value.problem


def test_a_repeated_json_key_is_refused() -> None:
    text = valid_json().replace('"worlds": {', '"worlds": {\n    "w1": {"prob": 1},', 1)
    with pytest.raises(InstanceError) as caught:
        loads(text, "json")
    assert caught.value.place == "worlds.w1"
    assert "appears twice in one object" in caught.value.problem


def test_yaml_merge_keys_are_not_repeated_keys() -> None:
    w2_signals = "    signals:\n      doctor: pos\n      app: quiet\n"
    w3_signals = "    signals:\n      doctor: neg\n      app: quiet\n"
    text = valid_yaml()
    assert text.count(w2_signals) == text.count(w3_signals) == 1
    # w3 merges w2's signals and overrides one of them: legal YAML, not a repeated key.
    text = text.replace(w2_signals, "    signals: &seen\n      doctor: pos\n      app: quiet\n")
    text = text.replace(w3_signals, "    signals:\n      <<: *seen\n      doctor: neg\n")
    assert loads(text) == instance_from_dict(valid_document())


def test_yaml_aliases_read_as_their_anchors_and_count_in_full() -> None:
    from solver.core.documents import ReadLimits, parse_document

    text = "a: &x [1, 2, {b: 3}]\nc: *x\nd: {<<: [{e: 1}, {e: 2, f: 3}], f: 4}\n"
    assert parse_document(text) == {"a": [1, 2, {"b": 3}], "c": [1, 2, {"b": 3}], "d": {"e": 1, "f": 4}}
    assert parse_document(text) == yaml.safe_load(text)
    # Written out in full: the top mapping and its 3 keys, 6 values under a, the same 6 under c,
    # and 13 under d (its mapping, the keys << and f, the list, the two merged mappings and 4).
    assert parse_document(text, limits=ReadLimits(max_nodes=29)) is not None
    with pytest.raises(ValueError, match=r"more than 28 values"):
        parse_document(text, limits=ReadLimits(max_nodes=28))
    with pytest.raises(ValueError, match=r"more than 3 levels"):
        parse_document("a: &x [[1]]\nb: [*x]\n", limits=ReadLimits(max_depth=3))


@pytest.mark.parametrize(
    ("text", "place", "phrase"),
    [
        pytest.param("a: &x [*x]\n", "a[0]", "refers to a value that contains it", id="recursive"),
        pytest.param("a: *nowhere\n", "a", "refers to an undefined anchor", id="undefined"),
        pytest.param("a: {<<: 1}\n", "a.<<", "takes a mapping or a list of mappings", id="merge-scalar"),
        pytest.param("a: {<<: {b: 1}, <<: {c: 1}}\n", "a.<<", "appears twice", id="merge-twice"),
    ],
)
def test_bad_aliases_and_merge_keys_name_their_place(text: str, place: str, phrase: str) -> None:
    with pytest.raises(InstanceError) as caught:
        loads(text)
    assert caught.value.place == place
    assert phrase in caught.value.problem


def test_an_anchor_without_alias_is_harmless() -> None:
    text = valid_yaml().replace("  w1:\n", "  w1: &first\n", 1)
    assert "&first" in text
    assert loads(text) == instance_from_dict(valid_document())


@pytest.mark.parametrize(
    ("text", "format", "phrase"),
    [
        pytest.param("states: [a, b\n", "yaml", "is not valid YAML", id="yaml-syntax"),
        pytest.param("a: 1\n---\nb: 2\n", "yaml", "expected a single document", id="two-documents"),
        pytest.param("a: \x00\n", "yaml", "is not valid YAML", id="control-character"),
        pytest.param("[" * 20000 + "]" * 20000, "yaml", "nested too deeply", id="yaml-deep"),
        pytest.param("[" * 200000 + "]" * 200000, "json", "nested too deeply", id="json-deep"),
        pytest.param("[" * 65 + "]" * 65, "json", "more than 64 levels", id="json-65-levels"),
        pytest.param('{"a": 1,}', "json", "is not valid JSON", id="json-syntax"),
        pytest.param('{"a": ' + "7" * 5000 + "}", "json", "too many digits", id="json-huge-int"),
    ],
)
def test_unreadable_text_names_the_source(text: str, format: str, phrase: str) -> None:
    with pytest.raises(InstanceError) as caught:
        loads(text, format, name="case.txt")
    message = str(caught.value)
    assert caught.value.place == ""
    assert message.startswith("case.txt ")
    assert phrase in message
    assert "\n" not in message


@pytest.mark.parametrize(
    ("text", "place", "phrase"),
    [
        pytest.param(
            "a: !!python/object/apply:os.system [true]\n", "a", "is not read in these files", id="python-tag"
        ),
        pytest.param("a: !!binary aGk=\n", "a", "YAML tag tag:yaml.org,2002:binary", id="binary-tag"),
        pytest.param("a: " + "7" * 5000 + "\n", "a", "too many digits", id="yaml-huge-int"),
        pytest.param(
            "states: [2026-13-45]\n", "states[0]", "quote the value if it is a label", id="impossible-date"
        ),
        pytest.param("a: 010\n", "a", "YAML 1.1 reads 010 (line 1) as an octal number, 8", id="octal"),
        pytest.param("a: !!int '010'\n", "a", "as an octal number, 8", id="tagged-octal"),
        pytest.param("a: 1:30\n", "a", "as a base-60 (sexagesimal) number, 90", id="sexagesimal"),
        pytest.param("a: 1:30.5\n", "a", "as a base-60 (sexagesimal) number, 90.5", id="sexagesimal-float"),
        pytest.param("a: 0x1F\n", "a", "as a hexadecimal number, 31", id="hexadecimal"),
        pytest.param("a: 0b101\n", "a", "as a binary number, 5", id="binary"),
        pytest.param("a: 1_000\n", "a", "with digit separators, 1000", id="underscores"),
        pytest.param("1:30: x\n", "[0]", "sexagesimal", id="sexagesimal-key"),
    ],
)
def test_unreadable_values_name_their_place(text: str, place: str, phrase: str) -> None:
    with pytest.raises(InstanceError) as caught:
        loads(text, name="case.txt")
    assert caught.value.place == place
    assert phrase in caught.value.problem
    assert "\n" not in str(caught.value)


def test_numbers_in_plain_decimal_and_an_equals_sign_read_as_before() -> None:
    from solver.core.documents import parse_document

    assert parse_document("a: [0, -7, +3, 10, 0.5, '010', =, 09, 0o10]\n") == {
        "a": [0, -7, 3, 10, 0.5, "010", "=", "09", "0o10"]
    }


# --- valid edge cases are accepted ------------------------------------------------------------------


def test_decimal_and_fraction_spellings_are_exact() -> None:
    instance = instance_from_dict(
        changed(
            put("worlds/w1/prob", "0.25"),
            put("worlds/w2/prob", "25e-2"),
            put("worlds/w3/prob", " 1 / 2 "),
        )
    )
    assert [w.prob for w in instance.worlds] == [Fraction(1, 4), Fraction(1, 4), Fraction(1, 2)]
    assert instance.expressions == (("stakes.app.patient.weight", "eta/2"),)


def test_expressions_in_parameters_are_evaluated_and_kept() -> None:
    document = changed(
        put("parameters", {"eta": "1/10", "k": 2}),
        put("worlds/w1/prob", "eta + 0.2"),
        put("worlds/w2/prob", "(1 - eta*k - 0.1) / 2"),
        put("worlds/w3/prob", "1/2 - eta/k - 0.1"),
        put("users/patient/utility/treat/well", "eta**2 * 10"),
    )
    instance = instance_from_dict(document)
    assert [w.prob for w in instance.worlds] == [Fraction(3, 10), Fraction(7, 20), Fraction(7, 20)]
    assert instance.users[0].utility[0][1] == Fraction(1, 10)
    assert instance.parameter_values() == {"eta": Fraction(1, 10), "k": Fraction(2)}
    expressions = dict(instance.expressions)
    assert expressions["worlds.w1.prob"] == "eta + 0.2"
    assert expressions["users.patient.utility[treat][well]"] == "eta**2 * 10"
    written = instance_to_dict(instance)
    assert written["worlds"]["w2"]["prob"] == "(1 - eta*k - 0.1) / 2"
    assert loads(dumps(instance)) == instance


@pytest.mark.parametrize(
    ("turns", "expected"),
    [("signal", ("P",)), ("report-signal", ("U", "P")), (["P", "P"], ("P", "P")), (["U"], ("U",))],
)
def test_protocol_names_and_lists(turns: Any, expected: tuple[str, ...]) -> None:
    instance = instance_from_dict(changed(put("protocol/turns", turns)))
    assert instance.protocol.turns == expected


def test_signal_protocol_needs_no_user_messages() -> None:
    instance = instance_from_dict(changed(put("protocol", {"turns": "signal", "provider_messages": ["m"]})))
    assert instance.protocol == Protocol(("P",), ("m",), ())


def test_user_only_protocol_needs_no_provider_messages() -> None:
    instance = instance_from_dict(changed(put("protocol", {"turns": ["U"], "user_messages": ["r"]})))
    assert instance.protocol == Protocol(("U",), (), ("r",))


def test_features_with_kernel_give_the_joint_prior() -> None:
    instance = instance_from_dict(valid_document())
    prior = instance.joint_prior(0)
    assert prior == (
        (Fraction(9, 40), Fraction(1, 20), Fraction(1, 4)),
        (Fraction(3, 40), Fraction(3, 20), Fraction(1, 4)),
    )
    assert sum(sum(row) for row in prior) == 1


def test_omitted_optional_fields_take_their_defaults() -> None:
    document = changed(
        drop("schema_version"),
        drop("title"),
        drop("parameters"),
        put("stakes/app/patient/weight", 0),
        drop("users/patient/features"),
        drop("users/patient/feature_kernel"),
    )
    instance = instance_from_dict(document)
    assert instance.users[0].features == ("default",)
    assert instance.users[0].feature_kernel is None
    assert (instance.title, instance.description, instance.source) == ("", "", "")
    assert instance.parameters == () and instance.expressions == () and instance.provenance == ()
    assert instance.stakes[1][0].weight == 0


def test_utilities_may_touch_both_ends_of_the_range() -> None:
    instance = instance_from_dict(changed(put("users/patient/utility/treat/well", "1.0")))
    one, zero = Fraction(1), Fraction(0)
    assert instance.users[0].utility == ((one, one), (zero, one))


def test_quoted_tricky_labels_are_labels() -> None:
    text = valid_yaml().replace("- r1\n", "- 'yes'\n").replace("- r2\n", "- '0.5'\n")
    instance = loads(text)
    assert instance.protocol.user_messages == ("yes", "0.5")


# --- an Instance built directly is validated too ----------------------------------------------------


def base_instance() -> Instance:
    return instance_from_dict(valid_document())


def _world(index: int, **changes: Any) -> Callable[[Instance], dict[str, Any]]:
    def fields(instance: Instance) -> dict[str, Any]:
        worlds = list(instance.worlds)
        worlds[index] = dataclasses.replace(worlds[index], **changes)
        return {"worlds": tuple(worlds)}

    return fields


def _user(**changes: Any) -> Callable[[Instance], dict[str, Any]]:
    return lambda instance: {"users": (dataclasses.replace(instance.users[0], **changes),)}


def _stake(provider: int, **changes: Any) -> Callable[[Instance], dict[str, Any]]:
    def fields(instance: Instance) -> dict[str, Any]:
        rows = [list(row) for row in instance.stakes]
        rows[provider][0] = dataclasses.replace(rows[provider][0], **changes)
        return {"stakes": tuple(tuple(row) for row in rows)}

    return fields


def _fixed(**fields: Any) -> Callable[[Instance], dict[str, Any]]:
    return lambda instance: fields


DIRECT = [
    pytest.param(_fixed(states=()), "states", "at least one label", id="no-states"),
    pytest.param(_fixed(states=("sick", "sick")), "states", "appears twice", id="duplicate-state"),
    pytest.param(_fixed(states=("sick", 1)), "states", "non-empty string", id="int-state"),
    pytest.param(
        _fixed(providers=(Provider("doctor", ("pos", "neg")), Provider("doctor", ("alert", "quiet")))),
        "providers",
        "'doctor' appears twice",
        id="duplicate-provider",
    ),
    pytest.param(_world(0, prob=0.3), "worlds.w1.prob", "not an exact number", id="float-probability"),
    pytest.param(_world(0, prob=True), "worlds.w1.prob", "not an exact number", id="bool-probability"),
    pytest.param(_world(0, prob=Fraction(1, 2)), "worlds", "sum to 6/5, not 1", id="probabilities-sum"),
    pytest.param(
        _world(1, prob=Fraction(0)), "worlds.w2.prob", "positive probability", id="zero-probability"
    ),
    pytest.param(_world(1, prob=Fraction(-1, 5)), "worlds.w2.prob", "negative", id="negative-probability"),
    pytest.param(
        _world(1, state="healthy"), "worlds.w2.state", "unknown state 'healthy'", id="unknown-state"
    ),
    pytest.param(
        _world(0, signals=("pos",)), "worlds.w1.signals", "one signal for every provider", id="signals"
    ),
    pytest.param(
        _world(0, signals=("pos", "maybe")),
        "worlds.w1.signals.app",
        "unknown signal 'maybe'",
        id="unknown-signal",
    ),
    pytest.param(
        _user(utility=((1, Fraction(1, 2)),)),
        "users.patient.utility",
        "one row per action",
        id="utility-shape",
    ),
    pytest.param(
        _user(utility=((1, Fraction(3, 2)), (0, 1))),
        "users.patient.utility[treat][well]",
        "outside [0, 1]",
        id="utility-range",
    ),
    pytest.param(
        _user(utility=((1, 0.5), (0, 1))),
        "users.patient.utility[treat][well]",
        "not an exact number",
        id="utility-float",
    ),
    pytest.param(
        _user(feature_kernel=None), "users.patient.feature_kernel", "is required", id="kernel-missing"
    ),
    pytest.param(
        _user(feature_kernel=((1, 0),)), "users.patient.feature_kernel", "for every world", id="kernel-shape"
    ),
    pytest.param(
        _user(feature_kernel=((Fraction(3, 2), Fraction(-1, 2)), (1, 0), (0, 1))),
        "users.patient.feature_kernel[w1][calm]",
        "negative",
        id="kernel-negative",
    ),
    pytest.param(
        _user(feature_kernel=((1, 1), (1, 0), (0, 1))),
        "users.patient.feature_kernel[w1]",
        "sum to 2, not 1",
        id="kernel-sum",
    ),
    pytest.param(
        _user(actions=("treat", "")), "users.patient.actions", "non-empty string", id="empty-action"
    ),
    pytest.param(
        lambda instance: {"stakes": instance.stakes[:1]},
        "stakes",
        "every (provider, user) pair",
        id="stakes-shape",
    ),
    pytest.param(_stake(0, weight=Fraction(-1)), "stakes.doctor.patient.weight", "≥ 0", id="negative-weight"),
    pytest.param(_stake(0, weight=False), "stakes.doctor.patient.weight", "not an exact", id="bool-weight"),
    pytest.param(
        _stake(1, utility=((1, 1), (0, -1))),
        "stakes.app.patient.utility[wait][well]",
        "outside [0, 1]",
        id="stake-utility-range",
    ),
    pytest.param(
        _fixed(protocol=Protocol(("U", "X"), ("m1",), ("r1",))),
        "protocol.turns[1]",
        "unknown turn",
        id="turn",
    ),
    pytest.param(
        _fixed(protocol=Protocol(("P",), (), ())),
        "protocol.provider_messages",
        "at least one label",
        id="no-provider-messages",
    ),
    pytest.param(
        _fixed(protocol=Protocol(("U", "P"), ("m1",), ("r", "r"))),
        "protocol.user_messages",
        "appears twice",
        id="duplicate-user-message",
    ),
]


@pytest.mark.parametrize(("fields", "place", "phrase"), DIRECT)
def test_direct_construction_is_validated(
    fields: Callable[[Instance], dict[str, Any]], place: str, phrase: str
) -> None:
    instance = base_instance()
    with pytest.raises(InstanceError) as caught:
        dataclasses.replace(instance, **fields(instance))
    assert caught.value.place == place
    assert phrase in caught.value.problem


def test_direct_construction_accepts_a_valid_instance() -> None:
    instance = Instance(
        states=("y",),
        providers=(Provider("p", ("s",)),),
        users=(User("u", ("a", "b"), ((Fraction(0),), (Fraction(1),))),),
        worlds=(World("w", Fraction(1), "y", ("s",)),),
        stakes=((Stake(Fraction(1), ((Fraction(1),), (Fraction(0),))),),),
        protocol=Protocol(("P",), ("m",), ()),
    )
    assert instance_from_dict(instance_to_dict(instance)) == instance
    assert hash(instance) == hash(instance_from_dict(instance_to_dict(instance)))
    with pytest.raises(InstanceError) as caught:
        dataclasses.replace(instance, worlds=(World("w", 1.0, "y", ("s",)),))  # type: ignore[arg-type]
    assert caught.value.place == "worlds.w.prob"
    assert "float 1.0 is not an exact number" in caught.value.problem


# --- substitution re-evaluates every expression and re-validates ------------------------------------


def family() -> Instance:
    """A symbolic family in ``eta``: worlds of probability ``eta``, ``1/2 - eta``, ``1/2``."""
    return instance_from_dict(
        changed(
            put("worlds/w1/prob", "eta"),
            put("worlds/w2/prob", "1/2 - eta"),
            put("users/patient/utility/treat/well", "5*eta"),
        )
    )


def test_substitute_re_evaluates_every_expression() -> None:
    original = family()
    moved = substitute(original, eta="0.2")
    assert [w.prob for w in moved.worlds] == [Fraction(1, 5), Fraction(3, 10), Fraction(1, 2)]
    assert moved.users[0].utility[0][1] == 1
    assert moved.stakes[1][0].weight == Fraction(1, 10)
    assert moved.parameter_values() == {"eta": Fraction(1, 5)}
    assert moved.expressions == original.expressions
    assert [w.prob for w in original.worlds] == [Fraction(1, 10), Fraction(2, 5), Fraction(1, 2)]


def test_substitute_with_the_same_value_is_the_same_instance() -> None:
    original = family()
    again = substitute(original, eta=Fraction(1, 10))
    assert again == original
    assert content_hash(again) == content_hash(original)


@pytest.mark.parametrize(
    ("value", "place", "phrase"),
    [
        pytest.param(
            "1/4", "users.patient.utility[treat][well]", "utility 5/4 lies outside [0, 1]", id="utility"
        ),
        pytest.param("3/5", "worlds.w2.prob", "probability -1/10 is negative", id="negative-probability"),
        pytest.param(0, "worlds.w1.prob", "positive probability", id="zero-probability"),
        pytest.param(0.2, "parameters.eta", '"1/5"', id="float-value"),
        pytest.param(True, "parameters.eta", "boolean", id="bool-value"),
        pytest.param("eta", "parameters.eta", "unknown parameter(s) eta", id="value-is-expression"),
    ],
)
def test_an_invalid_substitution_names_the_place(value: Any, place: str, phrase: str) -> None:
    with pytest.raises(InstanceError) as caught:
        substitute(family(), eta=value)
    assert caught.value.place == place
    assert phrase in caught.value.problem


def test_substitution_that_breaks_the_total_names_the_worlds() -> None:
    instance = instance_from_dict(changed(put("worlds/w1/prob", "3*eta")))
    assert instance.worlds[0].prob == Fraction(3, 10)
    with pytest.raises(InstanceError) as caught:
        substitute(instance, eta="1/5")
    assert caught.value.place == "worlds"
    assert "sum to 13/10, not 1" in caught.value.problem


def test_substitute_refuses_an_unknown_parameter() -> None:
    with pytest.raises(InstanceError) as caught:
        substitute(family(), zeta="1/2")
    assert caught.value.place == "parameters.zeta"
    assert "declared: eta" in caught.value.problem


def test_a_provider_label_with_a_comma_is_refused() -> None:
    # A set T is written with commas (--class shared:P1,P2, check's rows): 'a,b' would make the
    # singleton {a,b} and the pair {a, b} one key.
    document = json.loads(json.dumps(valid_document()).replace('"app"', '"a,b"'))
    with pytest.raises(InstanceError) as caught:
        instance_from_dict(document)
    assert caught.value.place == "providers.a,b"
    assert "may not contain ','" in caught.value.problem and "rename" in caught.value.problem

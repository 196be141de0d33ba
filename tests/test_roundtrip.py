"""Canonical dumps and content hashes of generated instances (SPEC.md §11, DESIGN.md conventions)."""

from __future__ import annotations

import copy
from fractions import Fraction
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from solver.core.model import Instance
from solver.core.serialization import content_hash, dumps, instance_from_dict, instance_to_dict, loads
from tests import strategies as S

FORMATS = ["yaml", "json"]


def respell(document: Any, spell: Any) -> Any:
    """Apply ``spell`` to every number of a document (probabilities, kernels, utilities, weights)."""
    document = copy.deepcopy(document)

    def table(rows: dict[str, dict[str, Any]]) -> None:
        for row in rows.values():
            for key in row:
                row[key] = spell(Fraction(row[key]))

    for world in document["worlds"].values():
        world["prob"] = spell(Fraction(world["prob"]))
    for user in document["users"].values():
        table(user["utility"])
        if "feature_kernel" in user:
            table(user["feature_kernel"])
    for row in document["stakes"].values():
        for stake in row.values():
            stake["weight"] = spell(Fraction(stake["weight"]))
            table(stake["utility"])
    return document


@pytest.mark.parametrize("form", FORMATS)
@given(instance=S.instances())
def test_dump_is_a_fixed_point(form: str, instance: Instance) -> None:
    # The canonical text reads back to a text that is identical byte for byte.
    text = dumps(instance, form)
    assert dumps(loads(text, form), form) == text


@pytest.mark.parametrize("form", FORMATS)
@given(instance=S.instances())
def test_load_inverts_dump(form: str, instance: Instance) -> None:
    again = loads(dumps(instance, form), form)
    assert again == instance
    assert hash(again) == hash(instance)


@given(S.instances())
def test_json_is_valid_yaml_for_the_same_instance(instance: Instance) -> None:
    # JSON is a subset of YAML 1.2 for these documents: the YAML reader gets the same instance.
    assert loads(dumps(instance, "json"), "yaml") == instance


@given(S.instances())
def test_content_hash_is_stable_across_formats(instance: Instance) -> None:
    digest = content_hash(instance)
    assert len(digest) == 64 and int(digest, 16) >= 0
    assert content_hash(loads(dumps(instance, "yaml"), "yaml")) == digest
    assert content_hash(loads(dumps(instance, "json"), "json")) == digest
    assert content_hash(instance_from_dict(instance_to_dict(instance))) == digest


@given(S.instance_documents(), st.sampled_from(["unreduced", "decimal-or-fraction", "string"]))
def test_content_hash_ignores_number_spelling(document: dict[str, Any], style: str) -> None:
    # Equal exact values spelled differently are the same instance (SPEC.md §1: numbers are exact).
    def spell(value: Fraction) -> int | str:
        if style == "unreduced":
            return f"{3 * value.numerator}/{3 * value.denominator}"
        if style == "string":
            return str(value)
        decimal = S.decimal_spelling(value)
        return decimal if decimal is not None else f"{value.numerator}/{value.denominator}"

    original = instance_from_dict(document)
    respelled = instance_from_dict(respell(document, spell))
    assert respelled == original
    assert content_hash(respelled) == content_hash(original)
    assert dumps(respelled) == dumps(original)


@st.composite
def utility_changes(draw: st.DrawFn) -> tuple[dict[str, Any], dict[str, Any]]:
    """A document and a copy with one utility entry (a user's or a stake's) moved inside [0, 1]."""
    document = draw(S.instance_documents())
    changed = copy.deepcopy(document)
    user = draw(st.sampled_from(sorted(document["users"])))
    if draw(st.booleans()):
        table = changed["users"][user]["utility"]
    else:
        provider = draw(st.sampled_from(sorted(document["providers"])))
        table = changed["stakes"][provider][user]["utility"]
    action = draw(st.sampled_from(sorted(table)))
    state = draw(st.sampled_from(sorted(table[action])))
    old = Fraction(table[action][state])
    new = draw(st.sampled_from([Fraction(k, 12) for k in range(13) if Fraction(k, 12) != old]))
    table[action][state] = f"{new.numerator}/{new.denominator}"
    return document, changed


@given(utility_changes())
def test_content_hash_changes_with_a_utility(pair: tuple[dict[str, Any], dict[str, Any]]) -> None:
    before, after = (instance_from_dict(d) for d in pair)
    assert before != after
    assert content_hash(before) != content_hash(after)
    for form in FORMATS:
        assert dumps(before, form) != dumps(after, form)

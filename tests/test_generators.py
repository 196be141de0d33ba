"""Seeded instance families: reproducible byte for byte, valid, round-tripping, as described."""

from __future__ import annotations

import json
from fractions import Fraction
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from instances.generators import (
    CATALOG_NAME,
    EDGES,
    FAMILIES,
    GENERATOR_VERSION,
    Sizes,
    check_sizes,
    generate_instance,
    generate_library,
)
from pluralis.cli import cli
from solver.core.errors import ModelError
from solver.core.model import Instance
from solver.core.serialization import content_hash, dumps, load, loads

COUNT = 6


def _files(directory: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(directory.iterdir())}


@pytest.mark.parametrize("family", list(FAMILIES))
def test_libraries_are_reproducible_byte_for_byte(family: str, tmp_path: Path) -> None:
    generate_library(family, COUNT, 11, tmp_path / "a")
    generate_library(family, COUNT, 11, tmp_path / "b")
    generate_library(family, COUNT, 12, tmp_path / "c")
    first, second, other = _files(tmp_path / "a"), _files(tmp_path / "b"), _files(tmp_path / "c")
    assert len(first) == COUNT + 1
    assert first == second
    assert [first[name] for name in sorted(first) if name != CATALOG_NAME] != [
        other[name] for name in sorted(other) if name != CATALOG_NAME
    ]


@pytest.mark.parametrize("family", list(FAMILIES))
def test_every_generated_file_validates_and_round_trips(family: str, tmp_path: Path) -> None:
    entries = generate_library(family, COUNT, 3, tmp_path)
    catalog = json.loads((tmp_path / CATALOG_NAME).read_text(encoding="utf-8"))
    assert catalog["family"] == family and catalog["count"] == COUNT
    assert [e["file"] for e in catalog["instances"]] == [e.file for e in entries]
    for entry in entries:
        text = (tmp_path / entry.file).read_text(encoding="utf-8")
        instance = load(tmp_path / entry.file)
        assert dumps(instance) == text
        assert dumps(loads(text)) == text
        assert content_hash(instance) == entry.hash
        provenance = dict(instance.provenance)
        assert provenance["family"] == family
        assert provenance["seed"] == "3"
        assert provenance["index"] == str(entry.index)
        assert provenance["generator_version"] == GENERATOR_VERSION
        numbers = [w.prob for w in instance.worlds] + [
            v for u in instance.users for row in u.utility for v in row
        ]
        assert all(n.denominator <= 1000 for n in numbers)


def test_one_instance_regenerates_alone() -> None:
    # Instance k of a library does not depend on the instances before it.
    assert dumps(generate_instance("uniform", 5, 3)) == dumps(generate_instance("uniform", 5, 3))
    assert dumps(generate_instance("uniform", 5, 3)) != dumps(generate_instance("uniform", 5, 4))


def test_json_libraries_round_trip(tmp_path: Path) -> None:
    for entry in generate_library("opposed", 3, 0, tmp_path, format="json"):
        text = (tmp_path / entry.file).read_text(encoding="utf-8")
        assert dumps(load(tmp_path / entry.file), "json") == text


def test_opposed_providers_have_complementary_utilities() -> None:
    for index in range(5):
        instance = generate_instance("opposed", 1, index, Sizes(providers=4, users=3))
        for i in range(len(instance.users)):
            for j in (0, 2):
                first, second = instance.stakes[j][i].utility, instance.stakes[j + 1][i].utility
                assert all(a + b == 1 for r, s in zip(first, second) for a, b in zip(r, s))


def test_polarized_users_have_complementary_utilities() -> None:
    for index in range(5):
        instance = generate_instance("polarized", 1, index, Sizes(users=4))
        for i in (0, 2):
            first, second = instance.users[i].utility, instance.users[i + 1].utility
            assert all(a + b == 1 for r, s in zip(first, second) for a, b in zip(r, s))


def test_complementary_providers_each_see_one_bit() -> None:
    instance = generate_instance("complementary", 2, 0, Sizes(providers=3))
    assert len(instance.states) == 8
    for world in instance.worlds:
        bits = world.state[1:]
        assert world.signals == tuple(f"s{b}" for b in bits)


def test_persuader_ignores_the_state() -> None:
    instance = generate_instance("persuader", 4, 0, Sizes(providers=1))
    assert len(instance.providers) == 1
    for stake in instance.stakes[0]:
        assert all(len(set(row)) == 1 for row in stake.utility)
        assert sorted(row[0] for row in stake.utility)[-1] == 1


@pytest.mark.parametrize("epsilon", [Fraction(0), Fraction(1, 10), Fraction(1, 3)])
def test_near_aligned_markets_meet_their_target_epsilon(epsilon: Fraction) -> None:
    from solver.responses.alignment import weak_alignment

    sizes = Sizes(providers=3, users=2, states=3, epsilon=epsilon)
    for index in range(3):
        instance = generate_instance("near-aligned", 9, index, sizes)
        assert dict(instance.provenance)["epsilon"] == str(epsilon)
        for i, user in enumerate(instance.users):
            for j in range(len(instance.providers)):
                gap = max(
                    abs(a - b)
                    for r, s in zip(instance.stakes[j][i].utility, user.utility)
                    for a, b in zip(r, s)
                )
                assert gap <= epsilon
                assert weak_alignment(instance, i, [j]).error <= epsilon


def test_generate_command_writes_a_catalogued_library(tmp_path: Path) -> None:
    out = tmp_path / "lib"
    args = ["generate", "--family", "near-aligned", "--count", "4", "--seed", "2", "--out", str(out)]
    result = CliRunner().invoke(cli, [*args, "--epsilon", "1/20", "--users", "3"])
    assert result.exit_code == 0, result.output
    catalog = json.loads((out / CATALOG_NAME).read_text(encoding="utf-8"))
    assert catalog["sizes"]["epsilon"] == "1/20" and catalog["sizes"]["users"] == 3
    assert len(catalog["instances"]) == 4
    assert all(len(load(out / e["file"]).users) == 3 for e in catalog["instances"])


def test_generate_command_refuses_a_float_epsilon(tmp_path: Path) -> None:
    args = ["generate", "--family", "near-aligned", "--count", "1", "--out", str(tmp_path), "--epsilon", "x"]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 2
    assert "--epsilon" in result.output


# -- the edges of the model ------------------------------------------------------------------------------

EDGE_SAMPLE = 80


def _edges(instance: Instance) -> str:
    return dict(instance.provenance).get("edges", "")


def _has_zero_stake(instance: Instance) -> bool:
    return any(stake.weight == 0 for row in instance.stakes for stake in row)


def _has_unused_signal(instance: Instance) -> bool:
    return any(
        any(all(w.signals[j] != s for w in instance.worlds) for s in p.signals)
        for j, p in enumerate(instance.providers)
    )


def _has_tied_actions(instance: Instance) -> bool:
    return any(len(set(u.utility)) < len(u.utility) for u in instance.users)


def _has_twin_providers(instance: Instance) -> bool:
    m = len(instance.providers)
    return any(
        all(w.signals[j] == w.signals[k] for w in instance.worlds) for j in range(m) for k in range(j + 1, m)
    )


WITNESSED = {
    "zero stake": _has_zero_stake,
    "unused signal": _has_unused_signal,
    "tied actions": _has_tied_actions,
    "twin providers": _has_twin_providers,
}


def _sample(family: str) -> list[Instance]:
    sizes = Sizes(providers=1) if family == "persuader" else Sizes()
    return [generate_instance(family, 0, index, sizes) for index in range(EDGE_SAMPLE)]


@pytest.mark.parametrize("family", list(FAMILIES))
def test_every_edge_of_a_family_is_drawn_rarely_and_is_what_provenance_says(family: str) -> None:
    instances = _sample(family)
    for edge in EDGES[family]:
        marked = [i for i in instances if edge in _edges(i)]
        # Drawn with probability 1/10 each: reached in a sample of 80, and rare (expected 8).
        assert 1 <= len(marked) <= EDGE_SAMPLE // 4, (edge, len(marked))
        assert all(WITNESSED[edge](i) for i in marked), edge
    # Family stakes are at least 1/denominator: a zero stake is always the edge, and says so.
    assert all(_has_zero_stake(i) == ("zero stake" in _edges(i)) for i in instances)
    # Instances without edges carry no edges field at all.
    assert any("edges" not in dict(i.provenance) for i in instances)


def test_edges_keep_the_families_promises() -> None:
    # Opposed pairs, polarized pairs and near-aligned ε hold with every edge drawn (tied actions
    # copy a row into the partner and into the stakes built from her utility).
    for index in range(40):
        opposed = generate_instance("opposed", 1, index, Sizes(providers=4, users=3))
        for i in range(len(opposed.users)):
            for j in (0, 2):
                first, second = opposed.stakes[j][i].utility, opposed.stakes[j + 1][i].utility
                assert all(a + b == 1 for r, s in zip(first, second) for a, b in zip(r, s))
        polarized = generate_instance("polarized", 1, index, Sizes(users=4))
        for i in (0, 2):
            first, second = polarized.users[i].utility, polarized.users[i + 1].utility
            assert all(a + b == 1 for r, s in zip(first, second) for a, b in zip(r, s))
        near = generate_instance("near-aligned", 1, index, Sizes(epsilon=Fraction(1, 8)))
        for i, user in enumerate(near.users):
            for row in near.stakes:
                gaps = (abs(a - b) for r, s in zip(row[i].utility, user.utility) for a, b in zip(r, s))
                assert max(gaps) <= Fraction(1, 8)
        assert sum(w.prob for w in near.worlds) == 1
    edges = {
        part.split(":")[0]
        for family in ("opposed", "polarized", "near-aligned")
        for index in range(40)
        for part in _edges(generate_instance(family, 1, index)).split("; ")
    }
    assert {"zero stake", "unused signal", "tied actions", "twin providers"} <= edges


def test_divided_keeps_exact_alignment_through_its_edges() -> None:
    # Tied actions copy the row into the aligned and opposed stakes too, so a user with an aligned
    # provider is still fitted with zero error by all providers (SPEC.md §7).
    from solver.responses.alignment import weak_alignment

    tied = 0
    for index in range(40):
        instance = generate_instance("divided", 0, index)
        tied += "tied actions" in _edges(instance)
        for i, user in enumerate(instance.users):
            if any(row[i].utility == user.utility for row in instance.stakes):
                assert weak_alignment(instance, i, range(len(instance.providers))).error == 0
    assert tied


def test_libraries_with_edges_are_reproducible_byte_for_byte(tmp_path: Path) -> None:
    generate_library("uniform", 30, 4, tmp_path / "a")
    generate_library("uniform", 30, 4, tmp_path / "b")
    assert _files(tmp_path / "a") == _files(tmp_path / "b")
    assert any("edges" in dict(load(p).provenance) for p in (tmp_path / "a").glob("*.yaml"))


@pytest.mark.parametrize("family", [f for f in FAMILIES if f != "complementary"])
def test_one_state_one_message_games(family: str) -> None:
    sizes = Sizes(states=1, messages=1, providers=1 if family == "persuader" else 2)
    for index in range(3):
        instance = generate_instance(family, 0, index, sizes)
        assert len(instance.states) == 1 and len(instance.protocol.provider_messages) == 1


def test_one_message_complementary_games() -> None:
    instance = generate_instance("complementary", 0, 0, Sizes(messages=1, providers=1))
    assert len(instance.states) == 2 and len(instance.protocol.provider_messages) == 1


# -- sizes a family cannot honour ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("family", "sizes", "named"),
    [
        pytest.param("divided", {"signals": 3}, "--signals", id="divided-signals"),
        pytest.param("divided", {"worlds_per_state": 3}, "--worlds-per-state", id="divided-worlds"),
        pytest.param("polarized", {"users": 1}, "--users", id="polarized-one-user"),
        pytest.param("opposed", {"providers": 1}, "--providers", id="opposed-one-provider"),
        pytest.param("complementary", {"states": 3}, "--states", id="complementary-states"),
        pytest.param("complementary", {"providers": 5}, "--providers", id="complementary-five"),
        pytest.param("complementary", {"signals": 3}, "--signals", id="complementary-signals"),
        pytest.param("persuader", {"providers": 3}, "--providers", id="persuader-providers"),
        pytest.param("persuader", {"actions": 1}, "--actions", id="persuader-one-action"),
        pytest.param("uniform", {"epsilon": Fraction(1, 5)}, "--epsilon", id="uniform-epsilon"),
    ],
)
def test_a_size_the_family_cannot_honour_is_an_error_naming_it(
    family: str, sizes: dict[str, Any], named: str
) -> None:
    with pytest.raises(ModelError, match=named):
        generate_instance(family, 0, 0, Sizes(**sizes))
    with pytest.raises(ModelError, match=named):
        check_sizes(family, Sizes(**sizes))


@pytest.mark.parametrize(
    ("family", "sizes"),
    [
        pytest.param("divided", {"states": 3, "signals": 3}, id="divided-signal-per-state"),
        pytest.param("divided", {"worlds_per_state": 1}, id="divided-one-world"),
        pytest.param("complementary", {"providers": 3, "states": 8}, id="complementary-eight-states"),
        pytest.param("persuader", {"providers": 1}, id="persuader-one"),
        pytest.param("opposed", {"providers": 3}, id="opposed-three"),
        pytest.param("near-aligned", {"epsilon": Fraction(1, 5)}, id="near-aligned-epsilon"),
    ],
)
def test_sizes_the_family_makes_are_accepted(family: str, sizes: dict[str, Any]) -> None:
    check_sizes(family, Sizes(**sizes), list(sizes))
    generate_instance(family, 0, 0, Sizes(**sizes))


def test_a_given_size_is_refused_even_at_its_default_when_the_family_ignores_it() -> None:
    # --worlds-per-state 2 on the command line: divided has one world per state whatever it says.
    with pytest.raises(ModelError, match="--worlds-per-state"):
        check_sizes("divided", Sizes(), ["worlds_per_state"])
    check_sizes("divided", Sizes())


@pytest.mark.parametrize(
    ("args", "named"),
    [
        (["--family", "divided", "--signals", "3"], "--signals"),
        (["--family", "divided", "--worlds-per-state", "2"], "--worlds-per-state"),
        (["--family", "polarized", "--users", "1"], "--users"),
        (["--family", "uniform", "--epsilon", "1/10"], "--epsilon"),
    ],
    ids=["divided-signals", "divided-worlds", "polarized-users", "uniform-epsilon"],
)
def test_generate_command_refuses_what_the_family_cannot_honour(
    args: list[str], named: str, tmp_path: Path
) -> None:
    result = CliRunner().invoke(cli, ["generate", "--count", "1", "--out", str(tmp_path / "lib"), *args])
    assert result.exit_code == 2, result.output
    assert named in result.output and "cannot honour" in result.output
    assert not (tmp_path / "lib").exists()

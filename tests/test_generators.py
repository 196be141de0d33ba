"""Seeded instance families: reproducible byte for byte, valid, round-tripping, as described."""

from __future__ import annotations

import json
from fractions import Fraction
from pathlib import Path

import pytest
from click.testing import CliRunner

from instances.generators import (
    CATALOG_NAME,
    FAMILIES,
    GENERATOR_VERSION,
    Sizes,
    generate_instance,
    generate_library,
)
from pluralis.cli import cli
from solver.serialization import content_hash, dumps, load, loads

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
    instance = generate_instance("persuader", 4, 0, Sizes(providers=3))
    assert len(instance.providers) == 1
    for stake in instance.stakes[0]:
        assert all(len(set(row)) == 1 for row in stake.utility)
        assert sorted(row[0] for row in stake.utility)[-1] == 1


@pytest.mark.parametrize("epsilon", [Fraction(0), Fraction(1, 10), Fraction(1, 3)])
def test_near_aligned_markets_meet_their_target_epsilon(epsilon: Fraction) -> None:
    from solver.alignment import weak_alignment

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

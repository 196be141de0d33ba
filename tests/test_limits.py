"""The law, benchmark and selection limits are options of the commands they can stop; errors name them."""

from __future__ import annotations

import itertools
import math
from fractions import Fraction
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner

from pluralis.cli import cli
from solver.conversation.classes import Deterministic
from solver.core.errors import ClassTooLargeError, Limit
from solver.core.serialization import instance_from_dict
from solver.equilibria.games import Game, Mode
from solver.equilibria.regret import DEFAULT_SELECTION_LIMIT, RegretKernel, examine
from solver.responses.information import solve_benchmark
from solver.responses.response import TiePolicy
from tests.test_selections import indifferent_users

LIBRARY = Path(__file__).resolve().parent.parent / "instances"


def three_cells_two_messages() -> dict[str, Any]:
    """A provider that sees which of three states holds but has two messages: 2³ = 8 shared rules.

    Revealing is impossible (three cells, two messages), so the benchmark is a search over the
    deterministic T-shared rules, one message per cell.
    """
    states = ["a", "b", "c"]
    return {
        "states": states,
        "providers": {"P": {"signals": ["sa", "sb", "sc"]}},
        "users": {
            "U": {
                "actions": ["xa", "xb", "xc"],
                "utility": {f"x{s}": {t: int(s == t) for t in states} for s in states},
            }
        },
        "worlds": {f"w{s}": {"prob": "1/3", "state": s, "signals": {"P": f"s{s}"}} for s in states},
        "stakes": {
            "P": {"U": {"weight": 1, "utility": {f"x{s}": {t: int(s == t) for t in states} for s in states}}}
        },
        "protocol": {"turns": ["P"], "provider_messages": ["m1", "m2"]},
    }


def test_benchmark_limit_refuses_with_its_kind() -> None:
    instance = instance_from_dict(three_cells_two_messages())
    with pytest.raises(ClassTooLargeError) as caught:
        solve_benchmark(instance, 0, (0,), limit=7)
    assert caught.value.kind is Limit.BENCHMARK and caught.value.count == 8
    # At the limit it is computed. The best rule tells one state apart and pools the other two: she
    # is right on the lone state (1/3) and, in the pooled pair (mass 2/3), on one of its halves (1/3).
    assert solve_benchmark(instance, 0, (0,), limit=8).value == Fraction(2, 3)


def test_law_limit_refuses_with_its_kind() -> None:
    instance = instance_from_dict(three_cells_two_messages())
    # The uninformative rule leaves her indifferent between all three actions: three laws.
    game = Game(instance, Mode.ANONYMOUS, Deterministic(), law_limit=2)
    with pytest.raises(ClassTooLargeError) as caught:
        _ = game.table
    assert caught.value.kind is Limit.LAW and caught.value.count == 3


@pytest.mark.parametrize(
    ("command", "option"),
    [
        (["inspect"], "--benchmark-limit"),
        (["check", "--claim", "C1"], "--benchmark-limit"),
        (["solve"], "--law-limit"),
        (["check", "--claim", "C1"], "--law-limit"),
    ],
    ids=["inspect-benchmark", "check-benchmark", "solve-law", "check-law"],
)
def test_each_command_names_the_option_that_raises_the_limit(
    command: list[str], option: str, tmp_path: Path
) -> None:
    path = tmp_path / "three.yaml"
    path.write_text(yaml.safe_dump(three_cells_two_messages()), encoding="utf-8")
    result = CliRunner().invoke(cli, [*command, str(path), option, "2"])
    assert result.exit_code == 2, result.output
    assert f"raise it with {option} N" in result.output
    assert "Traceback" not in result.output


def test_reproduce_names_the_option_in_a_skipped_claim(tmp_path: Path) -> None:
    library = tmp_path / "library"
    library.mkdir()
    (library / "three.yaml").write_text(yaml.safe_dump(three_cells_two_messages()), encoding="utf-8")
    result = CliRunner().invoke(
        cli, ["reproduce", "--library", str(library), "--report", str(tmp_path / "r.md"), "--law-limit", "2"]
    )
    assert result.exit_code == 0, result.output
    assert "raise it with --law-limit N" in " ".join(result.output.split())


@pytest.mark.parametrize(
    ("arguments", "option"),
    [
        (["--do", "inspect", "--benchmark-limit", "2"], "--benchmark-limit"),
        (["--do", "solve", "--law-limit", "2"], "--law-limit"),
    ],
    ids=["inspect-benchmark", "solve-law"],
)
def test_batch_names_the_option_in_a_failed_instance(
    arguments: list[str], option: str, tmp_path: Path
) -> None:
    library = tmp_path / "library"
    library.mkdir()
    (library / "three.yaml").write_text(yaml.safe_dump(three_cells_two_messages()), encoding="utf-8")
    result = CliRunner().invoke(
        cli, ["batch", str(library), *arguments, "--out", str(tmp_path / "out"), "-j", "1", "--no-progress"]
    )
    assert result.exit_code == 1, result.output
    (record,) = (tmp_path / "out").glob("three*.json")
    assert f"raise it with {option} N" in record.read_text(encoding="utf-8")


@pytest.mark.parametrize(
    ("name", "option"),
    [("alias_bomb.yaml", "--max-values"), ("deep_nesting.yaml", "--max-depth")],
    ids=["values", "depth"],
)
def test_reading_bounds_are_options_named_in_their_refusals(name: str, option: str) -> None:
    path = LIBRARY.parent / "tests" / "data" / "malformed" / name
    refused = CliRunner().invoke(cli, ["inspect", str(path)])
    assert refused.exit_code == 2 and f"raise the limit with {option} N" in refused.output


def test_a_raised_depth_reads_the_file_further() -> None:
    # Raised, the deep file is read past its nesting and refused for what it is: not an instance.
    path = LIBRARY.parent / "tests" / "data" / "malformed" / "deep_nesting.yaml"
    again = CliRunner().invoke(cli, ["inspect", str(path), "--max-depth", "1000"])
    assert again.exit_code == 2 and "nested too deeply" not in again.output


def test_the_selection_limit_bounds_a_frontier_not_the_product_of_selections() -> None:
    # The selection limit once bounded the product of the users' best-response selections at a
    # profile, which refused 20 tied users (at least 2^20 combinations). The selections are now
    # decided by a Pareto-frontier programme over users (regret.admissible_selections) and the
    # limit bounds one frontier, so the game is decided under the default limit.
    game = Game(instance_from_dict(indifferent_users(20)), Mode.ANONYMOUS, Deterministic())
    kernel = RegretKernel(game, TiePolicy.FAVOURABLE, Fraction(0))
    for profile in itertools.product(*(range(len(rules)) for rules in game.rules)):
        assert (
            math.prod(len(kernel.options(u, profile)[0]) for u in range(20))
            >= 2**20
            > DEFAULT_SELECTION_LIMIT
        )
        examine(game, kernel, profile, DEFAULT_SELECTION_LIMIT)
    # A frontier holds at least one point, so a limit of 0 still refuses, naming its parameter.
    with pytest.raises(ClassTooLargeError) as caught:
        examine(game, kernel, (0, 0), 0)
    assert caught.value.kind is Limit.SELECTION and "selection_limit=N" in str(caught.value)

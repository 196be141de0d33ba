"""``pluralis search`` refuses options it cannot honour, naming them, instead of ignoring them."""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import pytest
from click.testing import CliRunner

from pluralis.cli import cli
from proofs.claim import CheckOptions
from proofs.search import TARGETS, SearchRequest, options_from_json, options_json, run_search
from solver.conversation.classes import Grid
from solver.core.errors import ModelError

INPUT_ERROR = 2


def _search(tmp_path: Path, *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, ["search", "--out", str(tmp_path / "out"), "--budget", "0", *args])
    return result.exit_code, result.output


@pytest.mark.parametrize(
    ("args", "named"),
    [
        (["--claim", "C1", "--method", "hypothesis", "--family", "uniform"], "--family"),
        (["--claim", "C1", "--method", "hypothesis", "--states", "3"], "--states"),
        (["--claim", "C7", "--method", "hypothesis", "--epsilon", "1/5"], "--epsilon"),
        (["--claim", "C2", "--signals", "3"], "--signals"),
        (["--claim", "C2", "--worlds-per-state", "3"], "--worlds-per-state"),
        (["--claim", "C1", "--family", "polarized", "--users", "1"], "--users"),
        (["--claim", "C1", "--family", "uniform", "--epsilon", "1/5"], "--epsilon"),
        (["--claim", "C6", "--delta", "1/10"], "--delta"),
    ],
    ids=[
        "hypothesis-family",
        "hypothesis-size",
        "hypothesis-epsilon",
        "divided-signals",
        "divided-worlds",
        "polarized-one-user",
        "uniform-epsilon",
        "c6-delta",
    ],
)
def test_an_option_that_cannot_be_honoured_is_an_error_naming_it(
    args: list[str], named: str, tmp_path: Path
) -> None:
    code, output = _search(tmp_path, *args)
    assert code == INPUT_ERROR, output
    assert named in output


def test_a_claims_own_sizes_that_a_family_cannot_make_are_an_error(tmp_path: Path) -> None:
    # C6 searches one-user instances; polarized users come in pairs.
    code, output = _search(tmp_path, "--claim", "C6", "--family", "polarized")
    assert code == INPUT_ERROR, output
    assert "C6" in output and "users" in output


def test_a_claims_default_epsilon_is_left_behind_with_another_family(tmp_path: Path) -> None:
    # C7's ε = 1/4 is near-aligned's; uniform has no ε, and the user did not ask for one.
    code, output = _search(tmp_path, "--claim", "C7", "--family", "uniform", "--method", "random")
    assert code == 0, output


def test_run_search_refuses_c6_with_delta(tmp_path: Path) -> None:
    target = TARGETS["C6"]
    request = SearchRequest(
        target, "random", "uniform", target.sizes, 0, 1, CheckOptions(delta=Fraction(1, 10))
    )
    with pytest.raises(ModelError, match="C6"):
        run_search(request, tmp_path)
    assert not (tmp_path / "search-state.json").exists()


def test_a_bad_class_is_an_error_naming_it(tmp_path: Path) -> None:
    code, output = _search(tmp_path, "--claim", "C1", "--class", "grid:0")
    assert code == INPUT_ERROR, output
    assert "class 'grid:0': write grid:Q with a positive integer Q" in output


def test_recorded_options_keep_the_class_by_its_name() -> None:
    # Search state and verdict records written before the class was typed read back the same.
    options = CheckOptions(Grid(2), Fraction(1, 10))
    document = options_json(options)
    assert document["class"] == "grid:2"
    assert options_from_json(document) == options
    assert options_from_json(options_json(CheckOptions())) == CheckOptions()

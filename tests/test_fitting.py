"""Fitting alignment from data (SPEC.md §10): exact tables, the two fits, sweeps and plots."""

from __future__ import annotations

import csv
import io
import itertools
import json
import math
import re
from fractions import Fraction
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import given
from hypothesis import strategies as st

from fitting.estimation import (
    UtilityTable,
    fit_best_single,
    fit_nonnegative,
    fit_sup_norm,
    fit_uniform,
    parse_stakes,
    parse_table,
    provider_curves,
    rmse_of,
    sweep_providers,
    table_to_csv,
)
from fitting.synthetic import SyntheticSettings, generate_table
from pluralis.cli import cli
from solver.core.errors import InstanceError

TOLERANCE = 1e-9

SMALL = SyntheticSettings(items=12, answers=3, directions=3, providers=6, groups=3, seed=7)


def _table(providers: list[list[Fraction]], groups: list[list[Fraction]]) -> UtilityTable:
    rows = tuple((f"q{r}", "a") for r in range(len(groups[0])))
    return UtilityTable(
        rows,
        tuple(f"P{j}" for j in range(len(providers))),
        tuple(f"G{i}" for i in range(len(groups))),
        tuple(tuple(c) for c in providers),
        tuple(tuple(c) for c in groups),
    )


def _sup_residual(
    table: UtilityTable, group: int, fit_providers: tuple[str, ...], weights, offset
) -> Fraction:
    columns = [table.providers.index(p) for p in fit_providers]
    return max(
        abs(
            sum((w * table.provider_values[j][r] for j, w in zip(columns, weights)), Fraction(0))
            + offset
            - table.group_values[group][r]
        )
        for r in range(len(table.rows))
    )


# -- reading tables exactly ------------------------------------------------------------------------


def test_decimal_cells_are_read_exactly() -> None:
    table = parse_table("item,action,provider:A,group:G\nq1,yes,0.1,1/3\nq1,no,-2.5,7\n")
    assert table.provider_values == ((Fraction(1, 10), Fraction(-5, 2)),)
    assert table.group_values == ((Fraction(1, 3), Fraction(7)),)
    assert table.rows == (("q1", "yes"), ("q1", "no"))
    assert table.stakes == ((Fraction(1),),)


def test_table_round_trips_through_csv() -> None:
    table = generate_table(SMALL)
    again = parse_table(table_to_csv(table))
    assert again == UtilityTable(
        table.rows,
        table.providers,
        table.groups,
        table.provider_values,
        table.group_values,
        (),
        table.comments,
    )


@pytest.mark.parametrize(
    ("text", "place"),
    [
        pytest.param("item,action,provider:A,oops\nq,a,1,2\n", "header[3]", id="unmarked-column"),
        pytest.param("action,item,provider:A,group:G\nq,a,1,2\n", "header", id="row-keys-first"),
        pytest.param("item,action,provider:A,group:G\nq,a,1\n", "row 2", id="short-row"),
        pytest.param("item,action,provider:A,group:G\nq,a,1.5e,2\n", "row 2", id="bad-number"),
        pytest.param("item,action,provider:A,group:G\nq,a,1,2\nq,a,1,2\n", "rows", id="duplicate-row"),
    ],
)
def test_malformed_tables_name_the_place(text: str, place: str) -> None:
    with pytest.raises(InstanceError, match=re.escape(place)):
        parse_table(text, "t.csv")


def test_stakes_file_sets_transfer_factors() -> None:
    table = parse_table("item,action,provider:A,provider:B,group:G\nq,x,0,1,1\nq,y,1,0,0\nr,x,1,1,1\n")
    table = parse_stakes("provider,group,weight\nA,G,1/2\nB,G,0.25\n", table)
    assert table.stakes == ((Fraction(1, 2),), (Fraction(1, 4),))
    exact = fit_sup_norm(table, "G", ["B"])
    assert exact.error == 0 and exact.transfer_factor == 4
    with pytest.raises(InstanceError, match="unknown provider"):
        parse_stakes("provider,group,weight\nC,G,1\n", table)


# -- the fits ----------------------------------------------------------------------------------------


def test_exact_combination_is_fitted_with_zero_error() -> None:
    # G = 1/4 A + 3/4 B + 1/10 on every row: both fits are exact, with those weights.
    a = [Fraction(k, 7) for k in (0, 3, 5, 1, 6)]
    b = [Fraction(k, 5) for k in (2, 0, 4, 1, 3)]
    g = [Fraction(1, 4) * x + Fraction(3, 4) * y + Fraction(1, 10) for x, y in zip(a, b)]
    table = _table([a, b], [g])
    exact = fit_sup_norm(table, 0)
    assert exact.error == 0
    assert exact.weights == (Fraction(1, 4), Fraction(3, 4))
    assert exact.offset == Fraction(1, 10)
    assert exact.transfer_factor == 1 and exact.certified
    nnls = fit_nonnegative(table, 0)
    assert nnls.rmse < TOLERANCE
    assert nnls.weights == pytest.approx((0.25, 0.75))
    assert nnls.intercept == pytest.approx(0.1)


def test_scaled_provider_needs_weight_above_one_in_nnls_only() -> None:
    # G = 2 A: NNLS finds weight 2 (transfer factor 2); the simplex fit of §7 cannot scale.
    a = [Fraction(k, 4) for k in (0, 1, 2, 4)]
    table = _table([a], [[2 * x for x in a]])
    nnls = fit_nonnegative(table, 0)
    assert nnls.weights == pytest.approx((2.0,)) and nnls.transfer_factor == pytest.approx(2.0)
    exact = fit_sup_norm(table, 0)
    assert exact.weights == (1,)
    # Best offset for residual x ∈ {0, 1/4, 1/2, 1}: c = -1/2, error 1/2.
    assert exact.error == Fraction(1, 2)


def test_baselines_are_no_better_than_nnls() -> None:
    table = generate_table(SMALL)
    for group in table.groups:
        nnls = fit_nonnegative(table, group)
        assert fit_best_single(table, group).rmse >= nnls.rmse - TOLERANCE
        assert fit_uniform(table, group).rmse >= nnls.rmse - TOLERANCE


def test_sup_norm_error_is_the_residual_of_its_weights_in_table_units() -> None:
    table = generate_table(SMALL)
    for i, group in enumerate(table.groups):
        exact = fit_sup_norm(table, group, ["P1", "P3", "P4"])
        assert sum(exact.weights) == 1 and min(exact.weights) >= 0
        assert _sup_residual(table, i, exact.providers, exact.weights, exact.offset) == exact.error


_cells = st.integers(min_value=0, max_value=8).map(lambda k: Fraction(k, 8))


@st.composite
def small_tables(draw: st.DrawFn) -> UtilityTable:
    rows = draw(st.integers(min_value=2, max_value=6))
    providers = draw(st.integers(min_value=1, max_value=3))
    column = st.lists(_cells, min_size=rows, max_size=rows)
    return _table([draw(column) for _ in range(providers)], [draw(column)])


@given(small_tables())
def test_sup_norm_optimum_is_never_below_the_nnls_rmse(table: UtilityTable) -> None:
    # The theorem (see fitting.estimation): for fixed (w, c), max|e| ≥ RMS(e); so ε*(T), the least max
    # over the simplex, is ≥ the RMS of its own weights, which is ≥ the least RMS over the larger
    # NNLS set {w ≥ 0}. The first step is checked exactly, the second against the float NNLS.
    exact = fit_sup_norm(table, 0)
    own = rmse_of(table, 0, exact.providers, exact.weights, exact.offset)
    assert own <= exact.error**2
    nnls = fit_nonnegative(table, 0)
    assert math.sqrt(own) >= nnls.rmse - TOLERANCE
    assert float(exact.error) >= nnls.rmse - TOLERANCE


# -- sweeps on synthetic data ----------------------------------------------------------------------


def test_synthetic_tables_are_reproducible_and_marked_synthetic() -> None:
    assert table_to_csv(generate_table(SMALL)) == table_to_csv(generate_table(SMALL))
    other = SyntheticSettings(**{**SMALL.__dict__, "seed": 8})
    assert table_to_csv(generate_table(other)) != table_to_csv(generate_table(SMALL))
    assert "SYNTHETIC" in generate_table(SMALL).comments[0]


@pytest.mark.parametrize("rule", ["log", "brier", "spherical"])
def test_errors_fall_as_providers_are_added(rule: str) -> None:
    table = generate_table(SyntheticSettings(**{**SMALL.__dict__, "rule": rule}))
    points = sweep_providers(table, seeds=(0, 1), delta=Fraction(1, 2))
    by_key: dict[tuple[int, str], list] = {}
    for p in points:
        by_key.setdefault((p.sample, p.group), []).append(p)
    for series in by_key.values():
        series.sort(key=lambda p: p.size)
        # Markets are nested, so both optima are over growing feasible sets: non-increasing.
        for before, after in itertools.pairwise(series):
            assert after.rmse <= before.rmse + TOLERANCE
            assert after.error <= before.error
            assert after.bound <= before.bound
            assert before.bound <= 2 * before.error + Fraction(1, 2) * before.transfer_factor
    curves = provider_curves(points)
    assert curves[-1].rmse < curves[0].rmse
    assert curves[-1].error < curves[0].error


def _curve_rows(path: Path) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8"))))


def test_fit_command_writes_plots_and_points_showing_the_trend(tmp_path: Path) -> None:
    runner = CliRunner()
    data = tmp_path / "data"
    result = runner.invoke(
        cli,
        ["synthesize", str(data), "--items", "10", "--answers", "3", "--providers", "6", "--groups", "4"],
    )
    assert result.exit_code == 0, result.output
    assert (data / "table.csv").read_text(encoding="utf-8").startswith("# SYNTHETIC DATA")
    out = tmp_path / "out"
    result = runner.invoke(
        cli,
        [
            "fit",
            str(data / "table.csv"),
            "--stakes",
            str(data / "stakes.csv"),
            "--out",
            str(out),
            "--seeds",
            "4",
            "--max-subsets",
            "2",
        ],
    )
    assert result.exit_code == 0, result.output
    for name in (
        "error_vs_providers",
        "transfer_vs_providers",
        "error_vs_subset_size",
        "transfer_vs_subset_size",
    ):
        assert (out / f"{name}.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    curves = [r for r in _curve_rows(out / "curves.csv") if r["sweep"] == "providers"]
    assert [int(r["size"]) for r in curves] == list(range(1, 7))
    first, last = curves[0], curves[-1]
    assert float(last["rmse_float"]) < float(first["rmse_float"])
    assert float(last["sup_norm_error_float"]) < float(first["sup_norm_error_float"])
    # C1's least loss falls (a theorem for nested markets), and the weights attaining it lean on
    # providers with larger stakes as more are available: the mean transfer factor falls.
    assert float(last["bound_float"]) < float(first["bound_float"])
    assert float(last["bound_mean_transfer_factor_float"]) < float(first["bound_mean_transfer_factor_float"])
    points = _curve_rows(out / "points.csv")
    assert len(points) == 4 * 6 * 4 + sum(min(2, math.comb(6, s)) for s in range(1, 7)) * 4
    for row in points:
        # Exact values are written exactly; the property of the theorem holds at every point.
        assert float(Fraction(row["sup_norm_error_exact"])) >= float(row["rmse_float"]) - TOLERANCE


def test_fit_report_labels_floats_and_exact_numbers(tmp_path: Path) -> None:
    path = tmp_path / "t.csv"
    path.write_text(table_to_csv(generate_table(SMALL)), encoding="utf-8")
    result = CliRunner().invoke(cli, ["fit", str(path), "--json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    entry = report["groups"]["G1"]
    assert isinstance(entry["floating_point_estimates"]["nnls"]["rmse"], float)
    assert isinstance(entry["exact"]["sup_norm"]["error"], str)
    assert Fraction(entry["exact"]["sup_norm"]["error"]) >= 0

"""``pluralis fit`` and ``pluralis synthesize``: alignment fitted from a utility table (SPEC.md §10)."""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from fractions import Fraction
from pathlib import Path
from typing import Any

import click
from rich.console import Console
from rich.table import Table

from fitting.estimation import (
    LeastSquaresFit,
    SupNormFit,
    UtilityTable,
    alignment_model,
    curves_to_csv,
    fit_best_single,
    fit_nonnegative,
    fit_sup_norm,
    fit_uniform,
    plot_curves,
    points_to_csv,
    provider_curves,
    read_table,
    stakes_to_csv,
    subset_curves,
    sweep_providers,
    sweep_subsets,
    table_to_csv,
)
from fitting.synthetic import SCORING_RULES, SyntheticSettings, generate_table
from pluralis.folders import FolderError, names
from pluralis.interrupts import defer_interrupts
from pluralis.limits import reading_limit_options
from pluralis.output import FIT_SCHEMA, json_text, output_console
from solver.core.errors import printable
from solver.core.numbers import parse_number


def _least_squares_json(fit: LeastSquaresFit) -> dict[str, Any]:
    return {
        "providers": list(fit.providers),
        "weights": dict(zip(fit.providers, fit.weights)),
        "intercept": fit.intercept,
        "rmse": fit.rmse,
        "transfer_factor": fit.transfer_factor,
    }


def _exact_json(fit: SupNormFit) -> dict[str, Any]:
    return {
        "providers": list(fit.providers),
        "weights": {p: str(w) for p, w in zip(fit.providers, fit.weights)},
        "offset": str(fit.offset),
        "error": str(fit.error),
        "transfer_factor": None if fit.transfer_factor is None else str(fit.transfer_factor),
        "certified": fit.certified,
    }


def fit_report(table: UtilityTable) -> dict[str, Any]:
    """Fit every group by all providers: NNLS, the two baselines and the exact sup-norm fit.

    Parameters
    ----------
    table : UtilityTable
        The data with its stakes.

    Returns
    -------
    dict
        ``{"groups": {GROUP: {"floating_point_estimates": {"nnls", "best_single", "uniform"},
        "exact": {"sup_norm": ...}}}}``; exact numbers are strings ``"p/q"``.
    """
    model = alignment_model(table)
    groups = {}
    for group in table.groups:
        groups[group] = {
            "floating_point_estimates": {
                "nnls": _least_squares_json(fit_nonnegative(table, group)),
                "best_single": _least_squares_json(fit_best_single(table, group)),
                "uniform": _least_squares_json(fit_uniform(table, group)),
            },
            "exact": {"sup_norm": _exact_json(fit_sup_norm(model, group))},
        }
    return {
        "rows": len(table.rows),
        "providers": list(table.providers),
        "groups": groups,
        "comments": list(table.comments),
    }


def _print_report(console: Console, report: dict[str, Any]) -> None:
    for comment in report["comments"]:
        console.print(f"# {comment}")
    table = Table(
        title=(
            f"fits by all {len(report['providers'])} providers over {report['rows']} rows "
            "(RMSE and NNLS factors: floating-point estimates; ε* and its factor: exact, SPEC §7)"
        ),
        title_justify="left",
    )
    for column in ("group", "NNLS RMSE", "best single", "uniform", "ε* (sup norm)", "τ exact", "τ NNLS"):
        table.add_column(column, justify="left" if column == "group" else "right")
    for group, entry in report["groups"].items():
        estimates, exact = entry["floating_point_estimates"], entry["exact"]["sup_norm"]
        single = estimates["best_single"]
        factor = exact["transfer_factor"]
        table.add_row(
            group,
            f"{estimates['nnls']['rmse']:.4g}",
            f"{single['rmse']:.4g} ({single['providers'][0]})",
            f"{estimates['uniform']['rmse']:.4g}",
            f"≈{float(Fraction(exact['error'])):.4g}",
            "inf" if factor is None else f"≈{float(Fraction(factor)):.4g}",
            f"{estimates['nnls']['transfer_factor']:.4g}",
        )
    console.print(table)


@click.command("fit")
@click.argument("table_file", metavar="TABLE.csv", type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "--stakes",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="CSV provider,group,weight of stakes λ (default: every stake 1).",
)
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Run the sweeps and write points.csv, curves.csv, fit.json and PNG plots here.",
)
@click.option(
    "--seeds", type=click.IntRange(min=1), default=4, show_default=True, help="Random markets per K."
)
@click.option(
    "--max-subsets", type=click.IntRange(min=1), default=12, show_default=True, help="Sets T per size."
)
@click.option(
    "--delta",
    default="1/2",
    show_default=True,
    help="δ of C1, in table units: the sweeps also find the weights of least 2ε + δ Σ w/λ (0: skip).",
)
@click.option(
    "--exact/--no-exact", default=True, show_default=True, help="Exact sup-norm fits in the sweeps."
)
@reading_limit_options()
@click.option("--json", "as_json", is_flag=True, help="Print JSON (exact numbers as strings).")
def fit_command(
    table_file: Path,
    stakes: Path | None,
    out: Path | None,
    seeds: int,
    max_subsets: int,
    delta: str,
    exact: bool,
    as_json: bool,
) -> None:
    """Fit every group of TABLE.csv by the providers' utilities (SPEC.md §10).

    The table's header is item,action then provider:LABEL and group:LABEL columns. Reports the
    NNLS fit with a free intercept, the best single provider and the uniform average (RMSE,
    floating-point estimates), the exact sup-norm fit of SPEC §7 and transfer factors. With
    --out, sweeps over the number of providers and over subsets T, with plots and CSVs; with
    δ > 0 each point also gets C1's least loss 2ε + δ Σ w/λ and the transfer factor attaining it.
    The files of --out are written all together once the sweeps are done: interrupted (Ctrl-C),
    the command writes none of them and exits 130.
    """
    if out is not None:
        _check_out(out, [table_file, *([] if stakes is None else [stakes])])
    table = read_table(table_file, stakes)
    delta_value = parse_number(delta, "--delta")
    if delta_value < 0:
        raise click.BadParameter("δ must be non-negative", param_hint="--delta")
    bound_delta = delta_value if delta_value > 0 and exact else None
    report = fit_report(table)
    console = output_console()
    if not as_json:
        _print_report(console, report)
    if out is not None:
        written: list[Path] = []
        try:
            _sweep(table, report, out, seeds, max_subsets, exact, bound_delta, written)
        except KeyboardInterrupt:
            # Either every file was written (Ctrl-C came as they were moved into place) or none.
            if written:
                report["written"] = [str(p) for p in written]
            if as_json:
                click.echo(json_text(report, FIT_SCHEMA))
            else:
                for path in written:
                    console.print(f"wrote {path}", soft_wrap=True)
            what = "every file was written" if written else "the sweeps did not finish; nothing was written"
            click.echo(f"INTERRUPTED: {what} to {out}", err=True)
            raise
        report["written"] = [str(p) for p in written]
    if as_json:
        click.echo(json_text(report, FIT_SCHEMA))
        return
    for path in report.get("written", []):
        console.print(f"wrote {path}", soft_wrap=True)


OUTPUT_FILES = (
    "points.csv",
    "curves.csv",
    "fit.json",
    "error_vs_providers.png",
    "transfer_vs_providers.png",
    "error_vs_subset_size.png",
    "transfer_vs_subset_size.png",
)
"""The files ``fit --out`` writes (fixed names: no label of the table becomes a file name)."""


def _check_out(out: Path, inputs: list[Path]) -> None:
    """Refuse an output folder in which a file written would replace an input file."""
    if out.exists() and not out.is_dir():
        raise FolderError(f"--out {printable(str(out))} is not a folder")
    sources = {path.resolve() for path in inputs}
    clobbered = [name for name in OUTPUT_FILES if (out / name).resolve() in sources]
    if clobbered:
        raise FolderError(
            f"--out {printable(str(out))} would overwrite the input {names(clobbered)}; choose another "
            "folder, or move the input"
        )


def _sweep(
    table: UtilityTable,
    report: dict[str, Any],
    out: Path,
    seeds: int,
    max_subsets: int,
    exact: bool,
    delta: Fraction | None,
    written: list[Path],
) -> None:
    """Run the sweeps and write their files into ``out``, all of them or none.

    Every file is first written into a hidden temporary folder inside ``out``; only when all are
    written are they moved into place, with Ctrl-C held back meanwhile, so an interrupted fit
    leaves neither a partial file nor a mix of new and old files (earlier results stay as
    they were). The files moved into place are appended to ``written``.
    """
    market = sweep_providers(table, seeds=tuple(range(seeds)), exact=exact, delta=delta)
    subsets = sweep_subsets(table, max_subsets=max_subsets, exact=exact, delta=delta)
    curves = provider_curves(market) + subset_curves(subsets)
    out.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".fit-", dir=out))
    try:
        (staging / "points.csv").write_text(points_to_csv(market + subsets), encoding="utf-8")
        (staging / "curves.csv").write_text(curves_to_csv(curves), encoding="utf-8")
        (staging / "fit.json").write_text(
            json.dumps(report, indent=2, ensure_ascii=False) + "\n", encoding="utf-8"
        )
        plots = plot_curves(provider_curves(market), subset_curves(subsets), staging)
        names = ["points.csv", "curves.csv", "fit.json", *(p.name for p in plots)]
        with defer_interrupts():
            for name in names:
                os.replace(staging / name, out / name)
                written.append(out / name)
    finally:
        shutil.rmtree(staging, ignore_errors=True)


@click.command("synthesize")
@click.argument("out", type=click.Path(file_okay=False, path_type=Path))
@click.option("--seed", type=int, default=0, show_default=True)
@click.option("--items", type=click.IntRange(min=1), default=40, show_default=True)
@click.option("--answers", type=click.IntRange(min=2), default=4, show_default=True)
@click.option("--directions", type=click.IntRange(min=1), default=3, show_default=True)
@click.option("--providers", type=click.IntRange(min=1), default=10, show_default=True)
@click.option("--groups", type=click.IntRange(min=1), default=5, show_default=True)
@click.option("--rule", type=click.Choice(SCORING_RULES), default="log", show_default=True)
@click.option("--noise", type=click.FloatRange(min=0), default=0.5, show_default=True)
@click.option("--bias", type=click.FloatRange(min=0), default=0.3, show_default=True)
@click.option("--calibration", type=click.FloatRange(min=1), default=2.0, show_default=True)
@click.option("--concentration", type=click.FloatRange(min=0, min_open=True), default=0.5, show_default=True)
def synthesize_command(
    out: Path,
    seed: int,
    items: int,
    answers: int,
    directions: int,
    providers: int,
    groups: int,
    rule: str,
    noise: float,
    bias: float,
    calibration: float,
    concentration: float,
) -> None:
    """Write a SYNTHETIC utility table (OUT/table.csv) and its stakes (OUT/stakes.csv).

    Generated data, not measurements: providers are noisy, biased, miscalibrated variants of a
    few latent preference directions, groups mix the latent beliefs, and utilities are a
    scoring rule (log, brier, spherical) of each belief over categorical answers.
    """
    settings = SyntheticSettings(
        items=items,
        answers=answers,
        directions=directions,
        providers=providers,
        groups=groups,
        rule=rule,
        noise=noise,
        bias=bias,
        calibration=calibration,
        concentration=concentration,
        seed=seed,
    )
    table = generate_table(settings)
    out.mkdir(parents=True, exist_ok=True)
    (out / "table.csv").write_text(table_to_csv(table), encoding="utf-8")
    (out / "stakes.csv").write_text(stakes_to_csv(table), encoding="utf-8")
    click.echo(f"wrote synthetic data: {out / 'table.csv'} and {out / 'stakes.csv'}")

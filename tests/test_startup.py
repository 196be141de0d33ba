"""Commands start without the heavy packages they do not use: scipy, matplotlib and numpy (fitting),
dask and distributed (``--cluster``), pulp (the MIPs) and the process pool (``batch``); each is
imported where it is used."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

_PROBE = """
import sys
from pluralis.cli import cli
try:
    cli.main(args=sys.argv[1:], standalone_mode=False)
except SystemExit:
    pass
heavy = [m for m in ("scipy", "matplotlib", "dask", "distributed") if m in sys.modules]
print("HEAVY:" + ",".join(heavy))
light = [m for m in ("pulp", "concurrent.futures.process", "pluralis.fit") if m in sys.modules]
print("UNUSED:" + ",".join(light))
"""


@pytest.mark.parametrize(
    "arguments",
    [["--help"], ["inspect", str(ROOT / "instances" / "prosecutor_judge.yaml")], ["batch", "--help"]],
    ids=["help", "inspect", "batch-help"],
)
def test_command_does_not_import_heavy_packages(arguments: list[str]) -> None:
    run = subprocess.run(
        [sys.executable, "-c", _PROBE, *arguments], capture_output=True, text=True, check=False, cwd=ROOT
    )
    line = next(line for line in run.stdout.splitlines() if line.startswith("HEAVY:"))
    assert line == "HEAVY:", run.stdout + run.stderr


def test_check_imports_neither_the_mip_solver_nor_the_pool_nor_fitting() -> None:
    # The default claim check solves LPs (HiGHS) but no MIP, runs in one process and fits nothing.
    run = subprocess.run(
        [sys.executable, "-c", _PROBE, "check", str(ROOT / "instances" / "two_providers_two_users.yaml")],
        capture_output=True,
        text=True,
        check=False,
        cwd=ROOT,
    )
    assert "HEAVY:\n" in run.stdout and "UNUSED:\n" in run.stdout, run.stdout + run.stderr
    assert "C1" in run.stdout


@pytest.mark.parametrize(
    ("module", "seen"), [("scipy.optimize", "scipy"), ("distributed", "dask,distributed")]
)
def test_the_probe_sees_a_heavy_import(module: str, seen: str) -> None:
    # A control: the same probe after a heavy import reports it, so the test above can fail.
    run = subprocess.run(
        [sys.executable, "-c", f"import {module}\n" + _PROBE, "--help"],
        capture_output=True,
        text=True,
        check=False,
        cwd=ROOT,
    )
    assert f"HEAVY:{seen}" in run.stdout


def test_the_probe_sees_an_unused_import() -> None:
    run = subprocess.run(
        [sys.executable, "-c", "import pulp\n" + _PROBE, "--version"],
        capture_output=True,
        text=True,
        check=False,
        cwd=ROOT,
    )
    assert "UNUSED:pulp" in run.stdout

"""Commands start without the heavy packages they do not use: scipy, matplotlib and numpy (fitting),
dask and distributed (``--cluster``), pulp (the MIPs), highspy (the LP solver), sympy (parametric
values) and the process pool (``batch``); each is imported where it is used."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import click
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
every = ("numpy", "scipy", "matplotlib", "pulp", "highspy", "dask", "distributed", "sympy")
print("IMPORTED:" + ",".join(m for m in every if m in sys.modules))
lazy = ("pluralis.batch", "pluralis.claims", "pluralis.fit", "pluralis.generate", "pluralis.search")
print("COMMANDS:" + ",".join(m for m in lazy if m in sys.modules))
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


def _probe(arguments: list[str], before: str = "") -> dict[str, list[str]]:
    """Run a command in a fresh interpreter; what it imported, by line of the probe."""
    run = subprocess.run(
        [sys.executable, "-c", before + _PROBE, *arguments],
        capture_output=True,
        text=True,
        check=False,
        cwd=ROOT,
    )
    found = {}
    for line in run.stdout.splitlines():
        key, _, value = line.partition(":")
        if key in ("HEAVY", "IMPORTED", "UNUSED", "COMMANDS"):
            found[key] = [m for m in value.split(",") if m]
    assert "IMPORTED" in found, run.stdout + run.stderr
    return found


def test_help_imports_no_heavy_package_and_no_command_module() -> None:
    # ``pluralis --help`` lists every command from its help text alone: neither numpy (``fit``)
    # nor any module of a command defined apart is imported for it.
    found = _probe(["--help"])
    assert found["IMPORTED"] == []
    assert found["COMMANDS"] == []


@pytest.mark.parametrize(
    "arguments",
    [
        ["check", str(ROOT / "instances" / "two_providers_two_users.yaml")],
        ["inspect", str(ROOT / "instances" / "two_providers_two_users.yaml")],
    ],
    ids=["check", "inspect"],
)
def test_check_and_inspect_import_only_the_lp_solver(arguments: list[str]) -> None:
    # Their alignment LPs are solved by HiGHS (SPEC.md §9), which brings numpy; nothing else heavy.
    found = _probe(arguments)
    assert set(found["IMPORTED"]) <= {"highspy", "numpy"}, found


def test_small_solve_imports_no_heavy_package() -> None:
    # The enumeration of a small game needs no LP and no MIP; the personalized game no array
    # package either, the anonymous one only numpy (its exact int64 scan, solver.equilibria.scan).
    file = str(ROOT / "instances" / "two_providers_two_users.yaml")
    assert _probe(["solve", file, "--mode", "personalized"])["IMPORTED"] == []
    assert set(_probe(["solve", file, "--mode", "anonymous"])["IMPORTED"]) <= {"numpy"}


@pytest.mark.parametrize("module", ["numpy", "sympy", "pulp"])
def test_the_probe_sees_every_heavy_package(module: str) -> None:
    # A control: after the import, the probe lists it, so the tests above can fail.
    found = _probe(["--help"], before=f"import {module}\n")
    assert module in found["IMPORTED"]


def test_listed_help_is_each_lazy_command_s_own() -> None:
    # ``--help`` shows LAZY_HELP in place of each lazy command's help: the two must agree, and
    # every lazy command must have an entry (else listing it would import its module).
    import importlib

    from pluralis.cli import LAZY_COMMANDS, LAZY_HELP

    assert set(LAZY_HELP) == set(LAZY_COMMANDS)
    for name, (module, attribute) in LAZY_COMMANDS.items():
        command = getattr(importlib.import_module(module), attribute)
        stand_in = click.Command(name, help=LAZY_HELP[name])
        for limit in (30, 45, 80, 200):
            assert stand_in.get_short_help_str(limit) == command.get_short_help_str(limit), name

"""Commands start without the heavy packages they do not use: scipy and matplotlib (fitting), dask and
distributed (``--cluster``); each is imported where it is used."""

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

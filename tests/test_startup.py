"""Commands that need no fitting start without scipy or matplotlib (they are imported where used)."""

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
heavy = [m for m in ("scipy", "matplotlib") if m in sys.modules]
print("HEAVY:" + ",".join(heavy))
"""


@pytest.mark.parametrize(
    "arguments",
    [["--help"], ["inspect", str(ROOT / "instances" / "prosecutor_judge.yaml")]],
    ids=["help", "inspect"],
)
def test_command_does_not_import_scipy_or_matplotlib(arguments: list[str]) -> None:
    run = subprocess.run(
        [sys.executable, "-c", _PROBE, *arguments], capture_output=True, text=True, check=False, cwd=ROOT
    )
    line = next(line for line in run.stdout.splitlines() if line.startswith("HEAVY:"))
    assert line == "HEAVY:", run.stdout + run.stderr


def test_the_probe_sees_a_heavy_import() -> None:
    # A control: the same probe after an import of scipy reports it, so the test above can fail.
    run = subprocess.run(
        [sys.executable, "-c", "import scipy.optimize\n" + _PROBE, "--help"],
        capture_output=True,
        text=True,
        check=False,
        cwd=ROOT,
    )
    assert "HEAVY:scipy" in run.stdout

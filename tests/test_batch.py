"""``pluralis batch``: parallel, resumable after a kill, and equal to running instances one by one."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from instances.generators import Sizes, generate_library
from pluralis.batch import MANIFEST, SUMMARY_JSON, BatchOptions, run_batch, summarize_result
from pluralis.cli import cli
from pluralis.library import instance_files

TINY = Sizes(providers=1, users=1)


def _one_by_one(directory: Path, command: list[str], do: str) -> list[dict[str, Any]]:
    """The summary rows obtained by running the command line on each file alone."""
    runner = CliRunner()
    rows = []
    for path in instance_files(directory):
        result = runner.invoke(cli, [*command, str(path), "--json"])
        assert result.exit_code == 0, result.output
        data = json.loads(result.output)
        row = {"file": path.relative_to(directory).as_posix(), "status": "ok"}
        rows.append({**row, "summary": summarize_result(do, data)})
    return rows


def _without_hashes(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [{k: v for k, v in row.items() if k != "instance_hash"} for row in rows]


def _result_files(out: Path) -> dict[Path, int]:
    return {p: p.stat().st_mtime_ns for p in out.glob("*.json") if p.name not in (SUMMARY_JSON, MANIFEST)}


def test_batch_of_200_resumes_after_a_kill_and_matches_single_runs(tmp_path: Path) -> None:
    library = tmp_path / "library"
    generate_library("uniform", 200, 5, library, TINY)
    out = tmp_path / "results"
    command = [sys.executable, "-m", "pluralis", "batch", str(library), "--do", "inspect", "--out", str(out)]
    process = subprocess.Popen(
        [*command, "--jobs", "1"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    deadline = time.monotonic() + 120
    try:
        while len(_result_files(out)) < 20 if out.exists() else True:
            assert process.poll() is None, "the batch finished before it could be interrupted"
            assert time.monotonic() < deadline
            time.sleep(0.02)
    finally:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()
    time.sleep(0.2)
    finished = _result_files(out)
    assert 20 <= len(finished) < 200
    assert not (out / SUMMARY_JSON).exists()

    resumed = subprocess.run([*command, "--jobs", "2"], capture_output=True, text=True, check=False)
    assert resumed.returncode == 0, resumed.stderr
    assert f"{200 - len(finished)} computed, {len(finished)} taken from earlier results" in resumed.stdout
    after = _result_files(out)
    assert len(after) == 200
    assert all(after[path] == mtime for path, mtime in finished.items())

    summary = json.loads((out / SUMMARY_JSON).read_text(encoding="utf-8"))
    assert summary["options"] == {"do": "inspect"}
    assert len(summary["rows"]) == 200
    assert _without_hashes(summary["rows"]) == _one_by_one(library, ["inspect"], "inspect")


def test_solve_batch_matches_single_runs_and_resumes_only_on_equal_options(tmp_path: Path) -> None:
    library = tmp_path / "lib"
    generate_library("opposed", 4, 1, library)
    generate_library("persuader", 3, 1, library / "persuader", Sizes(users=1))
    out = tmp_path / "out"
    options = BatchOptions("solve", mode="personalized")
    report = run_batch(library, out, options, jobs=2)
    assert (report.computed, report.skipped, report.failed) == (7, 0, 0)
    rows = list(report.rows)
    assert _without_hashes(rows) == _one_by_one(library, ["solve", "--mode", "personalized"], "solve")
    assert [r["file"] for r in rows][-3:] == [
        f"persuader/persuader-s1-{k:04d}.json"[:-5] + ".yaml" for k in range(3)
    ]

    again = run_batch(library, out, options, jobs=2)
    assert (again.computed, again.skipped) == (0, 7)
    assert again.rows == report.rows

    # Other options recompute (into the same folder only when asked to replace its results); an
    # edited instance recomputes; the same content in another spelling does not.
    anonymous = run_batch(library, tmp_path / "anon", BatchOptions("solve"), jobs=1)
    assert anonymous.computed == 7
    changed = run_batch(
        library, out, BatchOptions("solve", mode="personalized", delta="1/10"), jobs=1, replace=True
    )
    assert changed.computed == 7 and len(changed.removed) == 7 + 3
    target = library / "opposed-s1-0000.yaml"
    target.write_text(
        target.read_text(encoding="utf-8").replace("opposed #0", "renamed #0"), encoding="utf-8"
    )
    respelled = library / "opposed-s1-0001.yaml"
    respelled.write_text(
        "# a comment changes the bytes, not the instance\n" + respelled.read_text(encoding="utf-8")
    )
    third = run_batch(library, out, BatchOptions("solve", mode="personalized", delta="1/10"), jobs=1)
    assert (third.computed, third.skipped) == (1, 6)


def test_invalid_instances_are_reported_not_fatal(tmp_path: Path) -> None:
    library = tmp_path / "lib"
    generate_library("uniform", 2, 0, library, TINY)
    (library / "broken.yaml").write_text("states: [y]\n", encoding="utf-8")
    result = CliRunner().invoke(cli, ["batch", str(library), "--do", "inspect", "--out", str(tmp_path / "o")])
    assert result.exit_code == 1
    summary = json.loads((tmp_path / "o" / SUMMARY_JSON).read_text(encoding="utf-8"))["rows"]
    assert [r["status"] for r in summary] == ["error", "ok", "ok"]
    assert "required field" in summary[0]["error"]


@pytest.mark.skipif(
    __import__("importlib").util.find_spec("proofs.check") is not None, reason="proofs.check is installed"
)
def test_check_without_a_checker_is_a_clear_error(tmp_path: Path) -> None:
    generate_library("uniform", 1, 0, tmp_path / "lib", TINY)
    result = CliRunner().invoke(cli, ["batch", str(tmp_path / "lib"), "--do", "check"])
    assert result.exit_code == 2
    assert "proofs.check" in result.output


def test_a_partial_result_is_computed_again_never_taken_as_done(tmp_path: Path) -> None:
    library = tmp_path / "lib"
    generate_library("uniform", 2, 0, library, TINY)
    out = tmp_path / "out"
    options = BatchOptions("solve")
    first = run_batch(library, out, options, jobs=1)
    assert (first.computed, first.skipped, first.failed) == (2, 0, 0)
    # What an interrupted worker used to write: a partial enumeration marked "ok".
    path = sorted(out.glob("uniform-*.json"))[0]
    record = json.loads(path.read_text(encoding="utf-8"))
    record["result"]["complete"] = False
    path.write_text(json.dumps(record), encoding="utf-8")
    again = run_batch(library, out, options, jobs=1)
    assert (again.computed, again.skipped) == (1, 1)
    assert again.rows == first.rows
    assert json.loads(path.read_text(encoding="utf-8"))["result"]["complete"] is True


def test_an_incomplete_result_is_recorded_as_such(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import pluralis.batch as batch

    library = tmp_path / "lib"
    generate_library("uniform", 1, 0, library, TINY)
    instance = instance_files(library)[0]
    options = BatchOptions("solve")
    partial = {"complete": False, "notes": ["INCOMPLETE: stopped"], "count": 0, "exact": False}
    monkeypatch.setattr(batch, "compute", lambda instance, options: {**partial, "worst": {}, "best": {}})
    target = tmp_path / "out" / "one.json"
    record = batch.run_one(batch._Task(str(instance), instance.name, str(target), options))
    assert record["status"] == "incomplete"
    assert record["error"] == "the search stopped before it finished: INCOMPLETE: stopped"
    assert batch._finished(target, instance, options) is None

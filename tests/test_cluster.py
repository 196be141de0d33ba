"""``--cluster``: batch and search on a real Dask LocalCluster write the files of a local run.

A LocalCluster of two worker processes is started once for the module; the tests connect to it by
its address (the way a real cluster is reached), and one test starts its own with ``--cluster
local:2``. Results are compared byte for byte with the local process pool's, timing fields aside,
also after a worker is killed in the middle of a run and after the client is interrupted with
Ctrl-C and run again.
"""

from __future__ import annotations

import json
import logging
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from fractions import Fraction
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from instances.generators import Sizes, generate_library
from pluralis.batch import MANIFEST, SUMMARY_JSON, BatchOptions, GeneratedLibrary, parse_generate, run_batch
from pluralis.cli import cli
from pluralis.cluster import ClusterError, ClusterSpec, Session, TaskFailure, parse_cluster

TINY = Sizes(providers=1, users=1)
GENERATED = "uniform:7:12:providers=1,users=1"
"""Twelve tiny instances: a check takes a fraction of a second each."""
HANG = 120.0
"""Seconds after which a condition that never comes fails the test (a hang, not a timing)."""


@pytest.fixture(scope="module")
def scheduler() -> Iterator[Any]:
    """A LocalCluster of two worker processes, and a client of it (for the workers' process ids)."""
    from distributed import Client, LocalCluster

    cluster = LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=":0", silence_logs=logging.ERROR
    )
    client = Client(cluster)
    yield client
    client.close()
    cluster.close()


def _address(client: Any) -> ClusterSpec:
    return parse_cluster(client.scheduler.address)


@pytest.fixture(scope="module")
def reference(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The generated library checked by the local process pool (the single-machine run)."""
    out = tmp_path_factory.mktemp("reference") / "out"
    run_batch(parse_generate(GENERATED), out, BatchOptions("check"), jobs=2)
    return out


def _files(directory: Path) -> dict[str, str]:
    """Every file under a folder (hidden ones too), by relative path, timing lines removed."""
    return {
        p.relative_to(directory).as_posix(): "\n".join(
            line for line in p.read_text(encoding="utf-8").splitlines() if '"seconds":' not in line
        )
        for p in sorted(directory.rglob("*"))
        if p.is_file()
    }


def _results(out: Path) -> list[Path]:
    return sorted(out.glob("*.yaml.json")) if out.exists() else []


def _until(condition: Any, process: subprocess.Popen[bytes] | None = None) -> bool:
    """Poll until a condition holds (True), or the process has exited first (False)."""
    limit = time.monotonic() + HANG
    while not condition():
        if process is not None and process.poll() is not None:
            return bool(condition())
        assert time.monotonic() < limit, "the condition never came"
        time.sleep(0.01)
    return True


# -- batch ---------------------------------------------------------------------------------------------


def test_a_folder_on_a_local_cluster_gives_the_files_of_the_local_pool(
    tmp_path: Path, reference: Path
) -> None:
    library = tmp_path / "library"
    generate_library("uniform", 4, 7, library, TINY)
    (library / "broken.yaml").write_text("schema_version: 1\ntitle: x\nstates: [a]\n", encoding="utf-8")
    (library / "latin1.yaml").write_bytes(b"title: caf\xe9\n")
    local = tmp_path / "local"
    run_batch(library, local, BatchOptions("check"), jobs=2)
    out = tmp_path / "cluster"
    result = CliRunner().invoke(
        cli, ["batch", str(library), "--do", "check", "--out", str(out), "--cluster", "local:2"]
    )
    assert result.exit_code == 1, result.output  # the two broken files are errors, as in the pool
    assert _files(out) == _files(local)
    rows = json.loads((out / SUMMARY_JSON).read_text(encoding="utf-8"))["rows"]
    assert [r["status"] for r in rows] == ["error", "error", "ok", "ok", "ok", "ok"]
    # The folder's files hold the instances that --generate makes: their results are the same.
    expected = _files(reference)
    assert all(text == expected[name] for name, text in _files(out).items() if name.startswith("uniform"))


def test_a_generated_library_on_the_cluster_gives_the_single_machine_files(
    tmp_path: Path, scheduler: Any, reference: Path
) -> None:
    out = tmp_path / "out"
    report = run_batch(parse_generate(GENERATED), out, BatchOptions("check"), cluster=_address(scheduler))
    assert (report.computed, report.skipped, report.failed) == (12, 0, 0)
    assert _files(out) == _files(reference)
    assert json.loads((out / MANIFEST).read_text(encoding="utf-8"))["generate"]["family"] == "uniform"
    # Resuming, even with a larger count, computes only the new instances.
    again = run_batch(parse_generate("uniform:7:13:providers=1,users=1"), out, BatchOptions("check"))
    assert (again.computed, again.skipped) == (1, 12)


def test_a_worker_killed_mid_run_changes_nothing(tmp_path: Path, scheduler: Any, reference: Path) -> None:
    out = tmp_path / "out"
    victim = sorted(scheduler.run(os.getpid).values())[0]
    finished_at_kill: list[int] = []

    def kill() -> None:
        _until(lambda: len(_results(out)) >= 1)
        os.kill(victim, signal.SIGKILL)
        finished_at_kill.append(len(_results(out)))  # counted after the kill: the run was not over

    killer = threading.Thread(target=kill, daemon=True)
    killer.start()
    run_batch(parse_generate(GENERATED), out, BatchOptions("check"), cluster=_address(scheduler))
    killer.join(timeout=HANG)
    assert finished_at_kill and finished_at_kill[0] < 12, "the worker should die while instances remain"
    assert _files(out) == _files(reference)

    def replaced() -> bool:
        try:
            pids = scheduler.run(os.getpid)
        except Exception:  # the scheduler may not have forgotten the dead worker yet
            return False
        return len(pids) == 2 and victim not in pids.values()

    _until(replaced)  # the nanny has started a new worker, for the next tests too


def _group_alive(group: int) -> list[int]:
    """The live processes (not zombies) of a process group."""
    alive = []
    for entry in os.listdir("/proc"):
        try:
            text = Path(f"/proc/{entry}/stat").read_text(encoding="utf-8") if entry.isdigit() else ""
        except OSError:
            continue
        fields = text[text.rindex(")") + 2 :].split() if text else []
        if fields and int(fields[2]) == group and fields[0] != "Z":
            alive.append(int(entry))
    return alive


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads process groups from /proc")
def test_an_interrupted_client_keeps_its_results_and_a_rerun_ends_the_same(
    tmp_path: Path, scheduler: Any, reference: Path
) -> None:
    out = tmp_path / "out"
    command = [sys.executable, "-m", "pluralis", "batch", "--generate", GENERATED, "--do", "check"]
    command += ["--out", str(out), "--cluster", "local:2"]
    errors = tmp_path / "stderr"
    with errors.open("wb") as stderr:
        process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=stderr, start_new_session=True)
    try:
        reached = _until(lambda: len(_results(out)) >= 2, process)
        os.killpg(process.pid, signal.SIGINT)  # Ctrl-C as a terminal sends it: the workers too
        code = process.wait(timeout=HANG)
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
    log = errors.read_text(encoding="utf-8")
    assert reached and code == 130, log
    assert "INTERRUPTED" in log and "Traceback" not in log
    _until(lambda: not _group_alive(process.pid))  # the local cluster is gone with its client
    kept = _files(out)
    expected = _files(reference)
    assert SUMMARY_JSON not in kept and 2 <= len(kept) - 1 < 12
    assert {name: expected.get(name) for name in kept if name != MANIFEST} == {
        name: text for name, text in kept.items() if name != MANIFEST
    }
    report = run_batch(parse_generate(GENERATED), out, BatchOptions("check"), cluster=_address(scheduler))
    assert report.skipped == len(kept) - 1
    assert _files(out) == expected


# -- search --------------------------------------------------------------------------------------------


def _search(arguments: list[str], out: Path, *more: str) -> None:
    result = CliRunner().invoke(cli, ["search", *arguments, "--out", str(out), *more])
    assert result.exit_code == 0, result.output


def test_search_for_c2_on_the_cluster_finds_the_local_witness_and_resumes(
    tmp_path: Path, scheduler: Any
) -> None:
    arguments = ["--claim", "C2", "--method", "random", "--seed", "0"]
    local = tmp_path / "local"
    _search([*arguments, "--budget", "50"], local)
    assert "C2-divided-s0-0012.yaml" in _files(local)
    out = tmp_path / "cluster"
    address = scheduler.scheduler.address
    # A first run stops at index 6, before the witness; the second goes on from there in blocks of 4.
    _search([*arguments, "--budget", "6"], out, "--cluster", address, "--block", "4")
    assert json.loads((out / "search-state.json").read_text(encoding="utf-8"))["runs"]
    _search([*arguments, "--budget", "50"], out, "--cluster", address, "--block", "4")
    assert _files(out) == _files(local)


def test_hypothesis_rounds_on_the_cluster_find_what_they_find_here(tmp_path: Path, scheduler: Any) -> None:
    # Rounds run side by side on the cluster, each from the seed of its number, and are kept in order.
    arguments = ["--claim", "C5a", "--method", "hypothesis", "--budget", "12", "--max-found", "2"]
    local = tmp_path / "local"
    _search(arguments, local)
    assert {"C5a-hypothesis-s0-r00.yaml", "C5a-hypothesis-s0-r01.yaml"} <= set(_files(local))
    out = tmp_path / "cluster"
    _search(arguments, out, "--cluster", scheduler.scheduler.address)
    assert _files(out) == _files(local)


# -- the cluster module ----------------------------------------------------------------------------------


def _odd_fails(number: int) -> int:
    if number % 2:
        raise ArithmeticError(f"{number} is odd")
    return number * 10


def test_a_task_that_raises_comes_back_as_a_failure_and_the_others_go_on(scheduler: Any) -> None:
    session: Session[int, int] = Session(scheduler, _address(scheduler), print, in_flight=2)
    outcomes = dict(session.run(_odd_fails, range(6)))
    assert {k: v for k, v in outcomes.items() if not isinstance(v, TaskFailure)} == {0: 0, 2: 20, 4: 40}
    failure = outcomes[3]
    assert isinstance(failure, TaskFailure) and failure.error == "ArithmeticError: 3 is odd"
    assert "_odd_fails" in failure.traceback


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("local", ClusterSpec()),
        ("local:3", ClusterSpec(workers=3)),
        ("tcp://10.0.0.5:8786", ClusterSpec(address="tcp://10.0.0.5:8786")),
        ("tcp://[::1]:8786", ClusterSpec(address="tcp://[::1]:8786")),
    ],
)
def test_cluster_values_are_read(text: str, expected: ClusterSpec) -> None:
    assert parse_cluster(text) == expected


@pytest.mark.parametrize("text", ["local:0", "locale", "tcp://host", "tcp://host:99999", "10.0.0.5:8786"])
def test_a_malformed_cluster_is_one_line_with_exit_2(tmp_path: Path, text: str) -> None:
    with pytest.raises(ClusterError):
        parse_cluster(text)
    result = CliRunner().invoke(cli, ["batch", "--generate", GENERATED, "--do", "inspect", "--cluster", text])
    assert result.exit_code == 2
    assert result.output.startswith("error: --cluster ") and result.output.count("\n") == 1, result.output


def test_an_unreachable_scheduler_is_one_line_with_exit_2(tmp_path: Path) -> None:
    import dask

    arguments = ["batch", "--generate", GENERATED, "--do", "inspect", "--out", str(tmp_path / "out")]
    with dask.config.set({"distributed.comm.timeouts.connect": "1s"}):
        result = CliRunner().invoke(cli, [*arguments, "--cluster", "tcp://127.0.0.1:9"])
    assert result.exit_code == 2
    assert result.output.count("\n") == 1, result.output
    assert "no Dask scheduler answers there" in result.output and "dask scheduler" in result.output
    assert not _results(tmp_path / "out")


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("uniform:7", "expected FAMILY:SEED:COUNT"),
        ("nonesuch:7:3", "unknown family"),
        ("uniform:x:3", "SEED must be an integer"),
        ("uniform:7:3:colours=2", "expected SIZE=N"),
        ("divided:7:3:signals=3", "cannot honour signals"),
    ],
)
def test_a_malformed_generate_is_one_line_with_exit_2(text: str, problem: str) -> None:
    result = CliRunner().invoke(cli, ["batch", "--generate", text, "--do", "inspect"])
    assert result.exit_code == 2
    assert result.output.startswith("error: --generate ") and problem in result.output, result.output
    assert result.output.count("\n") == 1


def test_generate_names_what_pluralis_generate_writes() -> None:
    library = parse_generate("near-aligned:3:2:providers=3,worlds-per-state=1,epsilon=1/5")
    assert library == GeneratedLibrary(
        "near-aligned", 3, 2, Sizes(providers=3, worlds_per_state=1, epsilon=Fraction(1, 5))
    )
    assert library.file_name(1) == "near-aligned-s3-0001.yaml"

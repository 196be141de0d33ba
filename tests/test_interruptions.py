"""Ctrl-C: every command exits 130, keeps only what it finished, and a rerun ends as if never interrupted.

Each command runs as a subprocess in its own process group and gets SIGINT the way a terminal
sends it (to the whole group) or the way ``kill -INT`` does (to the command alone), at moments
chosen by polling for a condition (a file written, a progress bar on a pseudo-terminal, the
CPU time of a worker) rather than by sleeping, so that the moments are the same on a slow
machine. Results are compared byte for byte with an uninterrupted run, except timing fields.
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
import os
import re
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from fitting.estimation import stakes_to_csv, table_to_csv
from fitting.synthetic import SyntheticSettings, generate_table
from pluralis.batch import MANIFEST, SUMMARY_CSV, SUMMARY_JSON, BatchOptions, run_batch
from pluralis.cli import cli

LINUX = sys.platform.startswith("linux") and Path("/proc/self/stat").exists()
needs_proc = pytest.mark.skipif(not LINUX, reason="reads process states from /proc")

POLL = 0.02
HANG = 120.0
"""Seconds after which a condition that never comes fails the test (a hang, not a timing)."""

HUNCH = """\
schema_version: 1
title: {title}
states: [lo, hi]
providers:
  oracle: {{signals: [s_lo, s_hi]}}
users:
  forecaster:
    actions: [act_lo, act_hi]
    features: [hunch_lo, hunch_hi]
    utility:
      act_lo: {{lo: 1, hi: 0}}
      act_hi: {{lo: 0, hi: 1}}
    feature_kernel:
      w_lo: {{hunch_lo: "3/4", hunch_hi: "1/4"}}
      w_hi: {{hunch_lo: "1/4", hunch_hi: "3/4"}}
worlds:
  w_lo: {{prob: "1/2", state: lo, signals: {{oracle: s_lo}}}}
  w_hi: {{prob: "1/2", state: hi, signals: {{oracle: s_hi}}}}
stakes:
  oracle:
    forecaster:
      weight: 1
      utility:
        act_lo: {{lo: 0, hi: 0}}
        act_hi: {{lo: 1, hi: 1}}
protocol:
  turns: [U, P]
  provider_messages: [{messages}]
  user_messages: [say_lo, say_hi]
"""
"""A forecaster reports a hunch, then an oracle answers (instances/report_signal_features.yaml).

With two answers and ``grid:4`` its class has 625 rules (a fraction of a second); with three
answers and ``grid:3``, 10,000 (several seconds)."""

TWO_BY_TWO = """\
schema_version: 1
title: Two providers, two users
states: [y1, y2]
providers:
  P1: {signals: [s1, s2]}
  P2: {signals: [s1, s2]}
users:
  U1:
    actions: [a1, a2]
    utility:
      a1: {y1: 1/4, y2: 1/2}
      a2: {y1: 3/4, y2: 1/4}
  U2:
    actions: [a1, a2]
    utility:
      a1: {y1: 1/2, y2: 1}
      a2: {y1: 1/2, y2: 0}
worlds:
  w1: {prob: 1/3, state: y1, signals: {P1: s2, P2: s2}}
  w3: {prob: 1/3, state: y2, signals: {P1: s2, P2: s1}}
  w4: {prob: 1/3, state: y2, signals: {P1: s1, P2: s1}}
stakes:
  P1:
    U1:
      weight: 1
      utility:
        a1: {y1: 3/8, y2: 9/16}
        a2: {y1: 7/8, y2: 3/8}
    U2:
      weight: 1
      utility:
        a1: {y1: 0, y2: 5/8}
        a2: {y1: 5/16, y2: 0}
  P2:
    U1:
      weight: 1
      utility:
        a1: {y1: 1/8, y2: 7/16}
        a2: {y1: 9/16, y2: 7/16}
    U2:
      weight: 1
      utility:
        a1: {y1: 7/16, y2: 1/4}
        a2: {y1: 7/16, y2: 1/16}
protocol:
  turns: [P]
  provider_messages: [m1, m2]
  user_messages: []
"""
"""Twelve deterministic equilibria of the anonymous game, each certified in full in a fraction of a
second (instances/regressions/negative_regret.yaml without its provenance)."""


def _hunch(path: Path, title: str, messages: str = '"yes", "no"') -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(HUNCH.format(title=title, messages=messages), encoding="utf-8")
    return path


# -- running a command and interrupting it -------------------------------------------------------------


@dataclass
class _Run:
    """A ``pluralis`` command running in its own process group."""

    process: subprocess.Popen[bytes]
    stdout: Path
    stderr: Path
    terminal: list[bytes] = field(default_factory=list)
    """What the command wrote on its pseudo-terminal (standard error), when it has one."""

    @property
    def screen(self) -> str:
        return b"".join(self.terminal).decode("utf-8", "replace")

    def output(self) -> str:
        return self.stdout.read_text(encoding="utf-8")

    def errors(self) -> str:
        return self.stderr.read_text(encoding="utf-8") if self.stderr.exists() else self.screen


def _start(arguments: list[str], logs: Path, terminal: bool = False) -> _Run:
    """Start ``python -m pluralis ARGUMENTS``; with ``terminal`` its standard error is a pseudo-terminal."""
    logs.mkdir(parents=True, exist_ok=True)
    count = len(list(logs.glob("*.out")))
    stdout, stderr = logs / f"{count}.out", logs / f"{count}.err"
    environment = {**os.environ, "COLUMNS": "200", "TERM": "xterm"}
    command = [sys.executable, "-m", "pluralis", *arguments]
    with stdout.open("wb") as out:
        if not terminal:
            with stderr.open("wb") as err:
                process = subprocess.Popen(
                    command, stdout=out, stderr=err, env=environment, start_new_session=True
                )
            return _Run(process, stdout, stderr)
        leader, follower = os.openpty()
        process = subprocess.Popen(
            command, stdout=out, stderr=follower, env=environment, start_new_session=True
        )
        os.close(follower)
    run = _Run(process, stdout, logs / f"{count}.none")

    def read() -> None:
        while True:
            try:
                chunk = os.read(leader, 65536)
            except OSError:  # the command has exited
                break
            if not chunk:
                break
            run.terminal.append(chunk)
        os.close(leader)

    threading.Thread(target=read, daemon=True).start()
    return run


def _until(run: _Run, condition: Callable[[], bool]) -> bool:
    """Poll until ``condition`` holds (True) or the command has exited first (False)."""
    limit = time.monotonic() + HANG
    while not condition():
        if run.process.poll() is not None:
            return condition()
        assert time.monotonic() < limit, "the command neither reached the moment nor exited"
        time.sleep(POLL)
    return True


def _interrupt(run: _Run, how: str = "terminal") -> None:
    """Ctrl-C as a terminal sends it (the whole group), as ``kill -INT`` does (the command), or twice."""
    if how == "kill":
        os.kill(run.process.pid, signal.SIGINT)
        return
    os.killpg(run.process.pid, signal.SIGINT)
    if how == "twice":
        time.sleep(POLL)
        with contextlib.suppress(ProcessLookupError):  # already gone
            os.killpg(run.process.pid, signal.SIGINT)


def _finish(run: _Run) -> int:
    """Wait for the command; then for every process of its group (the workers) to be gone."""
    code = run.process.wait(timeout=HANG)
    if LINUX:
        limit = time.monotonic() + HANG
        while _group(run.process.pid):
            assert time.monotonic() < limit, f"processes left running: {_group(run.process.pid)}"
            time.sleep(POLL)
    return code


def _stat(pid: str) -> list[str] | None:
    try:
        text = Path(f"/proc/{pid}/stat").read_text(encoding="utf-8")
    except OSError:
        return None
    return text[text.rindex(")") + 2 :].split()


def _group(group: int) -> list[int]:
    """The live processes (not zombies) of a process group."""
    live = []
    for entry in os.listdir("/proc"):
        fields = _stat(entry) if entry.isdigit() else None
        if fields is not None and int(fields[2]) == group and fields[0] != "Z":
            live.append(int(entry))
    return live


def _busiest_worker_seconds(run: _Run) -> float:
    """The most CPU time used by a process of the command's group other than the command itself."""
    ticks = os.sysconf("SC_CLK_TCK")
    most = 0.0
    for pid in _group(run.process.pid):
        fields = _stat(str(pid)) if pid != run.process.pid else None
        if fields is not None:
            most = max(most, (int(fields[11]) + int(fields[12])) / ticks)
    return most


def _plain(screen: str) -> str:
    """A terminal's text without its escape sequences."""
    return re.sub(r"\x1b\[[0-9;?]*[A-Za-z]", "", screen)


def _without_timing(text: str) -> str:
    return "\n".join(line for line in text.splitlines() if '"seconds":' not in line)


def _files(directory: Path) -> dict[str, str]:
    """Every file under a folder (hidden ones too), by relative path, timing lines removed."""
    return {
        p.relative_to(directory).as_posix(): _without_timing(p.read_text(encoding="utf-8"))
        for p in sorted(directory.rglob("*"))
        if p.is_file()
    }


# -- batch ---------------------------------------------------------------------------------------------


def _result_files(out: Path) -> set[str]:
    if not out.exists():
        return set()
    return {p.name for p in out.glob("*.json") if p.name not in (SUMMARY_JSON, MANIFEST)}


@needs_proc
def test_batch_interrupted_at_several_moments_resumes_to_the_uninterrupted_results(tmp_path: Path) -> None:
    library = tmp_path / "library"
    instances = 6
    for k in range(instances):
        _hunch(library / f"hunch-{k}.yaml", f"Report your hunch {k}")
    reference = tmp_path / "reference"
    run_batch(library, reference, BatchOptions("solve", class_text="grid:4"), jobs=1)
    expected = _files(reference)
    out = tmp_path / "out"
    command = ["batch", str(library), "--do", "solve", "--class", "grid:4", "--out", str(out), "--jobs", "2"]

    def more(before: set[str]) -> Callable[[], bool]:
        return lambda: len(_result_files(out)) > len(before)

    moments: list[tuple[str, Callable[[set[str]], Callable[[], bool]]]] = [
        ("terminal", lambda before: out.exists),  # the workers are starting
        ("kill", more),  # one instance more finished, the next ones under way
        ("twice", more),
    ]
    interrupted = 0
    for how, moment in moments:
        before = _result_files(out)
        run = _start(command, tmp_path / "logs")
        if not _until(run, moment(before)) or len(_result_files(out)) == instances:
            assert _finish(run) == 0, run.errors()
            break
        _interrupt(run, how)
        assert _finish(run) == 130, run.errors()
        interrupted += 1
        assert "INTERRUPTED" in run.errors() and "Traceback" not in run.errors()
        # Only finished results are recorded, each exactly as an uninterrupted run records it;
        # no summary, no temporary file.
        kept = _files(out)
        assert {name: expected.get(name) for name in kept} == kept
        assert SUMMARY_JSON not in kept and SUMMARY_CSV not in kept
    assert interrupted >= 2

    done = _result_files(out)
    final = _start(command, tmp_path / "logs")
    assert _finish(final) == 0, final.errors()
    assert f"{instances - len(done)} computed, {len(done)} taken from earlier results" in final.output()
    assert _files(out) == expected


@needs_proc
@pytest.mark.parametrize("how", ["twice", "kill"])
def test_batch_workers_stop_at_the_first_interrupt(tmp_path: Path, how: str) -> None:
    library = tmp_path / "library"
    for k in range(2):
        _hunch(library / f"slow-{k}.yaml", f"Slow hunch {k}", '"yes", "no", "maybe"')
    out = tmp_path / "out"
    run = _start(
        ["batch", str(library), "--do", "solve", "--class", "grid:3", "--out", str(out), "--jobs", "2"],
        tmp_path / "logs",
    )
    # A worker that has used this much CPU is past its imports and inside the enumeration.
    assert _until(run, lambda: _busiest_worker_seconds(run) > 1.2)
    _interrupt(run, how)
    assert _finish(run) == 130, run.errors()
    assert "Traceback" not in run.errors()
    assert "INTERRUPTED: 0 of 2 instances finished" in run.errors()
    # Nothing but the record of the options the folder is for.
    assert sorted(p.name for p in out.iterdir()) == [MANIFEST]


# -- search --------------------------------------------------------------------------------------------


def test_search_interrupted_at_several_moments_resumes_to_the_same_files(tmp_path: Path) -> None:
    arguments = ["search", "--claim", "C5a", "--method", "random", "--family", "persuader"]
    arguments += ["--budget", "24", "--max-found", "6"]
    reference = tmp_path / "reference"
    result = CliRunner().invoke(cli, [*arguments, "--out", str(reference)])
    assert result.exit_code == 0, result.output
    expected = _files(reference)
    hits = [name for name in expected if name.endswith(".verdict.json")]
    assert len(hits) >= 2, "the search should keep a few instances for this test to mean something"

    out = tmp_path / "out"
    state = out / "search-state.json"

    def examined() -> int:
        try:
            runs = json.loads(state.read_text(encoding="utf-8"))["runs"]
        except (OSError, ValueError):
            return 0
        return sum(int(entry["state"]["next_index"]) for entry in runs.values())

    def kept() -> int:
        return len(list(out.glob("*.yaml")))

    moments: list[Callable[[], Callable[[], bool]]] = [
        lambda: state.exists,  # after the first instance
        lambda: (lambda start: lambda: kept() > start)(kept()),  # a hit written, its shrinking under way
        lambda: (lambda start: lambda: examined() >= start + 2)(examined()),
    ]
    interrupted = 0
    for moment in moments:
        condition = moment()
        run = _start([*arguments, "--out", str(out)], tmp_path / "logs")
        if not _until(run, condition):
            assert _finish(run) == 0, run.errors()
            break
        _interrupt(run)
        code = _finish(run)
        if code == 0:  # the last moment may come as the search ends
            break
        assert code == 130, run.errors()
        assert "INTERRUPTED" in run.output() and "Traceback" not in run.errors()
        interrupted += 1
    assert interrupted >= 2
    final = _start([*arguments, "--out", str(out)], tmp_path / "logs")
    assert _finish(final) == 0, final.errors()
    assert _files(out) == expected


def test_a_search_stops_when_an_engine_catches_the_interrupt(tmp_path: Path) -> None:
    from proofs.claim import CheckOptions
    from proofs.search import TARGETS, SearchRequest, run_search

    target = TARGETS["C5a"]
    calls: list[int] = []

    def check_caught_interrupt(instance: Any, options: CheckOptions) -> Any:
        # What the enumeration does on Ctrl-C: it catches the interrupt and returns a partial result.
        calls.append(1)
        if len(calls) == 12:
            with contextlib.suppress(KeyboardInterrupt):
                signal.raise_signal(signal.SIGINT)
        return target.check(instance, options)

    def request(check: Any) -> SearchRequest:
        chosen = dataclasses.replace(target, check=check)
        return SearchRequest(chosen, "random", "persuader", target.sizes, 0, 6, CheckOptions(), max_found=6)

    reference = run_search(request(target.check), tmp_path / "reference")
    with pytest.raises(KeyboardInterrupt):
        run_search(request(check_caught_interrupt), tmp_path / "out")
    saved = json.loads((tmp_path / "out" / "search-state.json").read_text(encoding="utf-8"))
    # Stopped at once: the instance under way is not recorded, nor any after it.
    [entry] = saved["runs"].values()
    assert entry["state"]["next_index"] < reference.next_index
    resumed = run_search(request(target.check), tmp_path / "out")
    assert dataclasses.replace(resumed, seconds=0) == dataclasses.replace(reference, seconds=0)
    assert _files(tmp_path / "out") == _files(tmp_path / "reference")


SEARCHES = {
    "random": ["search", "--claim", "C5a", "--method", "random", "--family", "persuader", "--budget", "24"],
    "hypothesis": ["search", "--claim", "C5a", "--method", "hypothesis", "--budget", "20"],
}
"""Two quick searches: the random one keeps six witnesses, each written, shrunk and written again;
the hypothesis one keeps one, shrunk by hypothesis, then writes it."""


@pytest.fixture(scope="module")
def search_references(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict[str, str]]:
    """The files of each search of :data:`SEARCHES` run uninterrupted (timing lines removed)."""
    references = {}
    for method, arguments in SEARCHES.items():
        out = tmp_path_factory.mktemp("search") / method
        result = CliRunner().invoke(cli, [*arguments, "--max-found", "6", "--out", str(out)])
        assert result.exit_code == 0, result.output
        references[method] = _files(out)
    assert len([n for n in references["random"] if n.endswith(".verdict.json")]) == 6
    assert any("shrunk_from" in text for text in references["random"].values())
    return references


class _Phases:
    """Ctrl-C, a real SIGINT through the command's own handlers, at the k-th step of one phase.

    The phases of a search: ``examining`` (the checker run on an instance of the family, or a
    hypothesis example), ``shrinking`` (the checker run on a smaller candidate of a hit: the greedy
    shrinker's, or hypothesis's once an example hit), ``writing`` (one of a kept instance's files
    written: certificate, instance, verdict; the signal comes once the file is in place) and
    ``saving`` (the state file about to be saved after an instance).
    """

    def __init__(self, monkeypatch: pytest.MonkeyPatch, phase: str, step: int) -> None:
        import proofs.search as search

        self.phase, self.step = phase, step
        self.now = "examining"
        self.steps = {"examining": 0, "shrinking": 0, "writing": 0, "saving": 0}
        evaluate, shrink, write = search._evaluate, search.shrink_instance, search._write_atomically
        witness, round_ = search.write_witness, search._hypothesis_round

        def count(phase: str) -> None:
            self.steps[phase] += 1
            if phase == self.phase and self.steps[phase] == self.step:
                signal.raise_signal(signal.SIGINT)

        def evaluating(target: Any, instance: Any, options: Any) -> Any:
            count(self.now)
            result = evaluate(target, instance, options)
            if self.now == "examining" and result is not None and target.hit(result):
                self.now = "shrinking"  # hypothesis shrinks a hit it was given
            return result

        def shrinking(*arguments: Any, **options: Any) -> Any:
            self.now = "shrinking"
            try:
                return shrink(*arguments, **options)
            finally:
                self.now = "examining"

        def writing_witness(*arguments: Any, **options: Any) -> Any:
            before, self.now = self.now, "writing"
            try:
                return witness(*arguments, **options)
            finally:
                self.now = before

        def writing(path: Path, text: str) -> None:
            if self.now == "writing":
                write(path, text)
                count("writing")
                return
            if path.name == search.STATE_FILE:
                count("saving")
            write(path, text)

        def hypothesis_round(*arguments: Any, **options: Any) -> Any:
            self.now = "examining"
            try:
                return round_(*arguments, **options)
            finally:
                self.now = "examining"

        monkeypatch.setattr(search, "_evaluate", evaluating)
        monkeypatch.setattr(search, "shrink_instance", shrinking)
        monkeypatch.setattr(search, "write_witness", writing_witness)
        monkeypatch.setattr(search, "_write_atomically", writing)
        monkeypatch.setattr(search, "_hypothesis_round", hypothesis_round)


@pytest.mark.parametrize(
    ("method", "phase", "step"),
    [
        ("random", "examining", 1),
        ("random", "examining", 10),
        ("random", "shrinking", 1),
        ("random", "shrinking", 6),
        ("random", "writing", 1),  # the certificate of the hit as found
        ("random", "writing", 3),  # the hit as found written whole, its shrinking not begun
        ("random", "writing", 5),  # the shrunk instance written beside the first verdict
        ("random", "saving", 3),
        ("hypothesis", "examining", 3),
        ("hypothesis", "shrinking", 2),
        ("hypothesis", "writing", 2),
    ],
)
def test_search_interrupted_in_each_phase_resumes_to_the_uninterrupted_files(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    search_references: dict[str, dict[str, str]],
    method: str,
    phase: str,
    step: int,
) -> None:
    command = [*SEARCHES[method], "--max-found", "6", "--out", str(tmp_path / "out")]
    with monkeypatch.context() as patched:
        phases = _Phases(patched, phase, step)
        interrupted = CliRunner().invoke(cli, command)
    assert phases.steps[phase] >= step, f"the search never reached {phase} {step}: {phases.steps}"
    assert interrupted.exit_code == 130, interrupted.output
    assert "INTERRUPTED" in interrupted.stdout and "Traceback" not in interrupted.output
    resumed = CliRunner().invoke(cli, command)
    assert resumed.exit_code == 0, resumed.output
    assert _files(tmp_path / "out") == search_references[method]


# -- solve ---------------------------------------------------------------------------------------------


FullReference = tuple[Path, dict[str, str], dict[str, Any]]


@pytest.fixture(scope="module")
def full_reference(tmp_path_factory: pytest.TempPathFactory) -> FullReference:
    """The uninterrupted ``solve --class full`` of TWO_BY_TWO: instance, certificates and JSON."""
    directory = tmp_path_factory.mktemp("full")
    instance = directory / "two_by_two.yaml"
    instance.write_text(TWO_BY_TWO, encoding="utf-8")
    certificates = directory / "certificates"
    result = CliRunner().invoke(
        cli, ["solve", str(instance), "--class", "full", "--json", "--certificates", str(certificates)]
    )
    assert result.exit_code == 0, result.output
    document = json.loads(result.output)
    assert document["status"] == "certified exact" and document["finite_count"] == 12
    return instance, _files(certificates), document


def _certified(screen: str) -> int:
    """How many equilibria the certification bar has counted on the terminal (-1 before it shows)."""
    counts = re.findall(r"certifying in full\D*?(\d+)/12", _plain(screen))
    return int(counts[-1]) if counts else -1


@needs_proc
@pytest.mark.parametrize("checked", [0, 3])
def test_solve_full_interrupted_says_what_is_certified(
    tmp_path: Path, full_reference: FullReference, checked: int
) -> None:
    instance, certificates, document = full_reference
    folder = tmp_path / "certificates"
    command = ["solve", str(instance), "--class", "full", "--certificates", str(folder)]
    run = _start(command, tmp_path / "logs", terminal=True)
    assert _until(run, lambda: _certified(run.screen) >= checked), run.screen
    _interrupt(run)
    assert _finish(run) == 130, run.output()
    text = run.output()
    status = re.search(r"INTERRUPTED: (\d+) of the 12 equilibria of deterministic checked \(([^)]*)\)", text)
    if status is None:
        assert checked == 0
        assert "INTERRUPTED: none of the 12 equilibria of deterministic was checked in full" in text
        done = 0
    else:
        done = int(status.group(1))
        assert checked <= done < 12
        assert status.group(2) == "certified exact"
        assert f"the other {12 - done} are not certified" in text
        assert f"(over the {done} equilibria checked only)" in text
    assert "MIP candidates" not in text
    # The certificates written are whole, each the uninterrupted run's; a rerun writes the rest.
    written = _files(folder) if folder.exists() else {}
    assert {name: certificates.get(name) for name in written} == written
    finished = document["equilibria"][:done]
    assert len(written) == sum(1 for e in finished if e["certified"] and e["survives_in_full"])
    rerun = CliRunner().invoke(cli, [*command, "--json"])
    assert rerun.exit_code == 0
    assert json.loads(rerun.output)["equilibria"] == document["equilibria"]
    assert _files(folder) == certificates


def test_solve_full_json_interrupted_during_certification(
    full_reference: FullReference, monkeypatch: pytest.MonkeyPatch
) -> None:
    import solver.certificates.certification as certification

    instance, _, document = full_reference
    original = certification.certify_equilibrium
    calls = []

    def certify_then_interrupt(*arguments: Any, **options: Any) -> Any:
        calls.append(1)
        if len(calls) == 5:
            signal.raise_signal(signal.SIGINT)  # Ctrl-C as the fifth equilibrium is checked
        return original(*arguments, **options)

    monkeypatch.setattr(certification, "certify_equilibrium", certify_then_interrupt)
    result = CliRunner().invoke(cli, ["solve", str(instance), "--class", "full", "--json"])
    assert result.exit_code == 130
    interrupted = json.loads(result.output[: result.output.rindex("}") + 1])
    assert interrupted["complete"] is False and interrupted["exact"] is False
    assert interrupted["checked"] == 4
    assert interrupted["equilibria"] == document["equilibria"][:4]
    assert interrupted["status"] == (
        "INTERRUPTED: 4 of the 12 equilibria of deterministic checked (certified exact); "
        "the other 8 are not certified"
    )


@needs_proc
def test_solve_over_a_grid_interrupted_prints_a_partial_list_and_exits_130(tmp_path: Path) -> None:
    instance = tmp_path / "two_by_two.yaml"
    instance.write_text(TWO_BY_TWO, encoding="utf-8")
    # 961 rules per provider, 923,521 profiles: the scan reports after each of its 15 blocks of 2^16
    # profiles, so Ctrl-C after the first report usually lands inside the scan.
    run = _start(["solve", str(instance), "--class", "grid:30"], tmp_path / "logs", terminal=True)
    assert _until(run, lambda: re.search(r"anonymous game\D*[1-9]\d*/\d+", _plain(run.screen)) is not None)
    _interrupt(run)
    assert _finish(run) == 130, run.output()
    text = run.output()
    if "INTERRUPTED before the search returned a result" in _plain(run.screen):
        # Ctrl-C came between the scan's last block and its result: nothing finished, nothing shown
        # (the message is on standard error).
        assert text == ""
    elif "INTERRUPTED while listing the equilibria" in text:
        # The scan finished before Ctrl-C: its count and extremes are complete and said so; only the
        # listing stopped.
        assert "INTERRUPTED: a partial list" not in text
        assert re.search(r"\(exact\): \d+ equilibrium profile", _plain(text)), text
        assert "worst equilibrium utility" in text and "before the search stopped" not in text
    else:
        assert "INTERRUPTED: a partial list" in text
        assert (
            "(over the equilibria found before the search stopped only)" in text
            or "no equilibrium found before the search stopped" in text
        )


# -- fit -----------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def fit_reference(tmp_path_factory: pytest.TempPathFactory) -> tuple[list[str], Path, dict[str, bytes]]:
    directory = tmp_path_factory.mktemp("fit")
    table = generate_table(SyntheticSettings(items=16, providers=6, groups=3, seed=0))
    (directory / "table.csv").write_text(table_to_csv(table), encoding="utf-8")
    (directory / "stakes.csv").write_text(stakes_to_csv(table), encoding="utf-8")
    arguments = ["fit", str(directory / "table.csv"), "--stakes", str(directory / "stakes.csv")]
    arguments += ["--seeds", "3", "--max-subsets", "6"]
    out = directory / "reference"
    result = CliRunner().invoke(cli, [*arguments, "--out", str(out)])
    assert result.exit_code == 0, result.output
    return arguments, out, {p.name: p.read_bytes() for p in out.iterdir()}


def _bytes(directory: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in directory.iterdir()} if directory.exists() else {}


@pytest.mark.parametrize("pause", [0.0, 0.3])
def test_fit_interrupted_writes_nothing_and_a_rerun_writes_everything(
    tmp_path: Path, fit_reference: tuple[list[str], Path, dict[str, bytes]], pause: float
) -> None:
    arguments, _, expected = fit_reference
    out = tmp_path / "out"
    run = _start([*arguments, "--out", str(out)], tmp_path / "logs")
    # The fits by all providers are printed first; the sweeps and the files come after.
    assert _until(run, lambda: "fits by all" in run.output())
    time.sleep(pause)
    _interrupt(run)
    code = _finish(run)
    if pause == 0.0:
        assert code == 130, run.errors()
    assert code in (0, 130), run.errors()
    if code == 130:
        assert "INTERRUPTED" in run.errors() and "Traceback" not in run.errors(), run.errors()
    # All of the files or none of them (Ctrl-C may come while they are moved into place).
    assert _bytes(out) in ({}, expected)
    rerun = CliRunner().invoke(cli, [*arguments, "--out", str(out)])
    assert rerun.exit_code == 0, rerun.output
    assert _bytes(out) == expected


@pytest.mark.parametrize("claim_id", ["C1", "C2", "C5"])
def test_a_claim_never_gives_a_verdict_over_a_partial_enumeration(
    claim_id: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The enumeration returns what it found at Ctrl-C (complete=False); a verdict over that list
    # could be wrong, so the checker passes the interruption on instead.
    import solver.analysis
    from proofs.check import claims
    from proofs.claim import CheckOptions
    from solver.core.serialization import load
    from solver.equilibria.enumeration import solve_equilibria

    def stopped(*arguments: Any, **keywords: Any) -> Any:
        return dataclasses.replace(solve_equilibria(*arguments, **keywords), complete=False)

    # Every claim reaches the enumeration through the instance's analysis.
    monkeypatch.setattr(solver.analysis, "solve_equilibria", stopped)
    instance = load(Path(__file__).resolve().parent.parent / "instances" / "two_providers_two_users.yaml")
    with pytest.raises(KeyboardInterrupt):
        claims()[claim_id].check(solver.analysis.Analysis(instance), CheckOptions())


_STRAGGLER = """
import sys, threading
import click
from pluralis import cli

def interrupted() -> None:
    if sys.argv[1] == "straggler":
        # A thread that never ends, like a process pool's reader left waiting for a message that a
        # stopped worker never finished sending.
        threading.Thread(target=threading.Event().wait).start()
    raise KeyboardInterrupt

cli.cli.add_command(click.Command("interrupted", callback=interrupted))
cli.main(["interrupted"])
"""


@pytest.mark.parametrize("case", ["straggler", "alone"])
def test_an_interrupted_command_exits_130_even_with_a_thread_left_waiting(case: str) -> None:
    run = subprocess.run(
        [sys.executable, "-c", _STRAGGLER, case], capture_output=True, text=True, timeout=60, check=False
    )
    assert run.returncode == 130, run.stderr
    assert "interrupted" in run.stderr and "Traceback" not in run.stderr

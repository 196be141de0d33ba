"""Time ``pluralis check FILE`` (every claim) and ``pluralis --help`` against an earlier commit.

Two checkouts run side by side in one sitting: this one, and a git worktree of an earlier commit
(``--before REF``) made under the system's temporary folder. Each command runs as a whole process,
the two checkouts in turn (A B A B …, after one warm-up each), so a drift of the machine's speed
falls on both; the figure is the CPU time (user + system) of the child process, and the ratio
before/after is taken pair by pair and its median quoted. The checkouts share this virtual
environment: the earlier one is put first on ``PYTHONPATH``, and each run checks where ``pluralis``
was imported from.

Each file's claims are also timed inside one process (``--in-process``): the CPU time of
``proofs.check.check_claims`` alone, after the imports (the LP solver's included, which one
checkout imports at start-up and the other on first use), which is what the claims layer costs
without the interpreter's start-up.

The outputs are compared as well: the text ``check`` prints for every file must be the same in
both checkouts (every verdict and number unchanged), or the row says ``differs``.

``--breakdown FILE`` splits one ``pluralis check FILE`` process of this checkout into its phases
(CPU seconds, medians over the runs): the interpreter's start-up before the first line, the
import of the command line, the import of ``check`` with the claims and the engine, the LP
solver's import (HiGHS, with numpy, which the first LP brings), reading the file, the analysis
(every memoized computation of :class:`solver.analysis.Analysis`), the claims' own work, the
output, and what is left to the process (option parsing, the interpreter's exit).

Python compiles every module it imports, unless a compiled copy is cached: with
``--bytecode-cache`` every process writes and reads its compiled modules under the temporary
folder (``PYTHONPYCACHEPREFIX``), as an installed program does; without it the environment
decides (``PYTHONDONTWRITEBYTECODE=1`` compiles every module in every run).

Run by hand, never by pytest::

    python benchmarks/bench_check.py --before b512620
    python benchmarks/bench_check.py --before b512620 --runs 5 instances/prosecutor_judge.yaml
    python benchmarks/bench_check.py --breakdown instances/two_providers_two_users.yaml --runs 7
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

PROBE = (
    "import sys, pluralis, pathlib; "
    "sys.stderr.write('pluralis from ' + str(pathlib.Path(pluralis.__file__).parent.parent) + '\\n'); "
    "from pluralis.cli import main; sys.argv = ['pluralis', *sys.argv[1:]]; main()"
)
"""Run the command line of whichever checkout is first on the path, saying which one it is."""

IN_PROCESS = """
import sys, time, pluralis, pathlib
sys.stderr.write('pluralis from ' + str(pathlib.Path(pluralis.__file__).parent.parent) + '\\n')
try:
    from solver.core.serialization import load
except ImportError:
    from solver.serialization import load
from proofs.check import check_claims
import flint, highspy  # imported on first use by one checkout and at start-up by the other
instance = load(sys.argv[1])
start = time.process_time()
check_claims(instance)
print(time.process_time() - start)
"""
"""Time the claims layer alone on one file: the CPU seconds of ``check_claims`` after the imports."""

BREAKDOWN = """
import time
started = time.process_time()
import sys
file = sys.argv[1]
marks = [("interpreter start-up", started)]
import click, rich.console, rich.table, yaml
marks.append(("import click, rich and yaml", time.process_time()))
import proofs.check
marks.append(("import the claims and the engine (proofs, solver)", time.process_time()))
import pluralis.cli
import gc
gc.freeze()  # as the console script does once the command line is imported
marks.append(("import the command line (pluralis.cli)", time.process_time()))
command = pluralis.cli.cli.get_command(None, "check")
marks.append(("import the check command (pluralis.claims)", time.process_time()))
import highspy
marks.append(("import the LP solver (highspy, numpy)", time.process_time()))
from solver.core.serialization import load
instance = load(file)
marks.append(("read the file", time.process_time()))
from solver.analysis import Analysis
inside = [0, 0.0]
def timed(method):
    def wrapper(*args, **kwargs):
        inside[0] += 1
        start = time.process_time()
        try:
            return method(*args, **kwargs)
        finally:
            inside[0] -= 1
            if inside[0] == 0:
                inside[1] += time.process_time() - start
    return wrapper
for name in [n for n in vars(Analysis) if not n.startswith("_") and callable(vars(Analysis)[n])]:
    setattr(Analysis, name, timed(vars(Analysis)[name]))
from proofs.check import check_claims
from pluralis.claims import print_results
from pluralis.output import output_console
results = check_claims(instance)
done = time.process_time()
marks.append(("analysis (memoized engine work)", marks[-1][1] + inside[1]))
marks.append(("claims' own work", done))
print_results(output_console(), instance.title or file, results)
marks.append(("output", time.process_time()))
previous = 0.0
for name, at in marks:
    sys.stderr.write(f"PHASE {name}\\t{at - previous}\\n")
    previous = at
"""
"""Split one check into phases: CPU seconds from one mark to the next, written to standard error.

The analysis's mark is placed so that its phase is the time spent inside the analysis's public
methods (outermost calls only) and the claims' phase what the claims spent around them."""


@dataclass(frozen=True)
class Run:
    """One finished process: its CPU seconds, its standard output and the checkout it imported."""

    seconds: float
    output: str
    origin: str


def worktree(ref: str) -> Path:
    """A git worktree of ``ref`` under the temporary folder, made once and reused.

    Parameters
    ----------
    ref : str
        A commit of this repository.

    Returns
    -------
    Path
        The worktree's root.
    """
    commit = subprocess.run(
        ["git", "rev-parse", "--verify", f"{ref}^{{commit}}"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    path = Path(tempfile.gettempdir()) / f"pluralis-{commit[:12]}"
    if not (path / "pluralis" / "cli.py").exists():
        subprocess.run(
            ["git", "worktree", "add", "--detach", str(path), commit],
            cwd=ROOT,
            check=True,
            capture_output=True,
        )
    return path


BYTECODE_CACHE = False
"""Whether child processes cache their compiled modules (set by ``--bytecode-cache``)."""


def environment(tree: Path, **extra: str) -> dict[str, str]:
    """The environment of a child process running one checkout's code.

    Parameters
    ----------
    tree : Path
        The checkout, put first on ``PYTHONPATH``.
    **extra : str
        More variables.

    Returns
    -------
    dict
        The environment; with ``--bytecode-cache``, compiled modules cached per checkout under the
        temporary folder.
    """
    variables = dict(os.environ, PYTHONPATH=str(tree), **extra)
    if BYTECODE_CACHE:
        variables.pop("PYTHONDONTWRITEBYTECODE", None)
        cache = Path(tempfile.gettempdir()) / f"pluralis-pycache-{abs(hash(str(tree))):x}"
        variables["PYTHONPYCACHEPREFIX"] = str(cache)
    return variables


def run(tree: Path, arguments: Sequence[str]) -> Run:
    """Run the command line of one checkout once and measure the CPU time of its process.

    Parameters
    ----------
    tree : Path
        The checkout whose code runs (first on ``PYTHONPATH``; the working directory too).
    arguments : sequence of str
        The arguments after ``pluralis``.

    Returns
    -------
    Run
        CPU seconds (user + system, from the operating system's accounting of the child), the
        standard output, and the folder ``pluralis`` was imported from.
    """
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    completed = subprocess.run(
        [sys.executable, "-c", PROBE, *arguments],
        cwd=tree,
        env=environment(tree, COLUMNS="200"),
        capture_output=True,
        text=True,
        check=False,
    )
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    seconds = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    origin = next(
        (
            line.removeprefix("pluralis from ")
            for line in completed.stderr.splitlines()
            if line.startswith("pluralis from ")
        ),
        "?",
    )
    if completed.returncode not in (0, 1):
        raise SystemExit(
            f"pluralis {' '.join(arguments)} in {tree} exited {completed.returncode}:\n{completed.stderr}"
        )
    return Run(seconds, completed.stdout, origin)


def claims_seconds(tree: Path, file: Path) -> float:
    """The CPU seconds of ``check_claims`` on one file in one checkout, measured inside the process.

    Parameters
    ----------
    tree : Path
        The checkout.
    file : Path
        The instance file.

    Returns
    -------
    float
        Seconds of CPU time of the claims layer alone.
    """
    completed = subprocess.run(
        [sys.executable, "-c", IN_PROCESS, str(file)],
        cwd=tree,
        env=environment(tree),
        capture_output=True,
        text=True,
        check=True,
    )
    if f"pluralis from {tree}" not in completed.stderr:
        raise SystemExit(f"the run meant for {tree} imported another checkout: {completed.stderr}")
    return float(completed.stdout.strip().splitlines()[-1])


def compare(
    before: Path, after: Path, arguments: Sequence[str], runs: int
) -> tuple[float, float, float, bool]:
    """Median CPU seconds before and after, the median of the pairwise ratios, and whether outputs agree.

    Parameters
    ----------
    before, after : Path
        The two checkouts.
    arguments : sequence of str
        The arguments after ``pluralis``.
    runs : int
        Counted runs of each, in turn, after one warm-up of each.

    Returns
    -------
    tuple
        ``(before seconds, after seconds, before/after, same output)``.
    """
    run(before, arguments)
    run(after, arguments)
    old: list[Run] = []
    new: list[Run] = []
    for _ in range(runs):
        old.append(run(before, arguments))
        new.append(run(after, arguments))
    for tree, found in ((before, old), (after, new)):
        if any(Path(r.origin) != tree for r in found):
            raise SystemExit(f"the runs meant for {tree} imported pluralis from {found[0].origin}")
    ratios = [a.seconds / b.seconds for a, b in zip(old, new)]
    same = all(r.output == old[0].output for r in old) and all(r.output == old[0].output for r in new)
    return (
        statistics.median(r.seconds for r in old),
        statistics.median(r.seconds for r in new),
        statistics.median(ratios),
        same,
    )


def bundled_files() -> list[Path]:
    """The instance files at the top of ``instances/`` (the bundled examples), in name order."""
    return sorted((ROOT / "instances").glob("*.yaml"))


def breakdown(file: Path, runs: int) -> None:
    """Print the phases of ``pluralis check FILE`` in this checkout, medians of CPU seconds.

    Parameters
    ----------
    file : Path
        The instance file.
    runs : int
        Counted runs, after one warm-up.
    """
    phases: dict[str, list[float]] = {}
    totals: list[float] = []
    bare: list[float] = []
    for counted in range(runs + 1):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        completed = subprocess.run(
            [sys.executable, "-c", BREAKDOWN, str(file)],
            cwd=ROOT,
            env=environment(ROOT, COLUMNS="200"),
            capture_output=True,
            text=True,
            check=True,
        )
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        start = resource.getrusage(resource.RUSAGE_CHILDREN)
        subprocess.run([sys.executable, "-c", "pass"], env=environment(ROOT), check=True)
        end = resource.getrusage(resource.RUSAGE_CHILDREN)
        if not counted:
            continue
        totals.append((after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime))
        bare.append((end.ru_utime - start.ru_utime) + (end.ru_stime - start.ru_stime))
        for line in completed.stderr.splitlines():
            if line.startswith("PHASE "):
                name, seconds = line.removeprefix("PHASE ").split("\t")
                phases.setdefault(name, []).append(float(seconds))
    cache = "cached" if BYTECODE_CACHE else "as the environment says"
    print(f"pluralis check {file.name}: CPU seconds, medians of {runs} runs (compiled modules {cache})")
    print(f"{'phase':<52} {'seconds':>8} {'share':>6}")
    total = statistics.median(totals)
    listed = 0.0
    for name, values in phases.items():
        seconds = statistics.median(values)
        listed += seconds
        print(f"{name:<52} {seconds:>8.3f} {seconds / total:>6.0%}")
    rest = total - listed
    print(f"{'the rest (exit, and what the phases miss)':<52} {rest:>8.3f} {rest / total:>6.0%}")
    print(f"{'whole process':<52} {total:>8.3f} {1:>6.0%}")
    print(f"{'(python -c pass, for comparison)':<52} {statistics.median(bare):>8.3f}")


def main(argv: Sequence[str] | None = None) -> None:
    """Print a table: per file, CPU seconds before and after, their ratio, and whether outputs agree."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("files", nargs="*", type=Path, help="instance files (default: the bundled examples)")
    parser.add_argument("--before", help="the earlier commit to compare with")
    parser.add_argument("--runs", type=int, default=3, help="counted runs of each checkout (default 3)")
    parser.add_argument("--breakdown", type=Path, help="split one check of this file into phases, and stop")
    parser.add_argument(
        "--bytecode-cache", action="store_true", help="cache compiled modules (as an installed program)"
    )
    options = parser.parse_args(argv)
    global BYTECODE_CACHE
    BYTECODE_CACHE = options.bytecode_cache
    if options.breakdown is not None:
        breakdown(options.breakdown.resolve(), options.runs)
        return
    if options.before is None:
        parser.error("--before is needed unless --breakdown is given")
    before = worktree(options.before)
    after = ROOT
    files = [f.resolve() for f in options.files] or bundled_files()
    print(f"before: {options.before} ({before}); after: {after}; CPU seconds, medians of {options.runs} runs")
    print(f"{'command':<46} {'before s':>9} {'after s':>9} {'before/after':>13}  output")
    rows = [("--help", ["--help"])] + [(f"check {f.name}", ["check", str(f)]) for f in files]
    totals = [0.0, 0.0]
    for name, arguments in rows:
        old, new, ratio, same = compare(before, after, arguments, options.runs)
        if arguments[0] == "check":
            totals[0] += old
            totals[1] += new
        print(f"{name:<46} {old:>9.2f} {new:>9.2f} {ratio:>13.2f}  {'same' if same else 'differs'}")
    label = "check, all files (sum of medians)"
    print(f"{label:<46} {totals[0]:>9.2f} {totals[1]:>9.2f} {totals[0] / totals[1]:>13.2f}")
    print()
    print("the claims layer alone (check_claims inside one process, after the imports)")
    inside = [0.0, 0.0]
    for file in files:
        claims_seconds(before, file)
        claims_seconds(after, file)
        old = statistics.median(claims_seconds(before, file) for _ in range(options.runs))
        new = statistics.median(claims_seconds(after, file) for _ in range(options.runs))
        inside[0] += old
        inside[1] += new
        print(f"{'check_claims ' + file.name:<46} {old:>9.3f} {new:>9.3f} {old / new:>13.2f}")
    label = "check_claims, all files (sum of medians)"
    print(f"{label:<46} {inside[0]:>9.3f} {inside[1]:>9.3f} {inside[0] / inside[1]:>13.2f}")


if __name__ == "__main__":
    main()

"""Throughput of ``pluralis batch --do check`` on the local pool and on Dask, and the cost of a task.

One seeded library (``--generate``, by default ``uniform`` with five messages: a check takes about
half a second) is checked, in one sitting and in turn:

- by the single-machine pool (``--jobs`` every core, the default of ``batch``);
- on a local Dask cluster of 1 worker and of 2 workers (``--cluster local:1``, ``local:2``).

Each run is :func:`pluralis.batch.run_batch` into a fresh folder, timed by the wall clock; the runs
go round ``--repeat`` times (pool, 1, 2, pool, 1, 2, …) so that a drift of the machine falls on
all of them, and the median is quoted. A local cluster's start and close are timed on their own
(an empty session) and taken out for the steady-state figures. From these:

- ``instances/min`` and the ratio to the pool, end to end and in the steady state;
- the overhead per task of the cluster path against the pool: the extra worker-seconds per
  instance, ``(T_cluster − start − T_pool) · workers / instances``, and that as a share of the
  mean time of one check (from the records' own ``seconds``);
- the CPU time of the client process per task (it runs a local cluster's scheduler and nannies
  too, which use some CPU even idle: that rate is measured on an idle session and taken out in
  ``per task``, what the client spends receiving and writing one result);
- the scheduler's own cost per task: empty tasks through :meth:`pluralis.cluster.Session.run` on
  the 2-worker cluster (tasks per second, milliseconds per task), the limit of any cluster whose
  tasks are shorter than workers × that cost.

The per-instance JSON of every run is compared with the pool's (timing aside): ``agree`` must say
``yes``. Run by hand, never by pytest::

    python benchmarks/bench_cluster.py
    python benchmarks/bench_cluster.py --generate uniform:0:96:messages=5 --repeat 3
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from pluralis.batch import BatchOptions, parse_generate, run_batch
from pluralis.cluster import ClusterSpec, connect


def _noop(number: int) -> int:
    return number


def records(out: Path) -> dict[str, str]:
    """Every result record of a folder, by name, without its timing.

    Parameters
    ----------
    out : Path
        A results folder.

    Returns
    -------
    dict
        The text of each ``*.yaml.json``, ``"seconds"`` lines removed.
    """
    return {
        p.name: "\n".join(
            line for line in p.read_text(encoding="utf-8").splitlines() if '"seconds"' not in line
        )
        for p in sorted(out.glob("*.yaml.json"))
    }


def mean_check_seconds(out: Path) -> float:
    """The mean time of one check, from the records' own ``seconds``.

    Parameters
    ----------
    out : Path
        A results folder.

    Returns
    -------
    float
        Seconds.
    """
    seconds = [json.loads(p.read_text(encoding="utf-8"))["seconds"] for p in out.glob("*.yaml.json")]
    return statistics.mean(seconds)


def start_and_close(cluster: ClusterSpec) -> None:
    """Start a cluster and close it at once (what a run pays besides its tasks).

    Parameters
    ----------
    cluster : ClusterSpec
        The cluster.
    """
    with connect(cluster, print):
        pass


def cpu() -> float:
    """CPU seconds (user and system) of this process so far, every thread included.

    Returns
    -------
    float
        Seconds.
    """
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def timed(action: Callable[[], object]) -> float:
    """Wall-clock seconds of one call.

    Parameters
    ----------
    action : callable
        What to time.

    Returns
    -------
    float
        Seconds.
    """
    return clocked(action)[0]


def clocked(action: Callable[[], object]) -> tuple[float, float]:
    """Wall-clock and CPU seconds of this process (the client, and a local scheduler) in one call.

    Parameters
    ----------
    action : callable
        What to time.

    Returns
    -------
    tuple of float
        Wall seconds, CPU seconds.
    """
    start, used = time.perf_counter(), cpu()
    action()
    return time.perf_counter() - start, cpu() - used


def main() -> None:
    """Run the measurements and print the table."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--generate", default="uniform:0:48:messages=5", help="the library (FAMILY:SEED:COUNT[:SIZES])"
    )
    parser.add_argument("--repeat", type=int, default=2, help="rounds of the three runs (median quoted)")
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1, help="processes of the local pool")
    parser.add_argument("--empty", type=int, default=2000, help="empty tasks timed on the 2-worker cluster")
    arguments = parser.parse_args()
    library = parse_generate(arguments.generate)
    options = BatchOptions("check")
    work = Path(tempfile.mkdtemp(prefix="bench-cluster-"))
    setups: dict[str, ClusterSpec | None] = {
        f"pool ({arguments.jobs} processes)": None,
        "local:1": ClusterSpec(workers=1),
        "local:2": ClusterSpec(workers=2),
    }
    walls: dict[str, list[float]] = {name: [] for name in setups}
    clients: dict[str, list[float]] = {name: [] for name in setups}
    agree: dict[str, bool] = {name: True for name in setups}
    reference: dict[str, str] = {}
    check_seconds: list[float] = []
    try:
        for round_number in range(arguments.repeat):
            for name, cluster in setups.items():
                out = work / f"{round_number}-{name.split()[0]}"
                jobs = arguments.jobs if cluster is None else None
                wall, used = clocked(
                    lambda: run_batch(library, out, options, jobs=jobs, cluster=cluster)  # noqa: B023
                )
                walls[name].append(wall)
                clients[name].append(used)
                if cluster is None:
                    check_seconds.append(mean_check_seconds(out))
                texts = records(out)
                reference = reference or texts
                agree[name] = agree[name] and texts == reference
                shutil.rmtree(out)
        starts = {
            name: statistics.median(
                timed(lambda: start_and_close(cluster))  # noqa: B023
                for _ in range(arguments.repeat)
            )
            for name, cluster in setups.items()
            if cluster is not None
        }
        with connect(ClusterSpec(workers=2), print, in_flight=64) as session:
            list(session.run(_noop, range(50)))  # warm: the workers have imported what they need
            empty = timed(lambda: list(session.run(_noop, range(arguments.empty))))
            idle = clocked(lambda: time.sleep(5.0))
    finally:
        shutil.rmtree(work, ignore_errors=True)
    idle_rate = idle[1] / idle[0]
    count = library.count
    check = statistics.median(check_seconds)
    pool_name = next(iter(setups))
    pool = statistics.median(walls[pool_name])
    print(f"{arguments.generate}: {count} instances, check {check:.3f} s each on average (from the records)")
    print()
    print(
        "| run | wall s | start+close s | instances/min | × pool | steady inst/min | steady × pool "
        "| client CPU ms/task | per task | agree |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---|")
    for name in setups:
        wall = statistics.median(walls[name])
        start = starts.get(name, 0.0)
        steady = max(wall - start, 1e-9)
        used = statistics.median(clients[name])
        own = used - (idle_rate * steady if setups[name] is not None else 0.0)
        print(
            f"| {name} | {wall:.1f} | {start:.1f} | {60 * count / wall:.0f} | {pool / wall:.2f} | "
            f"{60 * count / steady:.0f} | {pool / steady:.2f} | "
            f"{1000 * used / count:.1f} | {1000 * own / count:.1f} | "
            f"{'yes' if agree[name] else 'NO'} |"
        )
    workers = 2
    extra = (statistics.median(walls["local:2"]) - starts["local:2"] - pool) * workers / count
    print()
    print(
        f"overhead of local:2 against the pool: {1000 * extra:+.0f} ms per task "
        f"({100 * extra / check:+.1f}% of a {check:.2f} s check)"
    )
    print(f"an idle local:2 session uses {100 * idle_rate:.1f}% of a core in the client process")
    print(
        f"scheduler: {arguments.empty} empty tasks in {empty:.2f} s on local:2, "
        f"{arguments.empty / empty:.0f} tasks/s, {1000 * empty / arguments.empty:.2f} ms per task"
    )


if __name__ == "__main__":
    main()

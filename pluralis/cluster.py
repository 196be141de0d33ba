"""Tasks on a Dask distributed cluster, with back-pressure, yielding results as they complete.

``pluralis batch`` and ``pluralis search`` hand independent tasks to worker processes. With
``--cluster`` the workers are those of a Dask cluster instead of a local process pool:

- ``local`` or ``local:N`` starts a ``LocalCluster`` of N worker processes (default: every core),
  one thread each, inside the command, and closes it at the end;
- ``tcp://HOST:PORT`` connects to a running scheduler (``dask scheduler`` and ``dask worker``, or
  dask-jobqueue on SLURM or PBS) whose workers have the same version of pluralis installed.

A task receives documents, never paths (a cluster has no shared file system), and returns its
result to the client, which writes it: the command's files are the same as with the local pool.
:meth:`Session.run` keeps at most a fixed number of tasks in flight (:attr:`Session.in_flight`),
submitting the next one as each completes, so that a million tasks never become a million futures
at once. A worker that dies has its tasks run again elsewhere by the scheduler; a task that raises
comes back as a :class:`TaskFailure`. Dask is imported only when a cluster is asked for, so that
``pluralis --help`` starts without it.

Ctrl-C is the client's alone: the workers of a local cluster come from a fork server started
with SIGINT ignored, so they ignore it from birth (replacements of a worker that died too), and
the client closes the cluster, which ends them, whatever interrupted it.
"""

from __future__ import annotations

import contextlib
import gc
import importlib
import logging
import multiprocessing
import os
import re
import signal
import sys
import threading
import time
import traceback
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

import click

from pluralis.interrupts import blocked_interrupts, defer_interrupts
from solver.core.errors import PluralisError, printable, shorten

CLUSTER_OPTION = "--cluster"
IN_FLIGHT_OPTION = "--in-flight"
TASKS_PER_THREAD = 4
"""Tasks kept in flight per worker thread by default: enough that no worker waits for the client."""
LEAST_IN_FLIGHT = 16
"""The fewest tasks kept in flight by default (a cluster still starting may report no thread yet)."""
FORKSERVER = "forkserver" in multiprocessing.get_all_start_methods()
"""Whether local workers come from a fork server (POSIX), which lets them ignore Ctrl-C from birth."""
QUIET = {
    "distributed.worker.multiprocessing-method": "forkserver" if FORKSERVER else "spawn",
    "distributed.worker.profile.enabled": False,
    "distributed.admin.tick.interval": "500ms",
    "distributed.admin.system-monitor.interval": "2s",
    "distributed.worker.memory.monitor-interval": "1s",
}
"""Dask settings of a run (the client's process and a local cluster's workers): Dask's monitors
wake every few milliseconds and its profiler samples every running task's stack a hundred times a
second, which costs an idle local worker 2.5% of a core and slows the checks; a tenth as often,
and without the profiler, they cost 0.3%."""
LONG_RUN = 5.0
"""Seconds after which a run on a cluster prints the address of the Dask dashboard."""

_J = TypeVar("_J")
_R = TypeVar("_R")
_F = TypeVar("_F", bound=Callable[..., Any])

_ADDRESS = re.compile(r"tcp://(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9][A-Za-z0-9.-]*):([0-9]{1,5})")
_LOCAL = re.compile(r"local(?::([0-9]+))?")


def _dask_config() -> Any:
    """The ``dask.config`` module, imported on first use."""
    return importlib.import_module("dask.config")


def _distributed() -> Any:
    """The ``distributed`` package, imported on first use (untyped here: its API is not annotated)."""
    return importlib.import_module("distributed")


class ClusterError(PluralisError, ValueError):
    """A cluster cannot be used as asked (a malformed ``--cluster``, an unreachable scheduler, ...)."""


@dataclass(frozen=True)
class ClusterSpec:
    """Where tasks run, as ``--cluster`` names it.

    Attributes
    ----------
    address : str or None
        ``tcp://HOST:PORT`` of a running scheduler; None for a local cluster.
    workers : int or None
        Worker processes of a local cluster (None: one per core).
    """

    address: str | None = None
    workers: int | None = None

    def describe(self) -> str:
        """The cluster as ``--cluster`` spells it.

        Returns
        -------
        str
            ``local``, ``local:N`` or the address.
        """
        if self.address is not None:
            return self.address
        return "local" if self.workers is None else f"local:{self.workers}"


def parse_cluster(text: str) -> ClusterSpec:
    """Read a ``--cluster`` value: ``local``, ``local:N`` or ``tcp://HOST:PORT``.

    Parameters
    ----------
    text : str
        The value.

    Returns
    -------
    ClusterSpec
        The cluster.

    Raises
    ------
    ClusterError
        When the value is none of these, N is not a positive count, or the port lies outside
        1 … 65535.
    """
    spelled = text.strip()
    local = _LOCAL.fullmatch(spelled)
    if local is not None:
        count = local.group(1)
        if count is not None and int(count) < 1:
            raise ClusterError(
                f"{CLUSTER_OPTION} {printable(text)}: a local cluster needs at least one worker"
            )
        return ClusterSpec(workers=None if count is None else int(count))
    address = _ADDRESS.fullmatch(spelled)
    if address is not None:
        if not 1 <= int(address.group(2)) <= 65535:
            raise ClusterError(f"{CLUSTER_OPTION} {printable(text)}: the port must lie in 1 … 65535")
        return ClusterSpec(address=spelled)
    raise ClusterError(
        f"{CLUSTER_OPTION} {shorten(printable(text), 80)}: expected local, local:N (N worker processes on "
        "this machine) or tcp://HOST:PORT (the address of a running Dask scheduler)"
    )


def cluster_option(help_prefix: str = "") -> Callable[[_F], _F]:
    """The ``--cluster`` option (parameter ``cluster``, a :class:`ClusterSpec` or None).

    Parameters
    ----------
    help_prefix : str
        Text put before the help.

    Returns
    -------
    callable
        The click decorator.
    """

    def parse(ctx: click.Context, parameter: click.Parameter, value: str | None) -> ClusterSpec | None:
        return None if value is None else parse_cluster(value)

    return click.option(
        CLUSTER_OPTION,
        "cluster",
        metavar="local[:N]|tcp://HOST:PORT",
        default=None,
        callback=parse,
        help=help_prefix
        + "Run on Dask distributed: a local cluster of N worker processes (default: every core), or "
        "the scheduler at an address (see README, Running on a cluster). Without it, everything runs "
        "on this machine.",
    )


def in_flight_option() -> Callable[[_F], _F]:
    """The ``--in-flight N`` option (parameter ``in_flight``): tasks handed to a cluster at once.

    Returns
    -------
    callable
        The click decorator.
    """
    return click.option(
        IN_FLIGHT_OPTION,
        "in_flight",
        type=click.IntRange(min=1),
        default=None,
        help=f"With {CLUSTER_OPTION}: most tasks submitted at once, the next one as each completes "
        f"(default: {TASKS_PER_THREAD} per worker thread, at least {LEAST_IN_FLIGHT}).",
    )


@dataclass(frozen=True)
class TaskFailure:
    """A task that raised on a worker (or whose workers kept dying), instead of its result.

    Attributes
    ----------
    error : str
        ``Type: message``.
    traceback : str
        Where it was raised, as far as Dask reports it.
    """

    error: str
    traceback: str


def worker_version() -> str:
    """The version of pluralis a worker runs (called on every worker of a scheduler the client joins).

    Returns
    -------
    str
        :data:`pluralis.__version__`.
    """
    from pluralis import __version__

    return __version__


class Session(Generic[_J, _R]):
    """A client connected to a cluster, running tasks with back-pressure.

    Parameters
    ----------
    client : distributed.Client
        The connected client.
    spec : ClusterSpec
        The cluster.
    echo : callable
        Prints a line on standard error (the dashboard's address, in a long run).
    in_flight : int, optional
        Most tasks submitted at once (default: :data:`TASKS_PER_THREAD` per worker thread, at least
        :data:`LEAST_IN_FLIGHT`).
    """

    def __init__(
        self, client: Any, spec: ClusterSpec, echo: Callable[[str], None], in_flight: int | None = None
    ) -> None:
        self.client = client
        self.spec = spec
        self.echo = echo
        threads = sum(client.nthreads().values())
        self.in_flight = in_flight or max(LEAST_IN_FLIGHT, TASKS_PER_THREAD * threads)
        self.started = time.monotonic()
        self.dashboard_shown = False
        self.runs = 0

    def _show_dashboard(self) -> None:
        if self.dashboard_shown or time.monotonic() - self.started < LONG_RUN:
            return
        self.dashboard_shown = True
        link = self.client.dashboard_link
        if link:
            self.echo(f"Dask dashboard of {self.spec.describe()}: {link}")

    def run(self, function: Callable[[_J], _R], jobs: Iterable[_J]) -> Iterator[tuple[_J, _R | TaskFailure]]:
        """Run a function on every job, yielding each job with its result as it completes.

        Parameters
        ----------
        function : callable
            A module-level function (workers import it by name), called once per job.
        jobs : iterable
            The jobs, consumed lazily: at most :attr:`in_flight` are submitted at once.

        Yields
        ------
        tuple
            The job and its result, or a :class:`TaskFailure` when the task raised; in the order
            the tasks complete. The tasks of a call go before those still waiting from earlier
            calls (a search shrinks a hit before it examines more instances).

        Raises
        ------
        ClusterError
            When the cluster cancels a task (the scheduler went away).
        """
        self.runs += 1
        priority = self.runs
        pending = iter(jobs)
        owners: dict[Any, _J] = {}
        queue = _distributed().as_completed(with_results=True, raise_errors=False)

        def submit() -> bool:
            job = next(pending, _DONE)
            if job is _DONE:
                return False
            future = self.client.submit(_task, function, job, pure=False, priority=priority)
            owners[future.key] = job
            queue.add(future)
            return True

        for _ in range(self.in_flight):
            if not submit():
                break
        for future, value in queue:
            job = owners.pop(future.key)
            status = future.status
            submit()
            self._show_dashboard()
            if status == "finished":
                yield job, value
            elif status == "error":
                yield job, _failure(future.exception(), future.traceback())
            else:
                raise ClusterError(
                    f"{CLUSTER_OPTION} {self.spec.describe()}: the cluster cancelled a task ({status}); "
                    "the results received are kept, and the same command computes the others"
                )


_DONE: Any = object()
_settled = False


def _task(function: Callable[[_J], _R], job: _J) -> _R:
    """Run one task on a worker; after the first, freeze what the worker has loaded.

    A Dask worker holds far more long-lived objects than a pool's process (Dask's own modules,
    and those the first task imported); every full collection of the garbage collector would
    walk them all, which slows an allocation-heavy check by a tenth. Frozen, they are left out.
    """
    global _settled
    result = function(job)
    if not _settled:
        _settled = True
        gc.collect()
        gc.freeze()
    return result


def _failure(error: BaseException, trace: Any) -> TaskFailure:
    where = "".join(traceback.format_tb(trace)) if trace is not None else ""
    return TaskFailure(f"{type(error).__name__}: {error}", where)


def _check_workers(client: Any, spec: ClusterSpec, echo: Callable[[str], None]) -> None:
    """Refuse a scheduler whose workers cannot run pluralis or run another version; say when none is there."""
    from pluralis import __version__

    try:
        versions = client.run(worker_version)
    except Exception as error:  # a worker without pluralis cannot even read the function
        raise ClusterError(
            f"{CLUSTER_OPTION} {spec.describe()}: the workers cannot run pluralis "
            f"({shorten(printable(f'{type(error).__name__}: {error}'), 120)}); install pluralis "
            f"{__version__} in every worker's environment"
        ) from None
    others = sorted({v for v in versions.values() if v != __version__})
    if others:
        raise ClusterError(
            f"{CLUSTER_OPTION} {spec.describe()}: workers run pluralis {', '.join(others)}, this client "
            f"{__version__}; install the same version everywhere, so that results do not depend on where "
            "they were computed"
        )
    if not versions:
        echo(
            f"{CLUSTER_OPTION} {spec.describe()}: no worker has joined the scheduler yet; tasks wait for one"
        )


def _start_forkserver() -> None:
    """Start the fork server the local workers come from, ignoring SIGINT (they inherit it).

    A terminal sends Ctrl-C to every process of its foreground group, the local workers too; a
    worker that ignores it leaves the decision to the client, which closes the cluster. Workers
    forked later (to replace one that died) come from the same server and ignore it as well.
    """
    from multiprocessing import forkserver

    _distributed().utils.get_mp_context()  # sets the server's preloaded modules first
    if threading.current_thread() is not threading.main_thread():
        forkserver.ensure_running()
        return
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        forkserver.ensure_running()
    finally:
        signal.signal(signal.SIGINT, previous)


def _start_local(spec: ClusterSpec) -> Any:
    if FORKSERVER:
        _start_forkserver()
    return _distributed().LocalCluster(
        n_workers=spec.workers or os.cpu_count() or 1,
        threads_per_worker=1,
        processes=True,
        dashboard_address=":0",
        silence_logs=logging.ERROR,
    )


def _connect(spec: ClusterSpec) -> Any:
    try:
        return _distributed().Client(spec.address)
    except Exception as error:  # refused, timed out, or something else answering (it can send anything)
        text = str(error).splitlines()[0] if str(error) else ""
        reason = shorten(
            printable(text if isinstance(error, OSError) else f"{type(error).__name__}: {text}"), 120
        )
        raise ClusterError(
            f"{CLUSTER_OPTION} {spec.describe()}: no Dask scheduler answers there ({reason}); start one "
            f"(dask scheduler, then dask worker {spec.describe()} on each machine) or run on this machine "
            f"with {CLUSTER_OPTION} local"
        ) from None


NOISY_LOGGERS = ("distributed", "tornado.application", "asyncio")
"""The loggers through which Dask reports transfers cut short when a cluster closes under running tasks."""


@contextlib.contextmanager
def connect(
    spec: ClusterSpec, echo: Callable[[str], None], in_flight: int | None = None
) -> Iterator[Session[Any, Any]]:
    """Start a local cluster or connect to a scheduler; close both at the end, whatever happens.

    The local cluster's workers ignore SIGINT, so that a Ctrl-C reaches the client alone; a
    Ctrl-C while the cluster starts or closes is held back until it has.

    Parameters
    ----------
    spec : ClusterSpec
        The cluster.
    echo : callable
        Prints a line on standard error.
    in_flight : int, optional
        Most tasks submitted at once (see :class:`Session`).

    Yields
    ------
    Session
        The connected session.

    Raises
    ------
    ClusterError
        When the scheduler cannot be reached or its workers run another version of pluralis.
    """
    closing: list[Callable[[], Any]] = []
    try:
        # Threads and processes started here (the cluster's event loop, its workers) inherit the
        # blocked SIGINT; one that arrives meanwhile is raised once everything started is known.
        _distributed()  # its defaults join dask's configuration, which the setting below restores
        configured = _dask_config().set(QUIET)
        closing.append(lambda: configured.__exit__(None, None, None))
        with defer_interrupts(), blocked_interrupts():
            if spec.address is None:
                cluster = _start_local(spec)
                closing.append(cluster.close)
                client = _distributed().Client(cluster)
            else:
                client = _connect(spec)
            closing.append(client.close)
            if spec.address is not None:
                _check_workers(client, spec, echo)
        yield Session(client, spec, echo, in_flight)
    finally:
        loggers = [logging.getLogger(name) for name in NOISY_LOGGERS]
        levels = [logger.level for logger in loggers]
        if sys.exc_info()[0] is not None:
            # Closing the cluster under tasks still in flight (Ctrl-C, an error) makes their pending
            # result transfers fail; Dask logs each with a traceback, though nothing is lost.
            for logger in loggers:
                logger.setLevel(logging.CRITICAL)
        with defer_interrupts():
            for close in reversed(closing):
                with contextlib.suppress(Exception):  # a cluster already gone has nothing to close
                    close()
            for logger, level in zip(loggers, levels):
                logger.setLevel(level)


__all__ = [
    "CLUSTER_OPTION",
    "IN_FLIGHT_OPTION",
    "LEAST_IN_FLIGHT",
    "LONG_RUN",
    "TASKS_PER_THREAD",
    "ClusterError",
    "ClusterSpec",
    "Session",
    "TaskFailure",
    "cluster_option",
    "connect",
    "in_flight_option",
    "parse_cluster",
    "worker_version",
]

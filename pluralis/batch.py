"""``pluralis batch``: run one command over every instance file of a library, in parallel.

Each instance runs in a worker process (:class:`concurrent.futures.ProcessPoolExecutor`) and
writes its own result file as soon as it finishes, atomically (a temporary file, then a rename),
so that an interrupted run keeps every finished result. The result of ``lib/a/x.yaml`` is
``OUT/a/x.yaml.json``: one file per instance path, suffix included, so that ``x.yaml`` and
``x.json`` never share one. A later run with the same options skips every instance whose result
file records the same command options, the same instance (the same file bytes, a fast check, or
else the same :func:`solver.core.serialization.content_hash`) and a finished result: an error, or a
complete one (a result with ``"complete": false`` is recorded as ``incomplete`` and computed
again). A summary of every instance is written as ``summary.json`` (with the options) and
``summary.csv`` and printed.

The results folder belongs to one set of options: ``batch.json``, written before any result,
records them, and a run with other options into the same folder is refused (see
:func:`prepare_out`) unless ``replace`` is given, which removes the earlier results (and only
files a batch writes). The folder may not be the library, lie inside it or contain it: results
would be read back as instances, or overwrite them.

Ctrl-C stops the workers within moments (see :func:`_stop_workers`): the instances finished are
kept, the ones under way leave no file, no summary is written, and the command exits 130; the
same command then computes what is missing.

On a Dask cluster (``cluster``, :mod:`pluralis.cluster`) the workers share no disk with the
client: each receives an :class:`InstanceJob` (the file's text, read by the client, or an index
of a :class:`GeneratedLibrary` that the worker makes itself) and returns the record's text,
rendered by the same code, with its summary row; the client writes the text as it arrives, so the
files are those of the local pool (timing aside). A library may be a generated one
(``--generate FAMILY:SEED:COUNT``) with either.

Commands: ``inspect`` (:func:`pluralis.inspection.summarize`), ``solve`` (equilibria over a finite
class, :func:`solver.equilibria.enumeration.solve_equilibria`), and ``check`` when a ``proofs.check`` module
with ``check_instance(instance) -> dict`` is installed.
"""

from __future__ import annotations

import csv
import hashlib
import importlib
import io
import json
import multiprocessing
import os
import re
import sys
import time
import traceback
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any

import click
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn
from rich.table import Table

from instances.generators import FAMILIES, GENERATOR_VERSION, Sizes, check_sizes, file_name, generate_instance
from pluralis.cluster import ClusterSpec, Session, TaskFailure, cluster_option, connect, in_flight_option
from pluralis.folders import FolderError, is_inside, max_output_option, names, write_atomically
from pluralis.inspection import summarize, summary_to_json
from pluralis.interrupts import blocked_interrupts, defer_interrupts, ignore_interrupts
from pluralis.library import instance_files
from pluralis.limits import (
    benchmark_limit_option,
    choice_limit_option,
    class_limit_option,
    law_limit_option,
    name_limit_option,
    reading_limit_options,
    selection_limit_option,
)
from pluralis.output import output_console
from solver.conversation.classes import DEFAULT_CLASS_LIMIT, parse_class
from solver.core.documents import (
    ReadLimits,
    current_limits,
    format_of,
    load_document,
    parse_document,
    read_text,
    set_limits,
)
from solver.core.errors import InstanceError, ModelError, PluralisError, printable, shorten
from solver.core.model import Instance
from solver.core.numbers import parse_number
from solver.core.serialization import content_hash, dumps, instance_from_dict, load, loads
from solver.equilibria.games import Game, Mode
from solver.equilibria.regret import DEFAULT_SELECTION_LIMIT
from solver.equilibria.results import DEFAULT_MAX_LISTED, result_to_json
from solver.oracle.problem import DEFAULT_CHOICE_LIMIT
from solver.responses.information import DEFAULT_BENCHMARK_LIMIT
from solver.responses.response import DEFAULT_LAW_LIMIT, TiePolicy

COMMANDS = ("inspect", "solve", "check")
SUMMARY_JSON = "summary.json"
SUMMARY_CSV = "summary.csv"
MANIFEST = "batch.json"
"""The file of a results folder that records the options of the batch writing into it."""
RESULT_SUFFIX = ".json"
"""Added to an instance's relative path (suffix included) to name its result file."""


@dataclass(frozen=True)
class BatchOptions:
    """The command run on every instance, with its options.

    Attributes
    ----------
    do : str
        ``inspect``, ``solve`` or ``check``.
    mode, class_text, engine, delta, tie_policy : str
        ``solve`` options, as on the command line.
    limit : int
        Largest class enumerated (``solve``, ``check``).
    selection_limit : int
        Largest frontier of the users' tie selections kept at once (``solve``, ``check``).
    choice_limit : int
        Most choice combinations the deviation oracle solves one by one (``check``).
    law_limit : int
        Most outcome laws among a user's best responses to one rule (``solve``, ``check``).
    benchmark_limit : int
        Most T-shared rules searched for one benchmark (``inspect``, ``check``).
    max_output_equilibria : int
        Most equilibria listed in a result (``solve``); the count, worst and best stay exact.
    """

    do: str
    mode: str = Mode.ANONYMOUS.value
    class_text: str = "deterministic"
    engine: str = "enumerate"
    delta: str = "0"
    tie_policy: str = TiePolicy.FAVOURABLE.value
    limit: int = DEFAULT_CLASS_LIMIT
    selection_limit: int = DEFAULT_SELECTION_LIMIT
    choice_limit: int = DEFAULT_CHOICE_LIMIT
    law_limit: int = DEFAULT_LAW_LIMIT
    benchmark_limit: int = DEFAULT_BENCHMARK_LIMIT
    max_output_equilibria: int = DEFAULT_MAX_LISTED

    def _limits(self) -> dict[str, int]:
        """The limits that differ from their defaults (so earlier results keep their keys)."""
        limits = {}
        if self.do == "check" and self.limit != DEFAULT_CLASS_LIMIT:
            limits["limit"] = self.limit
        if self.selection_limit != DEFAULT_SELECTION_LIMIT:
            limits["selection_limit"] = self.selection_limit
        if self.do == "check" and self.choice_limit != DEFAULT_CHOICE_LIMIT:
            limits["choice_limit"] = self.choice_limit
        if self.do != "inspect" and self.law_limit != DEFAULT_LAW_LIMIT:
            limits["law_limit"] = self.law_limit
        if self.do != "solve" and self.benchmark_limit != DEFAULT_BENCHMARK_LIMIT:
            limits["benchmark_limit"] = self.benchmark_limit
        if self.do == "solve" and self.max_output_equilibria != DEFAULT_MAX_LISTED:
            limits["max_output_equilibria"] = self.max_output_equilibria
        return limits

    def key(self) -> dict[str, Any]:
        """The options that determine a result (recorded in it, compared on resume).

        Returns
        -------
        dict
            ``{"do": ...}`` plus the ``solve`` options when solving.
        """
        if self.do == "inspect":
            return {"do": self.do}
        if self.do == "check":
            return {"do": self.do, **self._limits()}
        return {
            "do": self.do,
            "mode": self.mode,
            "class": self.class_text,
            "engine": self.engine,
            "delta": str(parse_number(self.delta, "--delta")),
            "tie_policy": self.tie_policy,
            "limit": self.limit,
            **self._limits(),
        }


def _check_function() -> Callable[..., dict[str, Any]] | None:
    try:
        module = importlib.import_module("proofs.check")
    except ImportError:
        return None
    function = getattr(module, "check_instance", None)
    return function if callable(function) else None


def compute(instance: Instance, options: BatchOptions) -> dict[str, Any]:
    """Run the batch command on one instance and return its JSON result.

    Parameters
    ----------
    instance : Instance
        The instance.
    options : BatchOptions
        What to run.

    Returns
    -------
    dict
        ``inspect``: :func:`pluralis.inspection.summary_to_json`; ``solve``:
        :func:`solver.equilibria.results.result_to_json`; ``check``: what ``proofs.check.check_instance``
        returns.
    """
    if options.do == "inspect":
        return summary_to_json(summarize(instance, options.benchmark_limit))
    if options.do == "solve":
        game = Game(
            instance,
            Mode(options.mode),
            parse_class(options.class_text, instance),
            limit=options.limit,
            law_limit=options.law_limit,
        )
        delta = parse_number(options.delta, "--delta")
        policy = TiePolicy(options.tie_policy)
        if options.engine == "mip":
            from solver.equilibria.mip import solve_equilibria_mip

            return result_to_json(
                instance,
                solve_equilibria_mip(game, delta, policy, selection_limit=options.selection_limit),
                options.max_output_equilibria,
            )
        from solver.equilibria.enumeration import solve_equilibria

        return result_to_json(
            instance,
            solve_equilibria(game, delta, policy, selection_limit=options.selection_limit),
            options.max_output_equilibria,
        )
    if options.do == "check":
        check = _check_function()
        if check is None:
            raise ModelError("--do check needs proofs.check.check_instance, which is not installed")
        from proofs.claim import CheckOptions

        limits = CheckOptions(
            limit=options.limit,
            selection_limit=options.selection_limit,
            choice_limit=options.choice_limit,
            law_limit=options.law_limit,
            benchmark_limit=options.benchmark_limit,
        )
        return dict(check(instance, limits))
    raise ModelError(f"unknown batch command {options.do!r}; use one of {', '.join(COMMANDS)}")


def summarize_result(do: str, result: dict[str, Any]) -> dict[str, Any]:
    """The summary fields of one result, the same whether it came from a batch or a single run.

    Parameters
    ----------
    do : str
        The command.
    result : dict
        Its JSON result (``pluralis inspect --json``, ``pluralis solve --json``, or a check).

    Returns
    -------
    dict
        ``inspect``: per user ``OPT_i`` and ``Bench_i(K)`` for the set of all providers;
        ``solve``: the number of equilibria, exactness and each user's worst and best utility;
        ``check``: each claim's verdict when the result lists ``claims`` with verdicts, else the
        check's own result.
    """
    if do == "inspect":
        everyone = list(result["providers"])
        return {
            "hash": result["hash"],
            "users": {
                label: {
                    "opt": user["opt"],
                    "bench_all": next(b["value"] for b in user["benchmarks"] if b["T"] == everyone),
                }
                for label, user in result["users"].items()
            },
        }
    if do == "solve":
        return {
            "count": result["count"],
            "exact": result["exact"],
            "complete": result["complete"],
            "worst": result["worst"],
            "best": result["best"],
        }
    claims = result.get("claims")
    if isinstance(claims, dict) and all(isinstance(c, dict) and "verdict" in c for c in claims.values()):
        return {"verdicts": {claim: entry["verdict"] for claim, entry in claims.items()}}
    return result


def _file_digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def result_path(out: Path, relative: str) -> Path:
    """Where the result of one instance goes: its relative path, suffix included, plus ``.json``.

    Parameters
    ----------
    out : Path
        The results folder.
    relative : str
        The instance's path relative to the library (``a/x.yaml``).

    Returns
    -------
    Path
        ``OUT/a/x.yaml.json``.
    """
    return out / f"{relative}{RESULT_SUFFIX}"


@dataclass(frozen=True)
class GeneratedLibrary:
    """A library made on the fly from a seeded family (``--generate FAMILY:SEED:COUNT[:SIZES]``).

    Instance ``index`` is the one ``pluralis generate`` writes as ``FAMILY-sSEED-INDEX.yaml``
    (:func:`instances.generators.file_name`), made where it is computed, so that nothing has to be
    written first; its result is the one a batch over that folder records, byte for byte.

    Attributes
    ----------
    family : str
        A family of :data:`instances.generators.FAMILIES`.
    seed : int
        The seed.
    count : int
        Instances ``0 … count − 1``.
    sizes : Sizes
        Their sizes.
    """

    family: str
    seed: int
    count: int
    sizes: Sizes = field(default_factory=Sizes)

    def file_name(self, index: int) -> str:
        """The name of instance ``index``, as ``pluralis generate`` writes it.

        Parameters
        ----------
        index : int
            The instance's index.

        Returns
        -------
        str
            ``FAMILY-sSEED-INDEX.yaml``.
        """
        return file_name(self.family, self.seed, index)

    def text(self, index: int) -> str:
        """The file of instance ``index``, as ``pluralis generate`` writes it.

        Parameters
        ----------
        index : int
            The instance's index.

        Returns
        -------
        str
            Its canonical YAML.
        """
        return dumps(generate_instance(self.family, self.seed, index, self.sizes))

    def key(self) -> dict[str, Any]:
        """What determines the instances (recorded in ``batch.json``; the count may grow on resume).

        Returns
        -------
        dict
            Family, seed, sizes and the generator's version.
        """
        return {
            "family": self.family,
            "seed": self.seed,
            "sizes": self.sizes.describe(),
            "generator_version": GENERATOR_VERSION,
        }


GENERATE_OPTION = "--generate"


def parse_generate(text: str) -> GeneratedLibrary:
    """Read a ``--generate`` value: ``FAMILY:SEED:COUNT``, then optionally ``:SIZE=N,SIZE=N``.

    The sizes are those of ``pluralis generate`` (``states``, ``providers``, ``users``,
    ``actions``, ``signals``, ``worlds-per-state``, ``messages``, ``denominator``, ``epsilon``),
    for example ``uniform:5:1000:providers=1,users=1``.

    Parameters
    ----------
    text : str
        The value.

    Returns
    -------
    GeneratedLibrary
        The library.

    Raises
    ------
    ModelError
        When the value is malformed, or names a family, size or value that ``pluralis generate``
        refuses.
    """
    shown = f"{GENERATE_OPTION} {shorten(printable(text), 80)}"
    parts = text.strip().split(":", 3)
    if len(parts) < 3:
        raise ModelError(f"{shown}: expected FAMILY:SEED:COUNT, then optionally :SIZE=N,SIZE=N")
    family, seed, count = parts[:3]
    if family not in FAMILIES:
        raise ModelError(f"{shown}: unknown family {family!r}; families: {', '.join(FAMILIES)}")
    if not re.fullmatch(r"-?[0-9]+", seed) or not re.fullmatch(r"[0-9]+", count):
        raise ModelError(f"{shown}: SEED must be an integer and COUNT a count, e.g. {family}:0:1000")
    given: dict[str, Any] = {}
    names = {f.name.replace("_", "-"): f.name for f in fields(Sizes)}
    for item in parts[3].split(",") if len(parts) == 4 and parts[3] else []:
        key, equals, value = item.partition("=")
        name = names.get(key.strip()) or names.get(key.strip().replace("_", "-"))
        if not equals or name is None:
            raise ModelError(f"{shown}: expected SIZE=N with SIZE one of {', '.join(names)}, got {item!r}")
        if name == "epsilon":
            given[name] = parse_number(value.strip(), f"{GENERATE_OPTION} epsilon")
        elif re.fullmatch(r"[0-9]+", value.strip()):
            given[name] = int(value)
        else:
            raise ModelError(f"{shown}: {key.strip()} must be a count, got {value!r}")
    try:
        sizes = replace(Sizes(), **given)
        check_sizes(family, sizes, given)
    except ModelError as error:
        raise ModelError(f"{shown}: {error}") from None
    return GeneratedLibrary(family, int(seed), int(count), sizes)


@dataclass(frozen=True)
class _File:
    """An instance file that the worker reads itself (a local pool shares this machine's disk)."""

    path: str

    def read(self) -> tuple[str, Callable[[], Instance]]:
        path = Path(self.path)
        return _file_digest(path), lambda: load(path)


@dataclass(frozen=True)
class _Text:
    """An instance file's text, read by the client (a cluster's workers share no disk with it)."""

    name: str
    text: str
    digest: str

    def read(self) -> tuple[str, Callable[[], Instance]]:
        # What load(path) does once the text is read: the same reader, the same messages.
        return self.digest, lambda: instance_from_dict(
            parse_document(self.text, format_of(self.name), self.name, error=InstanceError)
        )


@dataclass(frozen=True)
class _Generated:
    """Instance ``index`` of a generated library, made by the worker."""

    library: GeneratedLibrary
    index: int

    def read(self) -> tuple[str | None, Callable[[], Instance]]:
        try:
            text = self.library.text(self.index)
        except Exception as error:  # no file to name: the record says what went wrong making it
            return None, _failing(error)
        return hashlib.sha256(text.encode("utf-8")).hexdigest(), lambda: loads(text)


@dataclass(frozen=True)
class InstanceJob:
    """One instance as a worker receives it: its name in the library, how to get it, what to run.

    Attributes
    ----------
    relative : str
        Its path relative to the library (the record's ``file``).
    source : object
        The file to read (local pool), its text (cluster), or a generated library and an index.
    options : BatchOptions
        What to run.
    limits : ReadLimits
        What reading it may cost (the client's ``--max-file-size`` and companions).
    """

    relative: str
    source: _File | _Text | _Generated
    options: BatchOptions
    limits: ReadLimits


def instance_record(job: InstanceJob) -> dict[str, Any]:
    """Compute one instance's record (runs on a worker: a local pool's process or a Dask worker).

    Parameters
    ----------
    job : InstanceJob
        The instance and the options.

    Returns
    -------
    dict
        The record a batch writes for it: file, hashes, options, status, result, summary,
        seconds (an error, with its message, when the instance cannot be read or computed).
    """
    start = time.perf_counter()
    set_limits(job.limits)
    digest, read = job.source.read()
    return _record(job.relative, digest, job.options, read, start)


def _record(
    relative: str, digest: str | None, options: BatchOptions, read: Callable[[], Instance], start: float
) -> dict[str, Any]:
    record: dict[str, Any] = {
        "file": relative,
        "file_sha256": digest,
        "instance_hash": None,
        "options": options.key(),
    }
    try:
        instance = read()
        record["instance_hash"] = content_hash(instance)
        result = compute(instance, options)
        # A search that stopped early is kept for what it shows but never counted as done.
        record["status"] = "incomplete" if result.get("complete") is False else "ok"
        record["summary"] = summarize_result(options.do, result)
        record["result"] = result
        if record["status"] == "incomplete":
            record["error"] = "the search stopped before it finished: " + "; ".join(result.get("notes", []))
    except PluralisError as error:
        record["status"] = "error"
        record["error"] = str(name_limit_option(error))
    except Exception as error:  # a bug on one instance must not stop the other instances
        record["status"] = "error"
        record["error"] = f"{type(error).__name__}: {error}"
        record["traceback"] = traceback.format_exc()
    record["seconds"] = round(time.perf_counter() - start, 6)
    return record


def _record_text(record: dict[str, Any]) -> str:
    return json.dumps(record, indent=2, ensure_ascii=False) + "\n"


def _write_record(path: Path, record: dict[str, Any]) -> None:
    write_atomically(path, _record_text(record))


def _rendered(record: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    """A record's file text and its summary row: what the client of a cluster receives."""
    return _record_text(record), _row(record)


def instance_result(job: InstanceJob) -> tuple[str, dict[str, Any]]:
    """Compute one instance on a cluster's worker: its record's file text and its summary row.

    The worker renders the text, so that the client only writes it (byte for byte what
    :func:`run_one` writes) and keeps the row.

    Parameters
    ----------
    job : InstanceJob
        The instance and the options.

    Returns
    -------
    tuple
        The text of the result file, and the row of the summaries.
    """
    return _rendered(instance_record(job))


@dataclass(frozen=True)
class _Task:
    path: str
    relative: str
    result_path: str
    options: BatchOptions
    generated: _Generated | None = None


def run_one(task: _Task) -> dict[str, Any]:
    """Compute one instance and write its result file atomically (runs in a local pool's worker).

    Parameters
    ----------
    task : _Task
        The instance file (or generated instance), where its result goes, and the options.

    Returns
    -------
    dict
        The record written (file, hashes, options, status, result, summary, seconds).
    """
    source = task.generated if task.generated is not None else _File(task.path)
    record = instance_record(InstanceJob(task.relative, source, task.options, current_limits()))
    _write_record(Path(task.result_path), record)
    return record


def _done(record: dict[str, Any]) -> bool:
    """Whether a stored record is a finished result: an error, or a result that is complete."""
    if record.get("status") == "error":
        return True
    result = record.get("result")
    return record.get("status") == "ok" and isinstance(result, dict) and result.get("complete") is not False


def _start_worker(limits: ReadLimits) -> None:
    """Start a worker: Ctrl-C is the parent's to handle; files are read under the parent's limits."""
    ignore_interrupts()
    set_limits(limits)


def _stored(record_path: Path, options: BatchOptions) -> dict[str, Any] | None:
    """The record stored at a path when it is a finished result for these options, else None."""
    if not record_path.is_file():
        return None
    try:
        # The one reader of every file: a damaged or repeated-key record is recomputed, never trusted.
        record = load_document(record_path)
    except PluralisError:
        return None
    if (
        not isinstance(record, dict)
        or record.get("options") != options.key()
        or not record.get("instance_hash")
        or not _done(record)
    ):
        return None
    return record


def _finished(record_path: Path, instance_path: Path, options: BatchOptions) -> dict[str, Any] | None:
    """The stored record when it is valid for this instance and these options, else None."""
    record = _stored(record_path, options)
    if record is None:
        return None
    if record.get("file_sha256") == _file_digest(instance_path):
        return record
    try:
        same = content_hash(load(instance_path)) == record["instance_hash"]
    except PluralisError:
        return None
    return record if same else None


def _generated_finished(record_path: Path, relative: str, options: BatchOptions) -> dict[str, Any] | None:
    """The stored record of a generated instance (``batch.json`` vouches for the library), else None."""
    record = _stored(record_path, options)
    return record if record is not None and record.get("file") == relative else None


def _differences(recorded: dict[str, Any], wanted: dict[str, Any]) -> str:
    """How two option sets differ, for a message: ``delta 1/10 there, 0 here``."""
    keys = [*wanted, *(k for k in recorded if k not in wanted)]
    return "; ".join(
        f"{k} {recorded.get(k, 'default')} there, {wanted.get(k, 'default')} here"
        for k in keys
        if recorded.get(k) != wanted.get(k)
    )


_RECORD_START = b'{\n  "file": '
"""How every result record a batch writes begins (``json.dumps(record, indent=2)``, ``file`` first)."""
_TEMPORARY = re.compile(r"\..+\.[0-9]+\.tmp")


def _written_by_batch(path: Path, out: Path) -> bool:
    """Whether a file is one a batch writes: a result record, a summary, the manifest, a temporary file."""
    if path.is_symlink() or not path.is_file():
        return False
    if path.parent == out and path.name in (MANIFEST, SUMMARY_JSON, SUMMARY_CSV):
        return True
    if _TEMPORARY.fullmatch(path.name):
        return True
    if not path.name.endswith(RESULT_SUFFIX):
        return False
    with path.open("rb") as file:
        return file.read(len(_RECORD_START)) == _RECORD_START


def _clear(out: Path) -> list[Path]:
    """Remove every file a batch wrote into a folder, refusing when anything else is there."""
    entries = sorted(out.rglob("*"))
    files = [p for p in entries if p.is_symlink() or not p.is_dir()]
    foreign = [p for p in files if not _written_by_batch(p, out)]
    if foreign:
        raise FolderError(
            f"--out {printable(str(out))} holds files that batch does not write ({names(foreign)}); "
            "--replace removes only a batch's results: choose another --out"
        )
    with defer_interrupts():  # the earlier results go whole
        for path in files:
            path.unlink()
        for folder in sorted((p for p in entries if p.is_dir() and not p.is_symlink()), reverse=True):
            if not any(folder.iterdir()):
                folder.rmdir()
    return files


def _manifest(directory: Path | GeneratedLibrary, options: BatchOptions) -> dict[str, Any]:
    """What ``batch.json`` records: the options, and for a generated library what makes it."""
    manifest: dict[str, Any] = {"command": "pluralis batch", "options": options.key()}
    if isinstance(directory, GeneratedLibrary):
        manifest["generate"] = directory.key()
    return manifest


def prepare_out(
    directory: Path | GeneratedLibrary, out: Path, options: BatchOptions, replace: bool = False
) -> list[Path]:
    """Check a results folder before any work; with ``replace``, clear another batch's results.

    The folder may not be the library, lie inside it or contain it (compared resolved). It may
    be new, empty, or hold the results of a batch with the same options (``batch.json``), which
    are then resumed; for a generated library, also of the same family, seed and sizes (the count
    may differ). Anything else is refused, or, with ``replace``, removed when every file in it is
    one a batch writes (result records, summaries, ``batch.json``).

    Parameters
    ----------
    directory : Path or GeneratedLibrary
        The library: a folder, or a generated one.
    out : Path
        The results folder.
    options : BatchOptions
        The options of this run.
    replace : bool
        Remove the results of a batch with other options instead of refusing the folder.

    Returns
    -------
    list of Path
        The files removed.

    Raises
    ------
    FolderError
        When the folder cannot be used as asked; the message names the remedy.
    """
    shown_out = printable(str(out))
    if isinstance(directory, Path) and (is_inside(out, directory) or is_inside(directory, out)):
        where = (
            "is the library"
            if out.resolve() == directory.resolve()
            else "lies inside the library"
            if is_inside(out, directory)
            else "contains the library"
        )
        raise FolderError(
            f"--out {shown_out} {where} {printable(str(directory))}: results and instances would mix; "
            "choose a folder outside it (by default LIBRARY-COMMAND beside the library)"
        )
    if not out.exists():
        return []
    if not out.is_dir():
        raise FolderError(f"--out {shown_out} is not a folder")
    manifest = out / MANIFEST
    wanted = options.key()
    library = _manifest(directory, options).get("generate")
    if manifest.exists():
        try:
            document = load_document(manifest)
        except PluralisError:
            document = None
        recorded = document.get("options") if isinstance(document, dict) else None
        made = document.get("generate") if isinstance(document, dict) else None
        if recorded == wanted and made == library:
            return []
        if not isinstance(recorded, dict):
            problem = f"has an unreadable {MANIFEST}"
        elif recorded != wanted:
            changed = printable(_differences(recorded, wanted))
            problem = f"holds the results of a batch with other options ({changed})"
        else:
            problem = (
                f"holds the results of a batch over another library ({_library_differences(made, library)})"
            )
    else:
        entries = sorted(out.iterdir())
        if not entries:
            return []
        problem = f"holds files ({names(entries)}) but no {MANIFEST} recording the options of a batch"
    if not replace:
        raise FolderError(
            f"--out {shown_out} {problem}; choose another --out, or pass --replace to remove those results"
        )
    return _clear(out)


def _library_differences(recorded: Any, wanted: dict[str, Any] | None) -> str:
    """How two libraries differ, for a message: ``a folder there, generate uniform seed 5 here``."""

    def spelled(library: Any) -> str:
        if not isinstance(library, dict):
            return "a folder"
        return printable(" ".join(f"{k} {v}" for k, v in library.items()))

    return f"{spelled(recorded)} there, {spelled(wanted)} here"


@dataclass(frozen=True)
class BatchReport:
    """What a batch did.

    Attributes
    ----------
    rows : tuple of dict
        One summary row per instance, sorted by file: ``file``, ``status``, ``instance_hash``,
        ``summary`` (or ``error``).
    computed, skipped, failed : int
        Instances computed in this run, taken from earlier results, and in error.
    seconds : float
        Wall-clock time of this run.
    complete : bool
        False when interrupted.
    removed : tuple of str
        The files of an earlier batch with other options removed (``replace``).
    """

    rows: tuple[dict[str, Any], ...]
    computed: int
    skipped: int
    failed: int
    seconds: float
    complete: bool
    removed: tuple[str, ...] = ()


def _row(record: dict[str, Any]) -> dict[str, Any]:
    row = {"file": record["file"], "status": record["status"], "instance_hash": record.get("instance_hash")}
    if record["status"] in ("ok", "incomplete"):
        row["summary"] = summarize_result(record["options"]["do"], record["result"])
    if record["status"] != "ok":
        row["error"] = record.get("error", "")
    return row


def _stop_workers(executor: ProcessPoolExecutor, out: Path) -> None:
    """Cancel the instances not started and end the running workers at once.

    Workers ignore SIGINT (:func:`pluralis.interrupts.ignore_interrupts`), so a Ctrl-C, whether a
    terminal sends it to the whole process group or ``kill -INT`` to this process alone, reaches
    only the parent, and the parent decides: it terminates every worker (SIGTERM), so none goes on
    with its instance or with the next one queued, and waits until each has ended. An engine
    inside a worker therefore never sees the interruption and never returns a partial result; a
    terminated worker leaves no result file (results are written to a temporary file and
    renamed), and its temporary file is removed.
    """
    processes = list((executor._processes or {}).values())  # the pool has no public handle on them
    for process in processes:
        process.terminate()
    for process in processes:
        process.join()
        for leftover in out.rglob(f".*.{process.pid}.tmp"):
            leftover.unlink(missing_ok=True)
    # A worker stopped while it was sending a result leaves the pool's reader waiting for the rest
    # of the message for ever: the pool is not waited for (the command line exits without it).
    executor.shutdown(wait=False, cancel_futures=True)


def _library(directory: Path | GeneratedLibrary, out: Path) -> Iterator[tuple[str, Path | int]]:
    """Every instance of a library, sorted: its relative path, and its file or generated index."""
    if isinstance(directory, GeneratedLibrary):
        for index in range(directory.count):
            yield directory.file_name(index), index
        return
    for path in instance_files(directory, exclude=out):
        yield path.relative_to(directory).as_posix(), path


def _relative(directory: Path | GeneratedLibrary, source: Path | int) -> str:
    if isinstance(source, int):
        assert isinstance(directory, GeneratedLibrary)
        return directory.file_name(source)
    assert isinstance(directory, Path)
    return source.relative_to(directory).as_posix()


def _failing(error: Exception) -> Callable[[], Instance]:
    def read() -> Instance:
        raise error

    return read


def _failed_record(job: InstanceJob, failure: TaskFailure) -> dict[str, Any]:
    """The record of a task that raised on the cluster (the per-instance computation catches the rest)."""
    digest: str | None
    try:
        digest = job.source.digest if isinstance(job.source, _Text) else job.source.read()[0]
    except Exception:  # the task failed making the instance: no file to name
        digest = None
    return {
        "file": job.relative,
        "file_sha256": digest,
        "instance_hash": None,
        "options": job.options.key(),
        "status": "error",
        "error": failure.error,
        "traceback": failure.traceback,
        "seconds": 0.0,
    }


def _cluster_rows(
    session: Session[InstanceJob, tuple[str, dict[str, Any]]],
    directory: Path | GeneratedLibrary,
    pending: Sequence[Path | int],
    out: Path,
    options: BatchOptions,
) -> Iterator[dict[str, Any]]:
    """Run the pending instances on a cluster; write each record as it arrives, and yield its row.

    The client reads every file and sends its text (a generated instance is made by its worker);
    a file it cannot read gets its error record here, as a worker would have written it.
    """
    limits = current_limits()
    unreadable: list[dict[str, Any]] = []

    def jobs() -> Iterator[InstanceJob]:
        for source in pending:
            relative = _relative(directory, source)
            if isinstance(source, int):
                assert isinstance(directory, GeneratedLibrary)
                yield InstanceJob(relative, _Generated(directory, source), options, limits)
                continue
            start = time.perf_counter()
            digest = _file_digest(source)
            try:
                text = read_text(source, error=InstanceError)
            except PluralisError as error:
                unreadable.append(_record(relative, digest, options, _failing(error), start))
                continue
            yield InstanceJob(relative, _Text(str(source), text, digest), options, limits)

    def written(text: str, row: dict[str, Any]) -> dict[str, Any]:
        with defer_interrupts():  # a record is written whole, or not at all
            write_atomically(result_path(out, row["file"]), text)
        return row

    for job, outcome in session.run(instance_result, jobs()):
        while unreadable:
            yield written(*_rendered(unreadable.pop(0)))
        yield written(
            *(_rendered(_failed_record(job, outcome)) if isinstance(outcome, TaskFailure) else outcome)
        )
    while unreadable:
        yield written(*_rendered(unreadable.pop(0)))


def run_batch(
    directory: Path | GeneratedLibrary,
    out: Path,
    options: BatchOptions,
    jobs: int | None = None,
    progress: bool = False,
    on_interrupt: Callable[[int, int], None] | None = None,
    replace: bool = False,
    cluster: ClusterSpec | None = None,
    in_flight: int | None = None,
) -> BatchReport:
    """Run a command over every instance of a library, resuming from earlier results.

    Parameters
    ----------
    directory : Path or GeneratedLibrary
        The library: a folder, or a seeded family whose instances are made where they run.
    out : Path
        The results folder (outside the library): one ``PATH.json`` per instance ``PATH``
        relative to the library, plus ``batch.json`` and the summaries.
    options : BatchOptions
        What to run.
    jobs : int, optional
        Worker processes of the local pool (default: the number of CPUs).
    progress : bool
        Show a progress bar on standard error.
    on_interrupt : callable, optional
        Called on Ctrl-C, once the workers have stopped and before the interruption propagates,
        with the number of instances whose results are kept and the number of instances.
    replace : bool
        Remove the results of a batch with other options from ``out`` instead of refusing it.
    cluster : ClusterSpec, optional
        Run on this Dask cluster (:mod:`pluralis.cluster`) instead of a local pool; the client
        writes every record, and the files are those a local pool writes (timings aside).
    in_flight : int, optional
        With a cluster: most instances submitted at once (see :class:`pluralis.cluster.Session`).

    Returns
    -------
    BatchReport
        The summary rows and counts; the summaries are also written to ``out``.

    Raises
    ------
    FolderError
        When ``out`` is the library, lies inside it or contains it, or holds files of another
        batch (see :func:`prepare_out`).
    ClusterError
        When the cluster cannot be reached.
    """
    if options.do == "check" and _check_function() is None:
        raise ModelError(
            "--do check needs a proofs.check module with check_instance(instance); it is not installed"
        )
    options.key()  # validates --delta before any work
    start = time.perf_counter()
    removed = prepare_out(directory, out, options, replace)
    # Rows, not records, are kept: a record holds a whole result, a row only its summary.
    rows: dict[str, dict[str, Any]] = {}
    pending: list[Path | int] = []
    total = 0
    for relative, source in _library(directory, out):
        total += 1
        target = result_path(out, relative)
        if not is_inside(target, out):  # a symbolic link inside the results folder
            raise FolderError(f"{printable(str(target))} would be written outside {printable(str(out))}")
        stored = (
            _finished(target, source, options)
            if isinstance(source, Path)
            else _generated_finished(target, relative, options)
        )
        if stored is not None:
            rows[relative] = _row(stored)
        else:
            pending.append(source)
    skipped = len(rows)
    bar = Progress(
        TextColumn(f"{options.do}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn(),
        console=Console(stderr=True),
        disable=not progress,
    )
    executor: ProcessPoolExecutor | None = None
    try:
        out.mkdir(parents=True, exist_ok=True)
        manifest = _manifest(directory, options)
        write_atomically(out / MANIFEST, json.dumps(manifest, indent=2, ensure_ascii=False) + "\n")
        with bar:
            bar_task = bar.add_task(options.do, total=total, completed=skipped)
            if cluster is not None and not pending:
                pass  # every result is there already: no cluster to start
            elif cluster is not None:

                def echo(line: str) -> None:
                    bar.console.print(line, soft_wrap=True, markup=False, highlight=False)

                with connect(cluster, echo, in_flight) as session:
                    for row in _cluster_rows(session, directory, pending, out, options):
                        rows[row["file"]] = row
                        bar.advance(bar_task)
            else:
                workers = max(1, min(jobs or os.cpu_count() or 1, len(pending) or 1))
                context = multiprocessing.get_context("forkserver" if sys.platform != "win32" else "spawn")
                executor = ProcessPoolExecutor(
                    max_workers=workers,
                    mp_context=context,
                    initializer=_start_worker,
                    initargs=(current_limits(),),
                )
                tasks = [_task(directory, source, out, options) for source in pending]
                # The pool's fork server, workers and threads start here, with SIGINT blocked (they
                # inherit it: a Ctrl-C in their start-up reaches this process alone) and held back
                # here until every worker started is known to the pool, so that all are stopped.
                with defer_interrupts(), blocked_interrupts():
                    futures: set[Future[dict[str, Any]]] = {executor.submit(run_one, t) for t in tasks}
                del tasks
                while futures:
                    done, futures = wait(futures, return_when=FIRST_COMPLETED)
                    for future in done:
                        record = future.result()
                        rows[record["file"]] = _row(record)
                        bar.advance(bar_task)
                executor.shutdown(wait=True)
    except BaseException as error:
        # Ctrl-C, or a worker that died: nothing more will be collected, so every worker stops now
        # (a cluster has been closed on the way out). A second Ctrl-C meanwhile is held back.
        with defer_interrupts():
            if executor is not None:
                _stop_workers(executor, out)
            if isinstance(error, KeyboardInterrupt) and on_interrupt is not None:
                on_interrupt(len(rows), total)
        raise
    ordered = tuple(rows[key] for key in sorted(rows))
    with defer_interrupts():  # both summaries or neither
        _write_summaries(out, ordered, options)
    return BatchReport(
        ordered,
        computed=len(pending),
        skipped=skipped,
        failed=sum(1 for r in ordered if r["status"] != "ok"),
        seconds=time.perf_counter() - start,
        complete=True,
        removed=tuple(str(path) for path in removed),
    )


def _task(directory: Path | GeneratedLibrary, source: Path | int, out: Path, options: BatchOptions) -> _Task:
    relative = _relative(directory, source)
    target = str(result_path(out, relative))
    if isinstance(source, int):
        assert isinstance(directory, GeneratedLibrary)
        return _Task("", relative, target, options, _Generated(directory, source))
    return _Task(str(source), relative, target, options)


def _flatten(prefix: str, value: Any, into: dict[str, str]) -> None:
    if isinstance(value, dict):
        for key, item in value.items():
            _flatten(f"{prefix}.{key}" if prefix else str(key), item, into)
    elif isinstance(value, list):
        into[prefix] = json.dumps(value, ensure_ascii=False)
    else:
        into[prefix] = "" if value is None else str(value)


def summary_to_csv(rows: Sequence[dict[str, Any]]) -> str:
    """The summary rows as CSV, nested fields flattened to dotted columns (``users.U1.opt``).

    Parameters
    ----------
    rows : sequence of dict
        :attr:`BatchReport.rows`.

    Returns
    -------
    str
        CSV text; the columns are the union over rows, in first-seen order.
    """
    flat = []
    for row in rows:
        cells: dict[str, str] = {}
        _flatten("", {k: v for k, v in row.items() if k != "summary"}, cells)
        _flatten("", row.get("summary", {}), cells)
        flat.append(cells)
    columns: list[str] = []
    for cells in flat:
        columns.extend(c for c in cells if c not in columns)
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=columns, lineterminator="\n", restval="")
    writer.writeheader()
    writer.writerows(flat)
    return out.getvalue()


def _write_summaries(out: Path, rows: Sequence[dict[str, Any]], options: BatchOptions) -> None:
    summary = {"options": options.key(), "rows": list(rows)}
    write_atomically(out / SUMMARY_JSON, json.dumps(summary, indent=2, ensure_ascii=False) + "\n")
    write_atomically(out / SUMMARY_CSV, summary_to_csv(rows))


def _print_report(console: Console, report: BatchReport, out: Path, show: int) -> None:
    table = Table(title=f"summary ({len(report.rows)} instances)", title_justify="left")
    table.add_column("file")
    table.add_column("status")
    table.add_column("summary")
    for row in report.rows[:show]:
        if row["status"] == "ok":
            cells: dict[str, str] = {}
            _flatten("", row["summary"], cells)
            text = "  ".join(f"{k}={v}" for k, v in cells.items() if k != "hash")
        else:
            text = row.get("error", "")
        table.add_row(row["file"], row["status"], text)
    console.print(table)
    if len(report.rows) > show:
        console.print(f"... {len(report.rows) - show} more rows in {out / SUMMARY_CSV}", soft_wrap=True)
    if report.removed:
        console.print(
            f"removed {len(report.removed)} files of a batch with other options from {out} (--replace)",
            soft_wrap=True,
        )
    rate = report.computed / report.seconds if report.seconds > 0 else 0.0
    console.print(
        f"{report.computed} computed, {report.skipped} taken from earlier results, {report.failed} in error; "
        f"{report.seconds:.2f} s ({rate:.1f} instances/s computed); results in {out}"
    )


def _generate_option(
    ctx: click.Context, parameter: click.Parameter, value: str | None
) -> GeneratedLibrary | None:
    return None if value is None else parse_generate(value)


@click.command("batch")
@click.argument("directory", required=False, type=click.Path(file_okay=False, exists=True, path_type=Path))
@click.option(
    GENERATE_OPTION,
    "generated",
    metavar="FAMILY:SEED:COUNT[:SIZE=N,...]",
    default=None,
    callback=_generate_option,
    help="Instead of DIRECTORY: instances 0 … COUNT−1 of a seeded family (pluralis generate's), made "
    "where they are computed; sizes as in pluralis generate, e.g. uniform:5:1000:providers=1,users=1.",
)
@click.option("--do", "do", type=click.Choice(COMMANDS), required=True, help="The command run on every file.")
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Results folder (default: DIRECTORY-COMMAND beside the library, or FAMILY-sSEED-COMMAND); "
    "outside the library, and holding the results of the same options only.",
)
@click.option(
    "--replace",
    is_flag=True,
    help="Remove the results of a batch with other options from --out instead of refusing the folder "
    "(files a batch does not write are never removed).",
)
@click.option("--jobs", "-j", type=int, default=None, help="Worker processes (default: every CPU).")
@cluster_option()
@in_flight_option()
@click.option(
    "--mode",
    type=click.Choice([m.value for m in Mode]),
    default=Mode.ANONYMOUS.value,
    show_default=True,
    help="solve: personalized or anonymous game.",
)
@click.option(
    "--class", "class_text", default="deterministic", show_default=True, help="solve: strategy class."
)
@click.option("--engine", type=click.Choice(["enumerate", "mip"]), default="enumerate", show_default=True)
@click.option("--delta", default="0", show_default=True, help="solve: δ of δ-equilibrium, exact.")
@click.option(
    "--tie-policy",
    type=click.Choice([p.value for p in TiePolicy]),
    default=TiePolicy.FAVOURABLE.value,
    show_default=True,
)
@class_limit_option("solve, check: ")
@selection_limit_option("solve, check: ")
@choice_limit_option("check: ")
@law_limit_option("solve, check: ")
@benchmark_limit_option("inspect, check: ")
@max_output_option("solve: ")
@reading_limit_options()
@click.option(
    "--progress/--no-progress", default=None, help="Progress bar (default: when stderr is a terminal)."
)
@click.option("--show", type=int, default=20, show_default=True, help="Summary rows printed.")
def batch_command(
    directory: Path | None,
    generated: GeneratedLibrary | None,
    do: str,
    out: Path | None,
    replace: bool,
    jobs: int | None,
    cluster: ClusterSpec | None,
    in_flight: int | None,
    mode: str,
    class_text: str,
    engine: str,
    delta: str,
    tie_policy: str,
    limit: int,
    selection_limit: int,
    choice_limit: int,
    law_limit: int,
    benchmark_limit: int,
    max_output_equilibria: int,
    progress: bool | None,
    show: int,
) -> None:
    """Run a command over every instance file in DIRECTORY, in parallel, resumably.

    One result file per instance is written as it finishes (OUT/PATH.json for DIRECTORY/PATH); a
    rerun with the same options skips the instances already done, and a run with other options
    into the same folder is refused unless --replace. --generate FAMILY:SEED:COUNT stands for the
    folder pluralis generate would write, and --cluster runs on Dask distributed. Exit status 1
    when some instance failed or is incomplete; 2 when the results folder is refused; 130 when
    interrupted (Ctrl-C), keeping the finished instances only.
    """
    if (directory is None) == (generated is None):
        raise click.UsageError(
            f"give either DIRECTORY or {GENERATE_OPTION} FAMILY:SEED:COUNT, not both or neither"
        )
    if cluster is not None and jobs is not None:
        raise click.UsageError("--jobs sets the processes of the local pool; with --cluster local:N, N does")
    if cluster is None and in_flight is not None:
        raise click.UsageError("--in-flight bounds the tasks handed to a cluster; give it with --cluster")
    if do == "solve" and class_text == "full":
        raise click.UsageError("batch solves over finite classes; --class full is not supported here")
    options = BatchOptions(
        do,
        mode,
        class_text,
        engine,
        delta,
        tie_policy,
        limit,
        selection_limit,
        choice_limit,
        law_limit,
        benchmark_limit,
        max_output_equilibria,
    )
    library: Path | GeneratedLibrary
    if generated is not None:
        library = generated
        default = Path(f"{generated.family}-s{generated.seed}-{do}")
    else:
        assert directory is not None
        library = directory
        # "." has no name of its own: the default folder goes beside the folder it stands for.
        base = directory if directory.name not in ("", ".", "..") else directory.resolve()
        default = base.parent / f"{base.name}-{do}"
    target = out if out is not None else default
    console = output_console()

    def interrupted(finished: int, total: int) -> None:
        click.echo(
            f"INTERRUPTED: {finished} of {total} instances finished, their results are in {target}; "
            "the same command computes the others (no summary is written until every instance is done)",
            err=True,
        )

    report = run_batch(
        library,
        target,
        options,
        jobs=jobs,
        progress=sys.stderr.isatty() if progress is None else progress,
        on_interrupt=interrupted,
        replace=replace,
        cluster=cluster,
        in_flight=in_flight,
    )
    _print_report(console, report, target, show)
    if report.failed:
        raise SystemExit(1)

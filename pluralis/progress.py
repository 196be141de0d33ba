"""Progress bars on standard error for the engine's long loops (a :data:`ProgressHook` drawn by rich)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TaskID, TextColumn, TimeRemainingColumn

from solver.core.progress import ProgressHook


@contextmanager
def progress_bar(label: str, enabled: bool) -> Iterator[ProgressHook | None]:
    """A transient progress bar on standard error, as a hook for the engine, or None when disabled.

    Parameters
    ----------
    label : str
        What is running, shown before the bars.
    enabled : bool
        Whether to show it (usually: standard error is a terminal and the output is not JSON).

    Yields
    ------
    ProgressHook or None
        A hook that draws one bar per task name it is called with.
    """
    if not enabled:
        yield None
        return
    progress = Progress(
        TextColumn(label),
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn(),
        console=Console(stderr=True),
        transient=True,
    )
    tasks: dict[str, TaskID] = {}

    def hook(task: str, completed: int, total: int) -> None:
        if task not in tasks:
            tasks[task] = progress.add_task(task, total=total or None)
        progress.update(tasks[task], completed=completed)

    with progress:
        yield hook

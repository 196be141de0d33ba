"""How long loops of the engine report progress, without knowing how it is shown.

A caller that wants a bar passes a :data:`ProgressHook`; the engine calls it now and then with the
task's name, the units done and the total (0 when unknown). The command line draws it
(:mod:`pluralis.progress`); the engine never imports a terminal library.
"""

from __future__ import annotations

from collections.abc import Callable

ProgressHook = Callable[[str, int, int], None]
"""``hook(task, completed, total)``: called by a long loop as it advances."""

PROGRESS_STEP = 2048
"""How many units of work pass between two calls of a hook inside a tight loop."""


def report(hook: ProgressHook | None, task: str, completed: int, total: int) -> None:
    """Call a progress hook if there is one.

    Parameters
    ----------
    hook : ProgressHook or None
        Where progress goes; None shows nothing.
    task : str
        The task's name, as shown.
    completed : int
        Units done.
    total : int
        Units in all, 0 when unknown.
    """
    if hook is not None:
        hook(task, completed, total)

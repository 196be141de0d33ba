"""Ctrl-C in the command line: every command exits 130 and keeps only what it finished.

An interruption (SIGINT, Ctrl-C) ends every ``pluralis`` command with exit status 130
(:data:`EXIT_INTERRUPTED`), after it has printed what it finished. Some engines catch the
interruption themselves and return what they found, marked incomplete (an enumeration's
``complete=False``); :func:`watch_interrupts` tells the command that this happened, so that it
prints the partial result as such and still exits 130. Files are written whole or not at all:
:func:`defer_interrupts` holds a Ctrl-C back while a set of finished files is moved into place.
"""

from __future__ import annotations

import contextlib
import signal
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from types import FrameType

EXIT_INTERRUPTED = 130
"""Exit status of an interrupted command (128 + SIGINT, as a shell reports it)."""


@dataclass
class Interruptions:
    """Whether SIGINT arrived while a :func:`watch_interrupts` or :func:`defer_interrupts` block ran.

    Attributes
    ----------
    interrupted : bool
        True once a SIGINT has arrived.
    """

    interrupted: bool = False


def _main_thread() -> bool:
    return threading.current_thread() is threading.main_thread()


@contextlib.contextmanager
def watch_interrupts() -> Iterator[Interruptions]:
    """Record whether SIGINT arrives, while still raising ``KeyboardInterrupt`` as usual.

    An engine that catches the ``KeyboardInterrupt`` and returns a partial result leaves no
    trace of the interruption but its result's flag; the watch tells the command line that it
    was an interruption (not, say, a time limit) so that the command exits 130.

    Yields
    ------
    Interruptions
        Its ``interrupted`` is True once SIGINT has arrived inside the block.
    """
    watch = Interruptions()
    if not _main_thread():
        # Signal handlers can only be installed from the main thread; elsewhere nothing is watched.
        yield watch
        return
    previous = signal.getsignal(signal.SIGINT)
    if previous is signal.SIG_IGN:
        yield watch
        return

    def handler(number: int, frame: FrameType | None) -> None:
        watch.interrupted = True
        if callable(previous):
            previous(number, frame)
        else:
            raise KeyboardInterrupt

    signal.signal(signal.SIGINT, handler)
    try:
        yield watch
    finally:
        signal.signal(signal.SIGINT, previous)


@contextlib.contextmanager
def defer_interrupts() -> Iterator[Interruptions]:
    """Hold SIGINT back until the block ends, then raise ``KeyboardInterrupt`` if one came.

    For short steps that must not be cut in half: moving a set of finished files into place,
    or stopping worker processes (a second Ctrl-C then waits for them instead of leaving them
    running).

    Yields
    ------
    Interruptions
        Its ``interrupted`` is True once SIGINT has arrived inside the block.
    """
    watch = Interruptions()
    if not _main_thread():
        yield watch
        return
    previous = signal.getsignal(signal.SIGINT)

    def handler(number: int, frame: FrameType | None) -> None:
        watch.interrupted = True

    signal.signal(signal.SIGINT, handler)
    try:
        yield watch
    finally:
        signal.signal(signal.SIGINT, previous)
    if watch.interrupted and previous is not signal.SIG_IGN:
        raise KeyboardInterrupt


@contextlib.contextmanager
def blocked_interrupts() -> Iterator[None]:
    """Block SIGINT in the calling thread while the block runs, where the platform allows it.

    Processes and threads started meanwhile inherit the block, so a Ctrl-C cannot kill a helper
    process in the middle of its start-up (with a traceback); a SIGINT that arrives meanwhile is
    delivered, to this thread, when the block ends.

    Yields
    ------
    None
    """
    if not hasattr(signal, "pthread_sigmask"):
        yield
        return
    signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})


def ignore_interrupts() -> None:
    """Make the calling process ignore SIGINT from now on.

    The initializer of ``pluralis batch``'s workers: a terminal delivers Ctrl-C to every process
    of the foreground group, workers included; ignoring it there leaves the decision to the
    parent, which stops the workers itself. Also called by the command line once it exits as
    interrupted, so that a second Ctrl-C cannot change the exit status.
    """
    signal.signal(signal.SIGINT, signal.SIG_IGN)


__all__ = [
    "EXIT_INTERRUPTED",
    "Interruptions",
    "blocked_interrupts",
    "defer_interrupts",
    "ignore_interrupts",
    "watch_interrupts",
]

"""A time bound on one story's stages, so a runaway parser or regex cannot hold the stream.

CPython cannot stop a thread from outside, but a signal handler runs between
bytecodes, and the regex engine checks for signals as it backtracks: an interval
timer (SIGALRM) raising `StoryTimeout` interrupts any pure-Python stage (C code,
such as lxml's parser, only when it returns to Python). Signals reach the main
thread only; elsewhere the block runs unbounded (the worker, the offline run and
the tests all run the pipeline on the main thread).
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType


class StoryTimeout(BaseException):
    """The stages of one story ran longer than the bound.

    Not an `Exception`: libraries wrap their work in ``except Exception`` (trafilatura
    does, around parsing), which would swallow the timeout and let the story run on.
    """


_armed = False


def _on_alarm(signum: int, frame: FrameType | None) -> None:
    if _armed:  # a late alarm after the block ended is ignored
        raise StoryTimeout


@contextmanager
def time_bound(seconds: float) -> Iterator[None]:
    """Raise `StoryTimeout` inside the block once it has run `seconds` (0: no bound)."""
    global _armed
    if seconds <= 0 or threading.current_thread() is not threading.main_thread():
        yield
        return
    if signal.getsignal(signal.SIGALRM) is not _on_alarm:
        signal.signal(signal.SIGALRM, _on_alarm)
    _armed = True
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        _armed = False
        signal.setitimer(signal.ITIMER_REAL, 0)

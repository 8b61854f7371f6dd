"""How the worker keeps its memory: the garbage collector's settings, and freed heap
handed back to the operating system."""

from __future__ import annotations

import ctypes
import ctypes.util
import gc
import os
from collections.abc import Callable

# Objects allocated before the collector looks for cycles among the young ones (CPython's
# default is 700). A story allocates thousands of short-lived objects, nearly all freed by
# their reference counts; at 700 the worker collected more than once a story and spent 6%
# of its CPU in collections, at 10,000 1.5% (docs/BENCHMARKS.md, 2026-12-07).
YOUNG_COLLECTION_THRESHOLD = 10_000
_PAGE = os.sysconf("SC_PAGE_SIZE")


def settle_collector() -> None:
    """What is loaded so far lives as long as the process: out of the collector's sight,
    its full collections stop walking it again and again; young objects are collected
    less often."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(YOUNG_COLLECTION_THRESHOLD, *gc.get_threshold()[1:])


def _malloc_trim() -> Callable[[int], int] | None:
    """glibc's malloc_trim, or None where the C library has none (musl, macOS)."""
    name = ctypes.util.find_library("c")
    try:
        return ctypes.CDLL(name).malloc_trim if name else None
    except (OSError, AttributeError):
        return None


_TRIM = _malloc_trim()


def resident_bytes() -> int:
    """This process's resident set size (0 where /proc is not there)."""
    try:
        with open("/proc/self/statm", encoding="ascii") as statm:
            return int(statm.read().split()[1]) * _PAGE
    except OSError:
        return 0


def trim_heap() -> int:
    """Hand the C heap's free pages back to the operating system; the bytes of resident
    memory that went. glibc keeps what is freed in the middle of its heap (by RocksDB,
    by large Python objects) for later use: in the soak RSS rose in steps at each index
    sweep and did not come down."""
    if _TRIM is None:
        return 0
    before = resident_bytes()
    _TRIM(0)
    return max(before - resident_bytes(), 0)

"""Handing memory a long list's load freed back to the system (glibc's allocator; elsewhere,
nothing to do).

The Python rows, page answers and numpy index arrays of a load are freed blocks of glibc's
heaps. A freed block of a few MB (an index array) raises glibc's mmap threshold to its size
(its default, dynamic threshold), so later large blocks come from the heap too and stay in the
process once freed: at 300,000 devices (tests/perf/bench_app.py) 20-30 MB of free heap were
kept after the load. `keep_large_blocks_out_of_heap` fixes the threshold (blocks of 256 KiB and
more are mapped, and unmapped when freed); `give_back_freed` returns what is free now
(`malloc_trim`), off the UI thread once a load has finished (`store.RowStore.prepare_sorts`).
polars allocates with its own jemalloc, which returns freed pages by itself within a second
(`dirty_decay_ms`, set by polars).
"""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import sys
import threading

_M_MMAP_THRESHOLD = -3  # glibc's malloc.h
LARGE_BLOCK = 256 * 1024

_lock = threading.Lock()
_libc: ctypes.CDLL | None = None
_loaded = False
_threshold_set = False


def _glibc() -> ctypes.CDLL | None:
    """glibc, or None on another C library or system."""
    global _libc, _loaded
    with _lock:
        if not _loaded:
            _loaded = True
            if sys.platform.startswith("linux"):
                with contextlib.suppress(OSError):
                    libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
                    if hasattr(libc, "malloc_trim") and hasattr(libc, "mallopt"):
                        _libc = libc
        return _libc


def keep_large_blocks_out_of_heap() -> bool:
    """Serve blocks of LARGE_BLOCK and more by mmap from now on (once per process); True if
    the allocator took the setting."""
    global _threshold_set
    libc = _glibc()
    if libc is None:
        return False
    with _lock:
        if not _threshold_set:
            _threshold_set = bool(libc.mallopt(_M_MMAP_THRESHOLD, LARGE_BLOCK))
        return _threshold_set


def give_back_freed() -> bool:
    """Return the free memory of glibc's heaps to the system (`malloc_trim`); True if some
    was. Takes a few milliseconds and the heaps' locks: call it off the UI thread."""
    libc = _glibc()
    return bool(libc.malloc_trim(0)) if libc is not None else False

"""Handing memory a long list's load freed back to the system (glibc's allocator; elsewhere,
nothing to do).

The Python rows, page answers and numpy index arrays of a load are freed blocks of glibc's
heaps. A freed block of a few MB (an index array) raises glibc's mmap threshold to its size
(its default, dynamic threshold), so later large blocks come from the heap too and stay in the
process once freed: at 300,000 devices (tests/perf/bench_app.py) 20-30 MB of free heap were
kept after the load. `keep_large_blocks_out_of_heap` fixes the threshold (blocks of 256 KiB and
more are mapped, and unmapped when freed); `give_back_freed` returns what is free now
(`malloc_trim`), off the UI thread once a load has finished (`store.RowStore.prepare_sorts`).
polars allocates with its own jemalloc. Its settings (dirty_decay_ms 500, muzzy_decay_ms 1000)
let it keep freed pages resident for a while; `tune_engine_allocator` has it return them
sooner (must run before polars is imported: jemalloc reads `_RJEM_MALLOC_CONF` when it starts).
"""

from __future__ import annotations

import contextlib
import os
import sys
import threading
import time
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import ctypes

# polars' jemalloc (tikv-jemallocator) reads `_RJEM_MALLOC_CONF`; polars' own __init__ writes
# its settings there first and appends what the environment held (polars 2.1.0
# polars/__init__.py, pola-rs/polars#18088 and #21829: the last setting wins). Here freed pages
# are unmapped (no lazy "muzzy" stage, which stays resident) once unused for 100 ms. Measured
# at 100,000 devices (tests/perf/probe_store_memory.py, the app's page path): RSS after the
# load 94-96 -> 88-89 MiB, load CPU unchanged; with no delay at all 84 MiB, but 20-35% more
# CPU for the load (every freed page mapped again).
ENGINE_ALLOCATOR = "dirty_decay_ms:100,muzzy_decay_ms:0"
# How long `let_engine_free` waits: the decay above and a little more for the allocator's
# background thread (polars turns it on) to get to it.
ENGINE_FREE_SECONDS = 0.2
_ENGINE_ALLOCATOR_VARIABLE = "_RJEM_MALLOC_CONF"
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
                # Imported here, on the engine's thread: not on the first frame's path.
                import ctypes
                import ctypes.util

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


def tune_engine_allocator() -> None:
    """Have polars' allocator hand freed pages back at once (ENGINE_ALLOCATOR), unless the
    environment says otherwise. Does nothing once polars is imported."""
    if "polars" not in sys.modules:
        os.environ.setdefault(_ENGINE_ALLOCATOR_VARIABLE, ENGINE_ALLOCATOR)


def let_engine_free() -> None:
    """Return what is free to the system now (`give_back_freed`) and wait until the engine's
    allocator has done the same (ENGINE_FREE_SECONDS): between steps of a worker thread
    whose temporaries are large (`store.ColumnStore.prepare_sorts`, ~50-100 MB each at a
    million rows), so that one step's are gone before the next one's are made and the two
    do not add up (they did: ~165 MiB at the peak at a million devices, ~100 for one)."""
    give_back_freed()
    time.sleep(ENGINE_FREE_SECONDS)

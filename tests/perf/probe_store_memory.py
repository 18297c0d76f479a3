"""Issue 21: where a long device list's memory goes in the row store, column by column.

    .venv/bin/python tests/perf/probe_store_memory.py --rows 300000

The pages come as the app gets them (the fake Graph's bytes of a `$select`ed page of 1,000
devices, `page_columns.read_page` + `column_page`, appended as columns), in one process: the
tenant is built before the first RSS reading. Prints RSS after the load (and after glibc's
free heap is returned), each frame column's `estimated_size`, the sort orders, exceptions and
object lists, glibc's heap in use and free, the Python allocator's arenas, the first name sort
(nothing prepared), `prepare_sorts` (and the highest RSS while it ran) and RSS after it.
"""

from __future__ import annotations

import argparse
import ctypes
import gc
import json
import sys
import threading
import time
from pathlib import Path
from typing import Any

import psutil

REPO = Path(__file__).resolve().parents[2]
if "PYTHONPATH" not in __import__("os").environ and str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))  # else the tree PYTHONPATH names (before/after runs)

MIB = 2**20


def rss() -> float:
    return psutil.Process().memory_info().rss / MIB


class PeakRss:
    """The highest RSS (MiB) seen while the `with` block runs, sampled every `interval` seconds
    on a thread of its own (VmRSS: psutil's `memory_info` is too slow to sample that often)."""

    def __init__(self, interval: float = 0.002) -> None:
        self.highest = 0.0
        self._interval = interval
        self._done = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)

    def __enter__(self) -> PeakRss:
        self.highest = rss()
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._done.set()
        self._thread.join()

    def _sample(self) -> None:
        with open("/proc/self/status", encoding="ascii") as status:
            while not self._done.wait(self._interval):
                status.seek(0)
                for line in status:
                    if line.startswith("VmRSS:"):
                        self.highest = max(self.highest, int(line.split()[1]) / 1024)
                        break


class _Mallinfo2(ctypes.Structure):
    _fields_ = [(name, ctypes.c_size_t) for name in (
        "arena", "ordblks", "smblks", "hblks", "hblkhd", "usmblks", "fsmblks", "uordblks",
        "fordblks", "keepcost")]


def glibc_heap() -> dict[str, float]:
    libc = ctypes.CDLL("libc.so.6")
    libc.mallinfo2.restype = _Mallinfo2
    info = libc.mallinfo2()
    return {"heap_mib": info.arena / MIB, "heap_used_mib": info.uordblks / MIB,
            "heap_free_mib": info.fordblks / MIB, "mmapped_mib": info.hblkhd / MIB}


def pymalloc_arenas() -> dict[str, float]:
    """The Python allocator's arenas (`sys._debugmallocstats`): total and blocks in use."""
    import os
    import tempfile

    with tempfile.TemporaryFile("w+") as out:
        saved = os.dup(2)
        os.dup2(out.fileno(), 2)
        try:
            sys._debugmallocstats()
        finally:
            os.dup2(saved, 2)
            os.close(saved)
        out.seek(0)
        text = out.read()
    found: dict[str, float] = {}
    for line in text.splitlines():
        label, _, value = line.rpartition("=")
        label = label.strip().lstrip("#").strip()
        number = value.strip().replace(",", "")
        if label.startswith("bytes in allocated blocks") and number.isdigit():
            found["py_blocks_mib"] = int(number) / MIB
        elif label.startswith("Total") and number.isdigit():
            found["py_arenas_mib"] = int(number) / MIB
        elif label == "arenas allocated current" and number.isdigit():
            # 1 MiB arenas (CPython 3.10+), kept while any block in them is in use: a load's
            # short-lived objects among long-lived ones leave them fragmented (issue 21).
            found["py_arenas_current_mib"] = int(number) * 1.0
    return found


def load_pages(store: Any, tenant: Any) -> None:
    """The tenant's devices into `store` as the app gets them: pages of 1,000 as the fake Graph
    writes them, read as columns, appended, then compacted."""
    from intune_tui.demo.tenant.device_encode import encode_page
    from intune_tui.intune import page_columns
    from intune_tui.intune.resources import RESOURCES

    resource, devices = RESOURCES["devices"], tenant.devices
    live = list(devices.live_indices())
    for first in range(0, len(live), 1000):
        body = encode_page(devices, live[first:first + 1000], resource.select, beta=False,
                           head=b'{"value":', tail=b"}")
        read = page_columns.read_page(body)
        assert read is not None
        unseen = page_columns.unseen(resource, read.page, None)
        assert unseen is not None
        page = page_columns.column_page(resource, unseen[0], tenant.now)
        assert page is not None, first
        store.append([], columns=page)
    impl = store._impl
    if impl._compacting is not None:
        impl._compacting[3].result()
        impl._take_compacted()


def load_devices(total: int) -> Any:
    """A row store holding `total` demo devices, loaded as `load_pages` does."""
    from intune_tui.demo.tenant import build_tenant
    from intune_tui.intune.resources import RESOURCES
    from intune_tui.table import columns as col
    from intune_tui.table.store import RowStore

    store: Any = RowStore(len(RESOURCES["devices"].columns))
    col.wait_for_engine()
    load_pages(store, build_tenant(devices=total))
    return store


def run(total: int, trace: bool = False) -> dict[str, Any]:
    from intune_tui.demo.tenant import build_tenant
    from intune_tui.intune.resources import RESOURCES
    from intune_tui.table import columns as col
    from intune_tui.table.store import RowStore

    resource = RESOURCES["devices"]
    tenant = build_tenant(devices=total)
    store: Any = RowStore(len(resource.columns))
    col.wait_for_engine()
    gc.collect()
    before = rss()
    result0 = {f"base_{k}": v for k, v in {**glibc_heap(), **pymalloc_arenas()}.items()}
    if trace:
        import tracemalloc
        tracemalloc.start()
    start = time.process_time()
    load_pages(store, tenant)
    result: dict[str, Any] = {"rows": store.rows_count, "load_cpu_s": time.process_time() - start}
    result.update(result0)
    impl = store._impl
    gc.collect()
    time.sleep(1.5)  # jemalloc's decay
    result["rss_loaded_mib"] = rss() - before
    result.update(glibc_heap())
    result.update(pymalloc_arenas())
    if trace:
        snapshot = tracemalloc.take_snapshot()
        tracemalloc.stop()
        result["traced"] = [f"{stat.size / MIB:.1f} MiB {stat.count} {stat.traceback}"
                            for stat in snapshot.statistics("lineno")[:15]]
    from intune_tui.table import memory

    memory.give_back_freed()
    result["rss_trimmed_mib"] = rss() - before
    frame = impl._frame
    result["chunks"] = frame.n_chunks("all")
    sizes = {name: frame.get_column(name).estimated_size() / MIB for name in frame.columns}
    result["frame_mib"] = sum(sizes.values())
    result["columns"] = {name: [round(size, 1), str(frame.schema[name]),
                                impl._kinds.get(name, "")] for name, size in sizes.items()}
    result["derived"] = {name: kind for name, kind in impl._kinds.items() if col.derived(kind)}
    result["exceptions"] = {name: len(values) for name, values in impl._exceptions.items()}
    result["objects"] = {name: len(values) for name, values in impl._objects.items()}
    start = time.perf_counter()
    store.sort_by(0)
    result["sort_name_ms"] = (time.perf_counter() - start) * 1000
    start = time.perf_counter()
    store.sort_by(6, True)
    result["sort_sync_desc_ms"] = (time.perf_counter() - start) * 1000
    store.sort_by(None)
    result["rss_sorted_mib"] = rss() - before
    start = time.perf_counter()
    with PeakRss() as peak:
        result["prepared"] = store.prepare_sorts()
    result["prepare_ms"] = (time.perf_counter() - start) * 1000
    # The highest RSS while the orders were worked out (their temporaries), sampled.
    result["rss_prepare_peak_mib"] = peak.highest - before
    result["orders_mib"] = sum(entry[1].nbytes + (entry[3].nbytes if entry[3] is not None else 0)
                               for entry in impl._prepared.values()) / MIB
    time.sleep(1.5)
    result["rss_prepared_mib"] = rss() - before
    start = time.perf_counter()
    store.sort_by(0)
    result["sorted_name_ms"] = (time.perf_counter() - start) * 1000
    keystrokes = []
    for n in range(1, 10):
        start = time.perf_counter()
        store.set_filter(words=["laptop-01"[:n]])
        keystrokes.append((time.perf_counter() - start) * 1000)
    result["keystroke_max_ms"] = max(keystrokes)
    result["rss_end_mib"] = rss() - before
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, default=300_000)
    parser.add_argument("--trace", action="store_true", help="tracemalloc's top lines")
    args = parser.parse_args()
    print(json.dumps(run(args.rows, args.trace), indent=1))


if __name__ == "__main__":
    main()

"""Issue 21: the memory and time the warm-start snapshot's write takes after a long device list.

    .venv/bin/python tests/perf/probe_snapshot_write.py --rows 1000000 --trees . ../wt-before

Each run is a fresh process (one per tree, alternating, `--repeat` times): it loads the list as
the app gets it (probe_store_memory.py's load: the fake Graph's pages, `column_page`, appended
as columns, compacted, `prepare_sorts` as a load's end does), returns the heap's free memory to
the system, then writes the snapshot as the app's writer thread does (`warm_start.write_rows`
with a fixed key in place of the keyring's, into a temporary folder) and reports the highest
RSS seen while it wrote, above the RSS just before (sampled every 5 ms on a thread), when it
was seen, the increase 0.1 to 1 s into the write, and the write's wall time. A tree whose store
has `dump_into` is given a dump writing into the sealing stream; an older one,
`RowStore.dump(prefix)` (its `write_rows` then seals the whole payload).

1,000,000 devices, 2 runs each, alternating, load 1.1-2.3 (2026-12-08): peak increase
521 -> 114 MiB (516-526 -> 105-123), write 1.52 -> 1.10 s. 0.2 s into the write both trees
are ~+72-90 MiB: the first part written is the search text's column (80 MiB made whole in one
chunk, +85 MiB while it is written; written as it is chunked, +31 MiB, but in one record batch
a chunk).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from probe_store_memory import PeakRss, rss

HERE = Path(__file__).resolve().parent


class Timeline(PeakRss):
    """`PeakRss` keeping every reading (MiB) with its time, every 5 ms."""

    def __init__(self) -> None:
        super().__init__()
        self.readings: list[tuple[float, float]] = []

    def _sample(self) -> None:
        while not self._done.wait(0.005):
            self.readings.append((time.perf_counter(), rss()))
            self.highest = max(self.highest, self.readings[-1][1])

    def at(self, moment: float) -> float:
        """The last reading at or before `moment`."""
        return max((reading for reading in self.readings if reading[0] <= moment),
                   default=self.readings[0])[1]

    def peak_time(self) -> float:
        return max(self.readings, key=lambda reading: reading[1])[0]


def child(total: int) -> dict[str, Any]:
    import gc

    from probe_store_memory import load_devices

    from intune_tui import warm_start
    from intune_tui.intune.resources import RESOURCES
    from intune_tui.snapshot import SnapshotPlace
    from intune_tui.table import memory

    resource = RESOURCES["devices"]
    store = load_devices(total)
    store.prepare_sorts()
    frame = store._impl._frame
    result: dict[str, Any] = {"rows": store.rows_count, "chunks": max(frame.n_chunks("all"))}
    streamed = hasattr(store, "dump_into")
    result["streamed"] = streamed

    def dump_into(stream: Any) -> bool:
        store.dump_into(stream)
        return True

    warm_start.KEY_SOURCE = lambda *_, **__: bytes(range(32))
    with tempfile.TemporaryDirectory(prefix="probe-snapshot-") as folder:
        access = warm_start.SnapshotAccess(SnapshotPlace(Path(folder), "probe", "tenant"),
                                           max_age=3600.0, keyring_timeout=1.0)
        gc.collect()
        time.sleep(1.5)  # jemalloc's decay
        memory.give_back_freed()
        before = rss()
        start = time.perf_counter()
        with Timeline() as timeline:
            path = warm_start.write_rows(access, resource,
                                         dump_into if streamed else store.dump)
        result["write_s"] = time.perf_counter() - start
        result["increase_at_mib"] = {f"{at:.1f}s": round(timeline.at(start + at) - before)
                                     for at in (0.1, 0.2, 0.5, 1.0) if at < result["write_s"]}
        result["peak_at_s"] = round(timeline.peak_time() - start, 2)
        assert path is not None, "nothing written"
        result["file_mb"] = path.stat().st_size / 1e6
        result["rss_before_mib"] = before
        result["peak_increase_mib"] = timeline.highest - before
        back = warm_start.read_rows(access, resource, __import__("datetime").datetime.now(
            __import__("datetime").UTC))
        assert back is not None and back.count == total, "the snapshot does not read back"
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--trees", nargs="+", default=["."])
    parser.add_argument("--repeat", type=int, default=2)
    parser.add_argument("--child", action="store_true")
    args = parser.parse_args()
    if args.child:
        print(json.dumps(child(args.rows)))
        return
    runs: dict[str, list[dict[str, Any]]] = {tree: [] for tree in args.trees}
    for number in range(args.repeat):
        for tree in args.trees:
            environment = {**os.environ, "PYTHONPATH": str(Path(tree).resolve())}
            done = subprocess.run([sys.executable, str(HERE / "probe_snapshot_write.py"),
                                   "--child", "--rows", str(args.rows)], env=environment,
                                  capture_output=True, text=True, check=True)
            result = json.loads(done.stdout.strip().splitlines()[-1])
            result["load"] = os.getloadavg()[0]
            runs[tree].append(result)
            print(f"run {number + 1} {tree}: {json.dumps(result)}", flush=True)
    for tree, results in runs.items():
        peaks = [result["peak_increase_mib"] for result in results]
        times = [result["write_s"] for result in results]
        print(f"{tree}: peak RSS increase median {statistics.median(peaks):.0f} MiB "
              f"(each {', '.join(f'{peak:.0f}' for peak in peaks)}), write median "
              f"{statistics.median(times):.2f} s (each {', '.join(f'{t:.2f}' for t in times)})")


if __name__ == "__main__":
    main()

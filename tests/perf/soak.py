"""Soak: the real app loads 100,000 devices from a loopback fake Graph that misbehaves.

    .venv/bin/python tests/perf/soak.py                     # 100,000 devices, the faults below
    .venv/bin/python tests/perf/soak.py --devices 20000 --latency-ms 20

The fake Graph runs in its own process (`graph_process.py`) on 127.0.0.1 with --latency-ms per
answer (default 50) and, per request: 10% 429 with a Retry-After of 0.1-1 s, 2% 503, 1% 504
(seeded, so a run is reproducible up to the order concurrent requests arrive in). On top of
that, once: the connection is dropped mid-page (the answer of one device page is lost after
Graph processed it) when a third of the devices are loaded, and every token is expired when
half are loaded.

The app is the real IntuneApp, headless (`run_test`, 120x40), on a token session whose token
comes from `--access-token-command` (`CommandTokenProvider`): a command that asks the fake's
process for a freshly issued token over a Unix socket, so the 401 after the expiry is met by
running the command again, as with `az account get-access-token`.

Checks, one PASS/FAIL line each (exit status 1 if any fails):
- every device loaded exactly once: the table's row keys against the fake tenant's device ids;
- the UI stayed responsive through the load: event-loop lag (a ticker task on the app's loop,
  5 ms sleeps, how late each wakes) p95 <= 30 ms and max <= 100 ms;
- the status bar showed the back-off while it happened: `app.throttle_text` and the list's
  StatusBar, sampled every 50 ms during the load, were non-empty in some samples (the share is
  printed) while the fake answered 429s;
- requests within 5% of the minimum plus the retries: device-list requests the fake saw <=
  1.05 x (pages + every 429/503/504/401/dropped answer it gave), where pages is what the
  strategy the app took needs: ceil(N / 1000) for plain paging; for a listing split in parts (by
  enrollment time), the whole list's first page plus ceil(n / 1000) for each part's n devices, as
  the fake counts them (printed beside the plain figure).
Writes tests/perf/results/soak.json.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import os
import sys
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
for path in (str(REPO), str(HERE)):
    if path not in sys.path:
        sys.path.insert(0, path)

from app_probe import SCREEN_SIZE, Probe, lag_summary, ms, rss_mib, token_app  # noqa: E402
from graph_process import GraphProcess  # noqa: E402

RESULTS = HERE / "results" / "soak.json"
PAGE_CAP = 1000
FAULTS = {"rate_429": 0.10, "retry_after_range": [0.1, 1.0], "rate_503": 0.02,
          "rate_504": 0.01}
SAMPLE_SECONDS = 0.05
LOAD_TIMEOUT = 600.0
RETRIED_ANSWERS = ("429", "503", "504", "401", "dropped")


class ThrottleSampler:
    """Samples what the user sees about throttling while the list loads."""

    def __init__(self, app: Any) -> None:
        self.app = app
        self.samples = 0
        self.app_text = 0
        self.status_bar_text = 0
        self.examples: list[str] = []
        self.running = True

    async def run(self) -> None:
        from intune_tui.ui.widgets.status_bar import StatusBar

        while self.running:
            self.samples += 1
            text = self.app.throttle_text
            if text:
                self.app_text += 1
                if text not in self.examples and len(self.examples) < 3:
                    self.examples.append(text)
            bars = self.app.screen.query(StatusBar)
            if bars and bars.first().throttle:
                self.status_bar_text += 1
            await asyncio.sleep(SAMPLE_SECONDS)


async def soak(graph: GraphProcess, devices: int) -> dict[str, Any]:
    app = token_app(graph.url, token_command=graph.token_command())
    probe = Probe(app)
    sampler = ThrottleSampler(app)
    events: list[str] = []
    async with app.run_test(size=SCREEN_SIZE) as pilot:
        screen = app.screen
        sampler_task = asyncio.get_running_loop().create_task(sampler.run())
        started = time.perf_counter()

        def loaded() -> int:
            return screen.table.rows_count

        await probe.wait_for(lambda: loaded() >= devices // 3, LOAD_TIMEOUT)
        await asyncio.to_thread(graph.call, "drop_next", path_contains="/managedDevices",
                                after_processing=True)
        events.append(f"connection drop armed at {loaded():,} rows")
        await probe.wait_for(lambda: loaded() >= devices // 2, LOAD_TIMEOUT)
        await asyncio.to_thread(graph.call, "expire_tokens")
        events.append(f"tokens expired at {loaded():,} rows")
        finished = await probe.wait_for(
            lambda: screen._complete or bool(screen._status.error), LOAD_TIMEOUT)
        load_seconds = time.perf_counter() - started
        sampler.running = False
        await sampler_task
        keys = [row.key for row in screen.table._rows]
        assert probe.started is not None
        result: dict[str, Any] = {
            "finished": finished,
            "error": screen._status.error,
            "load_seconds": round(load_seconds, 2),
            "lag": lag_summary(probe.lags_between(probe.started, time.perf_counter())),
            "full_gcs_ms": [ms(seconds) for _, seconds in probe.full_gcs],
            "client_requests": app._worker._service.client.request_count
            if app._worker and app._worker._service else None,
            "rss_mib": rss_mib(),
            "events": events,
            "throttle_samples": {"samples": sampler.samples, "app_text": sampler.app_text,
                                 "status_bar": sampler.status_bar_text,
                                 "examples": sampler.examples},
        }
        probe.stop()
        await pilot.pause()
    result["keys"] = keys
    return result


def checks(result: dict[str, Any], ids: list[str], stats: dict[str, Any], devices: int,
           part_counts: dict[str, int]) -> list[tuple[bool, str]]:
    keys = result.pop("keys")
    expected = set(ids)
    seen = set(keys)
    missing = len(expected - seen)
    extra = len(seen - expected)
    duplicated = len(keys) - len(seen)
    lines: list[tuple[bool, str]] = []
    once = result["finished"] and not missing and not extra and not duplicated
    lines.append((once, f"every device loaded exactly once: {len(seen):,} of {len(expected):,}"
                        f" ({missing} missing, {duplicated} duplicated, {extra} unknown)"
                        + (f"; the list stopped on: {result['error']}" if result["error"]
                           else "")))
    lag = result["lag"]
    responsive = (lag.get("p95_ms") or 0) <= 30 and (lag.get("max_ms") or 0) <= 100
    lines.append((responsive, f"UI responsive through the load: event-loop lag p95 "
                              f"{lag.get('p95_ms')} ms (<= 30), max {lag.get('max_ms')} ms "
                              f"(<= 100), p99 {lag.get('p99_ms')} ms"))
    by_status = stats["device_list_by_status"]
    throttled = by_status.get("429", 0)
    samples = result["throttle_samples"]
    share = samples["status_bar"] / samples["samples"] if samples["samples"] else 0.0
    shown = throttled == 0 or (samples["app_text"] > 0 and samples["status_bar"] > 0)
    lines.append((shown, f"back-off shown: status bar non-empty in {samples['status_bar']} of "
                         f"{samples['samples']} samples ({share:.0%}; app.throttle_text in "
                         f"{samples['app_text']}) while Graph answered 429 {throttled} times;"
                         f" e.g. {samples['examples'][:1]}"))
    plain_pages = math.ceil(devices / PAGE_CAP)
    # A split listing needs the whole list's first page plus every part's pages.
    pages = (1 + sum(math.ceil(count / PAGE_CAP) for count in part_counts.values())
             if part_counts else plain_pages)
    retries = sum(by_status.get(status, 0) for status in RETRIED_ANSWERS)
    allowed = 1.05 * (pages + retries)
    sent = stats["device_list"]
    how = (f"split in {len(part_counts)} parts: 1 + the parts' pages = {pages}, plain paging "
           f"would need {plain_pages}" if part_counts else f"plain paging: {pages} pages")
    lines.append((sent <= allowed, f"requests: {sent} device-list requests <= 1.05 x ({pages} "
                                   f"pages + {retries} retried answers) = {allowed:.0f} "
                                   f"[{how}; answers by status: {by_status}]"))
    return lines


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--devices", type=int, default=100_000)
    parser.add_argument("--latency-ms", type=float, default=50.0)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--output", type=Path, default=RESULTS)
    args = parser.parse_args()

    print(f"soak: {args.devices:,} devices, {args.latency_ms:g} ms per answer, faults "
          f"{FAULTS}", file=sys.stderr, flush=True)
    with GraphProcess(args.devices, args.latency_ms, seed=args.seed, faults=FAULTS) as graph:
        ids = graph.call("device_ids")
        result = asyncio.run(soak(graph, args.devices))
        stats = graph.call("stats")
        parts = [text for text in stats["device_list_filters"] if text != "-"]
        part_counts = graph.call("filter_counts", filters=parts)
    lines = checks(result, ids, stats, args.devices, part_counts)
    report = {"devices": args.devices, "latency_ms": args.latency_ms, "faults": FAULTS,
              "load_average": round(os.getloadavg()[0], 2), "result": result,
              "fake_graph": stats,
              "checks": [{"passed": passed, "line": line} for passed, line in lines]}
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    print(f"loaded in {result['load_seconds']} s; {'; '.join(result['events'])}; "
          f"{result['client_requests']} requests sent by the app; RSS {result['rss_mib']} MiB; "
          f"full GCs (ms) {result['full_gcs_ms']}")
    for passed, line in lines:
        print(f"{'PASS' if passed else 'FAIL'} {line}")
    print(f"JSON: {args.output}")
    return 0 if all(passed for passed, _ in lines) else 1


if __name__ == "__main__":
    sys.exit(main())

"""Benchmark: look up pasted serials across Intune, Entra ID and Autopilot at a Graph latency,
then offboard part of them. Prints figures; asserts nothing. Run:

    .venv/bin/python tests/perf/bench_lifecycle.py [serials] [latency-ms] [offboard-devices]

The fake Graph answers in-process after `latency-ms` per HTTP request (a `$batch` of 20 is one
request), as a real round trip would. The lookup paces itself under the documented per-app
limits (lifecycle.AREA_BUDGETS); the offboarding runs with 10% of requests answered 429 and one
dropped connection, and checks that every change reached the fake exactly once.
"""

from __future__ import annotations

import asyncio
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

from intune_tui.audit import AuditLog
from intune_tui.demo import lifecycle as demo_lifecycle
from intune_tui.demo.fake_graph import FakeGraph
from intune_tui.demo.tenant import build_tenant
from intune_tui.graph.client import GraphClient
from intune_tui.graph.tokens import StaticTokenProvider
from intune_tui.intune.lifecycle import DeviceLookup, parse_inputs
from intune_tui.intune.offboarding import DEFAULT_STEPS, Journal, OffboardRunner, build_plan


async def main(serial_count: int, latency_ms: float, offboard_count: int) -> None:
    started = time.perf_counter()
    tenant = build_tenant(devices=max(3000, serial_count * 3))
    fake = FakeGraph(tenant, latency_ms=latency_ms)
    directories = demo_lifecycle.LifecycleDirectories.build(tenant)
    fake.lifecycle = directories  # type: ignore[attr-defined]
    print(f"tenant: {len(tenant.devices)} devices, {len(directories.entra)} Entra devices, "
          f"{len(directories.autopilot)} Autopilot identities "
          f"({time.perf_counter() - started:.1f} s to build)")
    serials = [item["serialNumber"] for item in directories.autopilot][:serial_count]
    pasted = "\n".join(serials)
    client = GraphClient(StaticTokenProvider(fake.issue_token()), transport=fake.transport())
    progress: list[tuple[float, int, int]] = []
    lookup = DeviceLookup(client, on_progress=lambda done, total: progress.append(
        (time.perf_counter(), done, total)))
    started = time.perf_counter()
    report = await lookup.lookup(parse_inputs(pasted))
    elapsed = time.perf_counter() - started
    statuses = Counter(result.status for result in report.results)
    http = len([r for r in fake.requests if not r.in_batch])
    print(f"lookup of {len(serials)} serials at {latency_ms:.0f} ms: {elapsed:.2f} s, "
          f"{report.requests} Graph requests in {http} HTTP requests, {dict(statuses)}, "
          f"{len(progress)} progress updates")

    fake.requests.clear()
    chosen = [result.devices[0] for result in report.matched()
              if result.devices[0].managed and result.devices[0].entra][:offboard_count]
    plan = build_plan(chosen, DEFAULT_STEPS, tenant="bench", operator="bench@contoso")
    fake.faults.rate_429 = 0.10
    fake.faults.retry_after_range = (0.05, 0.2)
    fake.faults.drop_next(path_contains="windowsAutopilotDeviceIdentities/",
                          after_processing=True)
    with tempfile.TemporaryDirectory() as directory:
        journal = Journal.create(Path(directory), plan)
        started = time.perf_counter()
        result = await OffboardRunner(client, journal,
                                      AuditLog(Path(directory) / "audit.jsonl")).run()
        elapsed = time.perf_counter() - started
    applied = Counter((r.method, r.path) for r in fake.requests
                      if r.method != "GET" and r.status is not None and 200 <= r.status < 300)
    throttled = sum(1 for r in fake.requests if r.status == 429)
    print(f"offboarding {len(plan.devices)} devices, {plan.step_count} steps, 10% 429 "
          f"({throttled} answered 429), 1 dropped answer: {elapsed:.2f} s, "
          f"complete={result.complete}, changes applied {sum(applied.values())}, "
          f"any applied twice: {any(count > 1 for count in applied.values())}")
    await client.aclose()


if __name__ == "__main__":
    arguments = [float(value) for value in sys.argv[1:]]
    asyncio.run(main(int(arguments[0]) if arguments else 1000,
                     arguments[1] if len(arguments) > 1 else 50.0,
                     int(arguments[2]) if len(arguments) > 2 else 100))

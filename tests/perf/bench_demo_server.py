"""Benchmark: build a 100,000-device tenant and serve it over loopback. Prints figures; asserts
nothing (timings belong in a report, not in a test). Run:

    .venv/bin/python tests/perf/bench_demo_server.py [devices]
"""

from __future__ import annotations

import sys
import time

import httpx
import psutil

from intune_tui.demo.server import DemoServer
from intune_tui.demo.tenant import build_tenant

DEVICES = "/v1.0/deviceManagement/managedDevices"
QUERIES: tuple[tuple[str, dict[str, str]], ...] = (
    ("first page (all properties)", {}),
    ("first page again", {}),
    ("first page, 5 columns", {"$select": "id,deviceName,operatingSystem,complianceState,"
                                          "lastSyncDateTime"}),
    ("iOS and noncompliant, counted", {"$filter": "operatingSystem eq 'iOS' and "
                                                  "complianceState eq 'noncompliant'",
                                       "$count": "true"}),
    ("contains(deviceName,'alice')", {"$filter": "contains(deviceName,'alice')"}),
    ("stale: lastSyncDateTime lt 30 days ago", {"$filter": "lastSyncDateTime lt "
                                                           "2026-10-21T09:00:00Z"}),
)


def main(devices: int) -> None:
    process = psutil.Process()
    before = process.memory_info().rss
    started = time.perf_counter()
    tenant = build_tenant(devices)
    built = time.perf_counter() - started
    print(f"build_tenant({devices}): {built:.2f} s, "
          f"+{(process.memory_info().rss - before) / 1e6:.0f} MB RSS")
    with DemoServer(tenant=tenant) as server, httpx.Client(
            base_url=server.url, headers={"Authorization": f"Bearer {server.token}"},
            timeout=120) as client:
        for label, params in QUERIES:
            started = time.perf_counter()
            response = client.get(DEVICES, params=params)
            elapsed = time.perf_counter() - started
            body = response.json()
            print(f"{label}: HTTP {response.status_code}, {len(body['value'])} items, "
                  f"count={body.get('@odata.count')}, {len(response.content) / 1e6:.1f} MB, "
                  f"{elapsed * 1000:.0f} ms")
        started = time.perf_counter()
        url: str | None = f"{DEVICES}?$select=id,deviceName"
        seen = 0
        while url:
            page = client.get(url).json()
            seen += len(page["value"])
            url = page.get("@odata.nextLink")
        print(f"full walk with $select=id,deviceName: {seen} devices, "
              f"{time.perf_counter() - started:.1f} s")
    print(f"RSS at the end: {process.memory_info().rss / 1e6:.0f} MB")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 100_000)

"""Benchmark: what the fake Graph (the demo-server) costs to serve the whole device list.

Starts the fake in a child process on loopback, once per source tree and size, and reads the
device list the way the app does (resources.py's `$select`, `$top=1000`, `$count=true`; then the
16 `enrolledDateTime` ranges split_listing.py splits a long list into, each paged to its end;
then the stale-device and one-user filters). Prints the child's CPU seconds (user + system:
building the tenant, then serving each; the system share of the full list beside it), its RSS
and peak RSS, and the load average; asserts nothing.

    .venv/bin/python tests/perf/bench_fake_graph.py [--sizes 100000,300000] [--before REF]

With --before REF the same run also measures the tree of commit REF (exported with
`git archive` into a temporary directory), side by side with this worktree.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))

from intune_tui.intune.formatting import parse_datetime  # noqa: E402
from intune_tui.intune.resources import RESOURCES  # noqa: E402
from intune_tui.intune.split_listing import SPLIT_MAX_PARTS, time_ranges  # noqa: E402

DEVICES = "/v1.0/deviceManagement/managedDevices"
PAGE = 1000
# lifecycle.py's stale-device filter (a month before the demo's fixed clock), Windows only.
STALE = "lastSyncDateTime lt 2026-10-15T00:00:00Z and operatingSystem eq 'Windows'"

# The child: build the server, say where it is, then answer "stats" lines with its CPU and RSS.
CHILD = r"""
import json, os, resource, sys, time
from intune_tui.demo.server import DemoServer
started = time.process_time()
server = DemoServer(devices=int(sys.argv[1]), seed=7).start()
build_cpu = time.process_time() - started
def rss_mb():
    with open("/proc/self/status") as status:
        fields = dict(line.split(":", 1) for line in status)
    return int(fields["VmRSS"].split()[0]) / 1024, int(fields["VmHWM"].split()[0]) / 1024
print(json.dumps({"url": server.url, "token": server.token, "build_cpu": build_cpu,
                  "rss": rss_mb()[0]}), flush=True)
mark, mark_sys = time.process_time(), os.times().system
for line in sys.stdin:
    if line.strip() == "stop":
        break
    rss, peak = rss_mb()
    print(json.dumps({"serve_cpu": time.process_time() - mark,
                      "serve_sys": os.times().system - mark_sys, "rss": rss, "peak": peak}),
          flush=True)
    mark, mark_sys = time.process_time(), os.times().system
server.stop()
"""


def _walk(client: httpx.Client, params: dict[str, str]) -> tuple[int, int | None, list[Any]]:
    """Every page of one listing: (items seen, @odata.count, the first page's items)."""
    response = client.get(DEVICES, params=params)
    response.raise_for_status()
    body = response.json()
    first, count, seen = body["value"], body.get("@odata.count"), len(body["value"])
    link = body.get("@odata.nextLink")
    while link:
        response = client.get(link)
        response.raise_for_status()
        body = response.json()
        seen += len(body["value"])
        link = body.get("@odata.nextLink")
    return seen, count, first


def measure(tree: Path, devices: int) -> dict[str, Any]:
    env = {**os.environ, "PYTHONPATH": str(tree)}
    child = subprocess.Popen([sys.executable, "-c", CHILD, str(devices)], cwd=tree, env=env,
                             stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, bufsize=1)
    assert child.stdin is not None and child.stdout is not None

    def stats() -> dict[str, Any]:
        child.stdin.write("stats\n")
        return json.loads(child.stdout.readline())

    try:
        ready = json.loads(child.stdout.readline())
        figures: dict[str, Any] = {"build_cpu": ready["build_cpu"], "built_rss": ready["rss"]}
        select = ",".join(RESOURCES["devices"].select)
        with httpx.Client(base_url=ready["url"], timeout=600,
                          headers={"Authorization": f"Bearer {ready['token']}"}) as client:
            base = {"$select": select, "$top": str(PAGE), "$count": "true"}
            started = time.perf_counter()
            seen, count, first = _walk(client, base)
            figures["plain_wall"] = time.perf_counter() - started
            figures["plain"] = stats()
            assert seen == count == devices, (seen, count, devices)
            stamps = sorted(item["enrolledDateTime"] for item in first)
            clauses = time_ranges("enrolledDateTime",
                                  [parse_datetime(stamp) for stamp in stamps], SPLIT_MAX_PARTS)
            assert clauses is not None
            started = time.perf_counter()
            total = 0
            for clause in clauses:
                part_seen, part_count, _ = _walk(client, {**base, "$filter": clause})
                assert part_seen == part_count, (clause, part_seen, part_count)
                total += part_seen
            figures["split_wall"] = time.perf_counter() - started
            figures["split"] = stats()
            figures["split_items"] = total
            # Other filters the app sends: stale devices (lifecycle), one user's devices.
            started = time.perf_counter()
            for clause in (STALE, "userPrincipalName eq 'alice.smith@contoso-demo.com'"):
                part_seen, part_count, _ = _walk(client, {**base, "$filter": clause})
                assert part_seen == part_count, (clause, part_seen, part_count)
            figures["other_wall"] = time.perf_counter() - started
            figures["other"] = stats()
        child.stdin.write("stop\n")
        child.wait(timeout=60)
        return figures
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()


def _report(label: str, devices: int, figures: dict[str, Any]) -> None:
    plain, split, other = figures["plain"], figures["split"], figures["other"]
    load = " ".join(f"{value:.1f}" for value in os.getloadavg())
    print(f"{label:>8} {devices:>9,}: build {figures['build_cpu']:6.1f} s CPU "
          f"(RSS {figures['built_rss']:5.0f} MB) | full list {plain['serve_cpu']:6.1f} s CPU "
          f"(of it {plain['serve_sys']:4.1f} s sys, {figures['plain_wall']:5.1f} s wall) | "
          f"16-part split {split['serve_cpu']:6.1f} s CPU "
          f"({figures['split_wall']:5.1f} s wall, {figures['split_items']:,} items) | "
          f"stale + user filters {other['serve_cpu']:5.1f} s CPU | "
          f"RSS {other['rss']:5.0f} MB, peak {other['peak']:5.0f} MB | load {load}", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="100000,300000")
    parser.add_argument("--before", default=None, metavar="REF",
                        help="also measure the tree of this commit")
    parser.add_argument("--before-sizes", default=None,
                        help="sizes for the old tree (default: --sizes)")
    args = parser.parse_args()
    sizes = [int(size) for size in args.sizes.split(",")]
    before_sizes = ([int(size) for size in args.before_sizes.split(",")]
                    if args.before_sizes else sizes)
    with tempfile.TemporaryDirectory(prefix="intune-tui-before-") as old:
        if args.before:
            archive = subprocess.run(["git", "archive", args.before], cwd=REPO, check=True,
                                     capture_output=True).stdout
            subprocess.run(["tar", "-x", "-C", old], input=archive, check=True)
        for devices in sizes:
            if args.before and devices in before_sizes:
                _report(f"{args.before[:7]}", devices, measure(Path(old), devices))
            _report("now", devices, measure(REPO, devices))


if __name__ == "__main__":
    main()

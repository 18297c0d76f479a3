"""Headless export through a misbehaving Graph: every device exactly once, run after run.

    .venv/bin/python tests/perf/bench_export_faults.py                  # 20,000 devices, 10 runs
    .venv/bin/python tests/perf/bench_export_faults.py --devices 5000 --runs 3

The fake Graph runs on 127.0.0.1 in this process (`DemoServer`, seeded) and, per request,
answers: 5% malformed (a 200 whose JSON body is cut in half, after processing), 10% 429 with a
Retry-After of 0.1-1 s, 5% 503, 5% 504, and drops 2% of connections without an answer. Each run
is the real command line in a process of its own, as a user would type it:

    INTUNE_TUI_ACCESS_TOKEN=... intune-tui --graph-url http://127.0.0.1:PORT \\
        export devices --format csv --output devices-N.csv

Checks, per run: exit status 0, and the CSV's Id column is the tenant's device ids, each exactly
once. Prints one line per run (seconds, answers that were faults, retry lines on stderr) and a
summary; writes tests/perf/results/bench_export_faults.json. Exit status 1 unless every run
passed.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from intune_tui.demo.faults import Faults  # noqa: E402
from intune_tui.demo.server import DemoServer  # noqa: E402

RESULTS = HERE / "results" / "bench_export_faults.json"
RUN_TIMEOUT = 900.0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--devices", type=int, default=20_000)
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--seed", type=int, default=19)
    parser.add_argument("--rate-malformed", type=float, default=0.05)
    parser.add_argument("--rate-429", type=float, default=0.10)
    parser.add_argument("--rate-503", type=float, default=0.05)
    parser.add_argument("--rate-504", type=float, default=0.05)
    parser.add_argument("--rate-drop", type=float, default=0.02)
    parser.add_argument("--output", type=Path, default=RESULTS)
    args = parser.parse_args()

    faults = Faults(rate_429=args.rate_429, rate_503=args.rate_503, rate_504=args.rate_504,
                    rate_drop=args.rate_drop, rate_malformed=args.rate_malformed, seed=args.seed)
    started = time.perf_counter()
    server = DemoServer(devices=args.devices, seed=args.seed, faults=faults)
    runs: list[dict[str, Any]] = []
    with server, tempfile.TemporaryDirectory(prefix="bench-export-") as scratch:
        print(f"fake Graph with {args.devices} devices at {server.url} "
              f"(built in {time.perf_counter() - started:.1f} s); faults: "
              f"malformed {args.rate_malformed:.0%}, 429 {args.rate_429:.0%}, "
              f"503 {args.rate_503:.0%}, 504 {args.rate_504:.0%}, drop {args.rate_drop:.0%}")
        expected = {server.tenant.devices.id_of(index)
                    for index in server.tenant.devices.live_indices()}
        for number in range(1, args.runs + 1):
            runs.append(one_run(server, Path(scratch), number, expected))
            print(describe(runs[-1]))
    passed = sum(run["passed"] for run in runs)
    seconds = [run["seconds"] for run in runs]
    summary = {
        "devices": args.devices,
        "faults": {"malformed": args.rate_malformed, "429": args.rate_429, "503": args.rate_503,
                   "504": args.rate_504, "drop": args.rate_drop},
        "runs": runs,
        "passed": passed,
        "seconds_median": statistics.median(seconds),
        "seconds_max": max(seconds),
    }
    print(f"{passed} of {len(runs)} runs exported every device exactly once; "
          f"{statistics.median(seconds):.1f} s median, {max(seconds):.1f} s slowest")
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(summary, indent=2) + "\n", encoding="utf-8")
    return 0 if passed == len(runs) else 1


def one_run(server: DemoServer, scratch: Path, number: int, expected: set[str]) -> dict[str, Any]:
    home = scratch / f"run-{number}"
    output = home / f"devices-{number}.csv"
    env = {**os.environ, "PYTHONPATH": str(REPO), "INTUNE_TUI_ACCESS_TOKEN": server.token,
           "INTUNE_TUI_CONFIG_DIR": str(home / "config"),
           "INTUNE_TUI_DATA_DIR": str(home / "data"), "INTUNE_TUI_LOG_DIR": str(home / "logs")}
    seen_before = len(server.fake.requests)
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "intune_tui", "--graph-url", server.url, "export", "devices",
         "--format", "csv", "--output", str(output)],
        env=env, capture_output=True, text=True, timeout=RUN_TIMEOUT, check=False,
    )
    seconds = time.perf_counter() - started
    answers = Counter("dropped" if request.dropped else str(request.status)
                      for request in server.fake.requests[seen_before:]
                      if "managedDevices" in request.path)
    ids: list[str] = []
    if done.returncode == 0 and output.exists():
        with output.open(encoding="utf-8", newline="") as stream:
            ids = [row[0] for row in list(csv.reader(stream))[1:]]
    retry_lines = [line for line in done.stderr.splitlines() if "retrying (" in line]
    return {
        "run": number,
        "exit": done.returncode,
        "seconds": round(seconds, 2),
        "rows": len(ids),
        "distinct": len(set(ids)),
        "passed": done.returncode == 0 and len(ids) == len(set(ids)) and set(ids) == expected,
        "answers": dict(answers),
        "malformed_retries": sum("malformed JSON" in line for line in retry_lines),
        "retry_lines": len(retry_lines),
        "stderr_tail": done.stderr.strip().splitlines()[-1:] if done.returncode else [],
    }


def describe(run: dict[str, Any]) -> str:
    answers = run["answers"]
    faults = ", ".join(f"{key} x{answers[key]}" for key in ("429", "503", "504", "dropped")
                       if key in answers)
    verdict = "PASS" if run["passed"] else f"FAIL (exit {run['exit']}: {run['stderr_tail']})"
    return (f"run {run['run']:2d}: {verdict} {run['rows']} rows ({run['distinct']} distinct) in "
            f"{run['seconds']:.1f} s; answers {sum(answers.values())}: {faults}, "
            f"{run['malformed_retries']} malformed re-asked; {run['retry_lines']} retry lines")


if __name__ == "__main__":
    raise SystemExit(main())

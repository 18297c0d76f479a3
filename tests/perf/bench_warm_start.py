"""Warm start: `intune-tui --demo` from process start to the frame showing the whole devices list
from its encrypted snapshot, beside a cold start to the frame showing the whole live list, in one
run, several repetitions, medians (issue 21).

    .venv/bin/python tests/perf/bench_warm_start.py --demo-devices 100000 --repeat 5
    .venv/bin/python tests/perf/bench_warm_start.py --demo-devices 100000 --latency-ms 50
    # before/after side by side: one cold run each (it writes the snapshot), then warm runs
    # alternating between the checkouts, ending at the snapshot's frame
    .venv/bin/python tests/perf/bench_warm_start.py --demo-devices 1000000 --latency-ms 50 \
        --trees . ../wt-before --warm-repeat 3 --no-live --no-untimed-run --timeout 400

`--latency-ms`: the app runs on a token session against the fake Graph in a process of its own
(graph_process.py, one for every run, so its address and with it the snapshot's tenant stay the
same) answering each request that much later, as Graph does; without it, `--demo` (no latency:
the live list at its fastest, the warm start's worst case).

Method: bench_startup.py's (real processes on a pty sized 120x40, bytecode as installed, markers
read from what the app writes), with one data directory per repetition:
- cold: a fresh data directory; the clock stops at the status line's "refreshed" (the whole live
  list is in, searchable); "first rows" is when the first page's device names appear. The run
  then quits with `q`, and its process ends once the snapshot is written (that thread is not a
  daemon), so the next run finds it.
- warm: the same data directory, right after; the clock stops at the status line's
  "snapshot ·" (the snapshot's every row is in the table, searchable); "live" is when the live
  list replaced it ("refreshed").
`--trees`: each checkout's app runs from that checkout (first on `sys.path`), against the same
fake Graph. `--homes`: directories already holding each checkout's snapshot (no cold runs).
In `--demo` mode the app starts the fake Graph in a child process, which at a million devices
spends ~6.6 s of CPU building its tenant while the snapshot is read (on a 2-core machine, half
of it); with `--latency-ms` the fake Graph runs in a process started once before the runs, as
a real tenant's Graph would (none of its CPU is the app's start-up).
The OS keyring is the one thing replaced: the child gets a fixed key through
`warm_start.KEY_SOURCE` (a benchmark machine has no Secret Service), as the tests do. Nothing is
added to the product.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
from pathlib import Path
from typing import Any

from bench_startup import first_device_names, median, run_once

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "results" / "bench_warm_start.json"
SNAPSHOT_MARKER = "snapshot ·".encode()
REFRESHED_MARKER = b"refreshed "
QUIT = b"q"
# `--first-key`: the search box opened, then one letter timed to the frame that shows the
# matches (the status line's "· N matches").
FIRST_KEY = [("search", b"/", []), ("first_key", b"i", [b" matches"]),
             ("leave", b"\x1b", [])]  # Esc: the quit key is a key again, not a letter typed

APP = """
import sys
sys.path.insert(0, {tree!r})  # the checkout timed (run_once starts it in this one)
from intune_tui import warm_start
warm_start.KEY_SOURCE = lambda *args, **kwargs: bytes(range(32))  # the keyring, for the bench
from intune_tui.cli import main
sys.exit(main({arguments!r}))
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--demo-devices", type=int, default=2000)
    parser.add_argument("--latency-ms", type=float, default=0.0)
    parser.add_argument("--output", type=Path, default=RESULTS)
    parser.add_argument("--timeout", type=float, default=None,
                        help="seconds a run may take (bench_startup's 60 s by default; a cold "
                             "load of 1,000,000 devices takes longer)")
    parser.add_argument("--trees", type=Path, nargs="+", default=[HERE.parents[1]],
                        help="checkouts to time side by side (default: this one); each gets "
                             "one cold run that writes its snapshot, then the warm runs "
                             "alternate between them")
    parser.add_argument("--warm-repeat", type=int, default=None,
                        help="warm runs of each checkout after its single cold run (instead "
                             "of --repeat pairs of a cold and a warm run; for long lists)")
    parser.add_argument("--homes", type=Path, nargs="+", default=None,
                        help="with --warm-repeat: one directory per checkout (in --trees' "
                             "order) whose data/snapshots already hold the snapshot to read "
                             "(as a cold run leaves it): no cold runs")
    parser.add_argument("--no-live", action="store_true",
                        help="end each warm run at the snapshot's frame, not once the live "
                             "list has replaced it (a long list's live load takes minutes)")
    parser.add_argument("--first-key", action="store_true",
                        help="in each warm run, on the snapshot's frame: '/', then time an "
                             "'i' from its writing to the frame showing the matches (the first "
                             "keystroke on a warm start)")
    parser.add_argument("--no-untimed-run", action="store_true",
                        help="skip the untimed first run (bytecode, file cache): at 1,000,000 "
                             "devices it is a whole cold load more")
    args = parser.parse_args()
    if args.timeout is not None:
        import bench_startup

        bench_startup.TIMEOUT = args.timeout
        # at 1,000,000 devices the cold run's snapshot write (dump, encrypt) outlasts the
        # default wait, and a child killed meanwhile leaves no snapshot for the warm run
        bench_startup.STOP_WAIT = args.timeout

    names = [] if args.homes else first_device_names(args.demo_devices)
    graph = None
    if args.latency_ms:
        from graph_process import GraphProcess

        graph = GraphProcess(args.demo_devices, args.latency_ms).start()
        os.environ["INTUNE_TUI_GRAPH_URL"] = graph.url  # run_once passes the environment on
        os.environ["INTUNE_TUI_ACCESS_TOKEN"] = graph.token
        arguments: list[str] = []
    else:
        arguments = ["--demo", "--demo-devices", str(args.demo_devices)]
    argvs = {str(tree): [sys.executable, "-c",
                         APP.format(arguments=arguments, tree=str(tree.resolve()))]
             for tree in args.trees}
    try:
        if args.warm_repeat is None and len(argvs) == 1:
            reports = {tree: measure(args, argv, names) for tree, argv in argvs.items()}
        else:
            reports = measure_warm(args, argvs, names)
    finally:
        if graph is not None:
            graph.stop()
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(reports, indent=2) + "\n", encoding="utf-8")
    for tree, report in reports.items():
        report["latency_ms"] = args.latency_ms
        print(f"{tree}: {args.demo_devices:,} devices, latency {args.latency_ms:g} ms, "
              f"{len(report['warm']['runs'])} warm runs, medians:")
        print(f"cold: first rows {report['cold']['first_rows_median_s']} s, whole live list "
              f"{report['cold']['whole_list_median_s']} s")
        print(f"warm: whole list from the snapshot {report['warm']['whole_snapshot_median_s']} "
              f"s (CPU {report['warm']['whole_snapshot_cpu_median_s']} s), live list in "
              f"{report['warm']['live_replaced_median_s']} s, first key on it "
              f"{report['warm']['first_key_median_s']} s; snapshot "
              f"{max(report['snapshot_bytes'], default=0):,} bytes")
    print(f"1-minute load average {round(os.getloadavg()[0], 2)} on {os.cpu_count()} cores; "
          f"JSON: {args.output}")


def measure_warm(args: argparse.Namespace, argvs: dict[str, list[str]],
                 names: list[bytes]) -> dict[str, dict[str, Any]]:
    """One cold run of each checkout (it writes the snapshot), then `--warm-repeat` warm runs of
    each, alternating between the checkouts so drift in machine load hits them alike."""
    homes: dict[str, str] = {}
    reports: dict[str, dict[str, Any]] = {}
    given = dict(zip(argvs, args.homes or (), strict=False))
    markers = {"whole": [SNAPSHOT_MARKER]} if args.no_live else {
        "whole": [SNAPSHOT_MARKER], "live": [REFRESHED_MARKER]}
    for tree, argv in argvs.items():
        cold: dict[str, float | None] = {"first_rows": None, "whole": None}
        if tree in given:
            homes[tree] = str(given[tree])
        else:
            print(f"cold run of {tree}", file=sys.stderr, flush=True)
            homes[tree] = tempfile.mkdtemp(prefix="intune-tui-warm-")
            if not args.no_untimed_run:
                run_once(argv, {"whole": [REFRESHED_MARKER]}, QUIT, home=homes[tree])
            cold = run_once(argv, {"first_rows": names, "whole": [REFRESHED_MARKER]}, QUIT,
                            home=homes[tree])
        written = list((Path(homes[tree]) / "data" / "snapshots").glob("*/devices.bin"))
        reports[tree] = {"cold": cold, "warm_runs": [], "load_averages": [],
                         "snapshot_bytes": [written[0].stat().st_size if written else 0]}
    for repetition in range(args.warm_repeat or args.repeat):
        print(f"warm repetition {repetition + 1}", file=sys.stderr, flush=True)
        for tree, argv in argvs.items():
            reports[tree]["load_averages"].append(round(os.getloadavg()[0], 2))
            # --no-live: the live list refreshed first means the snapshot was not shown (its
            # log says why): the run ends there, not at the timeout.
            run = run_once(argv, markers, QUIT, home=homes[tree],
                           typed=FIRST_KEY if args.first_key else (),
                           abort=[REFRESHED_MARKER] if args.no_live else ())
            if run["whole"] is None:
                print(f"{tree}: the snapshot was not shown; see {homes[tree]}/log",
                      file=sys.stderr, flush=True)
            reports[tree]["warm_runs"].append(run)
    return {tree: {
        "python": sys.version.split()[0], "cpus": os.cpu_count(),
        "demo_devices": args.demo_devices, "load_averages": report["load_averages"],
        "cold": {"first_rows_median_s": report["cold"]["first_rows"],
                 "whole_list_median_s": report["cold"]["whole"], "runs": [report["cold"]]},
        "warm": _warm_summary(report["warm_runs"]),
        "snapshot_bytes": report["snapshot_bytes"]} for tree, report in reports.items()}


def _warm_summary(runs: list[dict[str, float | None]]) -> dict[str, Any]:
    return {"whole_snapshot_median_s": median([run["whole"] for run in runs]),
            "whole_snapshot_cpu_median_s": median([run["whole_cpu"] for run in runs]),
            "live_replaced_median_s": median([run.get("live") for run in runs]),
            "first_key_median_s": median([run.get("first_key") for run in runs]),
            "runs": runs}


def measure(args: argparse.Namespace, argv: list[str], names: list[bytes]) -> dict[str, Any]:
    cold_runs: list[dict[str, float | None]] = []
    warm_runs: list[dict[str, float | None]] = []
    snapshot_bytes: list[int] = []
    if not args.no_untimed_run:
        run_once(argv, {"whole": [REFRESHED_MARKER]}, QUIT)  # untimed: bytecode, file cache
    for repetition in range(args.repeat):
        print(f"repetition {repetition + 1} of {args.repeat}", file=sys.stderr, flush=True)
        home = tempfile.mkdtemp(prefix="intune-tui-warm-")
        cold_runs.append(run_once(argv, {"first_rows": names, "whole": [REFRESHED_MARKER]},
                                  QUIT, home=home))
        written = list((Path(home) / "data" / "snapshots").glob("*/devices.bin"))
        snapshot_bytes.append(written[0].stat().st_size if written else 0)
        warm_runs.append(run_once(argv, {"whole": [SNAPSHOT_MARKER],
                                         "live": [REFRESHED_MARKER]}, QUIT, home=home))
    cold = median([run["whole"] for run in cold_runs])
    report: dict[str, Any] = {
        "python": sys.version.split()[0],
        "cpus": os.cpu_count(),
        "load_average": round(os.getloadavg()[0], 2),
        "repeat": args.repeat,
        "demo_devices": args.demo_devices,
        "cold": {"first_rows_median_s": median([run["first_rows"] for run in cold_runs]),
                 "whole_list_median_s": cold, "runs": cold_runs},
        "warm": _warm_summary(warm_runs),
        "snapshot_bytes": snapshot_bytes,
    }
    return report


if __name__ == "__main__":
    main()

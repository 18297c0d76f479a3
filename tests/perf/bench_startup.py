"""Start-up: `intune-tui --demo` from process start to the first device rows painted, beside bare
Textual apps in one run (the target's reference and two floors), several repetitions, medians.

    .venv/bin/python tests/perf/bench_startup.py                 # 7 repetitions of each
    .venv/bin/python tests/perf/bench_startup.py --repeat 11 --demo-devices 2000
    .venv/bin/python tests/perf/bench_startup.py --trees /work/wt-before .   # before/after

Timed beside intune-tui, all with the same Python and the same Textual:
- the target's reference (issue 21: "cold start first rows <= 1.5x a bare Textual app that draws
  a comparable first screen (header, input, 40 rows, status line) with httpx imported, side by
  side in one run"): a bare `textual.app.App` that imports httpx and composes a Header, an
  Input, a Static holding a column heading and the same 40 device rows intune-tui shows first
  (ten columns at our table's widths), a status line and a Footer of ten keys, as our first
  screen has. Why a Static and not a DataTable: it is the cheapest way Textual draws 40 rows,
  so the reference is the fastest comparable one and the target the strictest; our table renders
  only its visible lines through the line API, closer to a Static's work than to a DataTable's
  (which builds row and column objects and measures every cell). Measured once beside it (7
  runs each, load ~3.7): the same screen with a DataTable took 0.59 s, with the Static 0.40 s;
- for context, the floor: a bare app showing one Static with a marker word, and the same with
  `import httpx` first.

Method: real processes on a real pseudo-terminal, nothing added to the product.
- One untimed run of each first (it writes bytecode, see below, and warms the file cache).
- Each run forks a fresh interpreter on a pty sized 120x40 (TIOCSWINSZ before the exec, so
  Textual's first layout already has that size) with TERM=xterm-256color and private
  config/data/log directories (INTUNE_TUI_*_DIR), and reads everything it writes.
  PYTHONDONTWRITEBYTECODE is removed from its environment, so every program runs from bytecode
  as on a user's machine. Likewise intune-tui's parsed style rules (ui/stylesheet.py) and its
  dataclasses' compiled methods (code_cache.py), kept in the user's cache folder by the untimed
  run (written when it quits); `--cold-caches` gives every run an empty cache
  folder of its own (XDG_CACHE_HOME and INTUNE_TUI_CACHE_DIR), as on the first launch after an
  install or upgrade.
- The clock starts just before the fork and stops when the bytes of a marker have been read from
  the pty: for intune-tui and the reference, the name of one of the first devices of the demo
  tenant (the first page's rows are computed beforehand from the same seeded tenant, outside
  the timing; a cell, and the reference's plain row, is one Rich segment, so a name reaches the
  terminal in one piece); for the floors, the marker word. All are therefore "from exec to the
  frame holding the rows (or word) on the terminal", including interpreter start, imports, CSS,
  the driver's terminal setup and, for intune-tui, building the demo tenant and the first page.
- Also recorded: the CPU seconds (user + system, from /proc) each program had used when its
  marker arrived (a second view, which a loaded machine disturbs less), the first byte written
  (the driver started) by intune-tui and the reference, and intune-tui's first frame of the
  devices screen still without rows ("Loading…").
- The process is then asked to quit (`q` / Ctrl+Q) and killed if it has not after 5 s.
Runs alternate (floor, floor with httpx, reference, intune-tui, floor, ...) so drift in machine
load hits all alike; with `--trees A B`, intune-tui runs once from each checkout in every
repetition (`-m intune_tui` from the checkout's root imports that checkout's package), each
with its own medians and ratios; the figure that matters is the ratio of the medians of
intune-tui to the reference (target: at most 1.5x). `python -X importtime` alone would miss
everything after imports, and `run_test` skips the driver, so neither is used.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import fcntl
import json
import os
import pty
import select
import signal
import statistics
import struct
import sys
import tempfile
import termios
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

RESULTS = HERE / "results" / "bench_startup.json"
COLUMNS, LINES = 120, 40
FLOOR_MARKER = "FLOOR-READY-7f3a"
LOADING_MARKER = "Loading…".encode()
TIMEOUT = 60.0

BARE_APP = f"""
from textual.app import App, ComposeResult
from textual.widgets import Static

class Bare(App):
    def compose(self) -> ComposeResult:
        yield Static("{FLOOR_MARKER}")

Bare().run()
"""
# Context, not the target: the same one-word app with httpx imported first (any Graph client on
# Textual pays that import).
BARE_HTTPX_APP = "import httpx\n" + BARE_APP

# The target's reference (issue 21): a bare Textual app that imports httpx and draws a screen
# comparable to intune-tui's first one: a Header, an Input, the same 40 device rows (a column
# heading and 40 lines of ten columns, the widths our table gives them at 120 columns), a status
# line and a Footer of ten keys, as ours has. The rows are one plain Static, the cheapest way
# Textual draws them (the fastest reference, so the strictest target; our table renders only
# its visible lines, which is closer to a Static's work than to a DataTable's, which measures
# every cell). Its rows are detected as ours are: the same device names on the terminal.
SCREEN_WIDTHS = (16, 16, 7, 8, 12, 10, 10, 9, 10, 8)
SCREEN_HEADINGS = ("Device name", "User", "OS", "OS version", "Compliance", "Management",
                   "Last sync", "Ownership", "Serial", "Model")
SCREEN_APP = r"""
import httpx
from rich.text import Text
from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.widgets import Footer, Header, Input, Static

ROWS = {rows!r}
HEADINGS = {headings!r}
WIDTHS = {widths!r}

def fit(cells):
    return "   " + " ".join((cell if len(cell) <= width else cell[:width - 1] + "\u2026")
                           .ljust(width) for cell, width in zip(cells, WIDTHS))

class Screenful(App):
    CSS = "#rows {{ height: 1fr; }} #status {{ dock: bottom; height: 1; margin-bottom: 1; }}"
    TITLE = "Devices"
    AUTO_FOCUS = None  # as in ours, keys go to the list, not the search box
    BINDINGS = [Binding(key, key, label) for key, label in (
        ("enter", "Open"), ("a", "Actions"), ("w", "Why"), ("A", "Bulk"), ("space", "Mark"),
        ("slash", "Search"), ("question_mark", "Help"), ("q", "Quit"), ("s", "Sort"),
        ("r", "Reload"))]

    def compose(self) -> ComposeResult:
        yield Header()
        yield Input(placeholder="Search: words, os:ios compliance:noncompliant")
        text = Text(no_wrap=True)
        text.append(fit(HEADINGS), style="bold")
        for cells in ROWS:
            text.append("\n" + fit(cells))
        yield Static(text, id="rows")
        yield Static(Text(f"{{len(ROWS)}} devices \u00b7 refreshed 09:00:00"), id="status")
        yield Footer()

Screenful().run()
"""


def screen_app(rows: list[tuple[str, ...]]) -> str:
    """The comparable screen's program, with these rows."""
    return SCREEN_APP.format(rows=rows, headings=SCREEN_HEADINGS, widths=SCREEN_WIDTHS)


def first_device_rows(devices: int, how_many: int = 40) -> list[tuple[str, ...]]:
    """Cells of the demo tenant's first device rows, as the table will show them."""
    from intune_tui.demo.fake_graph import FakeGraph
    from intune_tui.demo.tenant import build_tenant
    from intune_tui.graph.client import GraphClient
    from intune_tui.graph.tokens import StaticTokenProvider
    from intune_tui.intune.service import IntuneService

    async def rows() -> list[tuple[str, ...]]:
        fake = FakeGraph(build_tenant(devices=devices))
        client = GraphClient(StaticTokenProvider(fake.issue_token()), transport=fake.transport())
        try:
            page = await anext(IntuneService(client).list_pages("devices"))
        finally:
            await client.aclose()
        return [tuple(row.cells) for row in page.rows[:how_many]]

    return asyncio.run(rows())


def device_names(rows: list[tuple[str, ...]]) -> list[bytes]:
    """Markers for "these rows are on the terminal": the rows' device names.
    Long enough to be unambiguous, short enough to survive column truncation."""
    return [cells[0][:12].encode() for cells in rows if len(cells[0]) >= 8
            and cells[0].isascii()]


def first_device_names(devices: int) -> list[bytes]:
    """Markers for the demo tenant's first device rows (bench_warm_start.py uses them too)."""
    return device_names(first_device_rows(devices))


def run_once(argv: list[str], markers: dict[str, list[bytes]], quit_key: bytes, *,
             home: str | None = None, cwd: Path = REPO,
             cold_caches: bool = False,
             typed: Sequence[tuple[str, bytes, list[bytes]]] = (),
             abort: Sequence[bytes] = ()) -> dict[str, float | None]:
    """Fork `argv` on a pty in `cwd`; seconds from fork until each marker group's bytes were
    read. `home`: the config/data/log directories' parent (default: a new temporary one).
    `typed`: once the last marker is read, keys written one step at a time, each (name, keys,
    marker bytes): seconds from writing the keys until the marker was read after them (a step
    without markers waits TYPING_PAUSE and is not timed). `abort`: bytes that end the run at
    once, the last marker not seen (a warm run whose snapshot was not shown)."""
    home = home or tempfile.mkdtemp(prefix="intune-tui-startup-")
    env = {**os.environ, "TERM": "xterm-256color", "COLUMNS": str(COLUMNS),
           "LINES": str(LINES)}
    # Bytecode as on a user's machine (pip compiles what it installs; an editable install
    # writes it on the first run): a sandbox's PYTHONDONTWRITEBYTECODE would otherwise make
    # intune-tui compile its own modules on every run while Textual's are compiled already.
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    for kind in ("CONFIG", "DATA", "LOG"):
        env[f"INTUNE_TUI_{kind}_DIR"] = str(Path(home) / kind.lower())
    if cold_caches:
        env["XDG_CACHE_HOME"] = env["INTUNE_TUI_CACHE_DIR"] = str(Path(home) / "cache")
    started = time.perf_counter()
    pid, master = pty.fork()
    if pid == 0:  # the child: set the size, then become the program
        fcntl.ioctl(sys.stdout.fileno(), termios.TIOCSWINSZ,
                    struct.pack("HHHH", LINES, COLUMNS, 0, 0))
        os.chdir(cwd)
        os.execve(argv[0], argv, env)
    seen: dict[str, float | None] = {name: None for name in ("first_byte", *markers)}
    seen.update({f"{name}_cpu": None for name in markers})
    output = b""
    deadline = started + TIMEOUT
    try:
        last = list(markers)[-1]  # the marker that ends the run (the ones before may not come)
        while time.perf_counter() < deadline and seen[last] is None:
            ready, _, _ = select.select([master], [], [], 0.05)
            if not ready:
                continue
            try:
                chunk = os.read(master, 65536)
            except OSError:
                break
            now = time.perf_counter()
            if not chunk:
                break
            if seen["first_byte"] is None:
                seen["first_byte"] = now - started
            # Keep a tail so a marker split across two reads is still found.
            output = output[-256:] + chunk
            for name, needles in markers.items():
                if seen[name] is None and any(needle in output for needle in needles):
                    seen[name] = now - started
                    seen[f"{name}_cpu"] = process_cpu(pid)
            if seen[last] is None and any(needle in output for needle in abort):
                break
        if seen[last] is not None:
            seen.update(_type_steps(master, typed))
        _stop(pid, master, quit_key)
    finally:
        os.close(master)
    return {name: None if value is None else round(value, 3) for name, value in seen.items()}


TYPING_PAUSE = 0.5  # seconds after an untimed step of `run_once(typed=...)` (a "/")
TYPING_TIMEOUT = 10.0


def _type_steps(master: int, typed: Sequence[tuple[str, bytes, list[bytes]]]
                ) -> dict[str, float | None]:
    """`run_once`'s typing: each step's seconds from its keys written to its marker read."""
    seen: dict[str, float | None] = {}
    for name, keys, needles in typed:
        _drain(master, 0.0)
        os.write(master, keys)
        written = time.perf_counter()
        if not needles:
            _drain(master, TYPING_PAUSE)
            continue
        seen[name] = None
        output = b""
        while time.perf_counter() < written + TYPING_TIMEOUT and seen[name] is None:
            if not select.select([master], [], [], 0.05)[0]:
                continue
            output = output[-256:] + os.read(master, 65536)
            if any(needle in output for needle in needles):
                seen[name] = round(time.perf_counter() - written, 4)
    return seen


def _drain(master: int, seconds: float) -> None:
    """Read what the child wrote, for `seconds` (0: only what is there now)."""
    deadline = time.perf_counter() + seconds
    while True:
        if select.select([master], [], [], max(0.0, min(0.05, deadline - time.perf_counter())))[0]:
            with contextlib.suppress(OSError):
                os.read(master, 65536)
        elif time.perf_counter() >= deadline:
            return


def process_cpu(pid: int) -> float | None:
    """CPU seconds (user + system) the process has used so far, from /proc (Linux; 10 ms steps
    at the usual 100 ticks a second); None where there is no /proc. Its children (intune-tui's
    demo Graph) are not counted: this is the CPU of the program the user waits on."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = stat[stat.rindex(")") + 2:].split()  # after "pid (comm) ": state is field 3
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


STOP_WAIT = 5.0  # seconds a child has to end after its quit key before it is killed


def _stop(pid: int, master: int, quit_key: bytes) -> None:
    with contextlib.suppress(OSError):
        os.write(master, quit_key)
    deadline = time.perf_counter() + STOP_WAIT
    while time.perf_counter() < deadline:
        # Keep draining so a child writing its last frame never blocks on a full pty.
        if select.select([master], [], [], 0.05)[0]:
            with contextlib.suppress(OSError):
                os.read(master, 65536)
        done, _ = os.waitpid(pid, os.WNOHANG)
        if done:
            return
    os.kill(pid, signal.SIGKILL)
    os.waitpid(pid, 0)


def empty_list_text(seconds: float | None) -> str:
    return ("never (the list's first frame already had rows)" if seconds is None
            else f"{seconds} s")


def median(values: list[float | None]) -> float | None:
    present = [value for value in values if value is not None]
    return round(statistics.median(present), 3) if present else None


def app_summary(runs: list[dict[str, float | None]], screen: float | None,
                screen_cpu: float | None, floor: float | None,
                httpx_floor: float | None) -> dict[str, Any]:
    """One checkout's intune-tui runs: medians, and their ratios to the reference and floors."""
    rows = median([run["device_rows"] for run in runs])
    cpu = median([run["device_rows_cpu"] for run in runs])

    def ratio(reference: float | None) -> float | None:
        return round(rows / reference, 2) if rows and reference else None

    return {
        "first_byte_median_s": median([run["first_byte"] for run in runs]),
        "empty_list_painted_median_s": median([run["list_painted"] for run in runs]),
        "device_rows_painted_median_s": rows,
        "device_rows_runs": [run["device_rows"] for run in runs],
        "device_rows_cpu_median_s": cpu,
        "device_rows_cpu_runs": [run["device_rows_cpu"] for run in runs],
        "empty_list_painted_runs": [run["list_painted"] for run in runs],
        # The target (issue 21): against the comparable screen with httpx, at most 1.5x.
        "ratio": ratio(screen),
        "ratio_vs_one_word": ratio(floor),
        "ratio_vs_one_word_with_httpx": ratio(httpx_floor),
        # CPU seconds suffer less from a loaded machine than wall time does: a second view.
        "cpu_ratio": round(cpu / screen_cpu, 2) if cpu and screen_cpu else None,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--demo-devices", type=int, default=2000)
    parser.add_argument("--output", type=Path, default=RESULTS)
    parser.add_argument("--trees", type=Path, nargs="+", default=None, metavar="CHECKOUT",
                        help="run intune-tui from each of these checkouts (e.g. before and "
                        "after a change), alternating within each repetition")
    parser.add_argument("--cold-caches", action="store_true",
                        help="every run with an empty cache folder of its own (no parsed style "
                        "rules or compiled dataclass methods kept from an earlier run)")
    args = parser.parse_args()
    trees = [tree.resolve() for tree in args.trees] if args.trees else [REPO]
    load_at_start = round(os.getloadavg()[0], 2)

    rows = first_device_rows(args.demo_devices)
    names = device_names(rows)
    app_argv = [sys.executable, "-m", "intune_tui", "--demo", "--demo-devices",
                str(args.demo_devices)]
    floor_argv = [sys.executable, "-c", BARE_APP]
    httpx_argv = [sys.executable, "-c", BARE_HTTPX_APP]
    screen_argv = [sys.executable, "-c", screen_app(rows)]
    floor_marker = {"painted": [FLOOR_MARKER.encode()]}
    app_markers = {"list_painted": [LOADING_MARKER], "device_rows": names}
    floor_runs, httpx_runs, screen_runs = [], [], []
    app_runs: dict[Path, list[dict[str, float | None]]] = {tree: [] for tree in trees}
    # One untimed run of each first: it writes the bytecode and warms the file cache.
    run_once(floor_argv, floor_marker, b"\x11")
    run_once(screen_argv, {"device_rows": names}, b"\x11")
    for tree in trees:
        run_once(app_argv, {"device_rows": names}, b"q", cwd=tree)
    for repetition in range(args.repeat):
        print(f"repetition {repetition + 1} of {args.repeat}", file=sys.stderr, flush=True)
        floor_runs.append(run_once(floor_argv, floor_marker, b"\x11"))
        httpx_runs.append(run_once(httpx_argv, floor_marker, b"\x11"))
        screen_runs.append(run_once(screen_argv, {"device_rows": names}, b"\x11"))
        # Each repetition starts from another checkout, so none always runs first.
        for tree in trees[repetition % len(trees):] + trees[:repetition % len(trees)]:
            app_runs[tree].append(run_once(app_argv, app_markers, b"q", cwd=tree,
                                           cold_caches=args.cold_caches))
    floor = median([run["painted"] for run in floor_runs])
    httpx_floor = median([run["painted"] for run in httpx_runs])
    screen = median([run["device_rows"] for run in screen_runs])
    screen_cpu = median([run["device_rows_cpu"] for run in screen_runs])
    apps = {tree: app_summary(runs, screen, screen_cpu, floor, httpx_floor)
            for tree, runs in app_runs.items()}

    report: dict[str, Any] = {
        "python": sys.version.split()[0],
        "cpus": os.cpu_count(),
        "load_average": round(os.getloadavg()[0], 2),
        "load_average_at_start": load_at_start,
        "repeat": args.repeat,
        "demo_devices": args.demo_devices,
        "cold_caches": args.cold_caches,
        "bare_textual_first_paint_s": {
            "median": floor, "runs": [run["painted"] for run in floor_runs],
            "cpu_median_s": median([run["painted_cpu"] for run in floor_runs])},
        "bare_textual_with_httpx_first_paint_s": {
            "median": httpx_floor, "runs": [run["painted"] for run in httpx_runs],
            "cpu_median_s": median([run["painted_cpu"] for run in httpx_runs])},
        "comparable_screen_with_httpx_first_rows_s": {
            "median": screen, "runs": [run["device_rows"] for run in screen_runs],
            "first_byte_median_s": median([run["first_byte"] for run in screen_runs]),
            "cpu_median_s": screen_cpu},
    }
    if len(trees) == 1:
        summary = apps[trees[0]]
        report["intune_tui"] = {key: value for key, value in summary.items()
                                if not key.startswith(("ratio", "cpu_ratio"))}
        report.update({key: summary[key] for key in
                       ("ratio", "ratio_vs_one_word", "ratio_vs_one_word_with_httpx",
                        "cpu_ratio")})
    else:
        report["intune_tui_by_checkout"] = {str(tree): summary for tree, summary in apps.items()}
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    print(f"bare Textual app painting one word, exec to first paint: median {floor} s "
          f"(runs: {report['bare_textual_first_paint_s']['runs']}), CPU "
          f"{report['bare_textual_first_paint_s']['cpu_median_s']} s")
    print(f"the same with httpx imported first: median {httpx_floor} s "
          f"(runs: {report['bare_textual_with_httpx_first_paint_s']['runs']}), CPU "
          f"{report['bare_textual_with_httpx_first_paint_s']['cpu_median_s']} s")
    print(f"the target's reference, a bare Textual app with httpx drawing header, input, 40 rows, "
          f"status line and footer, exec to its rows: median {screen} s "
          f"(runs: {report['comparable_screen_with_httpx_first_rows_s']['runs']}); first byte "
          f"{report['comparable_screen_with_httpx_first_rows_s']['first_byte_median_s']} s, CPU "
          f"{screen_cpu} s")
    for tree, summary in apps.items():
        where = f" from {tree}" if len(trees) > 1 else ""
        print(f"intune-tui --demo{where}, exec to first device rows: median "
              f"{summary['device_rows_painted_median_s']} s (runs: {summary['device_rows_runs']}), "
              f"CPU {summary['device_rows_cpu_median_s']} s; first byte "
              f"{summary['first_byte_median_s']} s, the list painted still empty (\"Loading…\") "
              f"{empty_list_text(summary['empty_list_painted_median_s'])}")
        target = summary["ratio"]
        verdict = "met" if target is not None and target <= 1.5 else "NOT met"
        print(f"  ratio to the comparable screen {target}x (target <= 1.5x): {verdict}; for "
              f"context {summary['ratio_vs_one_word']}x the one-word app, "
              f"{summary['ratio_vs_one_word_with_httpx']}x the one-word app with httpx; "
              f"in CPU seconds {summary['cpu_ratio']}x the comparable screen")
    print(f"1-minute load average {load_at_start} at the start, {report['load_average']} at the "
          f"end, on {report['cpus']} cores")
    print(f"JSON: {args.output}")


if __name__ == "__main__":
    main()

"""Open the device screen many times and count tabs that never show their answers (issue 17).

    .venv/bin/python tests/perf/stress_device_tabs.py --openings 120
    .venv/bin/python tests/perf/stress_device_tabs.py --tree /work/wt-before   # another tree

The real `IntuneApp` headless (120x40) on the in-process demo tenant (300 devices). CONTOSO-LT-63219
(a laptop with a primary user, recovery secrets and failing managed apps) is opened, and closed
again, `--openings` times; the fake Graph's latency cycles through `--latencies` (ms), so the
answers, the first frame and the hidden panes' mounting meet in many orders. Each time, once
every read has answered and every pane is mounted, each tab is opened and what it shows is
checked (bench_device_screen's checks: rows or a sentence instead of "Loading…", the user's card,
the managed apps' error codes, the groups, the recovery listing): a tab still not drawn 5 s
later is counted as stuck, with what it showed.

Not a test (it takes minutes and depends on timing): run it by hand, before and after a change
to how the device screen delivers its answers.
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import os
import sys
import time
from pathlib import Path
from typing import Any


def _tree() -> Path:
    """The tree whose intune_tui is exercised (`--tree`, else the one holding this script)."""
    if "--tree" in sys.argv:
        return Path(sys.argv[sys.argv.index("--tree") + 1]).resolve()
    return Path(__file__).resolve().parents[2]


sys.path.insert(0, str(_tree()))
sys.path.insert(0, str(_tree() / "tests" / "perf"))

from bench_device_screen import HIDDEN, LAPTOP_ID, _at_laptop, _drawn, _shown  # noqa: E402
from textual.widgets import TabbedContent  # noqa: E402

from intune_tui.config import load_settings  # noqa: E402
from intune_tui.session import demo_session  # noqa: E402
from intune_tui.ui.app import IntuneApp  # noqa: E402
from intune_tui.ui.screens.device_detail import DeviceDetailScreen  # noqa: E402

SETTLE_S = 10.0
DRAWN_S = 5.0


async def _until(check: Any, seconds: float) -> bool:
    deadline = time.perf_counter() + seconds
    while time.perf_counter() < deadline:
        if _shown(check):
            return True
        await asyncio.sleep(0.005)
    return False


def _answered(app: IntuneApp) -> bool:
    return not any(job.key.startswith(f"device:{LAPTOP_ID}:") for job in app._jobs.values())


def _all_mounted(screen: DeviceDetailScreen) -> bool:
    tabs = screen.query_one(TabbedContent)
    return all(tabs.has_pane(tab) for tab in HIDDEN)  # type: ignore[attr-defined]


def _what_it_shows(screen: DeviceDetailScreen, tab: str) -> str:
    try:
        pane = screen.query_one(TabbedContent).get_pane(tab)
    except Exception as error:  # a report: whatever went wrong is what it shows
        return f"no pane ({error})"
    texts = [str(getattr(widget, "content", "")) for widget in pane.walk_children()
             if type(widget).__name__ in ("Static", "FieldList")]
    return " | ".join(text[:60] for text in texts if text)


async def opening(app: IntuneApp, pilot: Any, latency_ms: float) -> dict[str, str]:
    """One opening: the tabs not drawn (tab -> what it showed)."""
    fake = app.session.fake
    assert fake is not None
    fake.latency_ms = latency_ms
    row = app.screen.table.cursor_row  # type: ignore[attr-defined]
    app.open_device(row.item)
    screen = None
    stuck: dict[str, str] = {}
    try:
        await _until(lambda: isinstance(app.screen, DeviceDetailScreen), SETTLE_S)
        screen = app.screen
        assert isinstance(screen, DeviceDetailScreen)
        if not await _until(lambda: _answered(app) and _all_mounted(screen), SETTLE_S):
            stuck["(screen)"] = "reads unanswered or panes unmounted after 10 s"
        tabs = screen.query_one(TabbedContent)
        for tab in HIDDEN:
            tabs.active = tab
            if not await _until(_drawn(screen, tab), DRAWN_S):
                stuck[tab] = _what_it_shows(screen, tab)
    finally:
        fake.latency_ms = 0
        if screen is not None and app.screen is screen:
            app.pop_screen()
        await pilot.pause(0.05)
    return stuck


async def run(openings: int, latencies: list[float]) -> list[tuple[float, dict[str, str]]]:
    settings = dataclasses.replace(load_settings(None), demo=True, demo_devices=300)
    app = IntuneApp(settings, demo_session(settings, frozen=True))
    found: list[tuple[float, dict[str, str]]] = []
    async with app.run_test(size=(120, 40)) as pilot:
        await _at_laptop(pilot, app)
        for index in range(openings):
            latency = latencies[index % len(latencies)]
            stuck = await opening(app, pilot, latency)
            found.append((latency, stuck))
            if stuck:
                print(f"  opening {index + 1} at {latency:g} ms: stuck {stuck}", flush=True)
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--openings", type=int, default=120)
    parser.add_argument("--latencies", default="0,5,15,30,50,80",
                        help="fake Graph latencies (ms) to cycle through")
    parser.add_argument("--tree", default=None, help="the tree to exercise (default: this one)")
    args = parser.parse_args()
    latencies = [float(value) for value in args.latencies.split(",")]
    load_before = os.getloadavg()
    started = time.perf_counter()
    found = asyncio.run(run(args.openings, latencies))
    stuck_openings = [stuck for _latency, stuck in found if stuck]
    tabs = sum(len(stuck) for stuck in stuck_openings)
    import intune_tui

    print(f"== {Path(intune_tui.__file__).parent}: {len(found)} openings at {args.latencies} ms: "
          f"{len(stuck_openings)} with a stuck tab ({tabs} tabs), "
          f"{time.perf_counter() - started:.0f} s ==")
    print(f"   load average before: {' '.join(f'{x:.2f}' for x in load_before)}; after: "
          f"{' '.join(f'{x:.2f}' for x in os.getloadavg())} (2 cores, shared)")


if __name__ == "__main__":
    main()

"""Benchmark the device screen (issue 17): each tab's first paint after Enter, and names for ids.

    .venv/bin/python tests/perf/bench_device_screen.py                 # 50 ms, 3 runs
    .venv/bin/python tests/perf/bench_device_screen.py --latency-ms 50 --repeat 5
    .venv/bin/python tests/perf/bench_device_screen.py --cpu --repeat 8    # CPU ms, 0 ms latency
    .venv/bin/python tests/perf/bench_device_screen.py --parts --repeat 8  # what each part costs

1. Tabs: the real `IntuneApp` headless (120x40) on the in-process demo tenant (300 devices). The
   device list loads without latency; then the fake Graph adds `--latency-ms` to every answer
   and Enter opens CONTOSO-LT-63219 (a Windows laptop with a primary user, BitLocker keys, LAPS
   backups and failing managed apps). All times are from the key press. What "first paint"
   means here:
   - visible tab (Overview, the first tab): "first frame written" is when Textual hands the
     screen's first frame to the terminal (`App._display` with the device screen's first
     update: header, title, every tab's label, the Overview from the list's row, the key
     bar; headless here, so the escape codes a terminal gets are not made: a few ms more in a
     terminal). "first paint" (the mark of earlier figures) is a callback queued at the
     screen's mount with `call_after_refresh`: Textual runs those only after the refresh that
     follows that frame (its second layout, asked for by every widget's first size), so it
     comes one refresh after the frame the user already sees. Then the frame showing the
     device GET's fields (memory, IMEI…).
   - reads: when each of the screen's reads was answered (its job left the app's job table);
     they all start at Enter, in parallel. The Groups tab takes one round trip, the managed apps'
     error codes a second one after the app list (by Graph's design).
   - hidden tabs: only their labels are in the first frame; their panes are mounted (each
     whole) one per frame once the first frame and the device's GET are drawn, or when opened
     before their turn (issue 17: first paint of a hidden tab = when it is opened). Once every
     read has answered, the bench opens each hidden tab in turn and measures from
     `active = tab` to the frame that shows its content (drawn from the data that waited for
     it; "data had arrived: yes" is checked, not assumed). A tab opened earlier, at t ms after
     Enter, paints at about max(t + that open time, its read's answer + one
     frame), so its first paint after Enter is bounded by the read's answer time when opened
     before it, and by t + open time after.
   Target: 1 round trip + 100 ms (the latency + 100 ms) for each.
   Beside the wall times, "first paint: UI-thread CPU" is the CPU the UI thread itself spent
   from Enter to that frame (`time.thread_time`): it leaves out the worker, the in-process fake
   Graph and the waits for a core or the GIL (first paint ~= that CPU + those waits). On the
   shared 2-core VM it still varies with the load (88-249 ms for the same code, 2026-12-07),
   so compare trees only in interleaved runs, as --parts does.
   The install errors of failing managed apps take a second round trip: no documented Graph
   read gives a device's app error codes without the app ids of the first answer
   (mobileAppIntentAndStateDetail has no error code: applicationId, displayName,
   displayVersion, installState, mobileAppIntent, supportedDeviceTypes - msgraph-beta-sdk-python
   models/mobile_app_intent_and_state_detail.py, read 2026-12-07; the error code is on the
   app's deviceStatuses, addressed by app id (intune-apps-mobileappinstallstatus, beta: "This
   will be deprecated in May, 2023"; the stored msgraph-beta-sdk-python has no request builder
   under mobile_apps/item/device_statuses, read 2026-12-07); the reports export
   `DeviceInstallStatusByApp`
   also takes one app id per request - reports-export-graph-available-reports,
   learn.microsoft.com, read 2026-12-07; JSON $batch cannot feed one answer into another
   request's URL).
   --parts: the UI-thread CPU to the first paint of the whole screen and of the screen with one
   part left out (the key bar, the header, the seven hidden tabs: their labels, as their panes
   are not in the first frame), the runs interleaved: what each part costs the first paint
   (not a target; where "fewer widgets" would pay).
   --start-tab apps: the device opened on its Apps tab, as Enter on an app's device status row
   opens it; "apps tab: managed apps listed" is the frame showing the managed apps with their
   install states (one round trip), "apps tab: their error codes" the frame with the failing
   ones' error codes (the second round trip).
2. Names: 5,000 distinct ids (every user and group of a 5,000-device demo tenant, topped up with
   ids that name nothing) resolved through `NameCache.resolve` (directoryObjects/getByIds, 1,000
   a call, batches in parallel) at the same latency. Targets: <= 5 calls, <= 1.5 s.

Figures are medians over --repeat runs, with min and max and the ratio to the target: this
machine is shared, so they vary from run to run (min is the nearest to an idle machine; the load
average is printed with them).
Not a test: run it by hand and put the figures in the README's device screen section.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import dataclasses
import os
import statistics
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[2]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from textual.css.query import NoMatches  # noqa: E402
from textual.widgets import TabbedContent  # noqa: E402

from intune_tui.config import load_settings  # noqa: E402
from intune_tui.demo.fake_graph import FakeGraph  # noqa: E402
from intune_tui.demo.tenant import build_tenant  # noqa: E402
from intune_tui.graph.client import GraphClient  # noqa: E402
from intune_tui.graph.tokens import StaticTokenProvider  # noqa: E402
from intune_tui.intune.directory import NameCache  # noqa: E402
from intune_tui.session import demo_session  # noqa: E402
from intune_tui.ui.app import IntuneApp  # noqa: E402
from intune_tui.ui.screens.device_detail import DeviceDetailScreen  # noqa: E402
from intune_tui.ui.widgets.detail import FieldList, RowsPane  # noqa: E402
from intune_tui.ui.widgets.recovery import RecoveryPanel  # noqa: E402

LAPTOP_ID = "3ee9d80e-1689-47c4-9dbd-8029760df3f5"
POLL_S = 0.002
# What a mark reads: wall time, or with --cpu this process's CPU time (at 0 ms latency): the
# local work between Enter and each paint, which a loaded machine stretches in wall time but
# not in CPU time. First paint ~= max(round trip, local work) since the reads start at Enter.
clock = time.perf_counter
TIMEOUT_S = 10.0


def _static_text(screen: Any, selector: str) -> str:
    return str(screen.query_one(selector).content)


def _pane_loaded(screen: Any, pane_id: str) -> bool:
    table = screen.query_one(f"#{pane_id}", RowsPane).table
    return table.rows_count > 0 or table.empty_text != "Loading…"


def _overview_merged(screen: Any) -> bool:
    fields = dict(screen.query_one("#overview-fields", FieldList)._fields)
    return fields.get("Memory") not in (None, "", "—")


# part of the job key -> what the reads bring (all started at Enter)
READS = ("overview", "compliance", "configuration", "configuration-catalog", "apps", "users",
         "user-card", "managed-apps", "managed-app-errors", "groups-device", "groups-user",
         "recovery")
FIRST_FRAME = "first frame written (visible tab)"
MARKS = ("screen built (reads start)", "screen mounted", FIRST_FRAME, "first paint (visible tab)",
         "overview: device GET drawn")
UI_CPU = "first paint: UI-thread CPU"
FRAME_CPU = "first frame: UI-thread CPU"
# --start-tab apps: the Apps tab shown first, as an app's device status row opens it
APPS_MARKS: dict[str, Callable[[Any], bool]] = {
    "apps tab: managed apps listed": lambda screen: _static_text(
        screen, "#managed-apps").startswith("Managed apps ("),
    "apps tab: their error codes": lambda screen: "0x" in _static_text(screen, "#managed-apps"),
}
# hidden tab -> the parts whose answers it shows
HIDDEN = {"compliance": ("compliance",), "configuration": ("configuration",
                                                           "configuration-catalog"),
          "apps": ("apps", "managed-apps", "managed-app-errors"), "users": ("users", "user-card"),
          "groups": ("groups-device", "groups-user"), "recovery": ("recovery",),
          "actions": ("overview",)}


def _drawn(screen: DeviceDetailScreen, tab: str) -> Callable[[], bool]:
    """Whether a built tab's widgets hold everything its reads brought."""
    checks: dict[str, Callable[[], bool]] = {
        "compliance": lambda: _pane_loaded(screen, "compliance-pane"),
        "configuration": lambda: _pane_loaded(screen, "configuration-pane")
        and "Loading" not in _static_text(screen, "#configuration-note"),
        "apps": lambda: _pane_loaded(screen, "apps-pane")
        and "0x" in _static_text(screen, "#managed-apps"),
        "users": lambda: _pane_loaded(screen, "users-pane")
        and "Loading" not in _static_text(screen, "#user-card")
        and bool(_static_text(screen, "#user-card")),
        "groups": lambda: "Loading" not in _static_text(screen, "#groups-view"),
        "recovery": lambda: bool(screen.query_one(RecoveryPanel).items),
        "actions": lambda: _pane_loaded(screen, "actions-pane"),
    }
    return checks[tab]


async def _at_laptop(pilot: Any, app: IntuneApp) -> None:
    from intune_tui.ui.screens.devices import DevicesScreen

    deadline = time.perf_counter() + 60
    while not (isinstance(app.screen, DevicesScreen) and app.screen.table.rows_count >= 300
               and app.screen._complete):
        if time.perf_counter() > deadline:
            raise RuntimeError("the device list did not load")
        await pilot.pause(0.05)
    table = app.screen.table
    index = next(i for i, row in enumerate(table.visible_rows) if row.key == LAPTOP_ID)
    table.focus()
    table.move_cursor(index)
    await pilot.pause(0.05)


async def _next_frame(screen: Any) -> None:
    """Until the screen has refreshed once more (the frame that shows what was just set)."""
    drawn = asyncio.get_running_loop().create_future()
    screen.call_after_refresh(lambda: drawn.done() or drawn.set_result(None))
    await asyncio.wait_for(drawn, TIMEOUT_S)


async def tab_run(latency_ms: float, start_tab: str | None = None) -> dict[str, float]:
    settings = dataclasses.replace(load_settings(None), demo=True, demo_devices=300)
    app = IntuneApp(settings, demo_session(settings, frozen=True))
    seen: dict[str, float] = {}
    async with app.run_test(size=(120, 40)) as pilot:
        await _at_laptop(pilot, app)
        fake: FakeGraph = app.session.fake  # type: ignore[attr-defined]
        fake.latency_ms = latency_ms
        started = clock()
        ui_started = time.thread_time()  # the app runs on this thread (run_test)

        def mark(name: str) -> None:
            seen.setdefault(name, (clock() - started) * 1000)

        def painted() -> None:
            mark("first paint (visible tab)")
            seen.setdefault(UI_CPU, (time.thread_time() - ui_started) * 1000)

        originals = (DeviceDetailScreen.__init__, DeviceDetailScreen.on_mount)

        def timed_init(screen: DeviceDetailScreen, *args: Any, **kwargs: Any) -> None:
            mark("screen built (reads start)")
            originals[0](screen, *args, **kwargs)

        def timed_mount(screen: DeviceDetailScreen) -> None:
            mark("screen mounted")
            originals[1](screen)
            screen.call_after_refresh(painted)

        display = app._display

        def written(screen: Any, update: Any) -> None:
            if isinstance(screen, DeviceDetailScreen) and update is not None \
                    and not app._batch_count:  # else Textual writes nothing
                mark(FIRST_FRAME)
                seen.setdefault(FRAME_CPU, (time.thread_time() - ui_started) * 1000)
            display(screen, update)

        app._display = written  # type: ignore[method-assign]
        DeviceDetailScreen.__init__ = timed_init  # type: ignore[method-assign]
        DeviceDetailScreen.on_mount = timed_mount  # type: ignore[method-assign]
        # pilot.press returns only once the app is idle (everything loaded): watch beside it.
        watcher = asyncio.create_task(_watch(app, started, seen))
        try:
            if start_tab is None:
                await pilot.press("enter")
            else:  # as Enter on an app's device status row opens it (DetailScreen.open_device)
                row = app.screen.table.cursor_row  # type: ignore[attr-defined]
                app.open_device(row.item, start_tab=start_tab)
            await asyncio.wait_for(watcher, TIMEOUT_S)
        finally:
            (DeviceDetailScreen.__init__,  # type: ignore[method-assign]
             DeviceDetailScreen.on_mount) = originals
        await _open_hidden_tabs(pilot, app, seen)
    return seen


async def _watch(app: IntuneApp, started: float, seen: dict[str, float]) -> None:
    """Marks when each read is answered and when the Overview shows the device GET."""
    while not isinstance(app.screen, DeviceDetailScreen):
        await asyncio.sleep(POLL_S)
    screen = app.screen
    prefix = f"device:{LAPTOP_ID}:"
    asked: set[str] = set()
    deadline = time.perf_counter() + TIMEOUT_S
    while time.perf_counter() < deadline:
        now = (clock() - started) * 1000
        pending = {job.key[len(prefix):] for job in app._jobs.values()
                   if job.key.startswith(prefix)}
        asked |= pending
        for part in asked - pending:
            seen.setdefault(f"read: {part}", now)
        if "overview: device GET drawn" not in seen and _shown(lambda: _overview_merged(screen)):
            await _next_frame(screen)
            seen["overview: device GET drawn"] = (clock() - started) * 1000
        for name, check in APPS_MARKS.items():
            if screen.start_tab == "apps" and name not in seen \
                    and _shown(lambda check=check: check(screen)):
                await _next_frame(screen)
                seen[name] = (clock() - started) * 1000
        if "first paint (visible tab)" in seen and "overview: device GET drawn" in seen \
                and all(f"read: {part}" in seen for part in READS) \
                and (screen.start_tab != "apps" or all(name in seen for name in APPS_MARKS)):
            return
        await asyncio.sleep(POLL_S)


async def _open_hidden_tabs(pilot: Any, app: IntuneApp, seen: dict[str, float]) -> None:
    """Each hidden tab opened in turn once its reads have answered: open -> drawn."""
    screen = app.screen
    assert isinstance(screen, DeviceDetailScreen)
    tabs = screen.query_one(TabbedContent)
    for tab, parts in HIDDEN.items():
        arrived = all(f"read: {part}" in seen for part in parts)
        seen[f"{tab}: data had arrived"] = 1.0 if arrived else 0.0
        drawn = _drawn(screen, tab)
        opened = clock()
        tabs.active = tab
        deadline = time.perf_counter() + TIMEOUT_S
        while not _shown(drawn) and time.perf_counter() < deadline:
            await asyncio.sleep(POLL_S / 2)
        await _next_frame(screen)
        seen[f"{tab}: open -> drawn"] = (clock() - opened) * 1000
        await pilot.pause(0.05)


def _shown(check: Callable[[], bool]) -> bool:
    try:
        return check()
    except NoMatches:  # the screen or the tab is still being composed
        return False


async def names_run(latency_ms: float, count: int) -> dict[str, float]:
    fake = FakeGraph(build_tenant(devices=5000), latency_ms=latency_ms)
    client = GraphClient(StaticTokenProvider(fake.issue_token()), transport=fake.transport())
    tenant = fake.tenant
    ids = [tenant.users.id_of(index) for index in range(len(tenant.users.upn))]
    ids += list(fake.directory.groups())
    ids = list(dict.fromkeys(ids))[:count]
    ids += [str(uuid.UUID(int=n + 1, version=4)) for n in range(count - len(ids))]
    cache = NameCache(client)
    fake.requests.clear()
    started = time.perf_counter()
    names = await cache.resolve(ids)
    elapsed = time.perf_counter() - started
    calls = sum(1 for r in fake.requests if r.path.endswith("/directoryObjects/getByIds"))
    return {"ids": len(set(ids)), "named": len(names), "calls": calls, "seconds": elapsed}


PARTS = ("whole screen", "without the key bar", "without the header",
         "without the 7 hidden tabs' labels")


@contextlib.contextmanager
def _left_out(part: str) -> Iterator[None]:
    """The device screen composed without one part (`PARTS`)."""
    from intune_tui.ui.screens import device_detail
    from intune_tui.ui.widgets.detail import DetailHeader
    from intune_tui.ui.widgets.key_footer import KeyFooter

    compose, labels = DeviceDetailScreen.compose, device_detail.TAB_LABELS
    dropped = {"without the key bar": KeyFooter, "without the header": DetailHeader}.get(part)

    def compose_without(screen: DeviceDetailScreen) -> Any:
        for widget in compose(screen):
            if dropped is None or not isinstance(widget, dropped):
                yield widget

    setattr(DeviceDetailScreen, "compose", compose_without)  # noqa: B010 (a method, for mypy)
    if part == "without the 7 hidden tabs' labels":
        device_detail.TAB_LABELS = labels[:1]
    try:
        yield
    finally:
        setattr(DeviceDetailScreen, "compose", compose)  # noqa: B010
        device_detail.TAB_LABELS = labels


async def first_paint_cpu(latency_ms: float, part: str) -> float:
    """UI-thread CPU ms from Enter to the device screen's first frame written, `part` left
    out."""
    settings = dataclasses.replace(load_settings(None), demo=True, demo_devices=300)
    app = IntuneApp(settings, demo_session(settings, frozen=True))
    async with app.run_test(size=(120, 40)) as pilot:
        await _at_laptop(pilot, app)
        fake = app.session.fake
        assert fake is not None  # a demo session
        fake.latency_ms = latency_ms
        painted = asyncio.get_running_loop().create_future()
        display = app._display

        def written(screen: Any, update: Any) -> None:
            if isinstance(screen, DeviceDetailScreen) and update is not None \
                    and not app._batch_count and not painted.done():
                painted.set_result((time.thread_time() - started) * 1000)
            display(screen, update)

        app._display = written  # type: ignore[method-assign]
        with _left_out(part):
            started = time.thread_time()
            pressed = asyncio.create_task(pilot.press("enter"))
            cpu: float = await asyncio.wait_for(painted, TIMEOUT_S)
            await pressed
    return cpu


def parts_main(latency_ms: float, repeat: int) -> None:
    asyncio.run(first_paint_cpu(latency_ms, PARTS[0]))  # imports and caches of the process
    found: dict[str, list[float]] = {part: [] for part in PARTS}
    for index in range(repeat):
        for part in PARTS if index % 2 else PARTS[::-1]:
            found[part].append(asyncio.run(first_paint_cpu(latency_ms, part)))
    print(f"== device screen parts: UI-thread CPU ms from Enter to the first frame written, "
          f"{latency_ms:g} ms per request, median of {repeat} interleaved runs ==")
    print(f"   load average: {' '.join(f'{x:.2f}' for x in os.getloadavg())} (2 cores, shared)")
    whole = statistics.median(found[PARTS[0]])
    for part, values in found.items():
        median = statistics.median(values)
        saved = "" if part == PARTS[0] else f"  (costs ~{whole - median:.0f} ms)"
        print(f"  {part:28} median {median:6.1f}, min {min(values):6.1f}{saved}")


def _line(runs: list[dict[str, float]], name: str, target: float, note: str = "") -> None:
    values = [run[name] for run in runs if name in run]
    if len(values) < len(runs):
        print(f"  {name:32} missing in {len(runs) - len(values)} run(s) (not within "
              f"{TIMEOUT_S:g} s){note}")
        if not values:
            return
    median = statistics.median(values)
    verdict = "ok" if median <= target else "OVER"
    print(f"  {name:32} median {median:6.0f} = {median / target:4.2f} x {target:g} ({verdict}); "
          f"min {min(values):5.0f}, max {max(values):5.0f}{note}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--latency-ms", type=float, default=50.0)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--ids", type=int, default=5000)
    parser.add_argument("--cpu", action="store_true",
                        help="CPU ms of this process from Enter, at 0 ms latency (target 100)")
    parser.add_argument("--parts", action="store_true",
                        help="UI-thread CPU to the first frame, each part of the screen left out")
    parser.add_argument("--start-tab", choices=("apps",), default=None,
                        help="open the device on this tab, as an app's device status row does")
    args = parser.parse_args()
    if args.parts:
        parts_main(args.latency_ms, args.repeat)
        return
    if args.cpu:
        global clock
        clock = time.process_time
        args.latency_ms = 0.0
    target = args.latency_ms + 100
    load_before = os.getloadavg()
    runs = [asyncio.run(tab_run(args.latency_ms, args.start_tab)) for _ in range(args.repeat)]
    unit = "CPU ms" if args.cpu else "ms"
    print(f"== device screen, {args.latency_ms:g} ms per request, median of {args.repeat} runs; "
          f"target {target:g} {unit} after Enter (1 round trip + 100) ==")
    print(f"   load average before: {' '.join(f'{x:.2f}' for x in load_before)}; after: "
          f"{' '.join(f'{x:.2f}' for x in os.getloadavg())} (2 cores, shared)")
    print("  -- the screen and the visible tab (Overview), from Enter --")
    for name in MARKS:
        _line(runs, name, target)
    if args.start_tab == "apps":
        _line(runs, "apps tab: managed apps listed", target)
        _line(runs, "apps tab: their error codes", args.latency_ms * 2 + 100,
              "  (2 round trips by design)")
    _line(runs, FRAME_CPU, 100.0, "  (the UI thread's own work; target: 100 ms of local work)")
    _line(runs, UI_CPU, 100.0, "  (to the refresh after it, the mark of earlier figures)")
    print("  -- each read answered, from Enter (all start at Enter, in parallel) --")
    for part in READS:
        # The error codes of failing apps need the app list first: two round trips by design.
        rounds = 2 if part == "managed-app-errors" else 1
        _line(runs, f"read: {part}", rounds * args.latency_ms + 100,
              "  (2 round trips by design)" if rounds == 2 else "")
    print("  -- hidden tabs (built after the first frame): open -> frame drawn (target 100 "
          f"{unit}: the local work, the data being there) --")
    for tab in HIDDEN:
        arrived = sum(run.get(f"{tab}: data had arrived", 0.0) for run in runs)
        _line(runs, f"{tab}: open -> drawn", 100.0,
              f"  data had arrived: {arrived:g}/{len(runs)}")
    names = asyncio.run(names_run(args.latency_ms, args.ids))
    verdict = "ok" if names["calls"] <= 5 and names["seconds"] <= 1.5 else "OVER"
    print(f"== names: {names['ids']:,} distinct ids, {names['named']:,} named, "
          f"{names['calls']:g} getByIds calls, {names['seconds']:.2f} s ({verdict}; "
          "target <= 5 calls, <= 1.5 s) ==")


if __name__ == "__main__":
    main()

"""Opening a device: the reads start at Enter, every tab loads on its own, a tab is built when it
is first opened and draws what its reads brought at once, and a tab whose data needs two round
trips paints what it has after the first."""

from __future__ import annotations

import asyncio
import html
from collections.abc import Callable
from typing import Any

from textual.widget import Widget
from textual.widgets import ContentSwitcher, TabbedContent

from intune_tui.intune.device_apps import ManagedAppState
from intune_tui.ui.screens.device_detail import DeviceDetailScreen, managed_apps_text
from intune_tui.ui.widgets.detail import RowsPane

from .device_screen_support import click_tab, device_settled, open_tab
from .remote_action_support import at_device

LAPTOP_ID = "3ee9d80e-1689-47c4-9dbd-8029760df3f5"  # CONTOSO-LT-63219, primary user uma.murphy


def text_of(app: Any) -> str:
    return html.unescape(app.export_screenshot()).replace("\xa0", " ")


async def open_laptop(pilot: Any, app: Any, wait_until: Any) -> DeviceDetailScreen:
    await at_device(pilot, app, wait_until, LAPTOP_ID)
    await pilot.press("enter")
    await wait_until(pilot, lambda: isinstance(app.screen, DeviceDetailScreen))
    return app.screen  # type: ignore[no-any-return]


async def test_a_held_tab_does_not_hold_the_others(make_app, wait_until) -> None:
    app = make_app(devices=300)
    async with app.run_test(size=(120, 40)) as pilot:
        held = app.session.fake.faults.hold_next(path_contains="/deviceCompliancePolicyStates")
        detail = await open_laptop(pilot, app, wait_until)
        await open_tab(pilot, detail, "configuration")
        await wait_until(pilot, lambda: bool(detail.query("#configuration-pane"))
                         and detail.query_one("#configuration-pane", RowsPane).table.rows_count)
        await open_tab(pilot, detail, "compliance")
        compliance = detail.query_one("#compliance-pane", RowsPane)
        still_loading = compliance.table.empty_text == "Loading…"
        held.set()
        await wait_until(pilot, lambda: compliance.table.rows_count > 0)
    assert still_loading


async def test_the_reads_start_before_the_screen_is_mounted(make_app, wait_until,
                                                           monkeypatch) -> None:
    app = make_app(devices=300)
    pending_at_mount: list[str] = []
    original = DeviceDetailScreen.on_mount

    def on_mount(screen: DeviceDetailScreen) -> None:
        pending_at_mount.extend(handlers.key for handlers in app._jobs.values())
        original(screen)

    async with app.run_test(size=(120, 40)) as pilot:
        await at_device(pilot, app, wait_until, LAPTOP_ID)
        app.session.fake.latency_ms = 30  # answers take a while: none is back at the mount
        monkeypatch.setattr(DeviceDetailScreen, "on_mount", on_mount)
        await pilot.press("enter")
        await wait_until(pilot, lambda: isinstance(app.screen, DeviceDetailScreen))
    parts = {key.rsplit(":", 1)[-1] for key in pending_at_mount
             if key.startswith(f"device:{LAPTOP_ID}:")}
    assert {"overview", "compliance", "configuration", "configuration-catalog", "apps", "users",
            "recovery", "groups-device", "groups-user", "user-card", "managed-apps"} <= parts


async def test_groups_show_the_user_s_groups_while_the_device_lookup_is_held(
        make_app, wait_until) -> None:
    app = make_app(devices=300)
    async with app.run_test(size=(120, 40)) as pilot:
        fake = app.session.fake
        held = fake.faults.hold_next(path_contains="/v1.0/devices")
        detail = await open_laptop(pilot, app, wait_until)
        store = fake.tenant.devices
        index = store.index_of(LAPTOP_ID)
        groups = fake.directory.groups()
        user_groups = [groups[g] for g in fake.directory.user_groups(store.user[index])]
        device_groups = [groups[g] for g in fake.directory.device_groups(index)]
        await open_tab(pilot, detail, "groups")
        await wait_until(pilot, lambda: user_groups[0] in text_of(app))
        first = text_of(app)
        held.set()
        await wait_until(pilot, lambda: device_groups[0] in text_of(app))
    assert f"Its primary user's groups ({len(user_groups)})" in first
    assert "This device's groups" in first and "Loading…" in first
    assert device_groups[0] not in first


async def test_a_tab_opened_after_its_reads_answered_draws_them_at_once(
        make_app, wait_until) -> None:
    app = make_app(devices=300)
    async with app.run_test(size=(120, 40)) as pilot:
        detail = await open_laptop(pilot, app, wait_until)
        await wait_until(pilot, lambda: device_settled(app))
        fake = app.session.fake
        store = fake.tenant.devices
        index = store.index_of(LAPTOP_ID)
        groups = fake.directory.groups()
        # Built one per frame after the first, not waiting to be opened (on a busy machine the
        # reads can all be in before the last pane is: wait for the frames, not for the reads).
        await wait_until(pilot, lambda: bool(detail.query("#groups-view"))
                         and bool(detail.query("#apps-pane")))
        fake.requests.clear()
        await open_tab(pilot, detail, "groups")
        groups_shown = text_of(app)
        await open_tab(pilot, detail, "apps")
        apps = detail.query_one("#apps-pane", RowsPane)
        apps_rows = apps.table.rows_count
        asked = [r.path for r in fake.requests]
    assert all(groups[g] in groups_shown for g in fake.directory.device_groups(index))
    assert apps_rows > 0
    assert asked == []  # drawn from what the reads at Enter brought



def overview(detail: DeviceDetailScreen) -> dict[str, str]:
    from intune_tui.ui.widgets.detail import FieldList

    found = list(detail.query("#overview-fields").results(FieldList))
    return {label: str(value) for label, value in found[0]._fields} if found else {}


def tags_read(detail: DeviceDetailScreen) -> bool:
    return overview(detail).get("Scope tags", "Loading…") != "Loading…"


async def test_the_overview_names_the_device_s_scope_tags(make_app, wait_until) -> None:
    app = make_app(devices=300)
    async with app.run_test(size=(120, 40)) as pilot:
        detail = await open_laptop(pilot, app, wait_until)
        await wait_until(pilot, lambda: tags_read(detail))
        shown = text_of(app)
        tags = overview(detail)["Scope tags"]
    assert tags == "Default (0)"
    assert "Scope tags" in shown and "Default (0)" in shown


async def test_a_refused_scope_tag_list_leaves_the_ids_and_says_why(make_app, wait_until
                                                                    ) -> None:
    from intune_tui.demo.rules import ALL_DEMO_SCOPES

    scopes = tuple(s for s in ALL_DEMO_SCOPES
                   if not s.startswith(("DeviceManagementRBAC", "DeviceManagementConfiguration")))
    app = make_app(devices=300, scopes=scopes)
    async with app.run_test(size=(120, 40)) as pilot:
        detail = await open_laptop(pilot, app, wait_until)
        await wait_until(pilot, lambda: tags_read(detail))
        refused = [r for r in app.session.fake.requests if r.path.endswith("/roleScopeTags")]
        still_here = app.screen is detail
        tags = overview(detail)["Scope tags"]
    assert [r.status for r in refused] == [403]
    assert tags == "0 (names need DeviceManagementRBAC.Read.All)"
    assert still_here


def test_a_managed_app_s_version_is_not_repeated_when_its_name_ends_with_it() -> None:
    def state(name: str, version: str) -> ManagedAppState:
        return ManagedAppState("id", name, "Required install", version, "Installed", False)

    lines = managed_apps_text([state("Autodesk DWG TrueView 2025", "2025"),
                               state("Notepad++", "8.6.9"), state("Tool 2025", "2025.1")]).plain
    assert "  Autodesk DWG TrueView 2025 · Required install · Installed" in lines
    assert "  Notepad++ 8.6.9 · Required install" in lines
    assert "  Tool 2025 2025.1 · Required install" in lines


# -- a tab's pane is drawn only whole ------------------------------------------------------------

def drawn_pane_problems(screen: DeviceDetailScreen) -> list[str]:
    """What is wrong with the tab pane shown now: none, more than one, or one without all its
    widgets mounted. (While a pane is being built the one before stays, its label perhaps no
    longer the highlighted one.)"""
    switcher = screen.query_one(ContentSwitcher)
    shown = [pane for pane in switcher.children if pane.display]
    if len(shown) != 1:
        return [f"{len(shown)} panes shown"]
    pane = shown[0]
    widgets = list(pane.walk_children())
    problems = [] if widgets else [f"{pane.id}: empty"]
    problems += [f"{pane.id}: {widget!r} not mounted" for widget in widgets
                 if not widget.is_mounted]
    return problems


def watch_frames(app: Any, monkeypatch: Any) -> list[str]:
    """Every frame drawn of a device screen: the problems of its shown pane then."""
    problems: list[str] = []
    display = app._display

    def spy(screen: Any, renderable: Any) -> None:
        if isinstance(screen, DeviceDetailScreen) and screen.is_mounted:
            problems.extend(drawn_pane_problems(screen))
        display(screen, renderable)

    monkeypatch.setattr(app, "_display", spy)
    return problems


def whole(screen: Any, tab_id: str) -> bool:
    """The tab is the active one and its pane, whole, is the one shown."""
    shown = [pane.id for pane in screen.query_one(ContentSwitcher).children if pane.display]
    return (screen.query_one(TabbedContent).active == tab_id and shown == [tab_id]
            and not drawn_pane_problems(screen))


async def test_a_tab_opened_before_its_pane_is_built_is_never_drawn_empty(
        make_app, wait_until, monkeypatch) -> None:
    """Each way of opening a tab (`]`, a click on its label, `k`, `c`), its pane not built yet
    (the building after the first frame held off): every frame shows one whole pane."""
    async def not_yet(_screen: DeviceDetailScreen) -> None:
        return None

    monkeypatch.setattr(DeviceDetailScreen, "_build_next_tab", not_yet)
    app = make_app(devices=300)
    async with app.run_test(size=(120, 40)) as pilot:
        problems = watch_frames(app, monkeypatch)
        detail = await open_laptop(pilot, app, wait_until)
        await pilot.press("right_square_bracket")
        await wait_until(pilot, lambda: whole(detail, "compliance"))
        await click_tab(pilot, detail, "groups")
        await wait_until(pilot, lambda: whole(detail, "groups"))
        await pilot.press("k")
        await wait_until(pilot, lambda: whole(detail, "recovery")
                         and detail.focused is detail.query_one("#recovery-list"))
        await pilot.press("left_square_bracket", "left_square_bracket")
        await wait_until(pilot, lambda: whole(detail, "users"))
        await pilot.press("c")
        await wait_until(pilot, lambda: whole(detail, "compliance"))
        await wait_until(pilot, lambda: device_settled(app))
        text = text_of(app)
    assert problems == []
    assert "Why non-compliant" in text or "Compliance" in text


async def test_a_device_opened_on_a_tab_shows_that_tab_first(make_app, wait_until,
                                                            monkeypatch) -> None:
    """`w` on the list opens the device on its Compliance tab: its first frame shows it."""
    app = make_app(devices=300)
    async with app.run_test(size=(120, 40)) as pilot:
        problems = watch_frames(app, monkeypatch)
        await at_device(pilot, app, wait_until, LAPTOP_ID)
        await pilot.press("w")
        await wait_until(pilot, lambda: isinstance(app.screen, DeviceDetailScreen))
        detail = app.screen
        await wait_until(pilot, lambda: whole(detail, "compliance") and device_settled(app))
    assert problems == []


# -- the managed apps' error codes: the second round trip starts from the first answer ---------

async def test_the_error_codes_are_asked_for_without_waiting_for_the_ui(
        make_app, wait_until, monkeypatch) -> None:
    """The app list's answer starts the failing apps' error code reads in the worker: they
    reach Graph even while the UI thread has not handled that answer yet (here: never)."""
    app = make_app(devices=300)
    async with app.run_test(size=(120, 40)) as pilot:
        await at_device(pilot, app, wait_until, LAPTOP_ID)
        fake = app.session.fake
        handle = app._handle_worker_event

        def ui_never_sees_the_list(event: Any) -> None:
            job = app._jobs.get(getattr(event, "job_id", None))
            if job is None or not job.key.endswith(":managed-apps"):
                handle(event)

        monkeypatch.setattr(app, "_handle_worker_event", ui_never_sees_the_list)
        fake.requests.clear()
        await pilot.press("enter")
        await wait_until(pilot, lambda: any("/deviceStatuses" in r.path for r in fake.requests))
        asked = [r.path for r in fake.requests]
    assert any("/mobileAppIntentAndStates" in path for path in asked)


async def test_a_failed_app_list_says_so_and_asks_for_no_error_code(make_app, wait_until
                                                                    ) -> None:
    app = make_app(devices=300)
    async with app.run_test(size=(120, 40)) as pilot:
        await at_device(pilot, app, wait_until, LAPTOP_ID)
        fake = app.session.fake
        fake.faults.fail_next(403, path_contains="/mobileAppIntentAndStates")
        fake.requests.clear()
        detail = await open_laptop_from_the_row(pilot, app, wait_until)
        await open_tab(pilot, detail, "apps")
        await wait_until(pilot, lambda: "Could not read the managed apps" in text_of(app))
        await wait_until(pilot, lambda: device_settled(app))
        asked = [r.path for r in fake.requests]
        shown = text_of(app)
    assert not any("/deviceStatuses" in path for path in asked)
    assert "Discovered apps" in shown  # the rest of the tab is there


async def open_laptop_from_the_row(pilot: Any, app: Any, wait_until: Any) -> DeviceDetailScreen:
    await pilot.press("enter")
    await wait_until(pilot, lambda: isinstance(app.screen, DeviceDetailScreen))
    return app.screen  # type: ignore[no-any-return]


# -- answers and late panes: whatever order they come in, a tab shows the latest answer --------

def card_fields(detail: DeviceDetailScreen) -> str:
    from intune_tui.ui.widgets.detail import FieldList

    return " ".join(str(value) for _label, value in
                    detail.query_one("#user-card", FieldList)._fields)


def hold_mount_of(pane_id: str, opened: asyncio.Event, monkeypatch: Any) -> None:
    """Mounting the tab pane `pane_id` completes (for whoever awaits it) only once `opened`
    is set: its widgets are all there meanwhile."""
    mount = ContentSwitcher.mount

    def held(switcher: ContentSwitcher, *widgets: Widget, **options: Any) -> Any:
        mounting = mount(switcher, *widgets, **options)
        if not any(widget.id == pane_id for widget in widgets):
            return mounting

        async def until_opened() -> None:
            await mounting
            await opened.wait()

        return asyncio.ensure_future(until_opened())

    monkeypatch.setattr(ContentSwitcher, "mount", held)


async def until(predicate: Callable[[], object]) -> None:
    """`wait_until` for a moment when the pilot cannot be used: while a pane's mount is held,
    the screen (which builds its panes) handles no message, and a pilot's pause waits for
    it."""
    for _ in range(1500):
        if predicate():
            return
        await asyncio.sleep(0.01)
    raise AssertionError("the app did not get there in 15 s")


def assert_the_card_shows_the_user(app, detail: DeviceDetailScreen) -> None:
    """The Users tab shows the laptop's primary user, not the line set before the card's read."""
    assert "Loading the primary user" not in text_of(app)
    assert "uma.murphy" in card_fields(detail)


async def test_an_answer_that_comes_while_its_pane_is_mounting_is_not_overwritten(
        make_app, wait_until, monkeypatch) -> None:
    """The primary user's card arrives while the Users pane is being mounted (its widgets are
    there, the mount not complete): the card shows the user, not the "Loading" line the
    screen set before the read began (that line waited for the pane, and came after)."""
    opened = asyncio.Event()
    hold_mount_of("users", opened, monkeypatch)
    app = make_app(devices=300)
    async with app.run_test(size=(120, 40)) as pilot:
        await at_device(pilot, app, wait_until, LAPTOP_ID)
        handle = app._handle_worker_event
        held: list[Any] = []

        def hold_the_card(event: Any) -> None:
            job = app._jobs.get(getattr(event, "job_id", None))
            if job is not None and job.key.endswith(":user-card") and not held:
                held.append(event)
                return
            handle(event)

        monkeypatch.setattr(app, "_handle_worker_event", hold_the_card)
        app.open_device(app.screen.table.cursor_row.item)  # as Enter does
        # The card's answer is back; the Users pane's widgets are mounted, its mount held.
        await until(lambda: held and isinstance(app.screen, DeviceDetailScreen)
                    and bool(app.screen.query("#user-card")))
        detail = app.screen
        handle(held[0])
        opened.set()
        await open_tab(pilot, detail, "users")
        await wait_until(pilot, lambda: device_settled(app))
        assert_the_card_shows_the_user(app, detail)


async def test_a_tab_left_before_its_pane_is_mounted_still_draws_its_answers(
        make_app, wait_until, monkeypatch) -> None:
    """The Users tab is opened before its turn and left for Groups while its pane is being
    mounted: opened again, it shows the user's card (the answers that waited for the pane
    were drawn once it was mounted, though it was not the tab shown then)."""
    async def not_yet(_screen: DeviceDetailScreen) -> None:
        return None

    monkeypatch.setattr(DeviceDetailScreen, "_build_next_tab", not_yet)
    opened = asyncio.Event()
    hold_mount_of("users", opened, monkeypatch)
    app = make_app(devices=300)
    async with app.run_test(size=(120, 40)) as pilot:
        detail = await open_laptop(pilot, app, wait_until)
        await wait_until(pilot, lambda: device_settled(app))
        tabs = detail.query_one(TabbedContent)
        tabs.active = "users"
        await until(lambda: bool(detail.query("#user-card")))
        tabs.active = "groups"
        opened.set()
        await wait_until(pilot, lambda: whole(detail, "groups"))
        await open_tab(pilot, detail, "users")
        await wait_until(pilot, lambda: whole(detail, "users"))
        assert_the_card_shows_the_user(app, detail)


async def test_answers_wait_for_widgets_a_pane_reported_mounted_does_not_have_yet(
        make_app, wait_until, monkeypatch) -> None:
    """The Users pane's mount is reported complete before its widgets are there (seen once
    under load, on the Actions pane): the card still shows the user once they are."""
    async def not_yet(_screen: DeviceDetailScreen) -> None:
        return None

    monkeypatch.setattr(DeviceDetailScreen, "_build_next_tab", not_yet)
    mount = ContentSwitcher.mount

    def reported_at_once(switcher: ContentSwitcher, *widgets: Widget, **options: Any) -> Any:
        mounting = mount(switcher, *widgets, **options)
        if not any(widget.id == "users" for widget in widgets):
            return mounting
        done = asyncio.get_running_loop().create_future()
        done.set_result(None)
        return done

    monkeypatch.setattr(ContentSwitcher, "mount", reported_at_once)
    app = make_app(devices=300)
    async with app.run_test(size=(120, 40)) as pilot:
        detail = await open_laptop(pilot, app, wait_until)
        await wait_until(pilot, lambda: device_settled(app))
        await open_tab(pilot, detail, "users")
        await wait_until(pilot, lambda: whole(detail, "users"))
        assert_the_card_shows_the_user(app, detail)

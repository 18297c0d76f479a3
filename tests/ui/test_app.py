"""The app shell on the demo tenant: header, modes, help, command line, palette."""

from __future__ import annotations

from intune_tui.ui.screens.devices import DevicesScreen


async def test_header_names_the_tenant_and_account(make_app, wait_until) -> None:
    app = make_app()
    async with app.run_test() as pilot:
        await wait_until(pilot, lambda: isinstance(app.screen, DevicesScreen))
        assert "Contoso Demo (demo tenant)" in app.sub_title
        assert "helpdesk@contoso-demo.onmicrosoft.com" in app.sub_title


async def test_number_keys_switch_areas_and_back(make_app, wait_until) -> None:
    app = make_app()
    async with app.run_test() as pilot:
        await wait_until(pilot, lambda: isinstance(app.screen, DevicesScreen))
        for key, mode in (("2", "apps"), ("3", "policies"), ("4", "roles"), ("5", "health"),
                          ("1", "devices")):
            await pilot.press(key)
            await wait_until(pilot, lambda mode=mode: app.current_mode == mode)


async def test_command_line_switches_area_and_reports_unknown(make_app, wait_until) -> None:
    app = make_app()
    async with app.run_test() as pilot:
        await wait_until(pilot, lambda: isinstance(app.screen, DevicesScreen))
        await pilot.press("colon", *"apps", "enter")
        await wait_until(pilot, lambda: app.current_mode == "apps")
        await pilot.press("colon", *"wipe", "enter")
        await pilot.pause()
        assert any("Unknown command :wipe" in n.message for n in app._notifications)


async def test_help_lists_the_keys_of_the_current_screen(make_app, wait_until) -> None:
    from intune_tui.ui.screens.help import HelpScreen

    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_until(pilot, lambda: isinstance(app.screen, DevicesScreen))
        await pilot.press("question_mark")
        await wait_until(pilot, lambda: isinstance(app.screen, HelpScreen))
        ids = {item.binding_id for item in app.screen._keys}
        assert {"list.search", "list.refresh", "table.sort", "app.quit"} <= ids
        await pilot.press("escape")
        await wait_until(pilot, lambda: isinstance(app.screen, DevicesScreen))


async def test_sub_views_switch_with_brackets_and_load_their_own_list(make_app, wait_until):
    from intune_tui.ui.screens.resource_list import ResourceListScreen

    app = make_app()
    async with app.run_test() as pilot:
        await wait_until(pilot, lambda: isinstance(app.screen, DevicesScreen))
        await pilot.press("3")  # policies: configuration, compliance, settings catalog, …
        await wait_until(pilot, lambda: app.current_mode == "policies"
                         and app.screen._complete)
        screen: ResourceListScreen = app.screen  # type: ignore[assignment]
        seen = [screen.view.resource]
        for _ in range(len(screen.VIEWS)):
            await pilot.press("right_square_bracket")
            await wait_until(pilot, lambda: screen._complete)
            seen.append(screen.view.resource)
            assert screen.table.columns[0].title == screen.resource.columns[0].title
        assert seen[0] == seen[-1]
        assert len(set(seen)) == len(screen.VIEWS)
        await pilot.press("left_square_bracket")
        await wait_until(pilot, lambda: screen._complete)
        assert screen.view.resource == seen[-2]


async def test_the_garbage_collector_paused_for_start_up_is_on_once_rows_are_shown(
        make_app, wait_until) -> None:
    import gc

    gc.disable()  # as the CLI does before it imports the app
    try:
        app = make_app()
        async with app.run_test() as pilot:
            await wait_until(pilot, lambda: isinstance(app.screen, DevicesScreen)
                             and app.screen.table.rows_count > 0)
            await pilot.pause()
            assert gc.isenabled()
    finally:
        gc.enable()


async def test_the_garbage_collector_is_on_again_when_the_first_list_fails(
        make_app, wait_until) -> None:
    import gc

    gc.disable()
    try:
        app = make_app(scopes=())  # a token with no scope: the device list answers 403
        async with app.run_test() as pilot:
            await wait_until(pilot, lambda: isinstance(app.screen, DevicesScreen)
                             and app.screen.query_one("#list-problem").display)
            assert gc.isenabled()
    finally:
        gc.enable()


def _device_list_requests(app) -> list:
    return [request for request in app.session.fake.requests
            if request.path.endswith("/deviceManagement/managedDevices")]


async def test_the_first_list_is_asked_for_before_its_screen_is_composed_and_only_once(
        make_app, wait_until, monkeypatch) -> None:
    from intune_tui.worker import GraphWorker

    order: list[str] = []
    real_submit, real_compose = GraphWorker.submit_listing, DevicesScreen.compose

    def submit_listing(self, view, pages):
        order.append(f"stream {view}")
        return real_submit(self, view, pages)

    def compose(self):
        order.append("compose")
        return real_compose(self)

    monkeypatch.setattr(GraphWorker, "submit_listing", submit_listing)
    monkeypatch.setattr(DevicesScreen, "compose", compose)
    app = make_app(devices=300)
    async with app.run_test() as pilot:
        await wait_until(pilot, lambda: isinstance(app.screen, DevicesScreen)
                         and app.screen._complete)
        assert app.screen.table.rows_count == 300
        assert order == ["stream devices:devices", "compose"]
        # The screen took the app's stream over: the preview and the full page, asked once.
        assert len(_device_list_requests(app)) == 2


def _load_late(monkeypatch, ready) -> None:
    """The devices screen asks for its list only once `ready(app)` holds."""
    real_load = DevicesScreen.load

    def load(self, **kwargs) -> None:
        def when_ready() -> None:
            if ready(self.app):
                real_load(self, **kwargs)
            else:
                self.set_timer(0.05, when_ready)

        when_ready()

    monkeypatch.setattr(DevicesScreen, "load", load)


async def test_a_first_list_done_before_its_screen_asked_is_handed_over_whole(
        make_app, wait_until, monkeypatch) -> None:
    _load_late(monkeypatch, lambda app: len(_device_list_requests(app)) == 2)
    app = make_app(devices=300)
    async with app.run_test() as pilot:
        await wait_until(pilot, lambda: isinstance(app.screen, DevicesScreen)
                         and app.screen._complete)
        await pilot.pause(0.2)
        assert app.screen.table.rows_count == 300
        assert len(_device_list_requests(app)) == 2
        assert "300 devices" in str(app.screen.query_one("StatusBar").render())


async def test_a_first_list_that_failed_before_its_screen_asked_shows_why(
        make_app, wait_until, monkeypatch) -> None:
    _load_late(monkeypatch, lambda app: bool(_device_list_requests(app)))
    app = make_app(scopes=())  # a token with no scope: the device list answers 403
    async with app.run_test() as pilot:
        await wait_until(pilot, lambda: isinstance(app.screen, DevicesScreen)
                         and app.screen.query_one("#list-problem").display)
        assert "DeviceManagementManagedDevices.Read.All" in str(
            app.screen.query_one("#list-problem").render())


async def test_a_retried_read_is_shown_in_the_status_bar_at_its_first_failure(
    make_app, wait_until
) -> None:
    import time

    from intune_tui.ui.widgets.status_bar import StatusBar

    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_until(pilot, lambda: isinstance(app.screen, DevicesScreen)
                         and app.screen.table.rows_count > 0 and app.screen._complete)
        app.session.fake.faults.fail_next(503, path_contains="managedDevices", times=2)
        await pilot.press("r")
        asked = time.monotonic()
        bar = app.screen.query_one(StatusBar)
        await wait_until(pilot, lambda: "retrying (2 of 6)" in bar.throttle, timeout=5)
        assert time.monotonic() - asked < 1.0
        assert "Graph answered HTTP 503" in bar.throttle
        await wait_until(pilot, lambda: app.screen._complete, timeout=15)
        assert app.screen.table.rows_count == 300

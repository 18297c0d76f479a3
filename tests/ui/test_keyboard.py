"""Everything by keyboard: ids on every binding (so config.toml can remap it), `?` showing the
keys of the screen you are on, the `:` command line with completion, the palette's commands for
the current screen, and a walk through every area and modal without a mouse."""

from __future__ import annotations

import importlib
import inspect
import pkgutil
import re
from pathlib import Path
from typing import Any

import pytest
from make_screenshots import (
    ACTED_ON_DEVICE,
    KEYMAP_SECTIONS,
    NONCOMPLIANT_DEVICE,
    REPO,
    WINDOWS_DEVICE,
    devices_loaded,
    find_device,
    keymap_markdown,
    open_device,
    wait_for,
)
from textual.binding import Binding
from textual.command import CommandPalette
from textual.dom import DOMNode
from textual.widgets import Input, OptionList, TabbedContent

import intune_tui.ui
from intune_tui.config import Profile
from intune_tui.ui.screens.help import HelpScreen

BINDING_ID = re.compile(r"^[a-z_]+\.[a-z_]+$")


def ui_classes() -> list[type[DOMNode]]:
    """Every screen, widget and the app defined in intune_tui.ui."""
    classes: list[type[DOMNode]] = []
    for module_info in pkgutil.walk_packages(intune_tui.ui.__path__, "intune_tui.ui."):
        module = importlib.import_module(module_info.name)
        classes += [value for value in vars(module).values()
                    if inspect.isclass(value) and issubclass(value, DOMNode)
                    and value.__module__ == module.__name__]
    return classes


def own_bindings(cls: type[DOMNode]) -> list[Binding]:
    return [binding for binding in cls.__dict__.get("BINDINGS", [])
            if isinstance(binding, Binding)]


def test_the_ui_defines_bindings_to_check() -> None:
    names = {cls.__name__ for cls in ui_classes() if own_bindings(cls)}
    assert {"IntuneApp", "ResourceListScreen", "DevicesScreen", "DeviceDetailScreen",
            "ResourceTable", "HelpScreen", "CommandLine", "SignInScreen"} <= names


@pytest.mark.parametrize("cls", [cls for cls in ui_classes() if own_bindings(cls)],
                         ids=lambda cls: cls.__name__)
def test_every_binding_has_an_id_and_a_description(cls: type[DOMNode]) -> None:
    for binding in own_bindings(cls):
        assert all(not isinstance(item, tuple) for item in cls.__dict__["BINDINGS"])
        assert binding.id and BINDING_ID.match(binding.id), (
            f"{cls.__name__}: {binding.key!r} -> {binding.action} has no usable id")
        assert binding.description, f"{cls.__name__}: {binding.id} has no description for ?"


def test_one_id_means_one_action_wherever_it_is_used() -> None:
    actions: dict[str, set[str]] = {}
    for cls in ui_classes():
        for binding in own_bindings(cls):
            actions.setdefault(str(binding.id), set()).add(binding.action)
    assert {name: found for name, found in actions.items() if len(found) > 1} == {}


def test_no_bare_key_sends_a_remote_action() -> None:
    """`a` opens a menu; the confirmation that follows is the only way to send."""
    for cls in ui_classes():
        for binding in own_bindings(cls):
            assert not binding.action.startswith(("run_action", "send", "wipe", "retire")), (
                f"{cls.__name__}: {binding.key} -> {binding.action}")


def test_the_readme_key_map_is_generated_from_these_bindings() -> None:
    """`tests/make_screenshots.py --readme` rewrites it; this fails when someone forgot."""
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    assert keymap_markdown() in readme


def test_the_key_map_covers_every_screen_that_has_keys() -> None:
    listed = {class_name for _heading, _module, class_name in KEYMAP_SECTIONS}
    with_keys = {cls.__name__ for cls in ui_classes() if own_bindings(cls)}
    assert with_keys - listed == set()


# -- keymap ----------------------------------------------------------------------------------------


def write_config(text: str) -> None:
    import os

    path = Path(os.environ["INTUNE_TUI_CONFIG_DIR"]) / "config.toml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)


def device_list_gets(app: Any) -> int:
    return sum(1 for request in app.session.fake.requests
               if request.method == "GET" and "managedDevices" in request.path)


async def test_keymap_in_config_moves_a_key(make_app, wait_until) -> None:
    write_config('[keymap]\n"list.refresh" = "ctrl+r"\n"app.help" = "f2"\n')
    app = make_app()
    async with app.run_test() as pilot:
        await devices_loaded(pilot)
        before = device_list_gets(app)
        await pilot.press("r")
        await pilot.pause(0.3)
        assert device_list_gets(app) == before, "r still refreshes after the remap"
        await pilot.press("ctrl+r")
        await wait_until(pilot, lambda: device_list_gets(app) > before)
        await pilot.press("question_mark")
        await pilot.pause()
        assert not isinstance(app.screen, HelpScreen)
        await pilot.press("f2")
        await wait_until(pilot, lambda: isinstance(app.screen, HelpScreen))
        shown = {item.binding_id: item.key for item in app.screen._keys}
        assert shown["list.refresh"] == "^r" and shown["app.help"] == "f2"


# -- ? ---------------------------------------------------------------------------------------------


async def help_ids(pilot: Any) -> set[str]:
    await pilot.press("question_mark")
    await wait_for(pilot, lambda: isinstance(pilot.app.screen, HelpScreen), "the help")
    ids = {item.binding_id for item in pilot.app.screen._keys}
    await pilot.press("escape")
    await wait_for(pilot, lambda: not isinstance(pilot.app.screen, HelpScreen), "help closed")
    return ids


async def test_question_mark_lists_the_keys_of_the_screen_you_are_on(make_app) -> None:
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await devices_loaded(pilot)
        on_list = await help_ids(pilot)
        assert {"devices.actions", "devices.bulk_actions", "devices.why", "list.search",
                "table.mark", "app.command", "app.quit"} <= on_list
        assert "detail.why" not in on_list
        await pilot.press("enter")
        await wait_for(pilot, lambda: type(app.screen).__name__ == "DeviceDetailScreen",
                       "the device")
        on_detail = await help_ids(pilot)
        assert {"detail.why", "detail.actions", "detail.back", "app.help"} <= on_detail
        assert "devices.bulk_actions" not in on_detail and "list.search" not in on_detail


async def test_help_puts_the_screen_keys_first_and_groups_keys_of_one_binding(make_app) -> None:
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await devices_loaded(pilot)
        await pilot.press("question_mark")
        await wait_for(pilot, lambda: isinstance(app.screen, HelpScreen), "the help")
        keys = app.screen._keys
        assert keys[0].binding_id.startswith(("list.", "devices."))
        assert [item.key for item in keys if item.binding_id == "table.cursor_down"] == ["↓ j"]
        ids = [item.binding_id for item in keys]
        assert ids.index("devices.actions") < ids.index("table.cursor_down") < ids.index(
            "app.quit")


# -- : ---------------------------------------------------------------------------------------------


async def completed(pilot: Any, typed: str) -> str:
    """Open `:`, type, press Tab: what the line then says. Esc closes it again."""
    await pilot.press("colon", *typed)
    await pilot.press("tab")
    value = pilot.app.screen.query_one(Input).value
    await pilot.press("escape")
    await pilot.pause()
    return value


COMPLETIONS = {
    "d": ":devices", "ap": ":apps", "po": ":policies", "ro": ":roles", "ac": ":access",
    "au": ":audit", "export c": ":export csv", "export j": ":export json",
    "te": ":tenant fabrikam", "tenant c": ":tenant contoso",
}


async def test_command_line_completes_with_tab(make_app) -> None:
    """Every case on one app (Esc closes the line between them, so none runs); all cases are
    compared at once, so a failure names each line that completed wrongly."""
    app = make_app(profiles={name: Profile(name, tenant=f"{name}.onmicrosoft.com")
                             for name in ("fabrikam", "contoso")})
    async with app.run_test() as pilot:
        await devices_loaded(pilot)
        got = {typed: await completed(pilot, typed) for typed in COMPLETIONS}
    assert got == COMPLETIONS


async def test_command_line_keeps_its_colon_and_runs_what_was_completed(make_app) -> None:
    app = make_app()
    async with app.run_test() as pilot:
        await devices_loaded(pilot)
        await pilot.press("colon")
        assert app.screen.query_one(Input).value == ":"
        await pilot.press("p", "o", "tab", "enter")
        await wait_for(pilot, lambda: app.current_mode == "policies", ":policies")
        for line, screen in ((":audit", "AuditScreen"), (":access", "AccessScreen"),
                             (":roles", "RolesScreen")):
            await pilot.press("colon", *line[1:], "enter")
            await wait_for(pilot, lambda screen=screen: type(app.screen).__name__ == screen,
                           line)
            if screen != "RolesScreen":
                await pilot.press("escape")


async def test_export_from_the_command_line_writes_the_view(make_app) -> None:
    app = make_app()
    async with app.run_test() as pilot:
        await devices_loaded(pilot)
        await pilot.press("colon", *"export json", "enter")
        exports = app.settings.exports_dir
        await wait_for(pilot, lambda: exports.is_dir() and any(exports.iterdir()), "an export")
        (written,) = exports.iterdir()
        assert written.suffix == ".json" and WINDOWS_DEVICE in written.read_text()


async def test_q_on_the_command_line_quits(make_app) -> None:
    app = make_app()
    async with app.run_test() as pilot:
        await devices_loaded(pilot)
        await pilot.press("colon", "q", "enter")
        await pilot.pause()
        assert not app.is_running


# -- palette ---------------------------------------------------------------------------------------


async def palette_entries(pilot: Any, query: str = "") -> list[str]:
    await pilot.press("ctrl+p")
    await wait_for(pilot, lambda: isinstance(pilot.app.screen, CommandPalette), "the palette")
    if query:
        await pilot.press(*query)
    await pilot.pause(0.5)
    options = pilot.app.screen.query_one(OptionList)
    texts = [str(options.get_option_at_index(index).prompt)
             for index in range(options.option_count)]
    await pilot.press("escape")
    await pilot.pause()
    return texts


async def test_palette_lists_the_commands_of_the_current_screen(make_app) -> None:
    app = make_app(profiles={"fabrikam": Profile("fabrikam", tenant="fabrikam.onmicrosoft.com")})
    async with app.run_test(size=(120, 40)) as pilot:
        await devices_loaded(pilot)
        on_list = " | ".join(await palette_entries(pilot))
        for expected in ("Search this list", "Export view as CSV", "Refresh this list",
                         "Remote actions for the device under the cursor",
                         "Bulk action on the marked devices", "Switch tenant: fabrikam",
                         "My access"):
            assert expected in on_list
        await pilot.press("enter")
        await wait_for(pilot, lambda: type(app.screen).__name__ == "DeviceDetailScreen",
                       "a device")
        on_device = " | ".join(await palette_entries(pilot))
        assert "Remote actions for this device" in on_device
        assert "Why is this device non-compliant?" in on_device
        assert "Search this list" not in on_device
        await pilot.press("escape")
        await pilot.press("2")
        await wait_for(pilot, lambda: app.current_mode == "apps", "apps")
        await wait_for(pilot, lambda: getattr(app.screen, "_complete", False), "apps loaded")
        await pilot.press("enter")
        await wait_for(pilot, lambda: type(app.screen).__name__ == "AppDetailScreen", "an app")
        on_detail = " | ".join(await palette_entries(pilot))
        assert "Filter the list in this tab" in on_detail
        assert "Search this list" not in on_detail


async def test_a_palette_command_runs(make_app) -> None:
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await devices_loaded(pilot)
        await pilot.press("ctrl+p", *"Intune roles")
        await pilot.pause(0.5)
        await pilot.press("enter")
        await wait_for(pilot, lambda: app.current_mode == "roles", "roles from the palette")


# -- a walk without a mouse ------------------------------------------------------------------------


def screen_name(pilot: Any) -> str:
    return type(pilot.app.screen).__name__


async def reach(pilot: Any, name: str) -> None:
    await wait_for(pilot, lambda: screen_name(pilot) == name, name)


async def test_every_area_and_modal_is_reachable_with_keys_alone(make_app) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        # A device: search, open, walk its tabs with the arrows, why non-compliant, back.
        await open_device(pilot, ACTED_ON_DEVICE)
        tabs = app.screen.query_one(TabbedContent)
        seen = {tabs.active}
        for _ in range(8):
            await pilot.press("right")
            seen.add(tabs.active)
        assert seen == {"overview", "compliance", "configuration", "apps", "users", "groups",
                        "recovery", "actions"}
        await pilot.press("tab")  # into the tab's list: [ and ] still change tabs
        before = tabs.active
        await pilot.press("right_square_bracket")
        assert tabs.active != before
        await pilot.press("left_square_bracket")
        assert tabs.active == before
        await pilot.press("escape", "escape")
        await reach(pilot, "DevicesScreen")
        await find_device(pilot, NONCOMPLIANT_DEVICE)
        await pilot.press("w")
        await reach(pilot, "DeviceDetailScreen")
        await wait_for(pilot, lambda: app.screen.query_one(TabbedContent).active == "compliance"
                       and app.focused is not None and app.focused.cursor_row is not None,
                       "the failing policy")
        await pilot.press("enter")
        await reach(pilot, "SettingStatesScreen")
        await pilot.press("escape")
        await reach(pilot, "DeviceDetailScreen")
        # Remote actions: the menu from the detail and from the list, bulk from marks.
        await pilot.press("a")
        await reach(pilot, "ActionsMenu")
        await pilot.press("enter")  # the first action: Sync's confirmation, No focused
        await reach(pilot, "BenignConfirm")
        await pilot.press("n")
        await reach(pilot, "DeviceDetailScreen")
        await pilot.press("escape", "escape")
        await reach(pilot, "DevicesScreen")
        await pilot.press("space", "down", "space", "A")
        await reach(pilot, "ActionsMenu")
        await pilot.press("escape")
        await reach(pilot, "DevicesScreen")
        # Every area, a detail in each, sub-views with ] .
        for key, area, detail in (("2", "AppsScreen", "AppDetailScreen"),
                                  ("3", "PoliciesScreen", "PolicyDetailScreen"),
                                  ("4", "RolesScreen", "RoleDetailScreen")):
            await pilot.press(key)
            await wait_for(pilot, lambda area=area: screen_name(pilot) == area
                           and pilot.app.screen._complete, area)
            await pilot.press("enter")
            await reach(pilot, detail)
            await pilot.press("escape")
            await reach(pilot, area)
            view = app.screen._view_index
            await pilot.press("right_square_bracket")
            assert app.screen._view_index == view + 1
        await pilot.press("5")
        await reach(pilot, "HealthScreen")
        # The app's own screens and modals.
        for keys, name in ((("colon", *"access", "enter"), "AccessScreen"),
                           (("colon", *"audit", "enter"), "AuditScreen"),
                           (("question_mark",), "HelpScreen"),
                           (("ctrl+p",), "CommandPalette"),
                           (("colon",), "CommandLine")):
            await pilot.press(*keys)
            await reach(pilot, name)
            await pilot.press("escape")
            await reach(pilot, "HealthScreen")
        await pilot.press("1", "e")
        await wait_for(pilot, lambda: app.settings.exports_dir.is_dir(), "the export")
        await pilot.press("q")
        await pilot.pause()
        assert not app.is_running


# -- Ctrl+C ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("in_search", [False, True])
async def test_ctrl_c_quits_like_q(make_app, in_search: bool) -> None:
    app = make_app()
    async with app.run_test() as pilot:
        await devices_loaded(pilot)
        if in_search:
            await pilot.press("slash", "x")
        await pilot.press("ctrl+c")
        await pilot.pause()
        assert not app.is_running


async def test_ctrl_c_during_a_remote_action_asks_first(make_app, wait_until) -> None:
    from screens.remote_action_support import DEVICES, WINDOWS_ID, at_device, choose, open_menu

    from intune_tui.ui.action_flow import action_flow
    from intune_tui.ui.screens.in_flight import QuitWhileSending

    app = make_app(devices=DEVICES)
    async with app.run_test(size=(120, 40)) as pilot:
        await at_device(pilot, app, wait_until, WINDOWS_ID)
        app.session.fake.faults.slow_next(8.0, path_contains="/syncDevice")
        await open_menu(pilot, app, wait_until)
        await choose(pilot, app, wait_until, "syncDevice")
        await pilot.press("y")
        await wait_until(pilot, lambda: bool(action_flow(app).in_flight))
        await pilot.press("ctrl+c")
        await wait_until(pilot, lambda: isinstance(app.screen, QuitWhileSending))
        assert app.is_running and app.return_code is None
        await pilot.press("escape")  # stay

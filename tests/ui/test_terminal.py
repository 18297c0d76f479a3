"""Terminals over SSH: 80x24 (the header names the tenant, every footer key fits, long values end
in an ellipsis), NO_COLOR (grey only, and no state told by colour alone), the mouse switched off,
and the light theme."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest
from make_screenshots import (
    SCENES_BY_NAME,
    devices_loaded,
    find_device,
    make_app,
    open_device,
    wait_for,
)
from textual.filter import Monochrome
from textual.widgets import Footer, Input
from textual.widgets._footer import FooterKey
from textual.widgets._header import HeaderTitle

from intune_tui.cli import main
from intune_tui.ui.app import IntuneApp
from intune_tui.ui.widgets.key_footer import KeyFooter
from intune_tui.ui.widgets.resource_table import CURSOR_GLYPH, MARK_GLYPH, ResourceTable

STATE_MARKS = ("bad", "warn", "good")


def write_config(text: str) -> None:
    path = Path(os.environ["INTUNE_TUI_CONFIG_DIR"]) / "config.toml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)


def shown_lines(widget: Any) -> list[str]:
    return [strip.text for strip in widget.render_lines(widget.size.region)]


def table_lines(table: ResourceTable[Any]) -> list[str]:
    return [table.render_line(y).text for y in range(table.size.height)]


# -- 80x24 ---------------------------------------------------------------------------------------

SCREENS_WITH_A_FOOTER = ("devices", "device-overview", "device-compliance", "setting-states",
                         "device-actions-tab", "audit", "apps", "app-detail", "policies",
                         "policy-detail", "roles", "role-detail", "access", "health")


@pytest.fixture
def no_cursor_blink(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(Input, "_toggle_cursor", lambda self: None)


@pytest.mark.parametrize("name", SCREENS_WITH_A_FOOTER)
async def test_at_80x24_the_header_names_the_tenant_and_every_footer_key_fits(name: str) -> None:
    scene = SCENES_BY_NAME[name]
    app = make_app(scene)
    async with app.run_test(size=(80, 24)) as pilot:
        await scene.drive(pilot)
        screen = app.screen
        (header,) = shown_lines(screen.query_one(HeaderTitle))
        assert "Contoso Demo" in header
        if screen.query(KeyFooter):  # one widget: its keys, whole, and no palette key
            line = shown_lines(screen.query_one(KeyFooter))[0]
            assert screen.query_one(KeyFooter).shown, "no footer keys"
            for shown in screen.query_one(KeyFooter).shown:
                assert f"{shown.display} {shown.label}" in line, f"{name}: {shown} cut: {line}"
            assert "palette" not in line
            return
        keys = [key for key in screen.query_one(Footer).query(FooterKey) if key.display]
        assert keys, "no footer keys"
        for key in keys:
            assert key.region.right <= 80, (
                f"{name}: footer key {key.key_display} {key.description} is cut off at 80 "
                "columns")
        assert not any(key.has_class("-command-palette") for key in keys)


async def test_long_values_end_in_an_ellipsis_at_80_columns() -> None:
    app = make_app(SCENES_BY_NAME["devices"])
    async with app.run_test(size=(80, 24)) as pilot:
        await devices_loaded(pilot)
        table = app.screen.table
        upn = next(row.cells[1] for row in table.visible_rows if len(row.cells[1]) > 30)
        cut = [line for line in table_lines(table) if upn[:12] in line]
        assert cut and "…" in cut[0] and upn not in cut[0]


# -- NO_COLOR --------------------------------------------------------------------------------------


async def test_no_color_leaves_only_grey_and_the_app_works(monkeypatch, make_app) -> None:
    monkeypatch.setenv("NO_COLOR", "1")
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await devices_loaded(pilot)
        assert app.no_color
        monochrome = next(f for f in app._filters if isinstance(f, Monochrome))
        table = app.screen.table
        background = app.screen.styles.background
        for y in range(table.size.height):
            for segment in table.render_line(y).apply_filter(monochrome, background):
                for colour in (segment.style.color, segment.style.bgcolor) if segment.style \
                        else ():
                    if colour is not None and colour.triplet is not None:
                        red, green, blue = colour.triplet
                        assert red == green == blue, f"{segment.text!r} is still in colour"
        await open_device(pilot, "CONTOSO-DT-91956")
        await pilot.press("a")
        await wait_for(pilot, lambda: type(app.screen).__name__ == "ActionsMenu", "the menu")


async def test_states_are_spelled_out_not_only_coloured(make_app) -> None:
    """A cell coloured as good, warning or bad also says it in words; the cursor row and marked
    rows carry a glyph, so they show on a terminal without colour."""
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await devices_loaded(pilot)
        table = app.screen.table
        coloured = [(cell, mark) for row in table.visible_rows
                    for cell, mark in zip(row.cells, row.marks, strict=True)
                    if mark in STATE_MARKS]
        assert {mark for _, mark in coloured} >= {"bad", "good"}
        assert all(cell.strip() not in ("", "—", "-") for cell, _ in coloured)
        assert {cell for cell, mark in coloured if mark == "bad"} >= {"Noncompliant"}
        await pilot.press("space")
        lines = table_lines(table)
        assert sum(CURSOR_GLYPH in line for line in lines) == 1
        assert any(MARK_GLYPH in line for line in lines)
        await find_device(pilot, "DESKTOP-GW28D86")
        await pilot.press("w")
        await wait_for(pilot, lambda: type(app.screen).__name__ == "DeviceDetailScreen"
                       and any("Noncompliant" in line for line in table_lines(app.focused)),
                       "the failing policy, in words")


async def test_health_states_are_words(make_app) -> None:
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await devices_loaded(pilot)
        await pilot.press("5")
        await wait_for(pilot, lambda: type(app.screen).__name__ == "HealthScreen"
                       and app.screen._complete, "tenant health")
        rows = app.screen.table.visible_rows
        assert rows
        for row in rows:
            for cell, mark in zip(row.cells, row.marks, strict=True):
                if mark in STATE_MARKS:
                    assert any(ch.isalpha() for ch in cell), f"{row.cells}: colour without words"


# -- mouse -----------------------------------------------------------------------------------------


@pytest.fixture
def app_runs(monkeypatch: pytest.MonkeyPatch) -> list[dict[str, Any]]:
    """Record how the CLI would start the app instead of taking over the terminal."""
    runs: list[dict[str, Any]] = []

    def run(self: IntuneApp, **options: Any) -> None:
        runs.append(options)

    monkeypatch.setattr(IntuneApp, "run", run)
    return runs


def test_no_mouse_flag_starts_the_app_without_the_mouse(app_runs) -> None:
    assert main(["--demo", "--no-mouse"]) == 0
    assert main(["--demo"]) == 0
    assert [run["mouse"] for run in app_runs] == [False, True]


def test_mouse_false_in_the_config_file_starts_the_app_without_the_mouse(app_runs) -> None:
    write_config("mouse = false\n")
    assert main(["--demo"]) == 0
    assert app_runs[0]["mouse"] is False


# -- themes ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(("theme", "dark"), [("textual-light", False), ("ansi-dark", True)])
async def test_theme_from_the_config_file(theme: str, dark: bool, make_app) -> None:
    write_config(f'theme = "{theme}"\n')
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await devices_loaded(pilot)
        assert app.theme == theme and app.current_theme.dark is dark
        if not dark:
            assert app.screen.styles.background.brightness > 0.5
        assert "Noncompliant" in "\n".join(table_lines(app.screen.table))


def test_snapshot_light_theme(snap_compare, no_cursor_blink) -> None:
    write_config('theme = "textual-light"\n')
    scene = SCENES_BY_NAME["device-compliance"]
    assert snap_compare(make_app(scene), terminal_size=(80, 24), run_before=scene.drive)

"""Parsed style rules kept between runs (`RulesOnDisk`): the same look, without parsing again,
and never from a file that is not the user's own or not whole."""

from __future__ import annotations

import os
import stat
from pathlib import Path
from typing import Any

import pytest
from textual.css.stylesheet import Stylesheet
from waiting import list_loaded

from intune_tui.ui import stylesheet as styles
from intune_tui.ui.app import IntuneApp
from intune_tui.ui.screens.devices import DevicesScreen
from intune_tui.ui.stylesheet import ParsedStylesheet, RulesOnDisk, rules_cache_dir

CSS = "Screen { background: $panel; } #rows { height: 1fr; margin: 0 1; } .bad { color: red; }"
VARIABLES = {"panel": "#112233"}


@pytest.fixture(autouse=True)
def nothing_parsed_yet(monkeypatch: pytest.MonkeyPatch) -> None:
    """Each test starts with the process's own rule cache empty."""
    monkeypatch.setattr(styles, "_PARSED", styles.LRUCache(1024))


def parses(monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    """The sources Textual's parser is run on from now on."""
    seen: list[Any] = []
    parse = Stylesheet._parse_rules

    def counted(self: Stylesheet, css: str, read_from: Any, *args: Any, **kwargs: Any) -> Any:
        seen.append(read_from)
        return parse(self, css, read_from, *args, **kwargs)

    monkeypatch.setattr(Stylesheet, "_parse_rules", counted)
    return seen


def rules_css(disk: RulesOnDisk | None) -> list[str]:
    sheet = ParsedStylesheet(variables=VARIABLES, disk=disk)
    sheet.add_source(CSS, read_from=("test.tcss", ""))
    sheet.parse()
    return [rule.css for rule in sheet.rules]


def test_rules_written_once_are_read_back_without_parsing(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    disk = RulesOnDisk(tmp_path / "styles")
    parsed = parses(monkeypatch)
    first = rules_css(disk)
    assert parsed == [("test.tcss", "")]
    files = list((tmp_path / "styles").iterdir())
    assert len(files) == 1
    assert stat.S_IMODE(files[0].stat().st_mode) == 0o600

    styles._PARSED.clear()  # a new process
    assert rules_css(disk) == first
    assert parsed == [("test.tcss", "")]  # not parsed again


def test_other_variables_are_other_rules(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    disk = RulesOnDisk(tmp_path / "styles")
    rules_css(disk)
    styles._PARSED.clear()
    parsed = parses(monkeypatch)
    sheet = ParsedStylesheet(variables={"panel": "#445566"}, disk=disk)
    sheet.add_source(CSS, read_from=("test.tcss", ""))
    sheet.parse()
    assert parsed == [("test.tcss", "")]
    assert "#445566" in sheet.rules[0].css


@pytest.mark.parametrize("spoil", ["cut off", "not rules", "others may write it"])
def test_a_file_that_is_not_whole_or_not_private_is_parsed_again_and_replaced(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, spoil: str) -> None:
    disk = RulesOnDisk(tmp_path / "styles")
    first = rules_css(disk)
    (cached,) = (tmp_path / "styles").iterdir()
    if spoil == "cut off":
        cached.write_bytes(cached.read_bytes()[:40])
    elif spoil == "not rules":
        cached.write_bytes(b"\x80\x05\x95\x06\x00\x00\x00\x00\x00\x00\x00]\x94K\x01a.")  # [1]
    else:
        cached.chmod(0o666)
    styles._PARSED.clear()
    parsed = parses(monkeypatch)
    assert rules_css(disk) == first
    assert parsed == [("test.tcss", "")]
    assert stat.S_IMODE(cached.stat().st_mode) == 0o600  # replaced by the user's own


def test_no_cache_folder_is_only_slower(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    blocked = tmp_path / "file"
    blocked.write_text("not a folder")
    parsed = parses(monkeypatch)
    assert rules_css(RulesOnDisk(blocked / "styles")) == rules_css(None)
    assert len(parsed) == 1  # the second came from the process's cache


def test_the_cache_folder_follows_the_environment(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("INTUNE_TUI_CACHE_DIR", str(tmp_path / "cache"))
    assert rules_cache_dir() == tmp_path / "cache" / "styles"


async def screenshot(make_app: Any, wait_until: Any, disk: RulesOnDisk) -> str:
    app: IntuneApp = make_app()
    app.stylesheet = ParsedStylesheet(variables=app.stylesheet._variables, disk=disk)
    async with app.run_test() as pilot:
        await wait_until(pilot, list_loaded(app, DevicesScreen))
        await wait_until(pilot, lambda: bool(app.screen.query("KeyFooter")))
        await pilot.pause()
        return app.export_screenshot()


async def test_the_app_looks_the_same_with_rules_read_from_disk(
        make_app: Any, wait_until: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    disk = RulesOnDisk(tmp_path / "styles")
    parsed = parses(monkeypatch)
    drawn = await screenshot(make_app, wait_until, disk)
    ours = [where for where in parsed if "intune_tui" in str(where[0])]
    assert ours  # app.tcss, screens.tcss, our widgets' defaults
    assert len(os.listdir(tmp_path / "styles")) >= len(set(parsed))

    styles._PARSED.clear()  # the next run
    parsed.clear()
    assert await screenshot(make_app, wait_until, disk) == drawn
    assert parsed == []

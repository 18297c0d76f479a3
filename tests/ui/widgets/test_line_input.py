"""Keys that arrive in one read are applied in order, in the search box and on the `:` line.

The keys go through Textual's own terminal parser as one chunk and are posted to the app back to
back, as the driver does with one read from a slow SSH link."""

from __future__ import annotations

from typing import Any

import pytest
from make_screenshots import devices_loaded
from textual._xterm_parser import XTermParser
from textual.pilot import Pilot
from textual.widgets import Input

BACKSPACE = "\x7f"
CTRL_U = "\x15"


def send_one_read(pilot: Pilot[Any], chunk: str) -> None:
    for message in XTermParser().feed(chunk):
        pilot.app.post_message(message)


@pytest.mark.parametrize(("chunk", "typed"), [
    (f"alic{BACKSPACE}ce", "alice"),
    (f"abc{BACKSPACE}{BACKSPACE}xy", "axy"),
    (f"old{CTRL_U}new", "new"),
])
async def test_search_box_applies_keys_of_one_read_in_order(make_app, chunk: str,
                                                            typed: str) -> None:
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await devices_loaded(pilot)
        await pilot.press("slash")
        search = app.screen.query_one("#search", Input)
        send_one_read(pilot, chunk)
        await pilot.pause(0.3)
        assert search.value == typed


async def test_command_line_applies_keys_of_one_read_in_order(make_app) -> None:
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await devices_loaded(pilot)
        await pilot.press("colon")
        line = app.screen.query_one("#command-input", Input)
        send_one_read(pilot, f"apx{BACKSPACE}ps")
        await pilot.pause(0.3)
        assert line.value == ":apps"

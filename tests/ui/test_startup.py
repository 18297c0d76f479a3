"""ui/startup.py: what the first frame imports, what is imported after it, and the first
list's pages held back until the first frame is out."""

from __future__ import annotations

import asyncio
import subprocess
import sys
import threading
from collections.abc import AsyncIterator
from pathlib import Path

from intune_tui.ui import startup
from intune_tui.ui.screens.devices import DevicesScreen

REPO = Path(__file__).resolve().parents[2]

# What the CLI imports on its way to the app's first frame, then the first screen's module;
# prints the modules of WARM_AFTER_START_UP that were imported, before and after warming.
FIRST_FRAME_IMPORTS = """
import sys
import intune_tui.cli, intune_tui.logs, intune_tui.demo.process
from intune_tui.ui import startup, warm
from intune_tui.ui import app
from intune_tui.session import preload_network_transport

app._first_screen_class()
preload_network_transport()
print(sorted(name for name in startup.WARM_AFTER_START_UP if name in sys.modules))
startup.warm_imports()
startup._warmed.wait(60)
print(sorted(name for name in startup.WARM_AFTER_START_UP if name in sys.modules))
"""


# The CLI's way to the first frame without a config file, printing which of the modules that
# start-up does without were imported: `tomllib` (only when there is a file to read), the
# snapshot reader and its `secrets`/`hmac` (only when there is a snapshot), `ctypes` (the
# engine's allocator settings, on its thread), the key bar (mounted after the first frame), the
# admin center link (its key) and Textual's Tabs (only lists of several views have them).
NOT_BEFORE_THE_FIRST_FRAME = ("tomllib", "ctypes", "secrets", "hmac", "intune_tui.warm_start",
                              "intune_tui.snapshot", "intune_tui.ui.widgets.key_footer",
                              "intune_tui.ui.admin_link", "textual.widgets._tabs")
CLI_PATH_IMPORTS = f"""
import sys, tempfile
from pathlib import Path
import intune_tui.cli
from intune_tui.config import load_settings
from intune_tui.logs import setup_logging
from intune_tui.ui import startup, warm

home = Path(tempfile.mkdtemp())
env = {{f"INTUNE_TUI_{{kind}}_DIR": str(home / kind.lower()) for kind in ("CONFIG", "DATA", "LOG")}}
settings = load_settings(None, env={{**env, "INTUNE_TUI_DEMO": "1"}})
setup_logging(settings)
warm.read_ahead(settings)
from intune_tui.ui import app
from intune_tui.session import preload_network_transport

app._first_screen_class()
preload_network_transport()
print(sorted(name for name in {NOT_BEFORE_THE_FIRST_FRAME!r} if name in sys.modules))
"""


def test_the_cli_path_to_the_first_frame_leaves_out_what_it_does_without() -> None:
    result = subprocess.run([sys.executable, "-c", CLI_PATH_IMPORTS], cwd=REPO,
                            capture_output=True, text=True, timeout=120, check=True)
    assert result.stdout.splitlines() == ["[]"]


def test_the_first_frame_imports_no_item_records_actions_or_search_and_they_come_after() -> None:
    result = subprocess.run([sys.executable, "-c", FIRST_FRAME_IMPORTS], cwd=REPO,
                            capture_output=True, text=True, timeout=120, check=True)
    before, after = result.stdout.splitlines()
    assert before == "[]"
    assert after == str(sorted(startup.WARM_AFTER_START_UP))
    assert "intune_tui.intune.models" in after


async def _pages(count: int, asked: list[int]) -> AsyncIterator[int]:
    for number in range(1, count + 1):
        asked.append(number)
        yield number


async def test_the_gate_lets_the_first_page_through_and_the_others_once_it_is_open() -> None:
    gate = startup.FirstFrameGate()
    asked: list[int] = []
    pages = gate.after_first_page(lambda service: _pages(3, asked))(None)
    assert await anext(pages) == 1
    second = asyncio.ensure_future(anext(pages))
    await asyncio.sleep(0.05)
    assert not second.done() and asked == [1]  # the second page is not even read yet
    threading.Thread(target=gate.open).start()  # the UI thread opens it
    assert await asyncio.wait_for(second, 5) == 2
    assert [page async for page in pages] == [3]
    assert asked == [1, 2, 3]


async def test_an_open_gate_holds_nothing_and_a_closed_stream_closes_its_source() -> None:
    gate = startup.FirstFrameGate()
    gate.open()
    asked: list[int] = []
    assert [page async for page in gate.after_first_page(lambda s: _pages(3, asked))(None)] \
        == [1, 2, 3]
    closed = asyncio.Event()

    async def source() -> AsyncIterator[int]:
        try:
            yield 1
            yield 2
        finally:
            closed.set()

    held = gate.after_first_page(lambda service: source())(None)
    assert await anext(held) == 1
    await held.aclose()
    assert closed.is_set()


async def test_a_list_longer_than_a_page_loads_whole_after_the_first_frame(
        make_app, wait_until) -> None:
    """1,500 devices: the preview and the first page of 1,000 before the first frame or with
    it, the rest once it is out."""
    app = make_app(devices=1500)
    async with app.run_test() as pilot:
        await wait_until(pilot, lambda: isinstance(app.screen, DevicesScreen)
                         and app.screen.table.rows_count == 1500)
        assert app._first_frame_gate._open

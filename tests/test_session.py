"""Sessions: which transport each kind of session loads at start-up."""

from __future__ import annotations

import subprocess
import sys

# Each check runs in a fresh interpreter: this test process has imported everything already.
DEMO_SESSION = """
import asyncio, os, sys
from intune_tui.config import load_settings
from intune_tui.session import open_session

settings = load_settings(None, env={**os.environ, "INTUNE_TUI_DEMO": "1",
                                    "INTUNE_TUI_DEMO_DEVICES": "50"})
session = open_session(settings)

async def first_page():
    service = await session.make_service(lambda state: None)
    try:
        return await anext(service.stream("devices"))
    finally:
        await session.close_service(service)

page = asyncio.run(first_page())
print(len(page.rows), "httpcore" in sys.modules)
"""

TOKEN_SESSION = """
import os, sys
from intune_tui.config import load_settings
from intune_tui.session import open_session

settings = load_settings(None, env={**os.environ, "INTUNE_TUI_ACCESS_TOKEN": "a.b.c",
                                                  "INTUNE_TUI_GRAPH_URL": "http://127.0.0.1:9"})
open_session(settings)
print("httpcore" in sys.modules, "anyio._backends._asyncio" in sys.modules)
"""


def _run(code: str) -> str:
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=60, check=False)
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


def test_the_demo_lists_devices_without_loading_the_network_transport() -> None:
    # The demo's fake Graph answers in-process: httpcore and anyio (~35 ms) are not needed.
    assert _run(DEMO_SESSION) == "50 False"


def test_a_graph_session_loads_the_network_transport_before_the_ui_starts() -> None:
    # Loaded on the opening thread, so the worker does not import them during the first paint.
    assert _run(TOKEN_SESSION) == "True True"

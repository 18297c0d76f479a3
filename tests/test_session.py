"""Sessions: which transport each kind of session loads at start-up, and where the demo's
Graph runs."""

from __future__ import annotations

import subprocess
import sys

import pytest

from intune_tui.config import Settings
from intune_tui.demo.process import DemoGraphProcess
from intune_tui.session import Session, open_session

# Each check runs in a fresh interpreter: this test process has imported everything already.
# A 50-device demo session (`{open_session}` opens it), its first device page read and closed.
_DEMO_FIRST_PAGE = """
import asyncio, os, sys
from intune_tui.config import load_settings
from intune_tui.demo.process import DemoGraphProcess
from intune_tui.session import open_session

settings = load_settings(None, env={{**os.environ, "INTUNE_TUI_DEMO": "1",
                                    "INTUNE_TUI_DEMO_DEVICES": "50"}})
session = {open_session}

async def first_page():
    service = await session.make_service(lambda state: None)
    try:
        return await anext(service.stream("devices"))
    finally:
        await session.close_service(service)

page = asyncio.run(first_page())
"""
DEMO_SESSION = _DEMO_FIRST_PAGE.format(open_session="open_session(settings)") + """
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


DEMO_WITH_ITS_GRAPH_PROCESS = _DEMO_FIRST_PAGE.format(
    open_session="open_session(settings, demo_graph=DemoGraphProcess.start(50))") + """
print(len(page.rows), session.header_text, "intune_tui.demo.tenant" in sys.modules)
"""


SIGN_IN_SESSION = """
import os, sys
from intune_tui.config import load_settings
from intune_tui.session import open_session

settings = load_settings(None, env={**os.environ, "INTUNE_TUI_TENANT": "contoso.onmicrosoft.com",
                                    "INTUNE_TUI_CLIENT_ID": "graph-powershell"})
session = open_session(settings)
print(type(session.token_provider).__name__,
      [name for name in ("msal", "requests", "keyring", "cryptography", "filelock")
       if name in sys.modules])
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


async def _first_page_and_close(session: Session) -> tuple[str, int]:
    service = await session.make_service(lambda state: None)
    try:
        page = await anext(service.stream("devices"))
        return service.client.base_url, len(page.rows)
    finally:
        await session.close_service(service)


async def test_a_demo_with_its_graph_process_reads_over_loopback_and_stops_it() -> None:
    settings = Settings(demo=True, demo_devices=40)
    process = DemoGraphProcess.start(settings.demo_devices)
    assert process is not None
    session = open_session(settings, demo_graph=process)

    base_url, rows = await _first_page_and_close(session)

    assert base_url.startswith("http://127.0.0.1:")
    assert rows == 40
    assert session.fake is None  # nothing served in this process
    assert not process.running  # closing the service ended it


class _DeadProcess:
    failure = "it ended with status 1"
    stopped = False

    def wait_ready(self) -> None:
        return None

    def stop(self) -> None:
        self.stopped = True


async def test_a_demo_whose_graph_process_died_is_served_in_process(
    caplog: pytest.LogCaptureFixture,
) -> None:
    settings = Settings(demo=True, demo_devices=30)
    session = open_session(settings, demo_graph=_DeadProcess())  # type: ignore[arg-type]

    base_url, rows = await _first_page_and_close(session)

    assert rows == 30
    assert session.fake is not None
    assert base_url == "https://graph.microsoft.com"
    assert "it ended with status 1" in caplog.text


def test_with_its_graph_process_the_demo_builds_no_tenant_in_the_app() -> None:
    # The tenant builder (and its ~4,000 lines) is the demo Graph process's, not the app's.
    assert _run(DEMO_WITH_ITS_GRAPH_PROCESS) == (
        "50 Contoso Demo (demo tenant) · helpdesk@contoso-demo.onmicrosoft.com False")


def test_a_sign_in_session_leaves_msal_and_the_keyring_to_the_worker() -> None:
    # Imported where the token is first asked for (the Graph worker), not before the first frame.
    assert _run(SIGN_IN_SESSION) == "MsalTokenProvider []"

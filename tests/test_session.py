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
        return await anext(service.list_pages("devices"))
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
        page = await anext(service.list_pages("devices"))
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


# --- a bring-your-own token: its claims are cleaned, marked, and the tenant named by Graph --------


def _unsigned_token(claims: dict[str, object]) -> str:
    import base64
    import json

    def part(value: dict[str, object]) -> str:
        return base64.urlsafe_b64encode(json.dumps(value).encode()).rstrip(b"=").decode()

    return f"{part({'typ': 'JWT', 'alg': 'none'})}.{part(claims)}.c2ln"


def test_token_claims_in_the_header_are_cleaned_and_said_to_come_from_the_token() -> None:
    token = _unsigned_token({"upn": "boss@contoso.com\x1b]52;c;ZXZpbA==\x07\u202e",
                             "tid": "11111111-2222-3333-4444-555555555555\x1b[2J"})
    settings = Settings(access_token=token, graph_url="http://127.0.0.1:9")

    session = open_session(settings)

    header = session.header_text
    assert "\x1b" not in header and "\x07" not in header and "\u202e" not in header
    assert session.account == "boss@contoso.com (from the token)"
    assert session.tenant_label == "tenant 11111111-2222-3333-4444-555555555555 (from the token)"


@pytest.mark.parametrize(("scopes", "label"), [
    (("DeviceManagementManagedDevices.Read.All", "User.Read"), "Contoso Demo"),
    (("DeviceManagementManagedDevices.Read.All",), "(from the token)"),
])
async def test_the_tenant_is_named_from_graph_when_the_token_may_read_it(
    scopes: tuple[str, ...], label: str
) -> None:
    from intune_tui.demo.server import DemoServer

    with DemoServer(devices=5) as server:
        token = server.fake.issue_token(scopes=scopes)
        settings = Settings(access_token=token, graph_url=server.url)
        session = open_session(settings)
        service = await session.make_service(lambda state: None)
        try:
            await session.prepare(service)
        finally:
            await session.close_service(service)
        organization_calls = [request for request in server.fake.requests
                               if request.path == "/v1.0/organization"]

    assert label in session.tenant_label
    assert "(from the token)" in session.account
    # Without a scope that may read it, /organization is not even asked (no 403 to explain).
    assert len(organization_calls) == (1 if "User.Read" in scopes else 0)

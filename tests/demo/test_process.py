"""The demo's fake Graph in its own process: it comes up on loopback, answers like Graph, and
ends with the app however the app ends."""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import pytest

from intune_tui.demo.process import LOG_FILE_NAME, DemoEndpoint, DemoGraphProcess

DEVICES = "/v1.0/deviceManagement/managedDevices"
APPS = "/v1.0/deviceAppManagement/mobileApps"


@pytest.fixture
def demo_graph(tmp_path: Path) -> Iterator[DemoGraphProcess]:
    process = DemoGraphProcess.start(120, log_dir=tmp_path)
    assert process is not None
    yield process
    process.stop()


def test_it_serves_the_demo_tenant_on_loopback_with_a_bearer_token(
    demo_graph: DemoGraphProcess,
) -> None:
    endpoint = demo_graph.wait_ready()

    assert endpoint is not None
    assert urlsplit(endpoint.url).hostname == "127.0.0.1"
    with httpx.Client(base_url=endpoint.url) as client:
        assert client.get(DEVICES).status_code == 401  # Graph without a token
        body = client.get(DEVICES, params={"$select": "id,deviceName", "$count": "true"},
                          headers={"Authorization": f"Bearer {endpoint.token}"}).json()
    assert body["@odata.count"] == 120
    assert set(body["value"][0]) == {"@odata.type", "id", "deviceName"}


def test_it_answers_large_app_listings_with_503_as_the_seed_says(
    demo_graph: DemoGraphProcess,
) -> None:
    endpoint = demo_graph.wait_ready()
    assert endpoint is not None
    headers = {"Authorization": f"Bearer {endpoint.token}"}

    with httpx.Client(base_url=endpoint.url, headers=headers) as client:
        assert client.get(APPS, params={"$top": "100"}).status_code == 503
        assert client.get(APPS, params={"$top": "20"}).status_code == 200


def test_stop_ends_it(demo_graph: DemoGraphProcess) -> None:
    endpoint = demo_graph.wait_ready()
    assert endpoint is not None and demo_graph.running

    demo_graph.stop()

    assert not demo_graph.running
    with pytest.raises(httpx.ConnectError):
        httpx.get(endpoint.url + DEVICES)


@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="reads /proc")
def test_it_ends_when_the_app_is_gone_without_a_word() -> None:
    # The app killed: its end of the pipe closes, which is all the child needs to notice.
    app = subprocess.Popen(
        [sys.executable, "-c",
         "import sys, time\n"
         "from intune_tui.demo.process import DemoGraphProcess\n"
         "process = DemoGraphProcess.start(20)\n"
         "assert process.wait_ready() is not None\n"
         "print(process.pid, flush=True)\n"
         "time.sleep(60)\n"],
        stdout=subprocess.PIPE, text=True)
    try:
        child = int(app.stdout.readline()) if app.stdout is not None else 0
        assert child > 0
        app.kill()
        app.wait()
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and _alive(child):
            time.sleep(0.05)
        assert not _alive(child)
    finally:
        if app.poll() is None:
            app.kill()


def _alive(pid: int) -> bool:
    # Not our child (the killed app's): it is reparented, so look it up rather than wait on it.
    status = Path(f"/proc/{pid}/status")
    try:
        state = next(line for line in status.read_text().splitlines()
                     if line.startswith("State:"))
    except (OSError, StopIteration):
        return False
    return "Z" not in state.split()[1]


def test_a_child_that_dies_before_it_is_ready_is_reported(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
) -> None:
    monkeypatch.setattr(sys, "executable", "/bin/false")
    process = DemoGraphProcess.start(10, log_dir=tmp_path)
    assert process is not None

    assert process.wait_ready() is None
    assert process.failure == "it ended with status 1"


def test_a_child_that_cannot_start_is_none(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "executable", "/nonexistent/python")

    assert DemoGraphProcess.start(10) is None


def test_its_stderr_goes_to_the_log_folder(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
) -> None:
    monkeypatch.setattr(sys, "executable", sys.executable)
    process = DemoGraphProcess.start(-1, log_dir=tmp_path)  # the tenant refuses -1 devices
    assert process is not None

    assert process.wait_ready() is None
    logged = (tmp_path / LOG_FILE_NAME).read_text(encoding="utf-8")
    assert "Traceback" in logged


def test_the_token_is_not_in_the_endpoints_repr() -> None:
    endpoint = DemoEndpoint(url="http://127.0.0.1:1", token="header.payload.signature")

    assert "signature" not in repr(endpoint)
    assert "127.0.0.1:1" in repr(endpoint)


def test_its_log_is_private_and_holds_only_the_last_run(tmp_path: Path) -> None:
    log_file = tmp_path / LOG_FILE_NAME
    log_file.write_text("left by an older version, readable by all\n")
    log_file.chmod(0o644)
    for run in ("first", "second"):
        process = DemoGraphProcess.start(-1, log_dir=tmp_path)
        assert process is not None and process.wait_ready() is None
        assert log_file.stat().st_mode & 0o777 == 0o600
        if run == "first":
            log_file.write_text("the first run's traceback\n")

    assert "first run" not in log_file.read_text(encoding="utf-8")

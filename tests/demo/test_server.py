"""The fake Graph over loopback HTTP: same answers as in-process, real sockets."""

from __future__ import annotations

import os
import stat
import threading
from pathlib import Path

import httpx
import pytest

from intune_tui.demo.faults import Faults
from intune_tui.demo.server import DemoServer, is_loopback, run_demo_server

DEVICES = "/v1.0/deviceManagement/managedDevices"


@pytest.mark.parametrize("host", ["0.0.0.0", "192.168.1.10", "example.com", "::"])
def test_non_loopback_hosts_are_refused(host: str) -> None:
    with pytest.raises(ValueError, match="loopback"):
        DemoServer(host=host, devices=10)


def test_loopback_detection() -> None:
    assert all(is_loopback(host) for host in ("127.0.0.1", "127.8.9.10", "::1", "localhost"))
    assert not any(is_loopback(host) for host in ("10.0.0.1", "", "graph.microsoft.com"))


def test_pages_over_keep_alive_with_absolute_next_links() -> None:
    with DemoServer(devices=2500) as server, httpx.Client(
            base_url=server.url, headers={"Authorization": f"Bearer {server.token}"}) as client:
        body = client.get(DEVICES, params={"$select": "id"}).json()
        assert body["@odata.nextLink"].startswith(f"{server.url}{DEVICES}?")
        ids = [item["id"] for item in body["value"]]
        while "@odata.nextLink" in body:
            body = client.get(body["@odata.nextLink"]).json()
            ids.extend(item["id"] for item in body["value"])
        assert len(set(ids)) == 2500
        requests = [r for r in server.fake.requests if r.path == DEVICES]
        assert len(requests) == 3


def test_hundred_thousand_devices_filter_matches_brute_force() -> None:
    with DemoServer(devices=100_000) as server, httpx.Client(
            base_url=server.url, headers={"Authorization": f"Bearer {server.token}"},
            timeout=60) as client:
        store = server.tenant.devices
        expected = {store.id_of(index) for index in range(len(store))
                    if store.os[index] == "iOS" and store.compliance[index] == "noncompliant"}
        body = client.get(DEVICES, params={
            "$filter": "operatingSystem eq 'iOS' and complianceState eq 'noncompliant'",
            "$select": "id,operatingSystem,complianceState", "$count": "true"}).json()
        got = [item["id"] for item in body["value"]]
        while "@odata.nextLink" in body:
            body = client.get(body["@odata.nextLink"]).json()
            got.extend(item["id"] for item in body["value"])
        assert len(got) == len(set(got))
        assert set(got) == expected
        assert len(expected) > 1000


def test_dropped_answer_closes_the_socket_and_errors_travel_as_json() -> None:
    with DemoServer(devices=50) as server, httpx.Client(
            base_url=server.url, headers={"Authorization": f"Bearer {server.token}"}) as client:
        server.fake.faults.drop_next(path_contains="managedDevices")
        with pytest.raises(httpx.RemoteProtocolError):
            client.get(DEVICES)
        server.fake.faults.fail_next(429, retry_after=0.5)
        throttled = client.get(DEVICES)
        assert throttled.status_code == 429
        assert throttled.headers["Retry-After"] == "0.5"
        assert throttled.json()["error"]["code"] == "TooManyRequests"
        unauthenticated = httpx.get(server.url + DEVICES)
        assert unauthenticated.status_code == 401
        assert "WWW-Authenticate" in unauthenticated.headers
        assert client.get(DEVICES, params={"$top": "1"}).status_code == 200


def test_post_actions_and_batch_over_http() -> None:
    with DemoServer(devices=50) as server, httpx.Client(
            base_url=server.url, headers={"Authorization": f"Bearer {server.token}"}) as client:
        device_id = server.tenant.devices.id_of(13)
        assert client.post(f"{DEVICES}/{device_id}/syncDevice").status_code == 204
        batch = client.post("/v1.0/$batch", json={"requests": [
            {"id": "1", "method": "GET", "url": f"/deviceManagement/managedDevices/{device_id}"
             "?$select=deviceActionResults"}]})
        result = batch.json()["responses"][0]
        assert result["status"] == 200
        assert result["body"]["deviceActionResults"][-1]["actionName"] == "syncDevice"


def test_server_faults_and_ipv6_loopback() -> None:
    try:
        server = DemoServer(host="::1", devices=20, faults=Faults(rate_503=1.0)).start()
    except OSError:
        pytest.skip("IPv6 loopback is not available here")
    try:
        assert server.url.startswith("http://[::1]:")
        response = httpx.get(server.url + DEVICES,
                             headers={"Authorization": f"Bearer {server.token}"})
        assert response.status_code == 503
    finally:
        server.stop()


def test_run_demo_server_prints_how_to_connect_and_writes_private_token(tmp_path: Path) -> None:
    lines: list[str] = []
    stop = threading.Event()
    token_file = tmp_path / "token"
    worker = threading.Thread(target=run_demo_server, kwargs={
        "port": 0, "devices": 20, "token_file": token_file, "output": lines.append,
        "stop": stop})
    worker.start()
    try:
        for _ in range(200):
            if any("--graph-url" in line for line in lines):
                break
            threading.Event().wait(0.05)
        command = next(line for line in lines if "--graph-url" in line)
        url = command.rsplit(" ", 1)[1]
        assert url.startswith("http://127.0.0.1:")
        assert f'INTUNE_TUI_ACCESS_TOKEN="$(cat {token_file})"' in command
        token = token_file.read_text().strip()
        assert token not in "\n".join(lines)
        assert stat.S_IMODE(token_file.stat().st_mode) == 0o600
        response = httpx.get(url + DEVICES, params={"$top": "1"},
                             headers={"Authorization": f"Bearer {token}"})
        assert response.status_code == 200
    finally:
        stop.set()
        worker.join(10)
    assert not worker.is_alive()


@pytest.mark.parametrize(("rates", "expect"), [
    ({"rate_write_503": 1.0}, "unknown"), ({"rate_write_drop": 1.0}, "unknown"),
    ({"rate_write_truncated": 1.0}, "accepted")])
async def test_write_faults_over_http_spoil_the_answer_after_the_action_is_done(
        rates: dict[str, float], expect: str) -> None:
    from intune_tui.graph.client import GraphClient, loopback_http_transport
    from intune_tui.graph.errors import OutcomeUnknown
    from intune_tui.graph.tokens import StaticTokenProvider

    with DemoServer(devices=30, faults=Faults(**rates)) as server:
        index = next(i for i in range(30) if i not in server.tenant.devices.actions
                     and server.tenant.devices.management[i] == "managed")
        client = GraphClient(StaticTokenProvider(server.token), base_url=server.url,
                             transport=loopback_http_transport())
        device = f"/deviceManagement/managedDevices/{server.tenant.devices.id_of(index)}"
        try:
            assert await client.get(device)  # a read is never spoiled by a write fault
            path = f"{device}/syncDevice"
            if expect == "unknown":
                with pytest.raises(OutcomeUnknown):
                    await client.post_action(path)
            else:
                done = await client.post_action(path)
                assert done.status == 200 and done.body_unreadable
        finally:
            await client.aclose()
        posts = [r for r in server.fake.requests if r.method == "POST"]
        assert len(posts) == 1
        assert [a.action_name for a in server.tenant.devices.actions[index]] == ["syncDevice"]


def _serve_briefly(token_file: Path) -> tuple[int, list[str]]:
    lines: list[str] = []
    stop = threading.Event()
    stop.set()  # serve no requests: only the token file's handling is under test
    status = run_demo_server(port=0, devices=5, token_file=token_file, output=lines.append,
                             stop=stop)
    return status, lines


def test_a_token_file_that_is_a_symlink_is_refused_and_its_target_untouched(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    victim = tmp_path / "victim"
    victim.write_text("precious\n")
    link = tmp_path / "token"
    link.symlink_to(victim)

    status, lines = _serve_briefly(link)

    assert status == 2
    assert "symbolic link" in capsys.readouterr().err
    assert victim.read_text() == "precious\n" and link.is_symlink()
    assert not any("eyJ" in line for line in lines)


@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() != 0,
                    reason="handing a file to another user needs root")
def test_a_token_file_owned_by_someone_else_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    theirs = tmp_path / "token"
    theirs.write_text("theirs\n")
    os.chown(theirs, 12345, 12345)

    status, _lines = _serve_briefly(theirs)

    assert status == 2
    assert "belongs to another user" in capsys.readouterr().err
    assert theirs.read_text() == "theirs\n"


def test_a_token_file_of_ours_is_replaced_with_a_private_one(tmp_path: Path) -> None:
    ours = tmp_path / "token"
    ours.write_text("old token\n")
    ours.chmod(0o644)

    status, _lines = _serve_briefly(ours)

    assert status == 0
    assert ours.read_text().startswith("eyJ")
    assert stat.S_IMODE(ours.stat().st_mode) == 0o600

"""The fake Graph in a process of its own, for benchmarks and the soak (not a test module).

The server's CPU work (rendering 1,000-device pages, faults) must not share the app's GIL, or the
app's figures would include the fake's cost. `GraphProcess` starts

    python tests/perf/graph_process.py serve --devices N --latency-ms L [--rate-429 F ...]

which runs `intune_tui.demo.server.DemoServer` on 127.0.0.1 (port chosen by the OS) and answers
one JSON command per line on stdin (`stats`, `device_ids`, `drop_next`, `expire_tokens`,
`clear_requests`, `set_faults`, `filter_counts`, `stop`) with one JSON line on stdout.

It also listens on a Unix socket (a file in a private temp directory, no network) that hands out a
freshly issued demo token to whoever connects:

    python tests/perf/graph_process.py token SOCKET

prints one, which is what `--access-token-command` needs to survive `expire_tokens`.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[2]
DEVICES_PATH = "/deviceManagement/managedDevices"


class GraphProcess:
    """A DemoServer in a child process; `call` sends it a command and returns its answer."""

    def __init__(self, devices: int, latency_ms: float = 50.0, *, seed: int = 7,
                 faults: dict[str, Any] | None = None) -> None:
        self.devices = devices
        self.latency_ms = latency_ms
        self.seed = seed
        self.faults = dict(faults or {})
        self.url = ""
        self.token = ""
        self.build_seconds = 0.0
        self._directory = tempfile.TemporaryDirectory(prefix="intune-tui-graph-")
        self.token_socket = str(Path(self._directory.name) / "token.sock")
        self._process: subprocess.Popen[str] | None = None
        self._lock = threading.Lock()

    def start(self) -> GraphProcess:
        command = [sys.executable, __file__, "serve", "--devices", str(self.devices),
                   "--latency-ms", str(self.latency_ms), "--seed", str(self.seed),
                   "--token-socket", self.token_socket,
                   "--faults", json.dumps(self.faults)]
        self._process = subprocess.Popen(
            command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, bufsize=1,
            cwd=REPO)
        ready = self._read()
        self.url, self.token = ready["url"], ready["token"]
        self.build_seconds = ready["build_seconds"]
        return self

    def call(self, command: str, **arguments: Any) -> Any:
        assert self._process is not None and self._process.stdin is not None
        with self._lock:
            self._process.stdin.write(json.dumps({"command": command, **arguments}) + "\n")
            self._process.stdin.flush()
            return self._read()["result"]

    def token_command(self) -> str:
        return f"{sys.executable} {__file__} token {self.token_socket}"

    def stop(self) -> None:
        process = self._process
        if process is None:
            return
        with contextlib.suppress(Exception):
            self.call("stop")
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        self._process = None
        self._directory.cleanup()

    def __enter__(self) -> GraphProcess:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    def _read(self) -> dict[str, Any]:
        assert self._process is not None and self._process.stdout is not None
        line = self._process.stdout.readline()
        if not line:
            raise RuntimeError(f"the fake Graph process ended (exit {self._process.poll()})")
        return json.loads(line)


# -- the child ------------------------------------------------------------------------------------


def request_stats(requests: list[Any]) -> dict[str, Any]:
    """Counts of what the fake answered, for the device list and in all."""
    devices = [r for r in requests if r.path.endswith(DEVICES_PATH) and r.method == "GET"]
    by_status = Counter("dropped" if r.dropped or r.status is None else str(r.status)
                        for r in devices)
    return {
        "total": len(requests),
        "device_list": len(devices),
        "device_list_by_status": dict(by_status),
        "device_list_tops": dict(Counter(r.params.get("$top", "-") for r in devices
                                         if r.status == 200 and not r.dropped)),
        "device_list_filters": dict(Counter(r.params.get("$filter", "-") for r in devices
                                            if r.status == 200 and not r.dropped)),
    }


def _warm_up(server: Any) -> None:
    """Render device pages before anyone measures: the fake's first answer is slower (lazy
    caches), a cost of the fake, not of the client being measured. Also as the app asks for
    them (its `$select`, `$count`): the fake's first `$select` took ~60 ms more at 300,000
    devices and ~110 ms at a million, counted in the app's first rows until then."""
    import httpx

    from intune_tui.intune.resources import RESOURCES

    devices = RESOURCES["devices"]
    with httpx.Client(headers={"Authorization": f"Bearer {server.token}"}) as client:
        client.get(server.url + "/v1.0" + DEVICES_PATH, params={"$top": "1000"})
        client.get(server.url + "/v1.0" + DEVICES_PATH, params={
            "$top": "1000", "$select": ",".join(devices.select), "$count": "true"})
    server.fake.requests.clear()


def _filter_counts(server: Any, filters: list[str]) -> dict[str, int]:
    """How many devices each `$filter` matches, by the fake's own filter code over the tenant
    (not over HTTP: the soak's faults are still on)."""
    from intune_tui.demo import odata

    store = server.tenant.devices
    counts: dict[str, int] = {}
    for text in filters:
        matches = odata.compile_filter(odata.parse_filter(text), store.comparable)
        counts[text] = sum(1 for index in store.live_indices() if matches(index))
    return counts


def _serve_tokens(path: str, issue: Any) -> None:
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(path)
    os.chmod(path, 0o600)
    listener.listen(8)
    while True:
        connection, _ = listener.accept()
        with connection:
            connection.sendall((issue() + "\n").encode())


def serve(args: argparse.Namespace) -> None:
    sys.path.insert(0, str(REPO))
    from intune_tui.demo.faults import Faults
    from intune_tui.demo.server import DemoServer

    started = time.perf_counter()
    faults = Faults(seed=args.seed, **{key: tuple(value) if isinstance(value, list) else value
                                       for key, value in json.loads(args.faults).items()})
    server = DemoServer(devices=args.devices, latency_ms=args.latency_ms, seed=args.seed,
                        faults=faults).start()
    fake = server.fake
    fake.max_recorded_requests = 1_000_000
    _warm_up(server)
    threading.Thread(target=_serve_tokens, args=(args.token_socket, fake.issue_token),
                     daemon=True).start()
    out = sys.stdout
    out.write(json.dumps({"url": server.url, "token": server.token,
                          "build_seconds": round(time.perf_counter() - started, 2)}) + "\n")
    out.flush()
    cpu_mark = time.process_time()
    for line in sys.stdin:
        message = json.loads(line)
        command = message.pop("command")
        result: Any = None
        if command == "stats":
            result = request_stats(list(fake.requests))
            result["server_cpu_s"] = round(time.process_time() - cpu_mark, 2)
        elif command == "device_ids":
            store = server.tenant.devices
            result = [store.id_of(index) for index in store.live_indices()]
        elif command == "filter_counts":
            result = _filter_counts(server, message["filters"])
        elif command == "drop_next":
            fake.faults.drop_next(**message)
        elif command == "expire_tokens":
            fake.expire_tokens()
        elif command == "clear_requests":
            fake.requests.clear()
            cpu_mark = time.process_time()
        elif command == "set_faults":
            for key, value in message.items():
                setattr(fake.faults, key, value)
        elif command == "stop":
            out.write(json.dumps({"result": None}) + "\n")
            out.flush()
            break
        out.write(json.dumps({"result": result}) + "\n")
        out.flush()
    server.stop()


def print_token(path: str) -> None:
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as client:
        client.connect(path)
        data = b""
        while chunk := client.recv(65536):
            data += chunk
    sys.stdout.write(data.decode())


def main() -> None:
    parser = argparse.ArgumentParser(description="the fake Graph in its own process")
    commands = parser.add_subparsers(dest="command", required=True)
    server = commands.add_parser("serve")
    server.add_argument("--devices", type=int, required=True)
    server.add_argument("--latency-ms", type=float, default=50.0)
    server.add_argument("--seed", type=int, default=7)
    server.add_argument("--token-socket", required=True)
    server.add_argument("--faults", default="{}")
    token = commands.add_parser("token")
    token.add_argument("socket")
    args = parser.parse_args()
    if args.command == "serve":
        serve(args)
    else:
        print_token(args.socket)


if __name__ == "__main__":
    main()

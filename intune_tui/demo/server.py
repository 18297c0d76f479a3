"""The fake Graph on a loopback HTTP port, for end-to-end tests, benchmarks and `demo-server`.

A small HTTP/1.1 server (keep-alive, Content-Length, chunked request bodies) on its own asyncio
loop in a background thread. Every request becomes the same `httpx.Request` the in-process
transport sees, so both paths share one implementation. A dropped answer closes the socket
without a byte, as a lost connection does. Only loopback addresses are accepted.
"""

from __future__ import annotations

import asyncio
import contextlib
import ctypes
import ipaddress
import os
import sys
import threading
import time
from collections.abc import Callable
from email.utils import formatdate
from http import HTTPStatus
from pathlib import Path
from types import TracebackType

import httpx

from intune_tui.demo import rules
from intune_tui.demo.fake_graph import FakeGraph
from intune_tui.demo.faults import Faults
from intune_tui.demo.tenant import DemoTenant, build_tenant
from intune_tui.private_files import UnsafeFile, check_replaceable, write_private

MAX_HEADER_BYTES = 64 * 1024
MAX_BODY_BYTES = 16 * 1024 * 1024
CONVENIENCE_TOKEN_LIFETIME = 12 * 3600


def is_loopback(host: str) -> bool:
    """True for localhost, 127.0.0.0/8 and ::1."""
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


class DemoServer:
    """Serve a demo tenant over HTTP on a loopback address.

    Use as a context manager (or start()/stop()). `.url` is the base URL to give the client
    (like https://graph.microsoft.com), `.fake` the FakeGraph (faults, requests log, tokens),
    `.token` a token carrying every demo scope, valid for 12 hours.
    """

    def __init__(
        self,
        host: str = "127.0.0.1",
        port: int = 0,
        devices: int = 2000,
        latency_ms: float = 0,
        seed: int = 7,
        faults: Faults | None = None,
        *,
        tenant: DemoTenant | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        if not is_loopback(host):
            raise ValueError(f"The demo server only listens on loopback addresses "
                             f"(127.0.0.0/8, ::1, localhost), not {host!r}.")
        self.host = host
        self.port = port
        self.tenant = tenant if tenant is not None else build_tenant(devices=devices, seed=seed)
        self.fake = FakeGraph(self.tenant, latency_ms=latency_ms, clock=clock,
                              faults=faults if faults is not None else Faults(seed=seed))
        self.token = self.fake.issue_token(expires_in=CONVENIENCE_TOKEN_LIFETIME)
        self._loop: asyncio.AbstractEventLoop | None = None
        self._server: asyncio.Server | None = None
        self._thread: threading.Thread | None = None
        self._ready = threading.Event()
        self._failure: BaseException | None = None
        self._writers: set[asyncio.StreamWriter] = set()
        self._handlers: set[asyncio.Task[None]] = set()

    @property
    def url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"

    # --- lifecycle -------------------------------------------------------------------------------
    def start(self) -> DemoServer:
        if self._thread is not None:
            return self
        _keep_pages_in_heap()
        self._thread = threading.Thread(target=self._run, name="intune-tui-demo-server",
                                        daemon=True)
        self._thread.start()
        self._ready.wait()
        if self._failure is not None:
            raise self._failure
        return self

    def stop(self) -> None:
        loop, thread = self._loop, self._thread
        if loop is None or thread is None:
            return
        with contextlib.suppress(Exception):
            asyncio.run_coroutine_threadsafe(self._shutdown(), loop).result(timeout=10)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(timeout=10)
        self._thread = None

    async def _shutdown(self) -> None:
        """Stop accepting, close open connections, let their handlers finish."""
        if self._server is not None:
            self._server.close()
        for writer in list(self._writers):
            writer.close()
        handlers = [task for task in self._handlers if not task.done()]
        if handlers:
            await asyncio.wait(handlers, timeout=5)

    def __enter__(self) -> DemoServer:
        return self.start()

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 trace: TracebackType | None) -> None:
        self.stop()

    def _run(self) -> None:
        loop = asyncio.new_event_loop()
        self._loop = loop
        asyncio.set_event_loop(loop)
        try:
            self._server = loop.run_until_complete(
                asyncio.start_server(self._serve_connection, self.host, self.port,
                                     limit=MAX_HEADER_BYTES))
            self.port = self._server.sockets[0].getsockname()[1]
        except BaseException as error:  # reported to start()'s caller
            self._failure = error
            self._ready.set()
            loop.close()
            return
        self._ready.set()
        try:
            loop.run_forever()
        finally:
            loop.run_until_complete(self._shutdown())
            loop.close()

    # --- HTTP ------------------------------------------------------------------------------------
    async def _serve_connection(self, reader: asyncio.StreamReader,
                                writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        if task is not None:
            self._handlers.add(task)
        self._writers.add(writer)
        try:
            while True:
                request = await self._read_request(reader, writer)
                if request is None:
                    break
                try:
                    response = await self.fake.handle(request)
                except httpx.RemoteProtocolError:
                    break  # the answer is lost: close without a byte
                keep_alive = request.headers.get("connection", "").lower() != "close"
                await self._write_response(writer, response, keep_alive)
                if not keep_alive:
                    break
        except (ConnectionError, asyncio.IncompleteReadError, asyncio.LimitOverrunError):
            pass
        finally:
            self._writers.discard(writer)
            if task is not None:
                self._handlers.discard(task)
            with contextlib.suppress(Exception):
                writer.close()
                await writer.wait_closed()

    async def _read_request(self, reader: asyncio.StreamReader,
                            writer: asyncio.StreamWriter) -> httpx.Request | None:
        try:
            head = await reader.readuntil(b"\r\n\r\n")
        except asyncio.IncompleteReadError:
            return None
        lines = head.decode("latin-1").split("\r\n")
        parts = lines[0].split(" ")
        if len(parts) != 3 or not parts[2].startswith("HTTP/1."):
            await self._write_plain(writer, 400, "Bad request line")
            return None
        method, target, _ = parts
        headers: list[tuple[str, str]] = []
        for line in lines[1:]:
            if not line:
                continue
            name, _, value = line.partition(":")
            headers.append((name.strip(), value.strip()))
        lookup = {name.lower(): value for name, value in headers}
        body = await self._read_body(reader, lookup)
        host = lookup.get("host") or f"{self.host}:{self.port}"
        return httpx.Request(method, f"http://{host}{target}", headers=headers, content=body)

    async def _read_body(self, reader: asyncio.StreamReader, headers: dict[str, str]) -> bytes:
        if headers.get("transfer-encoding", "").lower() == "chunked":
            chunks: list[bytes] = []
            while True:
                size = int((await reader.readuntil(b"\r\n")).split(b";")[0], 16)
                if size == 0:
                    await reader.readuntil(b"\r\n")
                    return b"".join(chunks)
                chunks.append(await reader.readexactly(size))
                await reader.readexactly(2)
        length = int(headers.get("content-length", "0") or 0)
        if length > MAX_BODY_BYTES:
            raise ConnectionError("request body too large")
        return await reader.readexactly(length) if length else b""

    async def _write_response(self, writer: asyncio.StreamWriter, response: httpx.Response,
                              keep_alive: bool) -> None:
        body = response.content
        reason = _reason(response.status_code)
        lines = [f"HTTP/1.1 {response.status_code} {reason}"]
        for name, value in response.headers.multi_items():
            if name.lower() not in ("content-length", "connection", "transfer-encoding"):
                lines.append(f"{name}: {value}")
        lines.append(f"Date: {formatdate(usegmt=True)}")
        lines.append(f"Content-Length: {len(body)}")
        lines.append("Connection: keep-alive" if keep_alive else "Connection: close")
        writer.write(("\r\n".join(lines) + "\r\n\r\n").encode("latin-1"))
        writer.write(body)  # not joined to the head: a page is most of a megabyte
        await writer.drain()

    async def _write_plain(self, writer: asyncio.StreamWriter, status: int, text: str) -> None:
        body = text.encode()
        writer.write(f"HTTP/1.1 {status} {_reason(status)}\r\nContent-Length: {len(body)}\r\n"
                     f"Connection: close\r\n\r\n".encode() + body)
        await writer.drain()


def _keep_pages_in_heap() -> None:
    """Let a page's body (up to a few MB, made and freed on every request of a long listing)
    come from the heap and reuse it: past glibc's mmap threshold, which the tenant build fixes
    at 256 KiB (device_replay.give_back_freed_memory), each is a fresh mapping, and touching
    it costs 800 page faults a page of 1,000 devices, a fifth of the server's CPU. The trim
    threshold keeps up to 16 MB freed at the heap's top instead of returning it each time.
    Only where the server runs (a process of its own in the benchmarks and demo-server)."""
    with contextlib.suppress(OSError, AttributeError):  # not glibc: nothing to tune
        libc = ctypes.CDLL("libc.so.6")
        libc.mallopt(_M_MMAP_THRESHOLD, 8 * 1024 * 1024)
        libc.mallopt(_M_TRIM_THRESHOLD, 16 * 1024 * 1024)


_M_TRIM_THRESHOLD, _M_MMAP_THRESHOLD = -1, -3  # glibc's malloc.h


def _reason(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Unknown"


def run_demo_server(
    port: int = 8080,
    devices: int = 2000,
    latency_ms: float = 0,
    *,
    seed: int = 7,
    host: str = "127.0.0.1",
    rate_429: float = 0.0,
    rate_503: float = 0.0,
    rate_504: float = 0.0,
    rate_drop: float = 0.0,
    rate_malformed: float = 0.0,
    rate_write_503: float = 0.0,
    rate_write_drop: float = 0.0,
    rate_write_truncated: float = 0.0,
    app_list_503_above: int | None = None,
    token_file: str | os.PathLike[str] | None = None,
    output: Callable[[str], None] = print,
    stop: threading.Event | None = None,
) -> int:
    """Serve the demo tenant until Ctrl-C (or `stop` is set); returns the exit status 0.

    Prints the URL and the command that points the app at it. With token_file the all-scopes
    demo token is written there (mode 0600) and the printed command reads it from the file;
    without, the demo token (valid only against this server) is printed in the command.
    The rate_write_* faults spoil the answer to a change after doing it (see `Faults`).
    """
    if token_file is not None:
        try:
            check_replaceable(Path(token_file))
        except UnsafeFile as refused:
            print(f"intune-tui: error: --token-file: {refused}", file=sys.stderr)
            return 2
    faults = Faults(rate_429=rate_429, rate_503=rate_503, rate_504=rate_504,
                    rate_drop=rate_drop, rate_malformed=rate_malformed,
                    rate_write_503=rate_write_503, rate_write_drop=rate_write_drop,
                    rate_write_truncated=rate_write_truncated,
                    app_list_503_above=app_list_503_above, seed=seed)
    started = time.perf_counter()
    server = DemoServer(host=host, port=port, devices=devices, latency_ms=latency_ms, seed=seed,
                        faults=faults)
    with server:
        built = time.perf_counter() - started
        output(f"Demo Graph for {server.tenant.display_name} ({devices} devices, seed {seed}) "
               f"at {server.url} (ready in {built:.1f} s)")
        if token_file is not None:
            path = Path(token_file)
            _write_private(path, server.token)
            token_text = f'"$(cat {path})"'
        else:
            token_text = server.token
        output("Point intune-tui at it:")
        output(f"  INTUNE_TUI_ACCESS_TOKEN={token_text} intune-tui --graph-url {server.url}")
        output(f"The token carries every demo scope ({len(rules.ALL_DEMO_SCOPES)}) and lasts "
               f"{CONVENIENCE_TOKEN_LIFETIME // 3600} hours. Press Ctrl-C to stop.")
        waiter = stop if stop is not None else threading.Event()
        try:
            while not waiter.wait(0.5):
                pass
        except KeyboardInterrupt:
            output("Stopping the demo server.")
    return 0


def _write_private(path: Path, text: str) -> None:
    """A new 0600 file moved into place: never through a symlink, never over another user's
    file (a planted link would otherwise receive the token, or truncate what it points to)."""
    write_private(path, lambda handle: handle.write(text + "\n"))

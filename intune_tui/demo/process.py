"""The demo's fake Graph in a process of its own, as Graph is a service of its own.

`intune-tui --demo` starts it before the UI's own imports, so the tenant is built and the first
pages are rendered on another core while Textual starts, and the fake's work never holds the UI
process's GIL (building a 100,000-device tenant takes seconds). The app talks to it over
loopback HTTP with a bearer token, the path a real tenant takes. Tests keep the in-process fake.

The child says it is ready with one JSON line on its stdout (`url`, `token`) and serves until its
stdin closes: when the app ends, however it ends, the child ends too. Anything it writes to
stderr goes to `demo-graph.log` in the log folder (this run's only, mode 0600).

This module imports only the standard library: the app imports it first thing.
"""

from __future__ import annotations

import contextlib
import gc
import json
import logging
import os
import subprocess
import sys
from pathlib import Path
from typing import IO, NamedTuple, TypedDict

log = logging.getLogger("intune_tui.demo")

LOG_FILE_NAME = "demo-graph.log"
# The seed: large app listings answer 503 ("use 20 or fewer"); the demo behaves so too.
APP_LIST_503_ABOVE = 50
# How long to wait after closing the child's stdin before killing it.
STOP_GRACE_SECONDS = 2.0


class DemoEndpoint(NamedTuple):
    url: str
    token: str

    def __repr__(self) -> str:  # the token stays out of logs and tracebacks
        return f"DemoEndpoint(url={self.url!r}, token=<hidden>)"


class DemoGraphProcess:
    """The app's side of the child process: start it, wait for its endpoint, stop it."""

    def __init__(self, process: subprocess.Popen[bytes]) -> None:
        self._process = process
        self.failure = ""

    @classmethod
    def start(cls, devices: int, *, log_dir: Path | None = None) -> DemoGraphProcess | None:
        """Start serving a `devices`-device demo tenant; None (and a log line) if it cannot."""
        command = [sys.executable, "-m", __name__, "--devices", str(devices)]
        stderr = _open_child_log(log_dir)
        try:
            process = subprocess.Popen(
                command, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                stderr=stderr if stderr is not None else subprocess.DEVNULL,
                close_fds=True, **_detached(),
            )
        except (OSError, ValueError) as error:
            log.warning("the demo Graph process could not start (%s)", error)
            return None
        finally:
            if stderr is not None:  # the child has its own copy
                stderr.close()
        return cls(process)

    def wait_ready(self) -> DemoEndpoint | None:
        """Block until the child has built the tenant and listens; None if it ended first."""
        stdout = self._process.stdout
        line = stdout.readline() if stdout is not None else b""
        try:
            answer = json.loads(line)
            return DemoEndpoint(url=str(answer["url"]), token=str(answer["token"]))
        except (ValueError, KeyError, TypeError):
            self.stop()
            self.failure = (f"it ended with status {self._process.returncode}" if not line
                            else "it answered something other than its endpoint")
            return None

    def stop(self) -> None:
        """Close its stdin (it stops serving), then kill it if it has not ended soon after."""
        process = self._process
        if process.poll() is not None:
            return
        with contextlib.suppress(OSError, ValueError):
            if process.stdin is not None:
                process.stdin.close()
        try:
            process.wait(timeout=STOP_GRACE_SECONDS)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()

    @property
    def running(self) -> bool:
        return self._process.poll() is None

    @property
    def pid(self) -> int:
        return self._process.pid


def _open_child_log(log_dir: Path | None) -> IO[bytes] | None:
    """The child's stderr: this run's only (it cannot grow across runs), private like the log."""
    if log_dir is None:
        return None
    try:
        handle = open(log_dir / LOG_FILE_NAME, "wb",  # noqa: SIM115 (closed once the child has it)
                      opener=lambda path, flags: os.open(path, flags, 0o600))
    except OSError:
        return None
    if hasattr(os, "fchmod"):  # also a file an older version left readable
        with contextlib.suppress(OSError):
            os.fchmod(handle.fileno(), 0o600)
    return handle


class _DetachedArgs(TypedDict, total=False):
    creationflags: int
    start_new_session: bool


def _detached() -> _DetachedArgs:
    """Out of the terminal's process group: Ctrl+C, Ctrl+Z and job control stay the app's."""
    if sys.platform == "win32":
        return {"creationflags": subprocess.CREATE_NEW_PROCESS_GROUP}
    return {"start_new_session": True}


def serve(devices: int, seed: int) -> int:
    """The child: build the tenant, listen on loopback, announce, serve until stdin closes."""
    # Off for the imports too (their young collections cost the app's wait for this process
    # ~5 ms of its ~150 ms of CPU), and for the tenant: hundreds of thousands of objects that
    # all stay alive.
    gc.disable()
    from intune_tui.demo.faults import Faults
    from intune_tui.demo.server import DemoServer

    server = DemoServer(devices=devices, seed=seed,
                        faults=Faults(app_list_503_above=APP_LIST_503_ABOVE, seed=seed))
    # Out of the collector's reach: they stay alive, and the first young collection after it
    # is on again (~11 ms over 37,000 objects at 2,000 devices) came before the endpoint was
    # announced.
    gc.freeze()
    gc.enable()
    with server:
        sys.stdout.write(json.dumps({"url": server.url, "token": server.token}) + "\n")
        sys.stdout.flush()
        while sys.stdin.buffer.read(4096):
            pass
    return 0


def main(argv: list[str]) -> int:
    gc.disable()  # until the tenant is built (`serve`)
    import argparse

    from intune_tui import code_cache

    parser = argparse.ArgumentParser(prog=f"python -m {__name__}",
                                     description="Serve the demo tenant for one intune-tui.")
    parser.add_argument("--devices", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args(argv)
    # The app waits for this process to be ready: its dataclasses from their kept code too.
    code_cache.install()
    try:
        return serve(args.devices, args.seed)
    finally:
        code_cache.save_installed()


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))

"""The background Graph worker: the only place Graph I/O happens.

It runs its own asyncio loop in a daemon thread and owns the Intune service (and so the httpx
client). The UI submits streams (paged lists) and jobs (one-shot calls) and receives plain event
objects through a `deliver` callback; the Textual app wraps them in messages. Nothing here imports
Textual, so the worker is testable on its own.

Rules it keeps:
- a newer stream for the same view cancels the older one, and stale events are never delivered;
- a job with `replace=True` cancels the running job of the same key (detail tabs); remote actions
  use `replace=False` so nothing ever cancels a POST in flight;
- concurrency is capped (`MAX_CONCURRENCY`) so a burst of detail tabs cannot flood Graph.
"""

from __future__ import annotations

import asyncio
import itertools
import logging
import sys
import threading
from collections.abc import AsyncIterator, Awaitable, Callable, Coroutine
from concurrent.futures import Future
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

log = logging.getLogger("intune_tui.worker")

GIL_SWITCH_INTERVAL = 0.001  # seconds
# Jobs and streams running at once. The device screen starts 13 reads at Enter (issue 17), one of
# them waiting for another's answer: with 6 they took three rounds of Graph's latency where the
# data needs two (the managed apps' error codes came a round trip late). Graph sets no
# concurrency limit for Intune or the directory, only rates - Intune devices: 2,000 requests per
# 20 s per app per tenant, 4,000 for all apps; concurrency limits are named for Outlook (4) and
# OneNote (5) only (microsoft-graph-docs-contrib concepts/throttling-limits.md and
# includes/throttling-intune-devices.md, read 2026-12-07); a 429 is still honoured by the
# throttle gate.
MAX_CONCURRENCY = 16

S = TypeVar("S")


@dataclass(frozen=True)
class StreamEvent:
    """News of one stream: the view it fills and the id the worker gave it when submitted."""

    view: str
    stream_id: int


@dataclass(frozen=True)
class StreamPage(StreamEvent):
    """One page of a stream arrived."""

    page: Any
    number: int


@dataclass(frozen=True)
class StreamFinished(StreamEvent):
    """A stream delivered its last page."""

    pages: int
    seconds: float


@dataclass(frozen=True)
class StreamFailed(StreamEvent):
    """A stream stopped on an error; pages already delivered stay valid."""

    error: BaseException


@dataclass(frozen=True)
class JobEvent:
    """The end of one job: its key and the id the worker gave it when submitted."""

    key: str
    job_id: int


@dataclass(frozen=True)
class JobDone(JobEvent):
    result: Any


@dataclass(frozen=True)
class JobFailed(JobEvent):
    error: BaseException


@dataclass(frozen=True)
class ThrottleChanged:
    """The Graph client's tenant-wide throttle gate changed (state object from graph.client)."""

    state: Any


WorkerEvent = StreamPage | StreamFinished | StreamFailed | JobDone | JobFailed | ThrottleChanged
Deliver = Callable[[WorkerEvent], None]
ServiceFactory = Callable[[Callable[[Any], None]], Awaitable[S]]
"""Builds the service inside the worker loop; receives the throttle callback to wire in."""


class GraphWorker(Generic[S]):
    """A thread with an asyncio loop that runs every Graph call of the app."""

    def __init__(
        self,
        make_service: ServiceFactory[S],
        deliver: Deliver,
        *,
        max_concurrency: int = MAX_CONCURRENCY,
        close_service: Callable[[S], Awaitable[None]] | None = None,
    ) -> None:
        self._make_service = make_service
        self._deliver = deliver
        self._max_concurrency = max_concurrency
        self._close_service = close_service
        self._ids = itertools.count(1)
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._service: S | None = None
        self._semaphore: asyncio.Semaphore | None = None
        self._streams: dict[str, tuple[int, asyncio.Task[None]]] = {}
        self._jobs: dict[str, tuple[int, asyncio.Task[None]]] = {}
        self._ready = threading.Event()
        self._service_task: asyncio.Task[S] | None = None
        self._protected: set[asyncio.Task[None]] = set()  # writes: never cancelled

    # -- lifecycle -----------------------------------------------------------------------------

    def start(self, timeout: float = 10.0) -> None:
        """Start the thread. Returns as soon as its loop runs; the service is built in the
        background, and work submitted meanwhile waits for it (a failure to build it is
        reported by every stream and job)."""
        # The worker turns pages into rows in Python while the UI thread waits for the GIL to
        # handle a key or paint: by default it waits up to 5 ms per hand-over, 1 ms is enough.
        sys.setswitchinterval(min(sys.getswitchinterval(), GIL_SWITCH_INTERVAL))
        self._thread = threading.Thread(target=self._run, name="graph-worker", daemon=True)
        self._thread.start()
        if not self._ready.wait(timeout):
            raise TimeoutError("the Graph worker did not start in time")

    def stop(self, timeout: float = 5.0) -> None:
        """Cancel everything but writes in flight (waited for), close the service, end the
        thread."""
        loop = self._loop
        if loop is None or not loop.is_running():
            return
        future = asyncio.run_coroutine_threadsafe(self._shutdown(), loop)
        try:
            future.result(timeout)
        except Exception:  # a hung close (or write) must not hang the app's exit
            log.warning("graph worker did not shut down within %.0f s; a write still in flight "
                        "is left to the audit as unanswered", timeout, exc_info=True)
            asyncio.run_coroutine_threadsafe(self._abandon(), loop).result(timeout)
        loop.call_soon_threadsafe(loop.stop)
        if self._thread is not None:
            self._thread.join(timeout)

    @property
    def running(self) -> bool:
        return self._loop is not None and self._loop.is_running()

    def _run(self) -> None:
        loop = asyncio.new_event_loop()
        self._loop = loop
        asyncio.set_event_loop(loop)
        self._semaphore = asyncio.Semaphore(self._max_concurrency)
        # Ready first: the UI thread goes on composing while the service is built (an HTTP
        # client with its TLS context takes tens of milliseconds).
        loop.call_soon(self._ready.set)
        self._service_task = loop.create_task(self._build_service())
        try:
            loop.run_forever()
        finally:
            loop.close()

    async def _build_service(self) -> S:
        self._service = await self._make_service(self._on_throttle)
        return self._service

    async def _get_service(self) -> S:
        assert self._service_task is not None
        # shield: one cancelled job must not cancel the build every other job waits for
        return await asyncio.shield(self._service_task)

    async def _shutdown(self) -> None:
        tasks = [task for _, task in (*self._streams.values(), *self._jobs.values())]
        for task in tasks:
            if task not in self._protected:
                task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        if self._service_task is not None and not self._service_task.done():
            self._service_task.cancel()
        if self._close_service is not None and self._service is not None:
            await self._close_service(self._service)

    async def _abandon(self) -> None:
        """Cancel what is left, writes included: only when the app is going away anyway."""
        pending = [task for task in asyncio.all_tasks() if task is not asyncio.current_task()]
        for task in pending:
            task.cancel()
        await asyncio.gather(*pending, return_exceptions=True)

    def _on_throttle(self, state: Any) -> None:
        self._emit(ThrottleChanged(state))

    def _emit(self, event: WorkerEvent) -> None:
        try:
            self._deliver(event)
        except Exception:  # the UI may be closing; never kill the worker loop for it
            log.debug("event not delivered: %s", type(event).__name__, exc_info=True)

    # -- submitting work (called from the UI thread) --------------------------------------------

    def submit_listing(self, view: str, pages: Callable[[S], AsyncIterator[Any]]) -> int:
        """Stream pages for `view`, replacing any stream already running for it."""
        stream_id = next(self._ids)
        self._submit(self._start_stream(view, stream_id, pages))
        return stream_id

    def submit_call(
        self, key: str, call: Callable[[S], Awaitable[Any]], *, replace: bool = True,
        protect: bool = False,
    ) -> int:
        """Run one call. `replace=True` cancels a running job with the same key.

        `protect=True` (a write): never cancelled; shutting down waits for it."""
        job_id = next(self._ids)
        self._submit(self._start_job(key, job_id, call, replace, protect))
        return job_id

    def cancel_listing(self, view: str) -> None:
        """Cancel the stream of `view`, if any (the view was closed)."""
        self._submit(self._cancel_stream(view))

    def _submit(self, coro: Coroutine[Any, Any, None]) -> Future[None]:
        if self._loop is None:
            raise RuntimeError("the Graph worker is not running")
        return asyncio.run_coroutine_threadsafe(coro, self._loop)

    # -- inside the worker loop ----------------------------------------------------------------

    async def _cancel_stream(self, view: str) -> None:
        current = self._streams.pop(view, None)
        if current is not None:
            current[1].cancel()

    async def _start_stream(
        self, view: str, stream_id: int, pages: Callable[[S], AsyncIterator[Any]]
    ) -> None:
        await self._cancel_stream(view)
        task = asyncio.create_task(self._run_stream(view, stream_id, pages))
        self._streams[view] = (stream_id, task)

    def _is_current_stream(self, view: str, stream_id: int) -> bool:
        current = self._streams.get(view)
        return current is not None and current[0] == stream_id

    async def _run_stream(
        self, view: str, stream_id: int, pages: Callable[[S], AsyncIterator[Any]]
    ) -> None:
        assert self._semaphore is not None
        loop = asyncio.get_running_loop()
        started = loop.time()
        number = 0
        try:
            service = await self._get_service()
            async with self._semaphore:
                async for page in pages(service):
                    number += 1
                    if not self._is_current_stream(view, stream_id):
                        return
                    self._emit(StreamPage(view, stream_id, page, number))
            if self._is_current_stream(view, stream_id):
                self._emit(StreamFinished(view, stream_id, number, loop.time() - started))
        except asyncio.CancelledError:
            raise
        except Exception as error:
            log.info("stream %s failed: %s", view, error)
            if self._is_current_stream(view, stream_id):
                self._emit(StreamFailed(view, stream_id, error))
        finally:
            if self._is_current_stream(view, stream_id):
                del self._streams[view]

    async def _start_job(
        self, key: str, job_id: int, call: Callable[[S], Awaitable[Any]], replace: bool,
        protect: bool,
    ) -> None:
        previous = self._jobs.get(key)
        if replace and previous is not None:
            previous[1].cancel()
        task = asyncio.create_task(self._run_job(key, job_id, call))
        if protect:
            self._protected.add(task)
            task.add_done_callback(self._protected.discard)
        self._jobs[f"{key}#{job_id}" if not replace else key] = (job_id, task)

    async def _run_job(self, key: str, job_id: int, call: Callable[[S], Awaitable[Any]]) -> None:
        assert self._semaphore is not None
        try:
            service = await self._get_service()
            async with self._semaphore:
                result = await call(service)
            self._emit(JobDone(key, job_id, result))
        except asyncio.CancelledError:
            raise
        except Exception as error:
            log.info("job %s failed: %s", key, error)
            self._emit(JobFailed(key, job_id, error))
        finally:
            for name, (known_id, _) in list(self._jobs.items()):
                if known_id == job_id:
                    del self._jobs[name]

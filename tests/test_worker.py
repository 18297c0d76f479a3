"""The worker streams pages, replaces stale streams, runs jobs and reports failures as events."""

from __future__ import annotations

import asyncio
import queue
from collections.abc import AsyncIterator
from typing import Any

import pytest

from intune_tui.worker import (
    GraphWorker,
    JobDone,
    JobFailed,
    StreamFailed,
    StreamFinished,
    StreamPage,
    ThrottleChanged,
)


class Service:
    """A tiny stand-in service: the worker is generic over what it runs."""

    def __init__(self, on_throttle: Any) -> None:
        self.on_throttle = on_throttle
        self.release = asyncio.Event()
        self.closed = False

    async def pages(self, count: int, *, wait: bool = False) -> AsyncIterator[list[int]]:
        for number in range(count):
            if wait and number == 1:
                await self.release.wait()
            yield [number]

    async def broken(self) -> AsyncIterator[list[int]]:
        yield [1]
        raise ValueError("page two was malformed")


@pytest.fixture
def worker() -> Any:
    events: queue.Queue[Any] = queue.Queue()

    async def make(on_throttle: Any) -> Service:
        return Service(on_throttle)

    async def close(service: Service) -> None:
        service.closed = True

    graph_worker: GraphWorker[Service] = GraphWorker(make, events.put, close_service=close)
    graph_worker.start()
    graph_worker.events = events  # type: ignore[attr-defined]
    yield graph_worker
    graph_worker.stop()


def next_event(worker: Any, kind: type) -> Any:
    while True:
        event = worker.events.get(timeout=5)
        if isinstance(event, kind):
            return event


def test_stream_delivers_every_page_then_finishes(worker: Any) -> None:
    worker.submit_listing("devices", lambda service: service.pages(3))
    pages = [next_event(worker, StreamPage).page for _ in range(3)]
    assert pages == [[0], [1], [2]]
    finished = next_event(worker, StreamFinished)
    assert finished.pages == 3


def test_newer_stream_replaces_older_and_stale_pages_are_dropped(worker: Any) -> None:
    first = worker.submit_listing("devices", lambda service: service.pages(5, wait=True))
    assert next_event(worker, StreamPage).stream_id == first
    second = worker.submit_listing("devices", lambda service: service.pages(2))
    later = [next_event(worker, StreamPage) for _ in range(2)]
    assert {event.stream_id for event in later} == {second}
    assert next_event(worker, StreamFinished).stream_id == second
    assert worker.events.empty()


def test_failed_stream_reports_error_after_good_pages(worker: Any) -> None:
    worker.submit_listing("apps", lambda service: service.broken())
    assert next_event(worker, StreamPage).page == [1]
    failed = next_event(worker, StreamFailed)
    assert "malformed" in str(failed.error)


def test_jobs_report_results_and_failures(worker: Any) -> None:
    async def ok(service: Service) -> str:
        return "fine"

    async def bad(service: Service) -> str:
        raise RuntimeError("403 from Graph")

    worker.submit_call("a", ok)
    done = next_event(worker, JobDone)
    assert (done.key, done.result) == ("a", "fine")
    worker.submit_call("b", bad)
    failed = next_event(worker, JobFailed)
    assert failed.key == "b" and "403" in str(failed.error)


def test_non_replaceable_jobs_all_run(worker: Any) -> None:
    async def act(service: Service) -> int:
        await asyncio.sleep(0.01)
        return 1

    ids = {worker.submit_call("action", act, replace=False) for _ in range(3)}
    assert {next_event(worker, JobDone).job_id for _ in range(3)} == ids


def test_throttle_callback_becomes_an_event(worker: Any) -> None:
    async def throttle(service: Service) -> None:
        service.on_throttle("paused 2s")

    worker.submit_call("t", throttle)
    assert next_event(worker, ThrottleChanged).state == "paused 2s"


def test_service_that_cannot_be_built_fails_each_job_with_its_reason() -> None:
    events: queue.Queue[Any] = queue.Queue()

    async def make(on_throttle: Any) -> Service:
        raise RuntimeError("no token")

    async def call(service: Service) -> None:
        return None

    broken: GraphWorker[Service] = GraphWorker(make, events.put)
    broken.start()
    try:
        broken.submit_call("first", call)
        broken.submit_listing("devices", lambda service: service.pages(1))
        failures = [events.get(timeout=5) for _ in range(2)]
        assert {type(event) for event in failures} == {JobFailed, StreamFailed}
        assert all("no token" in str(event.error) for event in failures)
    finally:
        broken.stop()


def test_stop_closes_the_service(worker: Any) -> None:
    async def grab(service: Service) -> Service:
        return service

    worker.submit_call("grab", grab)
    service = next_event(worker, JobDone).result
    worker.stop()
    assert service.closed


def test_a_running_worker_hands_the_gil_back_to_the_ui_thread_within_a_millisecond(
        worker: Any) -> None:
    import sys

    assert sys.getswitchinterval() <= 0.001

"""The cyclic garbage collector is held off from Enter to a detail screen's first frame, and is
on again after it, however holds nest or end."""

from __future__ import annotations

import asyncio
import gc
from collections.abc import Iterator

import pytest

from intune_tui.ui import collector


@pytest.fixture(autouse=True)
def collector_on() -> Iterator[None]:
    gc.enable()
    yield
    gc.enable()


def test_a_hold_turns_the_collector_off_until_released_once() -> None:
    release = collector.hold()
    assert not gc.isenabled()
    release()
    assert gc.isenabled()
    gc.disable()
    release()  # a second call is not a second release
    assert not gc.isenabled()


def test_nested_holds_keep_it_off_until_the_last_one_ends() -> None:
    first, second = collector.hold(), collector.hold()
    first()
    assert not gc.isenabled()
    second()
    assert gc.isenabled()


def test_a_collector_that_was_off_stays_off() -> None:
    gc.disable()
    collector.hold()()
    assert not gc.isenabled()


async def test_a_hold_never_released_ends_by_itself(monkeypatch) -> None:
    monkeypatch.setattr(collector, "SAFETY_S", 0.01)
    collector.hold()
    assert not gc.isenabled()
    await asyncio.sleep(0.05)
    assert gc.isenabled()

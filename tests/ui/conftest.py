"""Driving the real app on the demo tenant: `make_app(...)` and `wait_until(pilot, predicate)`.

The app runs on the fake Graph in-process, with a frozen clock (snapshots are deterministic) and
no cursor blink. `app.session.fake` is the FakeGraph once the worker built it: tests assert on
`fake.requests` and switch its faults.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from textual.pilot import Pilot

from intune_tui.config import load_settings
from intune_tui.session import demo_session
from intune_tui.ui.app import IntuneApp

AppFactory = Callable[..., IntuneApp]


@pytest.fixture
def make_app() -> AppFactory:
    def make(
        *,
        devices: int = 300,
        read_only: bool = False,
        scopes: tuple[str, ...] | None = None,
        **settings_changes: Any,
    ) -> IntuneApp:
        settings = dataclasses.replace(
            load_settings(None),
            demo=True,
            demo_devices=devices,
            read_only=read_only,
            **settings_changes,
        )
        session = demo_session(settings, frozen=True, scopes=scopes)
        app = IntuneApp(settings, session)
        app.cursor_blink = False  # type: ignore[attr-defined]
        return app

    return make


WaitUntil = Callable[[Pilot[Any], Callable[[], bool]], Awaitable[None]]


@pytest.fixture
def wait_until() -> WaitUntil:
    async def wait(pilot: Pilot[Any], predicate: Callable[[], bool], timeout: float = 15.0) -> None:
        waited = 0.0
        while not predicate():
            if waited >= timeout:
                raise AssertionError("the app did not reach the expected state in time")
            await pilot.pause(0.05)
            waited += 0.05
        await pilot.pause()

    return wait

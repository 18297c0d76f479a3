"""Driving the real app on the demo tenant: `make_app(...)` and `wait_until(pilot, predicate)`.

The app runs on the fake Graph in-process, with a frozen clock (snapshots are deterministic), no
cursor blink and `FAST_TIMINGS` (its own delays cut short, so no test sits out a real timer);
the Pilot waits for the app to go idle in 5 ms windows, not 20 (`quick_idle_windows`;
not for pictures). Pictures (tests using syrupy's `snapshot`, as `snap_compare` does) are taken
with Textual's animations off.
`app.session.fake` is the FakeGraph once the worker built it: tests assert on `fake.requests`
and switch its faults. `wait_until` is tests/waiting.py's, the one way to wait for the app.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from waiting import FAST_TIMINGS, quick_idle_windows
from waiting import wait_until as _wait_until

from intune_tui.config import load_settings
from intune_tui.session import demo_session
from intune_tui.ui.app import IntuneApp
from intune_tui.ui.timings import Timings

AppFactory = Callable[..., IntuneApp]


def takes_pictures(request: pytest.FixtureRequest) -> bool:
    """A snapshot test: it uses syrupy's `snapshot` (`snap_compare` does, test_snapshots.py too)."""
    return "snapshot" in request.fixturenames


@pytest.fixture(autouse=True)
def quick_idle(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> None:
    """The Pilot waits for idle in short windows (tests/waiting.py), except for pictures."""
    if not takes_pictures(request):
        quick_idle_windows(monkeypatch)


@pytest.fixture(autouse=True)
def pictures_without_animations(request: pytest.FixtureRequest,
                                monkeypatch: pytest.MonkeyPatch) -> None:
    """A picture's app runs with Textual's animations off (as TEXTUAL_ANIMATIONS=none would):
    a tab's underline and the tab bar's scroll jump to where they end instead of sliding there
    over 0.3 s of frames. A picture shows where they end either way (it is taken once
    animations are done), and each slide cost ~75 ms of CPU (device-actions-tab: 0.8 -> 0.6 s)."""
    if takes_pictures(request):
        from textual import constants

        monkeypatch.setattr(constants, "TEXTUAL_ANIMATIONS", "none")


@pytest.fixture
def make_app() -> AppFactory:
    def make(
        *,
        devices: int = 300,
        read_only: bool = False,
        scopes: tuple[str, ...] | None = None,
        timings: Timings = FAST_TIMINGS,
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
        app = IntuneApp(settings, session, timings=timings)
        app.cursor_blink = False  # type: ignore[attr-defined]
        return app

    return make


@pytest.fixture
def wait_until() -> Callable[..., Awaitable[None]]:
    """tests/waiting.py's `wait_until`, for tests that take it as a fixture."""
    return _wait_until

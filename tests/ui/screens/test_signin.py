"""The sign-in modal: address, big code, countdown, `c` copies, Esc cancels, closes on outcome."""

from __future__ import annotations

import threading

from rich.text import Text
from textual.app import App
from textual.widgets import Static
from waiting import wait_until

from intune_tui.auth.flows import (
    BrowserSignIn,
    DeviceCodeFlow,
    PendingSignIn,
    SignInOutcome,
    SignInState,
)
from intune_tui.ui.screens.signin import SignInScreen, countdown_text

START = 1_800_000_000.0


class FakeClock:
    def __init__(self) -> None:
        self.now = START

    def __call__(self) -> float:
        return self.now


def device_code(
    clock: FakeClock, *, user_code: str = "GJ8XNPQ2E", message: str = ""
) -> DeviceCodeFlow:
    return DeviceCodeFlow(
        verification_uri="https://microsoft.com/devicelogin",
        user_code=user_code,
        message=message or f"Open https://microsoft.com/devicelogin and enter {user_code}.",
        expires_at=START + 900,
        interval=5,
        tenant_label="contoso.onmicrosoft.com",
        msal_flow={"device_code": "DC.secret-device-code"},
        clock=clock,
    )


class Host(App[None]):
    def __init__(self, pending: PendingSignIn, clock: FakeClock) -> None:
        super().__init__()
        self.pending = pending
        self.clock = clock
        self.results: list[SignInOutcome] = []

    def on_mount(self) -> None:
        self.push_screen(SignInScreen(self.pending, clock=self.clock), callback=self.results.append)


def text_of(app: App[None], selector: str) -> str:
    content = app.screen.query_one(selector, Static).content
    return content.plain if isinstance(content, Text) else str(content)


def test_countdown_text() -> None:
    assert countdown_text(899.6) == "14:59"
    assert countdown_text(61) == "1:01"
    assert countdown_text(-5) == "0:00"


async def test_shows_address_code_and_a_live_countdown() -> None:
    clock = FakeClock()
    app = Host(device_code(clock), clock)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        assert isinstance(app.screen, SignInScreen)
        assert text_of(app, "#signin-title") == "Sign in to contoso.onmicrosoft.com"
        assert text_of(app, "#signin-url") == "https://microsoft.com/devicelogin"
        assert text_of(app, "#signin-code") == "GJ8XNPQ2E"
        assert text_of(app, "#signin-countdown") == "Code expires in 15:00"

        clock.now += 61
        await wait_until(pilot, lambda: "13:59" in text_of(app, "#signin-countdown"))
        assert text_of(app, "#signin-countdown") == "Code expires in 13:59"
        clock.now = START + 901
        await wait_until(pilot, lambda: "expired" in text_of(app, "#signin-countdown"))
        assert text_of(app, "#signin-countdown") == "Code expired; finishing…"


async def test_c_copies_the_code_and_says_so() -> None:
    clock = FakeClock()
    app = Host(device_code(clock), clock)
    async with app.run_test(notifications=True) as pilot:
        await pilot.pause()
        await pilot.press("c")
        await pilot.pause()
        assert app.clipboard == "GJ8XNPQ2E"
        messages = [note.message for note in app._notifications]
        assert any("Copied the code GJ8XNPQ2E" in message for message in messages)
        assert isinstance(app.screen, SignInScreen)  # copying does not close it


async def test_escape_cancels_the_sign_in_and_returns_cancelled() -> None:
    clock = FakeClock()
    flow = device_code(clock)
    app = Host(flow, clock)
    async with app.run_test() as pilot:
        await pilot.pause()
        await pilot.press("escape")
        await pilot.pause()
        assert flow.cancelled
        assert not isinstance(app.screen, SignInScreen)
        assert [outcome.state for outcome in app.results] == [SignInState.CANCELLED]


async def test_closes_itself_with_the_outcome_when_the_sign_in_ends() -> None:
    clock = FakeClock()
    flow = device_code(clock)
    app = Host(flow, clock)
    async with app.run_test() as pilot:
        await pilot.pause()
        done = SignInOutcome(SignInState.SIGNED_IN, "Signed in as a@b.c.", "a@b.c")
        threading.Thread(target=flow.finish, args=(done,)).start()  # as MSAL's thread does
        await wait_until(pilot, lambda: app.results)
        assert app.results == [done]
        assert not isinstance(app.screen, SignInScreen)
        assert not flow.cancelled


async def test_text_from_entra_is_shown_literally() -> None:
    clock = FakeClock()
    app = Host(device_code(clock, user_code="[bold]AB[/]\x1b[31m"), clock)
    async with app.run_test() as pilot:
        await pilot.pause()
        assert text_of(app, "#signin-code") == "[bold]AB[/]"


async def test_browser_sign_in_shows_the_address_and_the_port_forward() -> None:
    clock = FakeClock()
    sign_in = BrowserSignIn(
        auth_url="https://login.microsoftonline.com/contoso/oauth2/v2.0/authorize?x=1",
        port=53123,
        browser_opened=False,
        expires_at=START + 300,
        tenant_label="contoso.onmicrosoft.com",
        clock=clock,
    )
    app = Host(sign_in, clock)
    async with app.run_test(size=(120, 30)) as pilot:
        await pilot.pause()
        assert text_of(app, "#signin-url").startswith("https://login.microsoftonline.com/")
        assert "ssh -L 53123:127.0.0.1:53123" in text_of(app, "#signin-hint")
        assert text_of(app, "#signin-countdown") == "Sign-in expires in 5:00"
        await pilot.press("c")
        assert app.clipboard == ""
        await pilot.press("escape")
        await pilot.pause()
        assert sign_in.cancelled and app.results[0].state is SignInState.CANCELLED


def test_the_device_code_never_shows_in_a_repr() -> None:
    flow = device_code(FakeClock())
    assert "DC.secret-device-code" not in repr(flow)

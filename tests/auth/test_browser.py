"""Browser or device code: SSH sessions and console-only machines get the device code, and no
console browser is ever started on the TUI's terminal."""

from __future__ import annotations

import subprocess
import webbrowser
from typing import Any

import pytest

from intune_tui.auth import browser
from intune_tui.auth.browser import choose_sign_in_method, find_gui_browser

TMUX_OVER_SSH = {
    "SSH_CONNECTION": "192.0.2.10 50022 192.0.2.20 22",
    "SSH_TTY": "/dev/pts/3",
    "TMUX": "/tmp/tmux-1000/default,1234,0",
    "TERM": "tmux-256color",
}


def a_browser() -> Any:
    return lambda url: True


def test_tmux_over_ssh_without_display_uses_the_device_code() -> None:
    chosen = choose_sign_in_method(
        "auto", env=TMUX_OVER_SSH, platform="linux", find_browser=a_browser
    )

    assert chosen.method == "device-code"
    assert "SSH" in chosen.reason


def test_ssh_wins_even_with_x_forwarding_or_on_a_mac() -> None:
    forwarded = {**TMUX_OVER_SSH, "DISPLAY": "localhost:10.0"}
    for platform in ("linux", "darwin"):
        chosen = choose_sign_in_method(
            "auto", env=forwarded, platform=platform, find_browser=a_browser
        )
        assert chosen.method == "device-code"


def test_linux_without_a_display_uses_the_device_code() -> None:
    chosen = choose_sign_in_method(
        "auto", env={"TERM": "xterm"}, platform="linux", find_browser=a_browser
    )

    assert chosen.method == "device-code" and "DISPLAY" in chosen.reason


def test_only_console_browsers_means_device_code() -> None:
    chosen = choose_sign_in_method(
        "auto", env={"DISPLAY": ":0"}, platform="linux", find_browser=lambda: None
    )

    assert chosen.method == "device-code" and "w3m" in chosen.reason


def test_a_desktop_with_a_graphical_browser_uses_the_browser() -> None:
    for env, platform in (
        ({"DISPLAY": ":0"}, "linux"),
        ({"WAYLAND_DISPLAY": "wayland-0"}, "linux"),
        ({}, "darwin"),
        ({}, "win32"),
    ):
        chosen = choose_sign_in_method("auto", env=env, platform=platform, find_browser=a_browser)
        assert chosen.method == "browser", (env, platform)


def test_wsl_without_display_may_still_use_the_windows_browser() -> None:
    env = {"WSL_DISTRO_NAME": "Ubuntu"}

    assert (
        choose_sign_in_method("auto", env=env, platform="linux", find_browser=a_browser).method
        == "browser"
    )


@pytest.mark.parametrize("forced", ["device-code", "browser"])
def test_auth_mode_forces_either(forced: str) -> None:
    for env in (TMUX_OVER_SSH, {"DISPLAY": ":0"}):
        chosen = choose_sign_in_method(forced, env=env, platform="linux", find_browser=lambda: None)
        assert chosen.method == forced


def fake_registry(
    monkeypatch: pytest.MonkeyPatch, browsers: dict[str | None, webbrowser.BaseBrowser]
) -> None:
    def get(using: str | None = None) -> webbrowser.BaseBrowser:
        if using in browsers:
            return browsers[using]
        raise webbrowser.Error("none")

    monkeypatch.setattr(webbrowser, "get", get)


def test_console_browsers_are_never_chosen(monkeypatch: pytest.MonkeyPatch) -> None:
    fake_registry(
        monkeypatch,
        {
            None: webbrowser.GenericBrowser("w3m"),
            "x-www-browser": webbrowser.GenericBrowser("lynx"),
        },
    )

    assert find_gui_browser(env={"DISPLAY": ":0"}, platform="linux") is None


def test_a_foreground_browser_from_dollar_browser_is_not_trusted(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    fake_registry(monkeypatch, {None: webbrowser.GenericBrowser("/opt/some-browser")})

    assert find_gui_browser(env={"DISPLAY": ":0"}, platform="linux") is None


def test_a_graphical_browser_is_started_detached_and_silent(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    fake_registry(
        monkeypatch,
        {
            None: webbrowser.GenericBrowser("w3m"),
            "xdg-open": webbrowser.BackgroundBrowser("xdg-open"),
        },
    )
    started: list[tuple[list[str], dict[str, Any]]] = []
    monkeypatch.setattr(
        browser.subprocess, "Popen", lambda argv, **kwargs: started.append((argv, kwargs))
    )

    opener = find_gui_browser(env={"DISPLAY": ":0"}, platform="linux")

    assert opener is not None and opener("https://login.example/authorize?x=1")
    argv, kwargs = started[0]
    assert argv == ["xdg-open", "https://login.example/authorize?x=1"]
    assert kwargs["stdout"] is subprocess.DEVNULL and kwargs["stderr"] is subprocess.DEVNULL
    assert kwargs["stdin"] is subprocess.DEVNULL and kwargs["start_new_session"]

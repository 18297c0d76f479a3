"""Browser or device code: pick the sign-in that can work where intune-tui runs.

Over SSH, or on a Linux box without a display, a browser cannot reach this machine's
http://localhost redirect, and Python's `webbrowser` may start a *console* browser (w3m, lynx)
in the foreground, on the very terminal the TUI is drawing on. So: device code there, a browser
only when a graphical one exists, and never `webbrowser.open()` (which falls through to console
browsers when the first choice fails): we launch the chosen graphical browser ourselves, with its
output sent to /dev/null so it cannot scribble on the screen.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import webbrowser
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Literal

SignInMethodName = Literal["device-code", "browser"]
BrowserOpener = Callable[[str], bool]

# Text-mode browsers Python's webbrowser registers when $TERM is set; each takes over the terminal.
CONSOLE_BROWSERS = frozenset(
    {"www-browser", "links", "links2", "elinks", "lynx", "w3m", "browsh", "carbonyl"}
)
_GUI_FALLBACKS = (
    "xdg-open",
    "gio",
    "x-www-browser",
    "microsoft-edge",
    "firefox",
    "google-chrome",
    "chromium",
    "chromium-browser",
)


@dataclass(frozen=True)
class SignInMethod:
    """The chosen method and why, so the user can be told ("…because this is an SSH session")."""

    method: SignInMethodName
    reason: str


def choose_sign_in_method(
    auth_mode: str,
    *,
    env: Mapping[str, str] | None = None,
    platform: str | None = None,
    find_browser: Callable[[], BrowserOpener | None] | None = None,
) -> SignInMethod:
    """Device code or browser for `auth_mode` ("auto", "device-code", "browser").

    "auto" picks the device code when there is no usable browser: an SSH session
    (SSH_CONNECTION / SSH_CLIENT / SSH_TTY), Linux without DISPLAY / WAYLAND_DISPLAY (WSL aside),
    or no graphical browser at all (only console browsers such as w3m or lynx).
    """
    if auth_mode == "device-code":
        return SignInMethod("device-code", "auth_mode is device-code")
    if auth_mode == "browser":
        return SignInMethod("browser", "auth_mode is browser")
    reason = no_browser_reason(env=env, platform=platform, find_browser=find_browser)
    if reason is not None:
        return SignInMethod("device-code", reason)
    return SignInMethod("browser", "a graphical browser is available")


def no_browser_reason(
    *,
    env: Mapping[str, str] | None = None,
    platform: str | None = None,
    find_browser: Callable[[], BrowserOpener | None] | None = None,
) -> str | None:
    """Why a browser sign-in cannot work here, or None when it can."""
    env = os.environ if env is None else env
    platform = sys.platform if platform is None else platform
    if any(env.get(name) for name in ("SSH_CONNECTION", "SSH_CLIENT", "SSH_TTY")):
        return "this is an SSH session, so a browser here cannot be seen by you"
    has_display = bool(env.get("DISPLAY") or env.get("WAYLAND_DISPLAY"))
    if platform.startswith("linux") and not has_display and not _is_wsl(env):
        return "there is no graphical display (DISPLAY and WAYLAND_DISPLAY are unset)"
    finder = find_browser if find_browser is not None else (lambda: find_gui_browser(env=env))
    if finder() is None:
        return "no graphical browser was found (console browsers such as w3m are never used)"
    return None


def find_gui_browser(
    *, env: Mapping[str, str] | None = None, platform: str | None = None
) -> BrowserOpener | None:
    """A function opening a URL in a graphical browser, or None when there is none."""
    env = os.environ if env is None else env
    platform = sys.platform if platform is None else platform
    if platform == "darwin":
        return _command_opener(["open"]) if shutil.which("open") else None
    if platform.startswith("win"):
        return _windows_opener()
    if _is_wsl(env) and not (env.get("DISPLAY") or env.get("WAYLAND_DISPLAY")):
        for command in ("wslview", "explorer.exe"):
            if shutil.which(command):
                return _command_opener([command])
        return None
    for name in (None, *_GUI_FALLBACKS):
        try:
            controller = webbrowser.get(name)
        except webbrowser.Error:
            continue
        gui_command = _gui_command(controller)
        if gui_command is not None:
            return _command_opener(gui_command)
    return None


def _gui_command(controller: webbrowser.BaseBrowser) -> list[str] | None:
    """The command line of a graphical browser controller; None for a console browser.

    A plain GenericBrowser runs in the foreground and waits (that is how webbrowser runs console
    browsers and unknown $BROWSER entries), so it counts as console too.
    """
    name = getattr(controller, "name", "") or ""
    if not name or os.path.basename(name) in CONSOLE_BROWSERS:
        return None
    if type(controller) is webbrowser.GenericBrowser:
        return None
    args = getattr(controller, "args", None)
    if isinstance(controller, webbrowser.GenericBrowser) and isinstance(args, list):
        return [name, *[arg for arg in args if arg != "%s"]]
    if shutil.which(name) is None:
        return None
    return [name]


def _command_opener(command: list[str]) -> BrowserOpener:
    def open_url(url: str) -> bool:
        try:
            subprocess.Popen(
                [*command, url],
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
                start_new_session=True,
            )
        except OSError:
            return False
        return True

    return open_url


def _windows_opener() -> BrowserOpener | None:
    try:
        controller = webbrowser.get()
    except webbrowser.Error:
        return None

    def open_url(url: str) -> bool:
        try:
            return bool(controller.open(url))
        except (OSError, webbrowser.Error):
            return False

    return open_url


def _is_wsl(env: Mapping[str, str]) -> bool:
    return bool(env.get("WSL_DISTRO_NAME") or env.get("WSL_INTEROP"))

"""The `:` command language: what commands exist, how a line parses, what completes."""

from __future__ import annotations

import re
import shlex
from collections.abc import Collection
from dataclasses import dataclass

from intune_tui.config import ConfigError, View, check_view_name
from intune_tui.intune.lifecycle import STALE_PLATFORMS, STALE_PRESETS, stale_platform


@dataclass(frozen=True)
class CommandSpec:
    """One `:` command: its name, what it does, and the arguments it takes (as usage shows)."""

    name: str
    help: str
    arguments: str = ""

    @property
    def usage(self) -> str:
        """':stale 30|90|180 [OS]', ':devices'."""
        return f":{self.name} {self.arguments}".rstrip()


COMMANDS: tuple[CommandSpec, ...] = (
    CommandSpec("devices", "Managed devices"),
    CommandSpec("apps", "Apps, categories, protection and configuration policies"),
    CommandSpec("policies", "Configuration, compliance and settings catalog policies"),
    CommandSpec("roles", "Intune roles and their assignments"),
    CommandSpec("health", "Tenant health: certificates, tokens, connectors"),
    CommandSpec("access", "My access: scopes granted, what each allows"),
    CommandSpec("audit", "Local audit of remote actions, newest first"),
    CommandSpec("requests", "Every Graph call of this session, newest first"),
    CommandSpec("offboard", "Offboard pasted devices: Intune, Autopilot, Entra ID"),
    CommandSpec("stale", "Devices not synced for that many days (one platform or all), to offboard",
                arguments="30|90|180 [OS]"),
    CommandSpec("tenant", "Switch to the profile NAME (another tenant)", arguments="NAME"),
    CommandSpec("user", "A user's devices (name or sign-in name starts with NAME)",
                arguments="NAME"),
    CommandSpec("export", "Export the current view", arguments="csv|json"),
    CommandSpec("save", "Save this list's search, sort and columns as the view NAME; :NAME "
                "(or KEY) brings it back", arguments="NAME [KEY]"),
    CommandSpec("help", "Keys of the current screen"),
    CommandSpec("q", "Quit"),
)
COMMAND_NAMES = {spec.name for spec in COMMANDS} | {"quit"}
# Said after a Graph error wherever one is shown: the app's `!` opens the call in `:requests`.
SHOW_REQUEST_HINT = "! shows the request"
# A key a saved view may be recalled by, in Textual's names: f5, ctrl+g, alt+s, …
_VIEW_KEY = re.compile(
    r"^((ctrl|shift|alt|meta|super)\+)*([a-z0-9]|f([1-9]|1[0-9]|2[0-4])|home|end|insert|delete"
    r"|pageup|pagedown)$")


class CommandError(ValueError):
    """A command line that does not parse; the message says what would."""


@dataclass(frozen=True)
class Command:
    name: str
    args: tuple[str, ...] = ()


def parse_command(line: str, views: Collection[str] = ()) -> Command:
    """Parse ':name args…' (the colon is optional). `views` are the saved views' names: `:NAME`
    recalls one (Command("view", (NAME,)))."""
    text = line.strip().removeprefix(":").strip()
    if not text:
        raise CommandError("Empty command. Try :devices, :apps, :policies, :roles or :q")
    try:
        words = shlex.split(text)
    except ValueError as error:
        raise CommandError(f"Cannot read that command: {error}") from None
    name, args = words[0].lower(), tuple(words[1:])
    if name == "quit":
        name = "q"
    saved = {view.lower(): view for view in views}
    if name not in COMMAND_NAMES and name in saved and not args:
        return Command("view", (saved[name],))
    if name not in COMMAND_NAMES:
        raise CommandError(f"Unknown command :{name}. Known: " + ", ".join(
            f":{spec.name}" for spec in COMMANDS))
    if name == "tenant" and len(args) != 1:
        raise CommandError("Usage: :tenant NAME (a profile from your config)")
    if name == "user" and not args:
        raise CommandError("Usage: :user NAME (the start of a name or sign-in name)")
    if name == "export" and (len(args) != 1 or args[0].lower() not in {"csv", "json"}):
        raise CommandError("Usage: :export csv or :export json")
    if name == "stale":
        return _stale(args)
    if name == "save":
        return _save(args)
    return Command(name, tuple(arg.lower() if name == "export" else arg for arg in args))


def _stale(args: tuple[str, ...]) -> Command:
    usage = (f"Usage: :stale 30|90|180 [OS] (any number of days 1-9999; OS one of "
             f"{', '.join(STALE_PLATFORMS)})")
    if not 1 <= len(args) <= 2 or not args[0].isdigit() or not 1 <= int(args[0]) <= 9999:
        raise CommandError(usage)
    if len(args) == 1:
        return Command("stale", (str(int(args[0])),))
    platform = stale_platform(args[1])
    if platform is None:
        raise CommandError(f"Unknown platform {args[1]}. {usage}")
    return Command("stale", (str(int(args[0])), platform))


def _save(args: tuple[str, ...]) -> Command:
    usage = "Usage: :save NAME [KEY] (NAME: letters, digits, '-', '_'; KEY e.g. f5)"
    if not 1 <= len(args) <= 2:
        raise CommandError(usage)
    try:
        name = check_view_name(args[0], "NAME")
    except ConfigError as error:
        raise CommandError(f"{error}. {usage}") from None
    if name.lower() in COMMAND_NAMES:
        raise CommandError(f":{name.lower()} is a command already; choose another view name")
    if len(args) == 2 and not _VIEW_KEY.match(args[1].lower()):
        raise CommandError(f"{args[1]} is not a key name (such as f5, ctrl+g, alt+s). {usage}")
    return Command("save", (name, *(key.lower() for key in args[1:])))


def completions(profiles: Collection[str] = (), views: Collection[str] = ()) -> list[str]:
    """Every complete command line the `:` prompt can suggest."""
    lines = [spec.usage for spec in COMMANDS if not spec.arguments]
    lines += [f":{name}" for name in views]
    lines += [":export csv", ":export json"]
    lines += [f":stale {days}" for days in STALE_PRESETS]
    lines += [f":tenant {name}" for name in profiles]
    return lines


def describe_view(view: View) -> str:
    """A saved view in a few words: `devices · os:windows synced>7d · by lastSyncDateTime ↓`."""
    parts = [view.list_name, view.search or "no search"]
    if view.sort is not None:
        parts.append(f"by {view.sort} {'↓' if view.descending else '↑'}")
    if view.columns is not None:
        parts.append(f"{len(view.columns)} columns")
    return " · ".join(parts)

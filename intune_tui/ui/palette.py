"""The ctrl+p palette: areas, commands and whatever the current screen offers."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Any

from textual.command import DiscoveryHit, Hit, Hits, Provider

from intune_tui.intune.lifecycle import STALE_PRESETS
from intune_tui.ui.commands import COMMANDS, describe_view

PaletteEntry = tuple[str, str, Callable[[], Any]]


class ContextCommands(Provider):
    """Lists app commands plus `screen.palette_commands()` when the screen has them."""

    def _entries(self) -> list[PaletteEntry]:
        app: Any = self.app
        entries: list[PaletteEntry] = []
        screen_commands = getattr(self.screen, "palette_commands", None)
        if callable(screen_commands):
            entries.extend(screen_commands())
        for spec in COMMANDS:
            if spec.name == "tenant":
                for profile in getattr(app.settings, "profiles", {}):
                    entries.append((f"Switch tenant: {profile}", spec.help,
                                    partial(app.run_command, "tenant", (profile,))))
            elif spec.name == "stale":
                for days in STALE_PRESETS:
                    entries.append((f"Stale devices: not synced for {days} days", spec.help,
                                    partial(app.run_command, "stale", (str(days),))))
            elif spec.name == "save":
                for view in getattr(app.settings, "views", {}).values():
                    entries.append((f"View: {view.name}", describe_view(view),
                                    partial(app.run_command, "view", (view.name,))))
            elif spec.name == "export":
                for fmt in ("csv", "json"):
                    entries.append((f"Export view as {fmt.upper()}", spec.help,
                                    partial(app.run_command, "export", (fmt,))))
            else:
                entries.append((spec.help if spec.name != "q" else "Quit", spec.usage,
                                partial(app.run_command, spec.name)))
        return entries

    async def discover(self) -> Hits:
        for name, help_text, callback in self._entries():
            yield DiscoveryHit(name, callback, help=help_text)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for name, help_text, callback in self._entries():
            score = matcher.match(name)
            if score > 0:
                yield Hit(score, matcher.highlight(name), callback, help=help_text)

"""The `a` menu: the remote actions that apply to a device (or to marked devices, `A`).

Only actions whose platform matches are listed. An action the token may not run is listed
disabled with the reason; one the sign-in can still ask consent for says so and stays enabled.
Choosing an action only closes the menu: the confirmation of its tier comes next.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from intune_tui.intune.action_run import TIER_WORDS, Permission, TokenAccess
from intune_tui.intune.actions import ACTIONS, RemoteAction, Tier, platform_of
from intune_tui.intune.formatting import count_of
from intune_tui.text import clean

TIER_STYLES = {Tier.BENIGN: "", Tier.DESTRUCTIVE: "bold", Tier.IRREVERSIBLE: "bold reverse"}


class MenuEntry:
    """One line of the menu: an action, how many of the devices it applies to, and whether it
    may be chosen (with the sentence saying why not)."""

    def __init__(self, action: RemoteAction, applies: int, permission: Permission,
                 excluded: str | None = None) -> None:
        self.action = action
        self.applies = applies
        self.permission = permission
        self.excluded = excluded

    @property
    def enabled(self) -> bool:
        return self.permission.allowed and self.excluded is None

    @property
    def note(self) -> str:
        return self.excluded or self.permission.note


def menu_entries(devices: Sequence[Mapping[str, Any]], access: TokenAccess) -> list[MenuEntry]:
    """Catalog actions applying to at least one device, benign first (catalog order within)."""
    bulk = len(devices) > 1
    entries = []
    for action in sorted(ACTIONS.values(), key=lambda item: item.tier):
        applies = sum(1 for device in devices if action.applies_to(device))
        if not applies:
            continue
        excluded = action.bulk_excluded if bulk else None
        entries.append(MenuEntry(action, applies, access.permission(action), excluded))
    return entries


def entry_prompt(entry: MenuEntry, total: int) -> Text:
    action = entry.action
    style = TIER_STYLES[action.tier] if entry.enabled else "dim"
    text = Text(action.label.ljust(30), style=style)
    text.append(f" {TIER_WORDS[action.tier]:<12}", style="dim")
    if total > 1:
        text.append(f" {entry.applies} of {total}")
    if not entry.enabled:
        text.append("  not available", style="italic")
    elif entry.permission.note:
        text.append("  asks consent" if "consent" in entry.permission.note else "  unchecked",
                    style="italic")
    return text


def device_summary(devices: Sequence[Mapping[str, Any]]) -> Text:
    if len(devices) == 1:
        device = devices[0]
        parts = [clean(device.get("deviceName")) or "(no name)",
                 clean(device.get("operatingSystem")), clean(device.get("userPrincipalName"))]
        return Text(" · ".join(part for part in parts if part))
    platforms: dict[str, int] = {}
    for device in devices:
        name = platform_of(device).value
        platforms[name] = platforms.get(name, 0) + 1
    spread = ", ".join(f"{count} {name}" for name, count in sorted(platforms.items()))
    return Text(f"{count_of(len(devices), 'marked devices')} ({spread})")


class ActionsMenu(ModalScreen[RemoteAction | None]):
    """Pick a remote action for one device or for the marked devices."""

    DEFAULT_CSS = """
    ActionsMenu { align: center middle; }
    ActionsMenu > #actions-dialog {
        width: 74; max-width: 100%; height: auto; max-height: 100%;
        border: round $accent; background: $surface; padding: 0 1;
    }
    ActionsMenu #actions-title { text-style: bold; }
    ActionsMenu #actions-devices { color: $text-muted; }
    ActionsMenu OptionList, ActionsMenu OptionList:focus {
        height: auto; max-height: 16; border: none; padding: 0; margin: 1 0;
    }
    ActionsMenu #actions-about { height: auto; min-height: 2; }
    ActionsMenu #actions-keys { color: $text-muted; }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel", id="actions.cancel"),
    ]

    def __init__(self, devices: Sequence[Mapping[str, Any]], access: TokenAccess) -> None:
        super().__init__()
        self.devices = list(devices)
        self.entries = menu_entries(self.devices, access)
        self._chosen = False

    def compose(self) -> ComposeResult:
        bulk = len(self.devices) > 1
        with Vertical(id="actions-dialog"):
            yield Static(Text("Bulk remote action" if bulk else "Remote actions"),
                         id="actions-title")
            yield Static(device_summary(self.devices), id="actions-devices")
            # Not OptionList's `disabled`: a disabled option cannot be highlighted, and then its
            # reason could never be read. Enter on it does nothing instead.
            options = [Option(entry_prompt(entry, len(self.devices)), id=entry.action.key)
                       for entry in self.entries]
            yield OptionList(*options, id="actions-list")
            yield Static("", id="actions-about")
            yield Static(Text("Enter choose · Esc cancel · a confirmation follows"),
                         id="actions-keys")

    def on_mount(self) -> None:
        option_list = self.query_one(OptionList)
        option_list.focus()
        first = next((i for i, entry in enumerate(self.entries) if entry.enabled), None)
        if first is not None:
            option_list.highlighted = first
        self._describe(first if first is not None else 0)

    def on_option_list_option_highlighted(self, event: OptionList.OptionHighlighted) -> None:
        event.stop()
        self._describe(event.option_index)

    def _describe(self, index: int) -> None:
        about = self.query_one("#actions-about", Static)
        if not self.entries:
            about.update(Text("No remote action applies to this device's platform."))
            return
        entry = self.entries[index]
        text = Text(entry.action.consequence)
        if not entry.enabled:
            text.append("\nNot available: " + entry.note, style="italic")
        elif entry.note:
            text.append("\n" + entry.note, style="italic")
        about.update(text)

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        entry = self.entries[event.option_index]
        if self._chosen or not entry.enabled:
            return
        self._chosen = True
        self.dismiss(entry.action)

    def action_cancel(self) -> None:
        if not self._chosen:
            self._chosen = True
            self.dismiss(None)

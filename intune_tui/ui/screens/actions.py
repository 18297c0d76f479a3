"""The `a` menu: Microsoft's remote actions for the device's platform (or, `A`, for the
marked devices' platforms).

Every action the platform's tab of Microsoft's "Remote device actions" page lists is shown; one
that does not apply to this device (not supervised, personally owned, too old an OS, not sent
by this app), that bulk leaves out, or that the token may not run is shown disabled with the
reason. Actions of other platforms never appear. Choosing an action only closes the menu: the
confirmation of its tier comes next.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from intune_tui.intune.action_run import TIER_WORDS, Permission, TokenAccess
from intune_tui.intune.actions import (
    RemoteAction,
    Tier,
    menu_for,
    no_actions_reason,
    offered_on,
    platform_of,
)
from intune_tui.intune.models import ManagedDevice
from intune_tui.text import clean
from intune_tui.ui.screens.answer_once import AnswerOnceModal

TIER_STYLES = {Tier.BENIGN: "", Tier.DESTRUCTIVE: "bold", Tier.IRREVERSIBLE: "bold reverse"}


@dataclass(frozen=True)
class MenuLine:
    """One line of the menu: an action, its name here, how many of the devices it can be sent
    to, the token's permission, and why it cannot be chosen (None: it can)."""

    action: RemoteAction
    label: str
    applies: int
    permission: Permission
    reason: str | None = None

    @property
    def enabled(self) -> bool:
        return self.permission.allowed and self.reason is None

    @property
    def note(self) -> str:
        return self.reason or self.permission.note


def menu_lines(devices: Sequence[Mapping[str, Any]], access: TokenAccess) -> list[MenuLine]:
    """The menu for one device (its platform's whole list) or for marked devices (every action
    listed for at least one of their platforms), benign first, catalog order within a tier."""
    if len(devices) == 1:
        device = devices[0]
        return [MenuLine(entry.action, entry.label_for(device), int(entry.enabled),
                         access.permission(entry.action), entry.reason_disabled)
                for entry in menu_for(device)]
    platforms = {platform_of(device) for device in devices}
    actions = {action.key: action for platform in platforms for action in offered_on(platform)}
    lines = []
    for action in sorted(actions.values(), key=lambda item: item.tier):
        reasons = [action.why_not(device) for device in devices]
        applies = sum(1 for reason in reasons if reason is None)
        reason = action.bulk_excluded
        if reason is None and not applies:
            first = next(reason for reason in reasons if reason)
            reason = f"None of the marked devices can take it. {first}"
        lines.append(MenuLine(action, action.label, applies, access.permission(action), reason))
    return lines


def entry_prompt(entry: MenuLine, total: int, width: int = 30) -> Text:
    action = entry.action
    style = TIER_STYLES[action.tier] if entry.enabled else "dim"
    text = Text(entry.label.ljust(width), style=style)
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
        only = ManagedDevice.from_graph(devices[0])
        parts = [clean(only.name) or "(no name)", clean(only.operating_system),
                 clean(only.user_principal_name)]
        return Text(" · ".join(part for part in parts if part))
    platforms: dict[str, int] = {}
    for device in devices:
        name = platform_of(device).value
        platforms[name] = platforms.get(name, 0) + 1
    spread = ", ".join(f"{count} {name}" for name, count in sorted(platforms.items()))
    return Text(f"{len(devices)} marked devices ({spread})")


class ActionsMenu(AnswerOnceModal[RemoteAction | None]):
    """Pick a remote action for one device or for the marked devices."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel", id="actions.cancel"),
    ]

    def __init__(self, devices: Sequence[Mapping[str, Any]], access: TokenAccess) -> None:
        super().__init__()
        self.devices = list(devices)
        self.entries = menu_lines(self.devices, access)

    def compose(self) -> ComposeResult:
        bulk = len(self.devices) > 1
        with Vertical(id="actions-dialog"):
            yield Static(Text("Bulk remote action" if bulk else "Remote actions"),
                         id="actions-title")
            yield Static(device_summary(self.devices), id="actions-devices")
            # Not OptionList's `disabled`: a disabled option cannot be highlighted, and then its
            # reason could never be read. Enter on it does nothing instead.
            width = max((len(entry.label) for entry in self.entries), default=0)
            options = [Option(entry_prompt(entry, len(self.devices), width), id=entry.action.key)
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
            about.update(Text(no_actions_reason(self.devices[0]) if self.devices else ""))
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
        if entry.enabled:
            self.answer(entry.action)

    def action_cancel(self) -> None:
        self.answer(None)

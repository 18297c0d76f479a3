"""Why is this device non-compliant? One policy's settings on one device, failing first."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, ClassVar

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.screen import Screen
from textual.widgets import Footer, Header, Static

from intune_tui.intune.formatting import enum_word
from intune_tui.intune.models import ManagedDevice, PolicyState, SettingState
from intune_tui.text import clean

_FAILING = ("noncompliant", "error", "conflict")


def _state_order(setting: SettingState) -> int:
    state = (setting.state or "").lower()
    return _FAILING.index(state) if state in _FAILING else len(_FAILING)


def settings_table(setting_states: Sequence[SettingState]) -> Table:
    """Setting, state (in words, failing marked with text), error and current value."""
    table = Table(expand=True, show_edge=False, header_style="bold")
    table.add_column("Setting", ratio=3, overflow="fold")
    table.add_column("State", no_wrap=True)
    table.add_column("Error", ratio=2, overflow="fold")
    table.add_column("Current value", ratio=1, overflow="fold")
    for setting in sorted(setting_states, key=_state_order):
        state = setting.state or ""
        failing = state.lower() in _FAILING
        name = clean(setting.name) or "—"
        error = " ".join(filter(None, (clean(setting.error_description),
                                       _code(setting.error_code))))
        table.add_row(
            Text(name),
            Text(("✗ " if failing else "") + enum_word(state), style="bold" if failing else ""),
            Text(error or "—"),
            Text(clean(setting.current_value) or "—"),
        )
    return table


def _code(code: object) -> str:
    return f"(code {code})" if code not in (None, 0, "0", "") else ""


class SettingStatesScreen(Screen[None]):
    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "back", "Back", id="settings.back")]

    def __init__(self, device: dict[str, Any], policy_state: dict[str, Any], *,
                 title: str = "Why non-compliant") -> None:
        super().__init__()
        self.device = ManagedDevice.from_graph(device)
        self.policy_state = PolicyState.from_graph(policy_state)
        self.screen_title = title

    def compose(self) -> ComposeResult:
        device_name = clean(self.device.name) or "device"
        policy_name = clean(self.policy_state.name) or "policy"
        state = enum_word(self.policy_state.state)
        settings = self.policy_state.settings
        failing = sum(1 for s in settings if _state_order(s) < len(_FAILING))
        yield Header()
        yield Static(Text(f"{policy_name} on {device_name}: {state}, "
                          f"{failing} of {len(settings)} settings failing"),
                     classes="panel-title", id="setting-states-title")
        with VerticalScroll():
            if settings:
                yield Static(settings_table(settings), id="setting-states")
            else:
                yield Static(Text("Graph gave no per-setting states for this policy on this "
                                  "device. Its state is " + state + "."), id="setting-states")
        yield Footer()

    def on_mount(self) -> None:
        self.title = self.screen_title

    def action_back(self) -> None:
        self.app.pop_screen()

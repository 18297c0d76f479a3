"""Why is this settings-catalog profile failing on this device? Each setting's state, error
code and the value the profile sets, in the words of the setting's definition."""

from __future__ import annotations

from typing import Any, ClassVar

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.screen import Screen
from textual.widgets import Footer, Header, Static

from intune_tui.intune.settings_catalog import (
    CatalogPolicyState,
    CatalogSettings,
    catalog_setting_states,
)
from intune_tui.text import clean
from intune_tui.ui.typed_app import IntuneAppMixin


def catalog_settings_table(found: CatalogSettings) -> Table:
    """Setting, state (failing marked in text), error code, what the profile sets."""
    table = Table(expand=True, show_edge=False, header_style="bold")
    table.add_column("Setting", ratio=3, overflow="fold")
    table.add_column("State", no_wrap=True)
    table.add_column("Error", width=13, no_wrap=True)  # hex over decimal, each whole
    table.add_column("Profile sets", ratio=2, overflow="fold")
    for setting in found.settings:
        table.add_row(
            Text(setting.name),
            Text(("✗ " if setting.failing else "") + setting.state,
                 style="bold" if setting.failing else ""),
            Text(setting.error.replace(" (", "\n(") if setting.error else "—"),
            Text(setting.value or "—"),
        )
    return table


def summary(policy: CatalogPolicyState, device_name: str, found: CatalogSettings) -> Text:
    failing = sum(1 for setting in found.settings if setting.failing)
    text = Text(f"{policy.name} on {device_name}: {policy.state}, {failing} of "
                f"{len(found.settings)} settings failing")
    if policy.user:
        text.append(f" (for {policy.user})", style="dim")
    return text


class CatalogSettingsScreen(IntuneAppMixin, Screen[None]):
    """One settings-catalog profile's settings on one device, failing first."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "back", "Back", id="catalog_settings.back")]

    def __init__(self, device: dict[str, Any], policy: CatalogPolicyState) -> None:
        super().__init__()
        self.device = device
        self.policy = policy
        self.device_id = str(device.get("id", ""))
        self.device_name = clean(device.get("deviceName")) or "device"

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static(Text(f"{self.policy.name} on {self.device_name}: {self.policy.state}"),
                     classes="panel-title", id="catalog-settings-title")
        with VerticalScroll():
            yield Static(Text("Loading the settings…"), id="catalog-settings")
            yield Static("", id="catalog-settings-note", classes="panel-note")
        yield Footer()

    def on_mount(self) -> None:
        self.title = "Why is this profile failing"
        self.query_one("#catalog-settings-note").display = False
        policy, device_id = self.policy, self.device_id
        self.intune_app.run_call(
            f"catalog-settings:{device_id}:{policy.policy_id}",
            lambda service: catalog_setting_states(service.client, policy, device_id),
            on_done=self._show, on_error=self._failed)

    def _show(self, found: CatalogSettings) -> None:
        self.query_one("#catalog-settings-title", Static).update(
            summary(self.policy, self.device_name, found))
        view = self.query_one("#catalog-settings", Static)
        if found.settings:
            view.update(catalog_settings_table(found))
        else:
            view.update(Text("Intune reported no per-setting states for this profile on this "
                             f"device. Its state is {self.policy.state}."))
        if found.values_error:
            note = self.query_one("#catalog-settings-note", Static)
            note.update(Text("The profile's own values could not be read: "
                             f"{found.values_error}"))
            note.display = True

    def _failed(self, error: BaseException) -> None:
        self.query_one("#catalog-settings", Static).update(
            Text(f"Could not read this profile's settings on the device: {clean(str(error))}"))

    def action_back(self) -> None:
        self.app.pop_screen()

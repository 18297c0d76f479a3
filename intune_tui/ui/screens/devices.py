"""The devices list: the screen helpdesk staff live in."""

from __future__ import annotations

from typing import ClassVar

from textual.binding import Binding, BindingType

from intune_tui.intune.resources import Row
from intune_tui.ui.screens.resource_list import ListView, ResourceListScreen


class DevicesScreen(ResourceListScreen):
    AREA = "devices"
    VIEWS = (ListView("devices", "Devices", "devices"),)
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("w", "why_noncompliant", "Why non-compliant", show=False, id="devices.why"),
    ]

    def open_row(self, row: Row) -> None:
        from intune_tui.ui.screens.device_detail import DeviceDetailScreen

        self.app.push_screen(DeviceDetailScreen(row.item))

    def action_why_noncompliant(self) -> None:
        """Open the device on its compliance tab, cursor on the failing policy."""
        from intune_tui.ui.screens.device_detail import DeviceDetailScreen

        row = self.table.cursor_row
        if row is None:
            return
        screen = DeviceDetailScreen(row.item, start_tab="compliance")
        self.app.push_screen(screen)

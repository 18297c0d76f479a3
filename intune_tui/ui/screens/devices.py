"""The devices list: the screen helpdesk staff live in."""

from __future__ import annotations

from typing import Any, ClassVar

from textual.binding import Binding, BindingType

from intune_tui.intune.resources import Row
from intune_tui.ui.screens.resource_list import ListView, ResourceListScreen


class DevicesScreen(ResourceListScreen):
    AREA = "devices"
    VIEWS = (ListView("devices", "Devices"),)
    WARM_START = True
    FOOTER_KEYS: ClassVar[tuple[str, ...]] = (
        "table.activate", "devices.actions", "devices.why", "devices.bulk_actions", "table.mark",
        "list.search", "app.help", "app.quit", "table.sort", "list.refresh", "list.export")
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("w", "why_noncompliant", "Why non-compliant", show=False, id="devices.why"),
        Binding("a", "actions", "Actions", show=False, id="devices.actions",
                tooltip="Remote actions for the device under the cursor"),
        Binding("A", "bulk_actions", "Bulk actions", show=False, id="devices.bulk_actions",
                tooltip="One remote action on every marked device"),
    ]

    def palette_commands(self) -> list[tuple[str, str, Any]]:
        return [
            *super().palette_commands(),
            ("Remote actions for the device under the cursor", "a", self.action_actions),
            ("Bulk action on the marked devices", "A", self.action_bulk_actions),
            ("Why is this device non-compliant?", "w", self.action_why_noncompliant),
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

    def action_actions(self) -> None:
        """The remote actions menu for the device under the cursor."""
        from intune_tui.ui.action_flow import action_flow

        row = self.table.cursor_row
        if row is None:
            return
        # A snapshot's row may be hours old: the flow reads the device live before its menu.
        action_flow(self.intune_app).open_menu(row.item, read_live=self.showing_snapshot)

    def action_bulk_actions(self) -> None:
        """One remote action on every marked device: preview, confirm, progress, results."""
        from intune_tui.ui.action_flow import action_flow

        if self.showing_snapshot:
            self.notify("The list still shows the snapshot; bulk actions wait for the live list "
                        "(loading).", title="Remote actions", severity="warning", markup=False)
            return
        action_flow(self.intune_app).open_bulk_menu([row.item for row in self.table.marked_rows])

"""The shared base of the app and policy detail screens: tabs that load on their own, the filter
box, export, reloading, and opening a device from a status row.

Its own module so that the two screens built on it do not import each other.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any, ClassVar

from rich.text import Text
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.screen import Screen
from textual.widgets import Input, TabbedContent, TabPane

from intune_tui.intune.models import DeviceStatus, ManagedDevice
from intune_tui.intune.resources import Resource, Row
from intune_tui.text import clean
from intune_tui.ui.widgets.detail import RowsPane
from intune_tui.ui.widgets.line_input import LineInput

if TYPE_CHECKING:
    from datetime import datetime

    from intune_tui.intune.service import IntuneService
    from intune_tui.ui.app import IntuneApp


def with_group_names_in(call: Callable[[IntuneService], Awaitable[list[Row]]],
                        resource: Resource, now: datetime,
                        ) -> Callable[[IntuneService], Awaitable[list[Row]]]:
    from intune_tui.intune.directory import with_group_names

    async def named(service: IntuneService) -> list[Row]:
        return await with_group_names(service, resource, await call(service), now)

    return named


def rows_as_call(rows: list[Row]) -> Callable[[IntuneService], Awaitable[list[Row]]]:
    async def same(_service: IntuneService) -> list[Row]:
        return rows

    return same


class DetailScreen(Screen[None]):
    """Tabs of one item. Subclasses compose the tabs and start their jobs in `load`."""

    # The device screen's tab a status row opens on (an app's install status: its Apps tab).
    device_tab: ClassVar[str | None] = None

    AUTO_FOCUS = None  # the hidden filter box must not take the keys; `focus_tab` decides
    DEFAULT_CSS = """
    DetailScreen .detail-summary { height: auto; padding: 0 1; text-style: bold;
                                   background: $boost; }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "back", "Back", id="detail.back"),
        Binding("r", "reload", "Refresh", id="detail.refresh"),
        Binding("slash", "search", "Filter", id="detail.search",
                tooltip="Filter the list in this tab"),
        Binding("e", "export", "Export", id="detail.export",
                tooltip="Export the list in this tab as CSV"),
        Binding("right_square_bracket", "next_tab", "Next tab", show=False,
                id="detail.next_tab"),
        Binding("left_square_bracket", "previous_tab", "Previous tab", show=False,
                id="detail.previous_tab"),
        Binding("y", "copy_id", "Copy id", show=False, id="detail.copy_id"),
    ]

    def __init__(self, item: dict[str, Any], *, job_prefix: str) -> None:
        super().__init__()
        self.item = item
        self.item_id = str(item.get("id", ""))
        self.job_prefix = job_prefix
        self._other_tenant = False

    def on_mount(self) -> None:
        self.intune_app.session_changed.subscribe(self, self._on_session_changed)

    def _on_session_changed(self, session: Any) -> None:
        """Another tenant: this item belongs to the old one, so the screen closes."""
        self._other_tenant = True
        if self.is_current:
            self.app.pop_screen()

    def on_screen_resume(self) -> None:
        if self._other_tenant:
            self.app.pop_screen()

    def palette_commands(self) -> list[tuple[str, str, Any]]:
        return [
            ("Filter the list in this tab", "/", self.action_search),
            ("Export the list in this tab as CSV", "e", self.action_export),
            ("Next tab", "]", self.action_next_tab),
            ("Refresh this item", "r", self.action_reload),
        ]

    @property
    def intune_app(self) -> IntuneApp:
        return self.app  # type: ignore[return-value]  # Textual types Screen.app as App[Any]

    def search_input(self) -> Input:
        return LineInput(placeholder="Filter this tab's list: words it must contain", id="search")

    # -- jobs ----------------------------------------------------------------------------------

    def load(self) -> None:
        """Start every tab's job."""

    def job(self, part: str, call: Callable[[IntuneService], Awaitable[Any]],
            on_done: Callable[[Any], None], on_error: Callable[[BaseException], None]) -> None:
        self.intune_app.job(f"{self.job_prefix}:{self.item_id}:{part}", call, on_done=on_done,
                            on_error=on_error)

    def load_rows(self, part: str, pane_id: str,
                  call: Callable[[IntuneService], Awaitable[list[Row]]], empty: str) -> None:
        pane = self.query_one(f"#{pane_id}", RowsPane)
        if part == "assignments":  # target groups by name (intune/directory.py), same job
            call = with_group_names_in(call, pane.resource, self.intune_app.now())
        self.job(part, call, lambda rows: pane.show_rows(rows, empty=empty), pane.show_error)

    # -- tabs ----------------------------------------------------------------------------------

    @property
    def tabs(self) -> TabbedContent:
        return self.query_one(TabbedContent)

    def tab_ids(self) -> list[str]:
        return [str(pane.id) for pane in self.tabs.query(TabPane)
                if pane.parent is not None and pane.id]

    def active_pane(self) -> RowsPane | None:
        active = self.tabs.active
        if not active:
            return None
        panes = self.tabs.get_pane(active).query(RowsPane)
        return panes.first() if panes else None

    def action_next_tab(self) -> None:
        self._move_tab(1)

    def action_previous_tab(self) -> None:
        self._move_tab(-1)

    def _move_tab(self, step: int) -> None:
        ids = self.tab_ids()
        if not ids:
            return
        current = ids.index(self.tabs.active) if self.tabs.active in ids else 0
        self.tabs.active = ids[(current + step) % len(ids)]
        self.focus_tab()

    def focus_tab(self) -> None:
        """Give the keys to the active tab: its list, or its scrolling text."""
        pane = self.active_pane()
        if pane is not None:
            pane.table.focus()
            return
        active = self.tabs.active
        if active:
            scrolls = self.tabs.get_pane(active).query(VerticalScroll)
            if scrolls:
                scrolls.first().focus()

    def on_tabbed_content_tab_activated(self, event: TabbedContent.TabActivated) -> None:
        self._close_search()

    # -- filter --------------------------------------------------------------------------------

    def action_search(self) -> None:
        if self.active_pane() is None:
            self.notify("This tab has no list to filter.", severity="warning")
            return
        search = self.query_one("#search", Input)
        search.add_class("-visible")
        search.focus()

    def on_input_changed(self, event: Input.Changed) -> None:
        if event.input.id != "search":
            return
        event.stop()
        pane = self.active_pane()
        if pane is not None:
            pane.table.set_filter(_cells_contain(event.value))

    def on_input_submitted(self, event: Input.Submitted) -> None:
        if event.input.id != "search":
            return
        event.stop()
        pane = self.active_pane()
        if pane is not None:
            pane.table.focus()

    def _close_search(self) -> bool:
        """Hide the filter box and show every row again; False when it was not open."""
        search = self.query_one("#search", Input)
        if not search.has_class("-visible") and not search.value:
            return False
        search.value = ""
        search.remove_class("-visible")
        for pane in self.query(RowsPane):
            pane.table.set_filter(None)
        return True

    # -- keys ----------------------------------------------------------------------------------

    def action_back(self) -> None:
        if self._close_search():
            pane = self.active_pane()
            if pane is not None:
                pane.table.focus()
            return
        self.app.pop_screen()

    def action_reload(self) -> None:
        self.load()

    def action_copy_id(self) -> None:
        self.app.copy_to_clipboard(self.item_id)
        self.notify(f"Copied id {self.item_id}", markup=False)

    def action_export(self) -> None:
        self.export_view("csv")

    def export_view(self, fmt: str) -> None:
        """Write the active tab's list, as filtered and sorted, to a file."""
        from intune_tui.export import default_export_path, export_table, write_export

        pane = self.active_pane()
        if pane is None:
            self.notify("This tab has no list to export.", severity="warning")
            return
        path = default_export_path(self.intune_app.settings.data_dir,
                                   pane.resource.key.replace(".", "-"), fmt)
        columns, records = export_table(pane.resource, pane.table.visible_rows)
        try:
            count = write_export(path, fmt, columns, records)
        except OSError as error:
            self.notify(f"Export failed: {error.strerror or error}", severity="error",
                        markup=False)
            return
        self.notify(f"Exported {count:,} rows to {path}", title="Export", markup=False,
                    timeout=8)

    # -- devices named in status rows ----------------------------------------------------------

    def open_device(self, status: dict[str, Any]) -> None:
        """Open the device a status row is about: by its id when the row carries one,
        otherwise by its name (preferring the device of the row's user)."""
        report = DeviceStatus.from_graph(status)
        device_id = report.device_id
        if device_id:
            self.job("device", lambda service: service.get_device(device_id),
                     lambda device: self._push_device(device.raw), self._device_failed)
            return
        name = report.device_name
        if not name:
            self.notify("This row names no device.", severity="warning")
            return
        user = (report.user_principal_name or "").lower()
        self.job("device", lambda service: service.devices_named(name),
                 lambda rows: self._pick_device(name, user, rows), self._device_failed)

    def _pick_device(self, name: str, user: str, rows: list[Row]) -> None:
        if not rows:
            self.notify(f"No device named {clean(name)} in Intune any more.",
                        severity="warning", markup=False)
            return
        mine = [row for row in rows if user and (ManagedDevice.from_graph(
            row.item).user_principal_name or "").lower() == user]
        chosen = (mine or rows)[0]
        if len(rows) > 1 and not mine:
            self.notify(f"{len(rows)} devices are named {clean(name)}; showing the first.",
                        markup=False)
        self._push_device(chosen.item)

    def _push_device(self, device: dict[str, Any]) -> None:
        from intune_tui.ui.screens.device_detail import DeviceDetailScreen

        self.app.push_screen(DeviceDetailScreen(device, start_tab=self.device_tab))

    def _device_failed(self, error: BaseException) -> None:
        self.notify(f"Could not open the device: {error}", severity="error", markup=False)


def _cells_contain(text: str) -> Callable[[Any], bool] | None:
    words = [word.casefold() for word in text.split() if word]
    if not words:
        return None

    def matches(row: Any) -> bool:
        shown = "\t".join(row.cells).casefold()
        return all(word in shown for word in words)

    return matches


def problem_text(what: str, error: BaseException) -> Text:
    text = Text(f"Could not load {what}: {error}")
    support = getattr(error, "support_line", None)
    if callable(support) and support():
        text.append(f"\n{support()}", style="dim")
    return text


# ---------------------------------------------------------------------------------------------
# What a policy detail shows



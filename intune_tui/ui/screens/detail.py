"""The base of every detail screen (device, app, policy, role): one item in tabs that load on
their own through the worker, the filter box and export of a tab's list, moving between tabs,
reloading, copying the id, closing when the tenant changes, and opening a device from a status
row.

Its own module so that the screens built on it do not import each other.
"""

from __future__ import annotations

import contextlib
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any, ClassVar

from rich.text import Text
from textual import events, on
from textual._context import NoActiveAppError
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.css.query import NoMatches
from textual.screen import Screen
from textual.widgets import Input, Static, TabbedContent, TabPane

from intune_tui.intune.models import DeviceStatus, ManagedDevice
from intune_tui.intune.resources import Resource, Row
from intune_tui.text import clean
from intune_tui.ui import collector
from intune_tui.ui.typed_app import IntuneAppMixin
from intune_tui.ui.widgets.detail import DetailHeader, RowsPane
from intune_tui.ui.widgets.search_box import SearchBox

if TYPE_CHECKING:
    from datetime import datetime

    from intune_tui.intune.service import IntuneService


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


class DetailScreen(IntuneAppMixin, Screen[None]):
    """Tabs of one item. Subclasses compose the tabs (under `compose_top()` where a tab has a
    list) and start their jobs in `load`."""

    # The device screen's tab a status row opens on (an app's install status: its Apps tab).
    device_tab: ClassVar[str | None] = None
    # What the id `y` copies is of, in its notification ("Copied role id …").
    id_noun: ClassVar[str] = ""

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
        """`job_prefix`: the first part of this screen's job keys ("device", "app", …)."""
        super().__init__()
        self.item = item
        self.item_id = str(item.get("id", ""))
        self.job_prefix = job_prefix
        self._other_tenant = False
        self._resumed = False  # the first ScreenResume (the push) has come
        self._release_collector: Callable[[], None] = _nothing
        # The width class (-narrow/-wide) that the screen's first resize would set, set now:
        # set then, it re-styles every widget of the screen once more before the first paint.
        with contextlib.suppress(NoActiveAppError):
            self.add_class(*self._width_classes())
            # Built in a running app (at Enter): no cyclic collection until the first frame.
            self._release_collector = collector.hold()

    def _width_classes(self) -> list[str]:
        """The class of the widest horizontal breakpoint the terminal reaches (as Textual
        picks it on resize)."""
        breakpoints = (self.HORIZONTAL_BREAKPOINTS if self.HORIZONTAL_BREAKPOINTS is not None
                       else self.app.HORIZONTAL_BREAKPOINTS) or []
        width = self.app.size.width
        reached = [(at, name) for at, name in breakpoints if width >= at]
        return [max(reached)[1]] if reached else []

    def on_mount(self) -> None:
        self.call_after_refresh(self._release_collector)
        self.intune_app.session_changed.subscribe(self, self._on_session_changed)
        for problem in self.query("#overview-problem"):
            problem.display = False

    def _on_session_changed(self, session: Any) -> None:
        """Another tenant: this item belongs to the old one, so the screen closes."""
        self._other_tenant = True
        if self.is_current:
            self.app.pop_screen()

    def on_resize(self, event: events.Resize) -> None:
        """The Resize Textual sends the screen after its first layout is at the size that
        layout was just done for: laying the whole screen (and the one below) out again at once
        would place everything where it is (what the widgets ask for since is laid out in the
        next frame as usual). A real resize comes at another size and goes on to Textual."""
        if self._compositor.size and event.size == self._compositor.size:
            event.prevent_default()
            event.stop()

    def on_screen_resume(self, event: events.ScreenResume) -> None:
        if not self._resumed:
            # The push's resume: every widget was styled as it mounted, moments ago; Textual
            # would apply the whole stylesheet to the screen's tree again before the first
            # frame (handlers of a subclass run before Screen's, which reads this flag).
            self._resumed = True
            event.refresh_styles = False
        if self._other_tenant:
            self.app.pop_screen()

    def has_lists(self) -> bool:
        """Whether a tab holds a list (to filter and export)."""
        return bool(self.query(RowsPane))

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """`/` and `e` exist only on a screen whose tabs hold lists."""
        if action in ("search", "export"):
            return self.has_lists()
        return True

    def palette_commands(self) -> list[tuple[str, str, Any]]:
        lists = [("Filter the list in this tab", "/", self.action_search),
                 ("Export the list in this tab as CSV", "e", self.action_export)]
        return [
            *(lists if self.has_lists() else []),
            ("Next tab", "]", self.action_next_tab),
            ("Refresh this item", "r", self.action_reload),
        ]

    def compose_top(self, title: Text) -> ComposeResult:
        """The header and the item's title line; the filter box goes under them on the first
        `/` (`action_search`): hidden until then, it only slowed the first frame."""
        yield DetailHeader()
        yield Static(title, id="detail-title", classes="panel-title")

    def overview_problem(self) -> Static:
        """Where the Overview says that the item's details could not be read (hidden until
        `show_overview_problem`)."""
        return Static("", id="overview-problem", classes="error-panel")

    def show_title(self, title: Text) -> None:
        """The item's title line again, from its details as Graph gave them."""
        self.query_one("#overview-problem").display = False
        # One line high (.panel-title) whatever it says: a repaint, not a layout.
        self.query_one("#detail-title", Static).update(title, layout=False)

    def show_overview_problem(self, what: str, error: BaseException) -> None:
        problem = self.query_one("#overview-problem", Static)
        problem.update(problem_text(what, error) + Text("\nWhat the list showed is below."))
        problem.display = True

    # -- jobs ----------------------------------------------------------------------------------

    def show_then_load(self, show_row: Callable[[], None]) -> None:
        """At mount: show what the list's row already holds, give the keys to the active tab,
        then read the item and its lists."""
        show_row()
        self.focus_tab()
        self.load()

    def load(self) -> None:
        """Start every tab's job."""

    def load_part(self, part: str, call: Callable[[IntuneService], Awaitable[Any]],
                  on_done: Callable[[Any], None],
                  on_error: Callable[[BaseException], None]) -> None:
        self.intune_app.run_call(f"{self.job_prefix}:{self.item_id}:{part}", call, on_done=on_done,
                                 on_error=on_error)

    def load_rows(self, part: str, pane_id: str,
                  call: Callable[[IntuneService], Awaitable[list[Row]]], empty: str) -> None:
        pane = self.query_one(f"#{pane_id}", RowsPane)
        if part == "assignments":  # target groups by name (intune/directory.py), same job
            call = with_group_names_in(call, pane.resource, self.intune_app.now())
        self.load_part(part, call, lambda rows: pane.show_rows(rows, empty=empty), pane.show_error)

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
        try:
            panes = self.tabs.get_pane(active).query(RowsPane)
        except NoMatches:  # a pane not mounted yet (the device screen mounts them late)
            return None
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

    async def action_search(self) -> None:
        if self.active_pane() is None:
            self.notify("This tab has no list to filter.", severity="warning")
            return
        search = next(self.query("#search").results(SearchBox), None)
        if search is None:
            search = SearchBox(placeholder="Filter this tab's list: words it must contain")
            await self.mount(search, after="#detail-title")
        search.open()

    @on(Input.Changed, "#search")
    def _filter_changed(self, event: Input.Changed) -> None:
        event.stop()
        pane = self.active_pane()
        if pane is not None:
            pane.table.set_filter(_cells_contain(event.value))

    @on(Input.Submitted, "#search")
    def _filter_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        pane = self.active_pane()
        if pane is not None:
            pane.table.focus()

    def _close_search(self) -> bool:
        """Hide the filter box and show every row again; False when it was not open (or the
        screen has none: no tab holds a list)."""
        searches = self.query("#search").results(SearchBox)
        search = next(searches, None)
        if search is None or not search.is_open:
            return False
        search.close()
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
        group = self._group_under_cursor()
        if group is not None:  # an assignment shows its group by name: `y` gives its id
            group_id, name = group
            self.app.copy_to_clipboard(group_id)
            self.notify(f"Copied the group id of {name}: {group_id}", markup=False)
            return
        self.app.copy_to_clipboard(self.item_id)
        noun = f"{self.id_noun} id" if self.id_noun else "id"
        self.notify(f"Copied {noun} {self.item_id}", markup=False)

    def _group_under_cursor(self) -> tuple[str, str] | None:
        """(group id, name) of the assignment under the cursor on an Assignments tab."""
        pane = self.active_pane()
        if pane is None or not pane.resource.key.endswith("assignments"):
            return None
        row = pane.table.cursor_row
        target = row.item.get("target") if row is not None else None
        if not isinstance(target, dict) or not target.get("groupId"):
            return None
        group_id = clean(str(target["groupId"]))
        return group_id, clean(target.get("groupDisplayName")) or "this assignment"

    def action_export(self) -> None:
        self.export_view("csv")

    def export_view(self, fmt: str) -> None:
        """Write the active tab's list, as filtered and sorted, to a file."""
        from intune_tui.ui.screens.resource_list import export_rows

        pane = self.active_pane()
        if pane is None:
            self.notify("This tab has no list to export.", severity="warning")
            return
        export_rows(self.intune_app, pane.resource, pane.table.visible_rows,
                    pane.resource.key.replace(".", "-"), fmt)

    # -- devices named in status rows ----------------------------------------------------------

    def open_device(self, status: dict[str, Any]) -> None:
        """Open the device a status row is about: by its id when the row carries one,
        otherwise by its name (preferring the device of the row's user)."""
        report = DeviceStatus.from_graph(status)
        device_id = report.device_id
        if device_id:
            self.load_part("device", lambda service: service.get_device(device_id),
                           lambda device: self._push_device(device.raw),
                           self._open_device_failed)
            return
        name = report.device_name
        if not name:
            self.notify("This row names no device.", severity="warning")
            return
        user = (report.user_principal_name or "").lower()
        self.load_part("device", lambda service: service.devices_named(name),
                       lambda rows: self._pick_device(name, user, rows), self._open_device_failed)

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
        # Through the app: the device screen is built on this one and may not be imported here.
        self.intune_app.open_device(device, start_tab=self.device_tab)

    def _open_device_failed(self, error: BaseException) -> None:
        self.notify(f"Could not open the device: {error}", severity="error", markup=False)


def _nothing() -> None:
    pass


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



"""A screen that lists one catalog resource (or several, as sub-views): the shape of every area.

It streams pages through the app's worker into the virtual table, filters with `/` (locally at
once, on Graph where Graph can), refreshes in place, exports what is shown, and turns errors into
a sentence in the status bar instead of an empty list.
"""

from __future__ import annotations

import gc
import logging
import time
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any, BinaryIO, ClassVar, cast

from rich.text import Text
from textual import events, on
from textual.app import App, ComposeResult
from textual.binding import Binding, BindingType
from textual.geometry import Size
from textual.screen import Screen
from textual.timer import Timer
from textual.widget import Widget
from textual.widgets import Header, Input, Static

from intune_tui.config import ConfigError, View, save_list_columns
from intune_tui.graph.errors import GraphError, GraphForbidden
from intune_tui.intune.resources import RESOURCES, Resource, Row
from intune_tui.list_columns import ListColumns, choice_of, column_ids, resolve
from intune_tui.table import store
from intune_tui.table.columns import encode_page, engine_ready
from intune_tui.ui.typed_app import IntuneAppMixin
from intune_tui.ui.warm import RowsBehind
from intune_tui.ui.widgets.resource_table import ResourceTable, TableColumn
from intune_tui.ui.widgets.search_box import SearchBox, with_the_letter_typed
from intune_tui.ui.widgets.status_bar import ListStatus, StatusBar

if TYPE_CHECKING:
    from collections.abc import AsyncIterator, Awaitable, Callable, Sequence

    from textual.widgets import Tabs

    from intune_tui.intune.search import RowFilter, SearchQuery
    from intune_tui.intune.service import IntuneService, RowPage
    from intune_tui.table.store import RowStore
    from intune_tui.ui.app import IntuneApp
    from intune_tui.ui.screens.columns import ColumnChoice
    from intune_tui.warm_start import WarmRows
    from intune_tui.worker import StreamFinished

log = logging.getLogger(__name__)

# Lists at least this long (a full page of devices) are kept out of the garbage collector's
# full collections, and with them everything the app built before (Textual, imports).
FREEZE_ABOVE_ROWS = 1_000
# The snapshot of a loaded list is written once the user stops typing, or after this long.
SNAPSHOT_WAITS_AT_MOST = 30.0


@dataclass(frozen=True)
class ListView:
    """One sub-view of a list screen: a catalog resource, its tab label, and what its rows are
    called ("policies"; by default the label in lower case: "Apps" lists apps)."""

    resource: str
    label: str
    noun: str = ""

    def __post_init__(self) -> None:
        if not self.noun:
            object.__setattr__(self, "noun", self.label.lower())



def copy_cell(app: App[Any], table: ResourceTable[Any]) -> None:
    """Copy the cell under the cursor through OSC 52 (works over SSH) and say what was copied."""
    cell = table.cursor_cell
    if cell is None or not cell[1].strip() or cell[1].strip() == "—":
        app.notify("Nothing to copy here", severity="warning", markup=False)
        return
    title, value = cell
    app.copy_to_clipboard(value)
    app.notify(f"Copied {title}: {value}", markup=False)


def export_rows(app: IntuneApp, resource: Resource, rows: Sequence[Row], name: str, fmt: str,
                noun: str = "rows", *, shown: Sequence[int] | None = None) -> None:
    """Write `rows` (what a table shows, as filtered and sorted; `shown`: its columns, in
    order) to a file named after `name` in the data directory, and say where (or why not)."""
    from intune_tui.export import default_export_path, export_table, write_export

    path = default_export_path(app.settings.data_dir, name, fmt)
    columns, records = export_table(resource, rows, shown)
    try:
        count = write_export(path, fmt, columns, records)
    except OSError as error:
        app.notify(f"Export failed: {error.strerror or error}", severity="error", markup=False)
        return
    app.notify(f"Exported {count:,} {noun} to {path}", title="Export", markup=False, timeout=8)


def _one(noun: str) -> str:
    """'policies' -> 'policy', 'devices' -> 'device'."""
    return noun[:-3] + "y" if noun.endswith("ies") else noun.removesuffix("s")


async def with_columns(pages: AsyncIterator[RowPage], column_count: int
                       ) -> AsyncIterator[RowPage]:
    """`pages`, with the rows of a long list also as table columns, built where the pages are
    read (the Graph worker), so the UI thread only appends them (issue 21). Short lists stay
    Python rows (`table.store.RowStore`), and nothing waits for the engine's import. The first
    page built as columns also carries the rows before it as columns (`ColumnPage.earlier`):
    the table moves those to columns then, and building them on the UI thread took ~0.3 s.
    Pages that come as columns only (`IntuneService.list_pages(as_columns=True)`, built from
    Graph's answers) pass as they are, the first of them with the rows before it."""
    seen = 0
    before: list[Row] | None = []  # rows streamed as Python rows only, until the first columns
    try:
        async for page in pages:
            seen += page.size
            if page.columns is not None:
                if before:
                    page.columns.earlier = encode_page(before, column_count)
                before = None
            elif page.rows and seen >= store.COLUMNS_FROM and engine_ready():
                columns = encode_page(page.rows, column_count)
                if before:
                    columns.earlier = encode_page(before, column_count)
                before = None
                page = replace(page, columns=columns)
            elif before is not None:
                before.extend(page.rows)
            yield page
    finally:
        close = getattr(pages, "aclose", None)
        if close is not None:
            await close()


def table_columns(resource: Resource) -> list[TableColumn]:
    """The catalog's columns as table columns; the first (the name) takes spare width."""
    return [
        TableColumn(column.key, column.title, column.width, min_width=column.min_width,
                    flex=index == 0)
        for index, column in enumerate(resource.columns)
    ]


class ResourceListScreen(IntuneAppMixin, Screen[None]):
    """Base of every list area. Subclasses set VIEWS and react to `open_row`."""

    VIEWS: ClassVar[tuple[ListView, ...]] = ()
    AREA: ClassVar[str] = ""
    # The first view's last full load is kept in an encrypted snapshot and shown at the next
    # start while the live list loads behind it (`ui/warm.py`).
    WARM_START: ClassVar[bool] = False
    # The key bar, most important first (KeyFooter shows as many as fit; `?` lists them all).
    FOOTER_KEYS: ClassVar[tuple[str, ...]] = (
        "table.activate", "table.mark", "list.search", "app.help", "app.quit", "table.sort",
        "list.refresh", "list.export")

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("slash", "search", "Search", id="list.search"),
        Binding("r", "refresh", "Refresh", id="list.refresh"),
        Binding("e", "export", "Export", id="list.export"),
        Binding("y", "copy_field", "Copy field", show=False, id="list.copy_id",
                tooltip="Copy the cell under the cursor (← → choose the column), over SSH too"),
        Binding("o", "admin_center", "Admin center", show=False, id="list.admin_center",
                tooltip="Copy (and show) the admin center link of the row under the cursor"),
        Binding("escape", "clear_search", "Clear search", show=False, id="list.clear_search"),
        Binding("p", "show_access", "My access", show=False, id="list.access",
                tooltip="Which scopes and Intune permissions you hold (also :access)"),
        Binding("right_square_bracket", "next_view", "Next list", show=False,
                id="list.next_view"),
        Binding("left_square_bracket", "previous_view", "Previous list", show=False,
                id="list.previous_view"),
        Binding("c", "choose_columns", "Columns", show=False, id="list.columns",
                tooltip="Show, hide, reorder and size this list's columns (kept in the config)"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self._add_width_class()
        self._view_index = 0
        self._resized_to: Size | None = None  # the size of the last Resize handled (_on_resize)
        self._status = ListStatus(noun=self.VIEWS[0].noun)
        self._query: SearchQuery | None = None
        self._server_filter: str | None = None
        self._complete = False
        # While the table keeps showing other rows (a refresh in place, or the snapshot), the
        # load under way fills a store of its own on a worker thread, which replaces them when
        # complete (`ResourceTable.adopt_rows`): no Python list of a million rows.
        self._behind: RowsBehind | None = None
        # The live pages shown so far while the snapshot is still being read (normally none:
        # it is read from the start): they go behind it if it comes. None once it is settled.
        self._live_shown: list[RowPage] | None = None
        self._search_timer: Timer | None = None
        self._warm: WarmRows | None = None  # the snapshot the table shows, until the live list
        self._load_number = 0
        self._frozen_load = 0  # the load that froze the objects alive (gc.freeze), if any

    # -- composition ---------------------------------------------------------------------------

    @property
    def view(self) -> ListView:
        return self.VIEWS[self._view_index]

    @property
    def resource(self) -> Resource:
        return RESOURCES[self.view.resource]

    @property
    def stream_key(self) -> str:
        return self._stream_key(self.view)

    @classmethod
    def _stream_key(cls, view: ListView) -> str:
        return f"{cls.AREA}:{view.resource}"

    @classmethod
    def pages(cls, view: ListView, server_filter: str | None, *,
              full_page_after: Callable[[], Awaitable[None]] | None = None,
              pace: Callable[[], object] | None = None,
              ) -> Callable[[IntuneService], AsyncIterator[RowPage]]:
        """Where a view's rows come from: its catalog resource from Graph, filtered on Graph by
        `server_filter`. A screen whose view is built otherwise (Health's Attention) says so.
        `full_page_after`, `pace`: as `IntuneService.list_pages` takes them."""
        resource_key = view.resource
        column_count = len(RESOURCES[resource_key].columns)
        return lambda service: with_columns(
            service.list_pages(resource_key, server_filter=server_filter, as_columns=True,
                               full_page_after=full_page_after, pace=pace),
            column_count)

    @classmethod
    def first_list(cls, *, full_page_after: Callable[[], Awaitable[None]] | None = None,
                   pace: Callable[[], object] | None = None,
                   ) -> tuple[str, Callable[[IntuneService], AsyncIterator[RowPage]]]:
        """The stream key and the pages of this screen's first load (first view, no search):
        the app asks for them at start-up, before the screen exists (`full_page_after`: the
        app's first frame, ui/startup.py; `pace`: the app's `typing`)."""
        view = cls.VIEWS[0]
        return cls._stream_key(view), cls.pages(view, None, full_page_after=full_page_after,
                                                pace=pace)

    def compose(self) -> ComposeResult:
        yield Header()
        if len(self.VIEWS) > 1:
            # Imported here: the first screen (devices) has one view (ui/startup.py).
            from textual.widgets import Tab, Tabs

            yield Tabs(*(Tab(view.label, id=f"view-{index}")
                         for index, view in enumerate(self.VIEWS)), id="views")
        yield SearchBox(placeholder="Search: words, os:ios compliance:noncompliant synced<7d …")
        yield Static("", id="list-problem", classes="error-panel")
        yield self._new_table()
        yield StatusBar()
        # No Footer yet: `_show_footer` mounts it once the first rows are painted.

    def _new_table(self) -> ResourceTable[Row]:
        chosen = resolve(self.resource, self.intune_app.settings.columns.get(self.view.resource))
        table: ResourceTable[Row] = ResourceTable(
            table_columns(self.resource), shown=chosen.shown, widths=chosen.widths, id="list",
            quiet=self.intune_app.typing)
        table.empty_text = "Loading…"
        return table

    async def mount_composed_widgets(self, widgets: list[Widget]) -> None:
        await super().mount_composed_widgets(widgets)
        # Load as soon as the widgets exist, before the screen's Mount: Textual paints the first
        # frame in between, and the first list's pages that came meanwhile are then in it.
        self.load()

    def _add_width_class(self) -> None:
        """The width class (-narrow, -wide: `IntuneApp.HORIZONTAL_BREAKPOINTS`) that Textual
        gives the screen at its first Resize, given before its widgets are styled: that Resize
        then changes no class, and does not restyle the whole screen (ui/startup.py)."""
        breakpoints = (self.app.HORIZONTAL_BREAKPOINTS if self.HORIZONTAL_BREAKPOINTS is None
                       else self.HORIZONTAL_BREAKPOINTS)
        if breakpoints:
            self.add_class(*self._get_breakpoint_classes(self.app.size.width, breakpoints),
                           update=False)

    async def _on_resize(self, event: events.Resize) -> None:
        """Textual's Screen handles a size this screen is not laid out at yet; the same size
        again is let go. Textual (8.2.8) hands the terminal's size to the screen twice more at
        start-up, unchanged (the app's first Resize, then the driver's at idle): each laid out
        and painted the whole screen again before the frame with the first rows (ui/startup.py).
        """
        if event.size == self._resized_to and event.size == self._compositor.size:
            event.prevent_default()  # Textual's own handler (the base class's) does not run
            event.stop()
            return
        self._resized_to = event.size

    def on_mount(self) -> None:
        self.title = self.AREA.capitalize()
        status_bar = self.query_one(StatusBar)
        status_bar.throttle = self.intune_app.throttle_text
        self.watch(self.app, "throttle_text", self._on_throttle_text, init=False)
        self.intune_app.session_changed.subscribe(self, self._on_session_changed)
        self.table.focus()
        self.set_timer(self.intune_app.timings.footer_at_the_latest, self._show_footer)

    async def _show_footer(self) -> None:
        """Mount the key bar, after the first rows (a start-up trick: ui/startup.py; its module
        is imported then too)."""
        from intune_tui.ui.widgets.key_footer import KeyFooter

        if self.query(KeyFooter):
            return
        await self.mount(KeyFooter())
        self.refresh_bindings()  # a Footer shows its keys at the first bindings update

    def _on_throttle_text(self, text: str) -> None:
        self.query_one(StatusBar).throttle = text

    def _on_session_changed(self, session: Any) -> None:
        """Another tenant: forget every row of the old one before anything else."""
        self.table.clear()
        self._clear_query()
        self.load()

    @property
    def table(self) -> ResourceTable[Row]:
        return self.query_one("#list", ResourceTable)

    # -- loading -------------------------------------------------------------------------------

    def load(self, *, keep_rows: bool = False) -> None:
        """(Re)load the current view with the current server filter."""
        server_filter = self._server_filter
        self._complete = False
        self._load_number += 1
        self._hide_problem()
        self._drop_behind()
        if keep_rows:
            self._behind = RowsBehind(len(self.resource.columns),
                                          pace=self.intune_app.typing.pace)
        else:
            self._warm = None
            self.table.clear()
            self.table.empty_text = "Loading…"
        self._set_status(loaded=0 if not keep_rows else self.table.rows_count, total=None,
                         loading=True, error="",
                         snapshot_age=self._status.snapshot_age if self._warm else "")
        first_view = server_filter is None and self._view_index == 0
        warm = first_view and not keep_rows and self.WARM_START
        self._live_shown = [] if warm else None
        self.intune_app.run_listing(
            self.stream_key,
            self.pages(self.view, server_filter, pace=self.intune_app.typing.pace),
            on_page=self._on_page,
            on_done=self._on_done,
            on_error=self._on_error,
            take_early=first_view and not keep_rows,
        )
        if warm and not self._complete:
            number = self._load_number
            if not self.intune_app.warm.take(
                    self.view.resource, lambda warm: self._show_snapshot(warm, number),
                    none=lambda: self._no_snapshot(number)):
                self._live_shown = None

    def _no_snapshot(self, load_number: int) -> None:
        if load_number == self._load_number:
            self._live_shown = None

    def _show_snapshot(self, warm: WarmRows, load_number: int) -> None:
        """The list's snapshot, read meanwhile: shown (stale, with its age) while the live list
        goes on loading behind it (`RowsBehind`), which replaces it once complete."""
        if load_number != self._load_number or self._complete or self._warm is not None:
            return  # another load since, or the live list is already whole
        from intune_tui.warm_start import age_text  # imported already by the read

        try:
            self.table.restore_rows(warm.page, Row, keep_key=True)
        except ValueError as error:  # rows of another table: the live list comes all the same
            log.warning("snapshot of %s not shown: %s", self.view.resource, error)
            self._live_shown = None
            return
        self._warm = warm
        if self._status.loading:
            if self._behind is None:  # live rows shown so far go behind it
                self._behind = RowsBehind(len(self.resource.columns),
                                          pace=self.intune_app.typing.pace)
                for page in self._live_shown or ():
                    self._behind.add(page)
        else:  # the live load failed first: the snapshot, with the error beside it
            self._hide_problem()
        self._live_shown = None
        self._footer_after_rows()
        self._set_status(loaded=warm.count, total=None,
                         snapshot_age=age_text(warm.age(time.time())))
        self._update_shown()

    @property
    def showing_snapshot(self) -> bool:
        """The table shows the snapshot's rows, not yet the live list's."""
        return self._warm is not None

    def _on_page(self, page: RowPage) -> None:
        if self._behind is not None:
            self._behind.add(page)
            if self._warm is None:  # a snapshot's count is not to be mixed with the live total
                self._set_status(
                    total=page.count if page.count is not None else self._status.total)
            return
        if self._live_shown is not None:
            self._live_shown.append(page)
        self.table.append_rows(page.rows, columns=page.columns)
        self._footer_after_rows()
        self._set_status(loaded=self.table.rows_count,
                         total=page.count if page.count is not None else self._status.total)
        self._update_shown()
        # A long list (Graph's count) freezes from its first page: a full collection of the
        # app's start-up objects while the next pages come cost 70-530 ms (bench_app, 100k).
        # At start-up, once the first frame is out (the collector is off until then).
        rows_alive, number = max(self.table.rows_count, page.count or 0), self._load_number
        self.intune_app.after_first_frame(lambda: self._freeze_once(rows_alive, number))

    def _on_done(self, finished: StreamFinished) -> None:
        behind, number = self._behind, self._load_number
        self._behind = None
        if behind is None:
            self._finish_load()
            return

        def filled(rows: RowStore[Row] | None) -> None:
            if number != self._load_number or not self.is_attached:
                return  # another load since
            if rows is None:  # a bug filling it (logged): what the table shows stays
                self._on_error(RuntimeError("the live list could not be shown"))
                return
            self.table.adopt_rows(rows, keep_key=True)
            self._finish_load()

        behind.when_filled(filled)

    def _footer_after_rows(self) -> None:
        """Mount the key bar after the frame that shows the rows: at start-up, after the app's
        first frame (the first rows can come while the screen is still being mounted, where
        Textual paints nothing and runs `call_after_refresh` callbacks at once)."""
        self.intune_app.after_first_frame(lambda: self.call_after_refresh(self._show_footer))

    def _freeze_once(self, rows_alive: int, load_number: int) -> None:
        """Freeze at most once while a load streams: the rows are columns, so what a freeze
        keeps out of full collections is the app's start-up objects, alive before the first
        page. A freeze on every page also made immortal the cyclic garbage of that moment: the
        httpx answers of the pages then in flight (~0.7 MB each, 60 MiB a 100,000-device
        load). The load's end freezes again after a full collection (`_finish_load`)."""
        if load_number != self._load_number or self._frozen_load == load_number:
            return
        if _keep_out_of_full_collections(rows_alive):
            self._frozen_load = self._load_number

    def _finish_load(self) -> None:
        self._warm = None
        self._live_shown = None
        self._complete = True
        self.table.prepare_sorts()
        self._footer_after_rows()
        self.table.empty_text = self._empty_text()
        self._set_status(loaded=self.table.rows_count, loading=False,
                         refreshed_at=self.intune_app.now(), snapshot_age="")
        self._update_shown()
        # Nothing is in flight now: a full collection frees the load's cyclic garbage (its
        # page answers), then what the load made leaves full collections too (at start-up,
        # once the first frame is out).
        rows_alive = self.table.rows_count
        self.intune_app.after_first_frame(
            lambda: _keep_out_of_full_collections(rows_alive, collect_all=True))
        if self.WARM_START and self._server_filter is None and self._view_index == 0:
            # Seconds of the row engine's threads at a million rows: not while the user types
            # (each keystroke's filter waited for them).
            table = self.table
            self.intune_app.warm.save(
                self.view.resource, self._rows_dump(),
                wait=lambda: table.wait_until_quiet(SNAPSHOT_WAITS_AT_MOST))

    def _rows_dump(self) -> Callable[[BinaryIO], bool]:
        """The table's rows as they are now, written to the snapshot's stream on its writer
        thread: False when they were replaced or cleared before or while they were written
        (another load, another tenant; the snapshot is then not written), so a snapshot never
        holds another list's rows nor half of one."""
        table = self.table
        generation = table.rows_generation

        def dump(stream: BinaryIO) -> bool:
            if table.rows_generation != generation:
                return False
            table.dump_rows_into(stream)
            return table.rows_generation == generation

        return dump

    def _drop_behind(self) -> None:
        if self._behind is not None:
            self._behind.drop()
            self._behind = None

    def _on_error(self, error: BaseException) -> None:
        self._drop_behind()
        self._footer_after_rows()
        if self._warm is not None:
            # The snapshot stays, still marked as such, with the error beside it.
            self._set_status(loading=False, error=_short(error))
            self.intune_app.report_error(error)
            return
        self._set_status(loading=False, error=_short(error))
        self.table.empty_text = "Could not load this list (see above)"
        self._show_problem(error)

    def _empty_text(self) -> str:
        if self._query is not None and not self._query.is_empty:
            return f"No {self.view.noun} match"
        return f"No {self.view.noun}"

    # -- problems (403 explained) --------------------------------------------------------------

    def _show_problem(self, error: BaseException) -> None:
        panel = self.query_one("#list-problem", Static)
        if isinstance(error, GraphForbidden):
            from intune_tui.ui.screens.access import show_forbidden

            show_forbidden(panel, self.table, error)
            return
        if not isinstance(error, GraphError):
            self.intune_app.report_error(error)
        from intune_tui.ui.commands import SHOW_REQUEST_HINT

        text = Text(str(error))
        if isinstance(error, GraphError) and error.support_line():
            text.append(f"\n{error.support_line()} · {SHOW_REQUEST_HINT}", style="dim")
        panel.update(text)
        panel.display = True

    def _hide_problem(self) -> None:
        self.query_one("#list-problem").display = False
        self.table.display = True

    def action_show_access(self) -> None:
        self.intune_app.action_show_access()

    # -- status --------------------------------------------------------------------------------

    def on_descendant_focus(self, event: events.DescendantFocus) -> None:
        if isinstance(event.widget, SearchBox):
            self.query_one(StatusBar).hold_lines(True)

    def on_descendant_blur(self, event: events.DescendantBlur) -> None:
        if isinstance(event.widget, SearchBox):
            self.query_one(StatusBar).hold_lines(False)

    def _set_status(self, **changes: Any) -> None:
        self._status = self._status.update(**changes)
        self.query_one(StatusBar).status = self._status

    def _update_shown(self) -> None:
        filtered = self.table.filter_active
        self._set_status(shown=self.table.visible_count if filtered else None)

    # -- search --------------------------------------------------------------------------------

    @property
    def search_box(self) -> SearchBox:
        return self.query_one("#search", SearchBox)

    def action_search(self) -> None:
        self.search_box.open()

    @on(Input.Changed, "#search")
    async def _search_changed(self, event: Input.Changed) -> None:
        event.stop()
        self._apply_local(event.value)
        if self._search_timer is not None:
            self._search_timer.stop()
        # On a snapshot every row is here already: the search stays local.
        if not self._complete and self._warm is None and self._query is not None:
            self._search_timer = self.set_timer(self.intune_app.timings.server_search_delay,
                                                self._apply_server)
        await with_the_letter_typed()

    @on(Input.Submitted, "#search")
    def _search_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.search_for(event.value, shown=False)

    def search_for(self, text: str, *, shown: bool = True) -> None:
        """Run `text` as if typed in the search box and submitted (`shown`: put in the box)."""
        if shown:
            self.search_box.open(text)
        self._apply_local(text)
        self._apply_server()
        self.table.focus()

    def _apply_local(self, text: str) -> None:
        """Filter the rows already loaded, at once, with every part of the query."""
        if not text.strip():
            self._query = None
            self.table.set_filter(None)
            self._set_status(filter_text="", filter_split="", error="")
            self._update_shown()
            return
        if self._query is not None and self._query.text.rstrip() == text.rstrip():
            return  # a trailing space: the same rows, and re-filtering 100k rows is not free
        # Imported at the first search, not before the first frame.
        from intune_tui.intune.search import QueryError, parse_query

        parsed = parse_query(text, self.resource, now=self.intune_app.now())
        if isinstance(parsed, QueryError):
            self._set_status(filter_text=text, filter_split="", error=parsed.message)
            return
        self._query = parsed
        self._filter_table(parsed.row_filter(include_server=True))
        self._set_status(filter_text=text, filter_split=parsed.description, error="")
        self._update_shown()

    def _apply_server(self) -> None:
        """Send what Graph can filter to Graph; keep the rest as the local filter."""
        query = self._query
        server_filter = query.server_filter if query is not None else None
        if server_filter == self._server_filter:
            return
        self._server_filter = server_filter
        self.load()
        if query is not None:
            self._filter_table(query.row_filter(include_server=False))

    def _filter_table(self, row_filter: RowFilter) -> None:
        self.table.set_filter(row_filter.predicate, words=row_filter.words,
                              key_tests=row_filter.column_tests)

    def action_clear_search(self) -> None:
        if not self.search_box.has_class("-visible") and self._query is None:
            return
        self.search_box.close()
        had_server_filter = self._server_filter is not None
        self._clear_query()
        if had_server_filter:
            self.load()
        self.table.focus()

    def _clear_query(self) -> None:
        self._query = None
        self._server_filter = None
        self.table.set_filter(None)
        self._set_status(filter_text="", filter_split="", shown=None, error="")

    # -- other keys ----------------------------------------------------------------------------

    def action_refresh(self) -> None:
        """Reload in place: the old rows stay until the new ones are in; the cursor stays."""
        self.load(keep_rows=True)

    def action_export(self) -> None:
        self.export_view("csv")

    def export_view(self, fmt: str) -> None:
        noun = self.view.noun
        if self._warm is not None:  # say so: the file holds what the snapshot held
            noun += f" (from the snapshot, {self._status.snapshot_age})"
        export_rows(self.intune_app, self.resource, self.table.visible_rows, self.view.resource,
                    fmt, noun, shown=self.table.shown_columns)

    def action_copy_field(self) -> None:
        copy_cell(self.app, self.table)

    def action_admin_center(self) -> None:
        from intune_tui.ui.admin_link import copy_admin_center_link

        row = self.table.cursor_row
        if row is None:
            self.notify("No row under the cursor", severity="warning", markup=False)
            return
        copy_admin_center_link(self.intune_app, self.view.resource, row.item,
                               name=row.cells[0], noun=_one(self.view.noun))

    # -- columns -------------------------------------------------------------------------------

    def action_choose_columns(self) -> None:
        from intune_tui.ui.screens.columns import ColumnChooser

        table = self.table
        chooser = ColumnChooser(self.view.label, table.all_columns, table.shown_columns,
                                table.column_widths)
        self.app.push_screen(chooser, self._columns_chosen)

    def _columns_chosen(self, choice: ColumnChoice | None) -> None:
        if choice is None:
            return
        self.table.show_columns(choice.shown, choice.widths)
        self._save_columns()

    def _save_columns(self) -> None:
        """Keep the table's columns for this list in the config file (and for this session)."""
        settings = self.intune_app.settings
        table = self.table
        if list(table.shown_columns) == list(range(len(table.all_columns))) and not \
                table.column_widths:
            saved = None  # the list's own columns: nothing to keep
        else:
            saved = choice_of(self.resource, table.shown_columns, table.column_widths)
        try:
            settings.columns = save_list_columns(self.view.resource, saved,
                                                 path=settings.config_path)
        except ConfigError as error:
            self.notify(f"Columns not saved: {error}", severity="error", markup=False)
            # Kept for this session all the same: the list shows what the user chose.
            if saved is None:
                settings.columns.pop(self.view.resource, None)
            else:
                settings.columns[self.view.resource] = saved

    async def action_next_view(self) -> None:
        await self._switch_view((self._view_index + 1) % len(self.VIEWS))

    async def action_previous_view(self) -> None:
        await self._switch_view((self._view_index - 1) % len(self.VIEWS))

    async def on_tabs_tab_activated(self, event: Tabs.TabActivated) -> None:
        event.stop()
        if event.tab is None or event.tab.id is None:
            return
        await self._switch_view(int(event.tab.id.removeprefix("view-")))

    async def _switch_view(self, index: int) -> None:
        if index == self._view_index or len(self.VIEWS) < 2:
            return
        self.intune_app.cancel_listing(self.stream_key)
        self._view_index = index
        from textual.widgets import Tabs

        self.query_one(Tabs).active = f"view-{index}"
        # The new view has other columns: a new table, mounted once the old one (same id) is gone.
        await self.table.remove()
        new = self._new_table()
        await self.mount(new, before=self.query_one(StatusBar))
        new.focus()
        self._status = ListStatus(noun=self.view.noun)
        self._clear_query()
        self.search_box.value = ""
        self.load()

    # -- saved views (:save NAME, :NAME) -------------------------------------------------------

    def _own_columns(self) -> tuple[int, ...]:
        """The columns this list shows when it opens: its `[columns.LIST]` or the catalog's."""
        return resolve(self.resource,
                       self.intune_app.settings.columns.get(self.view.resource)).shown

    def view_columns(self) -> tuple[str, ...] | None:
        """The ids of the columns shown, in order (`list_columns.column_ids`), so the view shows
        them whatever the list's `[columns.LIST]` says later; None when neither the user nor the
        list's `[columns.LIST]` changed the catalog's columns."""
        shown = tuple(self.table.shown_columns)
        every = tuple(range(len(self.table.all_columns)))
        if shown == every and self._own_columns() == every:
            return None
        ids = column_ids(self.resource)
        return tuple(ids[index] for index in shown)

    def apply_columns(self, columns: Sequence[str] | None) -> None:
        """Show the columns with these ids, in this order (a saved view recalled); None: the
        list's own. Unknown ids are left out; none known shows the list's own. Widths stay,
        nothing is saved."""
        table = self.table
        if columns is None:
            table.show_columns(self._own_columns(), table.column_widths)
            return
        ids = column_ids(self.resource)
        known = tuple(column for column in columns if column in ids)
        shown = resolve(self.resource, ListColumns(known)).shown if known else self._own_columns()
        table.show_columns(shown, table.column_widths)

    def current_view(self, name: str, key: str | None = None) -> View:
        """What this list shows now, as the saved view `name`: list, search, sort, columns."""
        sort = self.table.sort_column
        return View(
            name,
            self.view.resource,
            search=self._query.text.strip() if self._query is not None else "",
            sort=self.table.all_columns[sort].key if sort is not None else None,
            descending=self.table.sort_reverse if sort is not None else False,
            columns=self.view_columns(),
            key=key,
        )

    @classmethod
    def shows_list(cls, list_name: str) -> bool:
        return any(view.resource == list_name for view in cls.VIEWS)

    async def show_view(self, view: View) -> None:
        """Bring back a saved view: its list, columns, search and sort."""
        index = next(index for index, shown in enumerate(self.VIEWS)
                     if shown.resource == view.list_name)
        await self._switch_view(index)
        self.apply_columns(view.columns)
        if view.search:
            self.search_for(view.search)
        else:
            self.action_clear_search()
        keys = [column.key for column in self.table.all_columns]
        if view.sort is not None and view.sort not in keys:
            self.notify(f"View {view.name}: this list has no column {view.sort!r} to sort by "
                        f"(columns: {', '.join(keys)})", severity="warning", markup=False)
            self.table.sort_by(None)
        else:
            self.table.sort_by(keys.index(view.sort) if view.sort is not None else None,
                               reverse=view.descending)
        self.table.focus()

    def on_resource_table_row_activated(self, event: ResourceTable.RowActivated) -> None:
        event.stop()
        self.open_row(cast(Row, event.row))  # a list screen's table holds Rows

    def on_resource_table_marks_changed(self, event: ResourceTable.MarksChanged) -> None:
        self._set_status(marked=event.count)

    def open_row(self, row: Row) -> None:
        """Enter on a row. Subclasses open their detail screen."""

    def palette_commands(self) -> list[tuple[str, str, Any]]:
        # Export is the app's own palette entry (CSV and JSON), for every screen alike.
        return [
            ("Search this list", "/", self.action_search),
            ("Refresh this list", "r", self.action_refresh),
            ("Choose this list's columns", "c", self.action_choose_columns),
        ]

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """`[` and `]` exist only where there is more than one list to switch between."""
        if action in ("next_view", "previous_view"):
            return len(self.VIEWS) > 1
        return True


def _keep_out_of_full_collections(rows_alive: int, *, collect_all: bool = False) -> bool:
    """With a large list loaded, move every object alive now out of the cyclic garbage
    collector's generations (`gc.freeze`).

    A full collection walks every tracked object: with 100,000 rows alive that is a 90-170 ms
    freeze of the UI, several times during a load. Rows hold no reference cycles, so they are
    still freed by reference counting when the list is dropped; what a freeze costs is that
    cyclic garbage not yet collected at that moment is never collected. A young collection
    first keeps that to what is already old; `collect_all`, a full one, to nothing.
    """
    if rows_alive < FREEZE_ABOVE_ROWS:
        return False
    gc.collect(2 if collect_all else 1)
    gc.freeze()
    return True


def _short(error: BaseException) -> str:
    text = str(error) or type(error).__name__
    return text if len(text) <= 80 else text[:79] + "…"


"""The Textual app: modes per area, a header naming tenant and account, worker events to views."""

from __future__ import annotations

import asyncio
import importlib
import logging
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any, ClassVar, Required, TypedDict, Unpack

from textual.app import App
from textual.binding import Binding, BindingType
from textual.message import Message
from textual.reactive import reactive
from textual.signal import Signal
from textual.types import CSSPathType

from intune_tui.config import ConfigError, View
from intune_tui.graph.errors import GraphError, GraphForbidden
from intune_tui.graph.throttle import RetryNotice
from intune_tui.session import Session
from intune_tui.table.quiet import Quiet
from intune_tui.text import clean
from intune_tui.ui import startup
from intune_tui.ui.stylesheet import ParsedStylesheet, RulesOnDisk, rules_cache_dir
from intune_tui.ui.timings import DEFAULT_TIMINGS, Timings
from intune_tui.ui.warm import WarmStarts
from intune_tui.worker import (
    GraphWorker,
    JobDone,
    JobFailed,
    StreamFailed,
    StreamFinished,
    StreamPage,
    ThrottleChanged,
    WorkerEvent,
)

if TYPE_CHECKING:
    from textual.command import Provider

    from intune_tui.config import Settings
    from intune_tui.demo.process import DemoGraphProcess
    from intune_tui.intune.service import IntuneService

log = logging.getLogger("intune_tui.ui")

MODE_KEYS = ("devices", "apps", "policies", "roles", "health")
FIRST_MODE = "devices"
# Next to this module: the app's look, then the screens' layouts (each rule names its screen).
STYLESHEETS = ("app.tcss", "screens.tcss")


class GraphEvent(Message):
    """A worker event, carried into the UI thread."""

    def __init__(self, event: WorkerEvent) -> None:
        super().__init__()
        self.event = event


class ListingReplies(TypedDict, total=False):
    """What `run_listing` calls on the UI thread: with each page, at the end, on a failure."""

    on_page: Required[Callable[[Any], None]]
    on_done: Callable[[StreamFinished], None] | None
    on_error: Callable[[BaseException], None] | None


class CallReplies(TypedDict, total=False):
    """What `run_call` calls on the UI thread: with the result, or on a failure."""

    on_done: Required[Callable[[Any], None]]
    on_error: Callable[[BaseException], None] | None


@dataclass
class _StreamHandlers:
    view: str
    replies: ListingReplies


@dataclass
class _JobHandlers:
    key: str
    replies: CallReplies


# Each area's screen, imported when the area is first opened: start-up imports only the first.
_MODE_SCREENS: dict[str, tuple[str, str]] = {
    "devices": ("intune_tui.ui.screens.devices", "DevicesScreen"),
    "apps": ("intune_tui.ui.screens.apps", "AppsScreen"),
    "policies": ("intune_tui.ui.screens.policies", "PoliciesScreen"),
    "roles": ("intune_tui.ui.screens.roles", "RolesScreen"),
    "health": ("intune_tui.ui.screens.health", "HealthScreen"),
}


def _area_of(list_name: str) -> str | None:
    """The area (mode) whose screen shows the list `list_name` (a catalog resource)."""
    for mode, (module, name) in _MODE_SCREENS.items():
        screen_class = getattr(importlib.import_module(module), name)
        if screen_class.shows_list(list_name):
            return mode
    return None


def _context_commands() -> type[Provider]:
    """The palette's own commands, imported when the palette opens (ui.commands and what it
    imports are not needed for the first frame)."""
    from intune_tui.ui.palette import ContextCommands

    return ContextCommands


def _modes() -> dict[str, Callable[[], Any]]:
    def factory(module: str, name: str) -> Callable[[], Any]:
        def make_screen() -> Any:
            return getattr(importlib.import_module(module), name)()

        return make_screen

    return {mode: factory(*where) for mode, where in _MODE_SCREENS.items()}


class IntuneApp(App[None]):
    """intune-tui. Receives its session (and so its Graph service) from outside: tests pass one
    backed by the fake Graph."""

    CSS_PATH: ClassVar[CSSPathType | None] = list(STYLESHEETS)
    TITLE = "intune-tui"
    # The first area is the app's first screen: switching to it from Textual's default screen
    # re-parsed every stylesheet once more before the first frame.
    DEFAULT_MODE = FIRST_MODE
    COMMANDS: ClassVar = App.COMMANDS | {_context_commands}
    # Screens narrower than 100 columns get the class -narrow (app.tcss tightens the footer).
    # Not ClassVar: Textual declares it "ClassVar[...] | None", which mypy reads as an instance
    # variable that a ClassVar may not override.
    HORIZONTAL_BREAKPOINTS: list[tuple[int, str]] | None = [
        (0, "-narrow"), (100, "-wide")]
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("1", "switch_mode('devices')", "Devices", id="app.devices", show=False),
        Binding("2", "switch_mode('apps')", "Apps", id="app.apps", show=False),
        Binding("3", "switch_mode('policies')", "Policies", id="app.policies", show=False),
        Binding("4", "switch_mode('roles')", "Roles", id="app.roles", show=False),
        Binding("5", "switch_mode('health')", "Tenant", id="app.health", show=False),
        Binding("question_mark,f1", "help", "Help", id="app.help"),
        Binding("colon", "command_line", "Command", id="app.command", show=False),
        Binding("exclamation_mark", "show_failed_request", "Show failed request",
                id="app.failed_request", show=False),
        Binding("q", "quit", "Quit", id="app.quit"),
        # SSH users press Ctrl+C to quit (Textual binds it to a "press ctrl+q" hint): the same
        # action as q, so a remote action on the wire is still asked about first.
        Binding("ctrl+c", "quit", "Quit", id="app.interrupt", show=False, priority=True),
    ]

    throttle_text: reactive[str] = reactive("")
    _css_header_color: str | None = None  # the profile colour the styles were last built with

    def __init__(
        self,
        settings: Settings,
        session: Session,
        *,
        sign_in: AppSignIn | None = None,
        timings: Timings = DEFAULT_TIMINGS,
        styles_on_disk: RulesOnDisk | None = None,
    ) -> None:
        super().__init__()
        # Each CSS source parsed once per process (ui/stylesheet.py), not once per app/reparse;
        # with `styles_on_disk` (the CLI's app), once per machine.
        self.stylesheet = ParsedStylesheet(variables=self.stylesheet._variables,
                                           disk=styles_on_disk)
        self.settings = settings
        self.session = session
        self.timings = timings
        self.sign_in = sign_in or AppSignIn()
        self.sign_in.app = self
        self.session_changed: Signal[Session] = Signal(self, "session-changed")
        self.last_forbidden: GraphForbidden | None = None
        # The request-log number of the call behind the last Graph error (`!` opens it).
        self.last_failed_request: int | None = None
        self._worker: GraphWorker[IntuneService] | None = None
        self._streams: dict[int, _StreamHandlers] = {}
        self._early: startup.EarlyStream | None = None
        # Opened by the first frame: the first list's pages after its first wait for it.
        self._first_frame_gate = startup.FirstFrameGate()
        self._jobs: dict[int, _JobHandlers] = {}
        self._throttle_deadline = 0.0
        self._starting = True  # until the first list page is painted (startup: GC pause)
        # What waits for the app's first frame to be on the terminal (`after_first_frame`);
        # None once it is.
        self._before_first_frame: list[Callable[[], object]] | None = []
        self.warm = WarmStarts(self)  # the lists' snapshots (warm start)
        # When the user last filtered or sorted a list: a list loading behind it waits meanwhile
        # (`Quiet.pace`), as do its snapshot and sort orders.
        self.typing = Quiet()
        for name, factory in _modes().items():
            self.add_mode(name, factory)
        first_screen = _first_screen_class()
        if first_screen.WARM_START:  # read while Textual sets up the terminal and the screen
            self.warm.prefetch(first_screen.VIEWS[0].resource)

    # -- lifecycle -----------------------------------------------------------------------------

    def on_load(self) -> None:
        # Before the terminal is set up and the first screen composed: the worker builds its
        # HTTP client (or waits for the demo's Graph) and asks for the first list meanwhile.
        self._start_worker()
        self._prepare_session()
        self._start_first_list()

    def on_mount(self) -> None:
        if self.settings.keymap:
            self.set_keymap(self.settings.keymap)
        self._bind_view_keys()
        self._apply_theme(self.settings.theme)
        self._apply_session_header()
        self.set_timer(startup.START_UP_GC_AT_THE_LATEST, self._start_up_over)

    def on_ready(self) -> None:
        # Textual's Ready: the first layout is done and its frame queued; what waited for the
        # first frame goes once that frame is out.
        self.call_after_refresh(self._first_frame_shown)

    def after_first_frame(self, callback: Callable[[], object]) -> None:
        """Call `callback` now, or once the app's first frame is on the terminal if it is not
        yet (ui/startup.py: work that would hold the first rows back)."""
        waiting = self._before_first_frame
        if waiting is None:
            callback()
        else:
            waiting.append(callback)

    def _first_frame_shown(self) -> None:
        waiting, self._before_first_frame = self._before_first_frame, None
        self._first_frame_gate.open()
        for callback in waiting or ():
            try:
                callback()
            except Exception:  # a screen that closed meanwhile, or a bug: never crash the app
                log.exception("a step waiting for the first frame failed")

    def _start_up_over(self) -> None:
        self._first_frame_shown()  # at the latest now (a frame that never came)
        if self._starting:
            self._starting = False
            startup.resume_gc()
            startup.release_engine_import()
            startup.warm_imports()

    def _apply_theme(self, name: str) -> None:
        if name in self.available_themes:
            self.theme = name
            return
        known = ", ".join(sorted(self.available_themes))
        self.notify(f"Unknown theme {name!r} in your config; known themes: {known}.",
                    severity="warning", markup=False, timeout=10)

    def _prepare_session(self) -> None:
        """Open the token cache and learn the account in the worker; show what it says."""
        session = self.session

        def prepared(result: tuple[list[str], str]) -> None:
            notices, _account = result
            if session is not self.session:
                return
            self._apply_session_header()
            for notice in (*session.notices, *notices):
                self.notify(notice, title="Sign-in", severity="warning", timeout=12,
                            markup=False)

        self.run_call("session:prepare", lambda service: session.prepare(service), on_done=prepared)

    def on_unmount(self) -> None:
        if self._worker is not None:
            self._worker.stop()

    def _start_first_list(self) -> None:
        """Ask for the first area's list now, not once its screen is composed (~0.1 s later), so
        Graph's answer is on its way while the UI starts. The screen takes this stream over
        (`stream(..., take_early=True)`): nothing is asked twice."""
        screen_class = _first_screen_class()
        # Its first full page after the first frame, when a preview comes first (ui/startup.py).
        view, pages = screen_class.first_list(full_page_after=self._first_frame_gate.wait,
                                              pace=self.typing.pace)
        if screen_class.WARM_START:
            resource = screen_class.VIEWS[0].resource
            self.warm.prefetch(resource)
            pages = self.warm.live_after_snapshot(resource, pages)
        assert self._worker is not None
        self._early = startup.EarlyStream(view)
        self._early.stream_id = self._worker.submit_listing(
            view, self._first_frame_gate.after_first_page(pages))

    def _deliver(self, event: WorkerEvent) -> None:
        """From the worker's thread: an event for the UI."""
        early = self._early
        if early is not None and early.keep(event):
            return
        self.post_message(GraphEvent(event))

    def _start_worker(self) -> None:
        self._worker = GraphWorker(
            self.session.make_service,
            self._deliver,
            close_service=self.session.close_service,
        )
        self._worker.start()

    def _apply_session_header(self) -> None:
        # Whenever remote actions are off, the header says so on every screen.
        read_only = self.settings.read_only or self.session.read_only
        self.sub_title = ("READ-ONLY · " if read_only else "") + self.session.header_text
        # The profile's header colour ($profile-header): a CSS refresh re-parses every style of
        # the app, so only when that colour is not the one in effect (two refreshes fewer at
        # start-up: first rows at 10k demo devices 0.18 s CPU sooner, medians of 9, ui/startup.py's
        # method).
        if self.is_running and self.profile_color() != self._css_header_color:
            self.refresh_css()

    def profile_color(self) -> str | None:
        """The `color` of the profile in use ([profiles.NAME] color = "red"), if any."""
        profile = self.settings.profiles.get(self.settings.profile)
        return profile.color if profile is not None else None

    def get_css_variables(self) -> dict[str, str]:
        variables = super().get_css_variables()
        color = self.profile_color() if hasattr(self, "settings") else None
        self._css_header_color = color
        variables["profile-header"] = color or variables.get("panel", "ansi_default")
        variables["profile-header-text"] = (
            "black" if color in ("yellow", "orange", "cyan") else
            "white" if color else variables.get("foreground", "ansi_default"))
        return variables

    def now(self) -> datetime:
        """The app's clock (frozen in snapshot tests, shifted in the demo)."""
        return self.session.clock()

    # -- data: the only way screens reach Graph ---------------------------------------------------

    def run_listing(self, view: str, pages: Callable[[IntuneService], AsyncIterator[Any]], *,
                    take_early: bool = False, **replies: Unpack[ListingReplies]) -> int:
        """Stream pages for `view` through the worker; a newer stream of the view replaces it.

        `take_early`: the caller asks for what the app asked for at start-up (the first list);
        if that stream is still unclaimed, the caller gets its pages so far and the rest of it.
        """
        handlers = _StreamHandlers(view, replies)
        early = self._early
        if early is not None and early.view == view:
            self._early = None
            if take_early:
                return self._take_over(early, handlers)
            early.claim()  # replaced: the worker cancels it, nothing of it is shown
        assert self._worker is not None
        self._forget_streams(view)
        stream_id = self._worker.submit_listing(view, pages)
        self._streams[stream_id] = handlers
        return stream_id

    def _take_over(self, early: startup.EarlyStream, handlers: _StreamHandlers) -> int:
        self._streams[early.stream_id] = handlers
        for event in early.claim():
            self._handle_worker_event(event)
        return early.stream_id

    def cancel_listing(self, view: str) -> None:
        if self._worker is None:
            return
        self._forget_streams(view)
        self._worker.cancel_listing(view)

    def _forget_streams(self, view: str) -> None:
        """Nothing more of the view's streams reaches its screen."""
        for stream_id in [key for key, value in self._streams.items() if value.view == view]:
            del self._streams[stream_id]

    def run_call(self, key: str, call: Callable[[IntuneService], Awaitable[Any]], *,
                 replace: bool = True, write: bool = False, **replies: Unpack[CallReplies]) -> int:
        """Run one Graph call through the worker; results come back on the UI thread.

        `write=True`: the call changes something in the tenant. It replaces nothing and nothing
        cancels it, not even the worker's shutdown (which waits for it instead)."""
        assert self._worker is not None
        job_id = self._worker.submit_call(key, call, replace=replace and not write, protect=write)
        self._jobs[job_id] = _JobHandlers(key, replies)
        return job_id

    def call(
        self,
        key: str,
        call: Callable[[IntuneService], Awaitable[Any]],
        *,
        write: bool = False,
    ) -> asyncio.Future[Any]:
        """`run_call` for a coroutine: a future of the call's result (or its exception)."""
        future: asyncio.Future[Any] = asyncio.get_running_loop().create_future()

        def done(result: Any) -> None:
            if not future.done():
                future.set_result(result)

        def failed(error: BaseException) -> None:
            if not future.done():
                future.set_exception(error)

        self.run_call(key, call, on_done=done, on_error=failed, replace=False, write=write)
        return future

    def on_graph_event(self, message: GraphEvent) -> None:
        self._handle_worker_event(message.event)

    def _handle_worker_event(self, event: WorkerEvent) -> None:
        match event:
            case StreamPage():
                handlers = self._streams.get(event.stream_id)
                if handlers is not None:
                    self._safely(handlers.replies["on_page"], event.page)
                if self._starting:
                    self.after_first_frame(lambda: self.call_after_refresh(self._start_up_over))
            case StreamFinished():
                handlers = self._streams.pop(event.stream_id, None)
                on_done = handlers.replies.get("on_done") if handlers is not None else None
                if on_done is not None:
                    self._safely(on_done, event)
            case StreamFailed():
                handlers = self._streams.pop(event.stream_id, None)
                if handlers is not None:
                    self._fail(handlers.replies.get("on_error"), event.error)
                self._start_up_over()
            case JobDone():
                job = self._jobs.pop(event.job_id, None)
                if job is not None:
                    self._safely(job.replies["on_done"], event.result)
            case JobFailed():
                job = self._jobs.pop(event.job_id, None)
                if job is not None:
                    self._fail(job.replies.get("on_error"), event.error)
            case ThrottleChanged():
                self._show_throttle(event.state)

    def _show_throttle(self, state: Any) -> None:
        """Count the back-off down in the status bar while Graph has us paused; say when a read
        is tried again ("retrying (2 of 6) — …") from its first failure on."""
        if isinstance(state, RetryNotice):
            self._show_retry(state)
            return
        paused = bool(getattr(state, "paused", False))
        seconds = float(getattr(state, "seconds_left", 0.0))
        self._throttle_deadline = time.monotonic() + seconds if paused else 0.0
        self._tick_throttle()
        if paused:
            self.set_timer(self.timings.throttle_tick, self._tick_throttle)

    def _show_retry(self, notice: RetryNotice) -> None:
        if self._throttle_deadline > time.monotonic():
            return  # the throttle countdown says more
        text = clean(notice.describe())
        self.throttle_text = text

        def expire() -> None:
            if self.throttle_text == text:
                self.throttle_text = ""

        self.set_timer(notice.delay + self.timings.retry_note_linger, expire)

    def _tick_throttle(self) -> None:
        left = self._throttle_deadline - time.monotonic()
        if left <= 0:
            self.throttle_text = ""
            return
        self.throttle_text = f"throttled by Graph, retrying in {left:.0f} s"
        self.set_timer(min(self.timings.throttle_tick, left), self._tick_throttle)

    def _safely(self, handler: Callable[[Any], None], value: Any) -> None:
        try:
            handler(value)
        except Exception:  # a view that closed meanwhile, or a bug: log, never crash the app
            log.exception("a view failed to take a worker result")

    def _fail(self, handler: Callable[[BaseException], None] | None, error: BaseException) -> None:
        if isinstance(error, GraphForbidden):
            self.last_forbidden = error
        if isinstance(error, GraphError) and error.request_entry is not None:
            self.last_failed_request = error.request_entry
        if handler is not None:
            self._safely(handler, error)
        else:
            self.report_error(error)

    def report_error(self, error: BaseException) -> None:
        """Tell the user what went wrong in one sentence; details go to the log."""
        from intune_tui.auth.errors import AuthError
        from intune_tui.ui.commands import SHOW_REQUEST_HINT

        if isinstance(error, GraphError) and error.request_entry is not None:
            self.last_failed_request = error.request_entry

        if isinstance(error, GraphForbidden):
            self.last_forbidden = error
            text = f"{error} Open :access to see what is missing ({SHOW_REQUEST_HINT})."
        elif isinstance(error, AuthError):
            text = error.explain()
        elif isinstance(error, GraphError):
            text = f"{error} ({SHOW_REQUEST_HINT})"
        else:
            log.error("unexpected error", exc_info=error)
            text = f"Something went wrong ({type(error).__name__}); details are in the log."
        self.notify(text, title="Graph", severity="error", timeout=8, markup=False)

    # -- commands ------------------------------------------------------------------------------

    def action_help(self) -> None:
        from intune_tui.ui.screens.help import HelpScreen, screen_keys

        keys = screen_keys(self, self.screen.active_bindings.values())
        self.push_screen(HelpScreen(self.screen.title or self.current_mode, keys,
                                    tuple(self.settings.views.values())))

    def action_command_line(self) -> None:
        from intune_tui.ui.screens.command_line import CommandLine

        self.push_screen(CommandLine(tuple(self.settings.profiles), tuple(self.settings.views)),
                         self.run_command_line)

    def run_command_line(self, line: str | None) -> None:
        from intune_tui.ui.commands import CommandError, parse_command

        if not line or line.strip() == ":":
            return
        try:
            command = parse_command(line, tuple(self.settings.views))
        except CommandError as error:
            self.notify(str(error), severity="warning", markup=False)
            return
        self.run_command(command.name, command.args)

    def run_command(self, name: str, args: tuple[str, ...] = ()) -> None:
        if name in MODE_KEYS:
            self.switch_mode(name)
        elif name == "q":
            self.run_worker(self.action_quit())
        elif name == "help":
            self.action_help()
        elif name == "access":
            self.action_show_access()
        elif name == "audit":
            self.action_show_audit()
        elif name == "requests":
            self.action_show_requests()
        elif name == "offboard":
            self.action_show_offboard()
        elif name == "stale":
            self.action_show_offboard(stale=" ".join(args))
        elif name == "tenant":
            self.switch_tenant(args[0])
        elif name == "user":
            from intune_tui.ui.screens.user_devices import UserPickScreen

            self.push_screen(UserPickScreen(" ".join(args)))
        elif name == "export":
            self.export_current_view(args[0])
        elif name == "save":
            self.save_current_view(args[0], args[1] if len(args) > 1 else None)
        elif name == "view":
            self.action_recall_view(args[0])

    # -- saved views ---------------------------------------------------------------------------

    def _bind_view_keys(self) -> None:
        """Each saved view's key recalls it. A view's key is looked up when pressed (see
        check_action), so a key given to another view by :save stops recalling the old one."""
        for view in self.settings.views.values():
            if view.key is not None:
                self.bind(view.key, f"recall_view({view.name!r}, {view.key!r})", show=False)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "recall_view" and len(parameters) == 2:
            view = self.settings.views.get(str(parameters[0]))
            return view is not None and view.key == parameters[1]
        return True

    def save_current_view(self, name: str, key: str | None = None) -> None:
        """`:save NAME [KEY]`: the list on screen, as it is, into config.toml's [views.NAME]."""
        from intune_tui.config import save_view
        from intune_tui.ui.commands import describe_view

        current = getattr(self.screen, "current_view", None)
        if current is None:
            self.notify("Only a list can be saved as a view; open one (:devices, :apps …) "
                        "first.", severity="warning", markup=False)
            return
        taken = self.screen.active_bindings.get(key) if key is not None else None
        if taken is not None and not taken.binding.action.startswith("recall_view("):
            self.notify(f"{key} is already {taken.binding.description or taken.binding.action} "
                        "here; choose another key for the view (f5-f12 are free).",
                        severity="warning", markup=False)
            return
        view = current(name, key)
        try:
            self.settings.views = save_view(view, path=self.settings.config_path)
        except ConfigError as error:
            self.notify(f"View not saved: {error}", severity="error", markup=False, timeout=10)
            return
        self._bind_view_keys()
        recall = f":{name}" + (f" or {key}" if key else "")
        self.notify(f"Saved view {name}: {describe_view(view)}. {recall} brings it back.",
                    title="View", markup=False, timeout=8)

    def action_recall_view(self, name: str, key: str | None = None) -> None:
        view = self.settings.views.get(name)
        if view is None:
            self.notify(f"No saved view {name}.", severity="warning", markup=False)
            return
        self.run_worker(self._show_view(view), group="view", exclusive=True)

    async def _show_view(self, view: View) -> None:
        from textual.screen import ModalScreen

        area = _area_of(view.list_name)
        if area is None:
            self.notify(f"View {view.name} shows the list {view.list_name!r}, which this app "
                        "does not have; fix [views." + view.name + "] in "
                        f"{self.settings.config_path}", severity="error", markup=False,
                        timeout=10)
            return
        if isinstance(self.screen, ModalScreen):
            self.notify("Close this dialog first.", severity="warning")
            return
        if self.current_mode != area:
            await self.switch_mode(area)
        while len(self.screen_stack) > 1 and not hasattr(self.screen, "show_view"):
            await self.pop_screen()  # a detail screen opened from the list
        show = getattr(self.screen, "show_view", None)
        if show is not None:
            await show(view)

    def export_current_view(self, fmt: str) -> None:
        export = getattr(self.screen, "export_view", None)
        if export is None:
            self.notify("This screen has no list to export.", severity="warning")
            return
        export(fmt)

    def action_show_access(self) -> None:
        from intune_tui.ui.screens.access import AccessScreen

        self.push_screen(AccessScreen(highlight=self.last_forbidden))

    def action_show_audit(self) -> None:
        from intune_tui.ui.screens.audit import AuditScreen

        self.push_screen(AuditScreen())

    def action_show_requests(self, focus: int | None = None) -> None:
        from intune_tui.ui.screens.requests import RequestLogScreen

        self.push_screen(RequestLogScreen(focus=focus))

    def action_show_failed_request(self) -> None:
        """The request log at the call behind the last error shown (else at the newest call
        that failed)."""
        focus = self.last_failed_request
        if focus is None or self.session.requests.find(focus) is None:
            failed = [entry for entry in self.session.requests.entries() if entry.failed]
            focus = failed[0].number if failed else None
        self.action_show_requests(focus)

    def open_device(self, device: Mapping[str, Any], start_tab: str | None = None) -> None:
        """The device screen for `device`; screens that list devices open it through here, so
        that no screen imports the one that imports it."""
        from intune_tui.ui.screens.device_detail import DeviceDetailScreen

        self.push_screen(DeviceDetailScreen(dict(device), start_tab=start_tab))

    def action_show_offboard(self, stale: str = "") -> None:
        """`stale`: "90" or "90 Windows" opens the stale view of those devices instead."""
        if self.settings.read_only:
            self.notify("Offboarding changes devices; this session is read-only.",
                        severity="warning")
            return
        from intune_tui.ui.screens.offboard import OffboardScreen

        self.push_screen(OffboardScreen(stale=stale))

    # -- tenants -------------------------------------------------------------------------------

    async def action_quit(self) -> None:
        """Quit; while a remote action is on the wire, ask first (it is never cancelled)."""
        from intune_tui.ui.action_flow import action_flow

        if action_flow(self).in_flight:
            self.run_worker(self._quit_when_answered(), group="quit", exclusive=True)
        else:
            self.exit()

    async def _quit_when_answered(self) -> None:
        from intune_tui.ui.action_flow import action_flow
        from intune_tui.ui.screens.in_flight import QuitWhileSending

        flow = action_flow(self)
        if not await self.push_screen_wait(QuitWhileSending(flow.in_flight_words())):
            return
        if flow.in_flight:
            self.notify(f"Quitting once {flow.in_flight_words()} has been answered…",
                        title="Quit", markup=False, timeout=30)
        await flow.idle()
        self.exit()

    def switch_tenant(self, profile: str) -> None:
        """Switch to another profile's tenant without restarting; no data crosses over.

        A remote action still on the wire is waited for first: stopping the worker would
        otherwise cut it off and leave its audit without a result."""
        from intune_tui.ui.action_flow import action_flow

        flow = action_flow(self)
        if flow.in_flight:
            self.notify(f"Waiting for {flow.in_flight_words()} before switching to {profile}…",
                        title="Tenant", markup=False, timeout=30)
        self.run_worker(self._switch_tenant_when_idle(profile), group="tenant",
                        exclusive=True)

    async def _switch_tenant_when_idle(self, profile: str) -> None:
        from intune_tui.ui.action_flow import action_flow

        await action_flow(self).idle()
        self._switch_tenant_now(profile)

    def _switch_tenant_now(self, profile: str) -> None:
        from intune_tui.config import ConfigError
        from intune_tui.session import SessionError, open_session

        try:
            settings = self.settings.for_profile(profile)
            session = open_session(settings, interaction=self.sign_in)
        except (ConfigError, SessionError) as error:
            self.notify(str(error), title="Tenant", severity="error", markup=False)
            return
        if self._worker is not None:
            self._worker.stop()
        self._streams.clear()
        self._early = None
        self._jobs.clear()
        self.settings, self.session = settings, session
        self.warm = WarmStarts(self)
        self.last_forbidden = None
        self.throttle_text = ""
        self._apply_session_header()
        self._start_worker()
        self._prepare_session()
        self.session_changed.publish(session)
        self.notify(f"Switched to {session.tenant_label}", title="Tenant", markup=False)


class AppSignIn:
    """Lets the token provider show a sign-in (device code or browser) on the app's screen.

    The provider calls `sign_in_started` from the Graph worker's thread; the screen is pushed on
    the UI thread and closes itself when the sign-in ends or the user cancels it.
    """

    def __init__(self) -> None:
        self.app: IntuneApp | None = None

    def sign_in_started(self, pending: Any) -> None:
        from intune_tui.ui.screens.signin import SignInScreen

        app = self.app
        if app is None or not app.is_running:
            pending.cancel()
            return
        app.call_from_thread(app.push_screen, SignInScreen(pending))


def _first_screen_class() -> Any:
    module, name = _MODE_SCREENS[FIRST_MODE]
    return getattr(importlib.import_module(module), name)


def run_app(settings: Settings, *, demo_graph: DemoGraphProcess | None = None) -> int:
    """Entry point used by the CLI: build the session, run the app, return an exit code.

    `demo_graph`: the demo tenant's Graph, already started in its own process by the CLI."""
    from intune_tui.session import SessionError, open_session

    sign_in = AppSignIn()
    try:
        session = open_session(settings, interaction=sign_in, demo_graph=demo_graph)
    except SessionError as error:
        print(f"intune-tui: {error}")
        return 1
    app = IntuneApp(settings, session, sign_in=sign_in,
                    styles_on_disk=RulesOnDisk(rules_cache_dir()))
    app.run(mouse=settings.mouse)
    return app.return_code or 0

"""The one-line status bar under every list: what is loaded, what is filtered, throttling, time."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from rich.text import Text
from textual.reactive import reactive
from textual.widget import Widget

from intune_tui.intune.formatting import count_of

MAX_LINES = 4  # the most the status takes; longer, its lines are cut


@dataclass(frozen=True)
class ListStatus:
    """What a list view reports about itself. Everything optional: unknown parts are not shown."""

    noun: str = "items"
    loaded: int = 0
    total: int | None = None
    shown: int | None = None
    loading: bool = False
    filter_text: str = ""
    filter_split: str = ""
    error: str = ""
    refreshed_at: datetime | None = None
    marked: int = 0
    # Set while the rows shown are the list's snapshot (warm start): how old it is.
    snapshot_age: str = ""

    def update(self, **changes: Any) -> ListStatus:
        return replace(self, **changes)


def describe(status: ListStatus, throttle: str) -> Text:
    """The status line as plain text with light styling; nothing in it is parsed as markup.
    It wraps onto more lines rather than cut what ran on Graph and what ran here."""
    line = Text(overflow="fold")
    if status.total is not None and status.total != status.loaded:
        count = f"{status.loaded:,} of {count_of(status.total, status.noun)}"
    else:
        count = count_of(status.loaded, status.noun)
    line.append(f"{'Loading ' if status.loading and not status.snapshot_age else ''}{count}")
    if status.snapshot_age:
        line.append(f" · snapshot · {status.snapshot_age}"
                    f"{' — refreshing' if status.loading else ''}", style="reverse")
    if status.shown is not None and status.shown != status.loaded:
        line.append(f" · {count_of(status.shown, 'matches')}")
    if status.marked:
        line.append(f" · {status.marked} marked", style="bold")
    if status.filter_text:
        line.append(" · filter: ")
        line.append(status.filter_text, style="bold")
        if status.filter_split:
            line.append(f" ({status.filter_split})")
    if throttle:
        line.append(f" · {throttle}", style="reverse")
    if status.error:
        line.append(f" · error: {status.error}", style="bold")
    if status.refreshed_at is not None:
        line.append(f" · refreshed {status.refreshed_at:%H:%M:%S}")
    return line


class StatusBar(Widget):
    """Shows a `ListStatus` plus the app-wide throttle state."""

    DEFAULT_CSS = f"""
    StatusBar {{ height: auto; max-height: {MAX_LINES}; width: 1fr; }}
    """

    # No layout pass per status update (they come at every page while loading): only when the
    # line count changes (`_relayout_if_taller`).
    status: reactive[ListStatus] = reactive(ListStatus, layout=False)
    throttle: reactive[str] = reactive("")
    _holding = False

    def render(self) -> Text:
        return describe(self.status, self.throttle)

    def watch_status(self) -> None:
        self._relayout_if_taller()

    def watch_throttle(self) -> None:
        self._relayout_if_taller()

    def on_resize(self) -> None:
        self._relayout_if_taller()

    def hold_lines(self, hold: bool) -> None:
        """While held, the bar keeps the lines it has when it needs fewer, and gives them back
        once released. For a query being typed: an error that comes and goes with the keys
        ("os:i" is no OS) would otherwise move the list a line at each one, and each move lays
        the screen out again (~20-40 ms of the keystroke at 120x40)."""
        self._holding = hold
        if not hold:
            self._relayout_if_taller()

    def _relayout_if_taller(self) -> None:
        width = self.content_size.width
        if not self.is_mounted or width <= 0:
            return
        lines = min(MAX_LINES, len(describe(self.status, self.throttle).wrap(self.app.console,
                                                                             width)))
        shown = self.content_size.height
        if lines > shown or (lines < shown and not self._holding):
            self.refresh(layout=True)

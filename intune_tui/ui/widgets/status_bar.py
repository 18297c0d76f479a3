"""The one-line status bar under every list: what is loaded, what is filtered, throttling, time."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime

from rich.text import Text
from textual.reactive import reactive
from textual.widget import Widget


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

    def update(self, **changes: object) -> ListStatus:
        return replace(self, **changes)  # type: ignore[arg-type]


def describe(status: ListStatus, throttle: str) -> Text:
    """The status line as plain text with light styling; nothing in it is parsed as markup."""
    line = Text(no_wrap=True, overflow="ellipsis")
    count = f"{status.loaded:,}"
    if status.total is not None and status.total != status.loaded:
        count += f" of {status.total:,}"
    line.append(f"{'Loading ' if status.loading else ''}{count} {status.noun}")
    if status.shown is not None and status.shown != status.loaded:
        line.append(f" · {status.shown:,} match")
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

    DEFAULT_CSS = """
    StatusBar { height: 1; width: 1fr; }
    """

    status: reactive[ListStatus] = reactive(ListStatus, layout=False)
    throttle: reactive[str] = reactive("")

    def render(self) -> Text:
        return describe(self.status, self.throttle)

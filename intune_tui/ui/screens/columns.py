"""`c` on a list: which columns it shows, in which order, how wide.

Shown columns come first, in their order, then the hidden ones (a hidden column keeps its place
in the list, and comes back there). Space shows or hides the column under the cursor, shift+↑/↓
(or K/J) moves it, + and - change its width, r goes back to the list's
own columns; Enter keeps the choice (the list saves it in the config file), Esc leaves everything
as it was.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from intune_tui.list_columns import WIDEST  # the config file's bound for a width
from intune_tui.ui.screens.answer_once import AnswerOnceModal
from intune_tui.ui.widgets.resource_table import TableColumn

NARROWEST = 3


@dataclass(frozen=True)
class ColumnChoice:
    """What the chooser returns: catalog indexes shown, in order, and the widths that differ
    from the catalog's (index -> cells)."""

    shown: tuple[int, ...]
    widths: Mapping[int, int]


@dataclass
class _Line:
    index: int  # in the list's own columns
    shown: bool
    width: int


class ColumnChooser(AnswerOnceModal[ColumnChoice | None]):
    """Show, hide, reorder and size the columns of one list."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("space", "toggle_column", "Show/hide", id="columns.toggle",
                tooltip="Show or hide the column under the cursor"),
        Binding("shift+up,K", "move(-1)", "Move up", id="columns.up",
                tooltip="Move the column one place left in the list"),
        Binding("shift+down,J", "move(1)", "Move down", id="columns.down",
                tooltip="Move the column one place right in the list"),
        Binding("plus,equals_sign,greater_than_sign", "resize(1)", "Wider", id="columns.wider"),
        Binding("minus,less_than_sign", "resize(-1)", "Narrower", id="columns.narrower"),
        Binding("r", "reset", "The list's own columns", id="columns.reset"),
        Binding("enter", "apply", "Keep", id="columns.apply",
                tooltip="Keep this choice (saved in the config file)"),
        Binding("escape", "cancel", "Cancel", id="columns.cancel"),
    ]

    def __init__(self, list_title: str, columns: Sequence[TableColumn], shown: Sequence[int],
                 widths: Mapping[int, int]) -> None:
        super().__init__()
        self.list_title = list_title
        self.columns = tuple(columns)
        self._lines = self._lines_for(shown, widths)

    def _lines_for(self, shown: Sequence[int], widths: Mapping[int, int]) -> list[_Line]:
        hidden = [index for index in range(len(self.columns)) if index not in shown]
        return [_Line(index, index in shown, widths.get(index, self.columns[index].width))
                for index in (*shown, *hidden)]

    def compose(self) -> ComposeResult:
        with Vertical(id="columns-dialog"):
            yield Static(Text(f"Columns of {self.list_title}"), id="columns-title")
            yield OptionList(*self._options(), id="columns-list")
            yield Static(Text("space show/hide · shift+↑↓ move · + - width · r reset · "
                              "⏎ keep · esc cancel"), id="columns-keys")

    def on_mount(self) -> None:
        options = self.query_one(OptionList)
        options.highlighted = 0
        options.focus()

    # -- what the list looks like ----------------------------------------------------------------

    def _options(self) -> list[Option]:
        title_width = max(len(column.title) for column in self.columns)
        return [Option(self._prompt(line, title_width), id=f"column-{line.index}")
                for line in self._lines]

    def _prompt(self, line: _Line, title_width: int) -> Text:
        column = self.columns[line.index]
        text = Text("[x] " if line.shown else "[ ] ", style="" if line.shown else "dim")
        text.append(column.title.ljust(title_width), style="bold" if line.shown else "dim")
        text.append(f"  {line.width:>3} wide", style="" if line.shown else "dim")
        if line.width != column.width:
            text.append(f" (was {column.width})", style="dim italic")
        return text

    def _redraw(self, highlighted: int) -> None:
        options = self.query_one(OptionList)
        options.set_options(self._options())
        options.highlighted = highlighted

    @property
    def _cursor(self) -> int:
        highlighted = self.query_one(OptionList).highlighted
        return 0 if highlighted is None else highlighted

    # -- keys --------------------------------------------------------------------------------------

    def action_toggle_column(self) -> None:
        line = self._lines[self._cursor]
        if line.shown and sum(1 for other in self._lines if other.shown) == 1:
            self.notify("One column at least stays shown", severity="warning", markup=False)
            return
        line.shown = not line.shown
        self._redraw(self._cursor)

    def action_move(self, step: int) -> None:
        position = self._cursor
        target = position + step
        if not 0 <= target < len(self._lines):
            return
        self._lines[position], self._lines[target] = self._lines[target], self._lines[position]
        self._redraw(target)

    def action_resize(self, step: int) -> None:
        line = self._lines[self._cursor]
        line.width = max(NARROWEST, min(WIDEST, line.width + step))
        self._redraw(self._cursor)

    def action_reset(self) -> None:
        self._lines = self._lines_for(range(len(self.columns)), {})
        self._redraw(0)

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.action_apply()

    def action_apply(self) -> None:
        self.answer(self.choice)

    def action_cancel(self) -> None:
        self.answer(None)

    @property
    def choice(self) -> ColumnChoice:
        """What the chooser shows now."""
        return ColumnChoice(
            tuple(line.index for line in self._lines if line.shown),
            {line.index: line.width for line in self._lines
             if line.width != self.columns[line.index].width})

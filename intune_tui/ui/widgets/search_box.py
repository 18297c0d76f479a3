"""The search (or filter) box of a list or detail screen: one line under the header, hidden until
`/` opens it (app.tcss: `#search`, `#search.-visible`)."""

from __future__ import annotations

import asyncio

from textual.geometry import Size
from textual.reactive import Reactive

from intune_tui.ui.widgets.line_input import LineInput


class SearchBox(LineInput):
    """Hidden until opened; closing it empties it. The screen reacts to its Changed and
    Submitted messages (`@on(Input.Changed, "#search")`)."""

    # Textual's Input sets its virtual size (the text's width) at every change of its value,
    # and a widget's virtual size asks for a layout of the whole screen: each keystroke laid
    # out and painted every widget again. The box is one line of fixed size: a repaint does.
    virtual_size = Reactive(Size(0, 0), layout=False)

    def __init__(self, placeholder: str) -> None:
        super().__init__(placeholder=placeholder, id="search")
        # Hidden, it takes no focus: a screen's auto focus picks the first widget that can take
        # it whether or not it is displayed, and this box comes first.
        self.can_focus = False

    @property
    def is_open(self) -> bool:
        """Shown, or holding text (a search given by `:` or kept from before)."""
        return self.has_class("-visible") or bool(self.value)

    def open(self, text: str | None = None) -> None:
        """Show the box; with `text`, holding it (and the keys stay where they are)."""
        self.add_class("-visible")
        self.can_focus = True
        if text is None:
            self.focus()
        else:
            self.value = text

    def close(self) -> None:
        """Empty and hide the box."""
        self.value = ""
        self.remove_class("-visible")
        self.can_focus = False


async def with_the_letter_typed() -> None:
    """Await at the end of a `Changed` handler that filtered rows: the widgets it changed (the
    rows, the status line) post their repaint to the screen before the screen goes idle, so
    they show in the frame that shows the letter typed. Otherwise a filter longer than a frame's
    period (~21 ms at a million rows) has the screen paint the letter at once and the rows it
    selects one update later (17-33 ms): each widget asks for its repaint only once the
    screen's handler has returned and the loop turns to it."""
    await asyncio.sleep(0)

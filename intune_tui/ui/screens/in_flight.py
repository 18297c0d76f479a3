"""Asked when the user quits while a remote action is still on the wire.

The write is never cancelled: the choice is to quit once Graph has answered (and the audit holds
the result) or to stay. "Wait, then quit" is focused, so Enter alone keeps the action whole.
"""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Static


class QuitWhileSending(ModalScreen[bool]):
    """True: quit once every write in flight is answered; False: stay."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "stay", "Stay", id="in_flight.stay"),
    ]

    def __init__(self, what: str) -> None:
        super().__init__()
        self.what = what

    def compose(self) -> ComposeResult:
        with Vertical(id="in-flight-dialog"):
            yield Static(Text("A remote action is still being sent"), id="in-flight-title")
            yield Static(Text(
                f"{self.what} has not been answered yet. It is not cancelled: quitting now "
                "would leave the audit without its result. Quit once Graph has answered?"),
                id="in-flight-text")
            with Horizontal(id="in-flight-buttons"):
                yield Button("Wait, then quit", id="wait", variant="primary")
                yield Button("Stay", id="stay")

    def on_mount(self) -> None:
        self.query_one("#wait", Button).focus()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.dismiss(event.button.id == "wait")

    def action_stay(self) -> None:
        self.dismiss(False)

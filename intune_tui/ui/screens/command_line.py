"""The `:` prompt: one line at the bottom, with completion of commands and profile names."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import ModalScreen
from textual.suggester import SuggestFromList
from textual.widgets import Input

from intune_tui.ui.commands import completions
from intune_tui.ui.widgets.line_input import LineInput


class CommandLine(ModalScreen[str | None]):
    """Dismisses with the typed line, or None on Esc. Tab or → takes the grey completion."""

    BINDINGS = [
        Binding("escape", "cancel", "Cancel", id="command.cancel"),
        Binding("tab", "complete", "Complete", id="command.complete", priority=True),
    ]

    def __init__(self, profiles: tuple[str, ...] = (), views: tuple[str, ...] = ()) -> None:
        super().__init__()
        self._profiles = profiles
        self._views = views

    def compose(self) -> ComposeResult:
        yield LineInput(
            value=":",
            placeholder=":devices, :apps, :tenant NAME, :export csv, :q",
            suggester=SuggestFromList(completions(self._profiles, self._views),
                                      case_sensitive=False),
            id="command-input",
            # Keep the ':' typed by the prompt: selecting it on focus would let the first key
            # replace it, and the completions all start with ':'.
            select_on_focus=False,
        )

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.dismiss(event.value)

    def action_complete(self) -> None:
        command_input = self.query_one(Input)
        command_input.action_end()
        command_input.action_cursor_right()

    def action_cancel(self) -> None:
        self.dismiss(None)

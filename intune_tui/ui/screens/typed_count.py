"""The base of the screens that preview a plan of writes and run it only once the user typed how
many objects it touches (`:offboard`, its Autopilot edit): the same keys (ctrl+l previews and
sends nothing, ctrl+r runs), the same count check, one confirmation taken once."""

from __future__ import annotations

from typing import ClassVar, NamedTuple

from rich.text import Text
from textual.binding import Binding, BindingType
from textual.screen import Screen
from textual.widgets import Input, Static

from intune_tui.ui.typed_app import IntuneAppMixin


class PlanKey(NamedTuple):
    """One of the two plan keys as a screen names it: its binding id after the screen's scope,
    its action, the footer label and the tooltip."""

    id: str
    action: str
    label: str
    tooltip: str


def plan_bindings(scope: str, preview: PlanKey, run: PlanKey,
                  *more: BindingType) -> list[BindingType]:
    """ctrl+l for `preview` (nothing is sent), ctrl+r for `run` (once the count is typed), the
    screen's `more` keys, then escape back; `scope` (the screen's `SCOPE`) starts every id."""
    return [*(Binding(key, plan_key.action, plan_key.label, id=f"{scope}.{plan_key.id}",
                      tooltip=plan_key.tooltip)
              for key, plan_key in (("ctrl+l", preview), ("ctrl+r", run))),
            *more,
            Binding("escape", "app.pop_screen", "Back", id=f"{scope}.back")]


class TypedCountScreen(IntuneAppMixin, Screen[None]):
    """`SCOPE` starts the ids of the screen's keys and widgets: `SCOPE-intro` shows `INTRO`,
    the count is typed into the Input `SCOPE-confirm`. `running` holds from the confirmation
    until the run's report."""

    SCOPE: ClassVar[str]
    INTRO: ClassVar[str]

    def __init__(self) -> None:
        super().__init__()
        self.running = False

    def intro(self) -> Static:
        return Static(Text(self.INTRO), id=f"{self.SCOPE}-intro")

    def confirm_input(self) -> Input:
        return self.query_one(f"#{self.SCOPE}-confirm", Input)

    def count_typed(self, count: int, what: str, doing: str) -> bool:
        """Whether the user typed `count`; if not, says so and the caller sends nothing."""
        if self.confirm_input().value.strip() == str(count):
            return True
        self.notify(f"Type {count} (the number of {what}) to {doing}; nothing was sent.",
                    severity="warning")
        return False

    def take_confirmation(self) -> None:
        """The typed count starts one run: it is cleared and `running` holds until the end."""
        self.running = True
        self.confirm_input().value = ""

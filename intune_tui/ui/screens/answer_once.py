"""A modal that answers once: a second Enter, click or Esc while the first answer is on its way
(the screen is still up for a frame) dismisses nothing again."""

from __future__ import annotations

from typing import TypeVar

from textual.screen import ModalScreen

ResultT = TypeVar("ResultT")


class AnswerOnceModal(ModalScreen[ResultT]):
    answered = False

    def answer(self, result: ResultT) -> None:
        """Dismiss with `result`, unless an answer was given already."""
        if self.answered:
            return
        self.answered = True
        self.dismiss(result)

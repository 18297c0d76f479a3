"""A `VerticalScroll` whose scroll bar always shows where the view is.

Textual 8.2.8 moves a scroll bar's thumb only while the bar is shown (`Widget.watch_scroll_y`
checks `show_vertical_scrollbar`). When the content shrinks until it fits, the view is clamped to
its top but the hidden bar keeps its old position; when the content grows again the view stays at
the top and the bar comes back with the stale thumb. Where the thumb lands depended on which
layouts ran while the content shrank: the offboarding report (a long plan, then one "Running…"
line, then the report) drew its thumb at the bottom of the bar, or partly down, while its first
line was on screen. Drop this class when Textual keeps a hidden bar in step.
"""

from __future__ import annotations

from textual.containers import VerticalScroll


class ScrollArea(VerticalScroll):
    """`VerticalScroll` whose vertical bar follows the view while hidden too (module docstring)."""

    def watch_scroll_y(self, old_value: float, new_value: float) -> None:
        super().watch_scroll_y(old_value, new_value)
        bar = self._vertical_scrollbar  # None until the bar was first needed
        if bar is not None and not self.show_vertical_scrollbar:
            bar.position = new_value

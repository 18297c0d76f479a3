"""The key bar: the keys that matter on a screen first, as many as fit, short labels when narrow.

Textual 8.2.8's Footer shows every `show=True` binding in binding-chain order (focused widget
first, then screen, then app) and lets the ones that do not fit run off the right edge; it has no
notion of which keys matter most (`Binding.priority` is about dispatch, `Footer.compact` only
tightens the spacing). Here a screen lists the ids of its keys in order of importance
(`FOOTER_KEYS`); those are shown even when their binding says `show=False`, in that order, and a
key that does not fit in the width is left out (every key is still in `?`) rather than cut.

One widget drawing one line (Textual's line API), not Textual's Footer of one widget per key:
each of those was styled and laid out on its own, at every screen push and focus move (about a
fifth of the UI thread's work before the device screen's first paint). It draws what that
Footer drew, cell for cell and style for style (the snapshot tests compare them); its spacing
and colours are component classes, so app.tcss still narrows it under 100 columns.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar

from rich.segment import Segment
from rich.style import Style
from textual import events
from textual.binding import Binding
from textual.strip import Strip
from textual.widget import Widget

from intune_tui.ui.widgets.part_styles import PartStyles

if TYPE_CHECKING:
    from textual.screen import Screen

NARROW_BELOW = 100  # the app's -narrow breakpoint (app.tcss tightens the bar under it)

# Labels used when the long ones do not all fit, by binding id: the shortest word that still
# says what the key does.
SHORT_LABELS: dict[str, str] = {
    "devices.why": "Why",
    "devices.bulk_actions": "Bulk",
    "detail.why": "Why",
    "list.refresh": "Reload",
    "detail.refresh": "Reload",
}
PALETTE_SEPARATOR = "▏"  # Textual's `vkey` border left of the palette key


def ranked(bindings: Iterable[Binding], order: tuple[str, ...]) -> list[Binding]:
    """Listed ids first in their order, then the other shown keys in their own order."""
    listed = {binding_id: index for index, binding_id in enumerate(order)}
    chosen = [binding for binding in bindings
              if binding.id in listed or binding.show]
    return sorted(chosen, key=lambda binding: listed.get(binding.id or "", len(listed)))


def one_per_action(bindings: list[Binding]) -> list[Binding]:
    """A key per action (`? f1` both help: the first one shown, as Textual's Footer does)."""
    seen: set[str] = set()
    unique = []
    for binding in bindings:
        if binding.action not in seen:
            seen.add(binding.action)
            unique.append(binding)
    return unique


def fit(widths: list[int], budget: int) -> list[bool]:
    """Which keys to keep, most important first: each one that still fits."""
    kept: list[bool] = []
    for width in widths:
        kept.append(width <= budget)
        if width <= budget:
            budget -= width
    return kept


@dataclass(frozen=True)
class Spacing:
    """The cells around a key's parts, from the bar's component styles (app.tcss)."""

    key: tuple[int, int]  # left, right of the key
    label: tuple[int, int]  # left, right of its label
    gap: int  # after each key
    padding: tuple[int, int]  # the bar's own left, right
    palette: bool  # whether the palette key shows (right, after a separator)
    palette_right: int  # after the palette key

    def key_text(self, display: str) -> str:
        return " " * self.key[0] + display + " " * self.key[1]

    def label_text(self, label: str) -> str:
        return " " * self.label[0] + label + " " * self.label[1]

    def width(self, display: str, label: str) -> int:
        if not label:
            return len(display) + self.gap
        return len(self.key_text(display)) + len(self.label_text(label)) + self.gap


@dataclass(frozen=True)
class ShownKey:
    """A key as drawn: its binding's key and action, what it shows, where (content cells)."""

    key: str
    action: str
    display: str
    label: str
    enabled: bool
    tooltip: str
    start: int
    end: int  # after its label, before the gap


class KeyFooter(Widget, can_focus=False):
    """A key bar ordered by the screen's `FOOTER_KEYS` that drops what does not fit."""

    ALLOW_SELECT = False
    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "key-footer--key", "key-footer--description", "key-footer--gap",
        "key-footer--hover", "key-footer--disabled", "key-footer--palette",
        "key-footer--separator",
    }
    # Textual 8.2.8's Footer and FooterKey CSS, as one widget's parts.
    DEFAULT_CSS = """
    KeyFooter {
        dock: bottom;
        height: 1;
        width: 1fr;
        color: $footer-foreground;
        background: $footer-background;
        & > .key-footer--key {
            color: $footer-key-foreground;
            background: $footer-key-background;
            text-style: bold;
            padding: 0 1;
        }
        & > .key-footer--description {
            color: $footer-description-foreground;
            background: $footer-description-background;
            padding: 0 1 0 0;
        }
        & > .key-footer--gap { margin: 0; }
        & > .key-footer--hover { background: $block-hover-background; }
        & > .key-footer--disabled { text-style: dim; }
        & > .key-footer--palette { padding: 0 1 0 0; }
        & > .key-footer--separator { color: $foreground 20%; }
    }
    """

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self._shown: list[ShownKey] | None = None  # None: to work out at the next draw
        self._palette: ShownKey | None = None
        self._hover: str | None = None  # the key under the mouse
        self._style = PartStyles(self._part_style)

    # -- what is shown --------------------------------------------------------------------------

    def spacing(self) -> Spacing:
        def padding(name: str) -> tuple[int, int]:
            found = self.get_component_styles(name).padding
            return found.left, found.right

        return Spacing(key=padding("key-footer--key"), label=padding("key-footer--description"),
                       gap=self.get_component_styles("key-footer--gap").margin.right,
                       padding=(self.styles.padding.left, self.styles.padding.right),
                       palette=self.get_component_styles("key-footer--palette").display != "none",
                       palette_right=self.get_component_styles("key-footer--palette"
                                                               ).padding.right)

    @property
    def shown(self) -> list[ShownKey]:
        """The keys drawn, most important first."""
        if self._shown is None:
            self._shown, self._palette = self._lay_out()
        return self._shown

    def _lay_out(self) -> tuple[list[ShownKey], ShownKey | None]:
        """Which keys fit in the app's width (the bar is as wide), most important first."""
        screen = self.screen
        spacing = self.spacing()
        content_width = self.app.size.width - sum(spacing.padding)
        palette = self._palette_key(screen, spacing, content_width)
        palette_width = len(" ^p palette ") + 1 if palette is not None else 0
        budget = content_width - palette_width
        active = screen.active_bindings
        order: tuple[str, ...] = getattr(screen, "FOOTER_KEYS", ())
        bindings = one_per_action(ranked((binding for _node, binding, _enabled, _tooltip
                                          in active.values()), order))
        displays = [self.app.get_key_display(binding) for binding in bindings]
        labels = [binding.description for binding in bindings]
        widths = [spacing.width(display, label)
                  for display, label in zip(displays, labels, strict=True)]
        if sum(widths) > budget:
            labels = [SHORT_LABELS.get(binding.id or "", binding.description)
                      for binding in bindings]
            widths = [spacing.width(display, label)
                      for display, label in zip(displays, labels, strict=True)]
        shown: list[ShownKey] = []
        x = 0
        for binding, display, label, width, keep in zip(
                bindings, displays, labels, widths, fit(widths, budget), strict=True):
            if keep:
                shown.append(ShownKey(binding.key, binding.action, display, label,
                                      active[binding.key].enabled,
                                      binding.tooltip or binding.description,
                                      x, x + width - spacing.gap))
                x += width
        return shown, palette

    def _palette_key(self, screen: Screen[object], spacing: Spacing,
                     content_width: int) -> ShownKey | None:
        """The command palette's key, right of the others (Textual's Footer shows it so)."""
        if not (spacing.palette and self.app.ENABLE_COMMAND_PALETTE):
            return None
        found = screen.active_bindings.get(self.app.COMMAND_PALETTE_BINDING)
        if found is None:
            return None
        _node, binding, enabled, _tooltip = found
        display = self.app.get_key_display(binding)
        # Drawn compact, as Textual draws it: "^p palette", then the padding.
        end = content_width - spacing.palette_right
        start = end - len(display) - 1 - len(binding.description)
        return ShownKey(binding.key, binding.action, display, binding.description, enabled,
                        binding.tooltip or binding.description, start, end)

    def _keys_changed(self, _screen: Screen[object] | None = None) -> None:
        """The screen's bindings changed (a focus move, a check_action): drawn again if what
        the bar shows changed."""
        before = (self._shown, self._palette)
        self._shown, self._palette = self._lay_out()
        if (self._shown, self._palette) != before:
            self._hover = None
            self.refresh()

    # -- drawing --------------------------------------------------------------------------------

    def _part_style(self, part: str) -> Style:
        """The rich style of a part ("key", "description", "hover", "disabled", "offset N")."""
        if part.startswith("offset "):
            return Style(meta={"offset": (int(part.split()[1]), 0)})
        if part == "background":
            return Style(bgcolor=self.rich_style.bgcolor)
        if part == "hover":
            return Style(bgcolor=self.get_component_rich_style("key-footer--hover").bgcolor)
        if part == "disabled":
            return Style(dim=True)
        return self.get_component_rich_style(f"key-footer--{part}")

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._style.clear()
        self._shown = None

    def _key_segments(self, shown: ShownKey, key_text: str, label_text: str) -> list[Segment]:
        """A key and its label as Textual's FooterKey draws them (its offsets in `meta`)."""
        extra: tuple[str, ...] = ("hover",) if shown.key == self._hover else ()
        extra += () if shown.enabled else ("disabled",)
        segments = [Segment(key_text, self._style("key", *extra, "offset 0"))]
        if shown.label:
            segments.append(Segment(label_text, self._style(
                "description", *extra, f"offset {len(key_text)}")))
        return segments

    def render_line(self, y: int) -> Strip:
        width = self.content_size.width
        background = self._style("background")
        if y or width <= 0:
            return Strip.blank(width, background)
        spacing = self.spacing()
        shown, palette = self.shown, self._palette
        segments: list[Segment] = []
        x = 0
        for index, key in enumerate(shown):
            if index and spacing.gap:
                segments.append(Segment(" " * spacing.gap, background))
            segments += self._key_segments(key, spacing.key_text(key.display) if key.label
                                           else key.display, spacing.label_text(key.label))
            x = key.end
        rest = (palette.start - 1 if palette is not None else width) - x
        if rest > 0:
            segments.append(Segment(" " * rest, background))
        if palette is not None:
            segments.append(Segment(PALETTE_SEPARATOR, self._style("background", "separator")))
            segments += self._key_segments(palette, palette.display, f" {palette.label}")
            if spacing.palette_right:
                segments.append(Segment(" " * spacing.palette_right, background))
        return Strip(segments).crop_extend(0, width, background)

    # -- keys, bindings and the mouse -----------------------------------------------------------

    def on_mount(self) -> None:
        self.screen.bindings_updated_signal.subscribe(self, self._keys_changed)

    def on_unmount(self) -> None:
        self.screen.bindings_updated_signal.unsubscribe(self)

    def on_resize(self, _event: events.Resize) -> None:
        self._shown = None
        self.refresh()

    def key_at(self, x: int) -> ShownKey | None:
        """The key drawn at content cell `x` (its gap belongs to none)."""
        keys = [*self.shown, *([self._palette] if self._palette is not None else [])]
        return next((key for key in keys if key.start <= x < key.end), None)

    def _key_under(self, event: events.MouseEvent) -> ShownKey | None:
        offset = event.get_content_offset(self)
        return None if offset is None else self.key_at(offset.x)

    def on_mouse_move(self, event: events.MouseMove) -> None:
        key = self._key_under(event)
        hover = key.key if key is not None else None
        if hover != self._hover:
            self._hover = hover
            self.tooltip = key.tooltip if key is not None else None
            self.refresh()

    def on_leave(self, _event: events.Leave) -> None:
        if self._hover is not None:
            self._hover = None
            self.refresh()

    def on_mouse_down(self, event: events.MouseDown) -> None:
        """A click on a key presses it (a disabled one rings the bell), as on Textual's."""
        key = self._key_under(event)
        if key is None:
            return
        if key.enabled:
            self.app.simulate_key(key.key)
        else:
            self.app.bell()

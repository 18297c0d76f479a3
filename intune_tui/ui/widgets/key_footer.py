"""The key bar: the keys that matter on a screen first, as many as fit, short labels when narrow.

Textual 8.2.8's Footer shows every `show=True` binding in binding-chain order (focused widget
first, then screen, then app) and lets the ones that do not fit run off the right edge; it has no
notion of which keys matter most (`Binding.priority` is about dispatch, `Footer.compact` only
tightens the spacing). Here a screen lists the ids of its keys in order of importance
(`FOOTER_KEYS`); those are shown even when their binding says `show=False`, in that order, and a
key that does not fit in the width is left out (every key is still in `?`) rather than cut.
"""

from __future__ import annotations

from collections.abc import Iterable

from textual.app import ComposeResult
from textual.binding import Binding
from textual.events import Resize
from textual.widgets import Footer
from textual.widgets._footer import FooterKey

NARROW_BELOW = 100  # the app's -narrow breakpoint (app.tcss tightens the footer under it)

# Labels used when the long ones do not all fit, by binding id: the shortest word that still
# says what the key does.
SHORT_LABELS: dict[str, str] = {
    "devices.why": "Why",
    "devices.bulk_actions": "Bulk",
    "detail.why": "Why",
    "list.refresh": "Reload",
    "detail.refresh": "Reload",
}


def key_width(key_display: str, label: str, *, narrow: bool) -> int:
    """Cells one key takes: app.tcss (narrow) or Textual's FooterKey padding (wide)."""
    if narrow:
        return len(key_display) + 1 + len(label) + 1  # "k Label" + margin-right 1
    return 1 + len(key_display) + 1 + len(label) + 1  # " k " + "Label "


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


class KeyFooter(Footer):
    """A Footer ordered by the screen's `FOOTER_KEYS` that drops what does not fit."""

    _composed: tuple[object, ...] | None = None

    def _keys(self) -> list[tuple[Binding, str, str]]:
        """(binding, key shown, label) of each key that fits, most important first."""
        width = self.app.size.width
        narrow = width < NARROW_BELOW
        active = self.screen.active_bindings
        order: tuple[str, ...] = getattr(self.screen, "FOOTER_KEYS", ())
        bindings = one_per_action(ranked((binding for _node, binding, _enabled, _tooltip
                                          in active.values()), order))
        displays = [self.app.get_key_display(binding) for binding in bindings]
        palette = 0 if narrow else len(" ^p palette ") + 1
        budget = width - (1 if narrow else 0) - palette
        labels = [binding.description for binding in bindings]
        widths = [key_width(display, label, narrow=narrow)
                  for display, label in zip(displays, labels, strict=True)]
        if sum(widths) > budget:
            labels = [SHORT_LABELS.get(binding.id or "", binding.description)
                      for binding in bindings]
            widths = [key_width(display, label, narrow=narrow)
                      for display, label in zip(displays, labels, strict=True)]
        return [(binding, display, label) for binding, display, label, keep
                in zip(bindings, displays, labels, fit(widths, budget), strict=True) if keep]

    def _signature(self) -> tuple[object, ...]:
        """What the bar shows: the same signature draws the same keys."""
        active = self.screen.active_bindings
        palette = active.get(self.app.COMMAND_PALETTE_BINDING)
        return (self.compact, self.show_command_palette,
                tuple((binding.key, display, label, active[binding.key].enabled,
                       binding.tooltip) for binding, display, label in self._keys()),
                None if palette is None else (palette[1].key, palette[2]))

    async def recompose(self) -> None:
        """Rebuilt only when the keys shown change: a screen push or a focus move fires the
        bindings signal several times, and each rebuild re-styled every key (a good part of the
        time before the device screen first paints)."""
        if not self.is_attached or self._signature() == self._composed:
            return
        await super().recompose()

    def compose(self) -> ComposeResult:
        # Composed with the screen, from the bindings it has then (Textual's Footer waits for
        # the screen's first bindings signal, after its first frame): the first frame has its
        # keys, and the rebuild that signal asks for is skipped when they are the same (for
        # the device screen: mounting them after its first frame took as long as a layout).
        self._composed = self._signature()
        active = self.screen.active_bindings
        for binding, display, label in self._keys():
            key = FooterKey(binding.key, display, label, binding.action,
                            disabled=not active[binding.key].enabled,
                            tooltip=binding.tooltip or binding.description)
            yield self._compact_as_footer(key).data_bind(compact=Footer.compact)
        yield from self._palette_key()

    def _compact_as_footer(self, key: FooterKey) -> FooterKey:
        """The key with the footer's `compact` before it mounts: a FooterKey starts compact and
        the binding then turns that off, each a re-style of the key (twice per key per rebuild,
        a good part of a screen's time to its first paint)."""
        key.set_reactive(FooterKey.compact, self.compact)
        key.set_class(self.compact, "-compact", update=False)
        return key

    def _palette_key(self) -> ComposeResult:
        if not (self.show_command_palette and self.app.ENABLE_COMMAND_PALETTE):
            return
        found = self.screen.active_bindings.get(self.app.COMMAND_PALETTE_BINDING)
        if found is None:
            return
        _node, binding, enabled, _tooltip = found
        yield FooterKey(binding.key, self.app.get_key_display(binding), binding.description,
                        binding.action, classes="-command-palette", disabled=not enabled,
                        tooltip=binding.tooltip or binding.description)

    def on_resize(self, event: Resize) -> None:
        if event.size.width != getattr(self, "_laid_out_for", None):
            self._laid_out_for = event.size.width
            self.call_after_refresh(self.recompose)

"""Rich styles a line-API widget composes from its named parts, each mix worked out once."""

from collections.abc import Callable

from rich.style import Style


class PartStyles:
    """Call with parts ("key", "hover", …) for their styles laid over each other, left to right.

    `part_style` gives one part's style; the mixes are kept until `clear()`, which the widget calls
    from `notify_style_update` when its CSS (or the theme) changes.
    """

    def __init__(self, part_style: Callable[[str], Style]) -> None:
        self._part_style = part_style
        self._mixes: dict[tuple[str, ...], Style] = {}

    def __call__(self, *parts: str) -> Style:
        mix = self._mixes.get(parts)
        if mix is None:
            mix = Style.chain(*map(self._part_style, parts)) if parts else Style()
            self._mixes[parts] = mix
        return mix

    def clear(self) -> None:
        self._mixes.clear()

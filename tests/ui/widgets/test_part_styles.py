from rich.style import Style

from intune_tui.ui.widgets.part_styles import PartStyles


def test_parts_are_laid_left_to_right_and_each_mix_is_worked_out_once_until_cleared() -> None:
    asked: list[str] = []
    parts = {"tab": Style(color="white", bgcolor="black"), "active": Style(color="yellow"),
             "hover": Style(bgcolor="blue")}

    def part_style(part: str) -> Style:
        asked.append(part)
        return parts[part]

    styles = PartStyles(part_style)
    assert styles("tab", "active") == Style(color="yellow", bgcolor="black")
    assert styles("tab", "hover") == Style(color="white", bgcolor="blue")
    assert styles("tab", "active") == Style(color="yellow", bgcolor="black")
    assert asked == ["tab", "active", "tab", "hover"]

    parts["active"] = Style(color="red")
    styles.clear()
    assert styles("tab", "active") == Style(color="red", bgcolor="black")
    assert styles() == Style()

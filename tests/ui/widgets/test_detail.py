"""The field list repaints in place when its lines stay as they are, and lays out when not."""

from __future__ import annotations

import pytest
from rich.console import Console
from rich.segment import Segment
from textual.app import App, ComposeResult
from textual.containers import VerticalScroll
from textual.widgets import Static

from intune_tui.intune.formatting import Field
from intune_tui.ui.widgets.detail import FieldList, FieldTable, field_table, one_line_each


class FieldsApp(App[None]):
    def compose(self) -> ComposeResult:
        yield VerticalScroll(FieldList(id="fields"), Static("below", id="below"))


def _text(app: FieldsApp) -> str:
    fields = app.query_one(FieldList)
    return "\n".join(strip.text for strip in fields.render_lines(fields.size.region))


def test_one_line_each_only_when_no_value_wraps_beside_the_widest_label() -> None:
    fields = [("Name", "LT-1"), ("Operating system", "Windows 10.0")]
    # widest label 16 + gap 2 + "Windows 10.0" 12 = 30 cells
    assert one_line_each(fields, 30)
    assert not one_line_each(fields, 29)
    assert one_line_each([("Note", "two\nlines")], 80)  # shown cleaned: "two lines"
    assert not one_line_each([], 80)


async def test_a_longer_value_grows_the_list_and_a_shorter_one_repaints_in_place() -> None:
    app = FieldsApp()
    async with app.run_test(size=(40, 12)) as pilot:
        fields = app.query_one(FieldList)
        fields.show([("Name", "LT-1"), ("Memory", "—"), ("Serial", "S1")])
        await pilot.pause()
        assert fields.size.height == 3
        assert app.query_one("#below").region.y == 3

        # Same lines: the new values are drawn, nothing moves.
        fields.show([("Name", "LT-1"), ("Memory", "16.0 GB"), ("Serial", "S1")])
        await pilot.pause()
        assert "Memory  16.0 GB" in _text(app)
        assert app.query_one("#below").region.y == 3

        # A value that wraps at 40 columns: the list grows and what is below moves down.
        fields.show([("Name", "LT-1"), ("Memory", "16.0 GB " * 6), ("Serial", "S1")])
        await pilot.pause()
        assert fields.size.height > 3
        assert app.query_one("#below").region.y == fields.size.height

        # Back to one line each: it shrinks again.
        fields.show([("Name", "LT-2"), ("Memory", "8.0 GB"), ("Serial", "S2")])
        await pilot.pause()
        assert fields.size.height == 3
        assert app.query_one("#below").region.y == 3
        assert "Name    LT-2" in _text(app)


FIELD_SETS: list[list[Field]] = [
    [("Name", "LT-1"), ("Operating system", "Windows 10.0.22631"), ("Memory", None),
     ("Serial", "")],
    [("Primary user", "Ada Lovelace <ada@contoso.example>"), ("IMEI", "  35 20 99")],
    [("Name", "東京-ノート-01"), ("Model", "Surface Laptop 5 trailing  ")],
    [("Only", "x")],
    [("Notes", "a long value " * 8)],  # wraps at every width below: Rich's Table draws it
]


@pytest.mark.parametrize("fields", FIELD_SETS)
@pytest.mark.parametrize("width", [118, 76, 40, 24])
@pytest.mark.parametrize("cursor", [None, 0, 1])
def test_field_lines_are_the_segments_rich_table_draws(fields: list[Field], width: int,
                                                       cursor: int | None) -> None:
    console = Console(width=width, color_system="truecolor", legacy_windows=False)
    options = console.options.update(width=width)
    ours: list[Segment] = list(console.render(FieldTable(fields, cursor=cursor), options))
    rich: list[Segment] = list(console.render(field_table(fields, cursor=cursor), options))
    assert ours == rich

from datetime import datetime

import pytest
from make_screenshots import devices_loaded
from textual.geometry import Region
from textual.widget import Widget
from waiting import wait_until

from intune_tui.intune.formatting import count_of
from intune_tui.ui.widgets.status_bar import ListStatus, StatusBar, describe


def test_status_line_says_loaded_of_total_filter_split_and_throttle() -> None:
    status = ListStatus(
        noun="devices",
        loaded=3000,
        total=100000,
        shown=12,
        loading=True,
        filter_text="os:ios serial:C02",
        filter_split="Graph: operatingSystem; here: serial",
        refreshed_at=datetime(2026, 11, 20, 9, 0, 5),
    )
    text = describe(status, "throttled by Graph, retrying in 3 s").plain
    assert text.startswith("Loading 3,000 of 100,000 devices · 12 matches")
    assert "filter: os:ios serial:C02 (Graph: operatingSystem; here: serial)" in text
    assert "retrying in 3 s" in text
    assert text.endswith("refreshed 09:00:05")


@pytest.mark.parametrize(("loading", "error", "words"), [
    (True, "", "2,000 devices · snapshot · 3 h old — refreshing"),
    (False, "Graph is down", "2,000 devices · snapshot · 3 h old · error: Graph is down"),
])
def test_a_snapshot_says_so_with_its_age(loading: bool, error: str, words: str) -> None:
    status = ListStatus(noun="devices", loaded=2000, loading=loading, error=error,
                        snapshot_age="3 h old")
    assert describe(status, "").plain == words


@pytest.mark.parametrize(("loaded", "shown", "words"), [
    (1, None, "1 device"),
    (2000, 1, "2,000 devices · 1 match"),
    (2000, 34, "2,000 devices · 34 matches"),
])
def test_counts_agree_with_their_nouns(loaded: int, shown: int | None, words: str) -> None:
    text = describe(ListStatus(noun="devices", loaded=loaded, shown=shown), "").plain
    assert text == words


def test_nouns_take_their_singular() -> None:
    assert [count_of(1, noun) for noun in ("policies", "apps", "statuses", "terms")] == [
        "1 policy", "1 app", "1 status", "1 term"]
    assert count_of(0, "policies") == "0 policies"


def test_markup_in_filter_text_stays_literal() -> None:
    text = describe(ListStatus(filter_text="[bold]x"), "")
    assert "[bold]x" in text.plain


def visible_text(widget: Widget) -> str:
    """What the widget draws, its lines joined by spaces."""
    lines = widget.render_lines(Region(0, 0, widget.size.width, widget.size.height))
    return " ".join(strip.text.strip() for strip in lines)


@pytest.mark.parametrize("size", [(80, 24), (120, 40)])
async def test_status_line_is_not_cut_at_narrow_widths(make_app, size: tuple[int, int]) -> None:
    app = make_app()
    async with app.run_test(size=size) as pilot:
        await devices_loaded(pilot)
        await pilot.press("slash", *"4441 os:windows", "enter")
        bar = app.screen.query_one(StatusBar)
        await wait_until(pilot, lambda: app.screen._complete)
        status = bar.status
        assert status.filter_split.startswith("Graph:"), status
        shown = " ".join(visible_text(bar).split())
        for part in (status.filter_text, status.filter_split, "refreshed"):
            assert " ".join(part.split()) in shown, shown
        assert "…" not in shown


async def test_the_list_stays_put_while_an_error_comes_and_goes_with_the_keys(make_app) -> None:
    # "os:i" is no OS: its error takes a second line at 120 columns, "os:ios" needs one line.
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await devices_loaded(pilot)
        bar, table = app.screen.query_one(StatusBar), app.screen.table
        await pilot.press("slash", *"os")
        await wait_until(pilot, lambda: bar.status.filter_text == "os")
        one_line = table.region
        await pilot.press("colon", "i")
        await wait_until(pilot, lambda: bar.size.height == 2)
        two_lines = table.region
        assert two_lines.height == one_line.height - 1
        await pilot.press(*"os")
        await wait_until(pilot, lambda: bar.status.filter_text == "os:ios" and not bar.status.error)
        assert table.region == two_lines and "os:ios" in visible_text(bar)
        await pilot.press("enter")  # typing done: the line goes back to the list
        await wait_until(pilot, lambda: bar.size.height == 1)
        assert table.region == one_line

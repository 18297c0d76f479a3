from datetime import datetime

from intune_tui.ui.widgets.status_bar import ListStatus, describe


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
    assert text.startswith("Loading 3,000 of 100,000 devices · 12 match")
    assert "filter: os:ios serial:C02 (Graph: operatingSystem; here: serial)" in text
    assert "retrying in 3 s" in text
    assert text.endswith("refreshed 09:00:05")


def test_markup_in_filter_text_stays_literal() -> None:
    text = describe(ListStatus(filter_text="[bold]x"), "")
    assert "[bold]x" in text.plain

from intune_tui.text import clean, truncate


def test_escape_sequences_are_removed_whole() -> None:
    assert clean("red\x1b[31mname\x1b[0m") == "redname"


def test_bidi_override_cannot_reorder_text() -> None:
    assert clean("invoice\u202egnp.exe") == "invoicegnp.exe"


def test_controls_become_spaces_and_markup_is_kept_as_text() -> None:
    assert clean("a\tb\nc") == "a b c"
    assert clean("[bold red]x") == "[bold red]x"
    assert clean("Kiosk [/old]") == "Kiosk [/old]"


def test_none_is_empty_and_numbers_are_text() -> None:
    assert clean(None) == ""
    assert clean(42) == "42"


def test_truncate_marks_the_cut() -> None:
    assert truncate("LAPTOP-12345", 8) == "LAPTOP-…"
    assert truncate("short", 8) == "short"

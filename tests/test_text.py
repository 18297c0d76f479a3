import pytest

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


@pytest.mark.parametrize(
    ("shown", "hidden"),
    [
        ("LAPTOP-01", "LAPTOP\u00ad-01"),  # soft hyphen
        ("LAPTOP-01", "LAPTOP-\u180e01"),  # Mongolian vowel separator
        ("LAPTOP-01", "LAP\u2061\u2062\u2063\u2064TOP-01"),  # invisible operators
        ("LAPTOP-01", "LAPTOP\u206a\u206b\u206c\u206d\u206e\u206f-01"),  # deprecated formats
        ("LAPTOP-01", "\ufff9LAPTOP\ufffa-01\ufffb"),  # interlinear annotation
        ("LAPTOP-01", "LAPTOP-01\U000e0041\U000e0042"),  # tag characters
        ("LAPTOP-01", "LAP\u034fTOP-01"),  # combining grapheme joiner
        ("LAPTOP-01", "LAPTOP\u3164-01"),  # Hangul filler
        ("LAPTOP-01", "LAPTOP-0\ufe001\U000e0100"),  # variation selectors after letters
        ("LAPTOP-01", "LAP\u200dTOP-01"),  # a joiner between letters joins nothing
    ],
)
def test_two_names_that_look_the_same_are_the_same_text(shown: str, hidden: str) -> None:
    assert clean(hidden) == clean(shown) == shown


def test_line_and_paragraph_separators_become_spaces() -> None:
    assert clean("a\u2028b\u2029c") == "a b c"


@pytest.mark.parametrize(
    "emoji",
    [
        "\U0001f469\u200d\U0001f4bb",  # woman technologist: ZWJ sequence
        "\u2764\ufe0f",  # red heart with VS16
        "1\ufe0f\u20e3",  # keycap one
        "\U0001f44d\U0001f3fd",  # thumbs up, skin tone
        "\U0001f3f4\U000e0067\U000e0062\U000e0073\U000e0063\U000e0074\U000e007f",  # Scotland
    ],
)
def test_what_emoji_sequences_need_is_kept(emoji: str) -> None:
    assert clean(f"Anna's {emoji} phone") == f"Anna's {emoji} phone"

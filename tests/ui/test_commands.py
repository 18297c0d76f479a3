import pytest

from intune_tui.ui.commands import Command, CommandError, completions, parse_command


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        (":devices", Command("devices")),
        ("apps", Command("apps")),
        (":tenant fabrikam", Command("tenant", ("fabrikam",))),
        (":export CSV", Command("export", ("csv",))),
        (":quit", Command("q")),
        (":stale 90", Command("stale", ("90",))),
        (":stale 180 WINDOWS", Command("stale", ("180", "Windows"))),
        (":stale 30 macos", Command("stale", ("30", "macOS"))),
    ],
)
def test_commands_parse(line: str, expected: Command) -> None:
    assert parse_command(line) == expected


@pytest.mark.parametrize(
    ("line", "says"),
    [
        (":", "Empty command"),
        (":wipe-all", "Unknown command :wipe-all"),
        (":tenant", "Usage: :tenant NAME"),
        (":export xml", "Usage: :export csv"),
        (':tenant "unclosed', "Cannot read"),
        (":stale", "Usage: :stale 30|90|180"),
        (":stale ninety", "Usage: :stale 30|90|180"),
        (":stale 0", "Usage: :stale 30|90|180"),
        (":stale 90 beos", "Unknown platform beos"),
    ],
)
def test_bad_commands_say_what_would_work(line: str, says: str) -> None:
    with pytest.raises(CommandError, match=says):
        parse_command(line)


def test_completions_offer_profiles_for_tenant() -> None:
    lines = completions(("contoso", "fabrikam"))
    assert ":tenant fabrikam" in lines
    assert ":export json" in lines
    assert ":devices" in lines
    assert ":stale 90" in lines


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        (":save stale-windows", Command("save", ("stale-windows",))),
        (":save old F5", Command("save", ("old", "f5"))),
        (":save w ctrl+g", Command("save", ("w", "ctrl+g"))),
        (":stale-windows", Command("view", ("stale-windows",))),
        (":STALE-WINDOWS", Command("view", ("stale-windows",))),
        (":devices", Command("devices")),  # a command wins over a view of its name
    ],
)
def test_save_and_saved_views_parse(line: str, expected: Command) -> None:
    assert parse_command(line, views=("stale-windows", "devices")) == expected


@pytest.mark.parametrize(
    ("line", "says"),
    [
        (":save", "Usage: :save NAME"),
        (":save a b c", "Usage: :save NAME"),
        (":save 'two words'", "NAME must be a view name"),
        (":save devices", ":devices is a command already"),
        (":save w view", "view is not a key name"),
        (":stale-windows", "Unknown command :stale-windows"),  # no such view saved
    ],
)
def test_bad_save_commands_say_what_would_work(line: str, says: str) -> None:
    with pytest.raises(CommandError, match=says):
        parse_command(line)


def test_completions_offer_saved_views() -> None:
    assert ":stale-windows" in completions((), ("stale-windows",))

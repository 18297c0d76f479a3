from datetime import UTC, datetime, timedelta

from intune_tui.intune.formatting import (
    MISSING,
    camel_words,
    days_left,
    enum_word,
    format_bool,
    format_bytes,
    format_count,
    format_datetime,
    parse_datetime,
    relative_time,
)

NOW = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)


def test_graph_timestamps_parse_to_aware_utc() -> None:
    assert parse_datetime("2026-11-20T09:00:00Z") == NOW
    assert parse_datetime("2026-11-20T09:00:00.1234567Z") == NOW.replace(microsecond=123456)
    assert parse_datetime("2026-11-20T11:00:00+02:00") == NOW
    assert parse_datetime("2026-11-20T09:00:00") == NOW  # naive means UTC


def test_never_and_garbage_timestamps_are_none() -> None:
    assert parse_datetime("0001-01-01T00:00:00Z") is None
    for value in (None, "", "yesterday", 42, {"a": 1}):
        assert parse_datetime(value) is None


def test_relative_time_reads_like_the_admin_center() -> None:
    assert relative_time(NOW - timedelta(seconds=20), NOW) == "just now"
    assert relative_time(NOW - timedelta(minutes=5), NOW) == "5m ago"
    assert relative_time(NOW - timedelta(hours=3, minutes=59), NOW) == "3h ago"
    assert relative_time(NOW - timedelta(days=45), NOW) == "45d ago"
    assert relative_time(NOW - timedelta(days=1000), NOW) == "2y ago"
    assert relative_time(NOW + timedelta(days=2, hours=1), NOW) == "in 2d"
    assert relative_time(None, NOW) == MISSING


def test_days_left_counts_whole_days_and_goes_negative() -> None:
    assert days_left(NOW + timedelta(days=46, hours=3), NOW) == 46
    assert days_left(NOW - timedelta(hours=1), NOW) == -1
    assert days_left(None, NOW) is None


def test_bytes_use_powers_of_1024() -> None:
    assert format_bytes(512) == "512 B"
    assert format_bytes(1536) == "1.5 KB"
    assert format_bytes(128 * 1024**3) == "128.0 GB"
    assert format_bytes("2048") == "2.0 KB"
    for bad in (None, -1, "lots", True):
        assert format_bytes(bad) == MISSING


def test_counts_bools_and_dates() -> None:
    assert format_count(12345) == "12,345"
    assert format_count(None) == MISSING
    assert format_bool(True) == "Yes" and format_bool(False) == "No"
    assert format_bool(None) == MISSING
    assert format_datetime(NOW) == "2026-11-20 09:00 UTC"


def test_enum_values_become_words() -> None:
    assert enum_word("inGracePeriod") == "In grace period"
    assert enum_word("noncompliant") == "Noncompliant"
    assert enum_word("retirePending") == "Retire pending"
    assert enum_word("iOS") == "iOS"
    assert enum_word("unknownFutureValue") == "Unknown"
    assert enum_word(None) == MISSING and enum_word("  ") == MISSING


def test_camel_words_keep_acronyms() -> None:
    assert camel_words("deviceHealthAttestationState") == "Device health attestation state"
    assert camel_words("MDMOnly") == "MDM only"
    assert camel_words("ManagedDevices") == "Managed devices"
    assert enum_word("windows10AndLater") == "Windows 10 and later"

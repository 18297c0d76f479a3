from datetime import UTC, datetime, timedelta

from intune_tui.intune.resources import RESOURCES
from intune_tui.intune.search import QueryError, SearchQuery, parse_query

NOW = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)
DEVICES = RESOURCES["devices"]


def parse(text: str, resource: str = "devices") -> SearchQuery:
    result = parse_query(text, resource, now=NOW)
    assert isinstance(result, SearchQuery), result
    return result


def error(text: str, resource: str = "devices") -> str:
    result = parse_query(text, resource, now=NOW)
    assert isinstance(result, QueryError), result
    return result.message


def row(**fields: object):
    base = {"id": "d", "deviceName": "LAPTOP-1", "userPrincipalName": "alice@contoso.com",
            "operatingSystem": "iOS", "complianceState": "noncompliant",
            "serialNumber": "C02XY123", "model": "iPhone 15",
            "lastSyncDateTime": (NOW - timedelta(days=2)).strftime("%Y-%m-%dT%H:%M:%SZ")}
    base.update(fields)
    return DEVICES.to_row(base, NOW)


def test_the_example_query_splits_between_graph_and_local() -> None:
    query = parse("os:ios compliance:noncompliant user:alice@contoso.com serial:C02X "
                  "name:LAP synced<7d")
    assert query.server_filter == (
        "operatingSystem eq 'iOS' and complianceState eq 'noncompliant' and "
        "userPrincipalName eq 'alice@contoso.com' and contains(deviceName,'LAP') and "
        "lastSyncDateTime gt 2026-11-13T09:00:00Z"
    )
    assert [c.description for c in query.local_clauses] == ['serial contains "C02X"']
    assert query.matches(row())
    assert not query.matches(row(serialNumber="FVFZ0001"))


def test_description_tells_what_runs_where() -> None:
    query = parse("os:win serial:PF3 laptop")
    assert query.description == (
        'Graph: OS is Windows · Here: serial contains "PF3", text "laptop"')
    assert parse("serial:PF3").description.startswith("Here (all rows are loaded")
    assert parse("").description == "Everything" and parse("").is_empty


def test_partial_user_runs_locally_full_upn_on_graph() -> None:
    partial = parse("user:alice")
    assert partial.server_filter is None
    assert partial.matches(row()) and not partial.matches(row(userPrincipalName="bob@x.com"))
    full = parse("user:Alice@Contoso.com")
    assert full.server_filter == "userPrincipalName eq 'Alice@Contoso.com'"
    assert full.matches_all(row())


def test_exact_serial_goes_to_graph_partial_stays_local() -> None:
    assert parse("serial=C02XY123").server_filter == "serialNumber eq 'C02XY123'"
    assert parse("serial:C02X").server_filter is None


def test_several_values_of_one_property_use_or_inside_parentheses() -> None:
    query = parse("os:ios,android compliance:noncompliant")
    assert query.server_filter == (
        "(operatingSystem eq 'iOS' or operatingSystem eq 'Android') and "
        "complianceState eq 'noncompliant'")
    assert parse("os:apple").server_filter == (
        "(operatingSystem eq 'iOS' or operatingSystem eq 'iPadOS')")


def test_time_comparisons() -> None:
    assert parse("synced>30d").server_filter == "lastSyncDateTime lt 2026-10-21T09:00:00Z"
    assert parse("synced<12h").server_filter == "lastSyncDateTime gt 2026-11-19T21:00:00Z"
    assert parse("enrolled>2026-01-01").server_filter == (
        "enrolledDateTime gt 2026-01-01T00:00:00Z")
    stale = parse("synced>30d")
    assert not stale.matches_all(row())
    assert stale.matches_all(row(lastSyncDateTime="2026-09-01T00:00:00Z"))
    assert not stale.matches_all(row(lastSyncDateTime=None))


def test_quotes_escape_for_odata_and_phrases_stay_whole() -> None:
    assert parse("name:\"O'Brien iPad\"").server_filter == "contains(deviceName,'O''Brien iPad')"
    phrase = parse('"iphone 15"')
    assert phrase.matches(row()) and not phrase.matches(row(model="iPhone 14"))


def test_free_words_all_have_to_match_name_user_serial_or_model() -> None:
    query = parse("alice 15")
    assert query.server_filter is None
    assert query.matches(row())
    assert not query.matches(row(model="iPhone 14"))
    rows = [row(id="1"), row(id="2", userPrincipalName="bob@contoso.com")]
    assert [r.key for r in rows if query.matches(r)] == ["1"]


def test_friendly_values_map_to_graph_values() -> None:
    assert parse("compliance:grace").server_filter == "complianceState eq 'inGracePeriod'"
    assert parse("state:retirepending").server_filter == "managementState eq 'retirePending'"
    byod = parse("owner:byod")  # ownership has no documented $filter: checked here
    assert byod.server_filter is None
    assert byod.matches(row(managedDeviceOwnerType="personal"))
    assert not byod.matches(row(managedDeviceOwnerType="company"))
    assert parse("os:mac").server_filter == "operatingSystem eq 'macOS'"


def test_bad_syntax_is_a_message_not_an_exception() -> None:
    assert "not a OS value" in error("os:beos")
    assert "Use one of" in error("compliance:meh")
    assert "needs a value" in error("user:")
    assert "Unknown search field 'colour:'" in error("colour:red")
    assert "never closed" in error('name:"LAP')
    assert "synced<7d" in error("synced:7d")
    assert "7d, 12h" in error("synced<soon")
    assert "cannot be compared" in error("name<x")


def test_other_lists_search_locally_by_name() -> None:
    query = parse("name:7-zip", "apps")
    assert query.server_filter is None
    app_row = RESOURCES["apps"].to_row({"id": "a", "displayName": "7-Zip 23"}, NOW)
    assert query.matches(app_row)
    assert "cannot be used on Apps" in error("os:ios", "apps")


def test_times_and_colons_in_free_text_are_not_fields() -> None:
    query = parse("10:30")
    assert query.server_filter is None and len(query.clauses) == 1


def _table_filter(query: SearchQuery, rows: list, *, include_server: bool) -> list:
    """What a table does with `row_filter`: every word in search_text, every column test over
    the column's keys of all rows at once, then the predicate."""
    row_filter = query.row_filter(include_server=include_server)
    passed = [all(word in r.search_text for word in row_filter.words) for r in rows]
    for test in row_filter.column_tests:
        keys = [r.sort_keys[test.column] for r in rows]
        passed = [a and b for a, b in zip(passed, test.matches_keys(keys), strict=True)]
    return [r for r, ok in zip(rows, passed, strict=True)
            if ok and (row_filter.predicate is None or row_filter.predicate(r))]


def test_free_words_are_handed_out_separately_in_lower_case() -> None:
    query = parse('os:ios Alice "iPhone 15" version:17')
    assert query.words == ("alice", "iphone 15")
    row_filter = query.row_filter(include_server=True)
    assert row_filter.words == ("alice", "iphone 15")
    assert row_filter.predicate is not None  # OS version sorts as numbers: no column test
    empty = parse("os:ios").row_filter(include_server=False)
    assert (empty.predicate, empty.words, empty.column_tests) == (None, (), ())


def test_fields_shown_in_a_column_become_column_tests_with_no_predicate() -> None:
    row_filter = parse("os:apple serial:C02 synced<7d compliance:nc").row_filter(
        include_server=True)
    assert row_filter.predicate is None
    tests = {DEVICES.columns[t.column].key: (t.op, t.operand) for t in row_filter.column_tests}
    assert tests["operatingSystem"] == ("in", frozenset({"ios", "ipados"}))
    assert tests["serialNumber"] == ("contains", "c02")
    assert tests["lastSyncDateTime"] == ("after", NOW - timedelta(days=7))
    assert tests["complianceState"][0] == "in"
    assert [r for r in (row(), row(complianceState="compliant"))
            if parse("compliance:nc").matches_all(r)] == [row()]


def test_a_column_test_matches_what_the_row_shows_whatever_the_case() -> None:
    query = parse("os:ios serial:c02xy")
    assert query.matches_all(row(operatingSystem="IOS", serialNumber="c02xy9"))
    assert not query.matches_all(row(operatingSystem=None))
    assert not query.matches_all(row(serialNumber=None))


def test_a_table_filter_from_row_filter_keeps_the_same_rows_as_matches() -> None:
    rows = [
        row(),
        row(deviceName="DESKTOP-9", operatingSystem="Windows"),
        row(serialNumber="FVFZ0001"),
        row(userPrincipalName="bob@contoso.com", model="iPhone 14"),
        row(lastSyncDateTime="2026-01-01T00:00:00Z", complianceState="compliant"),
        row(lastSyncDateTime=None),
    ]
    for text in ("alice", "os:ios alice", "serial:c02 laptop", "os:ios,windows synced<7d",
                 'compliance:compliant "iphone 15"', "name:desk os:windows 9",
                 "user:bob iphone synced>30d", "laptop alice c02xy", "version:17 os:ios",
                 "user=alice@contoso.com", "synced<2026-11-19 compliance:noncompliant"):
        query = parse(text)
        assert _table_filter(query, rows, include_server=True) == [
            r for r in rows if query.matches_all(r)], text
        assert _table_filter(query, rows, include_server=False) == [
            r for r in rows if query.matches(r)], text

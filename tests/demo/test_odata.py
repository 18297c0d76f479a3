"""The fake's own OData parser: Graph's grammar, Graph's per-property rules, Graph's results."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from intune_tui.demo import odata, rules
from intune_tui.demo.odata import And, Compare, Function, IsOf, ODataError, Or


def parse_and_check(text: str, rule: rules.FilterRule = rules.MANAGED_DEVICE_FILTER) -> odata.Node:
    tree = odata.parse_filter(text)
    odata.validate_filter(tree, rule, resource="managedDevices")
    return tree


def test_and_binds_tighter_than_or() -> None:
    tree = odata.parse_filter("a eq 1 or b eq 2 and c eq 3")
    assert isinstance(tree, Or)
    assert isinstance(tree.items[1], And)


def test_string_literal_doubles_quotes_and_functions_parse() -> None:
    tree = odata.parse_filter("contains(deviceName,'O''Brien')")
    assert tree == Function("contains", "deviceName", tree.literal)  # type: ignore[union-attr]
    assert tree.literal.value == "O'Brien"  # type: ignore[union-attr]


def test_datetime_literal_is_unquoted_and_typed() -> None:
    tree = parse_and_check("lastSyncDateTime lt 2026-11-01T00:00:00Z")
    assert isinstance(tree, Compare)
    assert tree.literal.value == datetime(2026, 11, 1, tzinfo=UTC)


def test_quoted_datetime_is_a_type_error() -> None:
    with pytest.raises(ODataError, match="incompatible types"):
        parse_and_check("lastSyncDateTime lt '2026-11-01T00:00:00Z'")


def test_isof_parses() -> None:
    assert odata.parse_filter("isof('microsoft.graph.win32LobApp')") == IsOf(
        "microsoft.graph.win32LobApp")


@pytest.mark.parametrize("text", [
    "deviceName eq 'x'",
    "contains(deviceName,'lap')",
    "model eq 'Latitude 5440'",
    "contains(model,'Latitude')",
    "userPrincipalName eq 'a@b.c'",
    "userPrincipalName ne 'a@b.c'",
    "operatingSystem eq 'iOS' or operatingSystem eq 'iPadOS'",
    "(complianceState eq 'noncompliant' or complianceState eq 'inGracePeriod') "
    "and operatingSystem eq 'Windows'",
    "managementState eq 'retirePending'",
    "managementAgent eq 'mdm'",
    "manufacturer eq 'Dell Inc.'",
    "serialNumber eq 'ABC'",
    "imei eq '350000000000000'",
    "jailBroken eq 'True'",
    "exchangeAccessState eq 'blocked'",
    "deviceCategoryDisplayName eq 'Sales'",
    "contains(osVersion,'17.')",
    "contains(emailAddress,'alice')",
    "contains(phoneNumber,'425')",
    "enrolledDateTime gt 2025-01-01T00:00:00Z",
    "lastSyncDateTime lt 2026-11-13T09:00:00Z and lastSyncDateTime gt 2026-01-01T00:00:00Z",
    "complianceGracePeriodExpirationDateTime lt 2026-12-01T00:00:00Z",
    "azureADDeviceId eq '7b1c5b7e-0000-4000-8000-000000000000'",
    "azureADDeviceId eq 7b1c5b7e-0000-4000-8000-000000000000",
])
def test_documented_device_filters_are_accepted(text: str) -> None:
    parse_and_check(text)


@pytest.mark.parametrize(("text", "reason"), [
    ("startswith(deviceName,'LAP')", "operator 'startswith'"),
    ("deviceName ne 'x'", "operator 'ne'"),
    ("osVersion eq '17.1'", "operator 'eq'"),
    ("lastSyncDateTime eq 2026-11-13T09:00:00Z", "operator 'eq'"),
    ("isEncrypted eq true", "property 'isEncrypted'"),
    ("bogus eq 'x'", "property 'bogus'"),
    ("operatingSystem eq 'iOS' or complianceState eq 'noncompliant'", "same property"),
    ("contains(osVersion,'17') or contains(osVersion,'18')", "same property"),
    ("deviceName eq 'a' or deviceName eq 'b'", "'or' is not supported"),
    ("not (operatingSystem eq 'iOS')", "'not'"),
    ("complianceState eq 'bogus'", "enumeration"),
    ("'iOS' eq operatingSystem", "left side"),
    ("operatingSystem has 'iOS'", "operator 'has'"),
    ("isof('microsoft.graph.managedDevice')", "isof"),
    ("operatingSystem eq", "end of expression"),
    ("(operatingSystem eq 'iOS'", "end of expression"),
])
def test_undocumented_device_filters_are_refused(text: str, reason: str) -> None:
    with pytest.raises(ODataError, match="Invalid filter clause") as error:
        parse_and_check(text)
    assert reason in str(error.value)


def test_mobile_apps_allow_or_across_properties_and_casts() -> None:
    parse_and_check("(microsoft.graph.managedApp/appAvailability eq null or "
                    "microsoft.graph.managedApp/appAvailability eq 'lineOfBusiness' or "
                    "isAssigned eq true)", rules.MOBILE_APP_FILTER)


def evaluate(text: str, records: list[dict], rule: rules.FilterRule = rules.MANAGED_DEVICE_FILTER
             ) -> list[dict]:
    predicate = odata.compile_filter(parse_and_check(text, rule), lambda r, p: r.get(p))
    return [record for record in records if predicate(record)]


def test_string_comparison_ignores_case() -> None:
    records = [{"operatingSystem": "iOS"}, {"operatingSystem": "Android"}]
    assert evaluate("operatingSystem eq 'IOS'", records) == records[:1]
    assert evaluate("contains(deviceName,'LAP')", [{"deviceName": "my-laptop"}]) == [
        {"deviceName": "my-laptop"}]


def test_ne_keeps_nulls_and_dates_compare_as_instants() -> None:
    records = [{"userPrincipalName": "a@x"}, {"userPrincipalName": None},
               {"userPrincipalName": "b@x"}]
    assert evaluate("userPrincipalName ne 'A@x'", records) == records[1:]
    synced = [{"lastSyncDateTime": "2026-11-19T23:00:00Z"},
              {"lastSyncDateTime": "2026-11-20T08:59:59.9999999Z"}]
    assert evaluate("lastSyncDateTime gt 2026-11-19T23:30:00+01:00", synced) == synced


def test_isof_matches_the_odata_type() -> None:
    records = [{"@odata.type": "#microsoft.graph.win32LobApp"},
               {"@odata.type": "#microsoft.graph.webApp"}]
    assert evaluate("isof('microsoft.graph.win32LobApp')", records,
                    rules.MOBILE_APP_FILTER) == records[:1]


def test_select_orderby_top_count_parsing() -> None:
    assert odata.parse_select("id, deviceName") == ("id", "deviceName")
    with pytest.raises(ODataError):
        odata.parse_select("id,,deviceName")
    assert odata.parse_orderby("deviceName desc, id") == (
        odata.OrderKey("deviceName", True), odata.OrderKey("id", False))
    with pytest.raises(ODataError):
        odata.parse_orderby("deviceName sideways")
    assert odata.parse_top("25") == 25
    for bad in ("0", "-1", "ten"):
        with pytest.raises(ODataError):
            odata.parse_top(bad)
    assert odata.parse_count("TRUE") is True
    with pytest.raises(ODataError):
        odata.parse_count("yes")


def test_sort_puts_nulls_first_and_ignores_case() -> None:
    records = [{"n": "b"}, {"n": None}, {"n": "A"}]
    ordered = odata.sort_records(records, odata.parse_orderby("n"), lambda r, p: r.get(p))
    assert [record["n"] for record in ordered] == [None, "A", "b"]

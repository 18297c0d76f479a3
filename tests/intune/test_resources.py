import json
import tracemalloc
from datetime import UTC, datetime, timedelta

import pytest

from intune_tui.intune.formatting import MISSING
from intune_tui.intune.resources import (
    DEVICE_ACTION_FIELDS,
    DEVICE_DETAIL_SELECT,
    RESOURCES,
    Row,
    sort_rows,
)
from intune_tui.intune.scopes import SCOPES

NOW = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)
DEVICES = RESOURCES["devices"]


def _stamp(delta: timedelta) -> str:
    return (NOW - delta).strftime("%Y-%m-%dT%H:%M:%SZ")


def device(**fields: object) -> dict:
    base = {
        "id": "d1",
        "deviceName": "LAPTOP-0001",
        "userPrincipalName": "alice@contoso.com",
        "operatingSystem": "Windows",
        "osVersion": "10.0.19045.4170",
        "complianceState": "compliant",
        "managementState": "managed",
        "lastSyncDateTime": _stamp(timedelta(hours=3)),
        "managedDeviceOwnerType": "company",
        "serialNumber": "PF3ABC12",
        "model": "Surface Laptop 5",
    }
    base.update(fields)
    return base


def cell(row: Row, key: str) -> str:
    return row.cells[DEVICES.column_index(key)]


def mark(row: Row, key: str) -> str | None:
    return row.marks[DEVICES.column_index(key)]


def test_device_select_is_the_columns_plus_id_and_action_fields() -> None:
    column_keys = [c.key for c in DEVICES.columns]
    assert DEVICES.select == ("id", *column_keys, *DEVICE_ACTION_FIELDS)
    assert {"isSupervised", "deviceEnrollmentType", "operatingSystem"} <= set(DEVICES.select)
    assert DEVICES.api_version == "v1.0" and DEVICES.page_size == 1000


def test_device_row_shows_words_not_raw_values() -> None:
    row = DEVICES.to_row(device(complianceState="inGracePeriod",
                                managedDeviceOwnerType="personal"), NOW)
    assert row.key == "d1"
    assert cell(row, "deviceName") == "LAPTOP-0001"
    assert cell(row, "complianceState") == "In grace period"
    assert mark(row, "complianceState") == "warn"
    assert cell(row, "managedDeviceOwnerType") == "Personal"
    assert cell(row, "lastSyncDateTime") == "3h ago"
    assert mark(row, "lastSyncDateTime") is None


def test_stale_sync_is_said_in_words_not_only_colour() -> None:
    stale = DEVICES.to_row(device(lastSyncDateTime=_stamp(timedelta(days=45))), NOW)
    assert cell(stale, "lastSyncDateTime") == "45d ago (stale)"
    assert mark(stale, "lastSyncDateTime") == "bad"
    fresh = DEVICES.to_row(device(lastSyncDateTime=_stamp(timedelta(days=29))), NOW)
    assert cell(fresh, "lastSyncDateTime") == "29d ago"
    assert mark(fresh, "lastSyncDateTime") is None
    boundary = DEVICES.to_row(device(lastSyncDateTime=_stamp(timedelta(days=30))), NOW)
    assert "stale" in cell(boundary, "lastSyncDateTime")


def test_compliance_marks_pair_with_their_words() -> None:
    bad = DEVICES.to_row(device(complianceState="noncompliant"), NOW)
    good = DEVICES.to_row(device(), NOW)
    assert (cell(bad, "complianceState"), mark(bad, "complianceState")) == ("Noncompliant", "bad")
    assert (cell(good, "complianceState"), mark(good, "complianceState")) == ("Compliant", "good")


def test_missing_and_malformed_fields_render_a_dash_and_never_raise() -> None:
    row = DEVICES.to_row({"id": "x", "lastSyncDateTime": 12, "complianceState": {"odd": 1},
                          "osVersion": None, "model": ["a"]}, NOW)
    assert cell(row, "deviceName") == MISSING
    assert mark(row, "deviceName") == "muted"
    assert cell(row, "lastSyncDateTime") == MISSING
    assert cell(row, "complianceState") == MISSING
    assert row.sort_keys[DEVICES.column_index("model")] is None
    never = DEVICES.to_row(device(lastSyncDateTime="0001-01-01T00:00:00Z"), NOW)
    assert cell(never, "lastSyncDateTime") == "never"


def test_every_resource_turns_an_empty_item_into_a_row() -> None:
    for resource in RESOURCES.values():
        row = resource.to_row({}, NOW)
        assert len(row.cells) == len(resource.columns)
        assert all(text == MISSING for text in row.cells), resource.key


def test_untrusted_text_is_cleaned_before_display() -> None:
    row = DEVICES.to_row(device(deviceName="EVIL\x1b[31m-PC\u202e", model="A\tB"), NOW)
    assert cell(row, "deviceName") == "EVIL-PC"
    assert cell(row, "model") == "A B"


def test_search_text_holds_name_user_serial_model_lower_cased() -> None:
    row = DEVICES.to_row(device(), NOW)
    for part in ("laptop-0001", "alice@contoso.com", "pf3abc12", "surface laptop 5"):
        assert part in row.search_text
    assert "windows" not in row.search_text


def test_sort_keys_are_typed_and_missing_values_sort_last_both_ways() -> None:
    rows = [
        DEVICES.to_row(device(id="old", lastSyncDateTime=_stamp(timedelta(days=9)),
                              osVersion="10.0.9"), NOW),
        DEVICES.to_row(device(id="none", lastSyncDateTime=None, osVersion=None), NOW),
        DEVICES.to_row(device(id="new", lastSyncDateTime=_stamp(timedelta(minutes=5)),
                              osVersion="10.0.10"), NOW),
        DEVICES.to_row(device(id="mid", lastSyncDateTime=_stamp(timedelta(hours=20)),
                              osVersion="10.0.19045"), NOW),
    ]
    sync = DEVICES.column_index("lastSyncDateTime")
    assert isinstance(rows[0].sort_keys[sync], datetime)
    # "9d ago" < "5m ago" as text; as datetimes the order is chronological
    assert [r.key for r in sort_rows(rows, sync)] == ["old", "mid", "new", "none"]
    assert [r.key for r in sort_rows(rows, sync, descending=True)] == ["new", "mid", "old", "none"]
    version = DEVICES.column_index("osVersion")
    assert [r.key for r in sort_rows(rows, version)] == ["old", "new", "mid", "none"]


def test_text_sorts_without_regard_to_case() -> None:
    rows = [DEVICES.to_row(device(id=name, deviceName=name), NOW)
            for name in ("bravo", "ALPHA", "Charlie")]
    name = DEVICES.column_index("deviceName")
    assert [r.key for r in sort_rows(rows, name)] == ["ALPHA", "bravo", "Charlie"]


def test_rows_have_no_instance_dict() -> None:
    row = DEVICES.to_row(device(), NOW)
    assert not hasattr(row, "__dict__")


def test_a_device_row_costs_under_two_kilobytes() -> None:
    # 100,000 rows must fit well under 300 MB of process memory, Textual included.
    page = json.dumps({"value": [
        device(id=f"{i:08x}-0000-0000-0000-000000000000", deviceName=f"LAPTOP-{i:06d}",
               serialNumber=f"PF{i:08d}", userPrincipalName=f"user{i}@contoso.com",
               isSupervised=False, deviceEnrollmentType="windowsAzureADJoin",
               userDisplayName=f"User {i}", manufacturer="Microsoft")
        for i in range(5000)
    ]})
    tracemalloc.start()
    try:
        rows = DEVICES.to_rows(json.loads(page)["value"], NOW)
        used = tracemalloc.get_traced_memory()[0]
    finally:
        tracemalloc.stop()
    per_row = used / len(rows)
    print(f"device row incl. its Graph dict: {per_row:.0f} bytes")
    assert per_row < 2048


def test_catalog_endpoints_versions_and_page_sizes() -> None:
    assert RESOURCES["apps"].api_version == "beta"
    assert RESOURCES["apps"].page_size == 20
    assert RESOURCES["settings_catalog"].api_version == "beta"
    assert RESOURCES["settings_catalog"].page_size == 25
    assert RESOURCES["dep_settings"].api_version == "beta"
    assert RESOURCES["remote_action_audits"].api_version == "beta"
    assert RESOURCES["device_detected_apps"].api_version == "beta"
    assert RESOURCES["app_protection_windows"].api_version == "beta"
    assert RESOURCES["apns"].singleton
    mam = RESOURCES["app_config_mam"]
    assert mam.path == "/deviceAppManagement/targetedManagedAppConfigurations"
    assert RESOURCES["app_config_mdm"].path == "/deviceAppManagement/mobileAppConfigurations"
    for resource in RESOURCES.values():
        assert resource.required_scope in SCOPES, resource.key
        assert resource.api_version in ("v1.0", "beta")
        assert all(not name.startswith("@") for name in resource.select)


def test_device_filter_operators_follow_the_reference() -> None:
    assert DEVICES.operators("deviceName") == {"eq", "contains"}
    assert DEVICES.operators("userPrincipalName") == {"eq", "ne"}
    assert DEVICES.operators("serialNumber") == {"eq", "or"}
    assert DEVICES.operators("lastSyncDateTime") == {"lt", "gt"}
    assert DEVICES.operators("userDisplayName") == frozenset()


def test_child_paths_need_a_safe_parent_id() -> None:
    states = RESOURCES["device_compliance_states"]
    assert states.path_for("abc-123") == (
        "/deviceManagement/managedDevices/abc-123/deviceCompliancePolicyStates"
    )
    with pytest.raises(ValueError):
        states.path_for(None)
    with pytest.raises(ValueError):
        states.path_for("../../users")
    assert {r.key for r in RESOURCES.values() if r.parent == "devices"} >= {
        "device_compliance_states", "device_configuration_states", "device_detected_apps",
        "device_users", "device_action_results",
    }


def test_detail_select_asks_for_the_non_default_fields() -> None:
    for name in ("ethernetMacAddress", "wiFiMacAddress", "imei", "meid", "physicalMemoryInBytes",
                 "isEncrypted", "totalStorageSpaceInBytes", "azureADDeviceId",
                 "deviceEnrollmentType", "deviceActionResults"):
        assert name in DEVICE_DETAIL_SELECT
    assert "activationLockBypassCode" not in DEVICE_DETAIL_SELECT


def test_policy_rows_show_platform_and_type_from_odata_type() -> None:
    policies = RESOURCES["device_configurations"]
    row = policies.to_row({"id": "p", "displayName": "Wi-Fi HQ",
                           "@odata.type": "#microsoft.graph.windows10GeneralConfiguration"}, NOW)
    assert row.cells[1] == "Windows 10 and later"
    app = RESOURCES["apps"].to_row({"id": "a", "displayName": "7-Zip",
                                     "@odata.type": "#microsoft.graph.win32LobApp"}, NOW)
    assert app.cells[1] == "Windows app (Win32)"


def test_expiry_cells_warn_before_and_flag_after_expiry() -> None:
    apns = RESOURCES["apns"]
    col = apns.column_index("expirationDateTime")
    soon = apns.to_row({"expirationDateTime": (NOW + timedelta(days=10)).isoformat()}, NOW)
    gone = apns.to_row({"expirationDateTime": (NOW - timedelta(days=1)).isoformat()}, NOW)
    later = apns.to_row({"expirationDateTime": (NOW + timedelta(days=200)).isoformat()}, NOW)
    assert (soon.cells[col], soon.marks[col]) == ("2026-11-30 (10d left)", "warn")
    assert (gone.cells[col], gone.marks[col]) == ("2026-11-19 (expired)", "bad")
    assert later.marks[col] is None

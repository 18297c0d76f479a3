"""The device store's fast paths give what the per-device path gives: `$filter` on columns
(tenant/device_filter.py) and a `$select`ed page built a column at a time
(DeviceStore.render_page, and as JSON text: device_encode.encode_page), on a tenant whose
devices were renamed, retired and deleted."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest

from intune_tui.demo import odata, rules
from intune_tui.demo.tenant import ActionRecord, DemoTenant, build_tenant
from intune_tui.demo.tenant.device_encode import encode_page
from intune_tui.demo.tenant.device_filter import filter_indices

FILTERS = (
    "operatingSystem eq 'iOS'",
    "operatingSystem eq 'ios' and complianceState eq 'noncompliant'",
    "complianceState ne 'compliant'",
    "managementState eq 'retirePending' or managementState eq 'wipeIssued'",
    "managementState eq 'managed'",
    "contains(deviceName,'alice')",
    "startswith(deviceName,'renamed')",
    "endswith(deviceName,'-42')",
    "deviceName eq 'renamed-by-test'",
    "userPrincipalName eq 'alice.smith@contoso-demo.com'",
    "userPrincipalName ne 'alice.smith@contoso-demo.com'",
    "contains(emailAddress,'smith')",
    "userDisplayName eq ''",
    "model eq 'iPhone 15' or manufacturer eq 'dell inc.'",
    "contains(osVersion,'17.')",
    "jailBroken eq 'Unknown' and deviceCategoryDisplayName ne 'Kiosk'",
    "managementAgent eq 'configurationManagerClientMdm'",
    "deviceEnrollmentType eq 'windowsCoManagement'",
    "enrolledDateTime lt 2026-06-01T10:00:00.5Z",
    "enrolledDateTime gt 2026-06-01T10:00:00.5Z and enrolledDateTime lt 2026-09-01T10:00:00.5Z",
    "lastSyncDateTime gt 2026-11-01T00:00:00Z",
    "lastSyncDateTime le 2026-10-21T09:00:00Z or operatingSystem eq 'Linux'",
    "not (operatingSystem eq 'Windows')",
)
# Clauses the columns do not answer: the fake tests each device, as before.
NOT_ON_COLUMNS = ("serialNumber eq 'ABC'", "isEncrypted eq true", "notes eq null",
                  "operatingSystem eq 'iOS' and serialNumber eq 'ABC'")


@pytest.fixture(scope="module", params=[False, True], ids=["lists", "numpy"])
def changed(request: pytest.FixtureRequest) -> DemoTenant:
    """A tenant where remote actions renamed, retired and wiped devices, and two are gone;
    read through lists, or through numpy as a tenant drawn in bulk is."""
    tenant = build_tenant(devices=1500, seed=7)
    store = tenant.devices
    store.bulk = request.param
    now = tenant.now
    rename = ActionRecord("setDeviceName", now - timedelta(hours=1), now - timedelta(minutes=5),
                          "done", {"_newName": "renamed-by-test"})
    store.add_action(3, rename)
    store.set_name(4, "renamed-directly-42")
    store.add_action(5, ActionRecord("retire", now, None, "done"))
    store.add_action(6, ActionRecord("wipe", now - timedelta(hours=2), now - timedelta(hours=1),
                                     "done"))
    store.delete(7)
    store.delete(900)
    return tenant


def _slow(tenant: DemoTenant, text: str) -> list[int]:
    store = tenant.devices
    matches = odata.compile_filter(odata.parse_filter(text), store.comparable)
    return [index for index in store.live_indices() if matches(index)]


@pytest.mark.parametrize("text", FILTERS)
def test_a_filter_on_columns_matches_what_each_device_says(changed: DemoTenant,
                                                          text: str) -> None:
    chosen = filter_indices(changed.devices, odata.parse_filter(text))

    assert chosen is not None
    assert list(chosen) == _slow(changed, text)


def test_the_filters_match_something_and_see_the_actions(changed: DemoTenant) -> None:
    assert _slow(changed, "deviceName eq 'renamed-by-test'") == [3]
    assert _slow(changed, "endswith(deviceName,'-42')") == [4]
    retired = _slow(changed, "managementState eq 'retirePending' or "
                             "managementState eq 'wipeIssued'")
    assert {5, 6} <= set(retired)
    assert 5 not in _slow(changed, "managementState eq 'managed'")
    assert 7 not in _slow(changed, "not (operatingSystem eq 'Windows')") + _slow(
        changed, "operatingSystem eq 'Windows'")
    assert 0 < len(_slow(changed, "enrolledDateTime lt 2026-06-01T10:00:00.5Z")) < 1498


@pytest.mark.parametrize("text", NOT_ON_COLUMNS)
def test_other_clauses_are_left_to_the_per_device_test(changed: DemoTenant, text: str) -> None:
    assert filter_indices(changed.devices, odata.parse_filter(text)) is None


SELECTS = (
    ("id", "deviceName", "userPrincipalName", "operatingSystem", "osVersion",
     "complianceState", "managementState", "lastSyncDateTime", "managedDeviceOwnerType",
     "serialNumber", "model", "isSupervised", "deviceEnrollmentType", "userDisplayName",
     "manufacturer", "enrolledDateTime", "azureADDeviceId", "userId"),
    ("deviceName", "id", "deviceName", "notes", "iccid", "deviceActionResults",
     "emailAddress", "imei", "ethernetMacAddress", "activationLockBypassCode",
     "azureActiveDirectoryDeviceId", "ownerType", "jailBroken", "@odata.etag"),
    ("hardwareInformation", "chassisType", "usersLoggedOn", "enrolledByUserPrincipalName"),
)


def _shaped(tenant: DemoTenant, index: int, select: tuple[str, ...], beta: bool
            ) -> dict[str, object]:
    """The per-device path: to_json limited to the selection, then shaped as the fake does."""
    item = tenant.devices.to_json(index, beta=beta, only=frozenset(select))
    keys = dict.fromkeys(("@odata.type", "id", *select))
    return {key: item[key] for key in keys if key in item}


@pytest.mark.parametrize("beta", [False, True])
@pytest.mark.parametrize("select", SELECTS)
def test_a_page_built_by_columns_is_the_page_built_device_by_device(
        changed: DemoTenant, select: tuple[str, ...], beta: bool) -> None:
    store = changed.devices
    names = rules.MANAGED_DEVICE_V1_PROPERTIES + (rules.MANAGED_DEVICE_BETA_PROPERTIES
                                                  if beta else ())
    select = tuple(name for name in select if name in names or name.startswith("@"))
    page = store.live_indices()[:1000]

    rendered = store.render_page(page, select, beta=beta)

    expected = [_shaped(changed, index, select, beta) for index in page]
    assert [list(item) for item in rendered] == [list(item) for item in expected]
    assert rendered == expected
    if "deviceName" in select:
        assert rendered[3]["deviceName"] == "renamed-by-test"
    encoded = encode_page(store, page, select, beta=beta)
    assert encoded == json.dumps(expected, ensure_ascii=False, separators=(",", ":")).encode()
    assert encode_page(store, page[:0], select, beta=beta) == b"[]"


def test_ids_are_undone_without_a_table(changed: DemoTenant) -> None:
    store, users = changed.devices, changed.users
    assert [store.index_of(store.id_of(index).upper()) for index in (0, 3, 1499)] == [0, 3, 1499]
    assert store.index_of(store.id_of(7)) is None  # deleted
    assert store.index_of(store.id_of(1500)) is None  # past the last device
    assert store.index_of(users.id_of(3)) is None  # a user's id is not a device's
    assert store.index_of("not-a-guid") is None
    assert users.index_of(users.id_of(42)) == 42
    assert users.index_of(store.id_of(42)) is None

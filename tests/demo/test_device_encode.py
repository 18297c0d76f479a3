"""A page of a tenant drawn in bulk, encoded a column at a time (device_encode.py), is the JSON
of what each device says: the numpy columns (ids, dates, serials) included."""

from __future__ import annotations

import json
import random
from datetime import UTC, datetime, timedelta

import numpy as np
import pytest

from intune_tui.demo import rules
from intune_tui.demo.tenant import ActionRecord, DemoTenant, build_tenant
from intune_tui.demo.tenant.build import BULK_FROM
from intune_tui.demo.tenant.device_encode import encode_page, iso_digits
from intune_tui.demo.tenant.ids import iso

APP_SELECT = ("id", "deviceName", "userPrincipalName", "operatingSystem", "osVersion",
              "complianceState", "managementState", "lastSyncDateTime",
              "managedDeviceOwnerType", "serialNumber", "model", "isSupervised",
              "deviceEnrollmentType", "userDisplayName", "manufacturer", "enrolledDateTime",
              "azureADDeviceId", "userId")


@pytest.fixture(scope="module")
def bulk() -> DemoTenant:
    tenant = build_tenant(devices=BULK_FROM, seed=11)
    assert tenant.devices.bulk and len(tenant.devices.serial_styles) == BULK_FROM
    now = tenant.now
    tenant.devices.add_action(10, ActionRecord("retire", now, None, "done"))
    tenant.devices.set_name(11, 'quote " back\\slash \u00e9 \u2603')
    tenant.devices.delete(12)
    return tenant


def _expected(tenant: DemoTenant, pages: list[int], select: tuple[str, ...],
              beta: bool) -> bytes:
    items = []
    for index in pages:
        item = tenant.devices.to_json(index, beta=beta, only=frozenset(select))
        items.append({key: item[key] for key in dict.fromkeys(("@odata.type", "id", *select))
                      if key in item})
    return json.dumps(items, ensure_ascii=False, separators=(",", ":")).encode()


@pytest.mark.parametrize("beta", [False, True])
@pytest.mark.parametrize("select", [APP_SELECT, ("serialNumber",), ("azureADDeviceId", "notes",
                                                                    "userId", "isEncrypted")])
def test_a_bulk_page_is_what_each_device_says(bulk: DemoTenant, select: tuple[str, ...],
                                              beta: bool) -> None:
    store = bulk.devices
    names = rules.MANAGED_DEVICE_V1_PROPERTIES + (rules.MANAGED_DEVICE_BETA_PROPERTIES
                                                  if beta else ())
    select = tuple(name for name in select if name in names)
    live = store.live_indices()
    scattered = sorted(random.Random(3).sample(list(live), 1000))  # a filtered listing's page
    for page in (live[:1000], live[BULK_FROM - 1500:], scattered, range(5, 1005)):
        assert encode_page(store, page, select, beta=beta) == _expected(
            bulk, list(page), select, beta)


def test_iso_digits_is_graphs_date_text() -> None:
    start = int(datetime(1000, 1, 1, tzinfo=UTC).timestamp())
    end = int(datetime(9999, 12, 31, 23, 59, 59, tzinfo=UTC).timestamp())
    moments = [start, end, 0, 951_782_400, 951_868_799, 4_107_542_400,
               *random.Random(5).sample(range(start, end), 2000)]
    text = iso_digits(np.array(moments, dtype=np.int64))
    assert [row.tobytes().decode() for row in text] == [
        iso(datetime(1970, 1, 1, tzinfo=UTC) + timedelta(seconds=moment))
        for moment in moments]

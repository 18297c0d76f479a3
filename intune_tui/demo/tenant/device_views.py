"""The device collections served from the store: the devices, a device's user."""

from __future__ import annotations

from functools import partial
from typing import TYPE_CHECKING

from intune_tui.demo.tenant.device_encode import encode_page
from intune_tui.demo.tenant.device_filter import filter_indices
from intune_tui.demo.tenant.records import DEVICE_PROPERTIES_MOVING, RecordSet

if TYPE_CHECKING:
    from intune_tui.demo.tenant.model import DemoTenant


def device_index(tenant: DemoTenant, device_id: str) -> int | None:
    return tenant.devices.index_of(device_id)


def device_records(tenant: DemoTenant, ids: list[str], beta: bool) -> RecordSet:
    store = tenant.devices
    return RecordSet(store.live_indices(), store.comparable,
                     lambda index: store.to_json(index, beta=beta), store.id_of,
                     lambda index, only: store.to_json(index, beta=beta, only=only),
                     moving=DEVICE_PROPERTIES_MOVING,
                     render_page=lambda indices, select: store.render_page(indices, select,
                                                                           beta=beta),
                     encode_page=lambda indices, select, head, tail: encode_page(
                         store, indices, select, beta=beta, head=head, tail=tail),
                     filter_records=partial(filter_indices, store))


def device_users(tenant: DemoTenant, ids: list[str], beta: bool) -> RecordSet | None:
    index = device_index(tenant, ids[0])
    if index is None:
        return None
    user = tenant.devices.user[index]
    users = tenant.users
    return RecordSet([user] if user >= 0 else [],
                     lambda record, prop: users.to_json(record).get(prop),
                     users.to_json, users.id_of)

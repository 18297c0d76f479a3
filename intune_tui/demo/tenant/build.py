"""Builds the whole demo tenant from a seed."""

from __future__ import annotations

import random
from datetime import datetime

from intune_tui.demo import rules
from intune_tui.demo.identity import DEMO_DOMAIN, DEMO_NOW, DEMO_TENANT_ID, DEMO_TENANT_NAME
from intune_tui.demo.tenant.app_protection import build_app_protection
from intune_tui.demo.tenant.apps import build_apps
from intune_tui.demo.tenant.audits import build_history_audits
from intune_tui.demo.tenant.catalog import Catalog, build_filters
from intune_tui.demo.tenant.device_build import (
    build_action_history,
    build_devices,
    finish_devices,
)
from intune_tui.demo.tenant.devices import DeviceStore
from intune_tui.demo.tenant.model import DemoTenant
from intune_tui.demo.tenant.policies import build_device_policies
from intune_tui.demo.tenant.rbac import build_rbac
from intune_tui.demo.tenant.remediations import build_remediation_scripts
from intune_tui.demo.tenant.service_config import build_notifications, build_service_config
from intune_tui.demo.tenant.settings_catalog import build_settings_catalog
from intune_tui.demo.tenant.users import UserDirectory

# From this many devices on, users and devices are drawn in bulk (device_replay.py, numpy): the
# same tenant, built several times faster; below it numpy's import costs more than it saves.
BULK_FROM = 20_000


def build_tenant(devices: int = 2000, seed: int = 7, now: datetime = DEMO_NOW) -> DemoTenant:
    """The demo tenant with `devices` managed devices; same seed, same tenant."""
    if devices < 0:
        raise ValueError("devices must be zero or more")
    rng = random.Random(seed)
    user_count = max(25, devices * 5 // 8)
    in_bulk = devices >= BULK_FROM
    if in_bulk:
        from intune_tui.demo.tenant.device_replay import replay_devices, replay_users  # numpy

        users = replay_users(seed, user_count, rng)
        store = DeviceStore(seed, now, users)
        replay_devices(store, devices, rng)
        finish_devices(store, devices, rng)
    else:
        users = UserDirectory(seed, user_count, rng)
        store = DeviceStore(seed, now, users)
        build_devices(store, devices, rng)
    build_action_history(store, rng)
    tenant = DemoTenant(DEMO_TENANT_ID, DEMO_TENANT_NAME, DEMO_DOMAIN, seed, now, users, store)
    for rule in rules.COLLECTIONS:
        if "{id}" not in rule.path:
            tenant.collections.setdefault(rule.path, [])
    catalog = Catalog(tenant, random.Random(seed * 1_000_003 + 11))
    build_filters(catalog)
    build_notifications(catalog)
    build_apps(catalog)
    build_app_protection(catalog)
    build_device_policies(catalog)
    build_settings_catalog(catalog)
    build_rbac(catalog)
    build_service_config(catalog)
    build_remediation_scripts(catalog)  # last: it must not shift what the others draw
    build_history_audits(tenant)
    if in_bulk:
        from intune_tui.demo.tenant.device_replay import give_back_freed_memory

        give_back_freed_memory()
    return tenant

"""The synthetic "Contoso Demo" tenant: seeded, deterministic, Graph-shaped JSON.

Everything is built from `random.Random(seed)` and a fixed DEMO_NOW, never the wall clock, so
the same seed gives the same tenant byte for byte. Devices live in a column store (one list per
core property, shared strings) and are turned into Graph JSON only when served: identifiers such
as serials, MAC addresses and IMEIs are derived from the device's index by a hash. From
device_build.BULK_FROM devices on, users and devices are drawn in bulk (`device_replay`: the
same draws read from the generator's raw words with numpy), and a listing's pages are built and
encoded a column at a time, so a million devices build in seconds and stay modest in memory.

One module per area: `devices` (the column store), `device_build` (its spread) and
`device_replay` (the same spread in bulk), `users`,
`apps`, `policies`, `settings_catalog`, `rbac`, `service_config`, ... build the static catalog;
`computed` names what is computed when read (policy status, app install state, detected apps,
health summaries, audits). `build.build_tenant` puts it together.
"""

from intune_tui.demo.tenant.build import build_tenant
from intune_tui.demo.tenant.catalog import GROUPS
from intune_tui.demo.tenant.devices import ActionRecord
from intune_tui.demo.tenant.ids import entra_device_object_id, guid_from, iso, mix64
from intune_tui.demo.tenant.model import DemoTenant
from intune_tui.demo.tenant.platforms import HOSTILE_DEVICE_NAMES, OPERATING_SYSTEMS
from intune_tui.demo.tenant.records import RecordSet

__all__ = [
    "GROUPS",
    "HOSTILE_DEVICE_NAMES",
    "OPERATING_SYSTEMS",
    "ActionRecord",
    "DemoTenant",
    "RecordSet",
    "build_tenant",
    "entra_device_object_id",
    "guid_from",
    "iso",
    "mix64",
]

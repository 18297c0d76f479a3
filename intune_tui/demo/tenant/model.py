"""The whole demo tenant, and how it answers for a collection, a singleton or `$select`."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from intune_tui.demo import rules
from intune_tui.demo.tenant.computed import (
    COMPUTED,
    COMPUTED_ITEM_SINGLETONS,
    COMPUTED_SINGLETONS,
)
from intune_tui.demo.tenant.devices import ActionRecord, DeviceStore
from intune_tui.demo.tenant.records import RecordSet, dict_render
from intune_tui.demo.tenant.users import UserDirectory


@dataclass
class DemoTenant:
    """The whole demo tenant. Static collections are lists of Graph JSON dicts keyed by the
    collection path (see rules.COLLECTIONS); per-device and per-policy data is computed."""

    tenant_id: str
    display_name: str
    domain: str
    seed: int
    now: datetime
    users: UserDirectory
    devices: DeviceStore
    collections: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    # "deviceAppManagement/mobileApps/{id}/assignments" -> {app id -> [assignment, ...]}
    children: dict[str, dict[str, list[dict[str, Any]]]] = field(default_factory=dict)
    singletons: dict[str, dict[str, Any]] = field(default_factory=dict)
    # "deviceManagement/deviceConfigurations/{id}/deviceStatusOverview" -> {id -> dict}
    item_singletons: dict[str, dict[str, dict[str, Any]]] = field(default_factory=dict)
    audits: list[tuple[int, ActionRecord, str, str]] = field(default_factory=list)
    # Compliance that devices report but deviceCompliancePolicies does not list: Linux
    # compliance lives in the (beta) settings catalog, yet shows in the device's policy states.
    extra_compliance_policies: list[dict[str, Any]] = field(default_factory=list)
    # Entra group ids of the people who sign in (lower-case UPN -> [group id, ...]).
    memberships: dict[str, list[str]] = field(default_factory=dict)

    def collection(self, path: str) -> list[dict[str, Any]]:
        return self.collections.setdefault(path, [])

    def find(self, path: str, item_id: str) -> dict[str, Any] | None:
        wanted = item_id.lower()
        for item in self.collections.get(path, ()):
            if str(item.get("id", "")).lower() == wanted:
                return item
        return None

    def effective_permissions(self, upn: str) -> list[str]:
        """What Intune computes for getEffectivePermissions: every action allowed by a role
        assigned to one of the user's groups (an unknown user holds none)."""
        groups = set(self.memberships.get(upn.lower(), ()))
        roles = {role["id"]: role for role in
                 self.collections.get("deviceManagement/roleDefinitions", [])}
        allowed: set[str] = set()
        for assignment in self.collections.get("deviceManagement/roleAssignments", []):
            role = roles.get(assignment.get("_roleId"))
            if role is None or not groups.intersection(assignment.get("members") or ()):
                continue
            for permission in role.get("rolePermissions", []):
                for resource_action in permission.get("resourceActions", []):
                    allowed.update(resource_action.get("allowedResourceActions", []))
        return sorted(allowed)

    # --- what the fake serves ---------------------------------------------------------------
    def record_set(self, pattern: str, ids: Sequence[str], *, beta: bool) -> RecordSet | None:
        """The records behind a collection path (None: the parent item does not exist)."""
        computed = COMPUTED.get(pattern)
        if computed is not None:
            return computed(self, list(ids), beta)
        if "{id}" not in pattern:
            items = self.collections.get(pattern, [])
            return RecordSet([item for item in items if beta or not item.get("_betaOnly")])
        parent_pattern, _, _ = pattern.rpartition("/{id}/")
        parent = self._live_item(parent_pattern, ids[-1], beta=beta)
        if parent is None:
            return None
        children = self.children.get(pattern, {}).get(str(parent["id"]), [])
        return RecordSet([item for item in children if beta or not item.get("_betaOnly")])

    def _live_item(self, pattern: str, item_id: str, *, beta: bool) -> dict[str, Any] | None:
        item = self.find(pattern, item_id)
        if item is None or (item.get("_betaOnly") and not beta):
            return None
        return item

    def singleton(self, pattern: str) -> dict[str, Any] | None:
        computed = COMPUTED_SINGLETONS.get(pattern)
        if computed is not None:
            return computed(self)
        item = self.singletons.get(pattern)
        return None if item is None else dict_render(item)

    def item_singleton(self, pattern: str, item_id: str) -> dict[str, Any] | None:
        computed = COMPUTED_ITEM_SINGLETONS.get(pattern)
        if computed is not None:
            return computed(self, item_id)
        item = self.item_singletons.get(pattern, {}).get(item_id.lower())
        return None if item is None else dict_render(item)

    def selectable(self, pattern: str, *, beta: bool) -> frozenset[str] | None:
        """Property names `$select` may name on a collection (None: not checked)."""
        if pattern == "deviceManagement/managedDevices":
            names = set(rules.MANAGED_DEVICE_V1_PROPERTIES)
            if beta:
                names |= set(rules.MANAGED_DEVICE_BETA_PROPERTIES)
            return frozenset(names)
        if pattern == "deviceAppManagement/mobileApps":
            base = rules.MOBILE_APP_BASE_PROPERTIES
            return base if beta else base - rules.MOBILE_APP_BETA_ONLY_PROPERTIES
        if pattern in COMPUTED or "{id}" in pattern:
            return None
        names = set()
        for item in self.collections.get(pattern, []):
            names.update(key for key in item if not key.startswith("_"))
        return frozenset(names)

    # --- consistency helpers (policy state per device) ------------------------------------
    def compliance_policies_for(self, os_name: str) -> list[dict[str, Any]]:
        policies = [*self.collections.get("deviceManagement/deviceCompliancePolicies", []),
                    *self.extra_compliance_policies]
        return [policy for policy in policies if policy["_platform"] == os_name]

    def configuration_profiles_for(self, os_name: str) -> list[dict[str, Any]]:
        return [profile for profile in self.collections.get(
            "deviceManagement/deviceConfigurations", []) if profile["_platform"] == os_name]

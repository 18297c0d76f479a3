"""The static catalog's builder (one seeded RNG, stable ids), its groups and filters."""

from __future__ import annotations

import random
from datetime import timedelta
from typing import Any

from intune_tui.demo.tenant.ids import guid_from, iso
from intune_tui.demo.tenant.model import DemoTenant
from intune_tui.demo.tenant.platforms import DAY

GROUPS: tuple[str, ...] = (
    "All Windows devices", "All iOS devices", "All Android devices", "All macOS devices",
    "Sales users", "Engineering users", "Finance users", "Frontline kiosks", "Pilot ring",
    "Executives", "Helpdesk staff", "Intune admins", "EMEA devices", "Americas devices",
    "Linux engineering workstations",
)


class Catalog:
    """Builds the static collections with one seeded RNG and stable ids."""

    def __init__(self, tenant: DemoTenant, rng: random.Random) -> None:
        self.tenant = tenant
        self.rng = rng
        self.salt_counter = 100
        self.groups = {name: guid_from(tenant.seed, 20, position)
                       for position, name in enumerate(GROUPS)}
        self.filters: dict[str, str] = {}

    def new_id(self) -> str:
        self.salt_counter += 1
        return guid_from(self.tenant.seed, 30, self.salt_counter)

    def moment(self, days_ago_low: int, days_ago_high: int) -> str:
        seconds = self.rng.randrange(days_ago_low * DAY, days_ago_high * DAY + 1)
        return iso(self.tenant.now - timedelta(seconds=seconds))

    def add(self, path: str, item: dict[str, Any]) -> dict[str, Any]:
        self.tenant.collection(path).append(item)
        return item

    def add_children(self, path: str, parent_id: str, items: list[dict[str, Any]]) -> None:
        self.tenant.children.setdefault(path, {})[parent_id] = items

    # --- assignments ---
    def target(self, group: str | None, *, exclude: bool = False,
               filter_name: str | None = None, filter_type: str = "include") -> dict[str, Any]:
        if group == "all users":
            body: dict[str, Any] = {
                "@odata.type": "#microsoft.graph.allLicensedUsersAssignmentTarget"}
        elif group == "all devices":
            body = {"@odata.type": "#microsoft.graph.allDevicesAssignmentTarget"}
        else:
            kind = "exclusionGroupAssignmentTarget" if exclude else "groupAssignmentTarget"
            body = {"@odata.type": f"#microsoft.graph.{kind}", "groupId": self.groups[group or
                                                                                     GROUPS[0]]}
        body["deviceAndAppManagementAssignmentFilterId"] = (
            self.filters.get(filter_name) if filter_name else None)
        body["deviceAndAppManagementAssignmentFilterType"] = filter_type if filter_name else "none"
        return body

    def policy_assignments(self, groups: list[str]) -> list[dict[str, Any]]:
        assignments = []
        for position, group in enumerate(groups):
            exclude = group.startswith("!")
            target = self.target(group.lstrip("!"), exclude=exclude,
                                 filter_name="Corporate devices only"
                                 if position == 0 and self.rng.random() < 0.3 else None)
            assignments.append({"@odata.type": "#microsoft.graph.deviceConfigurationAssignment",
                                "id": self.new_id(), "target": target})
        return assignments


def build_filters(catalog: Catalog) -> None:
    specs = (
        ("Corporate devices only", "windows10AndLater", '(device.deviceOwnership -eq "Corporate")'),
        ("Windows 11 only", "windows10AndLater", '(device.osVersion -startsWith "10.0.22")'),
        ("Supervised iPhones", "iOS", "(device.isSupervised -eq True)"),
        ("Zebra scanners", "androidForWork", '(device.manufacturer -eq "Zebra Technologies")'),
    )
    for name, platform, rule in specs:
        filter_id = catalog.new_id()
        catalog.filters[name] = filter_id
        catalog.add("deviceManagement/assignmentFilters", {
            "@odata.type": "#microsoft.graph.deviceAndAppManagementAssignmentFilter",
            "id": filter_id, "displayName": name, "description": "", "platform": platform,
            "rule": rule, "createdDateTime": catalog.moment(200, 400),
            "lastModifiedDateTime": catalog.moment(10, 199), "roleScopeTags": ["0"],
            "assignmentFilterManagementType": "devices", "_betaOnly": True,
        })

"""Intune RBAC for people: a role in words, its assignments, and what the signed-in user may do.

- `role_details` reads a role definition, its assignments (with scope tags, beta) and the scope
  tag names concurrently; each part fails on its own.
- `effective_permissions` asks Graph what the signed-in user's Intune roles allow
  (`getEffectivePermissions(scope='*')`, the function the Intune admin center uses to enable its
  buttons). Graph answers with permissions only, never with the assignment that grants them, so
  `roles_held` can only say which role definitions those permissions cover.
- `directory_admin_roles` reads the token's `wids`: an Intune or Global Administrator holds every
  Intune permission without any Intune role assignment.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from intune_tui.graph.errors import GraphError, GraphForbidden
from intune_tui.graph.odata import ODataQuery
from intune_tui.intune.directory import names_for
from intune_tui.intune.fields import list_field
from intune_tui.intune.models import (
    Permission,
    RoleAssignment,
    RoleDefinition,
    permission_actions,
)
from intune_tui.intune.resources import RESOURCES
from intune_tui.intune.scopes import RBAC_READ
from intune_tui.text import clean

if TYPE_CHECKING:
    from intune_tui.graph.client import GraphClient
    from intune_tui.intune.service import IntuneService

# Graph answers '*' for a user whose Intune access is unrestricted.
ALL_PERMISSIONS = "*"
EFFECTIVE_PERMISSIONS_PATH = "/deviceManagement/getEffectivePermissions(scope='*')"
# Scope tags and roleScopeTagIds exist on beta only (intune/directory.py says where from).
RBAC_BETA = "beta"

# Entra directory roles (template ids, as in the token's `wids`) that grant all of Intune.
INTUNE_ADMIN_DIRECTORY_ROLES: Mapping[str, str] = {
    "3a2c62db-5318-420d-8d74-23affee5d9d5": "Intune Administrator",
    "62e90394-69f5-4237-9190-012177145e10": "Global Administrator",
}


def group_permissions(permissions: Iterable[Permission]) -> dict[str, list[str]]:
    """Operations grouped by resource, both sorted (the shape of the role detail)."""
    grouped: dict[str, set[str]] = {}
    for permission in permissions:
        grouped.setdefault(permission.resource, set()).add(permission.operation)
    return {resource: sorted(grouped[resource]) for resource in sorted(grouped)}


# ---------------------------------------------------------------------------------------------
# Effective permissions of the signed-in user


@dataclass(frozen=True, slots=True)
class EffectivePermissions:
    """What Intune lets the signed-in user do. `unrestricted`: Graph answered '*'."""

    unrestricted: bool
    allowed: tuple[Permission, ...]

    @classmethod
    def from_graph(cls, body: Mapping[str, Any]) -> EffectivePermissions:
        raw, _denied = permission_actions(list_field(body, "value"))
        unique = list(dict.fromkeys(a.strip() for a in raw if a.strip()))
        unrestricted = ALL_PERMISSIONS in unique
        return cls(unrestricted, tuple(Permission.parse(a) for a in unique
                                       if a != ALL_PERMISSIONS))

    @property
    def raw_names(self) -> frozenset[str]:
        return frozenset(p.raw.casefold() for p in self.allowed)

    def allows(self, permission: str) -> bool:
        return self.unrestricted or permission.casefold() in self.raw_names

    def by_resource(self) -> dict[str, list[str]]:
        return group_permissions(self.allowed)


async def effective_permissions(client: GraphClient) -> EffectivePermissions:
    """The signed-in user's Intune permissions, as Graph computes them from their roles."""
    body = await client.get(EFFECTIVE_PERMISSIONS_PATH, required_scope=RBAC_READ)
    return EffectivePermissions.from_graph(body)


def roles_held(effective: EffectivePermissions,
               definitions: Iterable[RoleDefinition]) -> list[RoleDefinition]:
    """Role definitions whose every permission the user holds (all of them when unrestricted).

    Graph does not say which assignment grants the permissions; a role listed here may be held
    through another role that includes it.
    """
    held = effective.raw_names
    return [role for role in definitions if role.allowed and (
        effective.unrestricted or all(p.raw.casefold() in held for p in role.allowed))]


@dataclass(frozen=True)
class MyIntuneAccess:
    """The signed-in user's Intune permissions and the role definitions they cover in full.

    roles: None when the role definitions could not be read (the permissions still show).
    """

    effective: EffectivePermissions
    roles: list[RoleDefinition] | None


async def my_intune_access(service: IntuneService) -> MyIntuneAccess:
    """Effective permissions (must load: its error is raised) and the roles they cover."""
    effective, (definitions, _) = await asyncio.gather(
        effective_permissions(service.client), _caught(service.role_definitions()))
    roles = roles_held(effective, definitions) if definitions is not None else None
    return MyIntuneAccess(effective, roles)


def roles_allowing(permission: str, definitions: Iterable[RoleDefinition]
                   ) -> list[RoleDefinition]:
    """Role definitions that allow one permission ('Microsoft.Intune_ManagedDevices_Read')."""
    wanted = permission.casefold()
    return [role for role in definitions
            if any(p.raw.casefold() == wanted for p in role.allowed)]


def operation_permission(operation: Mapping[str, Any]) -> str:
    """The permission name of a resourceOperation: its id ('Microsoft.Intune_X_Y') when it has
    that shape, else built from its resource and action names."""
    operation_id = str(operation.get("id") or "")
    if operation_id.startswith("Microsoft.Intune_"):
        return operation_id
    resource = str(operation.get("resource") or operation.get("resourceName") or "")
    action = str(operation.get("actionName") or "")
    return f"Microsoft.Intune_{resource}_{action}" if resource and action else operation_id


def directory_admin_roles(claims: Mapping[str, Any]) -> list[str]:
    """Names of the Entra roles in the token's `wids` that grant all of Intune."""
    wids = claims.get("wids")
    if not isinstance(wids, list):
        return []
    return [INTUNE_ADMIN_DIRECTORY_ROLES[w.lower()] for w in wids
            if isinstance(w, str) and w.lower() in INTUNE_ADMIN_DIRECTORY_ROLES]


# ---------------------------------------------------------------------------------------------
# One role, in full


@dataclass(frozen=True, slots=True)
class AssignmentScope:
    """A role assignment as the role detail shows it: who, over which groups, with which tags.

    Members and scope groups are Entra group ids: Graph's Intune API names no groups, and
    reading names needs a directory permission the app does not ask for.
    """

    assignment: RoleAssignment
    scope_tag_ids: tuple[str, ...]
    scope_type: str | None

    @classmethod
    def from_graph(cls, data: Mapping[str, Any]) -> AssignmentScope:
        tags = tuple(str(t) for t in list_field(data, "roleScopeTagIds") if t is not None)
        scope_type = data.get("scopeType")
        return cls(RoleAssignment.from_graph(data), tags,
                   scope_type if isinstance(scope_type, str) else None)


@dataclass(frozen=True)
class RoleDetails:
    """A role definition with its assignments and the scope tag names (each may have failed)."""

    definition: RoleDefinition
    assignments: list[AssignmentScope] | None
    assignments_error: GraphError | None
    scope_tags: dict[str, str]
    scope_tags_error: GraphError | None


async def role_assignment_scopes(client: GraphClient, role_id: str) -> list[AssignmentScope]:
    """The assignments of one role, read on beta for their scope tags and scope type."""
    roles = RESOURCES["role_definitions"]
    items: list[dict[str, Any]] = []
    async for page in client.paginate(f"{roles.path_for()}/{_segment(role_id)}/roleAssignments",
                                      api_version=RBAC_BETA, required_scope=RBAC_READ):
        items.extend(item for item in page.items if isinstance(item, dict))
    return [AssignmentScope.from_graph(item) for item in items]


async def role_details(service: IntuneService, role_id: str) -> RoleDetails:
    """The role (must load: its error is raised), its assignments and the scope tag names."""
    definition, assignments, tags = await asyncio.gather(
        service.role_definition(role_id),
        _caught(role_assignment_scopes(service.client, role_id)),
        _caught(names_for(service).scope_tags()),
    )
    assignment_list, assignments_error = assignments
    tag_names, tags_error = tags
    return RoleDetails(definition, assignment_list, assignments_error, tag_names or {},
                       tags_error)


@dataclass(frozen=True)
class ScopeTagNames:
    """Scope tag ids with the names of those the tag list could name; `problem`: why the list
    could not be read (then the ids are shown alone)."""

    ids: tuple[str, ...]
    names: Mapping[str, str]
    problem: str | None = None

    def words(self) -> str:
        """'Default (0), EMEA (1)': the name, and the id beside it (to copy, and to tell two
        tags of one name apart); an id the list does not name stands alone."""
        if not self.ids:
            return "None"
        shown = ", ".join(f"{clean(self.names[tag])} ({clean(tag)})" if self.names.get(tag)
                          else clean(tag) for tag in self.ids)
        return f"{shown} ({self.problem})" if self.problem else shown


@dataclass(frozen=True)
class ScopeTagList:
    """The session's scope tag names, or why they could not be read (then ids stand alone)."""

    names: Mapping[str, str]
    problem: str | None = None

    def naming(self, ids: Iterable[str]) -> ScopeTagNames:
        return ScopeTagNames(tuple(ids), self.names, self.problem)


async def scope_tag_list(service: IntuneService) -> ScopeTagList:
    """The session's scope tag list (read once a session); a refusal or a failure is said, not
    raised, so a screen still shows the ids."""
    names, error = await _caught(names_for(service).scope_tags())
    problem = None
    if isinstance(error, GraphForbidden):
        problem = f"names need {RBAC_READ}"
    elif error is not None:
        problem = f"names could not be read: {clean(str(error))}"
    return ScopeTagList(names or {}, problem)


def scope_tag_ids(item: Mapping[str, Any]) -> tuple[str, ...]:
    """An item's roleScopeTagIds as text (Graph sends strings; odd values are kept as text)."""
    return tuple(str(tag) for tag in list_field(item, "roleScopeTagIds") if tag is not None)


# The lists read from v1.0 whose items carry roleScopeTagIds on beta only. v1.0's CSDL
# (msgraph-metadata schemas/v1.0-Prod.csdl, commit 0564689 of 2026-08-03) gives the property to
# notificationMessageTemplate and windowsAutopilotDeploymentProfile alone; beta gives it to
# managedDevice (intune/directory.py), deviceConfiguration, deviceCompliancePolicy, managedAppPolicy
# (app protection, targeted app configuration) and managedDeviceMobileAppConfiguration
# (msgraph-beta-sdk-python models/device_configuration.py, device_compliance_policy.py,
# managed_app_policy.py, managed_device_mobile_app_configuration.py: "List of Scope Tags for
# this Entity instance", read 2026-12-07). Apps (beta mobileApp, base of every app type),
# settings-catalog policies (beta deviceManagementConfigurationPolicy) and Windows app
# protection are read from beta already, whole, so their ids come with the item.
BETA_SCOPE_TAG_READS = frozenset({
    "devices", "device_configurations", "compliance_policies", "app_protection_ios",
    "app_protection_android", "app_config_mdm", "app_config_mam",
})


async def item_scope_tags(service: IntuneService, resource_key: str,
                          item_id: str) -> ScopeTagNames:
    """An item's scope tags by name: its roleScopeTagIds (beta, `$select`) and the session's tag
    list, read together; a tag list Graph refuses leaves the ids alone, said."""
    if resource_key not in BETA_SCOPE_TAG_READS:
        raise ValueError(f"{resource_key} has no roleScopeTagIds to read from beta")
    resource = RESOURCES[resource_key]
    item, tags = await asyncio.gather(
        service.client.get(f"{resource.path_for()}/{_segment(item_id)}",
                           query=ODataQuery(select=("id", "roleScopeTagIds")),
                           api_version=RBAC_BETA, required_scope=resource.required_scope),
        scope_tag_list(service))
    named: ScopeTagList = tags
    return named.naming(scope_tag_ids(item))


async def device_scope_tags(service: IntuneService, device_id: str) -> ScopeTagNames:
    """A managed device's scope tags by name (`item_scope_tags` of a device)."""
    return await item_scope_tags(service, "devices", device_id)


async def assignment_role(client: GraphClient, assignment_id: str) -> dict[str, Any]:
    """The role definition an assignment assigns (its navigation property)."""
    assignments = RESOURCES["role_assignments"]
    return await client.get(
        f"{assignments.path_for()}/{_segment(assignment_id)}/roleDefinition",
        required_scope=RBAC_READ)


async def _caught(call: Any) -> tuple[Any, GraphError | None]:
    try:
        return await call, None
    except GraphError as error:
        return None, error


def _segment(value: str) -> str:
    text = str(value)
    if not text or any(ch in text for ch in "/?#%\\") or text in (".", ".."):
        raise ValueError(f"not a valid Graph id: {text!r}")
    return text

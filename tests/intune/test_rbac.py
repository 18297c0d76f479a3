"""Intune RBAC for people, against the real GraphClient and the fake Graph: a role's permissions
in words, its assignments with scope tags, and what the signed-in user may do."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable

import pytest

from intune_tui.demo import rules
from intune_tui.demo.fake_graph import FakeGraph
from intune_tui.demo.identity import DEMO_NOW
from intune_tui.demo.tenant import build_tenant
from intune_tui.graph.client import GraphClient
from intune_tui.graph.errors import GraphForbidden
from intune_tui.graph.tokens import StaticTokenProvider
from intune_tui.intune.models import RoleDefinition
from intune_tui.intune.rbac import (
    EffectivePermissions,
    assignment_role,
    directory_admin_roles,
    effective_permissions,
    my_intune_access,
    operation_permission,
    role_details,
    roles_allowing,
    roles_held,
)
from intune_tui.intune.service import IntuneService

ServiceFor = Callable[..., IntuneService]


@pytest.fixture
def fake() -> FakeGraph:
    return FakeGraph(build_tenant(devices=20))


@pytest.fixture
async def service_for(fake: FakeGraph) -> AsyncIterator[ServiceFor]:
    clients: list[GraphClient] = []

    def make(*, scopes: tuple[str, ...] = rules.ALL_DEMO_SCOPES, upn: str | None = None
             ) -> IntuneService:
        token = fake.issue_token(scopes=scopes) if upn is None else fake.issue_token(
            scopes=scopes, upn=upn)
        client = GraphClient(StaticTokenProvider(token), transport=fake.transport())
        clients.append(client)
        return IntuneService(client, now=lambda: DEMO_NOW)

    yield make
    for client in clients:
        await client.aclose()


def role(name: str, *permissions: str, built_in: bool = True) -> RoleDefinition:
    return RoleDefinition.from_graph({
        "id": name, "displayName": name, "isBuiltIn": built_in,
        "rolePermissions": [{"resourceActions": [{"allowedResourceActions": list(permissions),
                                                  "notAllowedResourceActions": []}]}]})


async def test_operator_permissions_come_from_their_groups_roles(service_for) -> None:
    service = service_for()
    access = await my_intune_access(service)
    grouped = {resource: ", ".join(operations)
               for resource, operations in access.effective.by_resource().items()}
    assert grouped["Managed devices"] == "Read, Update"
    assert "Wipe" in grouped["Remote tasks"].split(", ")
    assert "Roles" in grouped and "Create" not in grouped["Roles"]
    assert not access.effective.unrestricted
    # Helpdesk staff hold Help Desk Operator and the Tier-1 custom role; Read Only Operator's
    # permissions are all part of Help Desk Operator's.
    assert [r.name for r in access.roles or []] == [
        "Help Desk Operator", "Read Only Operator", "Contoso Tier-1 Helpdesk (custom)"]


async def test_someone_in_no_role_group_holds_nothing(service_for) -> None:
    effective = await effective_permissions(
        service_for(upn="nobody@contoso-demo.onmicrosoft.com").client)
    assert effective.allowed == () and not effective.unrestricted


async def test_effective_permissions_need_the_rbac_scope(service_for, fake: FakeGraph) -> None:
    no_rbac = tuple(s for s in rules.ALL_DEMO_SCOPES if "RBAC" not in s)
    with pytest.raises(GraphForbidden) as refused:
        await effective_permissions(service_for(scopes=no_rbac).client)
    assert refused.value.missing_scope == "DeviceManagementRBAC.Read.All"
    assert fake.requests[-1].path == (
        "/v1.0/deviceManagement/getEffectivePermissions(scope='*')")


def test_star_means_every_permission() -> None:
    effective = EffectivePermissions.from_graph({"value": [{"resourceActions": [
        {"allowedResourceActions": ["*"], "notAllowedResourceActions": []}]}]})
    assert effective.unrestricted and effective.allows("Microsoft.Intune_RemoteTasks_Wipe")
    anything = role("Anything", "Microsoft.Intune_Audit_Read")
    assert roles_held(effective, [anything]) == [anything]


def test_roles_held_needs_every_permission_of_the_role() -> None:
    effective = EffectivePermissions.from_graph({"value": [{"actions": [
        "Microsoft.Intune_ManagedDevices_Read", "Microsoft.Intune_RemoteTasks_SyncDevice"]}]})
    reader = role("Reader", "Microsoft.Intune_ManagedDevices_Read")
    wiper = role("Wiper", "Microsoft.Intune_ManagedDevices_Read",
                 "Microsoft.Intune_RemoteTasks_Wipe")
    empty = role("Empty")
    assert roles_held(effective, [reader, wiper, empty]) == [reader]
    assert roles_allowing("microsoft.intune_remotetasks_wipe", [reader, wiper]) == [wiper]


def test_odd_effective_permission_bodies_do_not_raise() -> None:
    for body in ({}, {"value": None}, {"value": ["x", None, {"resourceActions": "no"}]},
                 {"value": [{"resourceActions": [{"allowedResourceActions": [3, " "]}]}]}):
        effective = EffectivePermissions.from_graph(body)
        assert effective.allowed == () and not effective.unrestricted


async def test_role_details_read_assignments_with_scope_tags(service_for, fake) -> None:
    service = service_for()
    roles = {r.name: r for r in await service.role_definitions()}
    details = await role_details(service, roles["Help Desk Operator"].id)
    assert details.definition.permissions_by_resource()["Managed devices"] == ["Read", "Update"]
    assert details.assignments_error is None and details.scope_tags_error is None
    names = {scope.assignment.name: scope for scope in details.assignments or []}
    assert set(names) == {"Service desk - global", "Service desk - EMEA"}
    emea = names["Service desk - EMEA"]
    assert [details.scope_tags[tag] for tag in emea.scope_tag_ids] == ["EMEA"]
    assert emea.assignment.members and emea.assignment.resource_scopes
    # scope tags and roleScopeTagIds are beta-only: both were asked of beta
    beta = [r.path for r in fake.requests if r.path.startswith("/beta/")]
    assert "/beta/deviceManagement/roleScopeTags" in beta
    assert any(path.endswith("/roleAssignments") for path in beta)


async def test_role_details_survive_missing_scope_tags(service_for, fake) -> None:
    service = service_for()
    role_id = (await service.role_definitions())[0].id
    fake.faults.fail_next(403, path_contains="roleScopeTags")
    details = await role_details(service, role_id)
    assert details.scope_tags == {} and details.scope_tags_error is not None
    assert details.assignments is not None


async def test_a_device_s_scope_tags_are_named_from_one_read_a_session(service_for, fake
                                                                      ) -> None:
    from intune_tui.intune.rbac import device_scope_tags

    service = service_for()
    device_id = fake.tenant.devices.id_of(0)
    first = await device_scope_tags(service, device_id)
    again = await device_scope_tags(service, fake.tenant.devices.id_of(1))
    assert first.words() == "Default (0)" and again.words() == "Default (0)"
    tag_reads = [r for r in fake.requests if r.path.endswith("/roleScopeTags")]
    assert len(tag_reads) == 1 and tag_reads[0].params.get("$select") == "id,displayName"
    device_reads = [r for r in fake.requests if r.path.endswith(f"/managedDevices/{device_id}")]
    assert [(r.path.split("/")[1], r.params.get("$select")) for r in device_reads] == [
        ("beta", "id,roleScopeTagIds")]


async def test_a_refused_tag_list_leaves_the_ids_with_a_note(service_for, fake) -> None:
    from intune_tui.intune.rbac import device_scope_tags

    scopes = tuple(s for s in rules.ALL_DEMO_SCOPES
                   if not s.startswith(("DeviceManagementRBAC", "DeviceManagementConfiguration")))
    found = await device_scope_tags(service_for(scopes=scopes), fake.tenant.devices.id_of(0))
    assert found.ids == ("0",) and found.names == {}
    assert found.words() == "0 (names need DeviceManagementRBAC.Read.All)"


async def test_the_fake_serves_scope_tags_on_beta_paged_selected_and_scoped(fake) -> None:
    import httpx

    async def get(path: str, scopes: tuple[str, ...] = rules.ALL_DEMO_SCOPES) -> httpx.Response:
        token = fake.issue_token(scopes=scopes)
        async with httpx.AsyncClient(transport=fake.transport(),
                                     base_url="https://graph.microsoft.com") as http:
            return await http.get(path, headers={"Authorization": f"Bearer {token}"})

    tags = "/beta/deviceManagement/roleScopeTags"
    page = (await get(f"{tags}?$select=id,displayName&$top=2")).json()
    assert [set(item) - {"@odata.type"} for item in page["value"]] == [{"id", "displayName"}] * 2
    assert "$top=2" in page["@odata.nextLink"] and "$select=id" in page["@odata.nextLink"]
    assert (await get(tags, scopes=(rules.CONFIG_READ,))).status_code == 200
    refused = await get(tags, scopes=(rules.MD_READ,))
    assert refused.status_code == 403 and refused.json()["error"]["code"]
    assert (await get("/v1.0/deviceManagement/roleScopeTags")).status_code in (400, 404)


async def test_an_assignment_leads_to_its_role(service_for) -> None:
    service = service_for()
    assignment = next(a for a in await service.role_assignments()
                      if a.name == "Tier-1 contractors")
    role_item = await assignment_role(service.client, assignment.id)
    assert role_item["displayName"] == "Contoso Tier-1 Helpdesk (custom)"


def test_operation_permission_name() -> None:
    assert operation_permission({"id": "Microsoft.Intune_RemoteTasks_Wipe"}) == (
        "Microsoft.Intune_RemoteTasks_Wipe")
    assert operation_permission({"id": "1234", "resource": "ManagedDevices",
                                 "actionName": "Read"}) == "Microsoft.Intune_ManagedDevices_Read"


def test_directory_roles_that_grant_all_of_intune() -> None:
    claims = {"wids": ["3A2C62DB-5318-420D-8D74-23AFFEE5D9D5",
                       "b79fbf4d-3ef9-4689-8143-76b194e85509"]}
    assert directory_admin_roles(claims) == ["Intune Administrator"]
    assert directory_admin_roles({"wids": "nope"}) == []


@pytest.mark.parametrize(("resource_key", "path"), [
    ("device_configurations", "deviceManagement/deviceConfigurations"),
    ("compliance_policies", "deviceManagement/deviceCompliancePolicies"),
    ("app_protection_ios", "deviceAppManagement/iosManagedAppProtections"),
    ("app_protection_android", "deviceAppManagement/androidManagedAppProtections"),
    ("app_config_mdm", "deviceAppManagement/mobileAppConfigurations"),
    ("app_config_mam", "deviceAppManagement/targetedManagedAppConfigurations"),
])
async def test_a_v1_policy_s_scope_tags_are_read_from_beta(service_for, fake, resource_key,
                                                           path) -> None:
    from intune_tui.intune.rbac import item_scope_tags

    service = service_for()
    policy_id = fake.tenant.collection(path)[0]["id"]
    v1_item = await service.get_item(resource_key, policy_id)  # v1.0: Graph has no tags there
    found = await item_scope_tags(service, resource_key, policy_id)
    assert "roleScopeTagIds" not in v1_item and found.words() == "Default (0)"
    reads = [r for r in fake.requests if r.path.endswith(f"/{path}/{policy_id}")]
    assert [(r.path.split("/")[1], r.params.get("$select")) for r in reads] == [
        ("v1.0", None), ("beta", "id,roleScopeTagIds")]


async def test_ids_read_with_an_item_are_named_by_the_session_s_list(service_for, fake) -> None:
    from intune_tui.intune.rbac import scope_tag_list

    service = service_for()
    tags = await scope_tag_list(service)
    again = await scope_tag_list(service)
    assert tags.naming(["0", "1", "99"]).words() == "Default (0), EMEA (1), 99"
    assert again.naming(()).words() == "None"
    assert len([r for r in fake.requests if r.path.endswith("/roleScopeTags")]) == 1


async def test_a_refused_tag_list_is_said_not_raised(service_for) -> None:
    from intune_tui.intune.rbac import scope_tag_list

    scopes = tuple(s for s in rules.ALL_DEMO_SCOPES
                   if not s.startswith(("DeviceManagementRBAC", "DeviceManagementConfiguration")))
    tags = await scope_tag_list(service_for(scopes=scopes))
    assert tags.naming(["0"]).words() == "0 (names need DeviceManagementRBAC.Read.All)"

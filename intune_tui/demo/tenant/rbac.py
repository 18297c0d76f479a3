"""Intune RBAC: role definitions, assignments, scope tags, and who signs in with which
groups."""

from __future__ import annotations

from intune_tui.demo.identity import DEMO_DOMAIN, DEMO_OPERATOR_UPN
from intune_tui.demo.tenant.catalog import Catalog
from intune_tui.demo.tenant.ids import guid_from

_READ_ALL = ("Microsoft.Intune_Organization_Read", "Microsoft.Intune_ManagedDevices_Read",
             "Microsoft.Intune_MobileApps_Read", "Microsoft.Intune_ManagedApps_Read",
             "Microsoft.Intune_DeviceConfigurations_Read",
             "Microsoft.Intune_DeviceCompliancePolices_Read",
             "Microsoft.Intune_TermsAndConditions_Read", "Microsoft.Intune_Roles_Read",
             "Microsoft.Intune_Audit_Read", "Microsoft.Intune_EndpointProtection_Read",
             "Microsoft.Intune_EnrollmentPrograms_Read",
             "Microsoft.Intune_CorporateDeviceIdentifiers_Read",
             "Microsoft.Intune_RemoteAssistance_Read", "Microsoft.Intune_SecurityBaselines_Read",
             "Microsoft.Intune_SecurityTasks_Read", "Microsoft.Intune_Reports_Read")
_REMOTE_TASKS = tuple(f"Microsoft.Intune_RemoteTasks_{name}" for name in (
    "Wipe", "Retire", "RemoteLock", "ResetPasscode", "RebootNow", "ShutDown", "SyncDevice",
    "LocateDevice", "BypassActivationLock", "CleanPC", "EnableLostMode", "DisableLostMode",
    "PlayLostModeSound", "RequestRemoteAssistance", "WindowsDefender", "SetDeviceName",
    "RotateBitLockerKeys", "RotateFileVaultKey", "UpdateDeviceAccount",
    "ManageSharedDeviceUsers", "CollectDiagnostics", "RotateLocalAdminPassword",
    "SendCustomNotification", "RevokeAppleVppLicenses"))


def _crud(resource: str, *verbs: str) -> tuple[str, ...]:
    return tuple(f"Microsoft.Intune_{resource}_{verb}" for verb in verbs)


_ROLES: tuple[tuple[str, str, bool, tuple[str, ...]], ...] = (
    ("Help Desk Operator", "Help Desk Operators perform remote tasks on users and devices, and "
     "can assign applications or policies to users or devices.", True,
     _READ_ALL + _REMOTE_TASKS + _crud("ManagedDevices", "Update")
     + _crud("MobileApps", "Assign") + _crud("DeviceConfigurations", "Assign")),
    ("Read Only Operator", "Read Only Operators can view user, device, enrollment, "
     "configuration, and application information but cannot make changes.", True, _READ_ALL),
    ("Policy and Profile Manager", "Policy and Profile Managers manage compliance policy, "
     "configuration profiles, Apple enrollment, corporate device identifiers, and security "
     "baselines.", True,
     _READ_ALL + _crud("DeviceConfigurations", "Create", "Update", "Delete", "Assign")
     + _crud("DeviceCompliancePolices", "Create", "Update", "Delete", "Assign")
     + _crud("SecurityBaselines", "Create", "Update", "Delete", "Assign")),
    ("School Administrator", "School Administrators manage Windows 10 devices in Intune for "
     "Education.", True,
     _READ_ALL + _crud("MobileApps", "Create", "Update", "Delete", "Assign")
     + ("Microsoft.Intune_RemoteTasks_Wipe", "Microsoft.Intune_RemoteTasks_RebootNow",
        "Microsoft.Intune_RemoteTasks_SyncDevice")),
    ("Application Manager", "Application Managers manage mobile and managed applications, can "
     "read device information and can view device configuration profiles.", True,
     _READ_ALL + _crud("MobileApps", "Create", "Update", "Delete", "Assign", "Relate")
     + _crud("ManagedApps", "Create", "Update", "Delete", "Assign", "Wipe")),
    ("Endpoint Security Manager", "Endpoint Security Managers manage security and compliance "
     "features such as security baselines, device compliance, conditional access, and "
     "Microsoft Defender for Endpoint.", True,
     _READ_ALL + _crud("EndpointProtection", "Create", "Update", "Delete", "Assign")
     + _crud("SecurityTasks", "Update")
     + ("Microsoft.Intune_RemoteTasks_WindowsDefender",
        "Microsoft.Intune_RemoteTasks_RotateBitLockerKeys")),
    ("Intune Role Administrator", "Intune Role Administrators manage custom Intune roles and "
     "add assignments for built-in Intune roles.", True,
     ("Microsoft.Intune_Organization_Read",
      *_crud("Roles", "Read", "Create", "Update", "Delete", "Assign"))),
    ("Contoso Tier-1 Helpdesk (custom)", "Sync, locate and reboot only; no wipe or retire. "
     "Owned by the Service Desk lead.", False,
     ("Microsoft.Intune_Organization_Read", "Microsoft.Intune_ManagedDevices_Read",
      "Microsoft.Intune_MobileApps_Read", "Microsoft.Intune_RemoteTasks_SyncDevice",
      "Microsoft.Intune_RemoteTasks_LocateDevice", "Microsoft.Intune_RemoteTasks_RebootNow",
      "Microsoft.Intune_RemoteTasks_RemoteLock")),
)
# Who is in which group, for the accounts that sign in to the demo: the operator is helpdesk
# staff (Help Desk Operator and the Tier-1 custom role through two assignments).
_SIGN_IN_MEMBERSHIPS: tuple[tuple[str, tuple[str, ...]], ...] = (
    (DEMO_OPERATOR_UPN, ("Helpdesk staff",)),
    (f"jamal.haddad@{DEMO_DOMAIN}", ("Intune admins", "Helpdesk staff")),
)
_SCOPE_TAGS = (("0", "Default", "Built-in default scope tag"),
               ("1", "EMEA", "Devices and policies for EMEA"),
               ("2", "Americas", "Devices and policies for the Americas"),
               ("3", "Frontline", "Shared and kiosk devices"))


def build_rbac(catalog: Catalog) -> None:
    tenant = catalog.tenant
    for upn, groups in _SIGN_IN_MEMBERSHIPS:
        tenant.memberships[upn.lower()] = [catalog.groups[group] for group in groups]
    for tag_id, name, description in _SCOPE_TAGS:
        catalog.add("deviceManagement/roleScopeTags", {
            "@odata.type": "#microsoft.graph.roleScopeTag", "id": tag_id,
            "displayName": name, "description": description, "isBuiltIn": tag_id == "0",
            "_betaOnly": True})
    operations: set[str] = set()
    for position, (name, description, built_in, actions) in enumerate(_ROLES):
        role_id = guid_from(tenant.seed, 22, position)
        allowed = sorted(set(actions))
        operations.update(allowed)
        catalog.add("deviceManagement/roleDefinitions", {
            "@odata.type": "#microsoft.graph.deviceAndAppManagementRoleDefinition",
            "id": role_id, "displayName": name, "description": description,
            "isBuiltIn": built_in, "isBuiltInRoleDefinition": built_in,
            "roleScopeTagIds": ["0"],
            "rolePermissions": [{"actions": allowed, "resourceActions": [
                {"allowedResourceActions": allowed, "notAllowedResourceActions": []}]}],
        })
    assignment_specs: tuple[tuple[str, str, list[str], list[str], list[str]], ...] = (
        ("Help Desk Operator", "Service desk - global", ["Helpdesk staff"],
         ["All Windows devices", "All iOS devices", "All Android devices", "All macOS devices"],
         ["0"]),
        ("Help Desk Operator", "Service desk - EMEA", ["Helpdesk staff"], ["EMEA devices"],
         ["1"]),
        ("Read Only Operator", "Auditors", ["Finance users"], ["EMEA devices",
                                                               "Americas devices"], ["0"]),
        ("Intune Role Administrator", "Intune admins", ["Intune admins"], [], ["0"]),
        ("Application Manager", "App packaging team", ["Engineering users"],
         ["All Windows devices"], ["0"]),
        ("Contoso Tier-1 Helpdesk (custom)", "Tier-1 contractors", ["Helpdesk staff"],
         ["Frontline kiosks"], ["3"]),
    )
    roles = {role["displayName"]: role for role in
             tenant.collections["deviceManagement/roleDefinitions"]}
    for role_name, display, members, scopes, tags in assignment_specs:
        role = roles[role_name]
        assignment = {
            "@odata.type": "#microsoft.graph.deviceAndAppManagementRoleAssignment",
            "id": catalog.new_id(), "displayName": display,
            "description": f"{role_name} for {display}",
            "members": [catalog.groups[group] for group in members],
            "resourceScopes": [catalog.groups[group] for group in scopes],
            "scopeMembers": [catalog.groups[group] for group in scopes],
            "scopeType": "resourceScope" if scopes else "allDevicesAndLicensedUsers",
            "roleScopeTagIds": tags,
            "_roleId": role["id"],
        }
        catalog.add("deviceManagement/roleAssignments", assignment)
        tenant.children.setdefault("deviceManagement/roleDefinitions/{id}/roleAssignments",
                                   {}).setdefault(role["id"], []).append(assignment)
        tenant.item_singletons.setdefault("deviceManagement/roleAssignments/{id}/roleDefinition",
                                          {})[assignment["id"]] = role
    for operation in sorted(operations):
        _, _, rest = operation.partition("_")
        resource, _, action = rest.rpartition("_")
        catalog.add("deviceManagement/resourceOperations", {
            "@odata.type": "#microsoft.graph.resourceOperation", "id": operation,
            "resource": resource, "resourceName": resource.replace("Polices", "Policies"),
            "actionName": action, "description": f"{action} {resource}",
            "enabledForScopeValidation": resource in ("ManagedDevices", "RemoteTasks")})

from datetime import UTC, datetime, timedelta

from intune_tui.intune.formatting import MISSING
from intune_tui.intune.models import (
    ApnsCertificate,
    Assignment,
    DepToken,
    DeviceActionResult,
    DeviceStatus,
    DeviceUser,
    ManagedDevice,
    MobileApp,
    Permission,
    Policy,
    PolicyState,
    RoleAssignment,
    RoleDefinition,
    VppToken,
    expiry_status,
    uses_notification_templates,
    with_template_names,
)
from intune_tui.intune.wording import app_type_name, expiry_words

NOW = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)

def test_unknown_app_type_shows_its_raw_name_without_prefix() -> None:
    assert app_type_name("#microsoft.graph.quantumApp") == "quantumApp"
    app = MobileApp.from_graph({"@odata.type": "#microsoft.graph.quantumApp", "id": "q"})
    assert app.odata_type == "quantumApp" and app.type_name == "quantumApp"
    assert app_type_name(None) == MISSING


def test_managed_device_tolerates_missing_and_wrong_types() -> None:
    device = ManagedDevice.from_graph({"id": "d", "isSupervised": "yes",
                                       "totalStorageSpaceInBytes": "1024",
                                       "lastSyncDateTime": "garbage",
                                       "deviceActionResults": [{"actionName": "wipe"}, "junk"]})
    assert device.name is None and device.is_supervised is None
    assert device.total_storage_bytes == 1024
    assert device.last_sync is None
    assert [r.action_name for r in device.action_results] == ["wipe"]


def test_latest_action_result_matches_names_case_insensitively() -> None:
    device = ManagedDevice.from_graph({"deviceActionResults": [
        {"actionName": "RebootNow", "actionState": "done", "startDateTime": "2026-11-01T00:00:00Z"},
        {"actionName": "rebootNow", "actionState": "pending",
         "startDateTime": "2026-11-20T08:00:00Z"},
        {"actionName": "syncDevice", "actionState": "done",
         "startDateTime": "2026-11-20T08:30:00Z"},
    ]})
    latest = device.latest_result("rebootNow")
    assert latest is not None and latest.state == "pending" and not latest.finished
    assert device.latest_result(("wipe", "factoryReset")) is None


def test_device_action_result_keeps_its_beta_subtype_payload() -> None:
    result = DeviceActionResult.from_graph({
        "@odata.type": "#microsoft.graph.locateDeviceActionResult", "actionName": "locateDevice",
        "actionState": "done", "deviceLocation": {"latitude": 47.6}})
    assert result.odata_type == "locateDeviceActionResult"
    assert result.raw["deviceLocation"]["latitude"] == 47.6
    assert result.finished and result.state_words == "Done"


def test_policy_platform_and_kind_in_words() -> None:
    compliance = Policy.from_graph({"@odata.type": "#microsoft.graph.windows10CompliancePolicy",
                                    "displayName": "Win baseline", "version": 3})
    assert (compliance.platform, compliance.kind) == ("Windows 10 and later", "Compliance policy")
    ios = Policy.from_graph({"@odata.type": "#microsoft.graph.iosGeneralDeviceConfiguration"})
    assert (ios.platform, ios.kind) == ("iOS/iPadOS", "Device restrictions")
    work = Policy.from_graph({"@odata.type":
                              "#microsoft.graph.androidWorkProfileCompliancePolicy"})
    assert work.platform == "Android Enterprise (work profile)"
    catalog = Policy.from_graph({"name": "Edge", "platforms": "windows10",
                                 "technologies": "mdm"})
    assert (catalog.name, catalog.platform, catalog.kind) == (
        "Edge", "Windows 10 and later", "Settings catalog")
    odd = Policy.from_graph({"@odata.type": "#microsoft.graph.fooBarConfiguration"})
    assert odd.platform == MISSING and odd.kind == "Foo bar configuration"


def test_intune_permissions_parse_to_resource_and_operation() -> None:
    permission = Permission.parse("Microsoft.Intune_ManagedDevices_Read")
    assert (permission.resource, permission.operation) == ("Managed devices", "Read")
    lock = Permission.parse("Microsoft.Intune_RemoteTasks_RemoteLock")
    assert (lock.resource, lock.operation) == ("Remote tasks", "Remote lock")
    odd = Permission.parse("Something.Else")
    assert (odd.resource, odd.operation) == ("Other", "Something.Else")


def test_role_definition_groups_permissions_by_resource() -> None:
    role = RoleDefinition.from_graph({
        "displayName": "Help Desk Operator", "isBuiltIn": True,
        "rolePermissions": [{"resourceActions": [{
            "allowedResourceActions": [
                "Microsoft.Intune_ManagedDevices_Read", "Microsoft.Intune_ManagedDevices_Update",
                "Microsoft.Intune_RemoteTasks_Wipe", "Microsoft.Intune_ManagedDevices_Read",
            ],
            "notAllowedResourceActions": ["Microsoft.Intune_RemoteTasks_Retire"],
        }]}, {"actions": ["Microsoft.Intune_MobileApps_Read"]}],
    })
    assert role.permissions_by_resource() == {
        "Managed devices": ["Read", "Update"],
        "Mobile apps": ["Read"],
        "Remote tasks": ["Wipe"],
    }
    assert [p.operation for p in role.not_allowed] == ["Retire"]


def test_role_assignment_reads_members_and_scopes() -> None:
    assignment = RoleAssignment.from_graph({"displayName": "EU helpdesk", "members": ["g1", "g2"],
                                            "resourceScopes": ["s1"], "roleDefinition": None})
    assert assignment.members == ("g1", "g2") and assignment.resource_scopes == ("s1",)
    assert assignment.role_definition_id is None


def test_assignment_targets_in_words() -> None:
    group = Assignment.from_graph({"intent": "required", "target": {
        "@odata.type": "#microsoft.graph.groupAssignmentTarget", "groupId": "g-1"}})
    assert group.target == "Group g-1" and group.intent == "required"
    everyone = Assignment.from_graph({"target": {
        "@odata.type": "#microsoft.graph.allLicensedUsersAssignmentTarget"}})
    assert everyone.target == "All users"
    assert Assignment.from_graph({}).target == MISSING


def test_service_config_expiry_helpers() -> None:
    soon = (NOW + timedelta(days=12)).isoformat()
    apns = ApnsCertificate.from_graph({"appleIdentifier": "it@contoso.com",
                                       "expirationDateTime": soon})
    assert apns.days_left(NOW) == 12
    assert expiry_status(apns.expires, NOW) == "warn"
    assert expiry_words(apns.expires, NOW) == "expires in 12 days"
    expired = VppToken.from_graph({"expirationDateTime": (NOW - timedelta(days=3)).isoformat(),
                                   "state": "expired"})
    assert expiry_status(expired.expires, NOW) == "bad"
    assert expiry_words(expired.expires, NOW) == "expired 3 days ago"
    dep = DepToken.from_graph({"tokenName": "ABM", "tokenExpirationDateTime":
                               (NOW + timedelta(days=300)).isoformat()})
    assert expiry_status(dep.expires, NOW) == "good" and dep.days_left(NOW) == 300
    assert expiry_status(None, NOW) is None


def test_a_device_read_later_fills_in_what_the_list_row_lacked() -> None:
    row = ManagedDevice.from_graph({"id": "d1", "deviceName": "LAPTOP-7", "userId": None,
                                    "azureADDeviceId": "e1", "complianceState": "compliant"})
    assert row.label == "LAPTOP-7" and row.has_directory_ids and row.user_id is None
    read = ManagedDevice.from_graph({"id": "d1", "deviceName": None, "userId": "u1",
                                     "complianceState": "noncompliant", "imei": "35"})
    merged = row.merged_with(read)
    assert (merged.name, merged.user_id, merged.compliance_state, merged.imei) == (
        "LAPTOP-7", "u1", "noncompliant", "35")
    assert merged.azure_ad_device_id == "e1"
    unnamed = ManagedDevice.from_graph({"id": "d2"})
    assert unnamed.label == "d2" and not unnamed.has_directory_ids
    assert ManagedDevice.from_graph({}).label == ""


def test_a_policy_state_lists_its_settings_with_their_errors() -> None:
    state = PolicyState.from_graph({
        "id": "s1", "displayName": "Baseline", "state": "noncompliant",
        "settingStates": [
            {"setting": "Windows10CompliancePolicy.PasswordRequired", "state": "noncompliant",
             "errorCode": -2016281112, "errorDescription": "Not set", "currentValue": False},
            {"settingName": "Storage encryption", "state": "compliant", "errorCode": 0},
            "garbage",
        ]})
    assert (state.id, state.name, state.state) == ("s1", "Baseline", "noncompliant")
    first, second = state.settings
    assert first.name == "Windows10CompliancePolicy.PasswordRequired"
    assert (first.error_code, first.error_description, first.current_value) == (
        "-2016281112", "Not set", "False")
    assert second.name == "Storage encryption" and second.error_code == "0"
    assert PolicyState.from_graph({"settingStates": "odd"}).settings == ()


def test_a_status_row_names_its_device_by_id_or_by_name() -> None:
    by_id = DeviceStatus.from_graph({"managedDeviceId": "d1", "deviceName": "PC"})
    assert (by_id.device_id, by_id.device_name) == ("d1", "PC")
    by_name = DeviceStatus.from_graph({"deviceDisplayName": "PC-2", "userPrincipalName": "a@b"})
    assert (by_name.device_id, by_name.device_name, by_name.user_principal_name) == (
        None, "PC-2", "a@b")
    user = DeviceUser.from_graph({"id": "u1", "userPrincipalName": "a@b", "displayName": "A"})
    assert (user.id, user.user_principal_name, user.display_name) == ("u1", "a@b", "A")


def test_a_policy_carries_its_overview_facts_and_noncompliance_actions() -> None:
    policy = Policy.from_graph({
        "name": "Edge", "platforms": "windows10", "technologies": "mdm", "settingCount": 4,
        "templateReference": {"templateFamily": "endpointSecurityFirewall"},
        "roleScopeTagIds": ["0", 7], "isAssigned": True, "version": '"3b2"',
        "targetedMobileApps": ["com.a"],
        "scheduledActionsForRule": [{"scheduledActionConfigurations": [
            {"actionType": "block"},
            {"actionType": "notification", "notificationTemplateId": "t1"}]}, None]})
    assert (policy.technologies, policy.template_family, policy.setting_count) == (
        "mdm", "endpointSecurityFirewall", 4)
    assert policy.role_scope_tag_ids == ("0", "7") and policy.is_assigned is True
    assert policy.version == "3b2" and policy.targeted_mobile_apps == ("com.a",)
    actions = list(policy.compliance_actions)
    assert [a["actionType"] for a in actions] == ["block", "notification"]
    assert uses_notification_templates(actions)
    named = with_template_names(actions, {"t1": "Warn the user"})
    assert named[1]["notificationTemplateId"] == "Warn the user"
    assert with_template_names(actions, {})[1]["notificationTemplateId"] == "t1"
    assert Policy.from_graph({"version": 5}).version == "5"
    assert Policy.from_graph({}).version is None and not uses_notification_templates([])

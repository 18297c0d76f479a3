from intune_tui.intune.access import screens_needing
from intune_tui.intune.scopes import (
    PRIVILEGED_OPERATIONS,
    READ_SCOPES,
    SCOPES,
    Access,
    forbidden_checklist,
    scope_granted,
)


def test_the_seed_table_has_all_eleven_scopes_with_admin_center_wording() -> None:
    # The seed's eleven Intune scopes, then Entra's device scopes (offboarding) and the
    # recovery and directory scopes (device screen).
    later = {"Directory.AccessAsUser.All", "Device.Read.All"}
    seed = [s for s in SCOPES.values()
            if s.area not in ("recovery", "directory") and s.name not in later]
    assert len(seed) == 11
    assert {"Directory.AccessAsUser.All", "Device.Read.All"} <= set(SCOPES)
    assert SCOPES[PRIVILEGED_OPERATIONS].enable_access == (
        "Perform user-impacting remote actions on Microsoft Intune devices"
    )
    assert SCOPES["DeviceManagementRBAC.Read.All"].enable_access == (
        "Read Microsoft Intune RBAC settings"
    )
    assert "wipe" in SCOPES[PRIVILEGED_OPERATIONS].remote_actions
    assert "locate devices" in SCOPES["DeviceManagementManagedDevices.ReadWrite.All"].remote_actions
    assert "Cloud PKI" in SCOPES["DeviceManagementServiceConfig.Read.All"].permits_reading


def test_every_readwrite_scope_implies_its_read_scope() -> None:
    for scope in SCOPES.values():
        if scope.access is Access.READ_WRITE and "ReadWrite" in scope.name:
            assert scope.implies == (scope.name.replace("ReadWrite", "Read"),)


def test_read_scopes_are_the_five_login_scopes() -> None:
    assert set(READ_SCOPES) == {
        "DeviceManagementManagedDevices.Read.All",
        "DeviceManagementApps.Read.All",
        "DeviceManagementConfiguration.Read.All",
        "DeviceManagementRBAC.Read.All",
        "DeviceManagementServiceConfig.Read.All",
    }
    assert PRIVILEGED_OPERATIONS not in READ_SCOPES


def test_readwrite_grants_read_but_not_the_other_way_round() -> None:
    assert scope_granted("DeviceManagementApps.Read.All", ["DeviceManagementApps.ReadWrite.All"])
    assert not scope_granted("DeviceManagementApps.ReadWrite.All",
                             ["DeviceManagementApps.Read.All"])
    read_write = ["DeviceManagementManagedDevices.ReadWrite.All"]
    assert not scope_granted(PRIVILEGED_OPERATIONS, read_write)


def test_scope_matching_ignores_case_and_resource_prefix() -> None:
    granted = ["https://graph.microsoft.com/devicemanagementrbac.read.all"]
    assert scope_granted("DeviceManagementRBAC.Read.All", granted)
    assert [s for s in READ_SCOPES if not scope_granted(s, granted)] == [
        s for s in READ_SCOPES if "RBAC" not in s]


def test_forbidden_checklist_names_the_scope_and_the_four_checks() -> None:
    checks = forbidden_checklist("DeviceManagementApps.Read.All")
    assert [c.title for c in checks] == [
        "Application permission", "Admin consent", "Intune role", "Intune licence",
    ]
    assert "DeviceManagementApps.Read.All" in checks[0].detail
    assert "Read Microsoft Intune apps" in checks[0].detail
    assert forbidden_checklist(None)[0].detail  # still a usable sentence without a scope


def test_recovery_scopes_are_listed_and_read_implies_read_basic() -> None:
    recovery = {name for name, scope in SCOPES.items() if scope.area == "recovery"}
    assert recovery == {"BitlockerKey.Read.All", "BitlockerKey.ReadBasic.All",
                        "DeviceLocalCredential.Read.All", "DeviceLocalCredential.ReadBasic.All"}
    assert scope_granted("BitlockerKey.ReadBasic.All", ["BitlockerKey.Read.All"])
    assert not scope_granted("DeviceLocalCredential.Read.All",
                             ["DeviceLocalCredential.ReadBasic.All"])
    assert "recovery" not in {SCOPES[name].area for name in READ_SCOPES}


def test_new_scopes_say_what_needs_them_and_which_entra_role_is_required() -> None:
    laps = SCOPES["DeviceLocalCredential.Read.All"]
    assert "Cloud Device Administrator or Intune Service Administrator" in laps.summary()
    assert [use.title for use in screens_needing(laps.name)] == [
        "Recovery tab: reveal the LAPS password"]
    assert "Helpdesk Administrator" in SCOPES["BitlockerKey.Read.All"].summary()
    assert "Entra role" not in SCOPES["DeviceManagementApps.Read.All"].summary()

from pathlib import Path

import pytest

from intune_tui.intune.actions import (
    ACTIONS,
    BATCH_LIMIT,
    BulkAction,
    OptionError,
    Platform,
    Tier,
    action_for_result,
    actions_for,
    build_body,
    markdown_table,
    menu_for,
    no_actions_reason,
    platform_of,
)
from intune_tui.intune.scopes import MANAGED_DEVICES_READ_WRITE, PRIVILEGED_OPERATIONS

WINDOWS = {"id": "w1", "deviceName": "LAPTOP-1", "operatingSystem": "Windows"}
MAC = {"id": "m1", "deviceName": "MAC-1", "operatingSystem": "macOS"}
IPHONE = {"id": "i1", "deviceName": "Alice iPhone", "operatingSystem": "iOS",
          "isSupervised": False}
SUPERVISED_IPHONE = {**IPHONE, "id": "i2", "isSupervised": True}
SHARED_IPAD = {"id": "p1", "deviceName": "CART-IPAD-3", "operatingSystem": "iPadOS",
               "isSupervised": True}
ANDROID = {"id": "a1", "deviceName": "PIXEL", "operatingSystem": "AndroidEnterprise"}
LINUX = {"id": "l1", "deviceName": "dev-box", "operatingSystem": "Linux"}


def keys(device: dict) -> set[str]:
    return {action.key for action in actions_for(device)}


# Transcribed by hand from the Intune docs page "Remote device actions" (MicrosoftDocs/memdocs
# intune/device-management/actions/index.md, commit 0df91200, ms.date 2026-03-09): each tab's
# Action column, in the page's order. iOS and iPadOS share the iOS/iPadOS tab.
DOCUMENTED: dict[Platform, tuple[str, ...]] = {
    Platform.WINDOWS: (
        "Autopilot reset", "BitLocker key rotation", "Collect diagnostics", "Delete",
        "Fresh Start", "Full Scan", "Locate device", "Pause Config Refresh", "Quick Scan",
        "New remote assistance session", "Rename device", "Restart", "Retire",
        "Rotate local admin password", "Run remediation", "Sync",
        "Update Windows Defender security intelligence", "Wipe",
    ),
    Platform.IOS: (
        "Delete", "Disable Activation Lock", "Locate device", "Logout current user", "Lost mode",
        "New remote assistance session", "Play Lost Mode sound", "Remote lock",
        "Remove apps and configuration", "Remove user", "Rename device", "Remove passcode",
        "Restart", "Retire", "Send custom notification", "Sync", "Update cellular data plan",
        "Wipe",
    ),
    Platform.MACOS: (
        "Delete", "Disable Activation Lock", "New remote assistance session", "Remote lock",
        "Rename device", "Restart", "Retire", "Rotate FileVault recovery key",
        "Rotate Recovery Lock passcode", "Sync", "Wipe",
    ),
    Platform.ANDROID: (
        "Delete", "Locate device", "New remote assistance session", "Play lost device sound",
        "Remote lock", "Remove apps and configuration", "Rename device", "Reset passcode",
        "Restart", "Retire", "Send custom notification", "Sync", "Wipe",
    ),
    Platform.CHROMEOS: ("Deprovision", "Lost mode", "Restart", "Wipe"),
}
DOCUMENTED[Platform.IPADOS] = DOCUMENTED[Platform.IOS]
# Seed actions the page does not list, kept on the platforms Graph's reference gives them.
GRAPH_ONLY: dict[Platform, tuple[str, ...]] = {
    Platform.WINDOWS: ("Recover passcode",),
    Platform.IOS: ("Disable lost mode", "Shut down"),
    Platform.IPADOS: ("Disable lost mode", "Shut down"),
    Platform.MACOS: ("Shut down",),
}
SAMPLE_OS = {Platform.WINDOWS: "Windows", Platform.IOS: "iOS", Platform.IPADOS: "iPadOS",
             Platform.MACOS: "macOS", Platform.ANDROID: "Android",
             Platform.CHROMEOS: "ChromeOS"}


@pytest.mark.parametrize("platform", list(DOCUMENTED), ids=lambda p: p.value)
def test_menu_of_each_platform_is_the_documented_list(platform: Platform) -> None:
    device = {"id": "d1", "deviceName": "X", "operatingSystem": SAMPLE_OS[platform]}
    shown = sorted(entry.label_for(device) for entry in menu_for(device))
    assert shown == sorted(DOCUMENTED[platform] + GRAPH_ONLY.get(platform, ()))


@pytest.mark.parametrize("os_name", ["Linux", "Ubuntu", "tvOS", "", "OS/2"])
def test_no_action_is_offered_on_a_platform_the_docs_do_not_list(os_name: str) -> None:
    device = {"id": "d1", "deviceName": "X", "operatingSystem": os_name}
    assert menu_for(device) == []
    assert actions_for(device) == []
    assert "lists no remote action" in no_actions_reason(device)


@pytest.mark.parametrize("action", list(ACTIONS.values()), ids=lambda a: a.key)
def test_no_action_sits_on_a_platform_whose_tab_does_not_list_it(action) -> None:
    for platform in Platform:
        if action.offered_on(platform):
            listed = {*DOCUMENTED.get(platform, ()), *GRAPH_ONLY.get(platform, ())}
            assert action.name_on(platform) in listed, (action.key, platform)


def test_unsupervised_iphone_sees_supervised_actions_disabled_with_the_reason() -> None:
    entries = {entry.action.key: entry for entry in menu_for(IPHONE)}
    assert entries["enableLostMode"].reason_disabled == (
        "Lost mode needs a supervised iOS/iPadOS device.")
    assert entries["rebootNow"].reason_disabled == "Restart needs a supervised iOS/iPadOS device."
    assert entries["deleteUserFromSharedAppleDevice"].reason_disabled == (
        "Remove user needs a Shared iPad (iPadOS), not an iPhone.")
    assert entries["syncDevice"].enabled and entries["wipe"].enabled
    supervised = {entry.action.key: entry for entry in menu_for(SUPERVISED_IPHONE)}
    assert supervised["enableLostMode"].enabled and supervised["rebootNow"].enabled


def test_android_conditions_follow_the_enrollment_mode_and_ownership() -> None:
    work_profile = {"id": "a2", "operatingSystem": "Android", "managedDeviceOwnerType": "personal"}
    fully_managed = {"id": "a3", "operatingSystem": "Android", "managedDeviceOwnerType": "company",
                     "deviceEnrollmentType": "androidEnterpriseFullyManaged"}
    cope = {**fully_managed, "deviceEnrollmentType": "androidEnterpriseCorporateWorkProfile"}
    assert ACTIONS["sendCustomNotificationToCompanyPortal"].why_not(work_profile) is None
    assert ACTIONS["sendCustomNotificationToCompanyPortal"].why_not(fully_managed) == (
        "Send custom notification needs an Android Enterprise personally-owned work profile "
        "device.")
    assert "corporate-owned" in (ACTIONS["locateDevice"].why_not(work_profile) or "")
    assert ACTIONS["locateDevice"].why_not(cope) is None
    assert ACTIONS["rebootNow"].why_not(fully_managed) is None
    assert ACTIONS["rebootNow"].why_not(cope) == (
        "Restart needs an Android Enterprise fully managed or dedicated device.")
    # v1.0 answers the Android Enterprise members as unknownFutureValue: not known, so offered.
    hidden = {**cope, "deviceEnrollmentType": "unknownFutureValue"}
    assert ACTIONS["rebootNow"].why_not(hidden) is None


def test_os_version_and_ownership_conditions() -> None:
    win10 = {**WINDOWS, "osVersion": "10.0.19045.4170"}
    win11 = {**WINDOWS, "osVersion": "10.0.22631.4460"}
    assert ACTIONS["pauseConfigurationRefresh"].why_not(win10) == (
        "Pause Config Refresh needs Windows 11 (OS version 10.0.22000 or later).")
    assert ACTIONS["pauseConfigurationRefresh"].why_not(win11) is None
    assert ACTIONS["pauseConfigurationRefresh"].why_not(WINDOWS) is None  # version unknown
    personal = {**WINDOWS, "managedDeviceOwnerType": "personal"}
    assert ACTIONS["setDeviceName"].why_not(personal) == (
        "Rename device needs a corporate-owned device.")
    old_mac = {**MAC, "isSupervised": True, "osVersion": "11.4"}
    assert "macOS 11.5" in (ACTIONS["rotateRecoveryLockPasscode"].why_not(old_mac) or "")


def test_unsupported_documented_actions_are_listed_but_never_sent() -> None:
    entry = next(e for e in menu_for(SUPERVISED_IPHONE) if e.action.key == "changeAssignments")
    assert not entry.enabled and "admin center" in (entry.reason_disabled or "")
    assert BulkAction.plan([SUPERVISED_IPHONE], ACTIONS["changeAssignments"]).requests == ()


def test_catalog_has_the_documented_actions_and_the_seed_ones() -> None:
    assert set(ACTIONS) == {
        "retire", "wipe", "resetPasscode", "recoverPasscode", "remoteLock", "enableLostMode",
        "disableLostMode", "cleanWindowsDevice", "rebootNow", "shutDown", "syncDevice",
        "locateDevice", "bypassActivationLock", "requestRemoteAssistance",
        "deleteUserFromSharedAppleDevice", "logoutSharedAppleDeviceActiveUser",
        "windowsDefenderQuickScan", "windowsDefenderFullScan",
        "windowsDefenderUpdateSignatures", "setDeviceName",
        # added from the docs page
        "rotateBitLockerKeys", "createDeviceLogCollectionRequest", "delete",
        "pauseConfigurationRefresh", "rotateLocalAdminPassword",
        "initiateOnDemandProactiveRemediation", "playLostModeSound",
        "sendCustomNotificationToCompanyPortal", "rotateFileVaultKey",
        "rotateRecoveryLockPasscode", "activateDeviceEsim", "changeAssignments",
        "autopilotReset", "chromeOsDeprovision", "chromeOsLostMode", "chromeOsWipe",
    }


def test_tiers_match_the_design() -> None:
    benign = {k for k, a in ACTIONS.items() if a.tier is Tier.BENIGN}
    irreversible = {k for k, a in ACTIONS.items() if a.tier is Tier.IRREVERSIBLE}
    assert benign == {"syncDevice", "locateDevice", "windowsDefenderQuickScan",
                      "windowsDefenderFullScan", "windowsDefenderUpdateSignatures",
                      "requestRemoteAssistance", "createDeviceLogCollectionRequest",
                      "playLostModeSound", "sendCustomNotificationToCompanyPortal"}
    assert irreversible == {"wipe", "delete", "autopilotReset", "chromeOsWipe"}
    assert ACTIONS["retire"].tier is Tier.DESTRUCTIVE
    assert ACTIONS["remoteLock"].tier is Tier.DESTRUCTIVE


def test_scopes_follow_the_docs_and_the_seed_split() -> None:
    read_write = {k for k, a in ACTIONS.items() if a.required_scope == MANAGED_DEVICES_READ_WRITE}
    assert read_write == {"delete", "createDeviceLogCollectionRequest"}
    assert all(a.required_scope == PRIVILEGED_OPERATIONS for k, a in ACTIONS.items()
               if k not in read_write)
    for key in ("locateDevice", "bypassActivationLock", "requestRemoteAssistance"):
        assert ACTIONS[key].seed_scope == MANAGED_DEVICES_READ_WRITE
    assert ACTIONS["wipe"].seed_scope == PRIVILEGED_OPERATIONS


def test_api_versions_are_v1_where_v1_has_the_action() -> None:
    beta = {k for k, a in ACTIONS.items() if a.api_version == "beta"}
    assert beta == {
        "enableLostMode", "setDeviceName", "rotateBitLockerKeys",
        "createDeviceLogCollectionRequest", "pauseConfigurationRefresh",
        "rotateLocalAdminPassword", "initiateOnDemandProactiveRemediation", "playLostModeSound",
        "sendCustomNotificationToCompanyPortal", "rotateFileVaultKey",
        "rotateRecoveryLockPasscode", "activateDeviceEsim", "changeAssignments",
        "chromeOsDeprovision", "chromeOsLostMode",
    }


def test_delete_is_an_irreversible_delete_of_the_device_itself() -> None:
    delete = ACTIONS["delete"]
    assert (delete.http_method, delete.segment, delete.tier) == ("DELETE", "", Tier.IRREVERSIBLE)
    assert delete.path("abc") == "/deviceManagement/managedDevices/abc"
    assert build_body(delete) is None
    assert BulkAction.plan([WINDOWS], delete).requests[0].method == "DELETE"
    for key in ("retire", "wipe", "delete"):
        assert "take precedence over every other action" in ACTIONS[key].consequence
        assert ACTIONS[key].watches_management_state
    assert not ACTIONS["remoteLock"].watches_management_state


def test_bulk_exclusions_are_catalog_facts() -> None:
    excluded = {k for k, a in ACTIONS.items() if a.bulk_excluded}
    assert {"setDeviceName", "deleteUserFromSharedAppleDevice",
            "initiateOnDemandProactiveRemediation"} <= excluded
    assert ACTIONS["wipe"].bulk_excluded is None


def test_new_action_bodies_follow_graph() -> None:
    assert build_body(ACTIONS["createDeviceLogCollectionRequest"]) == {"templateType": {
        "@odata.type": "microsoft.graph.deviceLogCollectionRequest",
        "templateType": "predefined"}}
    assert build_body(ACTIONS["pauseConfigurationRefresh"],
                      {"pauseTimePeriodInMinutes": "90"}) == {"pauseTimePeriodInMinutes": 90}
    with pytest.raises(OptionError, match="between 0 and 1440"):
        build_body(ACTIONS["pauseConfigurationRefresh"], {"pauseTimePeriodInMinutes": "1441"})
    assert build_body(ACTIONS["initiateOnDemandProactiveRemediation"],
                      {"scriptPolicyId": "abc"}) == {"scriptPolicyId": "abc"}
    with pytest.raises(OptionError, match="Remediation script"):
        build_body(ACTIONS["initiateOnDemandProactiveRemediation"], {})
    assert build_body(ACTIONS["playLostModeSound"], {"durationInMinutes": "5"}) == {
        "durationInMinutes": "5"}
    assert build_body(ACTIONS["autopilotReset"]) == {"keepEnrollmentData": True,
                                                     "keepUserData": False}
    for key in ("rotateBitLockerKeys", "rotateLocalAdminPassword", "rotateFileVaultKey",
                "rotateRecoveryLockPasscode", "delete"):
        assert build_body(ACTIONS[key]) is None


def test_custom_notification_needs_title_and_body_within_intunes_limits() -> None:
    notify = ACTIONS["sendCustomNotificationToCompanyPortal"]
    assert build_body(notify, {"notificationTitle": "IT", "notificationBody": "Restart"}) == {
        "notificationTitle": "IT", "notificationBody": "Restart"}
    with pytest.raises(OptionError, match="Message"):
        build_body(notify, {"notificationTitle": "IT"})
    with pytest.raises(OptionError, match="at most 50 characters"):
        build_body(notify, {"notificationTitle": "x" * 51, "notificationBody": "b"})
    with pytest.raises(OptionError, match="at most 500 characters"):
        build_body(notify, {"notificationTitle": "t", "notificationBody": "x" * 501})


def test_every_action_has_a_plain_consequence_sentence() -> None:
    for action in ACTIONS.values():
        assert action.consequence.endswith("."), action.key
        assert len(action.consequence) > 40
    assert "Erases all data" in ACTIONS["wipe"].consequence


def test_platform_of_reads_operating_system() -> None:
    assert platform_of(WINDOWS) is Platform.WINDOWS
    assert platform_of(SHARED_IPAD) is Platform.IPADOS
    assert platform_of(ANDROID) is Platform.ANDROID
    assert platform_of({"operatingSystem": "ChromeOS"}) is Platform.CHROMEOS
    assert platform_of({}) is Platform.OTHER


def test_windows_loses_remote_lock_and_reset_passcode() -> None:
    offered = {entry.action.key for entry in menu_for(WINDOWS)}
    assert {"windowsDefenderQuickScan", "windowsDefenderFullScan", "cleanWindowsDevice",
            "windowsDefenderUpdateSignatures", "wipe", "retire", "syncDevice", "delete",
            "rotateBitLockerKeys"} <= offered
    assert not offered & {"remoteLock", "resetPasscode", "bypassActivationLock",
                          "enableLostMode", "deleteUserFromSharedAppleDevice"}


def test_supervision_gates_lost_mode_and_activation_lock() -> None:
    assert not keys(IPHONE) & {"enableLostMode", "disableLostMode", "bypassActivationLock"}
    assert {"enableLostMode", "disableLostMode", "bypassActivationLock"} <= keys(SUPERVISED_IPHONE)


def test_shared_ipad_actions_only_on_ipados() -> None:
    shared = {"deleteUserFromSharedAppleDevice", "logoutSharedAppleDeviceActiveUser"}
    assert shared <= keys(SHARED_IPAD)
    assert not shared & keys(SUPERVISED_IPHONE)
    assert ACTIONS["logoutSharedAppleDeviceActiveUser"].why_not(WINDOWS) == (
        "Logout current user is available for iOS, iPadOS devices, not Windows."
    )


def test_locate_covers_ios_ipados_windows_android_only() -> None:
    assert "locateDevice" in keys(WINDOWS) and "locateDevice" in keys(ANDROID)
    assert "locateDevice" in keys(SUPERVISED_IPHONE) and "locateDevice" in keys(SHARED_IPAD)
    assert "locateDevice" not in keys(IPHONE)  # listed, but disabled: not supervised
    assert "locateDevice" not in keys(MAC)


def test_linux_gets_nothing_because_the_page_has_no_linux_tab() -> None:
    assert keys(LINUX) == set()


def test_actions_for_lists_benign_first() -> None:
    tiers = [action.tier for action in actions_for(WINDOWS)]
    assert tiers == sorted(tiers)


def test_readme_table_is_generated_from_the_catalog() -> None:
    table = markdown_table()
    assert "| Run remediation | `beta` `initiateOnDemandProactiveRemediation` |" in table
    assert "| Delete | `DELETE v1.0 managedDevices/{id}` | irreversible | — |" in table
    assert "**ChromeOS**" in table and "**Linux**" not in table
    readme = (Path(__file__).parents[2] / "README.md").read_text(encoding="utf-8")
    start, end = "<!-- actions-table:start -->\n", "<!-- actions-table:end -->"
    assert start in readme and end in readme, "README lacks the generated actions table"
    block = readme.split(start, 1)[1].split(end, 1)[0]
    assert block == table, ("README's action table is stale: regenerate it with "
                            "`python -m intune_tui.intune.actions --markdown`")


def test_only_the_macos_unlock_pin_is_a_secret_and_records_say_it_was_set() -> None:
    secrets = {action.key: action.secret_fields for action in ACTIONS.values()
               if action.secret_fields}
    assert secrets == {"wipe": frozenset({"macOsUnlockCode"})}
    wipe = ACTIONS["wipe"]
    body = build_body(wipe, {"macOsUnlockCode": "123456"}, device=MAC)
    assert wipe.recorded_body(body) == {"macOsUnlockCode": "unlock PIN set (not recorded)"}
    assert body == {"macOsUnlockCode": "123456"}  # what is sent is left as it is
    windows = build_body(wipe, {"keepUserData": True}, device=WINDOWS)
    assert wipe.recorded_body(windows) == windows


def test_wipe_body_keeps_only_options_for_the_device_platform() -> None:
    wipe = ACTIONS["wipe"]
    options = {"keepEnrollmentData": True, "keepUserData": True, "macOsUnlockCode": "123456",
               "persistEsimDataPlan": True}
    assert build_body(wipe, options, device=WINDOWS) == {
        "keepEnrollmentData": True, "keepUserData": True}
    assert build_body(wipe, options, device=MAC) == {"macOsUnlockCode": "123456"}
    assert build_body(wipe, options, device=IPHONE) == {"persistEsimDataPlan": True}
    assert build_body(wipe, {}, device=WINDOWS) == {
        "keepEnrollmentData": False, "keepUserData": False}


def test_defender_scans_send_quick_scan_true_or_false() -> None:
    assert build_body(ACTIONS["windowsDefenderQuickScan"]) == {"quickScan": True}
    assert build_body(ACTIONS["windowsDefenderFullScan"]) == {"quickScan": False}
    assert ACTIONS["windowsDefenderFullScan"].segment == "windowsDefenderScan"


def test_actions_without_options_send_no_body() -> None:
    for key in ("retire", "syncDevice", "remoteLock", "rebootNow", "bypassActivationLock",
                "delete", "rotateBitLockerKeys"):
        assert build_body(ACTIONS[key]) is None


def test_clean_windows_always_sends_keep_user_data() -> None:
    assert build_body(ACTIONS["cleanWindowsDevice"]) == {"keepUserData": False}
    assert build_body(ACTIONS["cleanWindowsDevice"], {"keepUserData": True}) == {
        "keepUserData": True}


def test_lost_mode_needs_a_message_and_sends_what_was_given() -> None:
    lost = ACTIONS["enableLostMode"]
    with pytest.raises(OptionError, match="Lock-screen message"):
        build_body(lost, {"phoneNumber": "+1 555 0100"})
    assert build_body(lost, {"message": "Call IT", "phoneNumber": "+1 555 0100"}) == {
        "message": "Call IT", "phoneNumber": "+1 555 0100"}


def test_option_errors_are_sentences() -> None:
    with pytest.raises(OptionError, match="has no option colour"):
        build_body(ACTIONS["wipe"], {"colour": "red"})
    with pytest.raises(OptionError, match="6 digits"):
        build_body(ACTIONS["wipe"], {"macOsUnlockCode": "12ab"}, device=MAC)
    with pytest.raises(OptionError, match="15 letters"):
        build_body(ACTIONS["setDeviceName"], {"deviceName": "THIS-NAME-IS-WAY-TOO-LONG"},
                   device=WINDOWS)
    with pytest.raises(OptionError, match="full sign-in name"):
        build_body(ACTIONS["deleteUserFromSharedAppleDevice"], {"userPrincipalName": "bob"})
    assert build_body(ACTIONS["setDeviceName"], {"deviceName": " HR-LAPTOP-7 "},
                      device=WINDOWS) == {"deviceName": "HR-LAPTOP-7"}


def test_paths_refuse_ids_that_would_change_the_url() -> None:
    assert ACTIONS["wipe"].path("abc") == "/deviceManagement/managedDevices/abc/wipe"
    with pytest.raises(ValueError):
        ACTIONS["wipe"].path("abc/../../users")


def test_result_names_match_case_insensitively() -> None:
    assert action_for_result("RETIRE") is ACTIONS["retire"]
    assert action_for_result("factoryReset") is ACTIONS["wipe"]
    assert action_for_result("somethingNew") is None
    assert ACTIONS["wipe"].action_name == "wipe"


def test_bulk_plan_skips_inapplicable_devices_with_reasons_and_chunks_by_20() -> None:
    windows = [{"id": f"w{i}", "deviceName": f"PC-{i}", "operatingSystem": "Windows"}
               for i in range(45)]
    plan = BulkAction.plan([*windows, windows[0], MAC], ACTIONS["windowsDefenderQuickScan"])
    assert len(plan.requests) == 45  # the duplicate is sent once
    assert [s.device_id for s in plan.skipped] == ["m1"]
    assert "not macOS" in plan.skipped[0].reason
    assert [len(chunk) for chunk in plan.chunks()] == [20, 20, 5]
    assert BATCH_LIMIT == 20
    first = plan.requests[0]
    assert first.url == "/deviceManagement/managedDevices/w0/windowsDefenderScan"
    assert first.body == {"quickScan": True}


def test_bulk_bodies_are_built_per_device_platform() -> None:
    plan = BulkAction.plan([WINDOWS, MAC], ACTIONS["wipe"], {"keepUserData": True,
                                                             "macOsUnlockCode": "654321"})
    bodies = {r.device_id: r.body for r in plan.requests}
    assert bodies["w1"] == {"keepEnrollmentData": False, "keepUserData": True}
    assert bodies["m1"] == {"macOsUnlockCode": "654321"}


def test_bulk_plan_fails_fast_on_options_wrong_for_everyone() -> None:
    with pytest.raises(OptionError):
        BulkAction.plan([WINDOWS], ACTIONS["wipe"], {"bogus": True})

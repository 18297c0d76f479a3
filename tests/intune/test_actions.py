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


def test_catalog_has_every_action_of_the_seed_and_reference() -> None:
    assert set(ACTIONS) == {
        "retire", "wipe", "resetPasscode", "recoverPasscode", "remoteLock", "enableLostMode",
        "disableLostMode", "cleanWindowsDevice", "rebootNow", "shutDown", "syncDevice",
        "locateDevice", "bypassActivationLock", "requestRemoteAssistance",
        "deleteUserFromSharedAppleDevice", "logoutSharedAppleDeviceActiveUser",
        "windowsDefenderQuickScan", "windowsDefenderFullScan",
        "windowsDefenderUpdateSignatures", "setDeviceName",
    }


def test_tiers_match_the_design() -> None:
    benign = {k for k, a in ACTIONS.items() if a.tier is Tier.BENIGN}
    irreversible = {k for k, a in ACTIONS.items() if a.tier is Tier.IRREVERSIBLE}
    assert benign == {"syncDevice", "locateDevice", "windowsDefenderQuickScan",
                      "windowsDefenderFullScan", "windowsDefenderUpdateSignatures",
                      "requestRemoteAssistance"}
    assert irreversible == {"wipe"}
    assert ACTIONS["retire"].tier is Tier.DESTRUCTIVE
    assert ACTIONS["remoteLock"].tier is Tier.DESTRUCTIVE


def test_every_action_requires_privileged_operations_and_keeps_the_seed_split() -> None:
    assert all(a.required_scope == PRIVILEGED_OPERATIONS for a in ACTIONS.values())
    for key in ("locateDevice", "bypassActivationLock", "requestRemoteAssistance"):
        assert ACTIONS[key].seed_scope == MANAGED_DEVICES_READ_WRITE
    assert ACTIONS["wipe"].seed_scope == PRIVILEGED_OPERATIONS


def test_beta_only_actions_are_marked_beta() -> None:
    beta = {k for k, a in ACTIONS.items() if a.api_version == "beta"}
    assert beta == {"enableLostMode", "setDeviceName"}


def test_every_action_has_a_plain_consequence_sentence() -> None:
    for action in ACTIONS.values():
        assert action.consequence.endswith("."), action.key
        assert len(action.consequence) > 40
    assert "Erases all data" in ACTIONS["wipe"].consequence


def test_platform_of_reads_operating_system() -> None:
    assert platform_of(WINDOWS) is Platform.WINDOWS
    assert platform_of(SHARED_IPAD) is Platform.IPADOS
    assert platform_of(ANDROID) is Platform.ANDROID
    assert platform_of({}) is Platform.OTHER


def test_windows_gets_defender_and_fresh_start_but_no_apple_actions() -> None:
    offered = keys(WINDOWS)
    assert {"windowsDefenderQuickScan", "windowsDefenderFullScan", "cleanWindowsDevice",
            "windowsDefenderUpdateSignatures", "wipe", "retire", "syncDevice"} <= offered
    assert not offered & {"bypassActivationLock", "enableLostMode",
                          "deleteUserFromSharedAppleDevice"}


def test_supervision_gates_lost_mode_and_activation_lock() -> None:
    assert not keys(IPHONE) & {"enableLostMode", "disableLostMode", "bypassActivationLock"}
    assert {"enableLostMode", "disableLostMode", "bypassActivationLock"} <= keys(SUPERVISED_IPHONE)
    reason = ACTIONS["enableLostMode"].why_not(IPHONE)
    assert reason == "Enable lost mode needs a supervised iOS device."


def test_shared_ipad_actions_only_on_ipados() -> None:
    shared = {"deleteUserFromSharedAppleDevice", "logoutSharedAppleDeviceActiveUser"}
    assert shared <= keys(SHARED_IPAD)
    assert not shared & keys(SUPERVISED_IPHONE)
    assert ACTIONS["logoutSharedAppleDeviceActiveUser"].why_not(WINDOWS) == (
        "Sign out shared iPad user is available for iPadOS devices, not Windows."
    )


def test_locate_covers_ios_ipados_windows_android_only() -> None:
    assert "locateDevice" in keys(WINDOWS) and "locateDevice" in keys(ANDROID)
    assert "locateDevice" in keys(IPHONE) and "locateDevice" in keys(SHARED_IPAD)
    assert "locateDevice" not in keys(MAC)


def test_linux_gets_only_what_intune_offers_it() -> None:
    assert keys(LINUX) == {"syncDevice", "retire"}


def test_actions_for_lists_benign_first() -> None:
    tiers = [action.tier for action in actions_for(WINDOWS)]
    assert tiers == sorted(tiers)


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
    for key in ("retire", "syncDevice", "remoteLock", "rebootNow", "bypassActivationLock"):
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

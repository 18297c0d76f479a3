"""Graph's names and values in words (intune/wording.py)."""

from intune_tui.intune.formatting import MISSING
from intune_tui.intune.wording import (
    APP_TYPE_NAMES,
    app_type_name,
    catalog_setting_words,
    setting_instance_words,
)

V10_APP_TYPES = [
    "androidLobApp", "androidStoreApp", "iosLobApp", "iosStoreApp", "iosVppApp",
    "iosiPadOSWebClip", "macOSDmgApp", "macOSLobApp", "macOSMicrosoftDefenderApp",
    "macOSMicrosoftEdgeApp", "macOSOfficeSuiteApp", "managedAndroidLobApp",
    "managedAndroidStoreApp", "managedApp", "managedIOSLobApp", "managedIOSStoreApp",
    "managedMobileLobApp", "microsoftStoreForBusinessApp", "mobileLobApp", "webApp",
    "win32LobApp", "windowsAppX", "windowsMicrosoftEdgeApp", "windowsMobileMSI",
    "windowsUniversalAppX", "windowsWebApp",
]
BETA_APP_TYPES = [
    "androidForWorkApp", "androidManagedStoreApp", "androidManagedStoreWebApp", "macOSPkgApp",
    "macOsVppApp", "macOSWebClip", "officeSuiteApp", "win32CatalogApp",
    "windowsAutoUpdateCatalogApp", "windowsPhone81AppX", "windowsPhone81AppXBundle",
    "windowsPhone81StoreApp", "windowsPhoneXAP", "windowsStoreApp", "winGetApp",
]


def test_every_reference_app_type_has_a_friendly_name() -> None:
    assert len(V10_APP_TYPES) == 26 and len(BETA_APP_TYPES) == 15
    for name in V10_APP_TYPES + BETA_APP_TYPES:
        assert name in APP_TYPE_NAMES, name
        assert APP_TYPE_NAMES[name] != name
    assert app_type_name("#microsoft.graph.win32LobApp") == "Windows app (Win32)"
    assert app_type_name("#microsoft.graph.winGetApp") == "Microsoft Store app (new)"
    assert app_type_name("#microsoft.graph.iosVppApp") == "iOS volume-purchase app"


def test_settings_catalog_instance_words() -> None:
    setting = {"@odata.type": "#microsoft.graph.deviceManagementConfigurationChoiceSettingInstance",
               "settingDefinitionId": "device_vendor_msft_policy_config_camera_allowcamera",
               "choiceSettingValue": {
                   "value": "device_vendor_msft_policy_config_camera_allowcamera_0"}}
    assert setting_instance_words(setting) == (
        "device_vendor_msft_policy_config_camera_allowcamera", "0")
    assert setting_instance_words(None) == (MISSING, MISSING)


def test_a_catalog_setting_reads_as_its_instance_rows() -> None:
    setting = {"id": "0", "settingInstance": {
        "settingDefinitionId": "device_vendor_msft_policy_config_defender_allowrealtimemonitoring",
        "choiceSettingValue": {
            "value": "device_vendor_msft_policy_config_defender_allowrealtimemonitoring_1",
            "children": []}}}
    assert catalog_setting_words(setting) == [
        (0, "Defender › Allow realtime monitoring", "1")]
    assert catalog_setting_words({"id": "1"}) == []

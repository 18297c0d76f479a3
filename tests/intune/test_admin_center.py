"""Admin center links: the item's own page where a known link exists, its list otherwise, and
the profile's cloud and tenant in the address."""

from __future__ import annotations

from intune_tui.intune.admin_center import AdminLink, admin_center_link

DEVICE = {"id": "3ee9d80e-1689-47c4-9dbd-8029760df3f5", "deviceName": "CONTOSO-LT-63219"}


def test_a_device_links_to_its_overview_in_the_global_cloud() -> None:
    link = admin_center_link("devices", DEVICE, cloud="global", tenant=None)
    assert link == AdminLink(
        "https://intune.microsoft.com/#view/Microsoft_Intune_Devices/DeviceSettingsMenuBlade"
        "/~/overview/mdmDeviceId/3ee9d80e-1689-47c4-9dbd-8029760df3f5", exact=True)


def test_the_tenant_and_the_national_cloud_are_in_the_address() -> None:
    gov = admin_center_link("devices", DEVICE, cloud="usgov", tenant="contoso.onmicrosoft.us")
    china = admin_center_link("apps", {"id": "a1"}, cloud="china", tenant="organizations")
    assert gov is not None and gov.url.startswith(
        "https://intune.microsoft.us/contoso.onmicrosoft.us/#view/Microsoft_Intune_Devices/")
    assert china is not None and china.url == (
        "https://intune.microsoftonline.cn/#view/Microsoft_Intune_Apps/SettingsMenu/~/0/appId/a1")


def test_policy_names_are_escaped_in_the_route() -> None:
    link = admin_center_link(
        "compliance_policies", {"id": "p1", "displayName": "Win/10 baseline #2"},
        cloud="global", tenant=None)
    assert link is not None
    assert "/policyId/p1/policyName/Win%2F10%20baseline%20%232/" in link.url


def test_settings_catalog_carries_assignment_and_platform() -> None:
    link = admin_center_link("settings_catalog",
                             {"id": "s1", "isAssigned": True, "platforms": "windows10"},
                             cloud="global", tenant=None)
    assert link is not None and link.url.endswith(
        "Microsoft_Intune_Workflows/PolicySummaryBlade/policyId/s1/isAssigned~/true/technology"
        "/mdm/templateId//platformName/windows10")


def test_a_role_gets_the_roles_list_and_says_it_is_not_the_item() -> None:
    link = admin_center_link("role_definitions", {"id": "r1"}, cloud="global", tenant=None)
    assert link == AdminLink("https://intune.microsoft.com/#view/Microsoft_Intune_DeviceSettings"
                             "/RolesLandingMenuBlade/~/roles", exact=False)


def test_kinds_without_a_known_place_get_none() -> None:
    assert admin_center_link("notification_templates", {"id": "n1"}, cloud="global",
                             tenant=None) is None
    assert admin_center_link("devices", {}, cloud="global", tenant=None) is None

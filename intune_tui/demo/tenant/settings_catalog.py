"""Settings catalog policies (beta configurationPolicies)."""

from __future__ import annotations

import random
from typing import Any

from intune_tui.demo.tenant.catalog import Catalog
from intune_tui.demo.tenant.ids import uuid_from_rng
from intune_tui.demo.tenant.policies import COMPLIANCE_SETTINGS

_DEFENDER_SETTINGS = (
    "allowrealtimemonitoring", "allowbehaviormonitoring", "allowcloudprotection",
    "allowioavprotection", "allowscriptscanning", "allowarchivescanning", "allowemailscanning",
    "allowfullscanremovabledrivescanning", "allowintrusionpreventionsystem",
    "allowonaccessprotection", "allowuseruiaccess", "checkforsignaturesbeforerunningscan",
    "cloudblocklevel", "cloudextendedtimeout", "daystoretaincleanedmalware",
    "disablecatchupfullscan", "disablecatchupquickscan", "enablelowcpupriority",
    "enablenetworkprotection", "puaprotection", "realtimescandirection", "scanparameter",
    "schedulequickscantime", "schedulescanday", "schedulescantime", "signatureupdateinterval",
    "submitsamplesconsent", "avgcpuloadfactor",
)
_EDGE_SETTINGS = (
    "homepagelocation", "homepageisnewtabpage", "showhomebutton", "restoreonstartup",
    "passwordmanagerenabled", "smartscreenenabled", "smartscreenpuaenabled",
    "preventsmartscreenpromptoverride", "sslerroroverrideallowed", "inprivatemodeavailability",
    "syncdisabled", "browsersignin", "autofilladdressenabled", "autofillcreditcardenabled",
    "edgecollectionsenabled", "hubssidebarenabled", "sleepingtabsenabled",
    "startupboostenabled", "downloadrestrictions", "extensioninstallblocklist",
    "extensioninstallforcelist", "managedfavorites", "defaultsearchproviderenabled",
    "defaultsearchprovidername", "defaultsearchprovidersearchurl", "newtabpagelocation",
    "configuredonotrack", "trackingprevention", "typosquattingcheckerenabled",
    "edgeshoppingassistantenabled", "personalizationreportingenabled",
    "diagnosticdata", "sitesafetyservicesenabled", "showrecommendationsenabled",
)
_SETTINGS_CATALOG_POLICIES: tuple[tuple[str, str, str, str, str, int], ...] = (
    # (name, platforms, technologies, templateFamily, setting family, setting count)
    ("Windows - Defender Antivirus baseline", "windows10", "mdm,microsoftSense",
     "endpointSecurityAntivirus", "defender", 28),
    ("Windows - Edge security baseline", "windows10", "mdm", "none", "edge", 34),
    ("Windows - Edge for kiosks", "windows10", "mdm", "none", "edge", 12),
    ("Windows - BitLocker (settings catalog)", "windows10", "mdm",
     "endpointSecurityDiskEncryption", "bitlocker", 9),
    ("Windows - LAPS", "windows10", "mdm", "endpointSecurityAccountProtection", "laps", 4),
    ("Windows - Firewall", "windows10", "mdm,microsoftSense", "endpointSecurityFirewall",
     "firewall", 8),
    ("macOS - FileVault", "macOS", "mdm,appleRemoteManagement",
     "endpointSecurityDiskEncryption", "filevault", 6),
    ("macOS - Microsoft AutoUpdate", "macOS", "mdm,appleRemoteManagement", "none", "mau", 5),
    ("iOS - declarative software update", "iOS", "mdm,appleRemoteManagement", "none",
     "iosupdate", 3),
    ("Linux - compliance (custom script)", "linux", "linuxMdm", "none", "linux", 3),
)


def _choice_instance(definition: str, value: str,
                     children: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    return {
        "@odata.type": "#microsoft.graph.deviceManagementConfigurationChoiceSettingInstance",
        "settingDefinitionId": definition, "settingInstanceTemplateReference": None,
        "choiceSettingValue": {
            "@odata.type": "#microsoft.graph.deviceManagementConfigurationChoiceSettingValue",
            "settingValueTemplateReference": None, "value": f"{definition}_{value}",
            "children": children or []}}


def _simple_instance(definition: str, value: Any) -> dict[str, Any]:
    kind = "Integer" if isinstance(value, int) else "String"
    return {
        "@odata.type": "#microsoft.graph.deviceManagementConfigurationSimpleSettingInstance",
        "settingDefinitionId": definition, "settingInstanceTemplateReference": None,
        "simpleSettingValue": {
            "@odata.type": f"#microsoft.graph.deviceManagementConfiguration{kind}SettingValue",
            "settingValueTemplateReference": None, "value": value}}


def _collection_instance(definition: str, values: list[str]) -> dict[str, Any]:
    return {
        "@odata.type":
            "#microsoft.graph.deviceManagementConfigurationSimpleSettingCollectionInstance",
        "settingDefinitionId": definition, "settingInstanceTemplateReference": None,
        "simpleSettingCollectionValue": [
            {"@odata.type": "#microsoft.graph.deviceManagementConfigurationStringSettingValue",
             "settingValueTemplateReference": None, "value": value} for value in values]}


def _group_instance(definition: str, children: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "@odata.type":
            "#microsoft.graph.deviceManagementConfigurationGroupSettingCollectionInstance",
        "settingDefinitionId": definition, "settingInstanceTemplateReference": None,
        "groupSettingCollectionValue": [{"settingValueTemplateReference": None,
                                         "children": children}]}


def _setting_instances(family: str, count: int, rng: random.Random) -> list[dict[str, Any]]:
    if family == "defender":
        prefix = "device_vendor_msft_policy_config_defender_"
        out = []
        for name in _DEFENDER_SETTINGS[:count]:
            if name in ("avgcpuloadfactor", "cloudextendedtimeout", "daystoretaincleanedmalware",
                        "schedulequickscantime", "schedulescantime", "signatureupdateinterval"):
                out.append(_simple_instance(prefix + name, rng.choice([4, 30, 50, 120])))
            else:
                out.append(_choice_instance(prefix + name, rng.choice(["0", "1", "2"])))
        return out
    if family == "edge":
        prefix = "device_vendor_msft_policy_config_microsoft_edgev92~policy~microsoft_edge_"
        out = []
        for name in _EDGE_SETTINGS[:count]:
            definition = prefix + name
            if name == "homepagelocation":
                out.append(_choice_instance(definition, "1", [_simple_instance(
                    definition + "_homepagelocation", "https://intranet.contoso-demo.com")]))
            elif name in ("extensioninstallblocklist", "extensioninstallforcelist"):
                out.append(_choice_instance(definition, "1", [_collection_instance(
                    definition + "_" + name + "desc",
                    ["*"] if "block" in name else ["odfafepnkmbhccpbejgmiehpchacaeak"])]))
            else:
                out.append(_choice_instance(definition, rng.choice(["0", "1"])))
        return out
    if family == "laps":
        prefix = "device_vendor_msft_laps_policies_"
        return [_choice_instance(prefix + "backupdirectory", "1", [
                    _simple_instance(prefix + "passwordagedays_aad", 30)]),
                _simple_instance(prefix + "administratoraccountname", "contoso-laps"),
                _choice_instance(prefix + "passwordcomplexity", "4"),
                _simple_instance(prefix + "passwordlength", 16)][:count]
    if family == "firewall":
        prefix = "vendor_msft_firewall_mdmstore_"
        profiles = ["domainprofile", "privateprofile", "publicprofile"]
        out = [_choice_instance(f"{prefix}{profile}_enablefirewall", "true", [
            _choice_instance(f"{prefix}{profile}_defaultinboundaction", "1")])
               for profile in profiles]
        out.append(_group_instance(f"{prefix}firewallrules", [
            _simple_instance(f"{prefix}firewallrules_{{firewallrulename}}_name", "Block SMBv1"),
            _choice_instance(f"{prefix}firewallrules_{{firewallrulename}}_direction", "in"),
            _simple_instance(f"{prefix}firewallrules_{{firewallrulename}}_localportranges",
                             "445")]))
        while len(out) < count:
            out.append(_choice_instance(f"{prefix}global_disablestatefulftp_{len(out)}", "true"))
        return out[:count]
    prefixes = {"bitlocker": "device_vendor_msft_bitlocker_",
                "filevault": "com.apple.mcx.filevault2_",
                "mau": "com.microsoft.autoupdate2_",
                "iosupdate": "declarativedeviceconfiguration_softwareupdate_",
                "linux": "linux_customconfig_"}
    prefix = prefixes[family]
    out = []
    for position in range(count):
        if position % 3 == 2:
            out.append(_simple_instance(f"{prefix}setting{position}", f"value-{position}"))
        else:
            out.append(_choice_instance(f"{prefix}setting{position}", "true"))
    return out


def build_settings_catalog(catalog: Catalog) -> None:
    rng = catalog.rng
    # 60 policies: the named ones plus numbered copies, so a list needs three pages of 25.
    specs = list(_SETTINGS_CATALOG_POLICIES)
    ring = 0
    while len(specs) < 60:
        base = _SETTINGS_CATALOG_POLICIES[ring % len(_SETTINGS_CATALOG_POLICIES)]
        ring += 1
        specs.append((f"{base[0]} - ring {ring}", *base[1:5], max(2, base[5] // 2)))
    for name, platforms, technologies, family, setting_family, count in specs:
        settings = _setting_instances(setting_family, count, rng)
        policy: dict[str, Any] = {
            "@odata.type": "#microsoft.graph.deviceManagementConfigurationPolicy",
            "id": catalog.new_id(), "name": name, "description": "",
            "platforms": platforms, "technologies": technologies,
            "createdDateTime": catalog.moment(100, 900),
            "lastModifiedDateTime": catalog.moment(1, 99),
            "settingCount": len(settings), "creationSource": None,
            "roleScopeTagIds": ["0"], "isAssigned": rng.random() < 0.85,
            "templateReference": {"templateId": "" if family == "none" else
                                  str(uuid_from_rng(rng)) + "_1",
                                  "templateFamily": family,
                                  "templateDisplayName": None,
                                  "templateDisplayVersion": None},
            "priorityMetaData": None,
        }
        catalog.add("deviceManagement/configurationPolicies", policy)
        if name == "Linux - compliance (custom script)":
            catalog.tenant.extra_compliance_policies.append({
                "id": policy["id"], "displayName": name, "version": 1,
                "_platform": "Linux", "_platformType": "linux", "_primary": True,
                "_salt": 990, "_settings": COMPLIANCE_SETTINGS["Linux"]})
        catalog.add_children("deviceManagement/configurationPolicies/{id}/settings",
                             policy["id"], [
                                 {"@odata.type":
                                  "#microsoft.graph.deviceManagementConfigurationSetting",
                                  "id": str(position), "settingInstance": instance}
                                 for position, instance in enumerate(settings)])
        assignments = []
        if policy["isAssigned"]:
            assignments.append({
                "@odata.type": "#microsoft.graph.deviceManagementConfigurationPolicyAssignment",
                "id": f"{policy['id']}_0", "source": "direct", "sourceId": policy["id"],
                "target": catalog.target(rng.choice(["Pilot ring", "All Windows devices",
                                                     "Engineering users"]))})
        catalog.add_children("deviceManagement/configurationPolicies/{id}/assignments",
                             policy["id"], assignments)

"""Remediation script packages (beta deviceHealthScripts)."""

from __future__ import annotations

from intune_tui.demo.tenant.catalog import Catalog

# Remediation script packages (beta deviceHealthScript, msgraph-beta-sdk-python
# models/device_health_script.py). The first two are Microsoft's own packages (isGlobalScript).
REMEDIATION_SCRIPTS: tuple[tuple[str, str, str, bool], ...] = (
    ("Restart stopped Office C2R svc", "Microsoft",
     "Restarts the Office Click-to-Run service if it is stopped.", True),
    ("Update stale Group Policies", "Microsoft",
     "Runs gpupdate when Group Policy has not refreshed for 7 days.", True),
    *((name, "Contoso IT", description, False) for name, description in (
        ("Clear Teams cache", "Clears the new Teams client cache when it exceeds 1 GB."),
        ("Reset Windows Update components", "Resets the update services and their caches."),
        ("Repair Defender platform", "Reinstalls the Defender platform when it is outdated."),
        ("Free disk space", "Empties temp folders and the recycle bin below 10 GB free."),
        ("Fix OneDrive Known Folder Move", "Re-runs KFM when Desktop is not redirected."),
        ("Reset print spooler", "Restarts the spooler and clears stuck jobs."),
        ("Renew device certificate", "Requests a new SCEP certificate before it expires."),
        ("Re-register Windows Hello", "Removes a broken Hello container for re-enrollment."),
        ("Remove local admin accounts", "Removes unexpected members of Administrators."),
        ("Enable BitLocker on OS drive", "Starts BitLocker where the policy failed to."),
        ("Sync time with Contoso NTP", "Resyncs the clock when it drifts over 5 minutes."),
        ("Restart Intune Management Extension", "Restarts IME when it has not synced."),
    )),
)


def build_remediation_scripts(catalog: Catalog) -> None:
    for name, publisher, description, is_global in REMEDIATION_SCRIPTS:
        catalog.add("deviceManagement/deviceHealthScripts", {
            "@odata.type": "#microsoft.graph.deviceHealthScript",
            "id": catalog.new_id(), "displayName": name, "description": description,
            "publisher": publisher, "version": "1.0" if not is_global else "2.1",
            "isGlobalScript": is_global, "highestAvailableVersion": "2.1" if is_global else None,
            "runAsAccount": "system", "enforceSignatureCheck": is_global, "runAs32Bit": False,
            "deviceHealthScriptType": "deviceHealthScript", "roleScopeTagIds": ["0"],
            "createdDateTime": catalog.moment(100, 400),
            "lastModifiedDateTime": catalog.moment(1, 99),
            "detectionScriptContent": None, "remediationScriptContent": None,
            "detectionScriptParameters": [], "remediationScriptParameters": [],
        })

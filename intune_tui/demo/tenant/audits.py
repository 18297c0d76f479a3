"""Remote action audits (beta): past and new remote actions, as Graph lists them."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from intune_tui.demo.identity import DEMO_DOMAIN, DEMO_OPERATOR_UPN
from intune_tui.demo.tenant.devices import ActionRecord
from intune_tui.demo.tenant.ids import guid_from, iso
from intune_tui.demo.tenant.records import RecordSet

if TYPE_CHECKING:
    from intune_tui.demo.tenant.model import DemoTenant


_AUDIT_ACTION = {"retire": "removeCompanyData", "wipe": "factoryReset",
                 "resetPasscode": "resetPasscode", "remoteLock": "remoteLock",
                 "enableLostMode": "enableLostMode", "disableLostMode": "disableLostMode",
                 "locateDevice": "locateDevice", "rebootNow": "rebootNow",
                 "recoverPasscode": "recoverPasscode", "cleanWindowsDevice": "cleanWindowsDevice",
                 "logoutSharedAppleDeviceActiveUser": "logoutSharedAppleDeviceActiveUser",
                 "windowsDefenderUpdateSignatures": "windowsDefenderUpdateSignatures",
                 "shutDown": "shutDown", "rotateBitLockerKeys": "rotateBitLockerKeys",
                 "rotateFileVaultKey": "rotateFileVaultKey", "setDeviceName": "setDeviceName",
                 "activateDeviceEsim": "activateDeviceEsim"}


def remote_action_audits(tenant: DemoTenant, ids: list[str], beta: bool) -> RecordSet:
    store = tenant.devices

    def render(entry: tuple[int, ActionRecord, str, str]) -> dict[str, Any]:
        index, record, initiator, bulk_id = entry
        user = store.user[index]
        action = _AUDIT_ACTION.get(record.action_name, "unknown")
        if record.action_name == "windowsDefenderScan":
            action = record.payload.get("scanType", "quickScan")
        return {
            "@odata.type": "#microsoft.graph.remoteActionAudit",
            "id": guid_from(tenant.seed, 40, index * 64 + len(record.action_name)
                            + int(record.start.timestamp()) % 1000 * 4096),
            "deviceDisplayName": store.device_name(index),
            "userName": tenant.users.display_name(user) if user >= 0 else "",
            "initiatedByUserPrincipalName": initiator,
            "action": action,
            "requestDateTime": iso(record.start),
            "deviceOwnerUserPrincipalName": tenant.users.upn[user] if user >= 0 else "",
            "deviceIMEI": store.value(index, "imei"),
            "actionState": record.state_at(store.clock()),
            "managedDeviceId": store.id_of(index),
            "deviceActionCategory": "bulk" if bulk_id else "single",
            "bulkDeviceActionId": bulk_id,
        }

    def getter(entry: Any, prop: str) -> Any:
        return render(entry).get(prop)

    return RecordSet(list(tenant.audits), getter, render, lambda entry: render(entry)["id"])


def build_history_audits(tenant: DemoTenant) -> None:
    admins = (DEMO_OPERATOR_UPN, f"jamal.haddad@{DEMO_DOMAIN}", f"it-automation@{DEMO_DOMAIN}")
    for index, records in sorted(tenant.devices.actions.items()):
        for record in records:
            tenant.audits.append((index, record, admins[index % len(admins)], ""))

"""Autopilot edits a helpdesk needs: group tag, assigned user and display name, one or many.

`POST /deviceManagement/windowsAutopilotDeviceIdentities/{id}/updateDeviceProperties` with any of
userPrincipalName, addressableUserName, groupTag, displayName (v1.0 CSDL, msgraph-metadata
schemas/v1.0-Prod.csdl, commit f54f11b6, read 2026-12-06); 204 on success;
DeviceManagementServiceConfig.ReadWrite.All. Each identity gets one call per confirmation, audited
before and after; an answer that was lost is settled by reading the identity back.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from intune_tui.audit import AuditLog, AuditRecord
from intune_tui.graph.client import GraphClient
from intune_tui.graph.errors import GraphError, GraphForbidden, OutcomeUnknown
from intune_tui.intune.lifecycle import (
    AUTOPILOT_PATH,
    AUTOPILOT_READ_WRITE,
    AutopilotIdentity,
    intune_role_words,
)
from intune_tui.text import clean

FIELDS = {"group_tag": "groupTag", "user_principal_name": "userPrincipalName",
          "addressable_user_name": "addressableUserName", "display_name": "displayName"}
WORDS = {"groupTag": "group tag", "userPrincipalName": "assigned user",
         "addressableUserName": "user's friendly name", "displayName": "device name"}


@dataclass(frozen=True)
class AutopilotChange:
    identity: AutopilotIdentity
    body: Mapping[str, str]

    def preview(self) -> str:
        current = {"groupTag": self.identity.group_tag,
                   "userPrincipalName": self.identity.user_principal_name,
                   "displayName": self.identity.display_name, "addressableUserName": None}
        parts = [f"{WORDS[key]} {clean(current.get(key) or '') or '(none)'} -> "
                 f"{clean(value) or '(none)'}" for key, value in self.body.items()]
        return f"serial {clean(self.identity.serial_number or '-')}: " + ", ".join(parts)


@dataclass(frozen=True)
class AutopilotOutcome:
    change: AutopilotChange
    state: str  # "done", "failed", "unknown"
    error: str | None = None


def plan_changes(identities: Sequence[AutopilotIdentity], **values: str | None
                 ) -> list[AutopilotChange]:
    """One change per identity, with only the fields given (an empty string clears one)."""
    body = {FIELDS[name]: value for name, value in values.items() if value is not None}
    if not body:
        raise ValueError("say what to change: a group tag, a user or a name")
    return [AutopilotChange(identity, dict(body)) for identity in identities]


async def apply_changes(client: GraphClient, changes: Sequence[AutopilotChange],
                        audit: AuditLog, *, tenant: str, operator: str
                        ) -> list[AutopilotOutcome]:
    outcomes = []
    for change in changes:
        outcomes.append(await _apply(client, change, audit, tenant, operator))
    return outcomes


async def _apply(client: GraphClient, change: AutopilotChange, audit: AuditLog, tenant: str,
                 operator: str) -> AutopilotOutcome:
    identity = change.identity
    path = f"{AUTOPILOT_PATH}/{identity.id}/updateDeviceProperties"
    attempt = audit.begin(AuditRecord(
        tenant=tenant, operator=operator, action="autopilot updateDeviceProperties",
        device_id=identity.id, device_name=identity.display_name or "",
        serial=identity.serial_number or "", options=dict(change.body)))
    try:
        response = await client.post_action(path, json=dict(change.body),
                                            scopes=[AUTOPILOT_READ_WRITE],
                                            required_scope=AUTOPILOT_READ_WRITE)
    except OutcomeUnknown as error:
        audit.complete(attempt, outcome="unknown", error=clean(str(error)))
        return await _settle(client, change)
    except GraphError as error:
        audit.complete(attempt, outcome="failed", http_status=error.status,
                       request_id=error.request_id, error=clean(str(error)))
        words = clean(str(error))
        if isinstance(error, GraphForbidden):
            words += intune_role_words("Enrollment programs (change a device)")
        return AutopilotOutcome(change, "failed", words)
    audit.complete(attempt, outcome="succeeded", http_status=response.status,
                   request_id=response.request_id)
    return AutopilotOutcome(change, "done")


async def _settle(client: GraphClient, change: AutopilotChange) -> AutopilotOutcome:
    try:
        body = await client.get(f"{AUTOPILOT_PATH}/{change.identity.id}",
                                required_scope=AUTOPILOT_READ_WRITE)
    except GraphError as error:
        return AutopilotOutcome(change, "unknown", "could not check: " + clean(str(error)))
    if all((body.get(key) or "") == value for key, value in change.body.items()):
        return AutopilotOutcome(change, "done")
    return AutopilotOutcome(change, "unknown", "no answer, and the identity does not show the "
                            "change yet; check it before trying again")

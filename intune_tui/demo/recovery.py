"""The demo tenant's recovery secrets and the Graph endpoints that serve them, as documented.

BitLocker recovery keys per Entra device id, Windows LAPS credentials with several backups, and
FileVault keys of encrypted Macs, all derived from the seed (no storage). Rules kept (Graph
reference pages on learn.microsoft.com, read 2026-12-06):
- GET /informationProtection/bitlocker/recoveryKeys: BitlockerKey.ReadBasic.All or .Read.All;
  `$filter` only `deviceId eq '...'`; the key is never in a listing.
- GET .../recoveryKeys/{id}: `key` only when `$select` names it, which needs BitlockerKey.Read.All.
- GET /directory/deviceLocalCredentials/{deviceId}: DeviceLocalCredential.ReadBasic.All or
  .Read.All; `credentials` only with `$select=credentials`, which needs .Read.All; an unknown
  device (or one without a backup) is a 404.
- Both need a User-Agent header (documented "Required"; the answer to a request without one is
  not documented, so this fake says 400 in Graph's error form).
- The signed-in user needs an Entra role: any of BITLOCKER_ROLES for keys, LAPS_PASSWORD_ROLES
  for a LAPS password. `roles` maps a UPN to its roles (the demo operator is an Intune Service
  Administrator); tests change it.
- FileVault (beta managedDevices/{id}/getFileVaultKey) is served by the fake Graph's Intune side
  with `filevault_key` below.
"""

from __future__ import annotations

import base64
import random
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta
from typing import Any
from urllib.parse import quote

from intune_tui.demo.identity import DEMO_OPERATOR_UPN
from intune_tui.demo.tenant import DemoTenant, guid_from, iso, mix64

BITLOCKER_BASIC = "BitlockerKey.ReadBasic.All"
BITLOCKER_FULL = "BitlockerKey.Read.All"
LAPS_BASIC = "DeviceLocalCredential.ReadBasic.All"
LAPS_FULL = "DeviceLocalCredential.Read.All"
RECOVERY_SCOPES = (BITLOCKER_BASIC, BITLOCKER_FULL, LAPS_BASIC, LAPS_FULL)

BITLOCKER_ROLES = frozenset({"Cloud Device Administrator", "Helpdesk Administrator",
                             "Intune Service Administrator", "Security Administrator",
                             "Security Reader", "Global Reader"})
LAPS_PASSWORD_ROLES = frozenset({"Cloud Device Administrator", "Intune Service Administrator"})

KEY_PAGE_SIZE = 20
_NO_DEVICE = "00000000-0000-0000-0000-000000000000"
_PASSWORD_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789!#%+@"
_QUERY_SAFE = "$'(),/:@*!"
_SALT_KEY_ID = 41
_SALT_ACCOUNT_SID = 43


@dataclass(frozen=True)
class BitLockerKey:
    id: str
    device_id: str
    created: str
    volume_type: str  # Graph sends the number as a string ("1")
    key: str

    def to_json(self, *, with_key: bool) -> dict[str, Any]:
        body: dict[str, Any] = {"id": self.id, "createdDateTime": self.created,
                                "volumeType": self.volume_type, "deviceId": self.device_id}
        if with_key:
            body["key"] = self.key
        return body


@dataclass(frozen=True)
class LapsBackup:
    account: str
    account_sid: str
    backed_up: str
    password: str
    utf16: bool  # the docs' examples are UTF-16LE; some tenants send UTF-8

    def to_json(self) -> dict[str, Any]:
        raw = self.password.encode("utf-16-le" if self.utf16 else "utf-8")
        return {"accountName": self.account, "accountSid": self.account_sid,
                "backupDateTime": self.backed_up,
                "passwordBase64": base64.b64encode(raw).decode("ascii")}


class RecoveryVault:
    """The secrets of one demo tenant, computed from its devices on first use."""

    def __init__(self, tenant: DemoTenant) -> None:
        self.tenant = tenant
        self.roles: dict[str, set[str]] = {DEMO_OPERATOR_UPN.lower():
                                           {"Intune Service Administrator"}}
        self._by_entra_id: dict[str, int] | None = None
        self._keys: dict[str, BitLockerKey] | None = None

    # --- data -----------------------------------------------------------------------------
    def device_for(self, entra_id: str) -> int | None:
        if self._by_entra_id is None:
            store = self.tenant.devices
            self._by_entra_id = {}
            for position in range(len(store)):
                value = str(store.value(position, "azureADDeviceId") or "")
                if value and value != _NO_DEVICE:
                    self._by_entra_id[value.lower()] = position
        index = self._by_entra_id.get(entra_id.lower())
        if index is None or self.tenant.devices.index_of(self.tenant.devices.id_of(index)) is None:
            return None
        return index

    def _windows(self, index: int) -> bool:
        return self.tenant.devices.os[index] == "Windows"

    def bitlocker_keys(self, index: int) -> list[BitLockerKey]:
        store = self.tenant.devices
        if not self._windows(index) or not store.encrypted[index]:
            return []
        rng = random.Random(mix64(self.tenant.seed ^ (index << 8) ^ 0xB17))
        entra_id = str(store.value(index, "azureADDeviceId"))
        enrolled = self.tenant.now - timedelta(seconds=store.enroll_age[index])
        volumes = ["1"] + (["2"] if rng.random() < 0.3 else [])
        return [BitLockerKey(
            id=guid_from(self.tenant.seed, _SALT_KEY_ID, index * 4 + position),
            device_id=entra_id,
            created=iso(enrolled + timedelta(minutes=5 + position * 90)),
            volume_type=volume,
            key="-".join(f"{rng.randrange(0, 720_896) // 11 * 11:06d}" for _ in range(8)),
        ) for position, volume in enumerate(volumes)]

    def all_keys(self) -> dict[str, BitLockerKey]:
        if self._keys is None:
            self._keys = {key.id: key for index in self.tenant.devices.live_indices()
                          for key in self.bitlocker_keys(index)}
        return self._keys

    def laps_backups(self, index: int) -> list[LapsBackup]:
        """Newest last. Every fourth Windows device has no LAPS policy (no backup)."""
        if not self._windows(index) or mix64(self.tenant.seed ^ index ^ 0x1A95) % 4 == 0:
            return []
        rng = random.Random(mix64(self.tenant.seed ^ (index << 8) ^ 0x1A95))
        account = rng.choice(("ContosoLocalAdmin", "Administrator"))
        sid = (f"S-1-5-21-{mix64(index ^ _SALT_ACCOUNT_SID) % 4_000_000_000}-"
               f"{rng.randrange(10**9, 4 * 10**9)}-{rng.randrange(10**9, 4 * 10**9)}-"
               f"{500 if account == 'Administrator' else 1001}")
        count = rng.randint(2, 4)
        utf16 = rng.random() < 0.5
        newest = self.tenant.now - timedelta(days=rng.randint(0, 25), hours=rng.randint(0, 23))
        backups = []
        for age in range(count - 1, -1, -1):
            password = "".join(rng.choice(_PASSWORD_ALPHABET) for _ in range(14))
            backups.append(LapsBackup(account, sid, iso(newest - timedelta(days=30 * age)),
                                      password, utf16))
        return backups

    def filevault_key(self, device_id: str) -> str | None:
        """The personal recovery key of an encrypted Mac escrowed to Intune, else None."""
        store = self.tenant.devices
        index = store.index_of(device_id)
        if index is None or store.os[index] != "macOS" or not store.encrypted[index]:
            return None
        rng = random.Random(mix64(self.tenant.seed ^ (index << 8) ^ 0xF11E))
        alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
        return "-".join("".join(rng.choice(alphabet) for _ in range(4)) for _ in range(6))

    def has_role(self, upn: str, allowed: frozenset[str]) -> bool:
        return bool(self.roles.get(upn.lower(), set()) & allowed)

    # --- Graph ----------------------------------------------------------------------------
    def serve(self, method: str, segments: list[str], params: Mapping[str, str],
              scopes: frozenset[str], headers: Mapping[str, str], upn: str, request_id: str,
              next_link_base: str) -> tuple[int, dict[str, Any]] | None:
        """Graph's answer to a BitLocker or LAPS request, or None for any other path.

        `next_link_base`: origin and version ("https://graph.microsoft.com/v1.0")."""
        bitlocker = segments[:3] == ["informationProtection", "bitlocker", "recoveryKeys"]
        laps = segments[:2] == ["directory", "deviceLocalCredentials"]
        if not (bitlocker and len(segments) in (3, 4)) and not (laps and len(segments) == 3):
            return None
        if method != "GET":
            return _error(405, "Request_BadRequest", "The HTTP method is not allowed here.",
                          request_id)
        if not headers.get("user-agent"):
            return _error(400, "BadRequest", "A User-Agent header is required.", request_id)
        if bitlocker:
            if len(segments) == 3:
                return self._list_keys(params, scopes, upn, request_id, next_link_base)
            return self._get_key(segments[3], params, scopes, upn, request_id)
        return self._laps(segments[2], params, scopes, upn, request_id)

    def _list_keys(self, params: Mapping[str, str], scopes: frozenset[str], upn: str,
                   request_id: str, base: str) -> tuple[int, dict[str, Any]]:
        if not scopes & {BITLOCKER_BASIC, BITLOCKER_FULL} or not self.has_role(
                upn, BITLOCKER_ROLES):
            return _denied(request_id)
        if "key" in _select(params):
            return _error(400, "BadRequest", "The key property can only be selected on a "
                          "single recovery key.", request_id)
        text = params.get("$filter")
        if text is None:
            keys = list(self.all_keys().values())
        else:  # one device's keys, without making every key of the tenant first
            device_id = _device_id_filter(text)
            if device_id is None:
                return _error(400, "BadRequest", "Invalid filter clause: only deviceId eq "
                              "'<id>' is supported.", request_id)
            index = self.device_for(device_id)
            keys = self.bitlocker_keys(index) if index is not None else []
        try:
            offset = int(params.get("$skiptoken", "0"))
        except ValueError:
            return _error(400, "BadRequest", "Invalid skip token.", request_id)
        page = keys[offset: offset + KEY_PAGE_SIZE]
        body: dict[str, Any] = {
            "@odata.context": f"{base}/$metadata#informationProtection/bitlocker/recoveryKeys",
            "value": [key.to_json(with_key=False) for key in page]}
        if offset + KEY_PAGE_SIZE < len(keys):
            query = f"$skiptoken={offset + KEY_PAGE_SIZE}"
            if text is not None:
                query = f"$filter={quote(text, safe=_QUERY_SAFE)}&" + query
            body["@odata.nextLink"] = f"{base}/informationProtection/bitlocker/recoveryKeys?{query}"
        return 200, body

    def _get_key(self, key_id: str, params: Mapping[str, str], scopes: frozenset[str],
                 upn: str, request_id: str) -> tuple[int, dict[str, Any]]:
        select = _select(params)
        wants_key = "key" in select
        needed = {BITLOCKER_FULL} if wants_key else {BITLOCKER_BASIC, BITLOCKER_FULL}
        if not scopes & needed or not self.has_role(upn, BITLOCKER_ROLES):
            return _denied(request_id)
        key = self.all_keys().get(key_id.lower()) or self.all_keys().get(key_id)
        if key is None or self.device_for(key.device_id) is None:
            return _not_found(key_id, request_id)
        body = key.to_json(with_key=wants_key)
        if select:
            body = {name: value for name, value in body.items() if name in select or name == "id"}
        return 200, body

    def _laps(self, entra_id: str, params: Mapping[str, str], scopes: frozenset[str],
              upn: str, request_id: str) -> tuple[int, dict[str, Any]]:
        select = _select(params)
        wants_password = "credentials" in select
        if wants_password:
            allowed = scopes & {LAPS_FULL} and self.has_role(upn, LAPS_PASSWORD_ROLES)
        else:
            allowed = scopes & {LAPS_BASIC, LAPS_FULL} and self.has_role(upn, BITLOCKER_ROLES)
        if not allowed:
            return _denied(request_id)
        index = self.device_for(entra_id)
        backups = self.laps_backups(index) if index is not None else []
        if index is None or not backups:
            return _not_found(entra_id, request_id)
        body: dict[str, Any] = {
            "@odata.type": "#microsoft.graph.deviceLocalCredentialInfo",
            "id": entra_id.lower(),
            "deviceName": self.tenant.devices.device_name(index),
            "lastBackupDateTime": backups[-1].backed_up,
            "refreshDateTime": iso(self.tenant.now + timedelta(days=30)),
        }
        if wants_password:
            body["credentials"] = [backup.to_json() for backup in reversed(backups)]
        if select:
            body = {name: value for name, value in body.items() if name in select or name == "id"}
        return 200, body


def _select(params: Mapping[str, str]) -> set[str]:
    return {name.strip() for name in params.get("$select", "").split(",") if name.strip()}


def _device_id_filter(text: str) -> str | None:
    parts = text.split()
    if len(parts) != 3 or parts[0] != "deviceId" or parts[1].lower() != "eq":
        return None
    value = parts[2]
    if len(value) < 2 or value[0] != "'" or value[-1] != "'":
        return None
    return value[1:-1]


def _inner(request_id: str) -> dict[str, str]:
    return {"request-id": request_id, "client-request-id": request_id}


def _error(status: int, code: str, message: str, request_id: str) -> tuple[int, dict[str, Any]]:
    return status, {"error": {"code": code, "message": message,
                              "innerError": _inner(request_id)}}


def _denied(request_id: str) -> tuple[int, dict[str, Any]]:
    """The directory's 403 (a missing scope or a missing role look the same)."""
    return _error(403, "Authorization_RequestDenied",
                  "Insufficient privileges to complete the operation.", request_id)


def _not_found(item_id: str, request_id: str) -> tuple[int, dict[str, Any]]:
    return _error(404, "Request_ResourceNotFound",
                  f"Resource '{item_id}' does not exist or one of its queried reference-property "
                  "objects are not present.", request_id)

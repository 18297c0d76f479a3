"""Recovery secrets of one device: BitLocker recovery keys, the FileVault key, the LAPS password.

What a secret's listing shows (which keys exist, when they were backed up) is read when the device
opens; the secret itself only when the user asks to reveal it, and it is held in a `Secret`, whose
`str`, `repr` and format never show the value. Nothing here logs, audits or keeps a secret: the
caller shows it, masks it again and audits the reveal (without the value).

Graph facts, as documented (learn.microsoft.com, read 2026-12-06):
- bitlockerRecoveryKey (v1.0 resource page): createdDateTime, deviceId (supports $filter eq), id,
  key ("Returned only on $select"), volumeType (1 operatingSystemVolume, 2 fixedDataVolume,
  3 removableDataVolume, 4 unknownFutureValue). List and get: BitlockerKey.ReadBasic.All (least),
  BitlockerKey.Read.All (needed for the key); User-Agent request header "Required".
  Roles (bitlockerrecoverykey-get): Cloud Device Administrator, Helpdesk Administrator, Intune
  Service Administrator, Security Administrator, Security Reader, Global Reader, or the registered
  owner of the device.
- deviceLocalCredentialInfo (v1.0 devicelocalcredentialinfo-get, page modified 2024-10-26):
  GET /directory/deviceLocalCredentials/{deviceId}; id, deviceName, lastBackupDateTime,
  refreshDateTime, credentials (only with $select=credentials, which needs
  DeviceLocalCredential.Read.All; ReadBasic.All is "insufficient"). deviceLocalCredential:
  accountName, accountSid, backupDateTime, passwordBase64. Roles for the password: only Cloud
  Device Administrator or Intune Service Administrator. User-Agent "Required". The page's
  example passwords are UTF-16LE ("UQBRAEAAZAA4AGYAOABnAFkA"); tools report UTF-8 in practice,
  so `decode_password` accepts both. The example wraps the object in "value"; both are read.
- managedDevice getFileVaultKey (beta intune-devices-manageddevice-getfilevaultkey): GET
  /deviceManagement/managedDevices/{id}/getFileVaultKey, DeviceManagementManagedDevices.
  PrivilegedOperations.All, answers {"value": "<key>"}. Intune role (encrypt-devices-filevault,
  "Permissions to manage FileVault", learn.microsoft.com/intune (MicrosoftDocs memdocs), read
  2026-12-06): the Remote tasks permission "Get FileVault key", which the built-in roles Help Desk
  Operator and Endpoint Security Manager grant (or a custom role holding it).
"""

from __future__ import annotations

import asyncio
import base64
import binascii
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import partial
from typing import Any, Final, Literal, TypeVar

from intune_tui.graph.client import GraphClient
from intune_tui.graph.errors import GraphError, GraphForbidden, GraphNotFound
from intune_tui.graph.odata import quote
from intune_tui.intune.formatting import parse_datetime
from intune_tui.intune.scopes import (
    BITLOCKER_KEY_READ,
    BITLOCKER_KEY_READ_BASIC,
    LAPS_READ,
    LAPS_READ_BASIC,
    PRIVILEGED_OPERATIONS,
)
from intune_tui.text import clean

T = TypeVar("T")

# How long a revealed secret stays on screen, and on the clipboard, before it is masked/cleared.
REVEAL_SECONDS: Final = 30.0
MASK: Final = "•" * 12

BITLOCKER_READ_BASIC: Final = BITLOCKER_KEY_READ_BASIC
BITLOCKER_READ: Final = BITLOCKER_KEY_READ
FILEVAULT_SCOPE: Final = PRIVILEGED_OPERATIONS

BITLOCKER_ROLES: Final = ("Cloud Device Administrator", "Helpdesk Administrator",
                          "Intune Service Administrator", "Security Administrator",
                          "Security Reader", "Global Reader")
LAPS_PASSWORD_ROLES: Final = ("Cloud Device Administrator", "Intune Service Administrator")
LAPS_METADATA_ROLES: Final = BITLOCKER_ROLES
FILEVAULT_PERMISSION: Final = "Remote tasks / Get FileVault key"
FILEVAULT_ROLES: Final = ("Help Desk Operator", "Endpoint Security Manager")

Kind = Literal["bitlocker", "filevault", "laps"]
# What the audit log calls each reveal.
AUDIT_ACTIONS: Final[Mapping[str, str]] = {
    "bitlocker": "revealBitLockerKey",
    "filevault": "revealFileVaultKey",
    "laps": "revealLapsPassword",
}
_VOLUME_TYPES: Final = {"1": "OS volume", "operatingSystemVolume": "OS volume",
                        "2": "Fixed data volume", "fixedDataVolume": "Fixed data volume",
                        "3": "Removable volume", "removableDataVolume": "Removable volume"}
_NO_ENTRA_DEVICE = "00000000-0000-0000-0000-000000000000"
_LONG_AGO = datetime(1970, 1, 1, tzinfo=UTC)
# A device has a handful of keys (one per volume and rotation); a loop of links is cut here.
_MAX_KEY_PAGES = 20


class Secret:
    """A recovery secret. Only `reveal()` gives the value; every other view of it is masked."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    def reveal(self) -> str:
        return self._value

    def __str__(self) -> str:
        return MASK

    def __repr__(self) -> str:
        return "Secret(<hidden>)"

    def __format__(self, spec: str) -> str:
        return MASK

    def __reduce__(self) -> Any:
        raise TypeError("a Secret is never pickled")


@dataclass(frozen=True)
class RecoveryItem:
    """One secret the device has (or could have), without its value.

    key_id: the BitLocker key's id (None for FileVault and LAPS, which are read by device).
    label: what it is, in words ("BitLocker · OS volume"); backed_up: when, if Graph said.
    """

    kind: Kind
    label: str
    key_id: str | None = None
    backed_up: datetime | None = None
    account: str | None = None


@dataclass(frozen=True)
class RevealedSecret:
    item: RecoveryItem
    secret: Secret
    account: str | None = None  # LAPS: the local administrator account of this password


@dataclass(frozen=True)
class RecoveryListing:
    """What the Recovery tab shows before anything is revealed. `problems`: per-kind sentences
    (a 403 naming scope and role, "no LAPS backup"); the other kinds still list."""

    items: tuple[RecoveryItem, ...]
    problems: tuple[str, ...] = ()


class SecretForbidden(GraphForbidden):
    """403 on a secret: the sentence names the missing scope and the Entra role the docs require."""


def forbidden_sentence(what: str, scope: str, roles: Sequence[str], *, owner_ok: bool = False,
                       request_id: str | None = None) -> str:
    named = roles[0] if len(roles) == 1 else ", ".join(roles[:-1]) + " or " + roles[-1]
    sentence = (f"Access denied reading {what}: the app's token needs {scope}, and your account "
                f"one of the Entra roles {named}")
    if owner_ok:
        sentence += " (or to be the device's registered owner)"
    return f"{sentence} (request-id {request_id})" if request_id else sentence


def filevault_forbidden_sentence(request_id: str | None = None) -> str:
    """FileVault is guarded by an Intune (not Entra) role: name the permission and the roles."""
    sentence = (f"Access denied reading the FileVault key: the app's token needs "
                f"{FILEVAULT_SCOPE}, and your account an Intune role with the permission "
                f"{FILEVAULT_PERMISSION} ({' or '.join(FILEVAULT_ROLES)}, or a custom role that "
                "holds it)")
    return f"{sentence} (request-id {request_id})" if request_id else sentence


def _forbidden(error: GraphForbidden, what: str, scope: str, roles: Sequence[str], *,
               owner_ok: bool = False) -> SecretForbidden:
    return SecretForbidden(
        forbidden_sentence(what, scope, roles, owner_ok=owner_ok, request_id=error.request_id),
        missing_scope=scope, status=error.status, code=error.code,
        request_id=error.request_id, detail=error.detail)


def decode_password(password_base64: str) -> str:
    """LAPS `passwordBase64` as text: UTF-16LE (the docs' examples) or UTF-8 (seen in practice).

    UTF-16LE is chosen only when the bytes look like it (even length, a NUL in every other byte
    of at least half the pairs); otherwise UTF-8. Raises ValueError when neither decodes.
    """
    try:
        raw = base64.b64decode(password_base64.strip(), validate=True)
    except (binascii.Error, ValueError):
        raise ValueError("the password is not valid Base64") from None
    if len(raw) % 2 == 0 and raw:
        pairs = len(raw) // 2
        high_nuls = sum(1 for index in range(1, len(raw), 2) if raw[index] == 0)
        if high_nuls * 2 >= pairs:
            try:
                return raw.decode("utf-16-le")
            except UnicodeDecodeError:
                pass
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        raise ValueError("the password is neither UTF-8 nor UTF-16 text") from None


def platform_kinds(operating_system: str | None) -> tuple[Kind, ...]:
    """Which secrets a device of this OS can have in Entra or Intune."""
    os_name = (operating_system or "").lower()
    if os_name.startswith("windows"):
        return ("bitlocker", "laps")
    if os_name == "macos":
        return ("filevault",)
    return ()


class RecoverySecrets:
    """Reads one tenant's recovery secrets through a GraphClient."""

    def __init__(self, client: GraphClient) -> None:
        self.client = client

    async def listing(self, operating_system: str | None, entra_device_id: str | None,
                      only: Sequence[Kind] | None = None) -> RecoveryListing:
        """Every secret this device has (of the `only` kinds), without values; each kind fails
        on its own."""
        kinds = tuple(kind for kind in platform_kinds(operating_system)
                      if only is None or kind in only)
        items: list[RecoveryItem] = []
        problems: list[str] = []
        entra_id = (entra_device_id or "").strip()
        if "filevault" in kinds:
            items.append(RecoveryItem("filevault", "FileVault personal recovery key"))
        if ("bitlocker" in kinds or "laps" in kinds) and entra_id in ("", _NO_ENTRA_DEVICE):
            problems.append("This device has no Entra device id, so Entra holds no BitLocker "
                            "key or LAPS password for it.")
            return RecoveryListing(tuple(items), tuple(problems))
        # BitLocker and LAPS are read together: one round trip, not two.
        keys, laps = await asyncio.gather(
            _caught(partial(self.bitlocker_keys, entra_id) if "bitlocker" in kinds else None),
            _caught(partial(self.laps_item, entra_id) if "laps" in kinds else None))
        problems += [str(error) for _found, error in (keys, laps) if error is not None]
        items.extend(keys[0] or [])
        if "laps" in kinds and laps[1] is None:
            if laps[0] is None:
                problems.append("No LAPS password is backed up to Entra for this device.")
            else:
                items.append(laps[0])
        return RecoveryListing(tuple(items), tuple(problems))

    async def bitlocker_keys(self, entra_device_id: str) -> list[RecoveryItem]:
        """The device's BitLocker keys, without the key (ReadBasic suffices)."""
        keys: list[dict[str, Any]] = []
        url: str | None = "/informationProtection/bitlocker/recoveryKeys"
        params: dict[str, str] | None = {"$filter": f"deviceId eq {quote(entra_device_id)}"}
        pages = 0
        while url is not None and pages < _MAX_KEY_PAGES:
            try:
                response = await self.client.request(
                    "GET", url, api_version="v1.0", params=params,
                    scopes=[BITLOCKER_READ_BASIC], required_scope=BITLOCKER_READ_BASIC)
            except GraphForbidden as error:
                raise _forbidden(error, "BitLocker keys", BITLOCKER_READ_BASIC,
                                 BITLOCKER_ROLES, owner_ok=True) from None
            keys.extend(key for key in _values(response.body) if key.get("id"))
            link = response.body.get("@odata.nextLink") if isinstance(response.body, dict) \
                else None
            url, params, pages = (link if isinstance(link, str) else None), None, pages + 1
        keys.sort(key=lambda key: str(key.get("createdDateTime") or ""), reverse=True)
        return [RecoveryItem(
            "bitlocker",
            "BitLocker · " + _VOLUME_TYPES.get(str(key.get("volumeType")), "volume"),
            key_id=clean(key.get("id")),
            backed_up=parse_datetime(key.get("createdDateTime")),
        ) for key in keys]

    async def laps_item(self, entra_device_id: str) -> RecoveryItem | None:
        """Whether a LAPS password is backed up, and when (no password: ReadBasic suffices)."""
        try:
            response = await self.client.request(
                "GET", f"/directory/deviceLocalCredentials/{entra_device_id}",
                api_version="v1.0", scopes=[LAPS_READ_BASIC], required_scope=LAPS_READ_BASIC)
        except GraphNotFound:
            return None
        except GraphForbidden as error:
            raise _forbidden(error, "the LAPS backup", LAPS_READ_BASIC,
                             LAPS_METADATA_ROLES) from None
        info = _unwrapped(response.body)
        return RecoveryItem("laps", "Windows LAPS local administrator password",
                            backed_up=parse_datetime(info.get("lastBackupDateTime")))

    async def reveal(self, item: RecoveryItem, *, managed_device_id: str,
                     entra_device_id: str | None) -> RevealedSecret:
        """Read the secret itself (the call Entra/Intune audit on their side too)."""
        if item.kind == "bitlocker" and item.key_id:
            return RevealedSecret(item, await self.bitlocker_key(item.key_id))
        if item.kind == "filevault":
            return RevealedSecret(item, await self.filevault_key(managed_device_id))
        if item.kind == "laps" and entra_device_id:
            account, secret = await self.laps_password(entra_device_id)
            return RevealedSecret(item, secret, account)
        raise ValueError(f"nothing to reveal for {item.label}")

    async def bitlocker_key(self, key_id: str) -> Secret:
        try:
            response = await self.client.request(
                "GET", f"/informationProtection/bitlocker/recoveryKeys/{key_id}",
                api_version="v1.0", params={"$select": "key"}, scopes=[BITLOCKER_READ],
                required_scope=BITLOCKER_READ)
        except GraphForbidden as error:
            raise _forbidden(error, "the BitLocker key", BITLOCKER_READ, BITLOCKER_ROLES,
                             owner_ok=True) from None
        key = _unwrapped(response.body).get("key")
        if not isinstance(key, str) or not key:
            raise GraphError("Graph answered without the recovery key")
        return Secret(key)

    async def laps_password(self, entra_device_id: str) -> tuple[str, Secret]:
        """The account and password of the newest LAPS backup."""
        try:
            response = await self.client.request(
                "GET", f"/directory/deviceLocalCredentials/{entra_device_id}",
                api_version="v1.0", params={"$select": "credentials"}, scopes=[LAPS_READ],
                required_scope=LAPS_READ)
        except GraphNotFound:
            raise GraphNotFound("No LAPS password is backed up to Entra for this device") \
                from None
        except GraphForbidden as error:
            raise _forbidden(error, "the LAPS password", LAPS_READ,
                             LAPS_PASSWORD_ROLES) from None
        credentials = [credential for credential in
                       _unwrapped(response.body).get("credentials") or []
                       if isinstance(credential, dict) and credential.get("passwordBase64")]
        if not credentials:
            raise GraphError("Entra holds no LAPS password for this device")
        newest = max(credentials, key=lambda credential: parse_datetime(
            credential.get("backupDateTime")) or _LONG_AGO)
        try:
            password = decode_password(str(newest["passwordBase64"]))
        except ValueError as error:
            raise GraphError(f"The LAPS password could not be read: {error}") from None
        return clean(newest.get("accountName")) or "(account not named)", Secret(password)

    async def filevault_key(self, managed_device_id: str) -> Secret:
        try:
            response = await self.client.request(
                "GET", f"/deviceManagement/managedDevices/{managed_device_id}/getFileVaultKey",
                api_version="beta", scopes=[FILEVAULT_SCOPE], required_scope=FILEVAULT_SCOPE)
        except GraphForbidden as error:
            raise SecretForbidden(
                filevault_forbidden_sentence(error.request_id), missing_scope=FILEVAULT_SCOPE,
                missing_role=error.missing_role, status=error.status, code=error.code,
                request_id=error.request_id, detail=error.detail) from None
        except GraphNotFound:
            raise GraphNotFound("Intune holds no FileVault key for this Mac (not encrypted by "
                                "an Intune policy, or the key was not escrowed)") from None
        key = _unwrapped(response.body).get("value")
        if not isinstance(key, str) or not key:
            raise GraphError("Intune answered without the FileVault key")
        return Secret(key)


def _values(body: Any) -> list[dict[str, Any]]:
    if isinstance(body, dict) and isinstance(body.get("value"), list):
        return [item for item in body["value"] if isinstance(item, dict)]
    return []


def _unwrapped(body: Any) -> dict[str, Any]:
    """The entity: as Graph sends it, or inside "value" as the LAPS page's examples show it."""
    if not isinstance(body, dict):
        return {}
    inner = body.get("value")
    return inner if isinstance(inner, dict) else body


async def _caught(read: Callable[[], Awaitable[T]] | None,
                  ) -> tuple[T | None, GraphError | None]:
    """A read's result, or the Graph error it ended with (None, None: not asked). The read is
    started here, so a listing cancelled before it runs leaves no coroutine never awaited."""
    if read is None:
        return None, None
    try:
        return await read(), None
    except GraphError as error:
        return None, error

"""The device column store and the Graph properties read from it (core, then derived by
a hash of the device's index, computed when read)."""

from __future__ import annotations

import json
from array import array
from bisect import bisect_left
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from itertools import repeat
from json.encoder import encode_basestring
from operator import attrgetter, itemgetter
from typing import Any

from intune_tui.demo import rules
from intune_tui.demo.tenant.ids import (
    NEVER,
    NO_GRACE,
    SecondsText,
    chars,
    guid_from,
    guids_from,
    index_from_guid,
    iso,
    luhn_complete,
    mix64,
)
from intune_tui.demo.tenant.platforms import CARRIERS, PLATFORM_BY_OS, Model, Platform
from intune_tui.demo.tenant.users import UserDirectory


@dataclass
class ActionRecord:
    """One entry of a device's deviceActionResults, resolved against the tenant clock."""

    action_name: str
    start: datetime
    finish: datetime | None  # None: the device never checks in, stays pending
    final_state: str
    payload: dict[str, Any] = field(default_factory=dict)

    def state_at(self, now: datetime) -> str:
        if self.finish is None or now < self.finish:
            return "pending"
        return self.final_state

    def to_json(self, now: datetime) -> dict[str, Any]:
        state = self.state_at(now)
        updated = self.start if state == "pending" or self.finish is None else self.finish
        body: dict[str, Any] = {
            "@odata.type": "#microsoft.graph.deviceActionResult",
            "actionName": self.action_name,
            "actionState": state,
            "startDateTime": iso(self.start),
            "lastUpdatedDateTime": iso(updated),
        }
        if state == "done":
            body.update({key: value for key, value in self.payload.items()
                         if not key.startswith("_")})
        return body


# Actions that change a device while they run, and how (managementState while pending, done,
# failed).
MANAGEMENT_STATE_ACTIONS: dict[str, tuple[str, str, str]] = {
    "retire": ("retirePending", "retireIssued", "retireFailed"),
    "wipe": ("wipePending", "wipeIssued", "wipeFailed"),
}


# The timestamps kept as ages (seconds before the tenant's fixed `now`), by property.
_AGE_COLUMNS = {"lastSyncDateTime": "sync_age", "enrolledDateTime": "enroll_age"}


class DeviceStore:
    """managedDevices as columns; `to_json` builds the Graph dict for one device."""

    def __init__(self, seed: int, now: datetime, users: UserDirectory) -> None:
        self.seed = seed
        self.now = now
        self.users = users
        self.clock: Callable[[], datetime] = lambda: self.now
        self.os: list[str] = []
        self.os_version: list[str] = []
        self.model: list[Model] = []
        self.owner: list[str] = []
        # Numbers as C arrays: 4 bytes a device, not a pointer and an int object (1M devices).
        self.user = array("i")  # index into users, -1: userless
        self.compliance: list[str] = []
        self.management: list[str] = []
        self.enrollment: list[str] = []
        self.agent: list[str] = []
        self.sync_age = array("i")
        self.enroll_age = array("i")
        self._moment_cache: dict[str, list[datetime]] = {}
        self.encrypted: list[bool] = []
        self.jailbroken: list[str] = []
        self.category: list[str] = []
        self.storage_gb = array("H")
        self.free_share = array("B")  # percent free
        self.name: list[str] = []
        # SERIAL_STYLES index a device, filled by the bulk build (device_replay.py) only.
        self.serial_styles = array("B")
        self.supervised: list[bool] = []
        self.notes: dict[int, str] = {}
        self.actions: dict[int, list[ActionRecord]] = {}
        self.deleted: set[int] = set()
        self.generation = 0  # bumped on every change, for caches
        self._live: tuple[int, list[int]] | None = None  # (generation, indices) after deletes
        self.seconds_text = SecondsText(now)
        self.bulk = False  # drawn in bulk (device_replay.py): numpy is loaded, pages use it

    def __len__(self) -> int:
        return len(self.os)

    # --- identity ---
    def id_of(self, index: int) -> str:
        return guid_from(self.seed, 1, index)

    def index_of(self, device_id: str) -> int | None:
        # Undone from the id (no table of a million ids to build on the first GET by id).
        index = index_from_guid(self.seed, 1, device_id)
        if index is None or index >= len(self) or index in self.deleted:
            return None
        return index

    def live_indices(self) -> Sequence[int]:
        """The devices not deleted, in order: a range until one is (a listing's every page
        slices it, so it is never copied)."""
        if not self.deleted:
            return range(len(self))
        if self._live is None or self._live[0] != self.generation:
            deleted = self.deleted
            self._live = (self.generation,
                          [index for index in range(len(self)) if index not in deleted])
        return self._live[1]

    def platform(self, index: int) -> Platform:
        return PLATFORM_BY_OS[self.os[index]]

    # --- mutation ---
    def add_action(self, index: int, record: ActionRecord) -> None:
        records = self.actions.setdefault(index, [])
        records[:] = [old for old in records if old.action_name != record.action_name]
        records.append(record)
        self.generation += 1

    def delete(self, index: int) -> None:
        self.deleted.add(index)
        self.generation += 1

    def set_notes(self, index: int, notes: str | None) -> None:
        if notes is None:
            self.notes.pop(index, None)
        else:
            self.notes[index] = notes
        self.generation += 1

    def set_name(self, index: int, name: str) -> None:
        self.name[index] = name
        self.generation += 1

    # --- reading ---
    def value(self, index: int, prop: str) -> Any:
        """One property as Graph shows it in a list (the getter for $filter and $orderby)."""
        reader = _CORE_READERS.get(prop)
        if reader is not None:
            return reader(self, index)
        derived = _DERIVED_READERS.get(prop)
        if derived is not None:
            return derived(self, index)
        return None

    def comparable(self, index: int, prop: str) -> Any:
        """Like value(), but dates as datetimes: the cheap getter for $filter and $orderby."""
        moments = self._moment_cache.get(prop)
        if moments is not None:  # devices are only added while the tenant is built
            return moments[index]
        if prop in _AGE_COLUMNS:
            return self._moments(prop)[index]
        return self.value(index, prop)

    def _moments(self, prop: str) -> list[datetime]:
        """Every device's `prop` as a datetime, computed once (a filter reads all of them)."""
        ages: Sequence[int] = getattr(self, _AGE_COLUMNS[prop])
        now = self.now
        moments = self._moment_cache[prop] = [now - timedelta(seconds=age) for age in ages]
        return moments

    def management_state(self, index: int) -> str:
        records = self.actions.get(index)
        if records:
            now = self.clock()
            for record in reversed(records):
                states = MANAGEMENT_STATE_ACTIONS.get(record.action_name)
                if states is None:
                    continue
                state = record.state_at(now)
                if state == "pending":
                    return states[0]
                return states[1] if state == "done" else states[2]
        return self.management[index]

    def device_name(self, index: int) -> str:
        records = self.actions.get(index)
        if records:
            now = self.clock()
            for record in reversed(records):
                if record.action_name == "setDeviceName" and record.state_at(now) == "done":
                    return str(record.payload.get("_newName", self.name[index]))
        return self.name[index]

    def action_results(self, index: int) -> list[dict[str, Any]]:
        now = self.clock()
        return [record.to_json(now) for record in self.actions.get(index, ())]

    def to_json(self, index: int, *, beta: bool, with_non_default: bool = False,
                only: frozenset[str] | None = None) -> dict[str, Any]:
        """The device as Graph sends it. Non-default properties carry their list default
        unless with_non_default (a GET by id that $selects them). `only` limits the work to
        the properties a `$select` names."""
        body: dict[str, Any] = {"@odata.type": "#microsoft.graph.managedDevice"}
        names = (rules.MANAGED_DEVICE_V1_PROPERTIES + rules.MANAGED_DEVICE_BETA_PROPERTIES
                 if beta else rules.MANAGED_DEVICE_V1_PROPERTIES)
        for prop in names:
            if only is None or prop in only or prop == "id":
                body[prop] = self.value(index, prop)
        if not beta and body.get("deviceEnrollmentType") in rules.ENROLLMENT_TYPES_BETA_ONLY:
            body["deviceEnrollmentType"] = "unknownFutureValue"
        if not with_non_default:
            for prop, default in rules.MANAGED_DEVICE_NON_DEFAULT.items():
                if prop in body:
                    body[prop] = default
        return body

    def render_page(self, indices: Sequence[int], select: Sequence[str], *,
                    beta: bool) -> list[dict[str, Any]]:
        """A listing's page with `$select` (no `*`): what `to_json(index, only=...)` shaped to
        the selection gives, built a column at a time (one pass per selected property)."""
        keys, columns = self._page_columns(indices, select, beta=beta)
        return [dict(zip(keys, row, strict=True)) for row in zip(*columns, strict=False)]

    def guids(self, salt: int, indices: Sequence[int]) -> list[str]:
        """guid_from(seed, salt, index) for a page of devices."""
        if self.bulk:  # numpy is loaded already
            from intune_tui.demo.tenant.ids_bulk import guids

            return guids(self.seed, salt, indices)
        return guids_from(self.seed, salt, indices)

    def _page_columns(self, indices: Sequence[int], select: Sequence[str], *,
                      beta: bool) -> tuple[list[str], list[Iterable[Any]]]:
        keys = page_keys(select, beta=beta)
        return keys, [page_column(self, key, indices, beta=beta) for key in keys]


def page_keys(select: Sequence[str], *, beta: bool) -> list[str]:
    """The keys of a `$select`ed page's items, in order."""
    names = _PROPERTY_NAMES[beta]
    return ["@odata.type", "id",
            *dict.fromkeys(name for name in select if name in names and name != "id")]


def page_column(store: DeviceStore, prop: str, indices: Sequence[int], *,
                beta: bool) -> Iterable[Any]:
    """One property of a page of devices: a list, or repeat() of a value every item has."""
    if prop == "@odata.type":
        return repeat("#microsoft.graph.managedDevice")
    if prop in rules.MANAGED_DEVICE_NON_DEFAULT:
        return repeat(rules.MANAGED_DEVICE_NON_DEFAULT[prop])
    page_reader = _PAGE_READERS.get(prop)
    if page_reader is not None:
        column = page_reader(store, indices)
    else:
        column = [store.value(index, prop) for index in indices]
    if prop == "deviceEnrollmentType" and not beta:
        column = ["unknownFutureValue" if value in rules.ENROLLMENT_TYPES_BETA_ONLY
                  else value for value in column]
    return column


def encoded_value(value: Any) -> str:
    """json.dumps(value, ensure_ascii=False, separators=(",", ":"))."""
    kind = type(value)
    if kind is str:
        return encode_basestring(value)
    if kind is bool:
        return "true" if value else "false"
    if value is None:
        return "null"
    if kind is int:
        return int.__repr__(value)
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


_PROPERTY_NAMES = {
    False: frozenset(rules.MANAGED_DEVICE_V1_PROPERTIES),
    True: frozenset(rules.MANAGED_DEVICE_V1_PROPERTIES + rules.MANAGED_DEVICE_BETA_PROPERTIES),
}


def _user_field(attribute: str) -> Callable[[DeviceStore, int], Any]:
    def read(store: DeviceStore, index: int) -> Any:
        user = store.user[index]
        if user < 0:
            return ""
        if attribute == "upn":
            return store.users.upn[user]
        if attribute == "name":
            return store.users.display_name(user)
        return store.users.id_of(user)

    return read


def seconds_ago(store: DeviceStore, seconds: int) -> str:
    return store.seconds_text(seconds)


def _hash(store: DeviceStore, index: int, salt: int) -> int:
    return mix64((store.seed << 36) ^ (salt << 28) ^ index ^ (salt * 0x9E3779B1))


_CORE_READERS: dict[str, Callable[[DeviceStore, int], Any]] = {
    "id": DeviceStore.id_of,
    "deviceName": DeviceStore.device_name,
    "operatingSystem": lambda store, index: store.os[index],
    "osVersion": lambda store, index: store.os_version[index],
    "model": lambda store, index: store.model[index].model,
    "manufacturer": lambda store, index: store.model[index].manufacturer,
    "managedDeviceOwnerType": lambda store, index: store.owner[index],
    "ownerType": lambda store, index: store.owner[index],
    "complianceState": lambda store, index: store.compliance[index],
    "managementState": DeviceStore.management_state,
    "deviceEnrollmentType": lambda store, index: store.enrollment[index],
    "managementAgent": lambda store, index: store.agent[index],
    "lastSyncDateTime": lambda store, index: seconds_ago(store, store.sync_age[index]),
    "enrolledDateTime": lambda store, index: seconds_ago(store, store.enroll_age[index]),
    "isEncrypted": lambda store, index: store.encrypted[index],
    "jailBroken": lambda store, index: store.jailbroken[index],
    "deviceCategoryDisplayName": lambda store, index: store.category[index],
    "isSupervised": lambda store, index: store.supervised[index],
    "userPrincipalName": _user_field("upn"),
    "emailAddress": _user_field("upn"),
    "userDisplayName": _user_field("name"),
    "userId": _user_field("id"),
    "notes": lambda store, index: store.notes.get(index),
    "deviceActionResults": DeviceStore.action_results,
    "totalStorageSpaceInBytes": lambda store, index: store.storage_gb[index] * 1_000_000_000
    - 4_718_592_000,
    "freeStorageSpaceInBytes": lambda store, index: (store.storage_gb[index] * 1_000_000_000
                                                     - 4_718_592_000)
    * store.free_share[index] // 100,
    "physicalMemoryInBytes": lambda store, index: store.model[index].memory_gb * 1_073_741_824,
}


# --- derived identifiers (hash of the index; computed when read) ---------------------------------
def _serial(store: DeviceStore, index: int) -> str:
    # Read by every serialNumber filter (offboarding looks serials up by the thousand): computed
    # once per device.
    cache: dict[int, str] | None = store.__dict__.get("_serial_cache")
    if cache is None:
        cache = store.__dict__["_serial_cache"] = {}
    serial = cache.get(index)
    if serial is None:
        serial = cache[index] = _serial_uncached(store, index)
    return serial


def _serial_uncached(store: DeviceStore, index: int) -> str:
    value = _hash(store, index, 3)
    style = _serial_style(store, index)
    chars_style = _SERIAL_CHARS.get(style)
    if chars_style is not None:
        prefix, length = chars_style
        return prefix + chars(value, length)
    return _SERIAL_DIGITS[style](value)


def _serial_style(store: DeviceStore, index: int) -> str:
    style = store.model[index].serial_style
    if style == "apple":
        return "mac" if store.os[index] == "macOS" else "apple"
    return style


def _grouped(digits: str) -> str:
    return "-".join(digits[position:position + 4] for position in range(0, len(digits), 4))


# Serial numbers by style: a prefix and so many characters of the device's hash in base 34, or
# digits of it.
_SERIAL_CHARS: dict[str, tuple[str, int]] = {
    "mac": ("C02", 9), "apple": ("F", 11), "dell": ("", 7), "hp": ("5CG", 7),
    "lenovo": ("PF", 6), "samsung": ("R5C", 8), "generic": ("", 10),
}
_SERIAL_DIGITS: dict[str, Callable[[int], str]] = {
    "surface": lambda value: f"{value % 10**12:012d}",
    "cloudpc": lambda value: _grouped(f"{value % 10**20:020d}"),
    "vm": lambda value: f"{value % 10**4:04d}-{(value >> 16) % 10**4:04d}-"
                        f"{(value >> 32) % 10**4:04d}",
    "google": lambda value: f"{value % 16**12:012X}",
    "zebra": lambda value: f"{value % 10**14:014d}",
}


SERIAL_STYLES: tuple[str, ...] = (*_SERIAL_CHARS, *_SERIAL_DIGITS)
SERIAL_STYLE_CODES = {style: code for code, style in enumerate(SERIAL_STYLES)}
SERIAL_CHARS_LONGEST = max(length for _, length in _SERIAL_CHARS.values())


def serial_chars(style: str) -> tuple[str, int] | None:
    """A serial style's prefix and number of base-34 characters (None: a digits style)."""
    return _SERIAL_CHARS.get(style)


def serial_digits(style: str) -> Callable[[int], str]:
    return _SERIAL_DIGITS[style]


def serial_style_codes(store: DeviceStore, indices: Sequence[int]) -> list[int]:
    """The SERIAL_STYLES index of each device."""
    codes = store.serial_styles
    if len(codes) == len(store):
        return [codes[index] for index in indices]
    return [SERIAL_STYLE_CODES[_serial_style(store, index)] for index in indices]


def _serial_page(store: DeviceStore, indices: Sequence[int]) -> list[str]:
    if not store.bulk:
        return [_serial_uncached(store, index) for index in indices]
    from intune_tui.demo.tenant.ids_bulk import base34, hashes  # numpy is loaded already

    values = hashes(store.seed, 3, indices)
    styles = [_serial_style(store, index) for index in indices]
    serials: list[str] = [""] * len(styles)
    by_style: dict[str, list[int]] = {}
    for position, style in enumerate(styles):
        by_style.setdefault(style, []).append(position)
    for style, positions in by_style.items():
        chars_style = _SERIAL_CHARS.get(style)
        if chars_style is not None:
            made = base34(values[positions], chars_style[1], chars_style[0])
        else:
            made = list(map(_SERIAL_DIGITS[style], values[positions].tolist()))
        for position, serial in zip(positions, made, strict=True):
            serials[position] = serial
    return serials


def _imei(store: DeviceStore, index: int) -> str:
    if not store.model[index].is_phone:
        return ""
    value = _hash(store, index, 4)
    return luhn_complete(f"35{value % 10**12:012d}")


def _meid(store: DeviceStore, index: int) -> str:
    # iPhones report an MEID (the first 14 digits of the IMEI); Android devices mostly do not.
    imei = _imei(store, index)
    return imei[:14] if imei and store.os[index] in ("iOS", "iPadOS") else ""


def _mac(store: DeviceStore, index: int, salt: int) -> str:
    return f"{_hash(store, index, salt) % 16**12:012X}"


def _wifi_mac(store: DeviceStore, index: int) -> str:
    return "" if store.model[index].serial_style in ("cloudpc", "vm") else _mac(store, index, 5)


def _ethernet_mac(store: DeviceStore, index: int) -> str | None:
    if store.os[index] not in ("Windows", "Linux", "macOS"):
        return None
    return _mac(store, index, 6)


def _azure_ad_device_id(store: DeviceStore, index: int) -> str:
    if store.enrollment[index] in ("appleBulkWithoutUser", "androidEnterpriseDedicatedDevice"):
        return "00000000-0000-0000-0000-000000000000"
    return guid_from(store.seed, 7, index)


def _phone_number(store: DeviceStore, index: int) -> str:
    if not store.model[index].is_phone or _hash(store, index, 8) % 3 == 0:
        return ""
    return f"+1425555{_hash(store, index, 9) % 10_000:04d}"


def _carrier(store: DeviceStore, index: int) -> str:
    if not store.model[index].is_phone:
        return ""
    return CARRIERS[_hash(store, index, 10) % len(CARRIERS)]


def _udid(store: DeviceStore, index: int) -> str | None:
    if store.os[index] not in ("iOS", "iPadOS", "macOS"):
        return None
    value = _hash(store, index, 11)
    return f"00008110-{value % 16**16:016X}"


def _iccid(store: DeviceStore, index: int) -> str | None:
    if not store.model[index].is_phone:
        return None
    return f"89014{_hash(store, index, 12) % 10**14:014d}"


def _activation_lock_code(store: DeviceStore, index: int) -> str | None:
    if not (store.supervised[index] and store.os[index] in ("iOS", "iPadOS")):
        return None
    code = chars(_hash(store, index, 13), 24)
    return "-".join(code[position:position + 4] for position in range(0, 24, 4))


def _managed_device_name(store: DeviceStore, index: int) -> str:
    user = store.user[index]
    stem = store.users.upn[user].split("@")[0].replace(".", "") if user >= 0 else "userless"
    enrolled = store.now - timedelta(seconds=store.enroll_age[index])
    hour = enrolled.hour % 12 or 12
    suffix = "AM" if enrolled.hour < 12 else "PM"
    return (f"{stem}_{store.os[index]}_{enrolled.month}/{enrolled.day}/{enrolled.year}_"
            f"{hour}:{enrolled.minute:02d} {suffix}")


def _grace_expiry(store: DeviceStore, index: int) -> str:
    if store.compliance[index] != "inGracePeriod":
        return NO_GRACE
    days = 1 + _hash(store, index, 14) % 6
    return iso(store.now + timedelta(days=days))


def _exchange_state(store: DeviceStore, index: int) -> str:
    if not store.model[index].is_phone:
        return "none"
    roll = _hash(store, index, 15) % 100
    if store.compliance[index] == "noncompliant" and roll < 40:
        return "blocked"
    return "allowed" if roll < 70 else "none"


def _exchange_reason(store: DeviceStore, index: int) -> str:
    state = _exchange_state(store, index)
    return {"blocked": "notCompliant", "allowed": "compliant"}.get(state, "none")


def _security_patch(store: DeviceStore, index: int) -> str:
    if store.os[index] != "Android":
        return ""
    months_old = _hash(store, index, 16) % 14
    patch = store.now.replace(day=1) - timedelta(days=30 * months_old)
    return f"{patch.year}-{patch.month:02d}-01"


def _join_type(store: DeviceStore, index: int) -> str:
    if store.os[index] != "Windows":
        return "azureADRegistered" if store.owner[index] == "personal" else "unknown"
    if store.enrollment[index] == "windowsCoManagement":
        return "hybridAzureADJoined"
    return "azureADJoined" if store.owner[index] == "company" else "azureADRegistered"


def _cm_features(store: DeviceStore, index: int) -> dict[str, bool] | None:
    if store.agent[index] != "configurationManagerClientMdm":
        return None
    return {"inventory": True, "modernApps": False, "resourceAccess": True,
            "deviceConfiguration": False, "compliancePolicy": False,
            "windowsUpdateForBusiness": True}


def _hardware_information(store: DeviceStore, index: int) -> dict[str, Any]:
    model = store.model[index]
    return {
        "serialNumber": _serial(store, index),
        "totalStorageSpace": store.value(index, "totalStorageSpaceInBytes"),
        "freeStorageSpace": store.value(index, "freeStorageSpaceInBytes"),
        "imei": _imei(store, index),
        "meid": _meid(store, index),
        "manufacturer": model.manufacturer,
        "model": model.model,
        "phoneNumber": _phone_number(store, index),
        "subscriberCarrier": _carrier(store, index),
        "wifiMac": _wifi_mac(store, index),
        "operatingSystemLanguage": "en-US",
        "isSupervised": store.supervised[index],
        "isEncrypted": store.encrypted[index],
        "batterySerialNumber": None,
        "batteryHealthPercentage": 60 + _hash(store, index, 17) % 41 if model.is_phone else 0,
        "tpmSpecificationVersion": "2.0, 0, 1.59" if store.os[index] == "Windows" else None,
        "operatingSystemEdition": "Enterprise" if store.os[index] == "Windows" else None,
        "deviceFullQualifiedDomainName": None,
        "deviceGuardVirtualizationBasedSecurityState": None,
        "ipAddressV4": f"10.{_hash(store, index, 18) % 256}.{index % 256}.{1 + index % 250}",
        "subnetAddress": "255.255.255.0",
        "esimIdentifier": None,
        "systemManagementBIOSVersion": None,
        "wiredIPv4Addresses": [],
        "productName": None,
        "residentUsersCount": None,
        "osBuildNumber": None,
    }


_DERIVED_READERS: dict[str, Callable[[DeviceStore, int], Any]] = {
    "serialNumber": _serial,
    "imei": _imei,
    "meid": _meid,
    "wiFiMacAddress": _wifi_mac,
    "ethernetMacAddress": _ethernet_mac,
    "azureADDeviceId": _azure_ad_device_id,
    "azureActiveDirectoryDeviceId": _azure_ad_device_id,
    "phoneNumber": _phone_number,
    "subscriberCarrier": _carrier,
    "udid": _udid,
    "iccid": _iccid,
    "activationLockBypassCode": _activation_lock_code,
    "managedDeviceName": _managed_device_name,
    "complianceGracePeriodExpirationDateTime": _grace_expiry,
    "exchangeAccessState": _exchange_state,
    "exchangeAccessStateReason": _exchange_reason,
    "androidSecurityPatchLevel": _security_patch,
    "securityPatchLevel": _security_patch,
    "joinType": _join_type,
    "configurationManagerClientEnabledFeatures": _cm_features,
    "hardwareInformation": _hardware_information,
    "easActivated": lambda store, index: store.model[index].is_phone,
    "easDeviceId": lambda store, index: chars(_hash(store, index, 19), 20)
    if store.model[index].is_phone else "",
    "easActivationDateTime": lambda store, index: NEVER,
    "exchangeLastSuccessfulSyncDateTime": lambda store, index: NEVER,
    "azureADRegistered": lambda store, index: store.enrollment[index]
    not in ("appleBulkWithoutUser", "androidEnterpriseDedicatedDevice"),
    "aadRegistered": lambda store, index: store.enrollment[index]
    not in ("appleBulkWithoutUser", "androidEnterpriseDedicatedDevice"),
    "deviceRegistrationState": lambda store, index: "registered",
    "remoteAssistanceSessionUrl": lambda store, index: None,
    "remoteAssistanceSessionErrorDetails": lambda store, index: None,
    "deviceHealthAttestationState": lambda store, index: None,
    "partnerReportedThreatState": lambda store, index: "unknown",
    "requireUserEnrollmentApproval": lambda store, index: None,
    "managementCertificateExpirationDate": lambda store, index: iso(
        store.now - timedelta(seconds=store.enroll_age[index]) + timedelta(days=365)
    ),
    "enrollmentProfileName": lambda store, index: {
        "appleBulkWithUser": "Corporate Apple (ADE)",
        "appleBulkWithoutUser": "Shared / kiosk Apple (ADE)",
        "windowsAzureADJoin": "Autopilot - user driven",
        "windowsAzureADJoinUsingDeviceAuth": "Autopilot - self deploying",
        "androidEnterpriseFullyManaged": "Fully managed - corporate",
        "androidEnterpriseDedicatedDevice": "Dedicated - warehouse scanners",
    }.get(store.enrollment[index]),
    # beta
    "chassisType": lambda store, index: store.model[index].chassis,
    "deviceType": lambda store, index: store.model[index].device_type,
    "lostModeState": lambda store, index: "disabled",
    "skuFamily": lambda store, index: "Enterprise" if store.os[index] == "Windows" else "",
    "processorArchitecture": lambda store, index: "arm64"
    if store.os[index] in ("iOS", "iPadOS", "Android") or store.model[index].model
    in ("Mac14,2", "Mac15,4", "Mac14,3") else "x64",
    "autopilotEnrolled": lambda store, index: store.enrollment[index].startswith("windowsAzureAD"),
    "usersLoggedOn": lambda store, index: [
        {"userId": store.users.id_of(store.user[index]),
         "lastLogOnDateTime": seconds_ago(store, store.sync_age[index] + 3600)}
    ] if store.os[index] == "Windows" and store.user[index] >= 0 else [],
    "retireAfterDateTime": lambda store, index: NEVER,
    "roleScopeTagIds": lambda store, index: ["0"],
    "windowsActiveMalwareCount": lambda store, index: 0,
    "managementFeatures": lambda store, index: "none",
    "enrolledByUserPrincipalName": lambda store, index: store.users.upn[store.user[index]]
    if store.user[index] >= 0 else "",
    "bootstrapTokenEscrowed": lambda store, index: store.os[index] == "macOS"
    and store.owner[index] == "company",
}


# --- a page at a time (DeviceStore.render_page): the same values as the readers above ------------
PageReader = Callable[[DeviceStore, Sequence[int]], list[Any]]


def _take(column: Sequence[Any], indices: Sequence[int]) -> Sequence[Any]:
    """column[index] for each index: a slice when the indices are a run (an unfiltered page)."""
    if isinstance(indices, range) and indices.step == 1:
        return column[indices.start:indices.stop]
    if len(indices) < 2:  # itemgetter of one index gives the item, not a tuple
        return [column[index] for index in indices]
    return itemgetter(*indices)(column)  # type: ignore[no-any-return]  # a C loop


def _column_page(attribute: str) -> PageReader:
    def read(store: DeviceStore, indices: Sequence[int]) -> list[Any]:
        return list(_take(getattr(store, attribute), indices))

    return read


def _model_page(attribute: str) -> PageReader:
    def read(store: DeviceStore, indices: Sequence[int]) -> list[Any]:
        return list(map(attrgetter(attribute), _take(store.model, indices)))

    return read


def _age_page(attribute: str) -> PageReader:
    def read(store: DeviceStore, indices: Sequence[int]) -> list[Any]:
        return store.seconds_text.many(_take(getattr(store, attribute), indices))

    return read


def _acted_page(method: Callable[[DeviceStore, int], Any], attribute: str) -> PageReader:
    """A column that remote actions override (the name, the management state)."""
    def read(store: DeviceStore, indices: Sequence[int]) -> list[Any]:
        values = list(_take(getattr(store, attribute), indices))
        if isinstance(indices, range) and indices.step == 1:  # the acted devices in the run
            acted = _acted_indices(store)
            start = indices.start
            for index in acted[bisect_left(acted, start):bisect_left(acted, indices.stop)]:
                values[index - start] = method(store, index)
            return values
        actions = store.actions
        return [method(store, index) if index in actions else value
                for index, value in zip(indices, values, strict=True)]

    return read


def _acted_indices(store: DeviceStore) -> list[int]:
    """The devices remote actions were run on, in order (kept until the store changes)."""
    known: tuple[int, list[int]] | None = store.__dict__.get("_acted_indices")
    if known is None or known[0] != store.generation:
        known = store.__dict__["_acted_indices"] = (store.generation, sorted(store.actions))
    return known[1]


def _user_page(attribute: str) -> PageReader:
    def read(store: DeviceStore, indices: Sequence[int]) -> list[Any]:
        owners = _take(store.user, indices)
        users = store.users
        if attribute == "id":
            ids = iter(_user_guids(store, [user for user in owners if user >= 0]))
            return [next(ids) if user >= 0 else "" for user in owners]
        if attribute == "upn":
            upn = users.upn
            return [upn[user] if user >= 0 else "" for user in owners]
        given, surname = users.given, users.surname  # users.display_name, inlined
        return [f"{given[user]} {surname[user]}" if user >= 0 else "" for user in owners]

    return read


def _user_guids(store: DeviceStore, users: list[int]) -> list[str]:
    if store.bulk:
        from intune_tui.demo.tenant.ids_bulk import guids

        return guids(store.users.seed, 2, users)
    return guids_from(store.users.seed, 2, users)


def _azure_ad_device_id_page(store: DeviceStore, indices: Sequence[int]) -> list[Any]:
    ids = store.guids(7, indices)
    enrollment = store.enrollment
    return [guid if enrollment[index] not in _USERLESS_ENROLLMENTS else _NIL_GUID
            for index, guid in zip(indices, ids, strict=True)]


_USERLESS_ENROLLMENTS = frozenset({"appleBulkWithoutUser", "androidEnterpriseDedicatedDevice"})
_NIL_GUID = "00000000-0000-0000-0000-000000000000"

_PAGE_READERS: dict[str, PageReader] = {
    "id": lambda store, indices: store.guids(1, indices),
    "deviceName": _acted_page(DeviceStore.device_name, "name"),
    "managementState": _acted_page(DeviceStore.management_state, "management"),
    **{prop: _column_page(attribute) for prop, attribute in (
        ("operatingSystem", "os"), ("osVersion", "os_version"),
        ("managedDeviceOwnerType", "owner"), ("ownerType", "owner"),
        ("complianceState", "compliance"), ("deviceEnrollmentType", "enrollment"),
        ("managementAgent", "agent"), ("isEncrypted", "encrypted"), ("jailBroken", "jailbroken"),
        ("deviceCategoryDisplayName", "category"), ("isSupervised", "supervised"))},
    "model": _model_page("model"),
    "manufacturer": _model_page("manufacturer"),
    "lastSyncDateTime": _age_page("sync_age"),
    "enrolledDateTime": _age_page("enroll_age"),
    "userPrincipalName": _user_page("upn"),
    "emailAddress": _user_page("upn"),
    "userDisplayName": _user_page("name"),
    "userId": _user_page("id"),
    "serialNumber": _serial_page,
    "azureADDeviceId": _azure_ad_device_id_page,
    "azureActiveDirectoryDeviceId": _azure_ad_device_id_page,
}

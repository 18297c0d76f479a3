"""The synthetic "Contoso Demo" tenant: seeded, deterministic, Graph-shaped JSON.

Everything is built from `random.Random(seed)` and a fixed DEMO_NOW, never the wall clock, so
the same seed gives the same tenant byte for byte. Devices live in a column store (one list per
core property, shared strings) and are turned into Graph JSON only when served: identifiers such
as serials, MAC addresses and IMEIs are derived from the device's index by a hash, so a
100,000-device tenant builds in about a second and stays small in memory.
"""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar

from intune_tui.demo import rules
from intune_tui.demo.identity import (
    DEMO_DOMAIN,
    DEMO_NOW,
    DEMO_OPERATOR_UPN,
    DEMO_TENANT_ID,
    DEMO_TENANT_NAME,
)

_T = TypeVar("_T")

NEVER = "0001-01-01T00:00:00Z"  # Intune's "no value" for dates it always sends
NO_GRACE = "9999-12-31T23:59:59.9999999Z"

HOSTILE_DEVICE_NAMES: tuple[str, ...] = (
    "Kiosk [/old]",
    "[bold red]x",
    "LAPTOP-\x1b[31mRED\x1b[0m",
    "invoice\u202egnp.exe-PC",
)
HOSTILE_DEVICE_POSITIONS: tuple[int, ...] = (1, 3, 6, 9)


# --- time and hashing helpers --------------------------------------------------------------------
def iso(moment: datetime) -> str:
    """Graph's DateTimeOffset text: UTC with a Z."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


_MASK64 = (1 << 64) - 1


def mix64(value: int) -> int:
    """splitmix64: a bijection on 64-bit ints, so distinct inputs give distinct outputs."""
    value = (value + 0x9E3779B97F4A7C15) & _MASK64
    value = ((value ^ (value >> 30)) * 0xBF58476D1CE4E5B9) & _MASK64
    value = ((value ^ (value >> 27)) * 0x94D049BB133111EB) & _MASK64
    return value ^ (value >> 31)


def guid_from(seed: int, salt: int, index: int) -> str:
    """A GUID-shaped id unique per (seed, salt, index)."""
    high = mix64((seed << 40) ^ (salt << 32) ^ index)
    low = mix64(high ^ 0x5DEECE66D ^ salt)
    text = f"{high:016x}{low:016x}"
    return f"{text[:8]}-{text[8:12]}-4{text[13:16]}-{'89ab'[low & 3]}{text[17:20]}-{text[20:]}"


def entra_device_object_id(seed: int, index: int) -> str:
    """The Entra device *object* id of managed device `index` (not its deviceId): one formula
    for every part of the fake that serves /devices (offboarding, group memberships)."""
    return guid_from(seed, 71, index)


_ALPHANUM = "0123456789ABCDEFGHJKLMNPQRSTUVWXYZ"


def _chars(value: int, length: int, alphabet: str = _ALPHANUM) -> str:
    out = []
    for _ in range(length):
        value, digit = divmod(value, len(alphabet))
        out.append(alphabet[digit])
    return "".join(out)


def _luhn_complete(digits: str) -> str:
    total = 0
    for position, char in enumerate(reversed(digits)):
        number = int(char)
        if position % 2 == 0:
            number *= 2
            if number > 9:
                number -= 9
        total += number
    return digits + str((10 - total % 10) % 10)


# --- users ---------------------------------------------------------------------------------------
FIRST_NAMES = (
    "Alice", "Bob", "Carmen", "Dmitri", "Elena", "Farid", "Grace", "Hiroshi", "Ingrid", "Jamal",
    "Katarzyna", "Liam", "Mei", "Nikolai", "Olivia", "Priya", "Quentin", "Rosa", "Sven", "Tariq",
    "Uma", "Victor", "Wen", "Ximena", "Yusuf", "Zoe", "Aaron", "Beatriz", "Chloé", "Diego",
    "Emma", "Fatima", "Gabriel", "Hannah", "Ibrahim", "Julia", "Kenji", "Lucía", "Mateo", "Noor",
    "Oscar", "Paula", "Rahul", "Sofia", "Thomas", "Ursula", "Valentina", "William", "Yara",
    "Zeynep", "Amara", "Björn", "Camille", "Daniel", "Eitan", "Freya", "Giulia", "Hugo", "Isla",
    "Jonas", "Kai", "Leila", "Marcus", "Nadia", "Omar", "Pedro", "Rhys", "Sara", "Tomás", "Ava",
)
LAST_NAMES = (
    "Smith", "Johnson", "Nguyen", "García", "Müller", "Kowalski", "Okafor", "Tanaka", "Rossi",
    "Andersson", "Dubois", "Haddad", "Kim", "Patel", "Silva", "Ivanova", "O'Brien", "Jensen",
    "Novak", "Cohen", "Schmidt", "Fernández", "Lopez", "Wright", "Chen", "Singh", "Yilmaz",
    "Martin", "Bernard", "Popescu", "Horvat", "Costa", "Lindqvist", "Murphy", "Kaplan", "Ali",
    "Mensah", "Sato", "Park", "Romero", "Baker", "Fischer", "Van Dijk", "Nowak", "Moreau",
    "Papadopoulos", "Eriksen", "Brown", "Wilson", "Taylor", "Thomas", "Moore", "Jackson", "White",
)
DEPARTMENTS = ("Sales", "Engineering", "Finance", "HR", "Operations", "Marketing", "Legal",
               "Support", "Warehouse", "Retail")
CITIES = ("Seattle", "London", "Munich", "Singapore", "São Paulo", "Toronto", "Sydney", "Paris")


def _ascii_slug(text: str) -> str:
    replacements = str.maketrans({"é": "e", "í": "i", "á": "a", "ü": "u", "ö": "o", "ç": "c",
                                  "ã": "a", "ñ": "n", "'": "", " ": ""})
    return text.lower().translate(replacements)


class UserDirectory:
    """Entra users who own devices. Stored as parallel lists; JSON built on demand."""

    def __init__(self, seed: int, count: int, rng: random.Random) -> None:
        self.seed = seed
        self.given: list[str] = []
        self.surname: list[str] = []
        self.upn: list[str] = []
        self.department: list[str] = []
        self.city: list[str] = []
        taken: Counter[str] = Counter()
        for index in range(count):
            if index == 0:
                given, surname = "Alice", "Smith"
            else:
                given, surname = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
            stem = f"{_ascii_slug(given)}.{_ascii_slug(surname)}"
            taken[stem] += 1
            suffix = "" if taken[stem] == 1 else str(taken[stem])
            self.given.append(given)
            self.surname.append(surname)
            self.upn.append(f"{stem}{suffix}@{DEMO_DOMAIN}")
            self.department.append(rng.choice(DEPARTMENTS))
            self.city.append(rng.choice(CITIES))
        self._by_id: dict[str, int] | None = None

    def __len__(self) -> int:
        return len(self.upn)

    def id_of(self, index: int) -> str:
        return guid_from(self.seed, 2, index)

    def display_name(self, index: int) -> str:
        return f"{self.given[index]} {self.surname[index]}"

    def index_of(self, user_id: str) -> int | None:
        if self._by_id is None:
            self._by_id = {self.id_of(index): index for index in range(len(self))}
        return self._by_id.get(user_id.lower())

    def to_json(self, index: int) -> dict[str, Any]:
        return {
            "@odata.type": "#microsoft.graph.user",
            "id": self.id_of(index),
            "displayName": self.display_name(index),
            "givenName": self.given[index],
            "surname": self.surname[index],
            "userPrincipalName": self.upn[index],
            "mail": self.upn[index],
            "jobTitle": None,
            "department": self.department[index],
            "officeLocation": self.city[index],
            "mobilePhone": None,
            "businessPhones": [],
            "preferredLanguage": "en-US",
        }


# --- device platforms ----------------------------------------------------------------------------
@dataclass(frozen=True)
class Model:
    manufacturer: str
    model: str
    weight: float
    chassis: str  # beta chassisType
    device_type: str  # beta deviceType
    is_phone: bool = False
    memory_gb: int = 8
    storage_gb: tuple[int, ...] = (256,)
    serial_style: str = "generic"


@dataclass(frozen=True)
class Platform:
    os: str
    weight: float
    versions: tuple[tuple[str, float], ...]
    models: tuple[Model, ...]
    company_share: float
    encrypted_share: float
    minimum_version: str  # what the compliance policy asks for


PLATFORMS: tuple[Platform, ...] = (
    Platform(
        "Windows", 45,
        (("10.0.22631.4460", 34), ("10.0.26100.2314", 30), ("10.0.19045.5131", 24),
         ("10.0.22621.4317", 8), ("10.0.19044.3086", 4)),
        (
            Model("Dell Inc.", "Latitude 5440", 18, "laptop", "desktop", memory_gb=16,
                  storage_gb=(256, 512), serial_style="dell"),
            Model("Dell Inc.", "Latitude 7450", 10, "laptop", "desktop", memory_gb=32,
                  storage_gb=(512,), serial_style="dell"),
            Model("Dell Inc.", "OptiPlex 7010", 8, "desktop", "desktop", memory_gb=16,
                  storage_gb=(512,), serial_style="dell"),
            Model("HP", "HP EliteBook 840 G10", 14, "laptop", "desktop", memory_gb=16,
                  storage_gb=(512,), serial_style="hp"),
            Model("LENOVO", "21HD0015US", 10, "laptop", "desktop", memory_gb=16,
                  storage_gb=(512,), serial_style="lenovo"),
            Model("LENOVO", "21CB00BRUS", 8, "laptop", "desktop", memory_gb=32,
                  storage_gb=(1024,), serial_style="lenovo"),
            Model("Microsoft Corporation", "Surface Laptop 5", 8, "laptop", "desktop",
                  memory_gb=16, storage_gb=(256, 512), serial_style="surface"),
            Model("Microsoft Corporation", "Surface Pro 9", 6, "tablet", "desktop",
                  memory_gb=16, storage_gb=(256,), serial_style="surface"),
            Model("Microsoft Corporation", "Cloud PC Enterprise 2vCPU/8GB/128GB", 8, "desktop",
                  "cloudPC", memory_gb=8, storage_gb=(128,), serial_style="cloudpc"),
            Model("Microsoft Corporation", "Virtual Machine", 3, "desktop", "desktop",
                  memory_gb=8, storage_gb=(128,), serial_style="vm"),
        ),
        company_share=0.88, encrypted_share=0.92, minimum_version="10.0.19045",
    ),
    Platform(
        "iOS", 20,
        (("18.1", 30), ("18.0.1", 22), ("17.6.1", 25), ("17.7", 10), ("16.7.10", 9),
         ("15.8.3", 4)),
        (
            Model("Apple", "iPhone 15", 25, "phone", "iPhone", True, 6, (128, 256), "apple"),
            Model("Apple", "iPhone 15 Pro", 15, "phone", "iPhone", True, 8, (256, 512), "apple"),
            Model("Apple", "iPhone 14", 25, "phone", "iPhone", True, 6, (128,), "apple"),
            Model("Apple", "iPhone 13", 20, "phone", "iPhone", True, 4, (128,), "apple"),
            Model("Apple", "iPhone SE (3rd generation)", 15, "phone", "iPhone", True, 4, (64,),
                  "apple"),
        ),
        company_share=0.62, encrypted_share=1.0, minimum_version="17.0",
    ),
    Platform(
        "iPadOS", 6,
        (("18.1", 35), ("17.7", 35), ("16.7.10", 20), ("15.8.3", 10)),
        (
            Model("Apple", "iPad (10th generation)", 50, "tablet", "iPad", False, 4, (64,),
                  "apple"),
            Model("Apple", "iPad Air (5th generation)", 30, "tablet", "iPad", False, 8, (256,),
                  "apple"),
            Model("Apple", "iPad Pro (11-inch) (4th generation)", 20, "tablet", "iPad", True, 8,
                  (256,), "apple"),
        ),
        company_share=0.85, encrypted_share=1.0, minimum_version="17.0",
    ),
    Platform(
        "Android", 18,
        (("14", 40), ("13", 28), ("15", 14), ("12", 12), ("11", 6)),
        (
            Model("samsung", "SM-S918B", 20, "phone", "androidEnterprise", True, 12, (256,),
                  "samsung"),
            Model("samsung", "SM-A546B", 25, "phone", "androidEnterprise", True, 8, (128,),
                  "samsung"),
            Model("Google", "Pixel 8", 20, "phone", "androidEnterprise", True, 8, (128,),
                  "google"),
            Model("Google", "Pixel 7a", 15, "phone", "androidEnterprise", True, 8, (128,),
                  "google"),
            Model("Zebra Technologies", "TC52", 12, "phone", "androidEnterprise", False, 4,
                  (32,), "zebra"),
            Model("samsung", "SM-X710", 8, "tablet", "androidEnterprise", False, 8, (128,),
                  "samsung"),
        ),
        company_share=0.55, encrypted_share=0.97, minimum_version="13",
    ),
    Platform(
        "macOS", 8,
        (("15.1 (24B83)", 35), ("14.7.1 (23H222)", 40), ("13.7.1 (22H221)", 20),
         ("12.7.6 (21H1320)", 5)),
        (
            Model("Apple", "MacBookPro18,3", 35, "laptop", "macMDM", False, 16, (512,), "apple"),
            Model("Apple", "Mac14,2", 40, "laptop", "macMDM", False, 16, (256, 512), "apple"),
            Model("Apple", "Mac15,4", 15, "desktop", "macMDM", False, 24, (512,), "apple"),
            Model("Apple", "Mac14,3", 10, "desktop", "macMDM", False, 16, (512,), "apple"),
        ),
        company_share=0.92, encrypted_share=0.86, minimum_version="14.0",
    ),
    Platform(
        "Linux", 3,
        (("22.04", 55), ("24.04", 35), ("20.04", 10)),
        (
            Model("Dell Inc.", "Precision 5680", 50, "laptop", "linux", memory_gb=32,
                  storage_gb=(1024,), serial_style="dell"),
            Model("LENOVO", "21HK0001US", 50, "laptop", "linux", memory_gb=32,
                  storage_gb=(1024,), serial_style="lenovo"),
        ),
        company_share=0.75, encrypted_share=0.6, minimum_version="22.04",
    ),
)
PLATFORM_BY_OS: dict[str, Platform] = {platform.os: platform for platform in PLATFORMS}
OPERATING_SYSTEMS: tuple[str, ...] = tuple(platform.os for platform in PLATFORMS)

DEVICE_CATEGORIES = ("Unknown", "Sales", "Engineering", "Frontline", "Shared", "Executive",
                     "Loaner")
CARRIERS = ("Verizon", "T-Mobile", "AT&T", "Vodafone", "Telekom", "Orange")
NOTES = (
    "Loaner pool - return to IT desk 3",
    "Screen cracked; replacement ordered",
    "VIP: call before any action",
    "Reimaged after malware incident",
)

# complianceState and managementState weights (every value appears in every tenant of >= 30).
COMPLIANCE_WEIGHTS = (("compliant", 72), ("noncompliant", 12), ("inGracePeriod", 4),
                      ("unknown", 5), ("conflict", 2), ("error", 2))
MANAGEMENT_WEIGHTS = (("managed", 955), ("retirePending", 5), ("retireFailed", 3),
                      ("wipePending", 4), ("wipeFailed", 2), ("unhealthy", 12),
                      ("deletePending", 2), ("retireIssued", 3), ("wipeIssued", 3),
                      ("wipeCanceled", 2), ("retireCanceled", 2), ("discovered", 7))

DAY = 86_400
# lastSyncDateTime age buckets in seconds: fresh, this week, this month, stale.
SYNC_AGE_BUCKETS = ((0, DAY, 64), (DAY, 7 * DAY, 20), (7 * DAY, 30 * DAY, 9),
                    (30 * DAY, 200 * DAY, 7))


# --- device store --------------------------------------------------------------------------------
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
        self.user: list[int] = []
        self.compliance: list[str] = []
        self.management: list[str] = []
        self.enrollment: list[str] = []
        self.agent: list[str] = []
        self.sync_age: list[int] = []
        self.enroll_age: list[int] = []
        self._moment_cache: dict[str, list[datetime]] = {}
        self.encrypted: list[bool] = []
        self.jailbroken: list[str] = []
        self.category: list[str] = []
        self.storage_gb: list[int] = []
        self.free_share: list[int] = []  # percent free
        self.name: list[str] = []
        self.supervised: list[bool] = []
        self.notes: dict[int, str] = {}
        self.actions: dict[int, list[ActionRecord]] = {}
        self.deleted: set[int] = set()
        self.generation = 0  # bumped on every change, for caches
        self._by_id: dict[str, int] | None = None

    def __len__(self) -> int:
        return len(self.os)

    # --- identity ---
    def id_of(self, index: int) -> str:
        return guid_from(self.seed, 1, index)

    def index_of(self, device_id: str) -> int | None:
        if self._by_id is None:
            self._by_id = {self.id_of(index): index for index in range(len(self))}
        index = self._by_id.get(device_id.lower())
        return None if index is None or index in self.deleted else index

    def live_indices(self) -> list[int]:
        if not self.deleted:
            return list(range(len(self)))
        return [index for index in range(len(self)) if index not in self.deleted]

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
        ages: list[int] = getattr(self, _AGE_COLUMNS[prop])
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


def _seconds_ago(store: DeviceStore, seconds: int) -> str:
    return iso(store.now - timedelta(seconds=seconds))


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
    "lastSyncDateTime": lambda store, index: _seconds_ago(store, store.sync_age[index]),
    "enrolledDateTime": lambda store, index: _seconds_ago(store, store.enroll_age[index]),
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
    style = store.model[index].serial_style
    if style == "apple":
        return "C02" + _chars(value, 9) if store.os[index] == "macOS" else "F" + _chars(value, 11)
    if style == "dell":
        return _chars(value, 7)
    if style == "hp":
        return "5CG" + _chars(value, 7)
    if style == "lenovo":
        return "PF" + _chars(value, 6)
    if style == "surface":
        return f"{value % 10**12:012d}"
    if style == "cloudpc":
        digits = f"{value % 10**20:020d}"
        return "-".join(digits[position:position + 4] for position in range(0, 20, 4))
    if style == "vm":
        return f"{value % 10**4:04d}-{(value >> 16) % 10**4:04d}-{(value >> 32) % 10**4:04d}"
    if style == "samsung":
        return "R5C" + _chars(value, 8)
    if style == "google":
        return f"{value % 16**12:012X}"
    if style == "zebra":
        return f"{value % 10**14:014d}"
    return _chars(value, 10)


def _imei(store: DeviceStore, index: int) -> str:
    if not store.model[index].is_phone:
        return ""
    value = _hash(store, index, 4)
    return _luhn_complete(f"35{value % 10**12:012d}")


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
    code = _chars(_hash(store, index, 13), 24)
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
    "easDeviceId": lambda store, index: _chars(_hash(store, index, 19), 20)
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
         "lastLogOnDateTime": _seconds_ago(store, store.sync_age[index] + 3600)}
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


def _weighted(rng: random.Random, pairs: Iterable[tuple[_T, float]]) -> _T:
    values, weights = zip(*pairs, strict=True)
    chosen: _T = rng.choices(values, weights)[0]
    return chosen


def _windows_name(rng: random.Random, model: Model, user_stem: str) -> str:
    if model.serial_style == "cloudpc":
        return f"CPC-{user_stem[:6]}-{_chars(rng.getrandbits(30), 5)}"
    prefix = "CONTOSO-LT" if model.chassis in ("laptop", "tablet") else "CONTOSO-DT"
    if rng.random() < 0.3:
        return f"DESKTOP-{_chars(rng.getrandbits(40), 7)}"
    return f"{prefix}-{rng.randrange(10_000, 99_999)}"


def _device_name(rng: random.Random, os_name: str, model: Model, given: str | None,
                 user_stem: str, serial_hint: int) -> str:
    if os_name == "Windows":
        return _windows_name(rng, model, user_stem)
    if os_name == "Linux":
        return f"ubuntu-{user_stem[:8]}-{rng.randrange(100, 999)}"
    if given is None:
        kind = {"iOS": "iPhone", "iPadOS": "iPad", "Android": "Scanner", "macOS": "Mac"}[os_name]
        return f"SHARED-{kind.upper()}-{serial_hint % 10_000:04d}"
    friendly = {
        "iOS": "iPhone", "iPadOS": "iPad", "macOS": "MacBook",
    }.get(os_name)
    if friendly is not None:
        # Apple devices carry the owner's name with a typographic apostrophe.
        return f"{given}\u2019s {friendly}"
    short = model.model.replace("SM-", "Galaxy-")
    return f"{given}-{short}-{serial_hint % 1000:03d}"


def _enrollment_for(rng: random.Random, os_name: str, owner: str, userless: bool) -> str:
    if os_name == "Windows":
        if userless:
            return "windowsBulkUserless"
        if owner == "personal":
            return "windowsAutoEnrollment"
        return _weighted(rng, (("windowsAzureADJoin", 50), ("windowsCoManagement", 20),
                               ("windowsAutoEnrollment", 15),
                               ("windowsAzureADJoinUsingDeviceAuth", 10),
                               ("windowsBulkAzureDomainJoin", 5)))
    if os_name in ("iOS", "iPadOS"):
        if userless:
            return "appleBulkWithoutUser"
        if owner == "personal":
            return _weighted(rng, (("userEnrollment", 60), ("appleUserEnrollment", 40)))
        return _weighted(rng, (("appleBulkWithUser", 85), ("deviceEnrollmentManager", 15)))
    if os_name == "Android":
        if userless:
            return "androidEnterpriseDedicatedDevice"
        if owner == "personal":
            return "userEnrollment"
        return _weighted(rng, (("androidEnterpriseFullyManaged", 60),
                               ("androidEnterpriseCorporateWorkProfile", 40)))
    if os_name == "macOS":
        return "appleBulkWithUser" if owner == "company" else "userEnrollment"
    return "userEnrollment"


def _agent_for(os_name: str, enrollment: str) -> str:
    if enrollment == "windowsCoManagement":
        return "configurationManagerClientMdm"
    if os_name == "Android" and enrollment.startswith("androidEnterprise"):
        return "googleCloudDevicePolicyController"
    if os_name == "Linux":
        return "intuneClient"
    return "mdm"


def build_devices(store: DeviceStore, count: int, rng: random.Random) -> None:
    """Fill the column store with `count` devices."""
    platforms = rng.choices(PLATFORMS, [platform.weight for platform in PLATFORMS], k=count)
    compliance = rng.choices(*zip(*COMPLIANCE_WEIGHTS, strict=True), k=count)
    management = rng.choices(*zip(*MANAGEMENT_WEIGHTS, strict=True), k=count)
    users = store.users
    for index in range(count):
        platform = platforms[index]
        os_name = platform.os
        model = _weighted(rng, ((model, model.weight) for model in platform.models))
        version = _weighted(rng, platform.versions)
        owner = "company" if rng.random() < platform.company_share else "personal"
        userless = (owner == "company" and rng.random() < 0.06) or model.model == "TC52"
        if userless:
            owner = "company"
        user = -1 if userless else rng.randrange(len(users))
        enrollment = _enrollment_for(rng, os_name, owner, userless)
        low, high, _ = _weighted(rng, ((bucket, bucket[2]) for bucket in SYNC_AGE_BUCKETS))
        sync_age = rng.randrange(low, high)
        enroll_age = sync_age + rng.randrange(DAY, 3 * 365 * DAY)
        encrypted = rng.random() < platform.encrypted_share
        jailbroken = "Unknown" if os_name in ("Windows", "Linux") else "False"
        state = compliance[index]
        if os_name in ("iOS", "Android") and rng.random() < 0.004:
            jailbroken, state = "True", "noncompliant"
        if enrollment == "windowsCoManagement" and rng.random() < 0.4:
            state = "configManager"
        given = None if user < 0 else users.given[user]
        stem = "kiosk" if user < 0 else users.upn[user].split("@")[0].replace(".", "")
        store.os.append(os_name)
        store.os_version.append(version)
        store.model.append(model)
        store.owner.append(owner)
        store.user.append(user)
        store.compliance.append(state)
        store.management.append(management[index])
        store.enrollment.append(enrollment)
        store.agent.append(_agent_for(os_name, enrollment))
        store.sync_age.append(sync_age)
        store.enroll_age.append(enroll_age)
        store.encrypted.append(encrypted)
        store.jailbroken.append(jailbroken)
        store.category.append("Frontline" if userless else rng.choice(DEVICE_CATEGORIES))
        store.storage_gb.append(rng.choice(model.storage_gb))
        store.free_share.append(rng.randrange(4, 80))
        store.supervised.append(os_name in ("iOS", "iPadOS") and enrollment.startswith(
            "appleBulk"))
        store.name.append(_device_name(rng, os_name, model, given, stem, rng.getrandbits(20)))
        if rng.random() < 0.01:
            store.notes[index] = rng.choice(NOTES)
    _give_alice_a_device(store)
    _ensure_every_value(store.compliance, [state for state, _ in COMPLIANCE_WEIGHTS], rng)
    _ensure_config_manager(store)
    _ensure_every_value(store.management, [state for state, _ in MANAGEMENT_WEIGHTS], rng)
    for position, name in zip(HOSTILE_DEVICE_POSITIONS, HOSTILE_DEVICE_NAMES, strict=True):
        if position < count:
            store.name[position] = name


def _give_alice_a_device(store: DeviceStore) -> None:
    """alice.smith@ (user 0) always owns a device, so the demo has a name to search for."""
    if 0 in store.user:
        return
    for index in range(len(store)):
        previous = store.user[index]
        if previous >= 0 and index not in HOSTILE_DEVICE_POSITIONS:
            users = store.users
            old_stem = users.upn[previous].split("@")[0].replace(".", "")
            name = store.name[index].replace(users.given[previous], users.given[0], 1)
            store.name[index] = name.replace(old_stem[:8], "alicesmith"[:8], 1)
            store.user[index] = 0
            return


def _ensure_every_value(column: list[str], values: list[str], rng: random.Random) -> None:
    """Small tenants still show every enum value (each on a distinct, non-hostile device)."""
    present = set(column)
    reserved = set(HOSTILE_DEVICE_POSITIONS)
    for value in values:
        if value in present or len(column) < 3 * len(values):
            continue
        while True:
            index = rng.randrange(len(column))
            if index not in reserved:
                break
        reserved.add(index)
        column[index] = value


def _ensure_config_manager(store: DeviceStore) -> None:
    if "configManager" in store.compliance or len(store) < 30:
        return
    for index in range(len(store)):
        if store.os[index] == "Windows" and store.compliance[index] == "compliant":
            store.compliance[index] = "configManager"
            store.enrollment[index] = "windowsCoManagement"
            store.agent[index] = "configurationManagerClientMdm"
            return


def build_action_history(store: DeviceStore, rng: random.Random) -> None:
    """Past remote actions on about one device in twenty."""
    history = (("syncDevice", "done"), ("rebootNow", "done"), ("remoteLock", "done"),
               ("resetPasscode", "failed"), ("windowsDefenderScan", "done"),
               ("locateDevice", "done"))
    for index in range(len(store)):
        if rng.random() >= 0.05:
            continue
        name, state = rng.choice(history)
        started = store.now - timedelta(seconds=store.sync_age[index] + rng.randrange(60, DAY))
        record = ActionRecord(name, started, started + timedelta(seconds=rng.randrange(20, 600)),
                              state)
        store.actions[index] = [record]



# --- record sets: what a collection serves -------------------------------------------------------
def dict_getter(record: Any, prop: str) -> Any:
    """Read a (possibly cast, `microsoft.graph.x/prop`) property from a JSON dict."""
    if "/" in prop:
        cast, _, name = prop.rpartition("/")
        if str(record.get("@odata.type", "")).lower() != "#" + cast.lower():
            return None
        return record.get(name)
    return record.get(prop)


def dict_render(record: Any) -> dict[str, Any]:
    return {key: value for key, value in record.items() if not key.startswith("_")}


@dataclass
class RecordSet:
    """The records a collection serves, how to read one property, how to render one."""

    records: Sequence[Any]
    getter: Callable[[Any, str], Any] = dict_getter
    render: Callable[[Any], dict[str, Any]] = dict_render
    key: Callable[[Any], str] = lambda record: str(record.get("id"))
    # Optional fast path: render only the named properties (used for `$select`).
    render_only: Callable[[Any, frozenset[str]], dict[str, Any]] | None = None
    # The properties whose values move with the tenant clock (None: any of them may), so that
    # a $filter or $orderby on the others gives the same answer a second later.
    moving: frozenset[str] | None = None


# A device's management state and name follow its remote actions as they progress.
DEVICE_PROPERTIES_MOVING = frozenset({"managementState", "deviceName", "deviceActionResults"})


@dataclass
class DemoTenant:
    """The whole demo tenant. Static collections are lists of Graph JSON dicts keyed by the
    collection path (see rules.COLLECTIONS); per-device and per-policy data is computed."""

    tenant_id: str
    display_name: str
    domain: str
    seed: int
    now: datetime
    users: UserDirectory
    devices: DeviceStore
    collections: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    # "deviceAppManagement/mobileApps/{id}/assignments" -> {app id -> [assignment, ...]}
    children: dict[str, dict[str, list[dict[str, Any]]]] = field(default_factory=dict)
    singletons: dict[str, dict[str, Any]] = field(default_factory=dict)
    # "deviceManagement/deviceConfigurations/{id}/deviceStatusOverview" -> {id -> dict}
    item_singletons: dict[str, dict[str, dict[str, Any]]] = field(default_factory=dict)
    audits: list[tuple[int, ActionRecord, str, str]] = field(default_factory=list)
    # Compliance that devices report but deviceCompliancePolicies does not list: Linux
    # compliance lives in the (beta) settings catalog, yet shows in the device's policy states.
    extra_compliance_policies: list[dict[str, Any]] = field(default_factory=list)
    # Entra group ids of the people who sign in (lower-case UPN -> [group id, ...]).
    memberships: dict[str, list[str]] = field(default_factory=dict)

    def collection(self, path: str) -> list[dict[str, Any]]:
        return self.collections.setdefault(path, [])

    def find(self, path: str, item_id: str) -> dict[str, Any] | None:
        wanted = item_id.lower()
        for item in self.collections.get(path, ()):
            if str(item.get("id", "")).lower() == wanted:
                return item
        return None

    def effective_permissions(self, upn: str) -> list[str]:
        """What Intune computes for getEffectivePermissions: every action allowed by a role
        assigned to one of the user's groups (an unknown user holds none)."""
        groups = set(self.memberships.get(upn.lower(), ()))
        roles = {role["id"]: role for role in
                 self.collections.get("deviceManagement/roleDefinitions", [])}
        allowed: set[str] = set()
        for assignment in self.collections.get("deviceManagement/roleAssignments", []):
            role = roles.get(assignment.get("_roleId"))
            if role is None or not groups.intersection(assignment.get("members") or ()):
                continue
            for permission in role.get("rolePermissions", []):
                for resource_action in permission.get("resourceActions", []):
                    allowed.update(resource_action.get("allowedResourceActions", []))
        return sorted(allowed)

    # --- what the fake serves ---------------------------------------------------------------
    def record_set(self, pattern: str, ids: Sequence[str], *, beta: bool) -> RecordSet | None:
        """The records behind a collection path (None: the parent item does not exist)."""
        computed = _COMPUTED.get(pattern)
        if computed is not None:
            return computed(self, list(ids), beta)
        if "{id}" not in pattern:
            items = self.collections.get(pattern, [])
            return RecordSet([item for item in items if beta or not item.get("_betaOnly")])
        parent_pattern, _, _ = pattern.rpartition("/{id}/")
        parent = self._live_item(parent_pattern, ids[-1], beta=beta)
        if parent is None:
            return None
        children = self.children.get(pattern, {}).get(str(parent["id"]), [])
        return RecordSet([item for item in children if beta or not item.get("_betaOnly")])

    def _live_item(self, pattern: str, item_id: str, *, beta: bool) -> dict[str, Any] | None:
        item = self.find(pattern, item_id)
        if item is None or (item.get("_betaOnly") and not beta):
            return None
        return item

    def singleton(self, pattern: str) -> dict[str, Any] | None:
        computed = _COMPUTED_SINGLETONS.get(pattern)
        if computed is not None:
            return computed(self)
        item = self.singletons.get(pattern)
        return None if item is None else dict_render(item)

    def item_singleton(self, pattern: str, item_id: str) -> dict[str, Any] | None:
        computed = _COMPUTED_ITEM_SINGLETONS.get(pattern)
        if computed is not None:
            return computed(self, item_id)
        item = self.item_singletons.get(pattern, {}).get(item_id.lower())
        return None if item is None else dict_render(item)

    def selectable(self, pattern: str, *, beta: bool) -> frozenset[str] | None:
        """Property names `$select` may name on a collection (None: not checked)."""
        if pattern == "deviceManagement/managedDevices":
            names = set(rules.MANAGED_DEVICE_V1_PROPERTIES)
            if beta:
                names |= set(rules.MANAGED_DEVICE_BETA_PROPERTIES)
            return frozenset(names)
        if pattern == "deviceAppManagement/mobileApps":
            base = rules.MOBILE_APP_BASE_PROPERTIES
            return base if beta else base - rules.MOBILE_APP_BETA_ONLY_PROPERTIES
        if pattern in _COMPUTED or "{id}" in pattern:
            return None
        names = set()
        for item in self.collections.get(pattern, []):
            names.update(key for key in item if not key.startswith("_"))
        return frozenset(names)

    # --- consistency helpers (policy state per device) ------------------------------------
    def compliance_policies_for(self, os_name: str) -> list[dict[str, Any]]:
        policies = [*self.collections.get("deviceManagement/deviceCompliancePolicies", []),
                    *self.extra_compliance_policies]
        return [policy for policy in policies if policy["_platform"] == os_name]

    def configuration_profiles_for(self, os_name: str) -> list[dict[str, Any]]:
        return [profile for profile in self.collections.get(
            "deviceManagement/deviceConfigurations", []) if profile["_platform"] == os_name]


# --- computed collections ------------------------------------------------------------------------
_COMPLIANCE_STATUS_FOR_DEVICE = {
    "compliant": "compliant", "noncompliant": "nonCompliant", "inGracePeriod": "nonCompliant",
    "conflict": "conflict", "error": "error", "unknown": "unknown",
    "configManager": "notApplicable",
}


def compliance_status(tenant: DemoTenant, policy: dict[str, Any], index: int) -> str:
    """One compliance policy's status on one device; the primary policy of a platform carries
    the device's complianceState, the others agree unless they are the failing one."""
    state = tenant.devices.compliance[index]
    status = _COMPLIANCE_STATUS_FOR_DEVICE[state]
    if policy["_primary"] or status in ("unknown", "notApplicable"):
        return status
    return "compliant" if status in ("nonCompliant", "error", "conflict") else status


def configuration_status(tenant: DemoTenant, profile: dict[str, Any], index: int) -> str:
    """One configuration profile's status on one device (complianceStatus enum)."""
    roll = mix64(profile["_salt"] * 1_000_003 + index) % 1000
    if tenant.devices.compliance[index] == "unknown" or roll < 25:
        return "unknown"  # pending: the device has not reported yet
    if roll < 40:
        return "error"
    if roll < 52:
        return "conflict"
    if roll < 64:
        return "notApplicable"
    if roll < 80:
        return "nonCompliant"
    return "compliant"


def _device_index(tenant: DemoTenant, device_id: str) -> int | None:
    return tenant.devices.index_of(device_id)


def _device_records(tenant: DemoTenant, ids: list[str], beta: bool) -> RecordSet:
    store = tenant.devices
    return RecordSet(store.live_indices(), store.comparable,
                     lambda index: store.to_json(index, beta=beta), store.id_of,
                     lambda index, only: store.to_json(index, beta=beta, only=only),
                     moving=DEVICE_PROPERTIES_MOVING)


def _device_users(tenant: DemoTenant, ids: list[str], beta: bool) -> RecordSet | None:
    index = _device_index(tenant, ids[0])
    if index is None:
        return None
    user = tenant.devices.user[index]
    users = tenant.users
    return RecordSet([user] if user >= 0 else [],
                     lambda record, prop: users.to_json(record).get(prop),
                     users.to_json, users.id_of)


def _setting_states(tenant: DemoTenant, policy: dict[str, Any], index: int,
                    status: str) -> list[dict[str, Any]]:
    store = tenant.devices
    user = store.user[index]
    upn = tenant.users.upn[user] if user >= 0 else ""
    failing = _failing_setting(tenant, policy, index) if status in (
        "nonCompliant", "error", "conflict") else None
    states = []
    for setting in policy["_settings"]:
        key, name, expected, _ = setting
        state = "compliant"
        current = expected
        error_code, error_description = 0, None
        if status in ("notApplicable", "unknown"):
            state, current = status, None
        elif failing is not None and key == failing[0]:
            state = status
            current = failing[1]
            if status == "error":
                error_code = -2016281112
                error_description = "Remediation failed"
            elif status == "conflict":
                error_code = -2016281211
                error_description = "Conflicting settings from another policy"
        states.append({
            "setting": key,
            "settingName": name,
            "instanceDisplayName": None,
            "state": state,
            "errorCode": error_code,
            "errorDescription": error_description,
            "userId": tenant.users.id_of(user) if user >= 0 else "",
            "userName": tenant.users.display_name(user) if user >= 0 else "",
            "userEmail": upn,
            "userPrincipalName": upn,
            "sources": [{"id": policy["id"], "displayName": policy["displayName"],
                         "sourceType": "deviceConfiguration"}],
            "currentValue": current,
        })
    return states


def _failing_setting(tenant: DemoTenant, policy: dict[str, Any], index: int) -> tuple[str, str]:
    """(setting key, current value) of the setting that makes this device fail, chosen to
    agree with the device's own properties."""
    store = tenant.devices
    by_role = {setting[3]: setting for setting in policy["_settings"]}
    if not store.encrypted[index] and "encryption" in by_role:
        return by_role["encryption"][0], "false"
    if store.jailbroken[index] == "True" and "jailbreak" in by_role:
        return by_role["jailbreak"][0], "true"
    platform = store.platform(index)
    if _version_key(store.os_version[index]) < _version_key(platform.minimum_version) and \
            "minimumOs" in by_role:
        return by_role["minimumOs"][0], store.os_version[index]
    others = [setting for setting in policy["_settings"]
              if setting[3] not in ("encryption", "jailbreak", "minimumOs")]
    chosen = others[mix64(index * 31 + policy["_salt"]) % len(others)]
    return chosen[0], "false" if chosen[2] == "true" else "notConfigured"


def _version_key(text: str) -> tuple[int, ...]:
    parts = []
    for piece in text.split(" ")[0].split("."):
        parts.append(int(piece) if piece.isdigit() else 0)
    return tuple(parts)


def _device_compliance_states(tenant: DemoTenant, ids: list[str], beta: bool) -> RecordSet | None:
    index = _device_index(tenant, ids[0])
    if index is None:
        return None
    store = tenant.devices
    os_name = store.os[index]
    records = []
    for policy in tenant.compliance_policies_for(os_name):
        status = compliance_status(tenant, policy, index)
        records.append({
            "@odata.type": "#microsoft.graph.deviceCompliancePolicyState",
            "id": policy["id"],
            "displayName": policy["displayName"],
            "version": policy["version"],
            "platformType": policy["_platformType"],
            "state": status,
            "settingCount": len(policy["_settings"]),
            "settingStates": _setting_states(tenant, policy, index, status),
        })
    return RecordSet(records)


def _device_configuration_states(tenant: DemoTenant, ids: list[str],
                                 beta: bool) -> RecordSet | None:
    index = _device_index(tenant, ids[0])
    if index is None:
        return None
    records = []
    for profile in tenant.configuration_profiles_for(tenant.devices.os[index]):
        status = configuration_status(tenant, profile, index)
        records.append({
            "@odata.type": "#microsoft.graph.deviceConfigurationState",
            "id": profile["id"],
            "displayName": profile["displayName"],
            "version": profile["version"],
            "platformType": profile["_platformType"],
            "state": status,
            "settingCount": len(profile["_settings"]),
            "settingStates": _setting_states(tenant, profile, index, status),
        })
    return RecordSet(records)


def _policy_device_statuses(collection: str) -> Callable[[DemoTenant, list[str], bool],
                                                          RecordSet | None]:
    def build(tenant: DemoTenant, ids: list[str], beta: bool) -> RecordSet | None:
        policy = tenant.find(collection, ids[0])
        if policy is None:
            return None
        store = tenant.devices
        platform = policy["_platform"]
        indices = [index for index in store.live_indices() if store.os[index] == platform]
        status_of = compliance_status if collection.endswith("Policies") else configuration_status

        def render(index: int) -> dict[str, Any]:
            user = store.user[index]
            status = status_of(tenant, policy, index)
            grace = (store.value(index, "complianceGracePeriodExpirationDateTime")
                     if status == "nonCompliant" else NO_GRACE)
            return {
                "@odata.type": "#microsoft.graph.deviceComplianceDeviceStatus"
                if collection.endswith("Policies")
                else "#microsoft.graph.deviceConfigurationDeviceStatus",
                "id": f"{policy['id']}_{store.id_of(index)}",
                "deviceDisplayName": store.device_name(index),
                "userName": tenant.users.display_name(user) if user >= 0 else "",
                "deviceModel": store.model[index].model,
                "complianceGracePeriodExpirationDateTime": grace,
                "status": status,
                "lastReportedDateTime": _seconds_ago(store, store.sync_age[index]),
                "userPrincipalName": tenant.users.upn[user] if user >= 0 else "",
            }

        def getter(index: int, prop: str) -> Any:
            if prop == "status":
                return status_of(tenant, policy, index)
            return render(index).get(prop)

        return RecordSet(indices, getter, render, lambda index: f"{policy['id']}_"
                         f"{store.id_of(index)}")

    return build


def policy_overview(tenant: DemoTenant, collection: str, policy_id: str) -> dict[str, Any] | None:
    """deviceStatusOverview counted from the same per-device statuses deviceStatuses serves."""
    policy = tenant.find(collection, policy_id)
    if policy is None:
        return None
    statuses = _policy_device_statuses(collection)(tenant, [policy_id], True)
    assert statuses is not None
    counts = Counter(statuses.getter(index, "status") for index in statuses.records)
    is_compliance = collection.endswith("Policies")
    return {
        "@odata.type": "#microsoft.graph.deviceComplianceDeviceOverview" if is_compliance
        else "#microsoft.graph.deviceConfigurationDeviceOverview",
        "id": policy["id"],
        "pendingCount": counts["unknown"],
        "notApplicableCount": counts["notApplicable"],
        "notApplicablePlatformCount": 0,
        "successCount": counts["compliant"] + counts["remediated"],
        "errorCount": counts["error"],
        "failedCount": counts["nonCompliant"],
        "conflictCount": counts["conflict"],
        "lastUpdateDateTime": iso(tenant.now - timedelta(minutes=42)),
        "configurationVersion": policy["version"],
    }


def _managed_device_overview(tenant: DemoTenant) -> dict[str, Any]:
    store = tenant.devices
    live = store.live_indices()
    by_os = Counter(store.os[index] for index in live)
    exchange = Counter(_exchange_state(store, index) for index in live)
    co_managed = sum(1 for index in live if store.agent[index] == "configurationManagerClientMdm")
    return {
        "@odata.type": "#microsoft.graph.managedDeviceOverview",
        "id": "managedDeviceOverview",
        "enrolledDeviceCount": len(live),
        "mdmEnrolledCount": len(live),
        "dualEnrolledDeviceCount": co_managed,
        "deviceOperatingSystemSummary": {
            "androidCount": by_os["Android"],
            "iosCount": by_os["iOS"] + by_os["iPadOS"],
            "macOSCount": by_os["macOS"],
            "windowsMobileCount": 0,
            "windowsCount": by_os["Windows"],
            "unknownCount": by_os["Linux"],
            "androidDedicatedCount": sum(
                1 for index in live
                if store.enrollment[index] == "androidEnterpriseDedicatedDevice"),
            "androidDeviceAdminCount": 0,
            "androidFullyManagedCount": sum(
                1 for index in live if store.enrollment[index] == "androidEnterpriseFullyManaged"),
            "androidWorkProfileCount": sum(
                1 for index in live if store.os[index] == "Android"
                and store.enrollment[index] in ("userEnrollment",
                                                "androidEnterpriseCorporateWorkProfile")),
            "androidCorporateWorkProfileCount": sum(
                1 for index in live
                if store.enrollment[index] == "androidEnterpriseCorporateWorkProfile"),
            "configMgrDeviceCount": co_managed,
        },
        "deviceExchangeAccessStateSummary": {
            "allowedDeviceCount": exchange["allowed"],
            "blockedDeviceCount": exchange["blocked"],
            "quarantinedDeviceCount": exchange["quarantined"],
            "unknownDeviceCount": exchange["unknown"],
            "unavailableDeviceCount": exchange["none"],
        },
    }


def _compliance_state_summary(tenant: DemoTenant) -> dict[str, Any]:
    store = tenant.devices
    counts = Counter(store.compliance[index] for index in store.live_indices())
    return {
        "@odata.type": "#microsoft.graph.deviceCompliancePolicyDeviceStateSummary",
        "id": "deviceCompliancePolicyDeviceStateSummary",
        "inGracePeriodCount": counts["inGracePeriod"],
        "configManagerCount": counts["configManager"],
        "unknownDeviceCount": counts["unknown"],
        "notApplicableDeviceCount": 0,
        "compliantDeviceCount": counts["compliant"],
        "remediatedDeviceCount": 0,
        "nonCompliantDeviceCount": counts["noncompliant"],
        "errorDeviceCount": counts["error"],
        "conflictDeviceCount": counts["conflict"],
    }


# --- detected apps ------------------------------------------------------------------------------
DETECTED_APP_POOL: dict[str, tuple[tuple[str, str, str, int], ...]] = {
    # (displayName, version, publisher, prevalence percent)
    "Windows": (
        ("Microsoft Edge", "131.0.2903.51", "Microsoft Corporation", 99),
        ("Microsoft Teams", "24295.605.3225.8804", "Microsoft Corporation", 93),
        ("Microsoft 365 Apps for enterprise - en-us", "16.0.18129.20116",
         "Microsoft Corporation", 88),
        ("Google Chrome", "131.0.6778.70", "Google LLC", 54),
        ("Mozilla Firefox (x64 en-US)", "132.0.2", "Mozilla", 18),
        ("7-Zip 24.08 (x64)", "24.08", "Igor Pavlov", 31),
        ("Notepad++ (64-bit x64)", "8.7.1", "Notepad++ Team", 22),
        ("Zoom Workplace (64-bit)", "6.2.6.49050", "Zoom Video Communications, Inc.", 27),
        ("Adobe Acrobat (64-bit)", "24.004.20220", "Adobe", 46),
        ("VLC media player", "3.0.21", "VideoLAN", 9),
        ("Cisco Secure Client - AnyConnect VPN", "5.1.6.103", "Cisco Systems, Inc.", 41),
        ("Microsoft Visual C++ 2015-2022 Redistributable (x64)", "14.40.33810.0",
         "Microsoft Corporation", 97),
        ("Git", "2.47.0.2", "The Git Development Community", 12),
        ("Visual Studio Code", "1.95.3", "Microsoft Corporation", 14),
        ("Python 3.12.7 (64-bit)", "3.12.7150.0", "Python Software Foundation", 7),
        ("Slack", "4.41.97", "Slack Technologies Inc.", 11),
        ("WinRAR 6.02 (64-bit)", "6.02.0", "win.rar GmbH", 3),
        ("TeamViewer", "15.59.5", "TeamViewer", 5),
        ("Contoso Expense Tool", "3.2.1", "Contoso IT", 36),
        ("Dell Command | Update", "5.4.0", "Dell Inc.", 25),
    ),
    "macOS": (
        ("Microsoft Edge", "131.0.2903.51", "Microsoft Corporation", 90),
        ("Microsoft Outlook", "16.91", "Microsoft Corporation", 92),
        ("Microsoft Teams", "24295.605.3225.8804", "Microsoft Corporation", 88),
        ("Company Portal", "5.2410.0", "Microsoft Corporation", 99),
        ("Google Chrome", "131.0.6778.70", "Google LLC", 61),
        ("Slack", "4.41.97", "Slack Technologies", 34),
        ("Zoom", "6.2.6", "Zoom Video Communications", 40),
        ("Xcode", "16.1", "Apple", 15),
        ("Docker", "4.35.1", "Docker Inc.", 12),
    ),
    "iOS": (
        ("Microsoft Authenticator", "6.8.17", "Microsoft Corporation", 95),
        ("Microsoft Outlook", "4.2446.0", "Microsoft Corporation", 90),
        ("Microsoft Teams", "6.22.1", "Microsoft Corporation", 88),
        ("Intune Company Portal", "5.2410.0", "Microsoft Corporation", 99),
        ("WhatsApp", "24.22.80", "WhatsApp Inc.", 48),
        ("Contoso Field Service", "2.4.0", "Contoso IT", 22),
        ("Zoom", "6.2.7", "Zoom Video Communications", 30),
    ),
    "iPadOS": (
        ("Intune Company Portal", "5.2410.0", "Microsoft Corporation", 99),
        ("Microsoft Teams", "6.22.1", "Microsoft Corporation", 80),
        ("Microsoft Word", "2.91", "Microsoft Corporation", 60),
        ("Contoso Kiosk Check-in", "1.9.3", "Contoso IT", 35),
    ),
    "Android": (
        ("Microsoft Authenticator", "6.2410.6989", "Microsoft Corporation", 94),
        ("Microsoft Outlook", "4.2445.1", "Microsoft Corporation", 86),
        ("Microsoft Teams", "1416/1.0.0.2024223902", "Microsoft Corporation", 84),
        ("Company Portal", "5.0.6358.0", "Microsoft Corporation", 99),
        ("Microsoft Defender", "1.0.7028.0101", "Microsoft Corporation", 56),
        ("Zebra DataWedge", "15.0.22", "Zebra Technologies", 12),
        ("Contoso Field Service", "2.4.0", "Contoso IT", 25),
    ),
    "Linux": (
        ("intune-portal", "1.2410.18", "Microsoft Corporation", 99),
        ("microsoft-edge-stable", "131.0.2903.51-1", "Microsoft Corporation", 85),
        ("code", "1.95.3-1731513102", "Microsoft Corporation", 70),
        ("docker-ce", "5:27.3.1-1~ubuntu.22.04~jammy", "Docker Inc.", 45),
    ),
}
_DETECTED_PLATFORM = {"Windows": "windows", "macOS": "macOS", "iOS": "ios", "iPadOS": "ios",
                      "Android": "androidWorkProfile", "Linux": "unknown"}


def _has_detected_app(os_name: str, app_position: int, index: int, prevalence: int) -> bool:
    salt = _stable_os_hash(os_name) + app_position * 7919
    return (index * 2654435761 + salt * 40503) % 1009 * 100 < prevalence * 1009


def _detected_app_id(os_name: str, position: int) -> str:
    value = mix64(_stable_os_hash(os_name) * 1000 + position)
    return f"{value:016x}{mix64(value):016x}{mix64(value + 1) % 16**12:012x}"


def _detected_app_json(os_name: str, position: int, count: int | None) -> dict[str, Any]:
    name, version, publisher, _ = DETECTED_APP_POOL[os_name][position]
    body: dict[str, Any] = {
        "@odata.type": "#microsoft.graph.detectedApp",
        "id": _detected_app_id(os_name, position),
        "displayName": name,
        "version": version,
        "sizeInByte": (mix64(position + 17) % 400 + 5) * 1_048_576,
        "platform": _DETECTED_PLATFORM[os_name],
        "publisher": publisher,
    }
    if count is not None:
        body["deviceCount"] = count
    return body


def _stable_os_hash(os_name: str) -> int:
    return sum((position + 1) * ord(char) for position, char in enumerate(os_name))


def _device_detected_apps(tenant: DemoTenant, ids: list[str], beta: bool) -> RecordSet | None:
    index = _device_index(tenant, ids[0])
    if index is None:
        return None
    os_name = tenant.devices.os[index]
    records = [_detected_app_json(os_name, position, None)
               for position, entry in enumerate(DETECTED_APP_POOL[os_name])
               if _has_detected_app(os_name, position, index, entry[3])]
    return RecordSet(records)


def _detected_app_counts(tenant: DemoTenant) -> dict[tuple[str, int], list[int]]:
    cache_key = tenant.devices.generation
    cached = _DETECTED_CACHE.get(id(tenant))
    if cached is not None and cached[0] == cache_key:
        return cached[1]
    store = tenant.devices
    holders: dict[tuple[str, int], list[int]] = {}
    by_os: dict[str, list[int]] = {}
    for index in store.live_indices():
        by_os.setdefault(store.os[index], []).append(index)
    for os_name, pool in DETECTED_APP_POOL.items():
        devices = by_os.get(os_name, [])
        for position, entry in enumerate(pool):
            holders[(os_name, position)] = [
                index for index in devices if _has_detected_app(os_name, position, index, entry[3])
            ]
    _DETECTED_CACHE[id(tenant)] = (cache_key, holders)
    return holders


_DETECTED_CACHE: dict[int, tuple[int, dict[tuple[str, int], list[int]]]] = {}


def _tenant_detected_apps(tenant: DemoTenant, ids: list[str], beta: bool) -> RecordSet:
    holders = _detected_app_counts(tenant)
    records = [_detected_app_json(os_name, position, len(devices))
               for (os_name, position), devices in holders.items() if devices]
    return RecordSet(records)


def _detected_app_devices(tenant: DemoTenant, ids: list[str], beta: bool) -> RecordSet | None:
    store = tenant.devices

    def render(index: int) -> dict[str, Any]:
        return {"@odata.type": "#microsoft.graph.managedDevice",
                "id": store.id_of(index), "deviceName": store.device_name(index)}

    for (os_name, position), devices in _detected_app_counts(tenant).items():
        if _detected_app_id(os_name, position) == ids[0].lower():
            return RecordSet(devices, store.value, render, store.id_of)
    return None


# --- remote action audits (beta) -----------------------------------------------------------------
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


def _remote_action_audits(tenant: DemoTenant, ids: list[str], beta: bool) -> RecordSet:
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
            "deviceIMEI": _imei(store, index),
            "actionState": record.state_at(store.clock()),
            "managedDeviceId": store.id_of(index),
            "deviceActionCategory": "bulk" if bulk_id else "single",
            "bulkDeviceActionId": bulk_id,
        }

    def getter(entry: Any, prop: str) -> Any:
        return render(entry).get(prop)

    return RecordSet(list(tenant.audits), getter, render, lambda entry: render(entry)["id"])


def _app_install_summary(tenant: DemoTenant, app_id: str) -> dict[str, Any] | None:
    app = tenant.find("deviceAppManagement/mobileApps", app_id)
    if app is None:
        return None
    counts = Counter(_app_install_state(tenant, app, index)
                     for index in _app_target_devices(tenant, app))
    users = max(1, len(tenant.users))
    scale = min(1.0, users / max(1, len(tenant.devices)))
    return {
        "@odata.type": "#microsoft.graph.mobileAppInstallSummary",
        "id": app["id"],
        "installedDeviceCount": counts["installed"],
        "failedDeviceCount": counts["failed"],
        "notApplicableDeviceCount": counts["notApplicable"],
        "notInstalledDeviceCount": counts["notInstalled"],
        "pendingInstallDeviceCount": counts["pendingInstall"],
        "installedUserCount": int(counts["installed"] * scale),
        "failedUserCount": int(counts["failed"] * scale),
        "notApplicableUserCount": int(counts["notApplicable"] * scale),
        "notInstalledUserCount": int(counts["notInstalled"] * scale),
        "pendingInstallUserCount": int(counts["pendingInstall"] * scale),
    }


def _app_target_devices(tenant: DemoTenant, app: dict[str, Any]) -> list[int]:
    if not app.get("_assigned"):
        return []
    store = tenant.devices
    platforms = app["_platforms"]
    return [index for index in store.live_indices() if store.os[index] in platforms]


def _app_install_state(tenant: DemoTenant, app: dict[str, Any], index: int) -> str:
    roll = mix64(app["_salt"] * 1_000_033 + index) % 1000
    if roll < 30:
        return "failed"
    if roll < 80:
        return "pendingInstall"
    if roll < 110:
        return "notApplicable"
    if roll < 200:
        return "notInstalled"
    return "installed"


# Failed installs report one of the documented codes (app-install-error-codes, learn.microsoft.com,
# read 2026-12-06) or, now and then, one that page does not list (0x87D13C38).
_APP_ERROR_CODES = (-2016345060, -942583883, -942583886, -942583878, -2016330696)


def _app_error_code(app: dict[str, Any], index: int) -> int:
    return _APP_ERROR_CODES[mix64(app["_salt"] * 7_919 + index) % len(_APP_ERROR_CODES)]


def _app_device_statuses(tenant: DemoTenant, ids: list[str], beta: bool) -> RecordSet | None:
    app = tenant.find("deviceAppManagement/mobileApps", ids[0])
    if app is None:
        return None
    store = tenant.devices

    def render(index: int) -> dict[str, Any]:
        state = _app_install_state(tenant, app, index)
        user = store.user[index]
        return {
            "@odata.type": "#microsoft.graph.mobileAppInstallStatus",
            "id": f"{app['id']}_{store.id_of(index)}",
            "deviceName": store.device_name(index),
            "deviceId": store.id_of(index),
            "lastSyncDateTime": _seconds_ago(store, store.sync_age[index]),
            "mobileAppInstallStatusValue": state,
            "installState": state,
            "installStateDetail": "installingDependencies" if state == "pendingInstall"
            else ("contentDownloadFailed" if state == "failed" else "noAdditionalDetails"),
            "errorCode": _app_error_code(app, index) if state == "failed" else 0,
            "osVersion": store.os_version[index],
            "osDescription": store.os[index],
            "userName": tenant.users.display_name(user) if user >= 0 else "",
            "userPrincipalName": tenant.users.upn[user] if user >= 0 else "",
            "displayVersion": app.get("displayVersion"),
        }

    return RecordSet(_app_target_devices(tenant, app), lambda index, prop: render(index).get(prop),
                     render, lambda index: f"{app['id']}_{store.id_of(index)}")


_COMPUTED: dict[str, Callable[[DemoTenant, list[str], bool], RecordSet | None]] = {
    "deviceManagement/managedDevices": _device_records,
    "deviceManagement/managedDevices/{id}/users": _device_users,
    "deviceManagement/managedDevices/{id}/deviceCompliancePolicyStates":
        _device_compliance_states,
    "deviceManagement/managedDevices/{id}/deviceConfigurationStates":
        _device_configuration_states,
    "deviceManagement/managedDevices/{id}/detectedApps": _device_detected_apps,
    "deviceManagement/detectedApps": _tenant_detected_apps,
    "deviceManagement/detectedApps/{id}/managedDevices": _detected_app_devices,
    "deviceManagement/deviceConfigurations/{id}/deviceStatuses":
        _policy_device_statuses("deviceManagement/deviceConfigurations"),
    "deviceManagement/deviceCompliancePolicies/{id}/deviceStatuses":
        _policy_device_statuses("deviceManagement/deviceCompliancePolicies"),
    "deviceManagement/remoteActionAudits": _remote_action_audits,
    "deviceAppManagement/mobileApps/{id}/deviceStatuses": _app_device_statuses,
}
_COMPUTED_SINGLETONS: dict[str, Callable[[DemoTenant], dict[str, Any]]] = {
    "deviceManagement/managedDeviceOverview": _managed_device_overview,
    "deviceManagement/deviceCompliancePolicyDeviceStateSummary": _compliance_state_summary,
}
_COMPUTED_ITEM_SINGLETONS: dict[str, Callable[[DemoTenant, str], dict[str, Any] | None]] = {
    "deviceManagement/deviceConfigurations/{id}/deviceStatusOverview":
        lambda tenant, item_id: policy_overview(tenant, "deviceManagement/deviceConfigurations",
                                                item_id),
    "deviceManagement/deviceCompliancePolicies/{id}/deviceStatusOverview":
        lambda tenant, item_id: policy_overview(
            tenant, "deviceManagement/deviceCompliancePolicies", item_id),
    "deviceAppManagement/mobileApps/{id}/installSummary": _app_install_summary,
    "deviceManagement/managedDevices/{id}/deviceCategory": lambda tenant, device_id:
        _device_category(tenant, device_id),
}


def _device_category(tenant: DemoTenant, device_id: str) -> dict[str, Any] | None:
    index = tenant.devices.index_of(device_id)
    if index is None:
        return None
    name = tenant.devices.category[index]
    for category in tenant.collections.get("deviceManagement/deviceCategories", []):
        if category["displayName"] == name:
            return dict_render(category)
    return {"@odata.type": "#microsoft.graph.deviceCategory",
            "id": "00000000-0000-0000-0000-000000000000", "displayName": name,
            "description": None}


# --- the static catalog: groups, apps, policies, RBAC, service configuration -----------------
GROUPS: tuple[str, ...] = (
    "All Windows devices", "All iOS devices", "All Android devices", "All macOS devices",
    "Sales users", "Engineering users", "Finance users", "Frontline kiosks", "Pilot ring",
    "Executives", "Helpdesk staff", "Intune admins", "EMEA devices", "Americas devices",
    "Linux engineering workstations",
)


class _Catalog:
    """Builds the static collections with one seeded RNG and stable ids."""

    def __init__(self, tenant: DemoTenant, rng: random.Random) -> None:
        self.tenant = tenant
        self.rng = rng
        self.salt_counter = 100
        self.groups = {name: guid_from(tenant.seed, 20, position)
                       for position, name in enumerate(GROUPS)}
        self.filters: dict[str, str] = {}

    def new_id(self) -> str:
        self.salt_counter += 1
        return guid_from(self.tenant.seed, 30, self.salt_counter)

    def moment(self, days_ago_low: int, days_ago_high: int) -> str:
        seconds = self.rng.randrange(days_ago_low * DAY, days_ago_high * DAY + 1)
        return iso(self.tenant.now - timedelta(seconds=seconds))

    def add(self, path: str, item: dict[str, Any]) -> dict[str, Any]:
        self.tenant.collection(path).append(item)
        return item

    def add_children(self, path: str, parent_id: str, items: list[dict[str, Any]]) -> None:
        self.tenant.children.setdefault(path, {})[parent_id] = items

    # --- assignments ---
    def target(self, group: str | None, *, exclude: bool = False,
               filter_name: str | None = None, filter_type: str = "include") -> dict[str, Any]:
        if group == "all users":
            body: dict[str, Any] = {
                "@odata.type": "#microsoft.graph.allLicensedUsersAssignmentTarget"}
        elif group == "all devices":
            body = {"@odata.type": "#microsoft.graph.allDevicesAssignmentTarget"}
        else:
            kind = "exclusionGroupAssignmentTarget" if exclude else "groupAssignmentTarget"
            body = {"@odata.type": f"#microsoft.graph.{kind}", "groupId": self.groups[group or
                                                                                     GROUPS[0]]}
        body["deviceAndAppManagementAssignmentFilterId"] = (
            self.filters.get(filter_name) if filter_name else None)
        body["deviceAndAppManagementAssignmentFilterType"] = filter_type if filter_name else "none"
        return body

    def policy_assignments(self, groups: list[str]) -> list[dict[str, Any]]:
        assignments = []
        for position, group in enumerate(groups):
            exclude = group.startswith("!")
            target = self.target(group.lstrip("!"), exclude=exclude,
                                 filter_name="Corporate devices only"
                                 if position == 0 and self.rng.random() < 0.3 else None)
            assignments.append({"@odata.type": "#microsoft.graph.deviceConfigurationAssignment",
                                "id": self.new_id(), "target": target})
        return assignments


def _build_filters(catalog: _Catalog) -> None:
    specs = (
        ("Corporate devices only", "windows10AndLater", '(device.deviceOwnership -eq "Corporate")'),
        ("Windows 11 only", "windows10AndLater", '(device.osVersion -startsWith "10.0.22")'),
        ("Supervised iPhones", "iOS", "(device.isSupervised -eq True)"),
        ("Zebra scanners", "androidForWork", '(device.manufacturer -eq "Zebra Technologies")'),
    )
    for name, platform, rule in specs:
        filter_id = catalog.new_id()
        catalog.filters[name] = filter_id
        catalog.add("deviceManagement/assignmentFilters", {
            "@odata.type": "#microsoft.graph.deviceAndAppManagementAssignmentFilter",
            "id": filter_id, "displayName": name, "description": "", "platform": platform,
            "rule": rule, "createdDateTime": catalog.moment(200, 400),
            "lastModifiedDateTime": catalog.moment(10, 199), "roleScopeTags": ["0"],
            "assignmentFilterManagementType": "devices", "_betaOnly": True,
        })


# --- apps ----------------------------------------------------------------------------------------
WIN32_APPS: tuple[tuple[str, str, str], ...] = (
    ("7-Zip", "Igor Pavlov", "24.08"), ("Notepad++", "Notepad++ Team", "8.7.1"),
    ("Google Chrome Enterprise", "Google LLC", "131.0.6778.70"),
    ("Mozilla Firefox ESR", "Mozilla", "128.4.0"), ("Zoom Workplace", "Zoom", "6.2.6"),
    ("Adobe Acrobat Reader DC", "Adobe", "24.004.20220"), ("VLC media player", "VideoLAN",
                                                           "3.0.21"),
    ("Cisco Secure Client", "Cisco Systems", "5.1.6.103"), ("Git for Windows", "Git", "2.47.0"),
    ("Visual Studio Code (System)", "Microsoft", "1.95.3"), ("Python 3.12", "PSF", "3.12.7"),
    ("Slack (machine-wide)", "Slack Technologies", "4.41.97"),
    ("Contoso Expense Tool", "Contoso IT", "3.2.1"), ("Contoso VPN Profile", "Contoso IT", "1.4"),
    ("Dell Command | Update", "Dell Inc.", "5.4.0"), ("HP Support Assistant", "HP", "9.35"),
    ("Lenovo Commercial Vantage", "Lenovo", "10.2405.3"), ("Citrix Workspace", "Citrix",
                                                           "24.9.10"),
    ("Microsoft Power BI Desktop", "Microsoft", "2.137.1102.0"),
    ("Microsoft Visual C++ Redistributable", "Microsoft", "14.40.33810"),
    ("Paint.NET", "dotPDN LLC", "5.1"), ("Greenshot", "Greenshot", "1.2.10"),
    ("KeePassXC", "KeePassXC Team", "2.7.9"), ("WinSCP", "Martin Prikryl", "6.3.5"),
    ("PuTTY", "Simon Tatham", "0.81"), ("FileZilla Client", "Tim Kosse", "3.68.1"),
    ("Wireshark", "Wireshark Foundation", "4.4.1"), ("Postman", "Postman", "11.19"),
    ("Docker Desktop", "Docker Inc.", "4.35.1"), ("Node.js LTS", "OpenJS Foundation", "22.11.0"),
    ("Java Runtime (Temurin 21)", "Eclipse Adoptium", "21.0.5"), ("SAP GUI for Windows",
                                                                  "SAP", "8.00 PL 11"),
    ("Contoso Time Clock", "Contoso IT", "2.0.7"), ("Contoso Label Printer Driver",
                                                    "Contoso IT", "7.1"),
    ("Snagit", "TechSmith", "2024.2.3"), ("Foxit PDF Editor", "Foxit", "2024.3.0"),
    ("Tableau Desktop", "Salesforce", "2024.3.1"), ("Autodesk DWG TrueView", "Autodesk",
                                                    "2025"),
    ("R for Windows", "R Foundation", "4.4.2"), ("Microsoft Remote Desktop", "Microsoft",
                                                 "1.2.5713"),
    ("BeyondTrust Remote Support Rep", "BeyondTrust", "24.2.2"),
    ("Contoso Legacy CRM", "Contoso IT", "9.1.4"),
)
IOS_STORE_APPS: tuple[tuple[str, str, str], ...] = (
    ("Microsoft Outlook", "Microsoft Corporation", "com.microsoft.Office.Outlook"),
    ("Microsoft Teams", "Microsoft Corporation", "com.microsoft.skype.teams"),
    ("Microsoft Authenticator", "Microsoft Corporation", "com.microsoft.azureauthenticator"),
    ("Microsoft Edge", "Microsoft Corporation", "com.microsoft.msedge"),
    ("Microsoft Word", "Microsoft Corporation", "com.microsoft.Office.Word"),
    ("Microsoft Excel", "Microsoft Corporation", "com.microsoft.Office.Excel"),
    ("Microsoft OneDrive", "Microsoft Corporation", "com.microsoft.skydrive"),
    ("Zoom", "Zoom Video Communications", "us.zoom.videomeetings"),
    ("Slack", "Slack Technologies", "com.tinyspeck.chatlyio"),
    ("Salesforce", "Salesforce", "com.salesforce.chatter"),
    ("ServiceNow Agent", "ServiceNow", "com.servicenow.fulfiller"),
    ("Adobe Acrobat Reader", "Adobe", "com.adobe.Adobe-Reader"),
    ("Cisco Secure Client", "Cisco", "com.cisco.anyconnect"),
    ("Webex", "Cisco", "com.webex.meeting"),
    ("Workday", "Workday", "com.workday.workdayapp"),
    ("Concur", "SAP Concur", "com.concur.concurmobile"),
)
ANDROID_APPS: tuple[tuple[str, str, str], ...] = (
    ("Microsoft Outlook", "Microsoft Corporation", "com.microsoft.office.outlook"),
    ("Microsoft Teams", "Microsoft Corporation", "com.microsoft.teams"),
    ("Microsoft Authenticator", "Microsoft Corporation", "com.azure.authenticator"),
    ("Microsoft Defender", "Microsoft Corporation", "com.microsoft.scmx"),
    ("Microsoft Edge", "Microsoft Corporation", "com.microsoft.emmx"),
    ("Managed Home Screen", "Microsoft Corporation", "com.microsoft.launcher.enterprise"),
    ("Zoom", "Zoom Video Communications", "us.zoom.videomeetings"),
    ("Slack", "Slack Technologies", "com.Slack"),
    ("Zebra DataWedge", "Zebra Technologies", "com.symbol.datawedge"),
    ("Contoso Field Service", "Contoso IT", "com.contoso.fieldservice"),
    ("Salesforce", "Salesforce", "com.salesforce.chatter"),
    ("Workday", "Workday", "com.workday.workdroidapp"),
    ("Webex", "Cisco", "com.cisco.webex.meetings"),
    ("Adobe Acrobat Reader", "Adobe", "com.adobe.reader"),
    ("ServiceNow Agent", "ServiceNow", "com.servicenow.fulfiller"),
    ("Cisco Secure Client", "Cisco", "com.cisco.anyconnect.vpn.android.avf"),
    ("Microsoft OneDrive", "Microsoft Corporation", "com.microsoft.skydrive"),
    ("Microsoft Word", "Microsoft Corporation", "com.microsoft.office.word"),
)
WINGET_APPS: tuple[tuple[str, str, str], ...] = (
    ("Microsoft PowerToys", "Microsoft Corporation", "XP89DCGQ3K6VLD"),
    ("Windows Terminal", "Microsoft Corporation", "9N0DX20HK701"),
    ("Company Portal", "Microsoft Corporation", "9WZDNCRFJ3PZ"),
    ("Microsoft To Do", "Microsoft Corporation", "9NBLGGH5R558"),
    ("WhatsApp", "WhatsApp Inc.", "9NKSQGP7F2NH"),
    ("Spotify", "Spotify AB", "9NCBCSZSJRSB"),
    ("Microsoft Whiteboard", "Microsoft Corporation", "9MSPC6MP8FM4"),
    ("Adobe Express", "Adobe Inc.", "9P94LH3Q1CP5"),
    ("Microsoft Loop", "Microsoft Corporation", "9NFZQ5WBWK11"),
    ("Python 3.12", "Python Software Foundation", "9NCVDN91XZQP"),
    ("Windows App", "Microsoft Corporation", "9N1F85V9T8BN"),
    ("Netflix", "Netflix, Inc.", "9WZDNCRFJ3TJ"),
)
WEB_APPS: tuple[tuple[str, str], ...] = (
    ("Contoso Intranet", "https://intranet.contoso-demo.com"),
    ("Expense portal", "https://expenses.contoso-demo.com"),
    ("IT Self-service", "https://it.contoso-demo.com/self-service"),
    ("HR Benefits", "https://benefits.contoso-demo.com"),
    ("Microsoft 365 portal", "https://www.office.com"),
    ("Status page", "https://status.contoso-demo.com"),
    ("Learning hub", "https://learn.contoso-demo.com"),
    ("Travel booking", "https://travel.contoso-demo.com"),
    ("Timesheets", "https://time.contoso-demo.com"),
    ("Security awareness", "https://security.contoso-demo.com/training"),
)
APP_CATEGORIES = ("Business", "Productivity", "Collaboration & Social", "Developer tools",
                  "Utilities", "Security", "Books & Reference", "Photos & Media",
                  "Data management", "Computer management", "Other apps")
_APP_PLATFORMS: dict[str, tuple[str, ...]] = {
    "win32LobApp": ("Windows",), "winGetApp": ("Windows",), "officeSuiteApp": ("Windows",),
    "windowsMicrosoftEdgeApp": ("Windows",), "microsoftStoreForBusinessApp": ("Windows",),
    "windowsUniversalAppX": ("Windows",), "windowsMobileMSI": ("Windows",),
    "windowsWebApp": ("Windows",), "futureShinyApp": ("Windows",),
    "iosVppApp": ("iOS", "iPadOS"), "iosStoreApp": ("iOS", "iPadOS"),
    "iosLobApp": ("iOS", "iPadOS"), "managedIOSStoreApp": ("iOS", "iPadOS"),
    "managedIOSLobApp": ("iOS", "iPadOS"), "iosiPadOSWebClip": ("iOS", "iPadOS"),
    "androidManagedStoreApp": ("Android",), "androidStoreApp": ("Android",),
    "androidLobApp": ("Android",), "managedAndroidStoreApp": ("Android",),
    "managedAndroidLobApp": ("Android",),
    "macOSDmgApp": ("macOS",), "macOSPkgApp": ("macOS",), "macOSLobApp": ("macOS",),
    "macOSMicrosoftEdgeApp": ("macOS",), "macOSMicrosoftDefenderApp": ("macOS",),
    "macOSOfficeSuiteApp": ("macOS",),
    "webApp": ("Windows", "iOS", "iPadOS", "Android", "macOS", "Linux"),
}
_APP_ASSIGNMENT_SETTINGS: dict[str, dict[str, Any]] = {
    "win32LobApp": {"@odata.type": "#microsoft.graph.win32LobAppAssignmentSettings",
                    "notifications": "showAll", "restartSettings": None,
                    "installTimeSettings": None, "deliveryOptimizationPriority": "notConfigured"},
    "iosVppApp": {"@odata.type": "#microsoft.graph.iosVppAppAssignmentSettings",
                  "useDeviceLicensing": True, "vpnConfigurationId": None,
                  "uninstallOnDeviceRemoval": True, "isRemovable": False,
                  "preventManagedAppBackup": True},
    "winGetApp": {"@odata.type": "#microsoft.graph.winGetAppAssignmentSettings",
                  "notifications": "showReboot", "installTimeSettings": None,
                  "restartSettings": None},
}


class _AppFactory:
    def __init__(self, catalog: _Catalog) -> None:
        self.catalog = catalog
        self.count = 0

    def add(self, odata_type: str, name: str, publisher: str, extra: dict[str, Any], *,
            beta_only: bool = False, assign: bool | None = None) -> dict[str, Any]:
        catalog = self.catalog
        rng = catalog.rng
        self.count += 1
        created = catalog.moment(120, 1200)
        app: dict[str, Any] = {
            "@odata.type": f"#microsoft.graph.{odata_type}",
            "id": catalog.new_id(),
            "displayName": name,
            "description": f"{name} by {publisher}.",
            "publisher": publisher,
            "largeIcon": None,
            "createdDateTime": created,
            "lastModifiedDateTime": catalog.moment(1, 119),
            "isFeatured": rng.random() < 0.1,
            "privacyInformationUrl": None,
            "informationUrl": None,
            "owner": "Contoso IT" if publisher.startswith("Contoso") else "",
            "developer": "",
            "notes": "",
            "publishingState": "published",
            "roleScopeTagIds": ["0"],
            "dependentAppCount": 0,
            "supersedingAppCount": 0,
            "supersededAppCount": 0,
            "uploadState": 1,
            **extra,
        }
        kind = odata_type
        if beta_only or f"#microsoft.graph.{kind}" in rules.BETA_ONLY_APP_TYPES:
            app["_betaOnly"] = True
        app["_platforms"] = _APP_PLATFORMS.get(kind, ("Windows",))
        app["_salt"] = self.count
        will_assign = rng.random() < 0.75 if assign is None else assign
        assignments = self.assignments(app, kind) if will_assign else []
        app["isAssigned"] = bool(assignments)
        app["_assigned"] = any(item["intent"] in ("required", "available")
                               for item in assignments)
        catalog.add("deviceAppManagement/mobileApps", app)
        catalog.add_children("deviceAppManagement/mobileApps/{id}/assignments", app["id"],
                             assignments)
        categories = [category for category in catalog.tenant.collections[
            "deviceAppManagement/mobileAppCategories"] if rng.random() < 0.15][:2]
        catalog.add_children("deviceAppManagement/mobileApps/{id}/categories", app["id"],
                             categories)
        return app

    def assignments(self, app: dict[str, Any], kind: str) -> list[dict[str, Any]]:
        catalog = self.catalog
        rng = catalog.rng
        platform_group = {"Windows": "All Windows devices", "iOS": "All iOS devices",
                          "iPadOS": "All iOS devices", "Android": "All Android devices",
                          "macOS": "All macOS devices", "Linux": "Linux engineering workstations"}
        first_platform = app["_platforms"][0]
        plans: list[tuple[str, str | None]] = []
        roll = rng.random()
        if roll < 0.4:
            plans.append(("required", platform_group[first_platform]))
        elif roll < 0.7:
            plans.append(("available", "all users"))
        else:
            plans.append(("required", rng.choice(["Sales users", "Engineering users",
                                                  "Finance users", "Pilot ring"])))
        if rng.random() < 0.3:
            plans.append(("available", rng.choice(["Helpdesk staff", "Executives"])))
        if rng.random() < 0.1:
            plans.append(("uninstall", "Frontline kiosks"))
        if rng.random() < 0.08 and first_platform in ("iOS", "Android"):
            plans.append(("availableWithoutEnrollment", "all users"))
        out: list[dict[str, Any]] = []
        for intent, group in plans:
            filter_name = None
            if first_platform == "Windows" and rng.random() < 0.25:
                filter_name = "Corporate devices only"
            elif first_platform == "Android" and rng.random() < 0.25:
                filter_name = "Zebra scanners"
            out.append({
                "@odata.type": "#microsoft.graph.mobileAppAssignment",
                "id": f"{catalog.new_id()}_{len(out)}_0",
                "intent": intent,
                "target": catalog.target(group, filter_name=filter_name,
                                         filter_type="include"),
                "settings": _APP_ASSIGNMENT_SETTINGS.get(kind),
            })
        return out


def _win32_extra(rng: random.Random, name: str, publisher: str, version: str) -> dict[str, Any]:
    slug = name.lower().replace(" ", "-").replace("(", "").replace(")", "").replace("|", "")
    is_msi = rng.random() < 0.5
    product_code = "{" + str(uuid_from_rng(rng)).upper() + "}"
    setup = f"{slug}-{version}-x64.msi" if is_msi else f"{slug}-{version}-setup.exe"
    if is_msi:
        install = f'msiexec /i "{setup}" /qn /norestart'
        uninstall = f"msiexec /x {product_code} /qn"
        detection: dict[str, Any] = {
            "@odata.type": "#microsoft.graph.win32LobAppProductCodeRule",
            "ruleType": "detection", "productCode": product_code,
            "productVersionOperator": "greaterThanOrEqual", "productVersion": version,
        }
    else:
        install = f'"{setup}" /S /norestart'
        uninstall = f'"%ProgramFiles%\\{name}\\uninstall.exe" /S'
        detection = {
            "@odata.type": "#microsoft.graph.win32LobAppFileSystemRule",
            "ruleType": "detection", "path": f"%ProgramFiles%\\{name}",
            "fileOrFolderName": f"{slug}.exe", "check32BitOn64System": False,
            "operationType": "version", "operator": "greaterThanOrEqual",
            "comparisonValue": version,
        }
    rules_list = [detection]
    if rng.random() < 0.3:
        rules_list.append({
            "@odata.type": "#microsoft.graph.win32LobAppRegistryRule",
            "ruleType": "requirement", "check32BitOn64System": False,
            "keyPath": "HKEY_LOCAL_MACHINE\\SOFTWARE\\Contoso\\Baseline",
            "valueName": "Ring", "operationType": "string", "operator": "equal",
            "comparisonValue": "Broad",
        })
    return {
        "committedContentVersion": "1",
        "fileName": f"{slug}.intunewin",
        "size": rng.randrange(2, 900) * 1_048_576,
        "installCommandLine": install,
        "uninstallCommandLine": uninstall,
        "applicableArchitectures": "x64",
        "allowedArchitectures": "x64,arm64",
        "minimumFreeDiskSpaceInMB": rng.choice([None, 500, 2048]),
        "minimumMemoryInMB": rng.choice([None, 4096]),
        "minimumNumberOfProcessors": None,
        "minimumCpuSpeedInMHz": None,
        "rules": rules_list,
        "installExperience": {"runAsAccount": "system",
                              "deviceRestartBehavior": "basedOnReturnCode",
                              "maxRunTimeInMinutes": 60},
        "returnCodes": [
            {"returnCode": 0, "type": "success"}, {"returnCode": 1707, "type": "success"},
            {"returnCode": 3010, "type": "softReboot"}, {"returnCode": 1641, "type": "hardReboot"},
            {"returnCode": 1618, "type": "retry"},
        ],
        "msiInformation": {"productCode": product_code, "productVersion": version,
                           "upgradeCode": None, "requiresReboot": False,
                           "packageType": "perMachine", "productName": name,
                           "publisher": publisher} if is_msi else None,
        "setupFilePath": setup,
        "minimumSupportedWindowsRelease": rng.choice(["1607", "21H2", "22H2"]),
        "displayVersion": version,
        "allowAvailableUninstall": rng.random() < 0.5,
    }


def uuid_from_rng(rng: random.Random) -> str:
    value = rng.getrandbits(128)
    text = f"{value:032x}"
    return f"{text[:8]}-{text[8:12]}-4{text[13:16]}-a{text[17:20]}-{text[20:]}"


def _build_apps(catalog: _Catalog) -> None:
    rng = catalog.rng
    for position, name in enumerate(APP_CATEGORIES):
        catalog.add("deviceAppManagement/mobileAppCategories", {
            "@odata.type": "#microsoft.graph.mobileAppCategory",
            "id": guid_from(catalog.tenant.seed, 21, position), "displayName": name,
            "lastModifiedDateTime": catalog.moment(300, 900)})
    factory = _AppFactory(catalog)
    for name, publisher, version in WIN32_APPS:
        factory.add("win32LobApp", f"{name} {version}" if rng.random() < 0.5 else name,
                    publisher, _win32_extra(rng, name, publisher, version))
    store_country = "us"
    for name, publisher, bundle in IOS_STORE_APPS[:12]:
        total = rng.choice([25, 50, 100, 250, 500, 1000])
        used = rng.randrange(0, total + 1)
        if name == "Microsoft Teams":
            used = total  # every licence in use: the helpdesk sees "0 left"
        factory.add("iosVppApp", name, publisher, {
            "usedLicenseCount": used, "totalLicenseCount": total,
            "releaseDateTime": catalog.moment(400, 2000),
            "appStoreUrl": f"https://apps.apple.com/{store_country}/app/"
                           f"id{rng.randrange(10**8, 10**10)}",
            "licensingType": {"supportUserLicensing": True, "supportDeviceLicensing": True,
                              "supportsUserLicensing": True, "supportsDeviceLicensing": True},
            "applicableDeviceType": {"iPad": True, "iPhoneAndIPod": True},
            "vppTokenOrganizationName": "Contoso Demo Ltd", "vppTokenAccountType": "business",
            "vppTokenAppleId": "vpp@contoso-demo.com", "bundleId": bundle,
            "vppTokenId": None, "revokeLicenseActionResults": [],
        })
    for name, publisher, bundle in IOS_STORE_APPS[4:14]:
        factory.add("iosStoreApp", f"{name} (store)", publisher, {
            "bundleId": bundle,
            "appStoreUrl": f"https://apps.apple.com/us/app/id{rng.randrange(10**8, 10**10)}",
            "applicableDeviceType": {"iPad": True, "iPhoneAndIPod": True},
            "minimumSupportedOperatingSystem": {"v15_0": True, "v16_0": False,
                                                "v17_0": False},
        })
    for name, publisher, bundle in IOS_STORE_APPS[:6]:
        factory.add("managedIOSStoreApp", name, publisher, {
            "appAvailability": "global", "version": None, "bundleId": bundle,
            "appStoreUrl": f"https://apps.apple.com/us/app/id{rng.randrange(10**8, 10**10)}",
            "applicableDeviceType": {"iPad": True, "iPhoneAndIPod": True},
            "minimumSupportedOperatingSystem": {"v15_0": True},
        }, assign=False)
    for name, publisher, package in ANDROID_APPS[:6]:
        factory.add("managedAndroidStoreApp", name, publisher, {
            "appAvailability": "global", "version": None, "packageId": package,
            "appStoreUrl": f"https://play.google.com/store/apps/details?id={package}",
            "minimumSupportedOperatingSystem": {"v8_0": True},
        }, assign=False)
    for name, publisher, package in ANDROID_APPS[:14]:
        total = rng.choice([0, 0, 100, 500])
        factory.add("androidManagedStoreApp", name, publisher, {
            "packageId": package, "appIdentifier": package,
            "usedLicenseCount": rng.randrange(0, total + 1), "totalLicenseCount": total,
            "appStoreUrl": f"https://play.google.com/store/apps/details?id={package}",
            "isPrivate": publisher.startswith("Contoso"), "isSystemApp": False,
            "supportsOemConfig": name == "Zebra DataWedge", "appTracks": [],
        })
    for name, publisher, package in ANDROID_APPS[12:16]:
        factory.add("androidStoreApp", f"{name} (legacy store link)", publisher, {
            "packageId": package,
            "appStoreUrl": f"https://play.google.com/store/apps/details?id={package}",
            "minimumSupportedOperatingSystem": {"v8_0": True},
        })
    for name, publisher, bundle, version in (
        ("Slack for macOS", "Slack Technologies", "com.tinyspeck.slackmacgap", "4.41.97"),
        ("Zoom for macOS", "Zoom", "us.zoom.xos", "6.2.6"),
        ("Google Chrome for macOS", "Google LLC", "com.google.Chrome", "131.0.6778.70"),
        ("Docker Desktop for Mac", "Docker Inc.", "com.docker.docker", "4.35.1"),
        ("Visual Studio Code for Mac", "Microsoft", "com.microsoft.VSCode", "1.95.3"),
        ("Contoso Printer Setup", "Contoso IT", "com.contoso.printers", "1.2"),
    ):
        factory.add("macOSDmgApp", name, publisher, {
            "primaryBundleId": bundle, "primaryBundleVersion": version,
            "includedApps": [{"bundleId": bundle, "bundleVersion": version}],
            "ignoreVersionDetection": False,
            "minimumSupportedOperatingSystem": {"v13_0": True},
            "fileName": f"{bundle}.dmg", "size": rng.randrange(50, 900) * 1_048_576,
            "committedContentVersion": "1",
        })
    for name, publisher, bundle in (("Contoso Root CA installer", "Contoso IT",
                                     "com.contoso.rootca"),
                                    ("Jamf Connect", "Jamf", "com.jamf.connect")):
        factory.add("macOSPkgApp", name, publisher, {
            "primaryBundleId": bundle, "primaryBundleVersion": "2.1",
            "includedApps": [{"bundleId": bundle, "bundleVersion": "2.1"}],
            "ignoreVersionDetection": True, "preInstallScript": None,
            "postInstallScript": None, "fileName": f"{bundle}.pkg", "size": 12_582_912,
        })
    for name, publisher, bundle in (("Contoso Mac Agent", "Contoso IT", "com.contoso.agent"),
                                    ("Legacy VPN for Mac", "Contoso IT", "com.contoso.vpn")):
        factory.add("macOSLobApp", name, publisher, {
            "bundleId": bundle, "buildNumber": "412", "versionNumber": "3.0",
            "childApps": [], "ignoreVersionDetection": False, "installAsManaged": True,
            "fileName": f"{bundle}.pkg", "size": 4_194_304,
            "minimumSupportedOperatingSystem": {"v12_0": True},
        })
    factory.add("windowsMicrosoftEdgeApp", "Microsoft Edge for Windows 10 and later",
                "Microsoft", {"channel": "stable", "displayLanguageLocale": None})
    factory.add("macOSMicrosoftEdgeApp", "Microsoft Edge for macOS", "Microsoft",
                {"channel": "stable"})
    factory.add("macOSMicrosoftDefenderApp", "Microsoft Defender for Endpoint (macOS)",
                "Microsoft", {})
    factory.add("macOSOfficeSuiteApp", "Microsoft 365 Apps for macOS", "Microsoft", {})
    for name, channel in (("Microsoft 365 Apps for Windows 10 and later", "monthlyEnterprise"),
                          ("Microsoft 365 Apps (Current Channel, pilot)", "current")):
        factory.add("officeSuiteApp", name, "Microsoft", {
            "autoAcceptEula": True, "productIds": ["o365ProPlusRetail"],
            "excludedApps": {"access": True, "bing": True, "excel": False, "groove": True,
                             "infoPath": True, "lync": True, "oneDrive": False,
                             "oneNote": False, "outlook": False, "powerPoint": False,
                             "publisher": True, "sharePointDesigner": True, "teams": False,
                             "visio": True, "word": False},
            "useSharedComputerActivation": False, "updateChannel": channel,
            "officePlatformArchitecture": "x64", "localesToInstall": ["en-us"],
            "installProgressDisplayLevel": "none", "shouldUninstallOlderVersionsOfOffice": True,
            "targetVersion": "", "updateVersion": "", "officeConfigurationXml": None,
        })
    for name, publisher in (("Microsoft Whiteboard (MSfB)", "Microsoft"),
                            ("Company Portal (MSfB)", "Microsoft"),
                            ("OneNote for Windows 10 (MSfB)", "Microsoft"),
                            ("Contoso Kiosk App (MSfB)", "Contoso IT")):
        total = rng.choice([50, 200, 1000])
        factory.add("microsoftStoreForBusinessApp", name, publisher, {
            "usedLicenseCount": rng.randrange(0, total), "totalLicenseCount": total,
            "productKey": f"9{_chars(rng.getrandbits(60), 11)}/0016",
            "licenseType": rng.choice(["offline", "online"]),
            "packageIdentityName": f"Microsoft.{name.split()[0]}",
        })
    for name, publisher, identifier in WINGET_APPS:
        factory.add("winGetApp", name, publisher, {
            "packageIdentifier": identifier, "manifestHash": _chars(rng.getrandbits(200), 40),
            "installExperience": {"runAsAccount": rng.choice(["user", "system"])},
        })
    for name, url in WEB_APPS:
        factory.add("webApp", name, "Contoso IT", {"appUrl": url,
                                                   "useManagedBrowser": rng.random() < 0.5})
    for name, url in WEB_APPS[:3]:
        factory.add("windowsWebApp", f"{name} (Windows)", "Contoso IT", {"appUrl": url})
        factory.add("iosiPadOSWebClip", f"{name} (iOS web clip)", "Contoso IT", {
            "appUrl": url, "useManagedBrowser": True, "fullScreenEnabled": False,
            "ignoreManifestScope": False, "preComposedIconEnabled": False,
            "targetApplicationBundleIdentifier": None})
    for name in ("Contoso Scanner App", "Contoso Badge Reader"):
        factory.add("windowsUniversalAppX", name, "Contoso IT", {
            "applicableArchitectures": "x64,arm64", "applicableDeviceTypes": "desktop",
            "identityName": f"Contoso.{name.split()[1]}", "identityPublisherHash": "8wekyb3d8bbwe",
            "identityResourceIdentifier": None, "isBundle": False,
            "minimumSupportedOperatingSystem": {"v10_0": True}, "identityVersion": "1.4.0.0",
            "fileName": f"{name}.msixbundle", "size": 18_874_368,
        })
    for name in ("Contoso Legacy MSI Tool", "Contoso Password Sync"):
        factory.add("windowsMobileMSI", name, "Contoso IT", {
            "commandLine": "/qn", "productCode": "{" + uuid_from_rng(rng).upper() + "}",
            "productVersion": "2.3.0", "ignoreVersionDetection": False,
            "useDeviceContext": True, "fileName": f"{name}.msi", "size": 7_340_032,
        })
    for name, bundle in (("Contoso Sales (iOS LOB)", "com.contoso.sales"),
                         ("Contoso Inventory (iOS LOB)", "com.contoso.inventory"),
                         ("Contoso Kiosk Check-in", "com.contoso.checkin")):
        factory.add("iosLobApp", name, "Contoso IT", {
            "bundleId": bundle, "applicableDeviceType": {"iPad": True, "iPhoneAndIPod": True},
            "minimumSupportedOperatingSystem": {"v16_0": True},
            "expirationDateTime": iso(catalog.tenant.now + timedelta(days=rng.randrange(5, 300))),
            "versionNumber": "4.2", "buildNumber": "420", "fileName": f"{bundle}.ipa",
            "size": 40_894_464,
        })
    for name, package in (("Contoso Sales (Android LOB)", "com.contoso.sales"),
                          ("Contoso Inventory (Android LOB)", "com.contoso.inventory"),
                          ("Warehouse Picker", "com.contoso.picker")):
        factory.add("androidLobApp", name, "Contoso IT", {
            "packageId": package, "identityName": package, "identityVersion": "31",
            "versionName": "3.1", "versionCode": "31",
            "minimumSupportedOperatingSystem": {"v10_0": True},
            "fileName": f"{package}.apk", "size": 25_165_824,
        })
    factory.add("managedIOSLobApp", "Contoso Secure Notes (MAM)", "Contoso IT", {
        "appAvailability": "lineOfBusiness", "version": "1.0", "bundleId": "com.contoso.notes",
        "applicableDeviceType": {"iPad": True, "iPhoneAndIPod": True},
        "minimumSupportedOperatingSystem": {"v16_0": True}, "versionNumber": "1.0",
        "buildNumber": "10", "expirationDateTime": iso(catalog.tenant.now + timedelta(days=90)),
    })
    factory.add("managedAndroidLobApp", "Contoso Secure Notes (Android MAM)", "Contoso IT", {
        "appAvailability": "lineOfBusiness", "version": "1.0",
        "packageId": "com.contoso.notes", "identityName": "com.contoso.notes",
        "identityVersion": "10", "versionName": "1.0", "versionCode": "10",
        "minimumSupportedOperatingSystem": {"v10_0": True},
    })
    # A type Graph may add tomorrow: clients must show it as "unknown type", not crash.
    factory.add("futureShinyApp", "Contoso Hologram Viewer", "Contoso Labs", {
        "shininessLevel": 11, "hologramFormat": "volumetric",
        "displayVersion": "0.9-preview"}, beta_only=True)


# --- app protection and app configuration -------------------------------------------------------
def _protection_base(catalog: _Catalog, name: str) -> dict[str, Any]:
    rng = catalog.rng
    return {
        "id": catalog.new_id(), "displayName": name,
        "description": f"{name} (managed by Contoso IT)",
        "createdDateTime": catalog.moment(200, 800),
        "lastModifiedDateTime": catalog.moment(1, 199), "version": f'"{rng.randrange(1, 40)}"',
        "roleScopeTagIds": ["0"],
        "periodOfflineBeforeAccessCheck": "PT12H", "periodOnlineBeforeAccessCheck": "PT30M",
        "allowedInboundDataTransferSources": "managedApps",
        "allowedOutboundDataTransferDestinations": "managedApps",
        "organizationalCredentialsRequired": False,
        "allowedOutboundClipboardSharingLevel": "managedAppsWithPasteIn",
        "dataBackupBlocked": True, "deviceComplianceRequired": True,
        "managedBrowserToOpenLinksRequired": rng.random() < 0.5,
        "saveAsBlocked": True, "periodOfflineBeforeWipeIsEnforced": "P90D",
        "pinRequired": True, "maximumPinRetries": 5, "simplePinBlocked": True,
        "minimumPinLength": 6, "pinCharacterSet": "numeric", "periodBeforePinReset": "PT0S",
        "allowedDataStorageLocations": ["oneDriveForBusiness", "sharePoint"],
        "contactSyncBlocked": False, "printBlocked": rng.random() < 0.3,
        "fingerprintBlocked": False, "disableAppPinIfDevicePinIsSet": True,
        "minimumRequiredOsVersion": None, "minimumWarningOsVersion": None,
        "minimumRequiredAppVersion": None, "minimumWarningAppVersion": None,
        "minimumWipeOsVersion": None, "minimumWipeAppVersion": None,
        "appActionIfDeviceComplianceRequired": "block",
        "appActionIfMaximumPinRetriesExceeded": "block",
        "pinRequiredInsteadOfBiometricTimeout": "PT30M",
        "allowedOutboundClipboardSharingExceptionLength": 0,
        "notificationRestriction": "allow",
        "previousPinBlockCount": 0,
        "managedBrowser": "microsoftEdge",
        "maximumAllowedDeviceThreatLevel": "notConfigured",
        "mobileThreatDefenseRemediationAction": "block",
        "blockDataIngestionIntoOrganizationDocuments": False,
        "allowedDataIngestionLocations": ["oneDriveForBusiness", "sharePoint", "camera"],
        "appActionIfUnableToAuthenticateUser": None,
        "dialerRestrictionLevel": "allApps",
        "isAssigned": True, "targetedAppManagementLevels": "unspecified",
    }


def _managed_apps(catalog: _Catalog, platform: str, ids: list[str]) -> list[dict[str, Any]]:
    identifier_type = {"ios": "iosMobileAppIdentifier", "android": "androidMobileAppIdentifier",
                       "windows": "windowsAppIdentifier"}[platform]
    key = {"ios": "bundleId", "android": "packageId", "windows": "windowsAppId"}[platform]
    return [{"@odata.type": "#microsoft.graph.managedMobileApp", "id": catalog.new_id(),
             "mobileAppIdentifier": {"@odata.type": f"#microsoft.graph.{identifier_type}",
                                     key: identifier}, "version": "1"} for identifier in ids]


def _build_app_protection(catalog: _Catalog) -> None:
    ios_ids = [bundle for _, _, bundle in IOS_STORE_APPS[:8]]
    android_ids = [package for _, _, package in ANDROID_APPS[:8]]
    specs = (
        ("iosManagedAppProtection", "deviceAppManagement/iosManagedAppProtections",
         "iOS - Microsoft 365 data protection (level 2)", "ios", ios_ids),
        ("iosManagedAppProtection", "deviceAppManagement/iosManagedAppProtections",
         "iOS - Executives (level 3)", "ios", ios_ids[:4]),
        ("iosManagedAppProtection", "deviceAppManagement/iosManagedAppProtections",
         "iOS - BYOD baseline (level 1)", "ios", ios_ids),
        ("androidManagedAppProtection", "deviceAppManagement/androidManagedAppProtections",
         "Android - Microsoft 365 data protection (level 2)", "android", android_ids),
        ("androidManagedAppProtection", "deviceAppManagement/androidManagedAppProtections",
         "Android - Frontline shared devices", "android", android_ids[:3]),
        ("androidManagedAppProtection", "deviceAppManagement/androidManagedAppProtections",
         "Android - BYOD baseline (level 1)", "android", android_ids),
        ("windowsManagedAppProtection", "deviceAppManagement/windowsManagedAppProtections",
         "Windows - Edge for unmanaged PCs", "windows", ["com.microsoft.edge"]),
        ("windowsManagedAppProtection", "deviceAppManagement/windowsManagedAppProtections",
         "Windows - Contractors", "windows", ["com.microsoft.edge"]),
    )
    for odata_type, path, name, platform, app_ids in specs:
        policy = _protection_base(catalog, name)
        policy["@odata.type"] = f"#microsoft.graph.{odata_type}"
        if platform == "ios":
            policy.update({"appDataEncryptionType": "whenDeviceLocked", "faceIdBlocked": False,
                           "minimumRequiredSdkVersion": None, "deployedAppCount": len(app_ids),
                           "customBrowserProtocol": "", "exemptedAppProtocols": []})
        elif platform == "android":
            policy.update({"screenCaptureBlocked": True,
                           "disableAppEncryptionIfDeviceEncryptionIsEnabled": False,
                           "encryptAppData": True, "deployedAppCount": len(app_ids),
                           "minimumRequiredPatchVersion": "2024-06-01",
                           "minimumWarningPatchVersion": "2024-09-01",
                           "customBrowserPackageId": "", "customBrowserDisplayName": ""})
        else:
            policy.update({"printBlocked": True, "allowedInboundDataTransferSources": "allApps",
                           "maximumAllowedDeviceThreatLevel": "low",
                           "_betaOnly": True})
        groups = ["Sales users", "Executives"] if "Executives" not in name else ["Executives"]
        catalog.add(path, policy)
        catalog.add("deviceAppManagement/managedAppPolicies", policy)
        catalog.add_children(f"{path}/{{id}}/assignments", policy["id"], [
            {"@odata.type": "#microsoft.graph.targetedManagedAppPolicyAssignment",
             "id": f"{policy['id']}_{position}", "source": "direct", "sourceId": policy["id"],
             "target": catalog.target(group)}
            for position, group in enumerate(groups)])
        catalog.add_children(f"{path}/{{id}}/apps", policy["id"],
                             _managed_apps(catalog, platform, app_ids))
    for name, settings in (
        ("Outlook - Contoso signature and focused inbox",
         [("com.microsoft.outlook.Mail.FocusedInbox", "true"),
          ("com.microsoft.outlook.Mail.DefaultSignatureEnabled", "false")]),
        ("Edge - Contoso homepage and bookmarks",
         [("com.microsoft.intune.mam.managedbrowser.homepage", "https://intranet.contoso-demo.com"),
          ("com.microsoft.intune.mam.managedbrowser.bookmarks",
           "Expenses|https://expenses.contoso-demo.com")]),
        ("Teams - allowed accounts", [("IntuneMAMAllowedAccountsOnly", "Enabled"),
                                      ("IntuneMAMUPN", "{{userprincipalname}}")]),
    ):
        config: dict[str, Any] = {
            "@odata.type": "#microsoft.graph.targetedManagedAppConfiguration",
            "id": catalog.new_id(), "displayName": name, "description": "",
            "createdDateTime": catalog.moment(100, 600),
            "lastModifiedDateTime": catalog.moment(1, 99), "version": '"3"',
            "roleScopeTagIds": ["0"],
            "customSettings": [{"name": key, "value": value} for key, value in settings],
            "deployedAppCount": 2, "isAssigned": True,
            "appGroupType": "selectedPublicApps", "targetedAppManagementLevels": "unspecified",
        }
        catalog.add("deviceAppManagement/targetedManagedAppConfigurations", config)
        catalog.add("deviceAppManagement/managedAppPolicies", config)
        catalog.add_children("deviceAppManagement/targetedManagedAppConfigurations/{id}/assignments",
                             config["id"], [{"@odata.type":
                                             "#microsoft.graph.targetedManagedAppPolicyAssignment",
                                             "id": f"{config['id']}_0", "source": "direct",
                                             "sourceId": config["id"],
                                             "target": catalog.target("all users")}])
        catalog.add_children("deviceAppManagement/targetedManagedAppConfigurations/{id}/apps",
                             config["id"], _managed_apps(catalog, "ios", ios_ids[:2]))
    apps = catalog.tenant.collections["deviceAppManagement/mobileApps"]
    ios_targets = [app["id"] for app in apps if app["@odata.type"].endswith("iosVppApp")][:3]
    for name, settings in (
        ("Outlook (iOS) - corporate account", [("com.microsoft.outlook.EmailProfile.EmailAddress",
                                                "{{mail}}"),
                                               ("com.microsoft.outlook.EmailProfile.AccountType",
                                                "ModernAuth")]),
        ("Teams (iOS) - sign-in hint",
         [("com.microsoft.teams.signInEmail", "{{userprincipalname}}")]),
    ):
        config = {
            "@odata.type": "#microsoft.graph.iosMobileAppConfiguration",
            "id": catalog.new_id(), "displayName": name, "description": "",
            "targetedMobileApps": ios_targets[:1],
            "createdDateTime": catalog.moment(100, 600),
            "lastModifiedDateTime": catalog.moment(1, 99), "version": 2,
            "encodedSettingXml": None,
            "settings": [{"appConfigKey": key, "appConfigKeyType": "stringType",
                          "appConfigKeyValue": value} for key, value in settings],
        }
        catalog.add("deviceAppManagement/mobileAppConfigurations", config)
        catalog.add_children("deviceAppManagement/mobileAppConfigurations/{id}/assignments",
                             config["id"], [{"@odata.type":
                                             "#microsoft.graph.managedDeviceMobileAppConfigurationAssignment",
                                             "id": f"{config['id']}_0",
                                             "target": catalog.target("All iOS devices")}])
    android_targets = [app["id"] for app in apps
                       if app["@odata.type"].endswith("androidManagedStoreApp")][:2]
    for name, package in (("Zebra OEMConfig - warehouse scanners", "com.zebra.oemconfig.common"),
                          ("Managed Home Screen - kiosk", "com.microsoft.launcher.enterprise")):
        config = {
            "@odata.type": "#microsoft.graph.androidManagedStoreAppConfiguration",
            "id": catalog.new_id(), "displayName": name, "description": "",
            "targetedMobileApps": android_targets[:1],
            "createdDateTime": catalog.moment(100, 600),
            "lastModifiedDateTime": catalog.moment(1, 99), "version": 5,
            "packageId": f"app:{package}",
            "payloadJson": "eyJraW5kIjoiYW5kcm9pZGVudGVycHJpc2UjbWFuYWdlZENvbmZpZ3VyYXRpb24ifQ==",
            "permissionActions": [], "appSupportsOemConfig": "oemconfig" in package,
            "profileApplicability": "androidDeviceOwner", "connectedAppsEnabled": False,
            "_betaOnly": True,
        }
        catalog.add("deviceAppManagement/mobileAppConfigurations", config)
        catalog.add_children("deviceAppManagement/mobileAppConfigurations/{id}/assignments",
                             config["id"], [{"@odata.type":
                                             "#microsoft.graph.managedDeviceMobileAppConfigurationAssignment",
                                             "id": f"{config['id']}_0",
                                             "target": catalog.target("Frontline kiosks")}])


# --- device configuration and compliance --------------------------------------------------------
# (key, display name, compliant value, role) — role ties a setting to a device property.
_COMPLIANCE_SETTINGS: dict[str, tuple[tuple[str, str, str, str], ...]] = {
    "Windows": (
        ("Windows10CompliancePolicy.BitLockerEnabled", "Require BitLocker", "true", "encryption"),
        ("Windows10CompliancePolicy.OsMinimumVersion", "Minimum OS version", "10.0.19045",
         "minimumOs"),
        ("Windows10CompliancePolicy.SecureBootEnabled", "Require Secure Boot", "true", "other"),
        ("Windows10CompliancePolicy.DefenderEnabled", "Microsoft Defender Antimalware", "true",
         "other"),
        ("Windows10CompliancePolicy.RtpEnabled", "Real-time protection", "true", "other"),
        ("Windows10CompliancePolicy.TpmRequired", "Trusted Platform Module (TPM)", "true",
         "other"),
        ("Windows10CompliancePolicy.PasswordRequired", "Require a password to unlock", "true",
         "other"),
    ),
    "iOS": (
        ("IosCompliancePolicy.SecurityBlockJailbrokenDevices", "Jailbroken devices", "false",
         "jailbreak"),
        ("IosCompliancePolicy.OsMinimumVersion", "Minimum OS version", "17.0", "minimumOs"),
        ("IosCompliancePolicy.PasscodeRequired", "Require a password to unlock", "true",
         "other"),
        ("IosCompliancePolicy.PasscodeMinimumLength", "Minimum password length", "6", "other"),
        ("IosCompliancePolicy.ManagedEmailProfileRequired", "Require managed email profile",
         "true", "other"),
    ),
    "iPadOS": (
        ("IosCompliancePolicy.OsMinimumVersion", "Minimum OS version", "17.0", "minimumOs"),
        ("IosCompliancePolicy.PasscodeRequired", "Require a password to unlock", "true",
         "other"),
        ("IosCompliancePolicy.DeviceThreatProtectionEnabled", "Device threat protection",
         "true", "other"),
    ),
    "Android": (
        ("AndroidWorkProfileCompliancePolicy.StorageRequireEncryption",
         "Encryption of data storage on device", "true", "encryption"),
        ("AndroidWorkProfileCompliancePolicy.SecurityBlockJailbrokenDevices",
         "Rooted devices", "false", "jailbreak"),
        ("AndroidWorkProfileCompliancePolicy.OsMinimumVersion", "Minimum OS version", "13",
         "minimumOs"),
        ("AndroidWorkProfileCompliancePolicy.PasswordRequired", "Require a password to unlock",
         "true", "other"),
        ("AndroidWorkProfileCompliancePolicy.SecurityRequireSafetyNetAttestationBasicIntegrity",
         "Play Integrity Verdict", "true", "other"),
    ),
    "macOS": (
        ("MacOSCompliancePolicy.StorageRequireEncryption", "Encryption of data storage on device",
         "true", "encryption"),
        ("MacOSCompliancePolicy.OsMinimumVersion", "Minimum OS version", "14.0", "minimumOs"),
        ("MacOSCompliancePolicy.FirewallEnabled", "Firewall", "true", "other"),
        ("MacOSCompliancePolicy.SystemIntegrityProtectionEnabled",
         "Require system integrity protection", "true", "other"),
        ("MacOSCompliancePolicy.PasswordRequired", "Require a password to unlock", "true",
         "other"),
    ),
    "Linux": (
        ("LinuxCompliance.DeviceEncryption", "Require device encryption", "true", "encryption"),
        ("LinuxCompliance.AllowedDistributions", "Allowed distributions", "Ubuntu 22.04+",
         "minimumOs"),
        ("LinuxCompliance.PasswordPolicy", "Password complexity", "true", "other"),
    ),
}
_PLATFORM_TYPES = {"Windows": "windows10AndLater", "iOS": "iOS", "iPadOS": "iOS",
                   "Android": "androidWorkProfile", "macOS": "macOS", "Linux": "linux"}
_COMPLIANCE_POLICIES: tuple[tuple[str, str, str, bool, dict[str, Any]], ...] = (
    # (@odata.type, displayName, platform, primary, type-specific properties)
    ("windows10CompliancePolicy", "Windows - baseline compliance", "Windows", True,
     {"passwordRequired": True, "passwordMinimumLength": 8, "osMinimumVersion": "10.0.19045",
      "bitLockerEnabled": True, "secureBootEnabled": True, "codeIntegrityEnabled": True,
      "defenderEnabled": True, "rtpEnabled": True, "tpmRequired": True,
      "deviceThreatProtectionEnabled": False, "storageRequireEncryption": True}),
    ("windows10CompliancePolicy", "Windows - Defender for Endpoint risk", "Windows", False,
     {"deviceThreatProtectionEnabled": True,
      "deviceThreatProtectionRequiredSecurityLevel": "medium"}),
    ("iosCompliancePolicy", "iOS - corporate compliance", "iOS", True,
     {"passcodeRequired": True, "passcodeMinimumLength": 6, "osMinimumVersion": "17.0",
      "securityBlockJailbrokenDevices": True, "managedEmailProfileRequired": True,
      "deviceThreatProtectionEnabled": False}),
    ("iosCompliancePolicy", "iPadOS - shared and kiosk", "iPadOS", True,
     {"passcodeRequired": True, "osMinimumVersion": "17.0",
      "deviceThreatProtectionEnabled": True,
      "deviceThreatProtectionRequiredSecurityLevel": "low"}),
    ("androidWorkProfileCompliancePolicy", "Android - work profile compliance", "Android", True,
     {"passwordRequired": True, "passwordMinimumLength": 6, "osMinimumVersion": "13",
      "securityBlockJailbrokenDevices": True, "storageRequireEncryption": True,
      "securityRequireSafetyNetAttestationBasicIntegrity": True}),
    ("macOSCompliancePolicy", "macOS - baseline compliance", "macOS", True,
     {"passwordRequired": True, "osMinimumVersion": "14.0", "storageRequireEncryption": True,
      "firewallEnabled": True, "systemIntegrityProtectionEnabled": True}),
)
_CONFIGURATION_PROFILES: tuple[tuple[str, str, str, dict[str, Any]], ...] = (
    ("windows10GeneralConfiguration", "Windows - device restrictions", "Windows",
     {"passwordRequired": True, "cameraBlocked": False, "storageBlockRemovableStorage": False,
      "defenderRequireRealTimeMonitoring": True, "smartScreenEnableAppInstallControl": True}),
    ("windows10EndpointProtectionConfiguration", "Windows - endpoint protection", "Windows",
     {"firewallBlockStatefulFTP": True, "bitLockerEncryptDevice": True,
      "defenderAttackSurfaceReductionExcludedPaths": [], "applicationGuardEnabled": False}),
    ("windowsUpdateForBusinessConfiguration", "Windows Update ring - Broad", "Windows",
     {"qualityUpdatesDeferralPeriodInDays": 7, "featureUpdatesDeferralPeriodInDays": 30,
      "automaticUpdateMode": "autoInstallAtMaintenanceTime", "businessReadyUpdatesOnly": "all",
      "deadlineForQualityUpdatesInDays": 3}),
    ("windowsUpdateForBusinessConfiguration", "Windows Update ring - Pilot", "Windows",
     {"qualityUpdatesDeferralPeriodInDays": 0, "featureUpdatesDeferralPeriodInDays": 0,
      "automaticUpdateMode": "autoInstallAtMaintenanceTime", "businessReadyUpdatesOnly": "all",
      "deadlineForQualityUpdatesInDays": 2}),
    ("windows10CustomConfiguration", "Windows - custom OMA-URI (legacy proxy)", "Windows",
     {"omaSettings": [{"@odata.type": "#microsoft.graph.omaSettingString",
                       "displayName": "Proxy", "description": None,
                       "omaUri": "./Vendor/MSFT/Policy/Config/Connectivity/DisableProxy",
                       "value": "0"}]}),
    ("iosGeneralDeviceConfiguration", "iOS - device restrictions", "iOS",
     {"passcodeRequired": True, "passcodeMinimumLength": 6, "cameraBlocked": False,
      "appStoreBlocked": False, "iCloudBlockBackup": True}),
    ("iosDeviceFeaturesConfiguration", "iOS - home screen and wallpaper", "iOS",
     {"assetTagTemplate": "Property of Contoso", "lockScreenFootnote": "Contoso IT: x4357",
      "homeScreenDockIcons": []}),
    ("iosGeneralDeviceConfiguration", "iPadOS - shared iPad restrictions", "iPadOS",
     {"passcodeRequired": True, "cameraBlocked": True, "appStoreBlocked": True}),
    ("androidWorkProfileGeneralDeviceConfiguration", "Android - work profile restrictions",
     "Android", {"passwordRequired": True, "workProfileBlockScreenCapture": True,
                 "workProfileDataSharingType": "preventAny"}),
    ("androidDeviceOwnerGeneralDeviceConfiguration", "Android - dedicated kiosk", "Android",
     {"kioskModeScreenSaverConfigurationEnabled": True, "kioskModeApps": [],
      "screenCaptureBlocked": True, "statusBarBlocked": True}),
    ("macOSGeneralDeviceConfiguration", "macOS - device restrictions", "macOS",
     {"passwordRequired": True, "passwordMinimumLength": 10, "airDropBlocked": False,
      "iCloudBlockDocumentSync": True}),
    ("macOSCustomConfiguration", "macOS - Contoso root CA (custom profile)", "macOS",
     {"payloadName": "Contoso Root CA", "payloadFileName": "contoso-root-ca.mobileconfig",
      "deploymentChannel": "deviceChannel"}),
)
_PROFILE_SETTINGS: dict[str, tuple[tuple[str, str, str, str], ...]] = {
    os_name: tuple((key.replace("CompliancePolicy", "Configuration").replace("Compliance.",
                                                                             "Configuration."),
                    name, expected, "other") for key, name, expected, _ in settings[2:])
    for os_name, settings in _COMPLIANCE_SETTINGS.items()
}


def _build_device_policies(catalog: _Catalog) -> None:
    rng = catalog.rng
    templates = catalog.tenant.collections.get("deviceManagement/notificationMessageTemplates",
                                               [])
    for salt, (odata_type, name, platform, primary, extra) in enumerate(_COMPLIANCE_POLICIES):
        policy = {
            "@odata.type": f"#microsoft.graph.{odata_type}",
            "id": catalog.new_id(), "displayName": name,
            "description": f"{name}. Owner: Endpoint team.",
            "createdDateTime": catalog.moment(300, 1200),
            "lastModifiedDateTime": catalog.moment(1, 299),
            "version": rng.randrange(1, 25), "roleScopeTagIds": ["0"],
            **extra,
            "_platform": platform, "_platformType": _PLATFORM_TYPES[platform],
            "_primary": primary, "_salt": 900 + salt,
            "_settings": _COMPLIANCE_SETTINGS[platform] if primary
            else _COMPLIANCE_SETTINGS[platform][3:5],
        }
        catalog.add("deviceManagement/deviceCompliancePolicies", policy)
        group = {"Windows": "All Windows devices", "iOS": "All iOS devices",
                 "iPadOS": "All iOS devices", "Android": "All Android devices",
                 "macOS": "All macOS devices"}[platform]
        catalog.add_children("deviceManagement/deviceCompliancePolicies/{id}/assignments",
                             policy["id"], [
                                 {"@odata.type":
                                  "#microsoft.graph.deviceCompliancePolicyAssignment",
                                  "id": f"{policy['id']}_{catalog.groups[group]}",
                                  "target": catalog.target(group)}])
        actions = [{"@odata.type": "#microsoft.graph.deviceComplianceActionItem",
                    "id": catalog.new_id(), "gracePeriodHours": 0, "actionType": "block",
                    "notificationTemplateId": "", "notificationMessageCCList": []}]
        if templates:
            actions.append({"@odata.type": "#microsoft.graph.deviceComplianceActionItem",
                            "id": catalog.new_id(), "gracePeriodHours": 24,
                            "actionType": "notification",
                            "notificationTemplateId": templates[salt % len(templates)]["id"],
                            "notificationMessageCCList": []})
            actions.append({"@odata.type": "#microsoft.graph.deviceComplianceActionItem",
                            "id": catalog.new_id(), "gracePeriodHours": 24 * 30,
                            "actionType": "retire", "notificationTemplateId": "",
                            "notificationMessageCCList": []})
        catalog.add_children("deviceManagement/deviceCompliancePolicies/{id}/scheduledActionsForRule",
                             policy["id"], [{
                                 "@odata.type":
                                     "#microsoft.graph.deviceComplianceScheduledActionForRule",
                                 "id": catalog.new_id(), "ruleName": "PasswordRequired",
                                 "scheduledActionConfigurations": actions}])
    for salt, (odata_type, name, platform, extra) in enumerate(_CONFIGURATION_PROFILES):
        profile = {
            "@odata.type": f"#microsoft.graph.{odata_type}",
            "id": catalog.new_id(), "displayName": name, "description": "",
            "createdDateTime": catalog.moment(300, 1200),
            "lastModifiedDateTime": catalog.moment(1, 299),
            "version": rng.randrange(1, 30), "roleScopeTagIds": ["0"],
            "supportsScopeTags": True, "deviceManagementApplicabilityRuleOsEdition": None,
            "deviceManagementApplicabilityRuleOsVersion": None,
            "deviceManagementApplicabilityRuleDeviceMode": None,
            **extra,
            "_platform": platform, "_platformType": _PLATFORM_TYPES[platform],
            "_salt": 500 + salt, "_settings": _PROFILE_SETTINGS[platform],
        }
        catalog.add("deviceManagement/deviceConfigurations", profile)
        group = {"Windows": "All Windows devices", "iOS": "All iOS devices",
                 "iPadOS": "All iOS devices", "Android": "All Android devices",
                 "macOS": "All macOS devices"}[platform]
        groups = [group] if "Pilot" not in name else ["Pilot ring"]
        if "Broad" in name:
            groups.append("!Pilot ring")
        catalog.add_children("deviceManagement/deviceConfigurations/{id}/assignments",
                             profile["id"], catalog.policy_assignments(groups))


# --- settings catalog (beta configurationPolicies) ----------------------------------------------
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


def _build_settings_catalog(catalog: _Catalog) -> None:
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
                "_salt": 990, "_settings": _COMPLIANCE_SETTINGS["Linux"]})
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


# --- notifications, RBAC, service configuration --------------------------------------------------
def _build_notifications(catalog: _Catalog) -> None:
    for name, subject, text in (
        ("Noncompliant device - first notice", "Your device is not compliant",
         "Your device {{DeviceName}} does not meet Contoso's security requirements. Open "
         "Company Portal to fix it within 24 hours or you will lose access to email."),
        ("Noncompliant device - final warning", "Action required: access will be blocked",
         "Access to corporate resources from {{DeviceName}} will be blocked today."),
        ("Device will be retired", "Your device will be removed from management",
         "{{DeviceName}} has been noncompliant for 30 days and will be retired."),
        ("Kiosk device noncompliant", "Kiosk device needs attention",
         "Please bring the device to the IT desk."),
    ):
        template_id = catalog.new_id()
        catalog.add("deviceManagement/notificationMessageTemplates", {
            "@odata.type": "#microsoft.graph.notificationMessageTemplate",
            "id": template_id, "displayName": name,
            "lastModifiedDateTime": catalog.moment(10, 400), "defaultLocale": "en-US",
            "brandingOptions": "includeCompanyLogo,includeCompanyName,includeContactInformation",
            "roleScopeTagIds": ["0"],
        })
        messages = [("en-US", subject, text, True),
                    ("de-DE", f"[DE] {subject}", f"[DE] {text}", False),
                    ("ja-JP", f"[JA] {subject}", f"[JA] {text}", False)]
        catalog.add_children(
            "deviceManagement/notificationMessageTemplates/{id}/localizedNotificationMessages",
            template_id, [{
                "@odata.type": "#microsoft.graph.localizedNotificationMessage",
                "id": f"{template_id}_{locale.lower()}",
                "lastModifiedDateTime": catalog.moment(10, 400), "locale": locale.lower(),
                "subject": subject_text, "messageTemplate": body, "isDefault": is_default,
            } for locale, subject_text, body, is_default in messages])


_READ_ALL = ("Microsoft.Intune_Organization_Read", "Microsoft.Intune_ManagedDevices_Read",
             "Microsoft.Intune_MobileApps_Read", "Microsoft.Intune_ManagedApps_Read",
             "Microsoft.Intune_DeviceConfigurations_Read",
             "Microsoft.Intune_DeviceCompliancePolices_Read",
             "Microsoft.Intune_TermsAndConditions_Read", "Microsoft.Intune_Roles_Read",
             "Microsoft.Intune_Audit_Read", "Microsoft.Intune_EndpointProtection_Read",
             "Microsoft.Intune_EnrollmentPrograms_Read",
             "Microsoft.Intune_CorporateDeviceIdentifiers_Read",
             "Microsoft.Intune_RemoteAssistance_Read", "Microsoft.Intune_SecurityBaselines_Read",
             "Microsoft.Intune_SecurityTasks_Read", "Microsoft.Intune_Reports_Read")
_REMOTE_TASKS = tuple(f"Microsoft.Intune_RemoteTasks_{name}" for name in (
    "Wipe", "Retire", "RemoteLock", "ResetPasscode", "RebootNow", "ShutDown", "SyncDevice",
    "LocateDevice", "BypassActivationLock", "CleanPC", "EnableLostMode", "DisableLostMode",
    "PlayLostModeSound", "RequestRemoteAssistance", "WindowsDefender", "SetDeviceName",
    "RotateBitLockerKeys", "RotateFileVaultKey", "UpdateDeviceAccount",
    "ManageSharedDeviceUsers", "CollectDiagnostics", "RotateLocalAdminPassword",
    "SendCustomNotification", "RevokeAppleVppLicenses"))


def _crud(resource: str, *verbs: str) -> tuple[str, ...]:
    return tuple(f"Microsoft.Intune_{resource}_{verb}" for verb in verbs)


_ROLES: tuple[tuple[str, str, bool, tuple[str, ...]], ...] = (
    ("Help Desk Operator", "Help Desk Operators perform remote tasks on users and devices, and "
     "can assign applications or policies to users or devices.", True,
     _READ_ALL + _REMOTE_TASKS + _crud("ManagedDevices", "Update")
     + _crud("MobileApps", "Assign") + _crud("DeviceConfigurations", "Assign")),
    ("Read Only Operator", "Read Only Operators can view user, device, enrollment, "
     "configuration, and application information but cannot make changes.", True, _READ_ALL),
    ("Policy and Profile Manager", "Policy and Profile Managers manage compliance policy, "
     "configuration profiles, Apple enrollment, corporate device identifiers, and security "
     "baselines.", True,
     _READ_ALL + _crud("DeviceConfigurations", "Create", "Update", "Delete", "Assign")
     + _crud("DeviceCompliancePolices", "Create", "Update", "Delete", "Assign")
     + _crud("SecurityBaselines", "Create", "Update", "Delete", "Assign")),
    ("School Administrator", "School Administrators manage Windows 10 devices in Intune for "
     "Education.", True,
     _READ_ALL + _crud("MobileApps", "Create", "Update", "Delete", "Assign")
     + ("Microsoft.Intune_RemoteTasks_Wipe", "Microsoft.Intune_RemoteTasks_RebootNow",
        "Microsoft.Intune_RemoteTasks_SyncDevice")),
    ("Application Manager", "Application Managers manage mobile and managed applications, can "
     "read device information and can view device configuration profiles.", True,
     _READ_ALL + _crud("MobileApps", "Create", "Update", "Delete", "Assign", "Relate")
     + _crud("ManagedApps", "Create", "Update", "Delete", "Assign", "Wipe")),
    ("Endpoint Security Manager", "Endpoint Security Managers manage security and compliance "
     "features such as security baselines, device compliance, conditional access, and "
     "Microsoft Defender for Endpoint.", True,
     _READ_ALL + _crud("EndpointProtection", "Create", "Update", "Delete", "Assign")
     + _crud("SecurityTasks", "Update")
     + ("Microsoft.Intune_RemoteTasks_WindowsDefender",
        "Microsoft.Intune_RemoteTasks_RotateBitLockerKeys")),
    ("Intune Role Administrator", "Intune Role Administrators manage custom Intune roles and "
     "add assignments for built-in Intune roles.", True,
     ("Microsoft.Intune_Organization_Read",
      *_crud("Roles", "Read", "Create", "Update", "Delete", "Assign"))),
    ("Contoso Tier-1 Helpdesk (custom)", "Sync, locate and reboot only; no wipe or retire. "
     "Owned by the Service Desk lead.", False,
     ("Microsoft.Intune_Organization_Read", "Microsoft.Intune_ManagedDevices_Read",
      "Microsoft.Intune_MobileApps_Read", "Microsoft.Intune_RemoteTasks_SyncDevice",
      "Microsoft.Intune_RemoteTasks_LocateDevice", "Microsoft.Intune_RemoteTasks_RebootNow",
      "Microsoft.Intune_RemoteTasks_RemoteLock")),
)
# Who is in which group, for the accounts that sign in to the demo: the operator is helpdesk
# staff (Help Desk Operator and the Tier-1 custom role through two assignments).
_SIGN_IN_MEMBERSHIPS: tuple[tuple[str, tuple[str, ...]], ...] = (
    (DEMO_OPERATOR_UPN, ("Helpdesk staff",)),
    (f"jamal.haddad@{DEMO_DOMAIN}", ("Intune admins", "Helpdesk staff")),
)
_SCOPE_TAGS = (("0", "Default", "Built-in default scope tag"),
               ("1", "EMEA", "Devices and policies for EMEA"),
               ("2", "Americas", "Devices and policies for the Americas"),
               ("3", "Frontline", "Shared and kiosk devices"))


def _build_rbac(catalog: _Catalog) -> None:
    tenant = catalog.tenant
    for upn, groups in _SIGN_IN_MEMBERSHIPS:
        tenant.memberships[upn.lower()] = [catalog.groups[group] for group in groups]
    for tag_id, name, description in _SCOPE_TAGS:
        catalog.add("deviceManagement/roleScopeTags", {
            "@odata.type": "#microsoft.graph.roleScopeTag", "id": tag_id,
            "displayName": name, "description": description, "isBuiltIn": tag_id == "0",
            "_betaOnly": True})
    operations: set[str] = set()
    for position, (name, description, built_in, actions) in enumerate(_ROLES):
        role_id = guid_from(tenant.seed, 22, position)
        allowed = sorted(set(actions))
        operations.update(allowed)
        catalog.add("deviceManagement/roleDefinitions", {
            "@odata.type": "#microsoft.graph.deviceAndAppManagementRoleDefinition",
            "id": role_id, "displayName": name, "description": description,
            "isBuiltIn": built_in, "isBuiltInRoleDefinition": built_in,
            "roleScopeTagIds": ["0"],
            "rolePermissions": [{"actions": allowed, "resourceActions": [
                {"allowedResourceActions": allowed, "notAllowedResourceActions": []}]}],
        })
    assignment_specs: tuple[tuple[str, str, list[str], list[str], list[str]], ...] = (
        ("Help Desk Operator", "Service desk - global", ["Helpdesk staff"],
         ["All Windows devices", "All iOS devices", "All Android devices", "All macOS devices"],
         ["0"]),
        ("Help Desk Operator", "Service desk - EMEA", ["Helpdesk staff"], ["EMEA devices"],
         ["1"]),
        ("Read Only Operator", "Auditors", ["Finance users"], ["EMEA devices",
                                                               "Americas devices"], ["0"]),
        ("Intune Role Administrator", "Intune admins", ["Intune admins"], [], ["0"]),
        ("Application Manager", "App packaging team", ["Engineering users"],
         ["All Windows devices"], ["0"]),
        ("Contoso Tier-1 Helpdesk (custom)", "Tier-1 contractors", ["Helpdesk staff"],
         ["Frontline kiosks"], ["3"]),
    )
    roles = {role["displayName"]: role for role in
             tenant.collections["deviceManagement/roleDefinitions"]}
    for role_name, display, members, scopes, tags in assignment_specs:
        role = roles[role_name]
        assignment = {
            "@odata.type": "#microsoft.graph.deviceAndAppManagementRoleAssignment",
            "id": catalog.new_id(), "displayName": display,
            "description": f"{role_name} for {display}",
            "members": [catalog.groups[group] for group in members],
            "resourceScopes": [catalog.groups[group] for group in scopes],
            "scopeMembers": [catalog.groups[group] for group in scopes],
            "scopeType": "resourceScope" if scopes else "allDevicesAndLicensedUsers",
            "roleScopeTagIds": tags,
            "_roleId": role["id"],
        }
        catalog.add("deviceManagement/roleAssignments", assignment)
        tenant.children.setdefault("deviceManagement/roleDefinitions/{id}/roleAssignments",
                                   {}).setdefault(role["id"], []).append(assignment)
        tenant.item_singletons.setdefault("deviceManagement/roleAssignments/{id}/roleDefinition",
                                          {})[assignment["id"]] = role
    for operation in sorted(operations):
        _, _, rest = operation.partition("_")
        resource, _, action = rest.rpartition("_")
        catalog.add("deviceManagement/resourceOperations", {
            "@odata.type": "#microsoft.graph.resourceOperation", "id": operation,
            "resource": resource, "resourceName": resource.replace("Polices", "Policies"),
            "actionName": action, "description": f"{action} {resource}",
            "enabledForScopeValidation": resource in ("ManagedDevices", "RemoteTasks")})


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


def _build_remediation_scripts(catalog: _Catalog) -> None:
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


def _build_service_config(catalog: _Catalog) -> None:
    tenant = catalog.tenant
    now = tenant.now
    tenant.singletons["deviceManagement/applePushNotificationCertificate"] = {
        "@odata.type": "#microsoft.graph.applePushNotificationCertificate",
        "id": catalog.new_id(), "appleIdentifier": "mdm-admin@contoso-demo.com",
        "topicIdentifier": f"com.apple.mgmt.External.{catalog.new_id()}",
        "lastModifiedDateTime": iso(now - timedelta(days=320)),
        "expirationDateTime": iso(now + timedelta(days=45)),
        "certificateUploadStatus": None, "certificateUploadFailureReason": None,
        "certificateSerialNumber": "5C1A7E0D9F3B2A61", "certificate": None,
    }
    for name, apple_id, token_days, sync_error, synced in (
        ("Contoso ADE (corporate)", "ade@contoso-demo.com", 210, 0, 1820),
        ("Contoso ADE (retail stores)", "ade-retail@contoso-demo.com", 12, 400, 312),
    ):
        catalog.add("deviceManagement/depOnboardingSettings", {
            "@odata.type": "#microsoft.graph.depOnboardingSetting", "id": catalog.new_id(),
            "appleIdentifier": apple_id, "tokenName": name, "tokenType": "dep",
            "tokenExpirationDateTime": iso(now + timedelta(days=token_days)),
            "lastModifiedDateTime": iso(now - timedelta(days=90)),
            "lastSuccessfulSyncDateTime": iso(now - timedelta(hours=3 if not sync_error
                                                              else 24 * 9)),
            "lastSyncTriggeredDateTime": iso(now - timedelta(hours=3)),
            "shareTokenWithSchoolDataSyncService": False, "lastSyncErrorCode": sync_error,
            "syncedDeviceCount": synced, "dataSharingConsentGranted": True,
            "roleScopeTagIds": ["0"], "_betaOnly": True,
        })
    for organization, apple_id, days, state, status, last_sync in (
        ("Contoso Demo Ltd", "vpp@contoso-demo.com", 240, "valid", "completed", 2),
        ("Contoso Retail", "vpp-retail@contoso-demo.com", 18, "valid", "completed", 5),
        ("Contoso Education (old)", "vpp-edu@contoso-demo.com", -40, "expired", "failed", 24 * 41),
    ):
        catalog.add("deviceAppManagement/vppTokens", {
            "@odata.type": "#microsoft.graph.vppToken", "id": catalog.new_id(),
            "organizationName": organization, "vppTokenAccountType": "business",
            "appleId": apple_id, "expirationDateTime": iso(now + timedelta(days=days)),
            "lastSyncDateTime": iso(now - timedelta(hours=last_sync)),
            "token": None, "lastModifiedDateTime": iso(now - timedelta(days=60)),
            "state": state, "lastSyncStatus": status, "automaticallyUpdateApps": True,
            "countryOrRegion": "us", "displayName": organization,
            "locationName": "Seattle" if "Retail" not in organization else "Redmond",
        })
    configs = (
        ("deviceEnrollmentLimitConfiguration", "All users and all devices",
         "This is the default Device Limit Restriction applied with the lowest priority to all "
         "users regardless of group membership.", 0, {"limit": 5}),
        ("deviceEnrollmentPlatformRestrictionsConfiguration", "All users and all devices",
         "This is the default Device Type Restriction applied with the lowest priority to all "
         "users regardless of group membership.", 0, {
             "iosRestriction": {"platformBlocked": False, "personalDeviceEnrollmentBlocked": False,
                                "osMinimumVersion": "16.0", "osMaximumVersion": None},
             "windowsRestriction": {"platformBlocked": False,
                                    "personalDeviceEnrollmentBlocked": True,
                                    "osMinimumVersion": "10.0.19045", "osMaximumVersion": None},
             "windowsMobileRestriction": {"platformBlocked": True,
                                          "personalDeviceEnrollmentBlocked": False,
                                          "osMinimumVersion": None, "osMaximumVersion": None},
             "androidRestriction": {"platformBlocked": False,
                                    "personalDeviceEnrollmentBlocked": False,
                                    "osMinimumVersion": "12.0", "osMaximumVersion": None},
             "macOSRestriction": {"platformBlocked": False,
                                  "personalDeviceEnrollmentBlocked": True,
                                  "osMinimumVersion": None, "osMaximumVersion": None}}),
        ("deviceEnrollmentWindowsHelloForBusinessConfiguration", "All users and all devices",
         "This is the default Windows Hello for Business configuration applied with the lowest "
         "priority to all users regardless of group membership.", 0, {
             "pinMinimumLength": 6, "pinMaximumLength": 127, "state": "enabled",
             "securityDeviceRequired": True, "unlockWithBiometricsEnabled": True,
             "remotePassportEnabled": True, "pinPreviousBlockCount": 0,
             "pinExpirationInDays": 0, "enhancedBiometricsState": "notConfigured",
             "pinUppercaseCharactersUsage": "allowed", "pinLowercaseCharactersUsage": "allowed",
             "pinSpecialCharactersUsage": "allowed"}),
        ("windows10EnrollmentCompletionPageConfiguration", "All users and all devices",
         "This is the default enrollment status screen configuration applied with the lowest "
         "priority to all users and all devices regardless of group membership.", 0, {
             "showInstallationProgress": True, "blockDeviceSetupRetryByUser": False,
             "allowDeviceResetOnInstallFailure": True, "allowLogCollectionOnInstallFailure": True,
             "customErrorMessage": "Setup could not be completed. Please call x4357.",
             "installProgressTimeoutInMinutes": 60, "allowDeviceUseOnInstallFailure": False}),
        ("deviceEnrollmentLimitConfiguration", "Frontline - 1 device per user",
         "Kiosk staff may enroll one device.", 1, {"limit": 1}),
        ("windows10EnrollmentCompletionPageConfiguration", "Autopilot ESP - block until apps",
         "", 1, {"showInstallationProgress": True, "blockDeviceSetupRetryByUser": True,
                 "allowDeviceResetOnInstallFailure": False,
                 "allowLogCollectionOnInstallFailure": True, "customErrorMessage": None,
                 "installProgressTimeoutInMinutes": 90, "allowDeviceUseOnInstallFailure": False}),
    )
    for odata_type, name, description, priority, extra in configs:
        config: dict[str, Any] = {
            "@odata.type": f"#microsoft.graph.{odata_type}",
            "id": f"{catalog.new_id()}_{'Default' if priority == 0 else 'Custom'}"
                  f"{odata_type.replace('deviceEnrollment', '').replace('Configuration', '')}",
            "displayName": name, "description": description, "priority": priority,
            "createdDateTime": catalog.moment(500, 1500),
            "lastModifiedDateTime": catalog.moment(1, 400), "version": 1 + priority,
            **extra,
        }
        catalog.add("deviceManagement/deviceEnrollmentConfigurations", config)
        target = catalog.target("all users" if priority == 0 else "Frontline kiosks")
        catalog.add_children("deviceManagement/deviceEnrollmentConfigurations/{id}/assignments",
                             config["id"], [{"@odata.type":
                                             "#microsoft.graph.enrollmentConfigurationAssignment",
                                             "id": f"{config['id']}_0", "target": target}])
    for title, version in (("Contoso acceptable use policy", 3), ("BYOD privacy notice", 1)):
        catalog.add("deviceManagement/termsAndConditions", {
            "@odata.type": "#microsoft.graph.termsAndConditions", "id": catalog.new_id(),
            "createdDateTime": catalog.moment(300, 900),
            "lastModifiedDateTime": catalog.moment(10, 299), "displayName": title,
            "description": "", "title": title,
            "bodyText": "By enrolling this device you agree to ...",
            "acceptanceStatement": "I accept", "version": version})
    catalog.add("deviceManagement/exchangeConnectors", {
        "@odata.type": "#microsoft.graph.deviceManagementExchangeConnector",
        "id": catalog.new_id(), "lastSyncDateTime": iso(now - timedelta(minutes=17)),
        "status": "connected", "primarySmtpAddress": "intune-connector@contoso-demo.com",
        "serverName": "outlook.office365.com", "connectorServerName": "Exchange Online",
        "exchangeConnectorType": "serviceToService", "version": "1.0",
        "exchangeAlias": None, "exchangeOrganization": "contoso-demo.onmicrosoft.com"})
    catalog.add("deviceManagement/exchangeConnectors", {
        "@odata.type": "#microsoft.graph.deviceManagementExchangeConnector",
        "id": catalog.new_id(), "lastSyncDateTime": iso(now - timedelta(days=19)),
        "status": "disconnected", "primarySmtpAddress": "svc-exchange@contoso-demo.com",
        "serverName": "mail.contoso-demo.com", "connectorServerName": "CONTOSO-EXCH01",
        "exchangeConnectorType": "onPremises", "version": "19.3.5.0",
        "exchangeAlias": None, "exchangeOrganization": "Contoso"})
    for connector_id, heartbeat_minutes, state, android, ios, windows in (
        ("fc780465-2017-40d4-a0c5-307022471b92", 4, "enabled", True, True, True),
        (guid_from(tenant.seed, 23, 1), 60 * 24 * 6, "unresponsive", True, True, False),
    ):
        catalog.add("deviceManagement/mobileThreatDefenseConnectors", {
            "@odata.type": "#microsoft.graph.mobileThreatDefenseConnector",
            "id": connector_id,
            "lastHeartbeatDateTime": iso(now - timedelta(minutes=heartbeat_minutes)),
            "partnerState": state, "androidMobileApplicationManagementEnabled": android,
            "iosMobileApplicationManagementEnabled": ios,
            "windowsMobileApplicationManagementEnabled": False,
            "androidEnabled": android, "iosEnabled": ios, "windowsEnabled": windows,
            "macEnabled": windows, "androidDeviceBlockedOnMissingPartnerData": False,
            "iosDeviceBlockedOnMissingPartnerData": False,
            "windowsDeviceBlockedOnMissingPartnerData": False,
            "macDeviceBlockedOnMissingPartnerData": False,
            "partnerUnsupportedOsVersionBlocked": False,
            "partnerUnresponsivenessThresholdInDays": 7,
            "allowPartnerToCollectIOSApplicationMetadata": False,
            "allowPartnerToCollectIOSPersonalApplicationMetadata": False,
            "microsoftDefenderForEndpointAttachEnabled": connector_id.startswith("fc78")})
    for position, name in enumerate(DEVICE_CATEGORIES[1:]):
        catalog.add("deviceManagement/deviceCategories", {
            "@odata.type": "#microsoft.graph.deviceCategory",
            "id": guid_from(tenant.seed, 24, position), "displayName": name,
            "description": f"Devices used by {name.lower()} staff", "roleScopeTagIds": ["0"]})


def _build_history_audits(tenant: DemoTenant) -> None:
    admins = (DEMO_OPERATOR_UPN, f"jamal.haddad@{DEMO_DOMAIN}", f"it-automation@{DEMO_DOMAIN}")
    for index, records in sorted(tenant.devices.actions.items()):
        for record in records:
            tenant.audits.append((index, record, admins[index % len(admins)], ""))


def build_tenant(devices: int = 2000, seed: int = 7, now: datetime = DEMO_NOW) -> DemoTenant:
    """The demo tenant with `devices` managed devices; same seed, same tenant."""
    if devices < 0:
        raise ValueError("devices must be zero or more")
    rng = random.Random(seed)
    user_count = max(25, devices * 5 // 8)
    users = UserDirectory(seed, user_count, rng)
    store = DeviceStore(seed, now, users)
    build_devices(store, devices, rng)
    build_action_history(store, rng)
    tenant = DemoTenant(DEMO_TENANT_ID, DEMO_TENANT_NAME, DEMO_DOMAIN, seed, now, users, store)
    for rule in rules.COLLECTIONS:
        if "{id}" not in rule.path:
            tenant.collections.setdefault(rule.path, [])
    catalog = _Catalog(tenant, random.Random(seed * 1_000_003 + 11))
    _build_filters(catalog)
    _build_notifications(catalog)
    _build_apps(catalog)
    _build_app_protection(catalog)
    _build_device_policies(catalog)
    _build_settings_catalog(catalog)
    _build_rbac(catalog)
    _build_service_config(catalog)
    _build_remediation_scripts(catalog)  # last: it must not shift what the others draw
    _build_history_audits(tenant)
    return tenant

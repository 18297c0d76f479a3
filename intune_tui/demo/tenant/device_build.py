"""Fills the device store: a realistic spread of platforms, owners and states, and a
history of past remote actions."""

from __future__ import annotations

import random
from bisect import bisect
from datetime import timedelta
from functools import cache
from itertools import accumulate
from typing import TypeVar

from intune_tui.demo.tenant.devices import ActionRecord, DeviceStore
from intune_tui.demo.tenant.ids import chars
from intune_tui.demo.tenant.platforms import (
    COMPLIANCE_WEIGHTS,
    DAY,
    DEVICE_CATEGORIES,
    HOSTILE_DEVICE_NAMES,
    HOSTILE_DEVICE_POSITIONS,
    MANAGEMENT_WEIGHTS,
    NOTES,
    PLATFORMS,
    SYNC_AGE_BUCKETS,
    Model,
)
from intune_tui.demo.tenant.users import UserDirectory

_T = TypeVar("_T")
_SYNC_AGE_DRAW = tuple((bucket, bucket[2]) for bucket in SYNC_AGE_BUCKETS)

# The spread's constants (device_replay.py draws the same).
USERLESS_SHARE = 0.06  # of company devices
USERLESS_MODEL = "TC52"  # warehouse scanners are always shared
ENROLLED_BEFORE_SYNC = (DAY, 3 * 365 * DAY)  # seconds, randrange bounds
JAILBROKEN_SHARE = 0.004  # of iOS and Android devices
CONFIG_MANAGER_SHARE = 0.4  # of co-managed devices
FREE_SHARE = (4, 80)  # percent free, randrange bounds
RANDOM_WINDOWS_NAME_SHARE = 0.3
WINDOWS_NAME_NUMBER = (10_000, 99_999)
LINUX_NAME_NUMBER = (100, 999)
NOTES_SHARE = 0.01


def _weighted(rng: random.Random, pairs: tuple[tuple[_T, float], ...]) -> _T:
    """`rng.choices` of one of `pairs`' values by their weights: the same draw (one
    `rng.random()`, the same bisection), from the values and cumulated weights of `pairs`
    worked out once (`_draw_table`), not on each of a tenant's thousands of draws."""
    values, cumulated, total = _draw_table(pairs)
    value: _T = values[bisect(cumulated, rng.random() * total, 0, len(values) - 1)]
    return value


@cache
def _draw_table(pairs: tuple[tuple[_T, float], ...]
                ) -> tuple[tuple[_T, ...], list[float], float]:
    cumulated = list(accumulate(weight for _, weight in pairs))
    return tuple(value for value, _ in pairs), cumulated, cumulated[-1] + 0.0


@cache
def _by_weight(models: tuple[Model, ...]) -> tuple[tuple[Model, float], ...]:
    return tuple((model, model.weight) for model in models)


def _windows_name(rng: random.Random, model: Model, user_stem: str) -> str:
    if model.serial_style == "cloudpc":
        return cloud_pc_name(user_stem, rng.getrandbits(30))
    if rng.random() < RANDOM_WINDOWS_NAME_SHARE:
        return random_windows_name(rng.getrandbits(40))
    return numbered_windows_name(model, rng.randrange(*WINDOWS_NAME_NUMBER))


def _device_name(rng: random.Random, os_name: str, model: Model, given: str | None,
                 user_stem: str, serial_hint: int) -> str:
    if os_name == "Windows":
        return _windows_name(rng, model, user_stem)
    if os_name == "Linux":
        return linux_name(user_stem, rng.randrange(*LINUX_NAME_NUMBER))
    if given is None:
        return shared_name(os_name, serial_hint)
    return personal_name(os_name, model, given, serial_hint)


# Device names from what was drawn for them (device_replay.py draws the same in bulk).
def cloud_pc_name(user_stem: str, bits30: int) -> str:
    return f"CPC-{user_stem[:6]}-{chars(bits30, 5)}"


RANDOM_WINDOWS_NAME_PREFIX, RANDOM_WINDOWS_NAME_CHARS = "DESKTOP-", 7


def random_windows_name(bits40: int) -> str:
    return RANDOM_WINDOWS_NAME_PREFIX + chars(bits40, RANDOM_WINDOWS_NAME_CHARS)


def numbered_windows_name(model: Model, number: int) -> str:
    prefix = "CONTOSO-LT" if model.chassis in ("laptop", "tablet") else "CONTOSO-DT"
    return f"{prefix}-{number}"


def linux_name(user_stem: str, number: int) -> str:
    return f"ubuntu-{user_stem[:8]}-{number}"


def shared_name(os_name: str, serial_hint: int) -> str:
    kind = {"iOS": "iPhone", "iPadOS": "iPad", "Android": "Scanner", "macOS": "Mac"}[os_name]
    return f"SHARED-{kind.upper()}-{serial_hint % 10_000:04d}"


def personal_name(os_name: str, model: Model, given: str, serial_hint: int) -> str:
    friendly = {
        "iOS": "iPhone", "iPadOS": "iPad", "macOS": "MacBook",
    }.get(os_name)
    if friendly is not None:
        # Apple devices carry the owner's name with a typographic apostrophe.
        return f"{given}\u2019s {friendly}"
    short = model.model.replace("SM-", "Galaxy-")
    return f"{given}-{short}-{serial_hint % 1000:03d}"


def user_stem(users: UserDirectory, user: int) -> str:
    """The UPN's local part without dots ("kiosk" for a userless device)."""
    return "kiosk" if user < 0 else users.upn[user].split("@")[0].replace(".", "")


# How corporate devices enroll, by platform (weights); the others follow from owner and user.
WINDOWS_COMPANY_ENROLLMENT = (("windowsAzureADJoin", 50), ("windowsCoManagement", 20),
                              ("windowsAutoEnrollment", 15),
                              ("windowsAzureADJoinUsingDeviceAuth", 10),
                              ("windowsBulkAzureDomainJoin", 5))
APPLE_PERSONAL_ENROLLMENT = (("userEnrollment", 60), ("appleUserEnrollment", 40))
APPLE_COMPANY_ENROLLMENT = (("appleBulkWithUser", 85), ("deviceEnrollmentManager", 15))
ANDROID_COMPANY_ENROLLMENT = (("androidEnterpriseFullyManaged", 60),
                              ("androidEnterpriseCorporateWorkProfile", 40))


# How each platform enrolls a userless, a personal and a corporate device: the type, or the
# weights to draw it from. macOS and Linux follow from the owner alone (below).
_Enrollment = str | tuple[tuple[str, int], ...]
_APPLE_ENROLLMENTS: tuple[_Enrollment, _Enrollment, _Enrollment] = (
    "appleBulkWithoutUser", APPLE_PERSONAL_ENROLLMENT, APPLE_COMPANY_ENROLLMENT)
ENROLLMENTS: dict[str, tuple[_Enrollment, _Enrollment, _Enrollment]] = {
    "Windows": ("windowsBulkUserless", "windowsAutoEnrollment", WINDOWS_COMPANY_ENROLLMENT),
    "iOS": _APPLE_ENROLLMENTS,
    "iPadOS": _APPLE_ENROLLMENTS,
    "Android": ("androidEnterpriseDedicatedDevice", "userEnrollment",
                ANDROID_COMPANY_ENROLLMENT),
}


def _enrollment_for(rng: random.Random, os_name: str, owner: str, userless: bool) -> str:
    if os_name == "macOS":
        return "appleBulkWithUser" if owner == "company" else "userEnrollment"
    if os_name not in ENROLLMENTS:
        return "userEnrollment"
    for_userless, for_personal, for_company = ENROLLMENTS[os_name]
    enrollment = (for_userless if userless else
                  for_personal if owner == "personal" else for_company)
    return enrollment if isinstance(enrollment, str) else _weighted(rng, enrollment)


def agent_for(os_name: str, enrollment: str) -> str:
    if enrollment == "windowsCoManagement":
        return "configurationManagerClientMdm"
    if os_name == "Android" and enrollment.startswith("androidEnterprise"):
        return "googleCloudDevicePolicyController"
    if os_name == "Linux":
        return "intuneClient"
    return "mdm"


def build_devices(store: DeviceStore, count: int, rng: random.Random) -> None:
    """Fill the column store with `count` devices (device_replay.py draws the same in bulk)."""
    _draw_devices(store, count, rng)
    finish_devices(store, count, rng)


def finish_devices(store: DeviceStore, count: int, rng: random.Random) -> None:
    """What follows the draw of every device, however drawn: Alice's device, every state in
    small tenants, the hostile names."""
    _give_alice_a_device(store)
    _ensure_every_value(store.compliance, [state for state, _ in COMPLIANCE_WEIGHTS], rng)
    _ensure_config_manager(store)
    _ensure_every_value(store.management, [state for state, _ in MANAGEMENT_WEIGHTS], rng)
    for position, name in zip(HOSTILE_DEVICE_POSITIONS, HOSTILE_DEVICE_NAMES, strict=True):
        if position < count:
            store.name[position] = name


def _draw_devices(store: DeviceStore, count: int, rng: random.Random) -> None:
    """The devices drawn one call at a time."""
    platforms = rng.choices(PLATFORMS, [platform.weight for platform in PLATFORMS], k=count)
    compliance = rng.choices(*zip(*COMPLIANCE_WEIGHTS, strict=True), k=count)
    management = rng.choices(*zip(*MANAGEMENT_WEIGHTS, strict=True), k=count)
    users = store.users
    for index in range(count):
        platform = platforms[index]
        os_name = platform.os
        model = _weighted(rng, _by_weight(platform.models))
        version = _weighted(rng, platform.versions)
        owner = "company" if rng.random() < platform.company_share else "personal"
        userless = (owner == "company" and rng.random() < USERLESS_SHARE) or \
            model.model == USERLESS_MODEL
        if userless:
            owner = "company"
        user = -1 if userless else rng.randrange(len(users))
        enrollment = _enrollment_for(rng, os_name, owner, userless)
        low, high, _ = _weighted(rng, _SYNC_AGE_DRAW)
        sync_age = rng.randrange(low, high)
        enroll_age = sync_age + rng.randrange(*ENROLLED_BEFORE_SYNC)
        encrypted = rng.random() < platform.encrypted_share
        jailbroken = "Unknown" if os_name in ("Windows", "Linux") else "False"
        state = compliance[index]
        if os_name in ("iOS", "Android") and rng.random() < JAILBROKEN_SHARE:
            jailbroken, state = "True", "noncompliant"
        if enrollment == "windowsCoManagement" and rng.random() < CONFIG_MANAGER_SHARE:
            state = "configManager"
        given = None if user < 0 else users.given[user]
        stem = user_stem(users, user)
        store.os.append(os_name)
        store.os_version.append(version)
        store.model.append(model)
        store.owner.append(owner)
        store.user.append(user)
        store.compliance.append(state)
        store.management.append(management[index])
        store.enrollment.append(enrollment)
        store.agent.append(agent_for(os_name, enrollment))
        store.sync_age.append(sync_age)
        store.enroll_age.append(enroll_age)
        store.encrypted.append(encrypted)
        store.jailbroken.append(jailbroken)
        store.category.append("Frontline" if userless else rng.choice(DEVICE_CATEGORIES))
        store.storage_gb.append(rng.choice(model.storage_gb))
        store.free_share.append(rng.randrange(*FREE_SHARE))
        store.supervised.append(os_name in ("iOS", "iPadOS") and enrollment.startswith(
            "appleBulk"))
        store.name.append(_device_name(rng, os_name, model, given, stem, rng.getrandbits(20)))
        if rng.random() < NOTES_SHARE:
            store.notes[index] = rng.choice(NOTES)


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
    store.generation += 1

"""Detected apps: the software inventory devices report, computed per device."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from intune_tui.demo.tenant.device_views import device_index
from intune_tui.demo.tenant.ids import mix64
from intune_tui.demo.tenant.records import RecordSet

if TYPE_CHECKING:
    from intune_tui.demo.tenant.model import DemoTenant


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


def device_detected_apps(tenant: DemoTenant, ids: list[str], beta: bool) -> RecordSet | None:
    index = device_index(tenant, ids[0])
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


def tenant_detected_apps(tenant: DemoTenant, ids: list[str], beta: bool) -> RecordSet:
    holders = _detected_app_counts(tenant)
    records = [_detected_app_json(os_name, position, len(devices))
               for (os_name, position), devices in holders.items() if devices]
    return RecordSet(records)


def detected_app_devices(tenant: DemoTenant, ids: list[str], beta: bool) -> RecordSet | None:
    store = tenant.devices

    def render(index: int) -> dict[str, Any]:
        return {"@odata.type": "#microsoft.graph.managedDevice",
                "id": store.id_of(index), "deviceName": store.device_name(index)}

    for (os_name, position), devices in _detected_app_counts(tenant).items():
        if _detected_app_id(os_name, position) == ids[0].lower():
            return RecordSet(devices, store.value, render, store.id_of)
    return None

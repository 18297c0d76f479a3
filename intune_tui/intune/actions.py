"""The remote-action catalog: Microsoft's per-platform matrix of remote device actions.

Which actions exist per platform is the Intune docs page "Remote device actions", read from its
source: MicrosoftDocs/memdocs `intune/device-management/actions/index.md` at commit 0df91200,
ms.date 2026-03-09 (published under learn.microsoft.com/intune/device-management/actions/; the
older copy `intune/intune-service/remote-actions/index.md`, ms.date 2025-09-22, lists the same
actions but for macOS "Rotate Recovery Lock passcode"). An action's `platforms` are the tabs
that list it and `name_on(platform)` is the tab's name for it; nothing is offered on a platform
whose tab does not list it (Linux has no tab, so no action is offered there). Where Intune
needs more than the platform (supervised, corporate-owned, an Android Enterprise mode, an OS
version), that is a `Condition` from the action's own docs page (memdocs
`intune/intune-service/remote-actions/*.md`, ms.date 2025-08/09 unless noted): an action whose
condition this device fails is shown disabled with the reason, never hidden.

Three actions the seed had that the page does not list keep the platforms Graph gives them:
`shutDown` (device-shutdown.md: supervised iOS/iPadOS, macOS), `disableLostMode` (the beta
`remoteAction` enum: "disable lost mode on a supervised iOS device"; the page's "Lost mode"
covers turning it off), `recoverPasscode` (the same enum: "reset the pin for passport for work
on windows phone device").

Graph calls, API versions and bodies: v1.0 bound actions from `schemas/v1.0-Prod.csdl` of
microsoftgraph/msgraph-metadata (schema sync of 2026-08-20, commit f54f11b6); beta-only ones
from the request builders and `*_post_request_body.py` of microsoftgraph/msgraph-beta-sdk-python
(`msgraph_beta/generated/device_management/managed_devices/item/...`) and the beta
microsoft-graph-docs-contrib pages. `result_names` are the beta `remoteAction` enum members
(msgraph-beta-sdk-python `models/remote_action.py`) or, where the enum has none, the action name.

Bulk actions go through JSON `$batch` (20 sub-requests per call, one per device, each with its own
status and request-id), never through beta `managedDevices/executeAction`: `$batch` works for every
action on the same endpoints as a single-device action, on v1.0, and reports each device's own
outcome, while executeAction covers a subset of actions and only returns id lists.
"""

from __future__ import annotations

import enum
import re
import sys
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from intune_tui.intune.models import ManagedDevice
from intune_tui.intune.scopes import MANAGED_DEVICES_READ_WRITE, PRIVILEGED_OPERATIONS

BATCH_LIMIT = 20  # Graph's JSON batching accepts at most 20 requests per call

DOCS_PAGE = "https://learn.microsoft.com/intune/device-management/actions/"
DOCS_DATE = "2026-03-09"

# The docs page, "Execute a remote device action": Retire, Wipe and Delete take precedence.
PRECEDENCE_NOTE = ("Retire, Wipe and Delete take precedence over every other action: a device "
                   "with several pending actions carries out only the Retire, Wipe or Delete "
                   "and ignores the rest.")


class Tier(enum.IntEnum):
    """How much a confirmation must ask for: y/n, a detailed modal, or the typed device name."""

    BENIGN = 1
    DESTRUCTIVE = 2
    IRREVERSIBLE = 3


class Platform(enum.Enum):
    WINDOWS = "Windows"
    IOS = "iOS"
    IPADOS = "iPadOS"
    MACOS = "macOS"
    ANDROID = "Android"
    CHROMEOS = "ChromeOS"
    LINUX = "Linux"
    OTHER = "Other"


APPLE_MOBILE = frozenset({Platform.IOS, Platform.IPADOS})


def platform_of(device: Mapping[str, Any]) -> Platform:
    """The platform family of a device from its `operatingSystem`.

    Intune reports 'Windows', 'iOS', 'iPadOS', 'macOS', 'Android' (also 'AndroidForWork',
    'AndroidEnterprise'), 'Linux', and ChromeOS devices from the Chrome Enterprise connector;
    anything else is OTHER, which gets no remote action.
    """
    os_name = str(device.get("operatingSystem") or "").strip().lower()
    if os_name.startswith("windows"):
        return Platform.WINDOWS
    if os_name == "ipados":
        return Platform.IPADOS
    if os_name in ("ios", "iphone"):
        return Platform.IOS
    if os_name in ("macos", "mac os", "osx", "mac"):
        return Platform.MACOS
    if os_name.startswith("android"):
        return Platform.ANDROID
    if os_name.replace(" ", "") in ("chromeos", "chromiumos"):
        return Platform.CHROMEOS
    if os_name.startswith("linux") or os_name in ("ubuntu", "redhat", "rhel"):
        return Platform.LINUX
    return Platform.OTHER


# ---------------------------------------------------------------------------------------------
# Conditions


# managedDevice.deviceEnrollmentType members for Android Enterprise corporate modes (beta enum;
# v1.0 answers them as "unknownFutureValue", which reads as "not known").
ANDROID_DEDICATED = "androidEnterpriseDedicatedDevice"
ANDROID_FULLY_MANAGED = "androidEnterpriseFullyManaged"
ANDROID_CORPORATE_WORK_PROFILE = "androidEnterpriseCorporateWorkProfile"
ANDROID_CORPORATE_MODES = frozenset({ANDROID_DEDICATED, ANDROID_FULLY_MANAGED,
                                     ANDROID_CORPORATE_WORK_PROFILE})
APPLE_ADE = frozenset({"appleBulkWithUser", "appleBulkWithoutUser"})
_UNKNOWN_VALUES = frozenset({"", "unknown", "unknownfuturevalue"})


def _known(device: Mapping[str, Any], key: str) -> str | None:
    """A property's value, or None when Graph did not say (absent, unknown, future value)."""
    value = device.get(key)
    text = str(value).strip() if value is not None else ""
    return None if text.casefold() in _UNKNOWN_VALUES else text


def _version(text: str) -> tuple[int, ...] | None:
    parts = re.findall(r"\d+", text)
    return tuple(int(part) for part in parts[:4]) if parts else None


@dataclass(frozen=True, slots=True)
class Condition:
    """One requirement beyond the platform, for the listed platforms only.

    test answers True (met), False (not met) or None (the device does not say: the action stays
    offered, Intune decides). needs finishes the sentence "<action> needs …".
    """

    platforms: frozenset[Platform]
    needs: str
    test: Callable[[Mapping[str, Any]], bool | None]

    def problem(self, action_label: str, device: Mapping[str, Any]) -> str | None:
        if platform_of(device) not in self.platforms or self.test(device) is not False:
            return None
        return f"{action_label} needs {self.needs}."


def _supervised(device: Mapping[str, Any]) -> bool | None:
    # isSupervised is a plain bool that Intune always reports; absent reads as not supervised.
    return device.get("isSupervised") is True


def supervised(platforms: Iterable[Platform], words: str = "a supervised device") -> Condition:
    return Condition(frozenset(platforms), words, _supervised)


def _company_owned(device: Mapping[str, Any]) -> bool | None:
    owner = _known(device, "managedDeviceOwnerType")
    return None if owner is None else owner.casefold() == "company"


def corporate_owned(platforms: Iterable[Platform]) -> Condition:
    return Condition(frozenset(platforms), "a corporate-owned device", _company_owned)


def android_modes(modes: frozenset[str], words: str) -> Condition:
    """Android Enterprise corporate modes: a known enrollment type must be one of `modes`; a
    personally-owned device never is one."""

    def test(device: Mapping[str, Any]) -> bool | None:
        enrollment = _known(device, "deviceEnrollmentType")
        if enrollment is not None and enrollment in ANDROID_CORPORATE_MODES:
            return enrollment in modes
        if _company_owned(device) is False:
            return False
        return None

    return Condition(frozenset({Platform.ANDROID}), words, test)


def _personal_work_profile(device: Mapping[str, Any]) -> bool | None:
    if _known(device, "deviceEnrollmentType") in ANDROID_CORPORATE_MODES:
        return False
    company = _company_owned(device)
    return None if company is None else not company


def min_os(platforms: Iterable[Platform], version: str, words: str) -> Condition:
    wanted = _version(version) or ()

    def test(device: Mapping[str, Any]) -> bool | None:
        have = _version(str(device.get("osVersion") or ""))
        return None if have is None else have >= wanted

    return Condition(frozenset(platforms), words, test)


def _lost_mode(device: Mapping[str, Any]) -> bool | None:
    state = _known(device, "lostModeState")  # beta property; v1.0 reads leave it out
    return None if state is None else state.casefold() == "enabled"


def _apple_ade(device: Mapping[str, Any]) -> bool | None:
    enrollment = _known(device, "deviceEnrollmentType")
    return None if enrollment is None else enrollment in APPLE_ADE


SUPERVISED_APPLE = supervised(APPLE_MOBILE, "a supervised iOS/iPadOS device")
IN_LOST_MODE = Condition(APPLE_MOBILE, "the device in lost mode", _lost_mode)
ANDROID_COBO_COSU_COPE = android_modes(
    ANDROID_CORPORATE_MODES,
    "an Android Enterprise corporate-owned device (dedicated, fully managed or corporate-owned "
    "work profile)")
# The iOS/iPadOS tab lists Logout current user and Remove user for Shared iPad only.
SHARED_IPAD_ONLY = Condition(frozenset({Platform.IOS}), "a Shared iPad (iPadOS), not an iPhone",
                             lambda device: False)
ANDROID_PERSONAL_WORK_PROFILE = Condition(
    frozenset({Platform.ANDROID}), "an Android Enterprise personally-owned work profile device",
    _personal_work_profile)


# ---------------------------------------------------------------------------------------------
# Options


class OptionError(ValueError):
    """An action option is missing, unknown or malformed; `str()` says which and why."""


_WINDOWS_NAME = re.compile(r"^[A-Za-z0-9-]{1,15}$")
_SIX_DIGITS = re.compile(r"^\d{6}$")


def _check_device_name(value: str, platform: Platform | None) -> str | None:
    if len(value) > 63:
        return "A device name can be at most 63 characters."
    if platform is Platform.WINDOWS and (not _WINDOWS_NAME.match(value) or value.isdigit()):
        return ("A Windows device name has at most 15 letters, digits or hyphens "
                "and cannot be only digits.")
    return None


def _check_unlock_code(value: str, platform: Platform | None) -> str | None:
    return None if _SIX_DIGITS.match(value) else "The macOS unlock PIN must be exactly 6 digits."


def _check_upn(value: str, platform: Platform | None) -> str | None:
    return None if "@" in value else "Give the user's full sign-in name (name@domain)."


def _check_minutes(value: str, platform: Platform | None) -> str | None:
    return None if value.isdigit() and int(value) > 0 else (
        "Give the number of minutes as a whole number above 0.")


def _check_url(value: str, platform: Platform | None) -> str | None:
    return None if re.match(r"^https?://[^\s/]+", value) else (
        "Give the carrier's activation server URL (https://…).")


@dataclass(frozen=True, slots=True)
class ActionOption:
    """One body field the user sets in the confirmation modal.

    kind: "bool" (yes/no), "str" (text), "int" (a whole number within minimum..maximum, sent as
        a JSON number) or "choice" (one id from a list the modal reads from Graph: `source`
        names the list, e.g. "remediation_scripts").
    platforms: where the field means something; None means every platform of the action.
    required: a text, number or choice option that must not be empty (bool options are always
        sent).
    max_length: the longest text Intune accepts (the modal's input stops there too).
    check: validates a text value; returns the sentence to show, or None when fine.
    recorded_as: for a secret (a PIN), what the audit keeps instead of the value; the request
        log keeps neither. The admin center shows such a PIN after the action, so it need not be
        kept here.
    """

    key: str
    label: str
    kind: str
    default: bool | str | None
    platforms: frozenset[Platform] | None = None
    required: bool = False
    help: str = ""
    check: Callable[[str, Platform | None], str | None] | None = None
    max_length: int | None = None
    minimum: int | None = None
    maximum: int | None = None
    source: str | None = None
    recorded_as: str | None = None

    def applies_to(self, platform: Platform | None) -> bool:
        return platform is None or self.platforms is None or platform in self.platforms


# Run remediation's script list: beta `GET /deviceManagement/deviceHealthScripts` (the entity is
# beta-only; properties from msgraph-beta-sdk-python models/device_health_script.py; the list
# needs DeviceManagementConfiguration.Read.All or ReadWrite.All).
REMEDIATION_SCRIPTS_PATH = "/deviceManagement/deviceHealthScripts"
REMEDIATION_SCRIPTS_VERSION = "beta"
REMEDIATION_SCRIPT_SELECT: tuple[str, ...] = (
    "id", "displayName", "description", "publisher", "version", "isGlobalScript",
)


@dataclass(frozen=True, slots=True)
class RemediationScript:
    """One remediation script package (deviceHealthScript) the user can run on a device."""

    id: str
    display_name: str
    publisher: str = ""
    description: str = ""
    is_global: bool = False

    @classmethod
    def from_graph(cls, item: Mapping[str, Any]) -> RemediationScript:
        return cls(
            id=str(item.get("id") or ""),
            display_name=str(item.get("displayName") or item.get("id") or ""),
            publisher=str(item.get("publisher") or ""),
            description=str(item.get("description") or ""),
            is_global=item.get("isGlobalScript") is True,
        )


# ---------------------------------------------------------------------------------------------
# Actions


@dataclass(frozen=True, slots=True)
class RemoteAction:
    """One remote action on a managed device.

    label: the name the docs page uses; doc_names: where a platform's tab names it differently
        (iOS "Remove passcode" and Android "Reset passcode" are both resetPasscode).
    documented: False for the three seed actions the page does not list (kept on Graph's
        platforms); the menu still offers them, the README table marks them.
    segment: the action's URL segment after `/managedDevices/{id}/` ("" for the device itself).
    http_method: POST for every action but Delete (DELETE on the device).
    required_scope: what the app requests before sending (PrivilegedOperations for most: a live
        test saw syncDevice refused without it; Delete and Collect diagnostics document
        ManagedDevices.ReadWrite.All).
    seed_scope: the scope the seed article lists the action under (None: not in the seed).
    platforms: the docs tabs that list the action; conditions: what else Intune requires there.
    unsupported: why this app does not send the action although the page lists it (shown as
        the disabled reason); None for every action the app can send.
    fixed_body: a body the action always sends (Defender quick vs full scan).
    result_names: `actionName` values this action appears as in `deviceActionResults` and
        `remoteActionAudits` (compared case-insensitively).
    bulk_excluded: why the action is not offered for marked devices (None: it is).
    watches_management_state: following the action also follows the device's managementState
        (retire, wipe, delete end the management of the device).
    """

    key: str
    label: str
    segment: str
    api_version: str
    tier: Tier
    consequence: str
    platforms: frozenset[Platform]
    result_names: tuple[str, ...]
    conditions: tuple[Condition, ...] = ()
    options: tuple[ActionOption, ...] = ()
    fixed_body: Mapping[str, Any] | None = None
    required_scope: str = PRIVILEGED_OPERATIONS
    seed_scope: str | None = PRIVILEGED_OPERATIONS
    http_method: str = "POST"  # Delete is `DELETE managedDevices/{id}` with an empty segment
    doc_names: Mapping[Platform, str] = field(default_factory=dict)
    documented: bool = True
    unsupported: str | None = None
    bulk_excluded: str | None = None
    watches_management_state: bool = False

    @property
    def action_name(self) -> str:
        """The primary `actionName` in deviceActionResults."""
        return self.result_names[0]

    def name_on(self, platform: Platform) -> str:
        """What the docs page's tab for `platform` calls this action."""
        return self.doc_names.get(platform, self.label)

    def offered_on(self, platform: Platform) -> bool:
        """Whether the docs page lists this action for `platform` (or Graph does, for the three
        undocumented seed actions)."""
        return platform in self.platforms

    def path(self, device_id: str) -> str:
        """`/deviceManagement/managedDevices/{id}/{segment}` for one device."""
        text = str(device_id)
        if not text or any(ch in text for ch in "/?#%\\") or text in (".", ".."):
            raise ValueError(f"not a valid device id: {text!r}")
        base = f"/deviceManagement/managedDevices/{text}"
        return f"{base}/{self.segment}" if self.segment else base

    def why_not(self, device: Mapping[str, Any]) -> str | None:
        """Why this action cannot be sent to `device`, or None when it can."""
        platform = platform_of(device)
        if platform not in self.platforms:
            where = ", ".join(p.value for p in Platform if p in self.platforms)
            return f"{self.label} is available for {where} devices, not {_os_words(device)}."
        if self.unsupported:
            return self.unsupported
        label = self.name_on(platform)
        for condition in self.conditions:
            problem = condition.problem(label, device)
            if problem:
                return problem
        return None

    def applies_to(self, device: Mapping[str, Any]) -> bool:
        return self.why_not(device) is None

    def options_for(self, device: Mapping[str, Any] | None) -> tuple[ActionOption, ...]:
        """The options that mean something for this device (all of them when None)."""
        platform = platform_of(device) if device is not None else None
        return tuple(option for option in self.options if option.applies_to(platform))

    @property
    def secret_fields(self) -> frozenset[str]:
        """Body fields that carry a secret (the macOS unlock PIN): kept in no record."""
        return frozenset(option.key for option in self.options if option.recorded_as)

    def recorded_body(self, body: Mapping[str, Any] | None) -> dict[str, Any]:
        """The body as the audit keeps it: each secret replaced by what was done with it."""
        recorded = dict(body or {})
        for option in self.options:
            if option.recorded_as and recorded.get(option.key) not in (None, ""):
                recorded[option.key] = option.recorded_as
        return recorded


def _os_words(device: Mapping[str, Any]) -> str:
    name = str(device.get("operatingSystem") or "").strip()
    return name or "unknown-OS"


_WIN = frozenset({Platform.WINDOWS})
_MAC = frozenset({Platform.MACOS})
_ANDROID = frozenset({Platform.ANDROID})
_CHROME = frozenset({Platform.CHROMEOS})
_IPADOS = frozenset({Platform.IPADOS})
_WIN_APPLE_ANDROID = _WIN | APPLE_MOBILE | _MAC | _ANDROID
_APPLE_ANDROID = APPLE_MOBILE | _MAC | _ANDROID

_CHROME_CONNECTOR = ("ChromeOS devices are managed through the Chrome Enterprise connector; "
                     "intune-tui does not send this ChromeOS action. Use the Intune admin center.")

_ACTIONS: tuple[RemoteAction, ...] = (
    # -- benign ---------------------------------------------------------------------------------
    RemoteAction(
        "syncDevice", "Sync", "syncDevice", "v1.0", Tier.BENIGN,
        "Asks the device to check in with Intune now, to receive new policies and apps and "
        "report its state.",
        _WIN_APPLE_ANDROID, ("syncDevice",), seed_scope=None,
    ),
    RemoteAction(
        "locateDevice", "Locate device", "locateDevice", "v1.0", Tier.BENIGN,
        "Asks the device for its current location and shows it. On iOS/iPadOS this works only "
        "while the device is in lost mode.",
        APPLE_MOBILE | _WIN | _ANDROID, ("locateDevice",),
        conditions=(SUPERVISED_APPLE, IN_LOST_MODE, ANDROID_COBO_COSU_COPE),
        seed_scope=MANAGED_DEVICES_READ_WRITE,
    ),
    RemoteAction(
        "windowsDefenderQuickScan", "Quick Scan", "windowsDefenderScan", "v1.0",
        Tier.BENIGN,
        "Starts a Microsoft Defender Antivirus quick scan of the places malware usually hides. "
        "The device may slow down briefly.",
        _WIN, ("windowsDefenderScan", "quickScan"),
        fixed_body={"quickScan": True}, seed_scope=None,
    ),
    RemoteAction(
        "windowsDefenderFullScan", "Full Scan", "windowsDefenderScan", "v1.0",
        Tier.BENIGN,
        "Starts a full Microsoft Defender Antivirus scan of every file. It can take hours and "
        "slow the device while it runs.",
        _WIN, ("windowsDefenderScan", "fullScan"),
        fixed_body={"quickScan": False}, seed_scope=None,
    ),
    RemoteAction(
        "windowsDefenderUpdateSignatures", "Update Windows Defender security intelligence",
        "windowsDefenderUpdateSignatures", "v1.0", Tier.BENIGN,
        "Tells Microsoft Defender Antivirus to download its latest security intelligence now.",
        _WIN, ("windowsDefenderUpdateSignatures", "signatureUpdate"),
        seed_scope=None,
    ),
    RemoteAction(
        "requestRemoteAssistance", "New remote assistance session", "requestRemoteAssistance",
        "v1.0", Tier.BENIGN,
        "Sends the user a remote assistance session request; nothing happens unless the user "
        "accepts it.",
        _WIN_APPLE_ANDROID, ("requestRemoteAssistance",), seed_scope=MANAGED_DEVICES_READ_WRITE,
    ),
    # Beta only; Graph returns 200 with a deviceLogCollectionResponse. Docs (beta page
    # intune-devices-manageddevice-createdevicelogcollectionrequest): ManagedDevices.ReadWrite
    # or Configuration.ReadWrite; the v1.0 CSDL of 2026-08-20 does not declare the action.
    RemoteAction(
        "createDeviceLogCollectionRequest", "Collect diagnostics",
        "createDeviceLogCollectionRequest", "beta", Tier.BENIGN,
        "Asks Windows to collect its diagnostic logs and upload them to Intune, where they can "
        "be downloaded from the device's diagnostics.",
        _WIN, ("collectDiagnostics", "createDeviceLogCollectionRequest"),
        fixed_body={"templateType": {"@odata.type": "microsoft.graph.deviceLogCollectionRequest",
                                     "templateType": "predefined"}},
        required_scope=MANAGED_DEVICES_READ_WRITE, seed_scope=None,
    ),
    RemoteAction(
        "playLostModeSound", "Play Lost Mode sound", "playLostModeSound", "beta", Tier.BENIGN,
        "Plays a loud sound on the device so someone nearby can find it, for the minutes you "
        "give or until the user stops it.",
        APPLE_MOBILE | _ANDROID, ("playLostModeSound",),
        conditions=(SUPERVISED_APPLE, IN_LOST_MODE, ANDROID_COBO_COSU_COPE),
        doc_names={Platform.ANDROID: "Play lost device sound"}, seed_scope=None,
        options=(
            # Graph types it Edm.String (beta SDK play_lost_mode_sound_post_request_body.py).
            ActionOption("durationInMinutes", "Play for (minutes)", "str", "", required=True,
                         check=_check_minutes, max_length=4),
        ),
    ),
    # Limits from custom-notifications.md (ms.date 2025-10-27): title 50, body 500 characters.
    RemoteAction(
        "sendCustomNotificationToCompanyPortal", "Send custom notification",
        "sendCustomNotificationToCompanyPortal", "beta", Tier.BENIGN,
        "Shows your message as a push notification from the Company Portal (or Intune) app. "
        "Delivery is not guaranteed and Intune keeps no copy of the text.",
        APPLE_MOBILE | _ANDROID, ("sendCustomNotificationToCompanyPortal",
                                  "customTextNotification"),
        conditions=(ANDROID_PERSONAL_WORK_PROFILE,), seed_scope=None,
        options=(
            ActionOption("notificationTitle", "Title", "str", "", required=True, max_length=50,
                         help="At most 50 characters"),
            ActionOption("notificationBody", "Message", "str", "", required=True,
                         max_length=500, help="At most 500 characters"),
        ),
    ),
    # -- destructive ----------------------------------------------------------------------------
    RemoteAction(
        "remoteLock", "Remote lock", "remoteLock", "v1.0", Tier.DESTRUCTIVE,
        "Locks the device screen now. The user needs their passcode to use it again; unsaved "
        "work stays open.",
        APPLE_MOBILE | _MAC | _ANDROID, ("remoteLock",),
        conditions=(corporate_owned(_ANDROID),),
    ),
    RemoteAction(
        "resetPasscode", "Reset passcode", "resetPasscode", "v1.0", Tier.DESTRUCTIVE,
        "Removes the passcode on iOS/iPadOS, or replaces it with a new temporary passcode shown "
        "in Intune on Android. The user's current passcode stops working.",
        APPLE_MOBILE | _ANDROID, ("resetPasscode",),
        doc_names={Platform.IOS: "Remove passcode", Platform.IPADOS: "Remove passcode"},
    ),
    RemoteAction(
        "recoverPasscode", "Recover passcode", "recoverPasscode", "v1.0", Tier.DESTRUCTIVE,
        "Resets the Windows Hello for Business (Passport for Work) PIN; the user sets a new "
        "one at the next sign-in.",
        _WIN, ("recoverPasscode",), documented=False,
    ),
    RemoteAction(
        "rebootNow", "Restart", "rebootNow", "v1.0", Tier.DESTRUCTIVE,
        "Restarts the device now, without asking the user. Unsaved work is lost.",
        _WIN_APPLE_ANDROID | _CHROME, ("rebootNow",),
        conditions=(SUPERVISED_APPLE, android_modes(
            frozenset({ANDROID_DEDICATED, ANDROID_FULLY_MANAGED}),
            "an Android Enterprise fully managed or dedicated device")),
    ),
    RemoteAction(
        "shutDown", "Shut down", "shutDown", "v1.0", Tier.DESTRUCTIVE,
        "Shuts the device down now, without asking the user. It stays off until someone turns "
        "it on; unsaved work is lost.",
        APPLE_MOBILE | _MAC, ("shutDown",), conditions=(SUPERVISED_APPLE,),
        seed_scope=None, documented=False,
    ),
    RemoteAction(
        "enableLostMode", "Lost mode", "enableLostMode", "beta", Tier.DESTRUCTIVE,
        "Locks the device and shows your message and phone number on its lock screen. Nobody "
        "can use it until lost mode is turned off.",
        APPLE_MOBILE, ("enableLostMode",), conditions=(SUPERVISED_APPLE,),
        options=(
            ActionOption("message", "Lock-screen message", "str", "", required=True,
                         help="Shown on the lock screen, e.g. 'This iPad belongs to Contoso'."),
            ActionOption("phoneNumber", "Phone number to call", "str", ""),
            ActionOption("footer", "Footnote", "str", ""),
        ),
    ),
    RemoteAction(
        "disableLostMode", "Disable lost mode", "disableLostMode", "v1.0", Tier.DESTRUCTIVE,
        "Turns lost mode off: the lock-screen message disappears and the user can unlock the "
        "device again. Locating it stops working.",
        APPLE_MOBILE, ("disableLostMode",), conditions=(SUPERVISED_APPLE,), documented=False,
    ),
    # Destructive, not irreversible: it removes the lock but not the device's data; still a theft
    # risk, so it gets the detailed modal. Docs: supervised iOS/iPadOS via ADE, macOS via ADE.
    RemoteAction(
        "bypassActivationLock", "Disable Activation Lock", "bypassActivationLock", "v1.0",
        Tier.DESTRUCTIVE,
        "Clears Activation Lock, so after a reset the device can be set up without the user's "
        "Apple ID. Anyone holding it can then reuse it.",
        APPLE_MOBILE | _MAC, ("bypassActivationLock",),
        conditions=(SUPERVISED_APPLE, Condition(
            APPLE_MOBILE | _MAC, "a device enrolled through Automated Device Enrollment",
            _apple_ade)),
        seed_scope=MANAGED_DEVICES_READ_WRITE,
    ),
    RemoteAction(
        "logoutSharedAppleDeviceActiveUser", "Logout current user",
        "logoutSharedAppleDeviceActiveUser", "v1.0", Tier.DESTRUCTIVE,
        "Signs the current user out of the shared iPad. Anything not yet synced to the cloud may "
        "be lost.",
        APPLE_MOBILE, ("logoutSharedAppleDeviceActiveUser",),
        conditions=(SHARED_IPAD_ONLY, supervised(_IPADOS, "a supervised Shared iPad")),
        seed_scope=None,
    ),
    RemoteAction(
        "deleteUserFromSharedAppleDevice", "Remove user",
        "deleteUserFromSharedAppleDevice", "v1.0", Tier.DESTRUCTIVE,
        "Deletes the named user's account and their cached data from the shared iPad. Anything "
        "not synced to the cloud is lost.",
        APPLE_MOBILE, ("deleteUserFromSharedAppleDevice",),
        conditions=(SHARED_IPAD_ONLY, supervised(_IPADOS, "a supervised Shared iPad")),
        bulk_excluded="The user to delete differs per iPad; do it one by one.",
        options=(
            ActionOption("userPrincipalName", "User to delete (sign-in name)", "str", "",
                         required=True, check=_check_upn),
        ),
    ),
    # device-rename.md: Android Enterprise COBO/COSU/COPE, supervised iOS/iPadOS, corporate-owned
    # macOS and Windows.
    RemoteAction(
        "setDeviceName", "Rename device", "setDeviceName", "beta", Tier.DESTRUCTIVE,
        "Renames the device. Windows applies the new name at the next restart; scripts and "
        "people who know the old name will no longer find it.",
        _WIN_APPLE_ANDROID, ("setDeviceName",),
        conditions=(SUPERVISED_APPLE, corporate_owned(_WIN | _MAC), ANDROID_COBO_COSU_COPE),
        seed_scope=None,
        bulk_excluded="Renaming gives every device the same name; rename devices one by one.",
        options=(
            ActionOption("deviceName", "New device name", "str", "", required=True,
                         check=_check_device_name, max_length=63),
        ),
    ),
    RemoteAction(
        "rotateBitLockerKeys", "BitLocker key rotation", "rotateBitLockerKeys", "beta",
        Tier.DESTRUCTIVE,
        "Makes Windows create a new BitLocker recovery key and escrow it; the old recovery key "
        "stops working.",
        _WIN, ("rotateBitLockerKeys",), seed_scope=None,
    ),
    RemoteAction(
        "rotateLocalAdminPassword", "Rotate local admin password", "rotateLocalAdminPassword",
        "beta", Tier.DESTRUCTIVE,
        "Makes Windows LAPS set a new local administrator password and back it up; the current "
        "password stops working.",
        _WIN, ("rotateLocalAdminPassword",), seed_scope=None,
    ),
    # pause-config-refresh.md (ms.date 2025-04-10): Windows 11, at most 1,440 minutes, 0 resumes.
    RemoteAction(
        "pauseConfigurationRefresh", "Pause Config Refresh", "pauseConfigurationRefresh", "beta",
        Tier.DESTRUCTIVE,
        "Stops Windows from re-applying its Intune settings (Config Refresh) for the minutes "
        "you give, so changes made for troubleshooting stay; 0 resumes it.",
        _WIN, ("pauseConfigurationRefresh",),
        conditions=(min_os(_WIN, "10.0.22000", "Windows 11 (OS version 10.0.22000 or later)"),),
        seed_scope=None,
        options=(
            ActionOption("pauseTimePeriodInMinutes", "Pause for (minutes, 0-1440)", "int", "",
                         required=True, minimum=0, maximum=1440, max_length=4),
        ),
    ),
    RemoteAction(
        "initiateOnDemandProactiveRemediation", "Run remediation",
        "initiateOnDemandProactiveRemediation", "beta", Tier.DESTRUCTIVE,
        "Runs the chosen remediation script package on the device now: its detection script, "
        "and its remediation script if an issue is found.",
        _WIN, ("initiateOnDemandProactiveRemediation",), seed_scope=None,
        bulk_excluded="Run remediation picks its script in the device's own confirmation; run "
                      "it device by device.",
        options=(
            ActionOption("scriptPolicyId", "Remediation script", "choice", "", required=True,
                         source="remediation_scripts"),
        ),
    ),
    RemoteAction(
        "rotateFileVaultKey", "Rotate FileVault recovery key", "rotateFileVaultKey", "beta",
        Tier.DESTRUCTIVE,
        "Makes the Mac create a new FileVault personal recovery key and escrow it with Intune; "
        "the old key stops working.",
        _MAC, ("rotateFileVaultKey",), seed_scope=None,
    ),
    # rotate-recovery-lock-passcode.md (ms.date 2026-03-09): supervised macOS 11.5+, Apple
    # silicon only (not readable from managedDevice on v1.0; Intune refuses Intel Macs).
    RemoteAction(
        "rotateRecoveryLockPasscode", "Rotate Recovery Lock passcode",
        "rotateRecoveryLockPasscode", "beta", Tier.DESTRUCTIVE,
        "Replaces the Mac's Recovery Lock passcode with a new one shown in Intune; the old one "
        "stops opening recoveryOS. Apple silicon Macs only.",
        _MAC, ("rotateRecoveryLockPasscode",),
        conditions=(supervised(_MAC, "a supervised Mac"),
                    min_os(_MAC, "11.5", "macOS 11.5 or later")),
        seed_scope=None,
    ),
    # update-cellular-data-plan.md: iOS/iPadOS, Graph activateDeviceEsim (carrierUrl).
    RemoteAction(
        "activateDeviceEsim", "Update cellular data plan", "activateDeviceEsim", "beta",
        Tier.DESTRUCTIVE,
        "Activates an eSIM cellular plan from your carrier's activation server; the device's "
        "cellular data then uses that plan.",
        APPLE_MOBILE, ("activateDeviceEsim",), seed_scope=None,
        options=(
            ActionOption("carrierUrl", "Carrier activation server URL", "str", "",
                         required=True, check=_check_url),
        ),
    ),
    # remove-apps-config.md: Graph changeAssignments with a per-item picker of the device's
    # assigned apps and profiles, which intune-tui does not have.
    RemoteAction(
        "changeAssignments", "Remove apps and configuration", "changeAssignments", "beta",
        Tier.DESTRUCTIVE,
        "Temporarily removes chosen apps and configuration profiles from the device; Intune "
        "restores them within 8 to 24 hours.",
        APPLE_MOBILE | _ANDROID, ("changeAssignments",),
        unsupported="Remove apps and configuration needs the admin center's picker of assigned "
                    "apps and profiles; intune-tui does not send it. Use the Intune admin center.",
        seed_scope=None, bulk_excluded="Not sent by intune-tui.",
    ),
    RemoteAction(
        "cleanWindowsDevice", "Fresh Start", "cleanWindowsDevice", "v1.0",
        Tier.DESTRUCTIVE,
        "Reinstalls Windows and removes every app that did not come with it, including company "
        "apps. User files are deleted too unless 'Keep user data' is on.",
        _WIN, ("cleanWindowsDevice",),
        options=(
            ActionOption("keepUserData", "Keep user data", "bool", False),
        ),
    ),
    RemoteAction(
        "retire", "Retire", "retire", "v1.0", Tier.DESTRUCTIVE,
        "Removes company data, apps, email profiles and settings Intune put on the device and "
        "stops managing it. The user's personal data stays. " + PRECEDENCE_NOTE,
        _WIN_APPLE_ANDROID, ("retire", "removeCompanyData"), watches_management_state=True,
    ),
    # -- irreversible ---------------------------------------------------------------------------
    RemoteAction(
        "wipe", "Wipe", "wipe", "v1.0", Tier.IRREVERSIBLE,
        "Erases all data on the device and returns it to factory settings. The user loses "
        "everything not backed up. " + PRECEDENCE_NOTE,
        _WIN_APPLE_ANDROID, ("wipe", "factoryReset"), watches_management_state=True,
        options=(
            ActionOption("keepEnrollmentData", "Keep enrollment state and user account", "bool",
                         False, platforms=_WIN),
            ActionOption("keepUserData", "Keep user data", "bool", False, platforms=_WIN),
            ActionOption("persistEsimDataPlan", "Keep the eSIM data plan", "bool", False,
                         platforms=APPLE_MOBILE),
            ActionOption("macOsUnlockCode", "macOS unlock PIN (6 digits)", "str", "",
                         platforms=_MAC, check=_check_unlock_code,
                         help="Needed to unlock a Mac with Find My or firmware password.",
                         recorded_as="unlock PIN set (not recorded)"),
        ),
    ),
    # device-autopilot-reset.md: Graph "wipe action", keeping Entra ID and Intune enrollment and
    # removing user data: wipe's keepEnrollmentData true, keepUserData false.
    RemoteAction(
        "autopilotReset", "Autopilot reset", "wipe", "v1.0", Tier.IRREVERSIBLE,
        "Removes the user's files, apps and settings and re-applies the original configuration; "
        "the device stays joined and enrolled, and Wi-Fi, region and keyboard are kept.",
        _WIN, ("factoryResetKeepEnrollmentData", "wipe", "factoryReset"),
        fixed_body={"keepEnrollmentData": True, "keepUserData": False},
        watches_management_state=True,
    ),
    # DELETE managedDevice (v1.0): ManagedDevices.ReadWrite.All, 204. Listed on the four tabs.
    RemoteAction(
        "delete", "Delete", "", "v1.0", Tier.IRREVERSIBLE,
        "Removes the device from Intune: company data is removed, the device is retired and "
        "disappears from the device list. " + PRECEDENCE_NOTE,
        _WIN_APPLE_ANDROID, ("delete",), http_method="DELETE",
        required_scope=MANAGED_DEVICES_READ_WRITE, seed_scope=None,
        watches_management_state=True,
    ),
    # -- ChromeOS tab ---------------------------------------------------------------------------
    RemoteAction(
        "chromeOsDeprovision", "Deprovision", "deprovision", "beta", Tier.DESTRUCTIVE,
        "Removes Google Admin policies from a ChromeOS device that is no longer in use.",
        _CHROME, ("deprovision",), unsupported=_CHROME_CONNECTOR, seed_scope=None,
        bulk_excluded="Not sent by intune-tui.",
    ),
    RemoteAction(
        "chromeOsLostMode", "Lost mode", "disable", "beta", Tier.DESTRUCTIVE,
        "Locks a lost or stolen ChromeOS device and shows the message set in the Google Admin "
        "console (Chrome Enterprise calls this Disabled).",
        _CHROME, ("disable",), unsupported=_CHROME_CONNECTOR, seed_scope=None,
        bulk_excluded="Not sent by intune-tui.",
    ),
    RemoteAction(
        "chromeOsWipe", "Wipe", "wipe", "v1.0", Tier.IRREVERSIBLE,
        "Erases user profiles or the whole device (Powerwash); a factory reset is needed before "
        "the device can enroll again.",
        _CHROME, ("wipe",), unsupported=_CHROME_CONNECTOR, seed_scope=None,
        bulk_excluded="Not sent by intune-tui.",
    ),
)

ACTIONS: dict[str, RemoteAction] = {action.key: action for action in _ACTIONS}


def actions_for(device: Mapping[str, Any]) -> list[RemoteAction]:
    """The actions that can be sent to `device`, benign first, in catalog order within a tier."""
    applicable = [action for action in _ACTIONS if action.applies_to(device)]
    return sorted(applicable, key=lambda action: action.tier)


@dataclass(frozen=True, slots=True)
class MenuEntry:
    """One line of the actions menu for a device: the action, and why it cannot be chosen for
    this device (None: it can)."""

    action: RemoteAction
    reason_disabled: str | None = None

    @property
    def enabled(self) -> bool:
        return self.reason_disabled is None

    def label_for(self, device: Mapping[str, Any]) -> str:
        return self.action.name_on(platform_of(device))


def offered_on(platform: Platform) -> list[RemoteAction]:
    """Every action offered on `platform` (enabled or not), benign first, catalog order within."""
    return sorted((a for a in _ACTIONS if a.offered_on(platform)), key=lambda a: a.tier)


def menu_for(device: Mapping[str, Any]) -> list[MenuEntry]:
    """The menu for one device: every action its platform's tab lists, each with the reason it
    is disabled for this device (None when it can be chosen). Actions of other platforms never
    appear; a platform without a tab (Linux) gets an empty menu."""
    return [MenuEntry(action, action.why_not(device))
            for action in offered_on(platform_of(device))]


def no_actions_reason(device: Mapping[str, Any]) -> str:
    """What the menu says when a device's platform has no remote actions at all."""
    return (f"Microsoft's remote device actions page lists no remote action for "
            f"{_os_words(device)} devices.")


def action_for_result(action_name: str | None) -> RemoteAction | None:
    """The catalog action a deviceActionResults / remoteActionAudits name belongs to."""
    if not action_name:
        return None
    wanted = action_name.casefold()
    for action in _ACTIONS:
        if any(name.casefold() == wanted for name in action.result_names):
            return action
    return None


def build_body(
    action: RemoteAction,
    options: Mapping[str, object] | None = None,
    *,
    device: Mapping[str, Any] | None = None,
) -> dict[str, Any] | None:
    """The JSON body to send for `action`, or None when the action takes no body.

    Options the action does not have raise OptionError; options that do not apply to `device`'s
    platform are left out (macOS unlock PIN on an iPhone); bool options not given take their
    default; required text, number and choice options must be given.
    """
    given = dict(options or {})
    known = {option.key for option in action.options}
    unknown = sorted(set(given) - known)
    if unknown:
        raise OptionError(f"{action.label} has no option {', '.join(unknown)}.")
    platform = platform_of(device) if device is not None else None
    body: dict[str, Any] = dict(action.fixed_body or {})
    for option in action.options:
        if not option.applies_to(platform):
            continue
        value = given.get(option.key, option.default)
        if option.kind == "bool":
            if not isinstance(value, bool):
                raise OptionError(f"{option.label} must be yes or no.")
            body[option.key] = value
            continue
        text = "" if value is None else str(value).strip()
        if not text:
            if option.required:
                raise OptionError(f"{action.label} needs: {option.label}.")
            continue
        body[option.key] = _option_value(option, text, platform)
    return body or None


def _option_value(option: ActionOption, text: str, platform: Platform | None) -> object:
    if option.max_length is not None and len(text) > option.max_length:
        raise OptionError(f"{option.label} can be at most {option.max_length} characters "
                          f"({len(text)} given).")
    if option.kind == "int":
        if not re.fullmatch(r"-?\d+", text):
            raise OptionError(f"{option.label} must be a whole number.")
        number = int(text)
        low = option.minimum if option.minimum is not None else number
        high = option.maximum if option.maximum is not None else number
        if not low <= number <= high:
            raise OptionError(f"{option.label} must be between {low} and {high}.")
        return number
    problem = option.check(text, platform) if option.check else None
    if problem:
        raise OptionError(problem)
    return text


# ---------------------------------------------------------------------------------------------
# The README table


# The docs page's tabs; iOS and iPadOS share one (their lists are the same).
README_TABS: tuple[tuple[str, Platform], ...] = (
    ("Windows", Platform.WINDOWS), ("iOS/iPadOS", Platform.IPADOS), ("macOS", Platform.MACOS),
    ("Android", Platform.ANDROID), ("ChromeOS", Platform.CHROMEOS),
)


def markdown_table() -> str:
    """The per-platform action table for the README, generated from this catalog."""
    lines = [
        f"Per platform, the remote actions of Microsoft's [Remote device actions]({DOCS_PAGE}) "
        f"page (stored copy of {DOCS_DATE}), as `a` offers them. *Needs* lists what Intune "
        "requires beyond the platform; a device that does not meet it sees the action "
        "disabled with the reason. † = not on that page, offered where Graph's reference "
        "gives it.",
        "",
    ]
    for title, platform in README_TABS:
        lines += [f"**{title}**", "",
                  "| Action | Graph call | Tier | Needs |", "|---|---|---|---|"]
        for action in sorted(offered_on(platform), key=lambda a: a.name_on(platform).casefold()):
            lines.append(_table_row(action, platform))
        lines.append("")
    return "\n".join(lines).rstrip() + "\n"


def _table_row(action: RemoteAction, platform: Platform) -> str:
    name = action.name_on(platform) + ("" if action.documented else " †")
    if action.unsupported:
        call = "not sent by intune-tui"
    elif action.http_method == "DELETE":
        call = f"`DELETE {action.api_version} managedDevices/{{id}}`"
    else:
        call = f"`{action.api_version}` `{action.segment}`"
    needs = "; ".join(c.needs for c in action.conditions if platform in c.platforms)
    tier = Tier(action.tier).name.lower()
    return f"| {name} | {call} | {tier} | {needs or '—'} |"


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if args != ["--markdown"]:
        print("usage: python -m intune_tui.intune.actions --markdown", file=sys.stderr)
        return 2
    sys.stdout.write(markdown_table())
    return 0


# ---------------------------------------------------------------------------------------------
# Bulk


@dataclass(frozen=True, slots=True)
class BulkRequest:
    """One device's sub-request of a bulk action (url relative, without the API version)."""

    device_id: str
    device_name: str
    url: str
    body: dict[str, Any] | None
    method: str = "POST"  # the action's http_method: DELETE for Delete


@dataclass(frozen=True, slots=True)
class BulkSkip:
    """A selected device the action was not sent to, and why."""

    device_id: str
    device_name: str
    reason: str


@dataclass(frozen=True)
class BulkAction:
    """A remote action planned for many devices: who gets which body, who is skipped, in
    `$batch` chunks of `BATCH_LIMIT`. Build with `BulkAction.plan(...)`."""

    action: RemoteAction
    requests: tuple[BulkRequest, ...]
    skipped: tuple[BulkSkip, ...] = field(default=())

    @classmethod
    def plan(
        cls,
        devices: Iterable[Mapping[str, Any]],
        action: RemoteAction,
        options: Mapping[str, object] | None = None,
    ) -> BulkAction:
        """Plan `action` for `devices`: duplicates dropped, inapplicable devices skipped with a
        reason, each body built for its own device's platform. Option errors that concern every
        device (unknown key, missing required text) raise OptionError before anything is sent."""
        build_body(action, options)  # fail fast on options wrong for every device
        requests: list[BulkRequest] = []
        skipped: list[BulkSkip] = []
        seen: set[str] = set()
        for device in devices:
            record = ManagedDevice.from_graph(device)
            device_id, name = record.id or "", record.label
            if not device_id:
                skipped.append(BulkSkip("", name, "The device has no id."))
                continue
            if device_id in seen:
                continue
            seen.add(device_id)
            reason = action.why_not(device)
            if reason is None:
                try:
                    body = build_body(action, options, device=device)
                    url = action.path(device_id)
                except ValueError as error:
                    reason = str(error)
            if reason is not None:
                skipped.append(BulkSkip(device_id, name, reason))
                continue
            requests.append(BulkRequest(device_id, name, url, body, action.http_method))
        return cls(action=action, requests=tuple(requests), skipped=tuple(skipped))

    @property
    def api_version(self) -> str:
        return self.action.api_version

    def chunks(self, size: int = BATCH_LIMIT) -> list[tuple[BulkRequest, ...]]:
        """The requests in `$batch`-sized groups (at most 20 each)."""
        size = max(1, min(size, BATCH_LIMIT))
        return [self.requests[i:i + size] for i in range(0, len(self.requests), size)]


if __name__ == "__main__":
    raise SystemExit(main())

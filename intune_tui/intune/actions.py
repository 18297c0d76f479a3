"""The remote-action catalog: what each action does, where it applies, how dangerous it is.

Every action the seed and the reference (§2) describe for `managedDevice`, with its endpoint
segment, API version, danger tier, scope, platforms, options and a plain-words consequence the
confirmation modal shows. The UI offers only `actions_for(device)`; the service posts
`build_body(...)`.

Bulk actions go through JSON `$batch` (20 sub-requests per call, one per device, each with its own
status and request-id), never through beta `managedDevices/executeAction`: `$batch` works for every
action on the same endpoints as a single-device action, on v1.0, and reports each device's own
outcome, while executeAction covers a subset of actions and only returns id lists.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from intune_tui.intune.scopes import MANAGED_DEVICES_READ_WRITE, PRIVILEGED_OPERATIONS

BATCH_LIMIT = 20  # Graph's JSON batching accepts at most 20 requests per call


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
    LINUX = "Linux"
    OTHER = "Other"


APPLE_MOBILE = frozenset({Platform.IOS, Platform.IPADOS})
MANAGED_PLATFORMS = frozenset(Platform) - {Platform.OTHER}


def platform_of(device: Mapping[str, Any]) -> Platform:
    """The platform family of a device from its `operatingSystem`.

    Intune reports 'Windows', 'iOS', 'iPadOS', 'macOS', 'Android' (also 'AndroidForWork',
    'AndroidEnterprise'), 'Linux'; anything else is OTHER and gets only the universal actions.
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
    if os_name.startswith("linux") or os_name in ("ubuntu", "redhat", "rhel"):
        return Platform.LINUX
    return Platform.OTHER


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


@dataclass(frozen=True, slots=True)
class ActionOption:
    """One body field the user may set in the confirmation modal.

    platforms: where the field means something; None means every platform of the action.
    required: a text option that must not be empty (bool options are always sent).
    check: validates a text value; returns the sentence to show, or None when fine.
    """

    key: str
    label: str
    kind: str  # "bool" | "str"
    default: bool | str | None
    platforms: frozenset[Platform] | None = None
    required: bool = False
    help: str = ""
    check: Callable[[str, Platform | None], str | None] | None = None

    def applies_to(self, platform: Platform | None) -> bool:
        return platform is None or self.platforms is None or platform in self.platforms


@dataclass(frozen=True, slots=True)
class RemoteAction:
    """One remote action on a managed device.

    segment: the action's URL segment after `/managedDevices/{id}/` ("" for the device itself).
    http_method: POST for every action but Delete (DELETE on the device).
    required_scope: what the app requests before posting (PrivilegedOperations for all: a live
        test saw syncDevice refused without it, and the docs list it for every action).
    seed_scope: the scope the seed article lists the action under (None: not in the seed).
    platforms: where the action exists; supervised_on: of those, where Intune also requires a
        supervised (Apple Business/School Manager) device.
    fixed_body: a body the action always sends (Defender quick vs full scan).
    result_names: `actionName` values this action appears as in `deviceActionResults` and
        `remoteActionAudits` (compared case-insensitively).
    """

    key: str
    label: str
    segment: str
    api_version: str
    tier: Tier
    consequence: str
    platforms: frozenset[Platform]
    result_names: tuple[str, ...]
    supervised_on: frozenset[Platform] = frozenset()
    ipados_only: bool = False
    options: tuple[ActionOption, ...] = ()
    fixed_body: Mapping[str, Any] | None = None
    required_scope: str = PRIVILEGED_OPERATIONS
    seed_scope: str | None = PRIVILEGED_OPERATIONS
    http_method: str = "POST"  # Delete is `DELETE managedDevices/{id}` with an empty segment
    bulk_excluded: str | None = None  # why the action is never sent to many devices at once
    watches_management_state: bool = False  # following it also shows the managementState

    @property
    def action_name(self) -> str:
        """The primary `actionName` in deviceActionResults."""
        return self.result_names[0]

    def path(self, device_id: str) -> str:
        """`/deviceManagement/managedDevices/{id}/{segment}` for one device."""
        text = str(device_id)
        if not text or any(ch in text for ch in "/?#%\\") or text in (".", ".."):
            raise ValueError(f"not a valid device id: {text!r}")
        base = f"/deviceManagement/managedDevices/{text}"
        return f"{base}/{self.segment}" if self.segment else base

    def why_not(self, device: Mapping[str, Any]) -> str | None:
        """Why this action is not offered for `device`, or None when it is."""
        platform = platform_of(device)
        if platform not in self.platforms:
            where = ", ".join(p.value for p in Platform if p in self.platforms)
            return f"{self.label} is available for {where} devices, not {_os_words(device)}."
        if platform in self.supervised_on and device.get("isSupervised") is not True:
            return f"{self.label} needs a supervised {platform.value} device."
        return None

    def applies_to(self, device: Mapping[str, Any]) -> bool:
        return self.why_not(device) is None

    def options_for(self, device: Mapping[str, Any] | None) -> tuple[ActionOption, ...]:
        """The options that mean something for this device (all of them when None)."""
        platform = platform_of(device) if device is not None else None
        return tuple(option for option in self.options if option.applies_to(platform))


def _os_words(device: Mapping[str, Any]) -> str:
    name = str(device.get("operatingSystem") or "").strip()
    return name or "unknown-OS"


_ALL = MANAGED_PLATFORMS | {Platform.OTHER}
_NOT_LINUX = MANAGED_PLATFORMS - {Platform.LINUX}
_PASSCODE_PLATFORMS = frozenset({Platform.ANDROID, Platform.WINDOWS}) | APPLE_MOBILE

_ACTIONS: tuple[RemoteAction, ...] = (
    RemoteAction(
        "syncDevice", "Sync", "syncDevice", "v1.0", Tier.BENIGN,
        "Asks the device to check in with Intune now, to receive new policies and apps and "
        "report its state.",
        _ALL, ("syncDevice",), seed_scope=None,
    ),
    RemoteAction(
        "locateDevice", "Locate device", "locateDevice", "v1.0", Tier.BENIGN,
        "Asks the device for its current location. On iOS/iPadOS this works only while the "
        "device is in lost mode.",
        APPLE_MOBILE | {Platform.WINDOWS, Platform.ANDROID}, ("locateDevice",),
        seed_scope=MANAGED_DEVICES_READ_WRITE,
    ),
    RemoteAction(
        "windowsDefenderQuickScan", "Defender quick scan", "windowsDefenderScan", "v1.0",
        Tier.BENIGN,
        "Starts a Microsoft Defender Antivirus quick scan of the places malware usually hides. "
        "The device may slow down briefly.",
        frozenset({Platform.WINDOWS}), ("windowsDefenderScan", "quickScan"),
        fixed_body={"quickScan": True}, seed_scope=None,
    ),
    RemoteAction(
        "windowsDefenderFullScan", "Defender full scan", "windowsDefenderScan", "v1.0",
        Tier.BENIGN,
        "Starts a full Microsoft Defender Antivirus scan of every file. It can take hours and "
        "slow the device while it runs.",
        frozenset({Platform.WINDOWS}), ("windowsDefenderScan", "fullScan"),
        fixed_body={"quickScan": False}, seed_scope=None,
    ),
    RemoteAction(
        "windowsDefenderUpdateSignatures", "Update Defender signatures",
        "windowsDefenderUpdateSignatures", "v1.0", Tier.BENIGN,
        "Tells Microsoft Defender Antivirus to download its latest security intelligence now.",
        frozenset({Platform.WINDOWS}), ("windowsDefenderUpdateSignatures", "signatureUpdate"),
        seed_scope=None,
    ),
    RemoteAction(
        "requestRemoteAssistance", "Request remote assistance", "requestRemoteAssistance", "v1.0",
        Tier.BENIGN,
        "Sends the user a remote assistance (TeamViewer) session request; nothing happens "
        "unless the user accepts it.",
        _NOT_LINUX, ("requestRemoteAssistance",), seed_scope=MANAGED_DEVICES_READ_WRITE,
    ),
    RemoteAction(
        "remoteLock", "Remote lock", "remoteLock", "v1.0", Tier.DESTRUCTIVE,
        "Locks the device screen now. The user needs their passcode to use it again; unsaved "
        "work stays open.",
        _NOT_LINUX, ("remoteLock",),
    ),
    RemoteAction(
        "resetPasscode", "Reset passcode", "resetPasscode", "v1.0", Tier.DESTRUCTIVE,
        "Removes the passcode on iOS/iPadOS, or replaces it with a new temporary passcode shown "
        "in Intune on Android and Windows. The user's current passcode stops working.",
        _PASSCODE_PLATFORMS, ("resetPasscode",),
    ),
    # The reference gives no platforms; offered on the mobile platforms the passcode actions
    # were built for (Windows uses resetPasscode).
    RemoteAction(
        "recoverPasscode", "Recover passcode", "recoverPasscode", "v1.0", Tier.DESTRUCTIVE,
        "Retrieves a recovery passcode so the user can unlock the device; the passcode becomes "
        "visible to Intune administrators.",
        APPLE_MOBILE | {Platform.ANDROID}, ("recoverPasscode",),
    ),
    RemoteAction(
        "rebootNow", "Restart", "rebootNow", "v1.0", Tier.DESTRUCTIVE,
        "Restarts the device now, without asking the user. Unsaved work is lost.",
        frozenset({Platform.WINDOWS, Platform.MACOS, Platform.ANDROID}) | APPLE_MOBILE,
        ("rebootNow",), supervised_on=APPLE_MOBILE,
    ),
    RemoteAction(
        "shutDown", "Shut down", "shutDown", "v1.0", Tier.DESTRUCTIVE,
        "Shuts the device down now, without asking the user. It stays off until someone turns "
        "it on; unsaved work is lost.",
        APPLE_MOBILE | {Platform.MACOS}, ("shutDown",), supervised_on=APPLE_MOBILE,
        seed_scope=None,
    ),
    RemoteAction(
        "enableLostMode", "Enable lost mode", "enableLostMode", "beta", Tier.DESTRUCTIVE,
        "Locks the device and shows your message and phone number on its lock screen. Nobody "
        "can use it until lost mode is turned off.",
        APPLE_MOBILE, ("enableLostMode",), supervised_on=APPLE_MOBILE,
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
        APPLE_MOBILE, ("disableLostMode",), supervised_on=APPLE_MOBILE,
    ),
    # Destructive, not irreversible: it removes the lock but not the device's data; still a theft
    # risk, so it gets the detailed modal.
    RemoteAction(
        "bypassActivationLock", "Bypass Activation Lock", "bypassActivationLock", "v1.0",
        Tier.DESTRUCTIVE,
        "Clears Activation Lock, so after a reset the device can be set up without the user's "
        "Apple ID. Anyone holding it can then reuse it.",
        APPLE_MOBILE, ("bypassActivationLock",), supervised_on=APPLE_MOBILE,
        seed_scope=MANAGED_DEVICES_READ_WRITE,
    ),
    RemoteAction(
        "logoutSharedAppleDeviceActiveUser", "Sign out shared iPad user",
        "logoutSharedAppleDeviceActiveUser", "v1.0", Tier.DESTRUCTIVE,
        "Signs the current user out of the shared iPad. Anything not yet synced to the cloud may "
        "be lost.",
        frozenset({Platform.IPADOS}), ("logoutSharedAppleDeviceActiveUser",),
        supervised_on=frozenset({Platform.IPADOS}), seed_scope=None,
    ),
    RemoteAction(
        "deleteUserFromSharedAppleDevice", "Delete user from shared iPad",
        "deleteUserFromSharedAppleDevice", "v1.0", Tier.DESTRUCTIVE,
        "Deletes the named user's account and their cached data from the shared iPad. Anything "
        "not synced to the cloud is lost.",
        frozenset({Platform.IPADOS}), ("deleteUserFromSharedAppleDevice",),
        supervised_on=frozenset({Platform.IPADOS}),
        bulk_excluded="The user to delete differs per iPad; do it one by one.",
        options=(
            ActionOption("userPrincipalName", "User to delete (sign-in name)", "str", "",
                         required=True, check=_check_upn),
        ),
    ),
    RemoteAction(
        "setDeviceName", "Rename device", "setDeviceName", "beta", Tier.DESTRUCTIVE,
        "Renames the device. Windows applies the new name at the next restart; scripts and "
        "people who know the old name will no longer find it.",
        frozenset({Platform.WINDOWS, Platform.MACOS}) | APPLE_MOBILE, ("setDeviceName",),
        supervised_on=APPLE_MOBILE, seed_scope=None,
        bulk_excluded="Renaming gives every device the same name; rename devices one by one.",
        options=(
            ActionOption("deviceName", "New device name", "str", "", required=True,
                         check=_check_device_name),
        ),
    ),
    RemoteAction(
        "cleanWindowsDevice", "Fresh start (clean Windows)", "cleanWindowsDevice", "v1.0",
        Tier.DESTRUCTIVE,
        "Reinstalls Windows and removes every app that did not come with it, including company "
        "apps. User files are deleted too unless 'Keep user data' is on.",
        frozenset({Platform.WINDOWS}), ("cleanWindowsDevice",),
        options=(
            ActionOption("keepUserData", "Keep user data", "bool", False),
        ),
    ),
    RemoteAction(
        "retire", "Retire", "retire", "v1.0", Tier.DESTRUCTIVE,
        "Removes company data, apps, email profiles and settings Intune put on the device and "
        "stops managing it. The user's personal data stays.",
        _ALL, ("retire", "removeCompanyData"), watches_management_state=True,
    ),
    RemoteAction(
        "wipe", "Wipe", "wipe", "v1.0", Tier.IRREVERSIBLE,
        "Erases all data on the device and returns it to factory settings. The user loses "
        "everything not backed up.",
        _NOT_LINUX, ("wipe", "factoryReset"), watches_management_state=True,
        options=(
            ActionOption("keepEnrollmentData", "Keep enrollment state and user account", "bool",
                         False, platforms=frozenset({Platform.WINDOWS})),
            ActionOption("keepUserData", "Keep user data", "bool", False,
                         platforms=frozenset({Platform.WINDOWS})),
            ActionOption("persistEsimDataPlan", "Keep the eSIM data plan", "bool", False,
                         platforms=APPLE_MOBILE),
            ActionOption("macOsUnlockCode", "macOS unlock PIN (6 digits)", "str", "",
                         platforms=frozenset({Platform.MACOS}), check=_check_unlock_code,
                         help="Needed to unlock a Mac with Find My or firmware password."),
        ),
    ),
)

ACTIONS: dict[str, RemoteAction] = {action.key: action for action in _ACTIONS}


def actions_for(device: Mapping[str, Any]) -> list[RemoteAction]:
    """The actions that apply to `device`, benign first, in catalog order within a tier."""
    applicable = [action for action in _ACTIONS if action.applies_to(device)]
    return sorted(applicable, key=lambda action: action.tier)


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
    """The JSON body to POST for `action`, or None when the action takes no body.

    Options the action does not have raise OptionError; options that do not apply to `device`'s
    platform are left out (macOS unlock PIN on an iPhone); bool options not given take their
    default; required text options must be given.
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
        problem = option.check(text, platform) if option.check else None
        if problem:
            raise OptionError(problem)
        body[option.key] = text
    return body or None


# ---------------------------------------------------------------------------------------------
# Bulk


@dataclass(frozen=True, slots=True)
class BulkRequest:
    """One device's sub-request of a bulk action (url relative, without the API version)."""

    device_id: str
    device_name: str
    url: str
    body: dict[str, Any] | None


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
            device_id = str(device.get("id") or "")
            name = str(device.get("deviceName") or device_id)
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
            requests.append(BulkRequest(device_id, name, url, body))
        return cls(action=action, requests=tuple(requests), skipped=tuple(skipped))

    @property
    def api_version(self) -> str:
        return self.action.api_version

    def chunks(self, size: int = BATCH_LIMIT) -> list[tuple[BulkRequest, ...]]:
        """The requests in `$batch`-sized groups (at most 20 each)."""
        size = max(1, min(size, BATCH_LIMIT))
        return [self.requests[i:i + size] for i in range(0, len(self.requests), size)]

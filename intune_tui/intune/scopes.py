"""The Intune permission scopes of Microsoft Graph, as the seed article tables them.

One place for what each scope is called in the admin center ("Enable Access" wording), what it
permits, and which scopes imply which. The "my access" screen and the 403 help read this.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable
from dataclasses import dataclass


class Access(enum.Enum):
    READ = "read"
    READ_WRITE = "readwrite"
    PRIVILEGED = "privileged"  # user-impacting remote actions


@dataclass(frozen=True, slots=True)
class Scope:
    """One Graph permission scope for Intune.

    name: the scope as it appears in a token's `scp` claim.
    enable_access: the admin center's "Enable Access" wording.
    permits_reading / permits_changing: the entities the seed lists for this scope.
    remote_actions: remote actions the seed lists under this scope.
    implies: narrower scopes this one includes (ReadWrite includes Read).
    """

    name: str
    enable_access: str
    area: str
    access: Access
    permits_reading: tuple[str, ...] = ()
    permits_changing: tuple[str, ...] = ()
    remote_actions: tuple[str, ...] = ()
    implies: tuple[str, ...] = ()
    # Scopes outside the seed's Intune table (asked for when a feature first needs them): the
    # screens that need them, and the Entra roles the signed-in account must also hold.
    needed_by: tuple[str, ...] = ()
    entra_roles: tuple[str, ...] = ()

    def summary(self) -> str:
        """One sentence: what holding this scope lets the app do."""
        parts: list[str] = []
        if self.permits_reading:
            parts.append("read " + ", ".join(self.permits_reading))
        if self.permits_changing:
            parts.append("change " + ", ".join(self.permits_changing))
        if self.remote_actions:
            parts.append("run remote actions: " + ", ".join(self.remote_actions))
        text = ("Lets the app " + "; ".join(parts) + ".") if parts else ""
        if self.entra_roles:
            roles = self.entra_roles
            named = roles[0] if len(roles) == 1 else ", ".join(roles[:-1]) + " or " + roles[-1]
            text += f" Your account must also hold the Entra role {named}."
        return text.strip()


PRIVILEGED_OPERATIONS = "DeviceManagementManagedDevices.PrivilegedOperations.All"
MANAGED_DEVICES_READ = "DeviceManagementManagedDevices.Read.All"
MANAGED_DEVICES_READ_WRITE = "DeviceManagementManagedDevices.ReadWrite.All"
RBAC_READ = "DeviceManagementRBAC.Read.All"
RBAC_READ_WRITE = "DeviceManagementRBAC.ReadWrite.All"
APPS_READ = "DeviceManagementApps.Read.All"
APPS_READ_WRITE = "DeviceManagementApps.ReadWrite.All"
CONFIGURATION_READ = "DeviceManagementConfiguration.Read.All"
CONFIGURATION_READ_WRITE = "DeviceManagementConfiguration.ReadWrite.All"
SERVICE_CONFIG_READ = "DeviceManagementServiceConfig.Read.All"
SERVICE_CONFIG_READ_WRITE = "DeviceManagementServiceConfig.ReadWrite.All"
ENTRA_DEVICES_READ = "Device.Read.All"
ENTRA_DEVICES_WRITE = "Directory.AccessAsUser.All"
BITLOCKER_KEY_READ = "BitlockerKey.Read.All"
BITLOCKER_KEY_READ_BASIC = "BitlockerKey.ReadBasic.All"
LAPS_READ = "DeviceLocalCredential.Read.All"
LAPS_READ_BASIC = "DeviceLocalCredential.ReadBasic.All"
USER_READ_ALL = "User.Read.All"
USER_READ_BASIC_ALL = "User.ReadBasic.All"
DIRECTORY_READ_ALL = "Directory.Read.All"

_APP_ENTITIES = ("client apps", "mobile app categories", "app protection policies",
                 "app configurations")
_CONFIGURATION_ENTITIES = ("device configuration", "device compliance policies",
                           "notification messages")
_SERVICE_CONFIG_ENTITIES = (
    "device enrollment", "Apple push notification certificate", "Apple Device Enrollment Program",
    "Apple Volume Purchase Program", "Exchange connector", "terms and conditions", "Cloud PKI",
    "branding", "mobile threat defense",
)

# The Entra roles the bitlockerRecoveryKey page lists (learn.microsoft.com, read 2026-12-06); the
# device's registered owner may read its own keys too.
_BITLOCKER_ROLES = ("Cloud Device Administrator", "Helpdesk Administrator",
                    "Intune Service Administrator", "Security Administrator", "Security Reader",
                    "Global Reader")

def _intune_pair(read_write: str, read: str, what: str, area: str, *,
                 reading: tuple[str, ...], changing: tuple[str, ...] | None = None,
                 remote_actions: tuple[str, ...] = ()) -> tuple[Scope, Scope]:
    """An Intune ReadWrite scope and the Read scope it includes, named as the admin center names
    them ("Read and write Microsoft Intune apps", "Read Microsoft Intune apps"); the ReadWrite
    one changes `changing` (by default what the Read one reads)."""
    return (
        Scope(read_write, f"Read and write Microsoft Intune {what}", area, Access.READ_WRITE,
              permits_changing=reading if changing is None else changing,
              remote_actions=remote_actions, implies=(read,)),
        Scope(read, f"Read Microsoft Intune {what}", area, Access.READ, permits_reading=reading),
    )


# Order follows the seed's table (admin center order).
SCOPES: dict[str, Scope] = {
    scope.name: scope
    for scope in (
        Scope(
            PRIVILEGED_OPERATIONS,
            "Perform user-impacting remote actions on Microsoft Intune devices",
            "devices",
            Access.PRIVILEGED,
            remote_actions=("retire", "wipe", "reset/recover passcode", "remote lock",
                            "enable/disable lost mode", "clean PC", "reboot",
                            "delete user from shared device"),
        ),
        *_intune_pair(MANAGED_DEVICES_READ_WRITE, MANAGED_DEVICES_READ, "devices", "devices",
                      reading=("managed devices", "device categories", "detected apps",
                               "remote actions", "malware information"),
                      changing=("managed devices", "device categories"),
                      remote_actions=("locate devices", "disable Activation Lock",
                                      "request remote assistance")),
        *_intune_pair(RBAC_READ_WRITE, RBAC_READ, "RBAC settings", "roles",
                      reading=("role assignments", "role definitions", "resource operations"),
                      changing=("role assignments", "role definitions")),
        *_intune_pair(APPS_READ_WRITE, APPS_READ, "apps", "apps", reading=_APP_ENTITIES),
        *_intune_pair(CONFIGURATION_READ_WRITE, CONFIGURATION_READ,
                      "Device Configuration and Policies", "policies",
                      reading=_CONFIGURATION_ENTITIES),
        *_intune_pair(SERVICE_CONFIG_READ_WRITE, SERVICE_CONFIG_READ, "configuration", "tenant",
                      reading=_SERVICE_CONFIG_ENTITIES),
        # Not in the seed's table: Entra ID device objects, for offboarding (issue 18). Names as
        # the Graph permissions reference gives them. Disabling or deleting an Entra device with
        # a delegated token needs Directory.AccessAsUser.All ("device-update"/"device-delete"
        # pages, read 2026-12-06; Device.ReadWrite.All is for app-only tokens there). The
        # Autopilot identities fall under ServiceConfig above.
        Scope(ENTRA_DEVICES_WRITE, "Access the directory as the signed-in user", "devices",
              Access.READ_WRITE, permits_changing=("Entra ID devices (disable, delete)",),
              needed_by=("offboarding: disable or delete the Entra device",),
              entra_roles=("Intune Administrator", "Cloud Device Administrator (disable only)")),
        Scope(ENTRA_DEVICES_READ, "Read all devices", "devices", Access.READ,
              permits_reading=("Entra ID devices",)),
        # Recovery secrets (intune/secrets.py), asked for only when the Recovery tab needs them.
        # Names and what they allow: the Graph permissions reference and the bitlockerRecoveryKey
        # / deviceLocalCredentialInfo pages (learn.microsoft.com, read 2026-12-06).
        Scope(BITLOCKER_KEY_READ, "Read BitLocker keys", "recovery", Access.READ,
              permits_reading=("BitLocker recovery keys",), implies=(BITLOCKER_KEY_READ_BASIC,),
              needed_by=("Recovery tab: reveal a BitLocker key",),
              entra_roles=_BITLOCKER_ROLES),
        Scope(BITLOCKER_KEY_READ_BASIC, "Read BitLocker keys basic information", "recovery",
              Access.READ, permits_reading=("which BitLocker keys a device has",),
              needed_by=("Recovery tab: list BitLocker keys",), entra_roles=_BITLOCKER_ROLES),
        Scope(LAPS_READ, "Read device local credential passwords", "recovery", Access.READ,
              permits_reading=("Windows LAPS passwords",), implies=(LAPS_READ_BASIC,),
              needed_by=("Recovery tab: reveal the LAPS password",),
              entra_roles=("Cloud Device Administrator", "Intune Service Administrator")),
        Scope(LAPS_READ_BASIC, "Read device local credential properties", "recovery",
              Access.READ, permits_reading=("when a device's LAPS password was backed up",),
              needed_by=("Recovery tab: whether a LAPS password is backed up",),
              entra_roles=_BITLOCKER_ROLES),
        # Entra users (intune/directory.py): the basic profile is name, sign-in name and mail;
        # job title, department and phones need User.Read.All (permissions reference).
        Scope(USER_READ_ALL, "Read all users' full profiles", "directory", Access.READ,
              permits_reading=("users' job title, department and office phone",),
              implies=(USER_READ_BASIC_ALL,),
              needed_by=("the primary user's card (job title, department, phone)",)),
        Scope(USER_READ_BASIC_ALL, "Read all users' basic profiles", "directory", Access.READ,
              permits_reading=("users' names, sign-in names and mail",),
              needed_by=(":user NAME", "the primary user's card (name, sign-in name)")),
        Scope(DIRECTORY_READ_ALL, "Read directory data", "directory", Access.READ,
              permits_reading=("group and user names instead of ids (getByIds)",
                               "a device's group memberships"),
              implies=(USER_READ_ALL, USER_READ_BASIC_ALL),
              needed_by=("group names in assignments and roles", "a device's Groups tab")),
    )
}

# What the app asks for at sign-in. PrivilegedOperations is requested only at the first remote
# action (incremental consent), so a read-only helpdesk user never has to consent to it.
READ_SCOPES: tuple[str, ...] = (
    MANAGED_DEVICES_READ,
    APPS_READ,
    CONFIGURATION_READ,
    RBAC_READ,
    SERVICE_CONFIG_READ,
)


def scope_granted(required: str, granted: Iterable[str]) -> bool:
    """True when `granted` holds `required` itself or a scope that implies it.

    Case-insensitive, and tolerant of the resource prefix
    ("https://graph.microsoft.com/DeviceManagementApps.Read.All").
    """
    wanted = bare_name(required)
    for name in granted:
        bare = bare_name(name)
        if bare == wanted:
            return True
        scope = _SCOPES_LOWER.get(bare)
        if scope is not None and wanted in (bare_name(i) for i in scope.implies):
            return True
    return False


@dataclass(frozen=True, slots=True)
class ForbiddenCheck:
    """One thing to verify when Graph answers 403."""

    title: str
    detail: str


def forbidden_checklist(missing_scope: str | None = None) -> list[ForbiddenCheck]:
    """What to verify after a 403, from the seed: permission, consent, role, licence."""
    scope = missing_scope or "the Intune permission this screen needs"
    scope_info = SCOPES.get(missing_scope or "")
    wording = f' ("{scope_info.enable_access}")' if scope_info else ""
    return [
        ForbiddenCheck(
            "Application permission",
            f"The app registration has the Microsoft Graph permission {scope}{wording}.",
        ),
        ForbiddenCheck(
            "Admin consent",
            "An administrator has granted consent for that permission in this tenant "
            "(all Intune permission scopes require administrator access).",
        ),
        ForbiddenCheck(
            "Intune role",
            "Your account holds an Intune role (for example Help Desk Operator or Intune "
            "Service Administrator) that allows this operation.",
        ),
        ForbiddenCheck(
            "Intune licence",
            "Your account has an Intune licence assigned (admin.microsoft.com) and the tenant "
            "has an active Intune subscription.",
        ),
    ]


def bare_name(name: str | None) -> str:
    """The scope name without a resource prefix, lower-cased."""
    if not name:
        return ""
    return name.rsplit("/", 1)[-1].strip().lower()


_SCOPES_LOWER: dict[str, Scope] = {bare_name(name): scope for name, scope in SCOPES.items()}

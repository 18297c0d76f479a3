"""Entra users (and, next, groups and id -> name resolution) as the device screens need them.

Graph facts (learn.microsoft.com, read 2026-12-06):
- GET /users/{id | userPrincipalName}, GET /users with `$filter` (user resource page: displayName
  and userPrincipalName support `startsWith` and `eq`).
- Scopes: User.ReadBasic.All reads only the *basic profile* - displayName, givenName, mail, photo,
  surname, userPrincipalName (permissions reference, "User permissions"). jobTitle, department
  and businessPhones need User.Read.All; with ReadBasic the card shows name, sign-in name and mail
  and says which scope the rest needs.
- Devices of a user: managedDevices `$filter` on userPrincipalName (eq, ne) is documented in the
  CSDL annotations; userId is not filterable, so the filter is on the sign-in name.
"""

from __future__ import annotations

import asyncio
import re
import weakref
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any, Final

from intune_tui.graph.client import GraphClient
from intune_tui.graph.errors import GraphError, GraphForbidden, GraphNotFound
from intune_tui.graph.odata import ODataQuery, quote
from intune_tui.graph.tokens import claimed_scopes
from intune_tui.intune.actions import Platform, RemoteAction, Tier
from intune_tui.intune.scopes import (
    MANAGED_DEVICES_READ_WRITE,
    RBAC_READ,
    USER_READ_ALL,
    USER_READ_BASIC_ALL,
)
from intune_tui.text import clean

if TYPE_CHECKING:
    from intune_tui.intune.resources import Resource, Row
    from intune_tui.intune.service import IntuneService

USER_READ_BASIC: Final = USER_READ_BASIC_ALL
USER_READ: Final = USER_READ_ALL
_FULL_FIELDS: Final = ("id", "displayName", "userPrincipalName", "mail", "jobTitle",
                       "department", "businessPhones")
_BASIC_FIELDS: Final = ("id", "displayName", "userPrincipalName", "mail")
FIND_LIMIT: Final = 25
CHANGE_PRIMARY_USER: Final = "changePrimaryUser"
DIRECTORY_READ: Final = "Directory.Read.All"
GET_BY_IDS_LIMIT: Final = 1000
_MAX_PAGES: Final = 50
_NO_ENTRA_DEVICE: Final = "00000000-0000-0000-0000-000000000000"
NAME_TYPES: Final = ("group", "user", "device", "servicePrincipal")
_GUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")


@dataclass(frozen=True)
class UserCard:
    """A user as the helpdesk needs them on a call. `full`: False when only the basic profile
    could be read (User.ReadBasic.All), so job title, department and phone are unknown."""

    id: str
    display_name: str
    user_principal_name: str
    mail: str = ""
    job_title: str = ""
    department: str = ""
    phones: tuple[str, ...] = ()
    full: bool = True

    @classmethod
    def from_graph(cls, item: dict[str, Any], *, full: bool) -> UserCard:
        phones = item.get("businessPhones")
        return cls(
            id=clean(item.get("id")),
            display_name=clean(item.get("displayName")),
            user_principal_name=clean(item.get("userPrincipalName")),
            mail=clean(item.get("mail")),
            job_title=clean(item.get("jobTitle")),
            department=clean(item.get("department")),
            phones=tuple(clean(phone) for phone in phones if phone)
            if isinstance(phones, list) else (),
            full=full,
        )

    def fields(self) -> list[tuple[str, object]]:
        """(label, value) lines of the card; the three full-profile ones say what they need."""
        missing = f"(needs {USER_READ})"
        return [
            ("Name", self.display_name),
            ("Sign-in name", self.user_principal_name),
            ("Email", self.mail),
            ("Job title", self.job_title if self.full else missing),
            ("Department", self.department if self.full else missing),
            ("Office phone", ", ".join(self.phones) if self.full else missing),
        ]


class Directory:
    """Entra users over one GraphClient."""

    def __init__(self, client: GraphClient) -> None:
        self.client = client

    async def user(self, user_id: str, *, full_profile: bool | None = None) -> UserCard:
        """The full card (User.Read.All), or the basic profile when only ReadBasic is granted.

        `full_profile`: whether the token holds User.Read.All (from its claims), None when
        unknown: then the full read is tried and a 403 falls back to the basic profile.
        """
        if full_profile is False:
            return await self._basic_user(user_id)
        try:
            body = await self.client.request(
                "GET", f"/users/{user_id}", api_version="v1.0",
                params={"$select": ",".join(_FULL_FIELDS)}, scopes=[USER_READ],
                required_scope=USER_READ)
            return UserCard.from_graph(_object(body.body), full=True)
        except GraphForbidden:
            return await self._basic_user(user_id)

    async def _basic_user(self, user_id: str) -> UserCard:
        body = await self.client.request(
            "GET", f"/users/{user_id}", api_version="v1.0",
            params={"$select": ",".join(_BASIC_FIELDS)}, scopes=[USER_READ_BASIC],
            required_scope=USER_READ_BASIC)
        return UserCard.from_graph(_object(body.body), full=False)

    async def get_list(self, path: str, params: Mapping[str, str]) -> list[dict[str, Any]]:
        """Every item of a directory list, following next links (Directory.Read.All)."""
        items: list[dict[str, Any]] = []
        url = path
        query: Mapping[str, str] | None = params
        for _page in range(_MAX_PAGES):
            response = await self.client.request(
                "GET", url, api_version="v1.0", params=query, scopes=[DIRECTORY_READ],
                required_scope=DIRECTORY_READ)
            body = _object(response.body)
            items.extend(item for item in body.get("value") or [] if isinstance(item, dict))
            link = body.get("@odata.nextLink")
            if not isinstance(link, str):
                break
            url, query = link, None
        return items

    async def groups_of(self, path: str) -> tuple[DirectoryName, ...]:
        """The groups `path` (/devices/{id} or /users/{id}) is in, nested ones included."""
        items = await self.get_list(f"{path}/transitiveMemberOf/microsoft.graph.group",
                                    {"$select": "id,displayName"})
        names = [DirectoryName(str(item.get("id")), clean(item.get("displayName")), "group")
                 for item in items if item.get("id")]
        return tuple(sorted(names, key=lambda name: name.name.casefold()))

    async def find_users(self, text: str) -> list[UserCard]:
        """Users whose name or sign-in name starts with `text` (at most FIND_LIMIT)."""
        words = text.strip()
        if not words:
            return []
        literal = quote(words)
        response = await self.client.request(
            "GET", "/users", api_version="v1.0",
            params={"$filter": f"startswith(displayName,{literal}) or "
                               f"startswith(userPrincipalName,{literal})",
                    "$select": ",".join(_BASIC_FIELDS), "$top": str(FIND_LIMIT)},
            scopes=[USER_READ_BASIC], required_scope=USER_READ_BASIC)
        items = response.body.get("value") if isinstance(response.body, dict) else None
        return [UserCard.from_graph(item, full=False) for item in items or []
                if isinstance(item, dict)]


def change_primary_user_action(graph_base_url: str, user: UserCard) -> RemoteAction:
    """"Change primary user" as a one-off destructive action, so the existing confirmation shows
    it (tenant, device, user, serial, consequence, the exact request and body).

    Graph: beta `POST managedDevices('{id}')/users/$ref` with the user's `@odata.id`
    (reference/demand.md; petervanderwoude.nl "Changing the primary user of Windows devices");
    sent in the equivalent key-as-segment form `managedDevices/{id}/users/$ref` that the
    confirmation shows. Scope: DeviceManagementManagedDevices.ReadWrite.All.
    """
    return RemoteAction(
        key=CHANGE_PRIMARY_USER,
        label=f"Change primary user to {user.display_name or user.user_principal_name}",
        segment="users/$ref",
        api_version="beta",
        tier=Tier.DESTRUCTIVE,
        consequence=(f"{user.user_principal_name} becomes the device's primary user: the "
                     "device moves to their Company Portal and user-targeted policies and apps "
                     "follow them; the current primary user loses it."),
        platforms=frozenset(Platform) - {Platform.OTHER},
        result_names=(CHANGE_PRIMARY_USER,),
        fixed_body={"@odata.id": f"{graph_base_url.rstrip('/')}/beta/users/{user.id}"},
        required_scope=MANAGED_DEVICES_READ_WRITE,
        seed_scope=None,
    )


async def change_primary_user(client: GraphClient, device_id: str, action: RemoteAction,
                              body: Mapping[str, Any]) -> int:
    """POST the confirmed body once (never re-sent when the answer is lost: the client raises
    OutcomeUnknown). Returns the HTTP status (204)."""
    response = await client.post_action(
        action.path(device_id), json=dict(body), api_version=action.api_version,
        scopes=[action.required_scope], required_scope=action.required_scope)
    return response.status


async def user_card(client: GraphClient, claims_of_token: Any, user_id: str) -> UserCard:
    """The card, reading the profile the token allows (`claims_of_token`: an awaitable of the
    token's claims, e.g. `session.claims()`)."""
    try:
        claims = await claims_of_token
    except Exception:  # the claims are a hint only; Graph still decides
        claims = {}
    full = full_profile_granted(claims) if isinstance(claims, Mapping) else None
    return await Directory(client).user(user_id, full_profile=full)


# -- id -> name -------------------------------------------------------------------------------


@dataclass(frozen=True)
class DirectoryName:
    """What an Entra object id stands for: its display name and kind (group, user, ...)."""

    id: str
    name: str
    kind: str


class NameCache:
    """Entra id -> name for one session (one IntuneService), filled in batches by getByIds.

    POST /directoryObjects/getByIds {"ids": [...], "types": [...]}: up to 1,000 ids a call,
    Directory.Read.All (directoryobject-getbyids, learn.microsoft.com, read 2026-12-06); ids
    that name nothing are left out of the answer (and remembered, so not asked again).
    """

    def __init__(self, client: GraphClient) -> None:
        self.client = client
        self.names: dict[str, DirectoryName] = {}
        self.unknown: set[str] = set()
        self.calls = 0
        self._scope_tags: dict[str, str] | None = None
        self._scope_tags_lock = asyncio.Lock()

    def known(self, object_id: str) -> DirectoryName | None:
        return self.names.get(object_id.lower())

    async def resolve(self, ids: Iterable[str]) -> dict[str, DirectoryName]:
        """Names of `ids` (from the cache, the rest from Graph in parallel batches)."""
        asked = {text.lower() for text in ids if isinstance(text, str) and _GUID.match(text)}
        missing = sorted(asked - self.names.keys() - self.unknown)
        batches = [missing[start:start + GET_BY_IDS_LIMIT]
                   for start in range(0, len(missing), GET_BY_IDS_LIMIT)]
        await asyncio.gather(*(self._batch(batch) for batch in batches))
        return {key: self.names[key] for key in asked if key in self.names}

    async def scope_tags(self) -> dict[str, str]:
        """Intune scope tag id -> name, read once a session (beta roleScopeTags, RBAC read;
        intune/rbac.py); screens asking together share the one read. A refusal is not kept:
        the next screen asks again (the scope may have been granted meanwhile)."""
        async with self._scope_tags_lock:
            if self._scope_tags is None:
                self._scope_tags = await role_scope_tags(self.client)
        return self._scope_tags

    async def _batch(self, ids: list[str]) -> None:
        self.calls += 1
        response = await self.client.request(
            "POST", "/directoryObjects/getByIds", api_version="v1.0",
            json={"ids": ids, "types": list(NAME_TYPES)}, scopes=[DIRECTORY_READ],
            required_scope=DIRECTORY_READ)
        found = response.body.get("value") if isinstance(response.body, dict) else None
        for item in found or []:
            if not isinstance(item, dict) or not isinstance(item.get("id"), str):
                continue
            kind = str(item.get("@odata.type") or "").rsplit(".", 1)[-1] or "object"
            name = clean(item.get("displayName")) or clean(item.get("userPrincipalName"))
            self.names[item["id"].lower()] = DirectoryName(item["id"], name, kind)
        self.unknown.update(set(ids) - self.names.keys())


# Scope tags and the assignments' roleScopeTagIds exist on beta only: `roleScopeTags` under
# deviceManagement is in the beta SDK (msgraph-beta-sdk-python device_management/role_scope_tags)
# and not in the v1.0 one (msgraph-sdk-python has device_management/role_definitions but no
# role_scope_tags), and the List roleScopeTags page exists for beta only
# (microsoft-graph-docs-contrib api-reference/beta/api/intune-rbac-rolescopetag-list.md,
# ms.date 2024-08-01, read 2026-12-07): GET /deviceManagement/roleScopeTags, properties id,
# displayName, description, isBuiltIn; scopes DeviceManagementConfiguration.Read.All,
# DeviceManagementConfiguration.ReadWrite.All, DeviceManagementRBAC.Read.All or
# DeviceManagementRBAC.ReadWrite.All (we ask for DeviceManagementRBAC.Read.All). A managed
# device's roleScopeTagIds are beta-only too (managedDevice, beta).
SCOPE_TAGS_PATH = "/deviceManagement/roleScopeTags"
SCOPE_TAG_SELECT = ("id", "displayName")


async def role_scope_tags(client: GraphClient) -> dict[str, str]:
    """Scope tag id -> name (beta; every page). Screens read them through the session's cache,
    `names_for(service).scope_tags()`."""
    names: dict[str, str] = {}
    async for page in client.paginate(SCOPE_TAGS_PATH, query=ODataQuery(select=SCOPE_TAG_SELECT),
                                      api_version="beta", required_scope=RBAC_READ):
        for item in page.items:
            if isinstance(item, dict) and item.get("id") is not None:
                names[str(item["id"])] = str(item.get("displayName") or item["id"])
    return names


_CACHES: weakref.WeakKeyDictionary[Any, NameCache] = weakref.WeakKeyDictionary()


def names_for(service: IntuneService) -> NameCache:
    """The session's name cache (one per IntuneService, so a tenant switch starts afresh)."""
    cache = _CACHES.get(service)
    if cache is None:
        cache = _CACHES[service] = NameCache(service.client)
    return cache


async def with_group_names(service: IntuneService, resource: Resource, rows: list[Row],
                           now: datetime) -> list[Row]:
    """Assignment rows again, their target groups named (`groupDisplayName` beside `groupId`,
    which stays for copying). A failed lookup leaves the rows as they were."""
    ids = [str(target.get("groupId")) for row in rows
           if isinstance(target := row.item.get("target"), dict) and target.get("groupId")]
    if not ids:
        return rows
    try:
        names = await names_for(service).resolve(ids)
    except GraphError:
        return rows
    items: list[dict[str, Any]] = []
    for row in rows:
        item = dict(row.item)
        target = item.get("target")
        if isinstance(target, dict) and str(target.get("groupId") or "").lower() in names:
            item["target"] = {**target, "groupDisplayName":
                              names[str(target["groupId"]).lower()].name}
        items.append(item)
    return resource.to_rows(items, now)


# -- group memberships ------------------------------------------------------------------------


@dataclass(frozen=True)
class Memberships:
    """The Entra groups a device is in and those of its primary user, each with its own error
    (None: not asked, e.g. a device without an Entra id or without a user)."""

    device: tuple[DirectoryName, ...] | None
    device_error: str | None
    user: tuple[DirectoryName, ...] | None
    user_error: str | None


async def memberships(client: GraphClient, entra_device_id: str | None, user_id: str | None
                      ) -> Memberships:
    """Transitive group memberships of the device (found by its Entra deviceId) and its user.

    GET /devices(deviceId='{deviceId}')/transitiveMemberOf/microsoft.graph.group and
    /users/{id}/transitiveMemberOf/microsoft.graph.group list the groups, nested ones included
    (Directory.Read.All; learn.microsoft.com device-list-transitivememberof and
    user-list-transitivememberof, read 2026-12-06/07).
    """
    device, user = await asyncio.gather(_settled(device_groups(client, entra_device_id)),
                                        _settled(user_groups(client, user_id)))
    return Memberships(device[0], device[1], user[0], user[1])


async def device_groups(client: GraphClient, entra_device_id: str | None
                        ) -> tuple[DirectoryName, ...] | None:
    """The device's groups (None without an Entra id), in one round trip: Intune knows only the
    Entra deviceId, and Graph addresses a device by it as an alternate key
    (`/devices(deviceId='...')/transitiveMemberOf`; device-list-transitivememberof,
    microsoft-graph-docs-contrib api-reference/v1.0/api, read 2026-12-07: "You can address the
    device using either its id or deviceId")."""
    if not entra_device_id or entra_device_id == _NO_ENTRA_DEVICE:
        return None
    try:
        return await Directory(client).groups_of(f"/devices(deviceId={quote(entra_device_id)})")
    except GraphNotFound as error:
        raise GraphError("Entra has no device object with this device's Entra id") from error


async def user_groups(client: GraphClient, user_id: str | None
                      ) -> tuple[DirectoryName, ...] | None:
    """The user's groups, nested ones included (None without a user)."""
    return await Directory(client).groups_of(f"/users/{user_id}") if user_id else None


async def _settled(call: Any) -> tuple[Any, str | None]:
    try:
        return await call, None
    except GraphError as error:
        return None, clean(str(error))


async def devices_of_user(service: IntuneService, user_principal_name: str) -> list[Row]:
    """Every managed device of the user, filtered by Graph (not in the loaded list)."""
    rows: list[Row] = []
    async for page in service.list_pages(
            "devices", server_filter=f"userPrincipalName eq {quote(user_principal_name)}"):
        rows.extend(page.rows)
    return rows


def _object(body: Any) -> dict[str, Any]:
    return body if isinstance(body, dict) else {}


def full_profile_granted(claims: Mapping[str, Any]) -> bool | None:
    """Whether a token's claims grant User.Read.All (or more); None when they list no scopes."""
    names = claimed_scopes(claims)
    if not names:
        return None
    return bool({name.rsplit("/", 1)[-1].lower() for name in names} & _FULL_PROFILE_SCOPES)


_FULL_PROFILE_SCOPES: Final = frozenset({"user.read.all", "user.readwrite.all",
                                         "directory.read.all", "directory.readwrite.all"})

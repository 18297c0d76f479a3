"""The demo tenant's Entra users as Graph serves them: /users and /users/{id | upn}.

Rules kept (learn.microsoft.com, read 2026-12-06):
- Scopes: User.ReadBasic.All, User.Read.All, User.ReadWrite.All, Directory.Read.All. With only
  User.ReadBasic.All a user shows the basic profile (displayName, givenName, mail, photo, surname,
  userPrincipalName, and id); other properties come back null (the docs say ReadBasic
  "constrains app access" to that set; the fake answers with nulls rather than an error).
- `$filter` on users: `startswith(displayName|userPrincipalName|mail, 'x')` and `eq` on those and
  id, joined by `or`; anything else is a 400. Case-insensitive, as Entra compares.
- `$top` up to 999, default page 100, with an absolute nextLink.
- POST /directoryObjects/getByIds {"ids", "types"}: Directory.Read.All, at most 1,000 ids, ids
  that name nothing are left out; groups are the tenant's GROUPS (the ids assignments use).
- Entra device objects (GET /devices?$filter=deviceId eq '...') and transitive memberships of
  devices and users (/transitiveMemberOf[/microsoft.graph.group]): Directory.Read.All (or
  Device.Read.All / GroupMember.Read.All); platform, region and pilot groups for devices, the
  department's group and the tenant's sign-in memberships for users (no nesting modelled).
  A device is addressed by its object id or, as an alternate key, by its Entra deviceId:
  `/devices(deviceId='{deviceId}')/transitiveMemberOf` (device-list-transitivememberof,
  microsoft-graph-docs-contrib api-reference/v1.0/api, read 2026-12-07: "You can address the
  device using either its id or deviceId"); an unknown one is a 404. Memberships honour
  `$select` (id is always there, with @odata.type) and page at 100 by default, 999 at most.
- Job titles and office phones are derived from the seed here rather than stored by the tenant.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any
from urllib.parse import quote

from intune_tui.demo.tenant import GROUPS, DemoTenant, entra_device_object_id, guid_from, mix64

READ_BASIC = "User.ReadBasic.All"
READ_FULL = ("User.Read.All", "User.ReadWrite.All", "Directory.Read.All")
USER_SCOPES = (READ_BASIC, *READ_FULL)
BASIC_PROFILE = frozenset({"id", "displayName", "givenName", "mail", "surname",
                           "userPrincipalName"})
DIRECTORY_SCOPES = ("Directory.Read.All", "Directory.ReadWrite.All")
GET_BY_IDS_LIMIT = 1000  # directoryobject-getbyids: "up to 1000 ids"
DEFAULT_PAGE = 100
MAX_PAGE = 999
_QUERY_SAFE = "$'(),/:@*!"
_TITLES = {"Sales": "Account Executive", "Finance": "Financial Analyst", "IT": "Systems Engineer",
           "HR": "HR Business Partner", "Marketing": "Marketing Manager",
           "Engineering": "Software Engineer", "Operations": "Operations Coordinator",
           "Legal": "Counsel", "Support": "Support Specialist"}
_CLAUSE = re.compile(
    r"^\s*(?:startswith\(\s*(?P<sprop>\w+)\s*,\s*'(?P<svalue>(?:[^']|'')*)'\s*\)"
    r"|(?P<eprop>\w+)\s+eq\s+'(?P<evalue>(?:[^']|'')*)')\s*$", re.IGNORECASE)
_FILTERABLE = frozenset({"displayName", "userPrincipalName", "mail", "id"})
_DEVICE_BY_DEVICE_ID = re.compile(r"^devices\(deviceId='(?P<device_id>[^']*)'\)$")


class DemoDirectory:
    """Users of one demo tenant."""

    def __init__(self, tenant: DemoTenant) -> None:
        self.tenant = tenant
        self._by_upn: dict[str, int] | None = None
        self._groups: dict[str, str] | None = None
        self._device_objects: dict[str, int] | None = None

    def index_of(self, key: str) -> int | None:
        users = self.tenant.users
        index = users.index_of(key)
        if index is not None:
            return index
        if self._by_upn is None:
            self._by_upn = {upn.lower(): i for i, upn in enumerate(users.upn)}
        return self._by_upn.get(key.lower())

    def user_json(self, index: int) -> dict[str, Any]:
        body = dict(self.tenant.users.to_json(index))
        department = str(body.get("department") or "")
        body["jobTitle"] = _TITLES.get(department, "Specialist")
        body["businessPhones"] = [f"+1 425 555 {mix64(self.tenant.seed ^ index) % 10_000:04d}"]
        return body

    def groups(self) -> dict[str, str]:
        """Group id -> name: the groups assignments and roles name (tenant.GROUPS, salt 20)."""
        if self._groups is None:
            self._groups = {guid_from(self.tenant.seed, 20, position): name
                            for position, name in enumerate(GROUPS)}
        return self._groups

    def get_by_ids(self, body: Any, scopes: frozenset[str], request_id: str
                   ) -> tuple[int, dict[str, Any]]:
        """POST /directoryObjects/getByIds: the objects among `ids` of the `types` asked for."""
        if not scopes.intersection(DIRECTORY_SCOPES):
            return _error(403, "Authorization_RequestDenied",
                          "Insufficient privileges to complete the operation.", request_id)
        ids = body.get("ids") if isinstance(body, dict) else None
        types = body.get("types") if isinstance(body, dict) else None
        if not isinstance(ids, list) or not all(isinstance(item, str) for item in ids):
            return _error(400, "Request_BadRequest", "ids must be a collection of strings.",
                          request_id)
        if len(ids) > GET_BY_IDS_LIMIT:
            return _error(400, "Request_BadRequest", f"Too many ids: at most "
                          f"{GET_BY_IDS_LIMIT} are allowed.", request_id)
        wanted = {str(kind).lower() for kind in types} if isinstance(types, list) else None
        found: list[dict[str, Any]] = []
        groups = self.groups()
        for object_id in dict.fromkeys(item.lower() for item in ids):
            if object_id in groups and (wanted is None or "group" in wanted):
                found.append({"@odata.type": "#microsoft.graph.group", "id": object_id,
                              "displayName": groups[object_id],
                              "securityEnabled": True, "mailEnabled": False})
                continue
            index = self.tenant.users.index_of(object_id)
            if index is not None and (wanted is None or "user" in wanted):
                user = self.user_json(index)
                found.append({"@odata.type": "#microsoft.graph.user", "id": user["id"],
                              "displayName": user["displayName"],
                              "userPrincipalName": user["userPrincipalName"]})
        return 200, {"@odata.context": "https://graph.microsoft.com/v1.0/$metadata#"
                                       "directoryObjects", "value": found}

    # --- Entra device objects and memberships --------------------------------------------------
    def device_object_id(self, index: int) -> str:
        return entra_device_object_id(self.tenant.seed, index)

    def device_for_object(self, object_id: str) -> int | None:
        if self._device_objects is None:
            self._device_objects = {self.device_object_id(index): index
                                    for index in range(len(self.tenant.devices))}
        return self._device_objects.get(object_id.lower())

    def device_groups(self, index: int) -> list[str]:
        """Group ids a device is in: its platform's group, a region, the pilot ring for some."""
        store = self.tenant.devices
        by_name = {name: group for group, name in self.groups().items()}
        names = [f"All {store.os[index]} devices"]
        names.append("EMEA devices" if mix64(self.tenant.seed ^ index ^ 0xE0) % 2 else
                     "Americas devices")
        if mix64(self.tenant.seed ^ index ^ 0x91) % 5 == 0:
            names.append("Pilot ring")
        return [by_name[name] for name in names if name in by_name]

    def user_groups(self, index: int) -> list[str]:
        """Group ids a user is in: their department's group and the tenant's sign-in
        memberships (for the demo operators)."""
        by_name = {name: group for group, name in self.groups().items()}
        department = self.tenant.users.department[index]
        names = [f"{department} users"]
        found = [by_name[name] for name in names if name in by_name]
        found += self.tenant.memberships.get(self.tenant.users.upn[index].lower(), [])
        return list(dict.fromkeys(found))

    def _devices(self, segments: list[str], params: Mapping[str, str], scopes: frozenset[str],
                 request_id: str, base: str) -> tuple[int, dict[str, Any]]:
        """GET /devices?$filter=deviceId eq '...' and /devices/{id}/transitiveMemberOf[...]."""
        if not scopes.intersection((*DIRECTORY_SCOPES, "Device.Read.All")):
            return _error(403, "Authorization_RequestDenied",
                          "Insufficient privileges to complete the operation.", request_id)
        store = self.tenant.devices
        if len(segments) == 1:
            match = _CLAUSE.match(params.get("$filter", ""))
            if match is None or match.group("eprop") != "deviceId":
                return _error(400, "Request_UnsupportedQuery", "Unsupported query.", request_id)
            wanted = match.group("evalue").lower()
            found = [index for index in store.live_indices()
                     if str(store.value(index, "azureADDeviceId")).lower() == wanted]
            return 200, {"@odata.context": f"{base}/$metadata#devices", "value": [
                {"id": self.device_object_id(index), "deviceId": wanted,
                 "displayName": store.device_name(index),
                 "operatingSystem": store.os[index]} for index in found]}
        index = self.device_for_object(segments[1])
        if index is None or index in store.deleted:
            return _not_found(segments[1], request_id)
        return self._member_of(self.device_groups(index), segments[:2], segments[2:], params,
                               request_id, base)

    def _device_by_device_id(self, device_id: str, rest: list[str], params: Mapping[str, str],
                             scopes: frozenset[str], request_id: str, base: str
                             ) -> tuple[int, dict[str, Any]]:
        """/devices(deviceId='...')/transitiveMemberOf[...]: the alternate key of a device."""
        if not scopes.intersection((*DIRECTORY_SCOPES, "Device.Read.All")):
            return _error(403, "Authorization_RequestDenied",
                          "Insufficient privileges to complete the operation.", request_id)
        store = self.tenant.devices
        wanted = device_id.lower()
        index = next((index for index in store.live_indices()
                      if str(store.value(index, "azureADDeviceId")).lower() == wanted), None)
        if index is None:
            return _not_found(device_id, request_id)
        return self._member_of(self.device_groups(index), [f"devices(deviceId='{device_id}')"],
                               rest, params, request_id, base)

    def _intents(self, user_key: str, scopes: frozenset[str], request_id: str, base: str
                 ) -> tuple[int, dict[str, Any]]:
        """beta users/{id}/mobileAppIntentAndStates (demo/device_apps.py)."""
        from intune_tui.demo.device_apps import SCOPES, intents_and_states

        if not base.endswith("/beta"):
            return _error(400, "BadRequest", "Resource not found for the segment "
                          "'mobileAppIntentAndStates'.", request_id)
        if not scopes.intersection(SCOPES):
            return _error(403, "Forbidden", "Application is not authorized to perform this "
                          "operation. Application must have one of the following scopes: "
                          + ", ".join(SCOPES), request_id)
        user = self.index_of(user_key)
        if user is None:
            return _not_found(user_key, request_id)
        return 200, {"@odata.context": f"{base}/$metadata#users('{user_key}')/"
                                       "mobileAppIntentAndStates",
                     "value": intents_and_states(self.tenant, user)}

    def _member_of(self, group_ids: list[str], owner: list[str], rest: list[str],
                   params: Mapping[str, str], request_id: str, base: str
                   ) -> tuple[int, dict[str, Any]]:
        """`owner`'s groups (the path segments of the device or user, for the next link)."""
        if rest not in (["transitiveMemberOf"], ["transitiveMemberOf", "microsoft.graph.group"],
                        ["memberOf"], ["memberOf", "microsoft.graph.group"]):
            return _error(400, "BadRequest", "Resource not found for the segment "
                          f"'{rest[-1] if rest else ''}'.", request_id)
        try:
            top = min(int(params.get("$top", DEFAULT_PAGE)), MAX_PAGE)
            offset = int(params.get("$skiptoken", "0"))
        except ValueError:
            return _error(400, "BadRequest", "Invalid $top or skip token.", request_id)
        select = [name.strip() for name in params.get("$select", "").split(",") if name.strip()]
        groups = self.groups()
        items = [{"@odata.type": "#microsoft.graph.group", "id": group,
                  "displayName": groups[group], "description": None,
                  "securityEnabled": True, "mailEnabled": False} for group in group_ids]
        if select:
            items = [{name: value for name, value in item.items()
                      if name in ("@odata.type", "id", *select)} for item in items]
        body: dict[str, Any] = {"@odata.context": f"{base}/$metadata#groups",
                                "value": items[offset: offset + top]}
        if offset + top < len(items):
            query = "&".join(f"{key}={quote(value, safe=_QUERY_SAFE)}"
                             for key, value in params.items() if key != "$skiptoken")
            path = "/".join((*owner, *rest))
            body["@odata.nextLink"] = f"{base}/{path}?{query}&$skiptoken={offset + top}"
        return 200, body

    def serve(self, method: str, segments: list[str], params: Mapping[str, str],
              scopes: frozenset[str], request_id: str, base: str, body: Any = None
              ) -> tuple[int, dict[str, Any]] | None:
        """Graph's answer to /users, /users/{key} or getByIds; None for any other path."""
        if segments == ["directoryObjects", "getByIds"]:
            if method != "POST":
                return _error(405, "Request_BadRequest", "The HTTP method is not allowed here.",
                              request_id)
            return self.get_by_ids(body, scopes, request_id)
        keyed = _DEVICE_BY_DEVICE_ID.match(segments[0]) if segments else None
        if keyed is not None and len(segments) in (2, 3):
            if method != "GET":
                return _error(405, "Request_BadRequest", "The HTTP method is not allowed here.",
                              request_id)
            return self._device_by_device_id(keyed.group("device_id"), segments[1:], params,
                                             scopes, request_id, base)
        if segments and segments[0] == "devices" and len(segments) in (1, 3, 4):
            if method != "GET":
                return _error(405, "Request_BadRequest", "The HTTP method is not allowed here.",
                              request_id)
            return self._devices(segments, params, scopes, request_id, base)
        if len(segments) == 3 and segments[0] == "users" and \
                segments[2] == "mobileAppIntentAndStates":
            return self._intents(segments[1], scopes, request_id, base)
        if (len(segments) in (3, 4) and segments[0] == "users"
                and segments[2] in ("transitiveMemberOf", "memberOf")):
            if not scopes.intersection((*DIRECTORY_SCOPES, "GroupMember.Read.All")):
                return _error(403, "Authorization_RequestDenied",
                              "Insufficient privileges to complete the operation.", request_id)
            user = self.index_of(segments[1])
            if user is None:
                return _not_found(segments[1], request_id)
            return self._member_of(self.user_groups(user), segments[:2], segments[2:], params,
                                   request_id, base)
        if not segments or segments[0] != "users" or len(segments) > 2:
            return None
        if method != "GET":
            return _error(405, "Request_BadRequest", "The HTTP method is not allowed here.",
                          request_id)
        if not scopes.intersection(USER_SCOPES):
            return _error(403, "Authorization_RequestDenied",
                          "Insufficient privileges to complete the operation.", request_id)
        full = bool(scopes.intersection(READ_FULL))
        select = [name.strip() for name in params.get("$select", "").split(",") if name.strip()]
        if len(segments) == 2:
            index = self.index_of(segments[1])
            if index is None:
                return _not_found(segments[1], request_id)
            return 200, self._shaped(index, select, full)
        return self._list(params, select, full, request_id, base)

    def _shaped(self, index: int, select: list[str], full: bool) -> dict[str, Any]:
        body = self.user_json(index)
        if select:
            body = {name: body.get(name) for name in ("id", *select)}
        if not full:
            body = {name: (value if name in BASIC_PROFILE or name.startswith("@") else None)
                    for name, value in body.items()}
        return body

    def _list(self, params: Mapping[str, str], select: list[str], full: bool,
              request_id: str, base: str) -> tuple[int, dict[str, Any]]:
        try:
            top = min(int(params.get("$top", DEFAULT_PAGE)), MAX_PAGE)
            offset = int(params.get("$skiptoken", "0"))
        except ValueError:
            return _error(400, "BadRequest", "Invalid $top or skip token.", request_id)
        indices = list(range(len(self.tenant.users)))
        text = params.get("$filter")
        if text:
            tests = [_CLAUSE.match(part) for part in re.split(r"\s+or\s+", text)]
            if not all(tests):
                return _error(400, "Request_UnsupportedQuery", "Unsupported query.", request_id)
            matchers = [_matcher(match) for match in tests if match is not None]
            if any(matcher is None for matcher in matchers):
                return _error(400, "Request_UnsupportedQuery", "Unsupported query.", request_id)
            indices = [index for index in indices
                       if any(matcher(self.user_json(index)) for matcher in matchers if matcher)]
        page = indices[offset: offset + top]
        body: dict[str, Any] = {"@odata.context": f"{base}/$metadata#users",
                                "value": [self._shaped(index, select, full) for index in page]}
        if offset + top < len(indices):
            query = "&".join(f"{key}={quote(value, safe=_QUERY_SAFE)}"
                             for key, value in params.items() if key != "$skiptoken")
            body["@odata.nextLink"] = (f"{base}/users?{query}&$skiptoken={offset + top}"
                                       if query else f"{base}/users?$skiptoken={offset + top}")
        return 200, body


    def set_primary_user(self, device_key: str, body: Any, request_id: str
                         ) -> tuple[int, dict[str, Any] | None]:
        """POST managedDevices('{id}')/users/$ref {"@odata.id": ".../users/{id}"} -> 204."""
        store = self.tenant.devices
        device_id = device_key
        if device_key.startswith("managedDevices("):
            device_id = device_key[len("managedDevices("):].rstrip(")").strip("'")
        index = store.index_of(device_id)
        if index is None:
            return _error(404, "ResourceNotFound", "The requested resource does not exist.",
                          request_id)
        reference = body.get("@odata.id") if isinstance(body, dict) else None
        user_key = str(reference).rstrip("/").rsplit("/users/", 1)[-1] \
            if isinstance(reference, str) and "/users/" in reference else ""
        user = self.tenant.users.index_of(user_key) if user_key else None
        if user is None:
            return _error(400, "BadRequest", "Invalid @odata.id: it must name a user, "
                          "https://graph.microsoft.com/beta/users/{id}.", request_id)
        store.user[index] = user
        store.generation += 1
        return 204, None


def _matcher(match: re.Match[str]) -> Any:
    prop = match.group("sprop") or match.group("eprop")
    if prop not in _FILTERABLE:
        return None
    if match.group("sprop"):
        prefix = match.group("svalue").replace("''", "'").casefold()
        return lambda user: str(user.get(prop) or "").casefold().startswith(prefix)
    wanted = match.group("evalue").replace("''", "'").casefold()
    return lambda user: str(user.get(prop) or "").casefold() == wanted


def _not_found(item_id: str, request_id: str) -> tuple[int, dict[str, Any]]:
    return _error(404, "Request_ResourceNotFound",
                  f"Resource '{item_id}' does not exist or one of its queried reference-property "
                  "objects are not present.", request_id)


def _error(status: int, code: str, message: str, request_id: str) -> tuple[int, dict[str, Any]]:
    return status, {"error": {"code": code, "message": message,
                              "innerError": {"request-id": request_id,
                                             "client-request-id": request_id}}}

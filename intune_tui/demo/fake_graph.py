"""The fake Microsoft Graph: serves a DemoTenant with Graph's documented behaviour.

In-process it is an `httpx.AsyncBaseTransport` (base URL https://graph.microsoft.com); the
loopback server in `server.py` feeds it the same `httpx.Request`s. It enforces what Graph
enforces (rules.py): scopes from the bearer token, page caps and absolute nextLinks with an
opaque `$skiptoken`, `$select`, the `$filter` operators each property supports (400 otherwise),
204 for remote actions with `deviceActionResults` progressing on the injected clock, `$batch`,
Graph's error bodies and Intune's JSON-inside-a-string 403.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import json
import logging
import random
import re
import secrets
import time
import uuid
import zlib
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import httpx

from intune_tui.demo import lifecycle, odata, rules
from intune_tui.demo.answers import (
    STATUS_ERRORS,
    Answer,
    Call,
    GraphAnswer,
    forbidden,
    graph_error,
    method_not_allowed,
    next_link,
    not_found,
    segment_not_found,
    stamp_date,
    unauthorized,
)
from intune_tui.demo.directory import DemoDirectory
from intune_tui.demo.faults import DelayShot, DropShot, Faults, InjectedFailure
from intune_tui.demo.identity import DEMO_OPERATOR_NAME, DEMO_OPERATOR_UPN
from intune_tui.demo.recovery import RecoveryVault
from intune_tui.demo.tenant import (
    ActionRecord,
    DemoTenant,
    RecordSet,
    iso,
    mix64,
)

log = logging.getLogger(__name__)

GRAPH_ORIGIN = "https://graph.microsoft.com"
VERSIONS = (rules.V1, rules.BETA)
JSON_TYPE = ("application/json;odata.metadata=minimal;odata.streaming=true;"
             "IEEE754Compatible=false;charset=utf-8")
DEMO_CLIENT_APP_ID = "0c5a8f2e-1d4b-4f6a-9e3c-7b2d5a8f1c4e"
KNOWN_QUERY_OPTIONS = frozenset(
    {"$select", "$filter", "$top", "$orderby", "$count", "$expand", "$search", "$skiptoken"}
)
ENTITY_QUERY_OPTIONS = frozenset({"$select", "$expand"})
# Methods that change something: the write faults (after processing) apply to these.
WRITE_METHODS = frozenset({"POST", "PATCH", "PUT", "DELETE"})
# Filtered and sorted answers kept for paging (a listing split in parallel pages many at once).
FILTER_CACHE_SIZE = 32


@dataclass(frozen=True)
class RecordedRequest:
    """One request the fake saw. Never holds headers, so never a token.

    status is what the fake answered, None when the connection dropped before an answer;
    dropped is True when the answer was lost (even if the request was processed).
    """

    method: str
    path: str
    params: dict[str, str]
    json: Any
    status: int | None
    in_batch: bool = False
    dropped: bool = False




class FakeGraph:
    """Microsoft Graph for one DemoTenant."""

    def __init__(
        self,
        tenant: DemoTenant,
        *,
        latency_ms: float = 0.0,
        clock: Callable[[], float] = time.time,
        faults: Faults | None = None,
    ) -> None:
        self.tenant = tenant
        self.latency_ms = latency_ms
        self.clock = clock
        self.faults = faults if faults is not None else Faults(seed=tenant.seed)
        self.faults.attach(self._revoke_issued_tokens)
        self.requests: list[RecordedRequest] = []
        # Random per instance: a key derived from anything public (the tenant id) would let anyone
        # on the host sign a token this server accepts.
        self._secret = secrets.token_bytes(32)
        self._token_serial = 0
        self._revoked_through = 0
        self._clock_origin = clock()
        self._rng = random.Random(tenant.seed ^ 0x5EED)
        self._filter_cache: OrderedDict[tuple[Any, ...], list[Any]] = OrderedDict()
        self._actions_started = 0
        # A long-running demo server must not grow without bound: the oldest entries go first.
        self.max_recorded_requests = 50_000
        tenant.devices.clock = self.tenant_now
        self.recovery = RecoveryVault(tenant)
        self.directory = DemoDirectory(tenant)

    # --- public helpers --------------------------------------------------------------------------
    def tenant_now(self) -> datetime:
        """The tenant's time: DEMO_NOW plus however long the injected clock has run."""
        return self.tenant.now + timedelta(seconds=self.clock() - self._clock_origin)

    def transport(self) -> httpx.AsyncBaseTransport:
        return _FakeTransport(self)

    def issue_token(
        self,
        scopes: Sequence[str] = rules.ALL_DEMO_SCOPES,
        expires_in: float = 3600,
        upn: str = DEMO_OPERATOR_UPN,
        name: str = DEMO_OPERATOR_NAME,
    ) -> str:
        """A fake JWT (header.payload.signature, base64url) this fake accepts until `exp`."""
        self._token_serial += 1
        now = self.clock()
        header = {"typ": "JWT", "alg": "HS256", "kid": "intune-tui-demo"}
        payload = {
            "aud": "https://graph.microsoft.com",
            "iss": f"https://sts.windows.net/{self.tenant.tenant_id}/",
            "iat": int(now),
            "nbf": int(now),
            "exp": int(now + expires_in),
            "appid": DEMO_CLIENT_APP_ID,
            "name": name,
            "oid": str(uuid.UUID(int=mix64(zlib.crc32(upn.encode())) << 64 | 0xD3E0)),
            "scp": " ".join(scopes),
            "tid": self.tenant.tenant_id,
            "upn": upn,
            "unique_name": upn,
            "uti": f"demo{self._token_serial}",
            "ver": "1.0",
        }
        signing_input = f"{_b64(json.dumps(header))}.{_b64(json.dumps(payload))}"
        signature = hmac.new(self._secret, signing_input.encode(), hashlib.sha256).digest()
        return f"{signing_input}.{_b64(signature)}"

    def expire_tokens(self) -> None:
        self.faults.expire_tokens()

    def _revoke_issued_tokens(self) -> None:
        self._revoked_through = self._token_serial

    # --- entry point -----------------------------------------------------------------------------
    async def handle(self, request: httpx.Request) -> httpx.Response:
        """Answer one HTTP request as Graph would (may raise httpx.RemoteProtocolError)."""
        content = await request.aread()
        path = request.url.path
        params = _single_params(request.url)
        body_json = _try_json(content)
        if self.latency_ms:
            await asyncio.sleep(self.latency_ms / 1000)
        origin = _origin(request.url)
        request_id = str(uuid.UUID(int=self._rng.getrandbits(128), version=4))
        client_request_id = request.headers.get("client-request-id") or request_id
        drop = self.faults.take_drop(path)
        if (drop is not None and not drop.after_processing) or self.faults.roll_drop():
            self._record(request.method, path, params, body_json, None, dropped=True)
            raise httpx.RemoteProtocolError(
                "Server disconnected without sending a response.", request=request
            )
        write = request.method.upper() in WRITE_METHODS
        if drop is None and write and self.faults.roll_write_drop():
            drop = DropShot(None, after_processing=True)
        await _wait_out(self.faults.take_delay(path))
        answer = self._answer_or_fault(request, path, params, content, origin, request_id)
        if (answer.status == 200 and request.method == "GET"
                and isinstance(answer.body, dict | EncodedJSON) and self.faults.roll_malformed()):
            encoded = (answer.body.data if isinstance(answer.body, EncodedJSON)
                       else _encode(answer.body))
            answer = Answer(200, encoded[: max(1, len(encoded) // 2)], answer.headers)
        if (write and 200 <= answer.status < 300
                and (self.faults.take_truncation(path) or self.faults.roll_write_truncated())):
            answer = _truncated(answer, f"{origin}/{path.split('/')[1]}/$metadata")
        self._record(request.method, path, params, body_json, answer.status,
                     dropped=drop is not None)
        if drop is not None:
            raise httpx.RemoteProtocolError(
                "Server disconnected without sending a response.", request=request
            )
        return self._to_response(answer, request_id, client_request_id, request)

    def _answer_or_fault(self, request: httpx.Request, path: str, params: dict[str, str],
                         content: bytes, origin: str, request_id: str) -> Answer:
        injected = self.faults.take_failure(path) or self.faults.roll_failure()
        if injected is None and request.method.upper() in WRITE_METHODS:
            injected = self.faults.roll_write_failure()
        if injected is not None and not injected.after_processing:
            return self._injected(injected, request_id, path)
        try:
            call = self._parse_call(request.method, path, params, content, request.headers,
                                    origin, request_id)
            answer = self._process(call)
        except GraphAnswer as refused:
            answer = refused.answer
        except Exception:  # a bug in the fake must not kill the server; Graph says 500 too
            log.exception("fake Graph failed on %s %s", request.method, path)
            answer = graph_error(500, "InternalServerError", "An internal server error occurred.",
                                 request_id)
        # after_processing: the request took effect above; its answer is lost to the fault.
        return self._injected(injected, request_id, path) if injected is not None else answer

    def _record(self, method: str, path: str, params: dict[str, str], body: Any,
                status: int | None, *, in_batch: bool = False, dropped: bool = False) -> None:
        self.requests.append(RecordedRequest(method, path, params, body, status, in_batch,
                                             dropped))
        if len(self.requests) > self.max_recorded_requests:
            del self.requests[: len(self.requests) - self.max_recorded_requests]

    def _to_response(self, answer: Answer, request_id: str, client_request_id: str,
                     request: httpx.Request) -> httpx.Response:
        stamp_date(answer.body, self.tenant_now(), client_request_id)
        headers = {
            "request-id": request_id,
            "client-request-id": client_request_id,
            "x-ms-ags-diagnostic": '{"ServerInfo":{"DataCenter":"Demo","Slice":"E","Ring":"5",'
            '"ScaleUnit":"000","RoleInstance":"DEMO0001"}}',
            "Strict-Transport-Security": "max-age=31536000",
            "Cache-Control": "no-cache",
            **answer.headers,
        }
        if answer.body is None:
            return httpx.Response(answer.status, headers=headers, request=request)
        content: bytes
        if isinstance(answer.body, EncodedJSON):
            content = answer.body.data
            headers["Content-Type"] = JSON_TYPE
        elif isinstance(answer.body, bytes | str):
            content = answer.body.encode() if isinstance(answer.body, str) else answer.body
            looks_like_html = content.lstrip()[:1] == b"<"
            headers.setdefault("Content-Type",
                               "text/html; charset=utf-8" if looks_like_html else JSON_TYPE)
        else:
            content = _encode(answer.body)
            headers["Content-Type"] = JSON_TYPE
        return httpx.Response(answer.status, headers=headers, content=content, request=request)

    # --- parsing ---------------------------------------------------------------------------------
    def _parse_call(self, method: str, path: str, params: dict[str, str], content: bytes,
                    headers: httpx.Headers, origin: str, request_id: str,
                    in_batch: bool = False) -> Call:
        segments = [segment for segment in path.split("/") if segment]
        if not segments or segments[0] not in VERSIONS:
            version = segments[0] if segments else ""
            raise GraphAnswer(graph_error(400, "BadRequest", f"Invalid version: {version}",
                                          request_id))
        body: Any = None
        if content:
            try:
                body = json.loads(content)
            except ValueError:
                raise GraphAnswer(graph_error(400, "BadRequest", "Unable to read JSON request "
                                              "payload. Please ensure Content-Type header is set "
                                              "and payload is of valid JSON format.",
                                              request_id)) from None
        call = Call(method.upper(), segments[0], segments[1:], params, body, headers, origin,
                    request_id, in_batch)
        call.scopes = self._authenticate(call)
        return call

    def _authenticate(self, call: Call) -> frozenset[str]:
        authorization = call.headers.get("authorization", "")
        scheme, _, token = authorization.partition(" ")
        if not authorization or scheme.lower() != "bearer" or not token.strip():
            raise GraphAnswer(unauthorized("Access token is empty.", call.request_id))
        claims = self._verify(token.strip())
        if claims is None:
            raise GraphAnswer(unauthorized(
                "IDX14100: JWT is not well formed, there are no dots (.) or the signature "
                "does not match.", call.request_id))
        serial = int(str(claims.get("uti", "demo0"))[4:] or 0)
        if claims.get("exp", 0) <= self.clock() or serial <= self._revoked_through:
            raise GraphAnswer(unauthorized(
                "Lifetime validation failed, the token is expired.", call.request_id))
        if claims.get("tid") != self.tenant.tenant_id:
            raise GraphAnswer(unauthorized(
                "Access token validation failure. Invalid audience.", call.request_id))
        call.upn = str(claims.get("upn") or claims.get("unique_name") or "")
        return frozenset(str(claims.get("scp", "")).split())

    def _verify(self, token: str) -> dict[str, Any] | None:
        parts = token.split(".")
        if len(parts) != 3:
            return None
        expected = hmac.new(self._secret, f"{parts[0]}.{parts[1]}".encode(),
                            hashlib.sha256).digest()
        try:
            if not hmac.compare_digest(_unb64(parts[2]), expected):
                return None
            claims = json.loads(_unb64(parts[1]))
        except (ValueError, TypeError):
            return None
        return claims if isinstance(claims, dict) else None

    # --- dispatch --------------------------------------------------------------------------------
    def _process(self, call: Call) -> Answer:
        if call.segments == ["$batch"]:
            if call.method != "POST":
                raise GraphAnswer(graph_error(405, "BadRequest", "$batch only accepts POST.",
                                              call.request_id))
            if call.in_batch:
                raise GraphAnswer(graph_error(400, "BadRequest", "Nested batch requests are not "
                                              "supported.", call.request_id))
            return self._batch(call)
        if _is_function(call.segments, "getEffectivePermissions"):
            return self._effective_permissions(call)
        if call.segments == ["organization"]:
            return self._organization(call)
        if lifecycle.owns(call.segments):
            return lifecycle.serve(self, call)
        from intune_tui.demo import settings_catalog  # per-device reports, definitions (issue 17)

        catalog = settings_catalog.serve(self, call)
        if catalog is not None:
            return catalog
        recovered = self._recovery_secret(call) or self._directory_answer(call)
        if recovered is not None:
            return recovered
        route = _route(call.segments, call.version)
        if route is None:
            raise GraphAnswer(segment_not_found(call.segments, call.version,
                                                call.request_id))
        kind, pattern, ids = route
        if kind == "collection":
            return self._collection(call, pattern, ids)
        if kind == "singleton":
            return self._singleton(call, pattern, ids)
        if kind == "entity":
            return self._entity(call, pattern, ids)
        if kind == "bulk":
            return self._bulk_action(call)
        return self._device_action(call, ids[0], call.segments[-1])

    # --- the directory's organization -----------------------------------------------------------
    def _organization(self, call: Call) -> Answer:
        """GET /organization: a collection of exactly one organization (rules.py has the source).

        Without any of its scopes the directory's 403 (not Intune's); with User.Read alone only
        id, displayName and verifiedDomains carry values, the rest is null.
        """
        if call.method != "GET":
            raise GraphAnswer(method_not_allowed(call))
        granted = call.scopes.intersection(rules.ORGANIZATION_READ_SCOPES)
        if not granted:
            raise GraphAnswer(graph_error(403, "Authorization_RequestDenied",
                                          "Insufficient privileges to complete the operation.",
                                          call.request_id))
        tenant = self.tenant
        organization: dict[str, Any] = {
            "id": tenant.tenant_id,
            "displayName": tenant.display_name,
            "verifiedDomains": [{"capabilities": "Email, OfficeCommunicationsOnlineService",
                                 "isDefault": True, "isInitial": True, "name": tenant.domain,
                                 "type": "Managed"}],
            "countryLetterCode": "US",
            "preferredLanguage": "en",
            "tenantType": "AAD",
            "createdDateTime": "2019-03-04T10:00:00Z",
        }
        if granted == {"User.Read"}:
            organization = {key: (value if key in rules.ORGANIZATION_USER_READ_PROPERTIES
                                  else None) for key, value in organization.items()}
        select = [name for name in call.params.get("$select", "").split(",") if name]
        if select:
            organization = {key: value for key, value in organization.items()
                            if key in select or key == "id"}
        context = f"{call.origin}/{call.version}/$metadata#organization"
        if select:
            context += "(" + ",".join(select) + ")"
        return Answer(200, {"@odata.context": context, "value": [organization]})

    # --- recovery secrets (demo/recovery.py) ------------------------------------------------------
    def _recovery_secret(self, call: Call) -> Answer | None:
        """BitLocker keys, LAPS passwords (Entra) and FileVault keys (Intune, beta)."""
        segments = call.segments
        if (call.version == rules.BETA and len(segments) == 4 and segments[3] == "getFileVaultKey"
                and segments[:2] == ["deviceManagement", "managedDevices"]):
            return self._filevault_key(call, segments[2])
        answer = self.recovery.serve(call.method, segments, call.params, call.scopes,
                                     call.headers, call.upn, call.request_id,
                                     f"{call.origin}/{call.version}")
        return None if answer is None else Answer(*answer)

    def _directory_answer(self, call: Call) -> Answer | None:
        """Entra users, and a device's primary user (demo/directory.py)."""
        segments = call.segments
        if (len(segments) in (4, 5) and segments[0] == "deviceManagement"
                and segments[-2:] == ["users", "$ref"]
                and ((segments[1].startswith("managedDevices(") and len(segments) == 4)
                     or (segments[1] == "managedDevices" and len(segments) == 5))):
            if call.version != rules.BETA:
                raise GraphAnswer(segment_not_found(segments, call.version, call.request_id))
            if call.method != "POST":
                raise GraphAnswer(method_not_allowed(call))
            self._require(call, rules.DEVICES_WRITE, "deviceManagement/managedDevices")
            status, body = self.directory.set_primary_user(
                segments[1] if len(segments) == 4 else segments[2], call.body, call.request_id)
            return Answer(status, body)
        answer = self.directory.serve(call.method, call.segments, call.params, call.scopes,
                                      call.request_id, f"{call.origin}/{call.version}",
                                      call.body)
        return None if answer is None else Answer(*answer)

    def _filevault_key(self, call: Call, device_id: str) -> Answer:
        if call.method != "GET":
            raise GraphAnswer(method_not_allowed(call))
        self._require(call, (rules.MD_PRIVILEGED,), "deviceManagement/managedDevices/"
                      f"{device_id}/getFileVaultKey")
        key = self.recovery.filevault_key(device_id)
        if key is None:
            raise GraphAnswer(not_found(call.request_id, call.path))
        return Answer(200, {"@odata.context": f"{call.origin}/beta/$metadata#Edm.String",
                            "value": key})

    # --- scopes ----------------------------------------------------------------------------------
    def _require(self, call: Call, one_of: Sequence[str], url_path: str) -> None:
        if not call.scopes.intersection(one_of):
            raise GraphAnswer(forbidden(one_of, call.request_id, url_path))

    # --- collections -----------------------------------------------------------------------------
    def _collection(self, call: Call, pattern: str, ids: list[str]) -> Answer:
        rule = rules.COLLECTION_RULES[pattern]
        if call.method != "GET":
            raise GraphAnswer(method_not_allowed(call))
        self._require(call, rule.read_scopes, pattern)
        query = _parse_query(call.params, rule, call.request_id, call.version)
        self._validate_select(call, pattern, query.select)
        source = self.tenant.record_set(pattern, ids, beta=call.version == rules.BETA)
        if source is None:
            raise GraphAnswer(not_found(call.request_id, pattern))
        if query.count and rule.filter is not None and query.filter_tree is not None:
            combined = odata.filtered_properties(query.filter_tree) & rule.filter.not_with_count
            if combined:
                raise GraphAnswer(graph_error(400, "BadRequest", f"Invalid filter clause: "
                                              f"'{combined.pop()}' cannot be combined with "
                                              "$count.", call.request_id))
        matched = self._matching(call, pattern, ids, source, query)
        top = min(query.top or rule.default_page, rule.max_page)
        offset = self._offset_from(call, pattern, query)
        page = matched[offset:offset + top]
        if (pattern == "deviceAppManagement/mobileApps"
                and self.faults.app_list_503_above is not None
                and len(page) > self.faults.app_list_503_above):
            return graph_error(503, "ServiceUnavailable", "The service is temporarily unavailable. "
                               "Please try again with a smaller page size.", call.request_id)
        body: dict[str, Any] = {"@odata.context": self._context(call, query.select)}
        if query.count or call.version in rule.count_always_on:
            body["@odata.count"] = len(matched)
        if offset + top < len(matched):
            token = self._skiptoken(call, pattern, query, offset + top)
            body["@odata.nextLink"] = next_link(call, token)
        if (source.encode_page is not None and not call.in_batch and query.select
                and "*" not in query.select and not query.expand):
            # A long list's page as JSON text a column at a time: the same bytes _encode
            # writes for the dict (tests/demo compare them), without a dict per item.
            return Answer(200, EncodedJSON(source.encode_page(
                page, query.select, _encode(body)[:-1] + b',"value":', b"}")))
        body["value"] = self._page_items(call, pattern, rule, source, page, query)
        return Answer(200, body)

    def _page_items(self, call: Call, pattern: str, rule: rules.CollectionRule,
                    source: RecordSet, page: Sequence[Any], query: _Query) -> list[Any]:
        selected = bool(query.select) and "*" not in query.select
        if selected and not query.expand and source.render_page is not None:
            return source.render_page(page, query.select)
        render = source.render
        if selected and source.render_only is not None:
            render = _rendering_only(source.render_only, frozenset(query.select))
        return [self._shape(call, pattern, rule, render(record), query.select, query.expand)
                for record in page]

    def _matching(self, call: Call, pattern: str, ids: list[str], source: RecordSet,
                  query: _Query) -> Sequence[Any]:
        if query.filter_tree is None and query.search is None and not query.orderby:
            return source.records  # sliced, never changed: no copy per page
        key = (call.version, pattern, tuple(ids), query.filter_text, query.search,
               query.orderby_text, self.tenant.devices.generation, self._moment(source, query))
        cached = self._filter_cache.get(key)
        if cached is not None:
            self._filter_cache.move_to_end(key)
            return cached
        records: Sequence[Any] = source.records
        if query.filter_tree is not None:
            chosen = (source.filter_records(query.filter_tree)
                      if source.filter_records is not None else None)
            if chosen is None:
                predicate = odata.compile_filter(query.filter_tree, source.getter)
                chosen = [record for record in records if predicate(record)]
            records = chosen
        if query.search is not None:
            needle = query.search.lower()
            records = [record for record in records if any(
                needle in str(source.getter(record, prop) or "").lower()
                for prop in ("displayName", "publisher", "description"))]
        if query.orderby:
            records = odata.sort_records(records, query.orderby, source.getter)
        result = list(records)
        self._filter_cache[key] = result
        if len(self._filter_cache) > FILTER_CACHE_SIZE:
            self._filter_cache.popitem(last=False)
        return result

    def _moment(self, source: RecordSet, query: _Query) -> int:
        """The clock second a filtered or sorted answer holds for (0: it does not change)."""
        if source.moving is None or query.search is not None:
            return int(self.clock())
        tested = {key.prop for key in query.orderby}
        if query.filter_tree is not None:
            tested |= odata.filtered_properties(query.filter_tree)
        return int(self.clock()) if tested & source.moving else 0

    def _context(self, call: Call, select: tuple[str, ...]) -> str:
        fragment = "/".join(call.segments)
        if select:
            fragment += "(" + ",".join(select) + ")"
        return f"{call.origin}/{call.version}/$metadata#{fragment}"

    # --- paging tokens ---------------------------------------------------------------------------
    def _fingerprint(self, call: Call, query: _Query) -> bytes:
        text = "|".join([call.version, "/".join(call.segments), query.filter_text or "",
                         query.search or "", query.orderby_text or ""])
        return hashlib.sha256(text.encode()).digest()

    def _skiptoken(self, call: Call, pattern: str, query: _Query, offset: int) -> str:
        fingerprint = self._fingerprint(call, query)
        mask = hmac.new(self._secret, b"mask" + fingerprint, hashlib.sha256).digest()[:8]
        packed = bytes(a ^ b for a, b in zip(offset.to_bytes(8, "big"), mask, strict=True))
        mac = hmac.new(self._secret, fingerprint + packed, hashlib.sha256).digest()[:12]
        return "RFNwdF" + _b64(packed + mac)

    def _offset_from(self, call: Call, pattern: str, query: _Query) -> int:
        token = query.skiptoken
        if token is None:
            return 0
        invalid = GraphAnswer(graph_error(400, "BadRequest", "The $skiptoken is invalid or does "
                                          "not belong to this query. Follow @odata.nextLink "
                                          "exactly as returned.", call.request_id))
        if not token.startswith("RFNwdF"):
            raise invalid
        try:
            raw = _unb64(token[6:])
        except ValueError:
            raise invalid from None
        if len(raw) != 20:
            raise invalid
        fingerprint = self._fingerprint(call, query)
        packed, mac = raw[:8], raw[8:]
        expected = hmac.new(self._secret, fingerprint + packed, hashlib.sha256).digest()[:12]
        if not hmac.compare_digest(mac, expected):
            raise invalid
        mask = hmac.new(self._secret, b"mask" + fingerprint, hashlib.sha256).digest()[:8]
        return int.from_bytes(bytes(a ^ b for a, b in zip(packed, mask, strict=True)), "big")

    # --- shaping ---------------------------------------------------------------------------------
    def _shape(self, call: Call, pattern: str, rule: rules.CollectionRule | None,
               item: dict[str, Any], select: tuple[str, ...],
               expand: tuple[str, ...]) -> dict[str, Any]:
        beta = call.version == rules.BETA
        if rule is not None and not beta:
            for prop in rule.beta_only_properties:
                item.pop(prop, None)
        for name in expand:
            expanded = self.tenant.record_set(f"{pattern}/{{id}}/{name}",
                                              [*_ids_of(call, pattern), str(item.get("id"))],
                                              beta=beta)
            if expanded is not None:
                item[name] = [expanded.render(record) for record in expanded.records]
            else:
                item[name] = self.tenant.item_singleton(f"{pattern}/{{id}}/{name}",
                                                        str(item.get("id")))
        if not select or "*" in select:
            return item
        shaped: dict[str, Any] = {}
        for key in ("@odata.type", "id"):
            if key in item:
                shaped[key] = item[key]
        item_type = str(item.get("@odata.type", "")).lower()
        for name in select:
            if "/" in name:
                cast, _, prop = name.rpartition("/")
                if item_type == "#" + cast.lower() and prop in item:
                    shaped[prop] = item[prop]
            elif name in item:
                shaped[name] = item[name]
        for name in expand:
            shaped[name] = item[name]
        return shaped

    def _validate_select(self, call: Call, pattern: str, select: tuple[str, ...]) -> None:
        if not select:
            return
        known = self.tenant.selectable(pattern, beta=call.version == rules.BETA)
        if known is None:
            return
        for name in select:
            if name == "*" or name in known or name.startswith("@"):
                continue
            if "/" in name and pattern == "deviceAppManagement/mobileApps":
                continue
            entity = pattern.rsplit("/", 1)[-1].rstrip("s")
            raise GraphAnswer(graph_error(400, "BadRequest", f"Could not find a property named "
                                          f"'{name}' on type 'microsoft.graph.{entity}'.",
                                          call.request_id))

    # --- entities --------------------------------------------------------------------------------
    def _entity(self, call: Call, pattern: str, ids: list[str]) -> Answer:
        rule = rules.COLLECTION_RULES[pattern]
        is_device = pattern == "deviceManagement/managedDevices"
        if call.method == "DELETE" and is_device:
            return self._delete_device(call, ids[-1])
        if call.method == "PATCH" and is_device:
            return self._patch_device(call, ids[-1])
        if call.method != "GET":
            raise GraphAnswer(method_not_allowed(call))
        self._require(call, rule.read_scopes, pattern)
        for option in call.params:
            if option.startswith("$") and option not in ENTITY_QUERY_OPTIONS:
                raise GraphAnswer(graph_error(400, "BadRequest", f"Query option '{option}' is not "
                                              "allowed on a single entity.", call.request_id))
        select = _odata_or_400(odata.parse_select, call.params.get("$select"), call.request_id)
        expand = _odata_or_400(odata.parse_expand, call.params.get("$expand"), call.request_id)
        for name in expand:
            if not _expandable(rule, name, call.version):
                raise GraphAnswer(graph_error(400, "BadRequest", f"Could not find a navigation "
                                              f"property named '{name}'.", call.request_id))
        if is_device:
            index = self.tenant.devices.index_of(ids[-1])
            if index is None:
                raise GraphAnswer(not_found(call.request_id, pattern))
            non_default = set(select) & set(rules.MANAGED_DEVICE_NON_DEFAULT)
            item = self.tenant.devices.to_json(index, beta=call.version == rules.BETA,
                                               with_non_default=bool(non_default))
        else:
            source = self.tenant.record_set(pattern, ids[:-1], beta=call.version == rules.BETA)
            record = None
            if source is not None:
                wanted = ids[-1].lower()
                record = next((candidate for candidate in source.records
                               if source.key(candidate).lower() == wanted), None)
            if source is None or record is None:
                raise GraphAnswer(not_found(call.request_id, pattern))
            item = source.render(record)
        self._validate_select(call, pattern, select)
        shaped = self._shape(call, pattern, rule, item, select, expand)
        context = "/".join(part if part != "{id}" else "" for part in pattern.split("/"))
        body = {"@odata.context": f"{call.origin}/{call.version}/$metadata#"
                f"{context.replace('//', '/').rstrip('/')}/$entity", **shaped}
        return Answer(200, body)

    def _singleton(self, call: Call, pattern: str, ids: list[str]) -> Answer:
        rule = rules.SINGLETON_RULES[pattern]
        if call.method != "GET":
            raise GraphAnswer(method_not_allowed(call))
        self._require(call, rule.read_scopes, pattern)
        item = (self.tenant.singleton(pattern) if not ids
                else self.tenant.item_singleton(pattern, ids[-1]))
        if item is None:
            raise GraphAnswer(not_found(call.request_id, pattern))
        select = _odata_or_400(odata.parse_select, call.params.get("$select"), call.request_id)
        shaped = self._shape(call, pattern, None, dict(item), select, ())
        body = {"@odata.context": f"{call.origin}/{call.version}/$metadata#"
                f"{'/'.join(call.segments)}/$entity", **shaped}
        return Answer(200, body)

    # --- functions -------------------------------------------------------------------------------
    def _effective_permissions(self, call: Call) -> Answer:
        """getEffectivePermissions(scope='…'): the caller's permissions from their groups' role
        assignments; like Graph, allowed actions only (notAllowedResourceActions stays empty)."""
        if call.method != "GET":
            raise GraphAnswer(method_not_allowed(call))
        if _FUNCTION_SCOPE_ARGUMENT.fullmatch(call.segments[-1].partition("(")[2]) is None:
            raise GraphAnswer(graph_error(400, "BadRequest", "The function "
                                          "'getEffectivePermissions' requires the parameter "
                                          "'scope'.", call.request_id))
        self._require(call, rules.FUNCTION_SCOPES[rules.EFFECTIVE_PERMISSIONS],
                      rules.EFFECTIVE_PERMISSIONS)
        allowed = self.tenant.effective_permissions(call.upn)
        permissions = [{"actions": allowed, "resourceActions": [
            {"allowedResourceActions": allowed, "notAllowedResourceActions": []}]}]
        return Answer(200, {"@odata.context": f"{call.origin}/{call.version}/$metadata#"
                            "Collection(microsoft.graph.rolePermission)",
                            "value": permissions if allowed else []})

    # --- device writes ---------------------------------------------------------------------------
    def _delete_device(self, call: Call, device_id: str) -> Answer:
        self._require(call, rules.DEVICES_WRITE, "deviceManagement/managedDevices")
        index = self.tenant.devices.index_of(device_id)
        if index is None:
            raise GraphAnswer(not_found(call.request_id, "deviceManagement/managedDevices"))
        self.tenant.devices.delete(index)
        return Answer(204)

    def _patch_device(self, call: Call, device_id: str) -> Answer:
        self._require(call, rules.DEVICES_WRITE, "deviceManagement/managedDevices")
        index = self.tenant.devices.index_of(device_id)
        if index is None:
            raise GraphAnswer(not_found(call.request_id, "deviceManagement/managedDevices"))
        body = call.body if call.body is not None else {}
        if not isinstance(body, dict):
            raise GraphAnswer(graph_error(400, "BadRequest", "The request body must be a JSON "
                                          "object.", call.request_id))
        writable = {"notes", "managedDeviceName", "@odata.type"}
        for key, value in body.items():
            if key not in writable:
                raise GraphAnswer(graph_error(400, "BadRequest", f"The property '{key}' is "
                                              "read-only or does not exist on type "
                                              "'microsoft.graph.managedDevice'.", call.request_id))
            if key != "@odata.type" and value is not None and not isinstance(value, str):
                raise GraphAnswer(graph_error(400, "BadRequest", f"Cannot convert the literal "
                                              f"'{value}' to the expected type 'Edm.String'.",
                                              call.request_id))
        if "notes" in body:
            self.tenant.devices.set_notes(index, body["notes"])
        return Answer(204)

    # --- remote actions --------------------------------------------------------------------------
    def _device_action(self, call: Call, device_id: str, action: str) -> Answer:
        rule = rules.ACTION_RULES[action]
        if call.method != "POST":
            raise GraphAnswer(method_not_allowed(call))
        self._require(call, rule.scopes, f"deviceManagement/managedDevices/{{id}}/{action}")
        body = self._action_body(call, rule)
        index = self.tenant.devices.index_of(device_id)
        if index is None:
            raise GraphAnswer(not_found(call.request_id, "deviceManagement/managedDevices"))
        self._start_action(index, action, body, bulk_id=None, initiator=self._initiator(call))
        if rule.answer == "logCollection":
            return Answer(200, self._log_collection_response(call, index))
        return Answer(204)

    def _log_collection_response(self, call: Call, index: int) -> dict[str, Any]:
        """createDeviceLogCollectionRequest's answer: `{"value": deviceLogCollectionResponse}`
        (beta docs example), pending until the device uploads its logs."""
        now = self.tenant_now()
        device_id = self.tenant.devices.id_of(index)
        request = uuid.UUID(int=self._rng.getrandbits(128), version=4)
        return {
            "@odata.context": f"{call.origin}/{call.version}/$metadata#"
                              "microsoft.graph.deviceLogCollectionResponse",
            "value": {
                "@odata.type": "#microsoft.graph.deviceLogCollectionResponse",
                "id": f"{self.tenant.tenant_id}_{device_id}_{request}",
                "status": "pending", "managedDeviceId": device_id, "errorCode": 0,
                "requestedDateTimeUTC": iso(now), "receivedDateTimeUTC": None,
                "initiatedByUserPrincipalName": call.upn or DEMO_OPERATOR_UPN,
                "expirationDateTimeUTC": None,
                "size": 0.0, "sizeInKB": 0.0, "enrolledByUser": None,
            },
        }

    def _action_body(self, call: Call, rule: rules.ActionRule) -> dict[str, Any]:
        body = call.body if call.body is not None else {}
        if not isinstance(body, dict):
            raise GraphAnswer(graph_error(400, "BadRequest", "The request body must be a JSON "
                                          "object.", call.request_id))
        params = dict(rule.params)
        if call.version == rules.BETA:
            params.update(rule.beta_params)
        for key, value in body.items():
            kind = params.get(key)
            if kind is None:
                raise GraphAnswer(graph_error(400, "BadRequest", f"The parameter '{key}' in the "
                                              "request payload is not a valid parameter for the "
                                              f"operation '{rule.name}'.", call.request_id))
            _check_param_type(key, kind, value, call.request_id)
        for key in sorted(rule.required):
            if body.get(key) is None:
                raise GraphAnswer(graph_error(400, "BadRequest", f"The parameter '{key}' is "
                                              f"required by the operation '{rule.name}' and cannot "
                                              "be null.", call.request_id))
        return body

    def _initiator(self, call: Call) -> str:
        claims = self._verify(call.headers.get("authorization", "").partition(" ")[2].strip())
        return str((claims or {}).get("upn", DEMO_OPERATOR_UPN))

    def _start_action(self, index: int, action: str, body: dict[str, Any], *,
                      bulk_id: str | None, initiator: str) -> str:
        """Record the action; returns the outcome it will reach ("done", "failed", ...)."""
        devices = self.tenant.devices
        now = self.tenant_now()
        rule = rules.ACTION_RULES.get(action)
        outcome = "done"
        if rule is not None and rule.platforms is not None and devices.os[index] not in \
                rule.platforms:
            outcome = "notSupported"
        elif devices.management[index] not in ("managed", "unhealthy"):
            outcome = "failed"  # retired/wiped/deleting devices no longer take commands
        self._actions_started += 1
        delay = 20 + mix64(index * 7919 + self._actions_started
                           + zlib.crc32(action.encode())) % 41
        stale = devices.sync_age[index] > 30 * 86_400
        finish = None if stale and outcome == "done" else now + timedelta(seconds=delay)
        payload = _action_payload(action, body, index, self.tenant)
        name = rule.action_name if rule is not None else action
        devices.add_action(index, ActionRecord(name, now, finish, outcome, payload))
        self.tenant.audits.append((index, devices.actions[index][-1], initiator, bulk_id or ""))
        return outcome

    def _bulk_action(self, call: Call) -> Answer:
        if call.method != "POST":
            raise GraphAnswer(method_not_allowed(call))
        self._require(call, (rules.MD_PRIVILEGED,),
                      "deviceManagement/managedDevices/executeAction")
        body = call.body if isinstance(call.body, dict) else None
        if body is None:
            raise GraphAnswer(graph_error(400, "BadRequest", "The request body must be a JSON "
                                          "object.", call.request_id))
        for key, value in body.items():
            kind = rules.BULK_ACTION_PARAMS.get(key)
            if kind is None:
                raise GraphAnswer(graph_error(400, "BadRequest", f"The parameter '{key}' in the "
                                              "request payload is not a valid parameter for the "
                                              "operation 'executeAction'.", call.request_id))
            _check_param_type(key, kind, value, call.request_id)
        action_name = body.get("actionName")
        device_ids = body.get("deviceIds")
        if action_name not in rules.BULK_ACTION_NAMES:
            raise GraphAnswer(graph_error(400, "BadRequest", f"The value '{action_name}' is not a "
                                          "valid managedDeviceRemoteAction.", call.request_id))
        if not device_ids or not all(isinstance(item, str) for item in device_ids):
            raise GraphAnswer(graph_error(400, "BadRequest", "deviceIds must be a non-empty list "
                                          "of device ids.", call.request_id))
        result: dict[str, list[str]] = {"successfulDeviceIds": [], "failedDeviceIds": [],
                                        "notFoundDeviceIds": [], "notSupportedDeviceIds": []}
        bulk_id = str(uuid.UUID(int=self._rng.getrandbits(128), version=4))
        initiator = self._initiator(call)
        for device_id in device_ids:
            index = self.tenant.devices.index_of(device_id)
            if index is None:
                result["notFoundDeviceIds"].append(device_id)
                continue
            if action_name == "delete":
                self.tenant.devices.delete(index)
                result["successfulDeviceIds"].append(device_id)
                continue
            action = rules.BULK_TO_DEVICE_ACTION.get(action_name, action_name)
            options = {key: body[key] for key in ("keepEnrollmentData", "keepUserData",
                                                  "persistEsimDataPlan", "deviceName",
                                                  "notificationTitle", "notificationBody",
                                                  "carrierUrl") if key in body}
            if action_name in ("quickScan", "fullScan"):
                options["quickScan"] = action_name == "quickScan"
            outcome = self._start_action(index, action, options, bulk_id=bulk_id,
                                         initiator=initiator)
            bucket = {"notSupported": "notSupportedDeviceIds", "failed": "failedDeviceIds"}
            result[bucket.get(outcome, "successfulDeviceIds")].append(device_id)
        body_out = {"@odata.context": f"{call.origin}/{call.version}/$metadata#"
                    "microsoft.graph.bulkManagedDeviceActionResult", **result}
        return Answer(200, body_out)

    # --- $batch ----------------------------------------------------------------------------------
    def _batch(self, call: Call) -> Answer:
        requests = call.body.get("requests") if isinstance(call.body, dict) else None
        if not isinstance(requests, list) or not requests:
            raise GraphAnswer(graph_error(400, "BadRequest", "Invalid batch payload: 'requests' "
                                          "must be a non-empty array.", call.request_id))
        if len(requests) > rules.BATCH_MAX_REQUESTS:
            raise GraphAnswer(graph_error(400, "BadRequest", "The number of batch requests exceeds "
                                          f"the limit of {rules.BATCH_MAX_REQUESTS}.",
                                          call.request_id))
        seen: set[str] = set()
        for sub in requests:
            self._validate_sub_request(sub, seen, call.request_id)
        statuses: dict[str, int] = {}
        responses = []
        for sub in requests:
            responses.append(self._run_sub_request(call, sub, statuses))
        self._rng.shuffle(responses)  # Graph: "responses may come in any order"
        return Answer(200, {"responses": responses})

    def _validate_sub_request(self, sub: Any, seen: set[str], request_id: str) -> None:
        def bad(message: str) -> GraphAnswer:
            return GraphAnswer(graph_error(400, "BadRequest", message, request_id))

        if not isinstance(sub, dict):
            raise bad("Invalid batch payload: each request must be an object.")
        sub_id, method, url = sub.get("id"), sub.get("method"), sub.get("url")
        if not isinstance(sub_id, str) or not sub_id:
            raise bad("Invalid batch payload: every request needs a string 'id'.")
        if sub_id in seen:
            raise bad(f"Invalid batch payload: duplicate request id '{sub_id}'.")
        if not isinstance(method, str) or method.upper() not in ("GET", "POST", "PATCH", "PUT",
                                                                 "DELETE"):
            raise bad(f"Invalid batch payload: request '{sub_id}' has an invalid method.")
        if not isinstance(url, str) or not url or "://" in url:
            raise bad(f"Invalid batch payload: request '{sub_id}' needs a relative 'url'.")
        headers = {str(key).lower(): value for key, value in (sub.get("headers") or {}).items()}
        if "body" in sub and "content-type" not in headers:
            raise bad(f"Write request id : {sub_id} does not contain Content-Type header or "
                      "body.")
        for dependency in sub.get("dependsOn") or []:
            if dependency not in seen:
                raise bad(f"Invalid batch payload: request '{sub_id}' depends on unknown or "
                          f"later request '{dependency}'.")
        seen.add(sub_id)

    def _run_sub_request(self, outer: Call, sub: dict[str, Any],
                         statuses: dict[str, int]) -> dict[str, Any]:
        sub_id = sub["id"]
        failed = [dep for dep in sub.get("dependsOn") or [] if statuses.get(dep, 500) >= 400]
        request_id = str(uuid.UUID(int=self._rng.getrandbits(128), version=4))
        if failed:
            answer = graph_error(424, "FailedDependency", "The request was not run because a "
                                 f"request it depends on ({failed[0]}) failed.", request_id)
        else:
            answer = self._sub_answer(outer, sub, request_id)
        statuses[sub_id] = answer.status
        stamp_date(answer.body, self.tenant_now())
        response: dict[str, Any] = {"id": sub_id, "status": answer.status,
                                    "headers": {"request-id": request_id, **answer.headers}}
        if answer.body is not None:
            response["headers"]["Content-Type"] = JSON_TYPE
            response["body"] = (answer.body if not isinstance(answer.body, bytes)
                                else answer.body.decode("utf-8", "replace"))
        return response

    def _sub_answer(self, outer: Call, sub: dict[str, Any], request_id: str) -> Answer:
        url = httpx.URL(outer.origin + "/" + outer.version + "/" + sub["url"].lstrip("/"))
        path = url.path
        params = _single_params(url)
        content = json.dumps(sub["body"]).encode() if "body" in sub else b""
        headers = httpx.Headers({**{str(k): str(v) for k, v in (sub.get("headers") or {}).items()},
                                 "authorization": outer.headers.get("authorization", "")})
        injected = self.faults.take_failure(path) or self.faults.roll_failure()
        if injected is not None and not injected.after_processing:
            answer = self._injected(injected, request_id, path)
        else:
            try:
                call = self._parse_call(sub["method"], path, params, content, headers,
                                        outer.origin, request_id, in_batch=True)
                answer = self._process(call)
            except GraphAnswer as error:
                answer = error.answer
            except Exception:
                log.exception("fake Graph failed on batched %s %s", sub["method"], path)
                answer = graph_error(500, "InternalServerError", "An internal server error "
                                     "occurred.", request_id)
            if injected is not None:  # after processing: the sub-request took effect
                answer = self._injected(injected, request_id, path)
        self._record(str(sub["method"]).upper(), path, params, sub.get("body"), answer.status,
                     in_batch=True)
        return answer

    # --- faults ----------------------------------------------------------------------------------
    def _injected(self, failure: InjectedFailure, request_id: str, path: str) -> Answer:
        headers: dict[str, str] = dict(failure.headers)
        if failure.retry_after is not None:
            headers["Retry-After"] = str(failure.retry_after)
        if failure.body is not None:
            body = failure.body
            return Answer(failure.status, body, headers)
        if failure.status == 401:
            answer = unauthorized("Lifetime validation failed, the token is expired.",
                                  request_id)
        elif failure.status == 403:
            answer = forbidden((rules.MD_PRIVILEGED,), request_id, path)
        elif failure.status == 404:
            answer = not_found(request_id, path)
        else:
            code, message = STATUS_ERRORS.get(failure.status,
                                              ("UnknownError", "An error has occurred."))
            answer = graph_error(failure.status, code, message, request_id)
        answer.headers.update(headers)
        return answer


# --- routing -------------------------------------------------------------------------------------
def _route(segments: list[str], version: str) -> tuple[str, str, list[str]] | None:
    """(kind, rule pattern, ids) for a path, or None when Graph has no such segment."""
    if segments[-2:] == ["managedDevices", "executeAction"] and len(segments) == 3:
        return ("bulk", "", []) if version == rules.BETA else None
    if (len(segments) == 4 and segments[:2] == ["deviceManagement", "managedDevices"]
            and segments[3] in rules.ACTION_RULES):
        rule = rules.ACTION_RULES[segments[3]]
        return ("action", "", [segments[2]]) if version in rule.versions else None
    for kind, table in (("collection", rules.COLLECTION_RULES),
                        ("singleton", rules.SINGLETON_RULES)):
        matched = _match(segments, table, version)
        if matched is not None:
            return (kind, *matched)
    if len(segments) >= 3:
        matched = _match(segments[:-1], rules.COLLECTION_RULES, version)
        if matched is not None:
            return ("entity", matched[0], [*matched[1], segments[-1]])
    return None


def _match(segments: list[str], table: Any, version: str) -> tuple[str, list[str]] | None:
    for pattern, rule in table.items():
        parts = pattern.split("/")
        if len(parts) != len(segments) or version not in rule.versions:
            continue
        ids: list[str] = []
        for part, segment in zip(parts, segments, strict=True):
            if part == "{id}":
                ids.append(segment)
            elif part != segment:
                break
        else:
            return pattern, ids
    return None


_FUNCTION_SCOPE_ARGUMENT = re.compile(r"scope='[^']*'\)")


def _is_function(segments: list[str], name: str) -> bool:
    """deviceManagement/<name> or deviceManagement/<name>(arguments…)."""
    return (len(segments) == 2 and segments[0] == "deviceManagement"
            and segments[1].partition("(")[0] == name)


def _ids_of(call: Call, pattern: str) -> list[str]:
    parts = pattern.split("/")
    return [segment for part, segment in zip(parts, call.segments, strict=False)
            if part == "{id}"]


# --- query options -------------------------------------------------------------------------------
@dataclass
class _Query:
    select: tuple[str, ...] = ()
    filter_text: str | None = None
    filter_tree: odata.Node | None = None
    top: int | None = None
    orderby_text: str | None = None
    orderby: tuple[odata.OrderKey, ...] = ()
    count: bool = False
    expand: tuple[str, ...] = ()
    search: str | None = None
    skiptoken: str | None = None


def _odata_or_400(parse: Callable[[str], Any], text: str | None, request_id: str) -> Any:
    if text is None:
        return ()
    try:
        return parse(text)
    except odata.ODataError as error:
        raise GraphAnswer(graph_error(400, "BadRequest", str(error), request_id)) from None


def _expandable(rule: rules.CollectionRule, name: str, version: str) -> bool:
    """A navigation `$expand` may name: listed for the collection and served in this version."""
    if name not in rule.expand:
        return False
    nested = f"{rule.path}/{{id}}/{name}"
    nested_rule = rules.COLLECTION_RULES.get(nested) or rules.SINGLETON_RULES.get(nested)
    return nested_rule is None or version in nested_rule.versions


def _parse_query(params: dict[str, str], rule: rules.CollectionRule, request_id: str,
                 version: str) -> _Query:
    def bad(message: str) -> GraphAnswer:
        return GraphAnswer(graph_error(400, "BadRequest", message, request_id))

    for option in params:
        if option == "$skip":
            raise bad("The query option '$skip' is not supported on this resource; follow "
                      "@odata.nextLink to page.")
        if option.startswith("$") and option not in KNOWN_QUERY_OPTIONS:
            raise bad(f"Query option '{option}' is not supported.")
    query = _Query()
    resource = rule.path.rsplit("/", 1)[-1]
    try:
        if "$select" in params:
            query.select = odata.parse_select(params["$select"])
        if "$top" in params:
            query.top = odata.parse_top(params["$top"])
        if "$count" in params:
            query.count = odata.parse_count(params["$count"])
        if "$expand" in params:
            query.expand = odata.parse_expand(params["$expand"])
        if "$orderby" in params:
            query.orderby_text = params["$orderby"]
            query.orderby = odata.parse_orderby(params["$orderby"])
        if "$filter" in params:
            if rule.filter is None:
                raise bad(f"Invalid filter clause: $filter is not supported on {resource}.")
            query.filter_text = params["$filter"]
            query.filter_tree = odata.parse_filter(params["$filter"])
            odata.validate_filter(query.filter_tree, rule.filter, resource=resource)
    except odata.ODataError as error:
        raise bad(str(error)) from None
    for key in query.orderby:
        if key.prop not in rule.orderby:
            raise bad(f"Sorting by '{key.prop}' is not supported on {resource}.")
    for name in query.expand:
        if not _expandable(rule, name, version):
            raise bad(f"Could not find a navigation property named '{name}' on {resource}.")
    if "$search" in params:
        if not rule.search:
            raise bad(f"Search is not supported on {resource}.")
        text = params["$search"].strip()
        if len(text) < 2 or not (text.startswith('"') and text.endswith('"')):
            raise bad("Syntax error: $search values must be enclosed in double quotes.")
        query.search = text[1:-1]
    query.skiptoken = params.get("$skiptoken")
    return query




def _check_param_type(key: str, kind: str, value: Any, request_id: str) -> None:
    valid = {
        "bool": isinstance(value, bool) or value is None,
        "string": isinstance(value, str) or value is None,
        "number": value is None or (isinstance(value, int | float)
                                    and not isinstance(value, bool)),
        "object": isinstance(value, dict) or value is None,
        "array": isinstance(value, list),
        "enum": isinstance(value, str) and value in rules.OBLITERATION_BEHAVIORS,
    }[kind]
    if not valid:
        expected = {"bool": "Edm.Boolean", "string": "Edm.String", "number": "Edm.Int32",
                    "object": "a complex type", "array": "a collection",
                    "enum": "microsoft.graph.obliterationBehavior"}[kind]
        raise GraphAnswer(graph_error(400, "BadRequest", f"Cannot convert the literal "
                                      f"'{value}' to the expected type '{expected}' for "
                                      f"parameter '{key}'.", request_id))


def _action_payload(action: str, body: dict[str, Any], index: int,
                    tenant: DemoTenant) -> dict[str, Any]:
    """Extra fields Graph's derived deviceActionResult types carry once the action is done."""
    if action == "locateDevice":
        return {"@odata.type": "#microsoft.graph.locateDeviceActionResult",
                "deviceLocation": {"latitude": 47.6396 + (index % 97) / 10_000,
                                   "longitude": -122.1283 - (index % 89) / 10_000,
                                   "altitude": 56.0, "horizontalAccuracy": 12.0,
                                   "verticalAccuracy": 8.0, "heading": 0.0, "speed": 0.0,
                                   "lastCollectedDateTime": iso(tenant.now)}}
    if action == "remoteLock" and tenant.devices.os[index] == "macOS":
        return {"@odata.type": "#microsoft.graph.remoteLockActionResult",
                "unlockPin": f"{mix64(index) % 1_000_000:06d}"}
    if action == "resetPasscode" and tenant.devices.os[index] in ("Android", "Windows"):
        return {"@odata.type": "#microsoft.graph.resetPasscodeActionResult",
                "passcode": f"{mix64(index + 1) % 100_000_000:08d}", "errorCode": 0}
    if action == "windowsDefenderScan":
        return {"@odata.type": "#microsoft.graph.windowsDefenderScanActionResult",
                "scanType": "quickScan" if body.get("quickScan") else "fullScan"}
    if action == "deleteUserFromSharedAppleDevice":
        return {"@odata.type": "#microsoft.graph.deleteUserFromSharedAppleDeviceActionResult",
                "userPrincipalName": body.get("userPrincipalName")}
    if action == "setDeviceName":
        return {"_newName": body.get("deviceName")}
    return {}


# --- errors --------------------------------------------------------------------------------------


# --- small helpers -------------------------------------------------------------------------------
def _rendering_only(
    render_only: Callable[[Any, frozenset[str]], dict[str, Any]], only: frozenset[str]
) -> Callable[[Any], dict[str, Any]]:
    return lambda record: render_only(record, only)


def _b64(data: str | bytes) -> str:
    raw = data.encode() if isinstance(data, str) else data
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


@dataclass(frozen=True)
class EncodedJSON:
    """A JSON body the fake encoded itself (a long list's page), as _encode would: kept in
    the bytes it was joined into (a bytes subclass would copy them)."""

    data: bytes


def _truncated(answer: Answer, context: str) -> Answer:
    """A 200 whose JSON body stops halfway (a 204's body is the metadata context, cut)."""
    body = answer.body if isinstance(answer.body, dict | list) else {"@odata.context": context}
    encoded = answer.body.data if isinstance(answer.body, EncodedJSON) else _encode(body)
    return Answer(200, encoded[: max(1, len(encoded) // 2)], answer.headers)


def _encode(body: Any) -> bytes:
    return json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode()


def _try_json(content: bytes) -> Any:
    if not content:
        return None
    try:
        return json.loads(content)
    except ValueError:
        return None


async def _wait_out(delay: DelayShot | None) -> None:
    """Sleep a delay shot's seconds, or until its event is set (polled: it is set from another
    thread), whichever comes first."""
    if delay is None:
        return
    if delay.released is None:
        await asyncio.sleep(delay.seconds)
        return
    waited = 0.0
    while not delay.released.is_set() and waited < delay.seconds:
        await asyncio.sleep(0.01)
        waited += 0.01


def _single_params(url: httpx.URL) -> dict[str, str]:
    return {key: value for key, value in url.params.multi_items()}


def _origin(url: httpx.URL) -> str:
    default_port = {"http": 80, "https": 443}.get(url.scheme)
    port = "" if url.port in (None, default_port) else f":{url.port}"
    return f"{url.scheme}://{url.host}{port}"


class _FakeTransport(httpx.AsyncBaseTransport):
    def __init__(self, fake: FakeGraph) -> None:
        self._fake = fake

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        return await self._fake.handle(request)

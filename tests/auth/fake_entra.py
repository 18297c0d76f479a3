"""A fake Microsoft Entra token service on loopback HTTPS, for driving the real msal package.

MSAL refuses http:// authorities, so this speaks TLS with a certificate from a throw-away
`trustme` CA. Only the HTTP client returned by `http_client()` trusts that CA (it ignores
REQUESTS_CA_BUNDLE / SSL_CERT_FILE and proxies), and the production code gets it injected.

What it serves, per tenant path segment (tenant GUID, domain, or "organizations"):
    GET  /{tenant}/v2.0/.well-known/openid-configuration
    POST /{tenant}/oauth2/v2.0/devicecode
    POST /{tenant}/oauth2/v2.0/token   (device_code, refresh_token, authorization_code grants)
Behaviour knobs are plain attributes (device_code_answer, pending_polls, access_token_lifetime,
...). Every token it mints is remembered in `issued_secrets`, so tests can prove none leaked.
"""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
import ssl
import string
import threading
import time
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx
import trustme

GRAPH = "https://graph.microsoft.com/"
OIDC_SCOPES = {"openid", "profile", "offline_access"}


@dataclass
class FakeUser:
    upn: str
    oid: str
    home_tenant_id: str


@dataclass
class FakeTenant:
    tenant_id: str
    domain: str
    users: dict[str, FakeUser] = field(default_factory=dict)
    consented: set[str] = field(default_factory=set)  # short scope names, as Entra spells them


@dataclass
class Recorded:
    method: str
    path: str
    form: dict[str, str]

    @property
    def grant(self) -> str:
        return self.form.get("grant_type", "")


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def unsigned_jwt(claims: dict[str, Any]) -> str:
    header = b64url(json.dumps({"typ": "JWT", "alg": "none"}).encode())
    # MSAL does not verify signatures (it is the resource's job); a random one looks real.
    return f"{header}.{b64url(json.dumps(claims).encode())}.{b64url(secrets.token_bytes(16))}"


def short(scope: str) -> str:
    return scope.rsplit("/", 1)[-1]


class FakeEntra:
    """The token service. Use as a context manager; `authority_host` goes into Settings."""

    def __init__(self, tenants: list[FakeTenant], client_id: str) -> None:
        self.tenants = tenants
        self.client_id = client_id
        self.requests: list[Recorded] = []
        self.issued_secrets: list[str] = []
        # knobs
        self.device_code_answer = "approve"  # approve|never|blocked|admin_consent|decline
        self.pending_polls = 1
        self.interval = 0
        self.access_token_lifetime = 3600
        self.user_consents = True  # a consent prompt shown during sign-in is accepted
        self.signing_in: dict[str, FakeUser] = {}  # tenant_id -> who completes the next sign-in
        self.unknown_client = False
        # state
        self._device_codes: dict[str, dict[str, Any]] = {}
        self._auth_codes: dict[str, dict[str, Any]] = {}
        self._refresh_tokens: dict[str, FakeUser] = {}
        self._lock = threading.Lock()
        self.first_poll = threading.Event()
        self._ca = trustme.CA()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # --- lifecycle ---------------------------------------------------------------------------

    def __enter__(self) -> FakeEntra:
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self))
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        self._ca.issue_cert("127.0.0.1").configure_cert(context)
        self._server.socket = context.wrap_socket(self._server.socket, server_side=True)
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        assert self._server is not None
        self._server.shutdown()
        self._server.server_close()

    @property
    def authority_host(self) -> str:
        assert self._server is not None
        return f"127.0.0.1:{self._server.server_address[1]}"

    @property
    def base(self) -> str:
        return f"https://{self.authority_host}"

    def http_client(self) -> httpx.Client:
        context = ssl.create_default_context()
        self._ca.configure_trust(context)
        return httpx.Client(verify=context, trust_env=False, timeout=10.0)

    # --- helpers for tests -------------------------------------------------------------------

    def tenant(self, key: str) -> FakeTenant | None:
        key = key.lower()
        for tenant in self.tenants:
            if key in (tenant.tenant_id.lower(), tenant.domain.lower()):
                return tenant
        if key in ("organizations", "common") and self.tenants:
            return self.tenants[0]
        return None

    def token_requests(self, grant: str | None = None) -> list[Recorded]:
        return [
            item
            for item in self.requests
            if item.path.endswith("/token") and (grant is None or item.grant == grant)
        ]

    def revoke_refresh_tokens(self) -> None:
        with self._lock:
            self._refresh_tokens.clear()

    def browser(self) -> Any:
        """A stand-in for the user's browser: approves the sign-in and form_posts the code."""

        def open_url(url: str) -> bool:
            query = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(url).query))
            assert query["response_mode"] == "form_post", query
            assert query["code_challenge_method"] == "S256", query
            tenant = self.tenant(urllib.parse.urlsplit(url).path.strip("/").split("/")[0])
            assert tenant is not None
            code = "AC." + secrets.token_urlsafe(24)
            self.issued_secrets.append(code)
            with self._lock:
                self._auth_codes[code] = {
                    "tenant": tenant,
                    "challenge": query["code_challenge"],
                    "nonce": query.get("nonce"),
                    "scopes": set(query["scope"].split()),
                    "redirect_uri": query["redirect_uri"],
                    "claims": query.get("claims"),
                }
            target = query["redirect_uri"].replace("localhost", "127.0.0.1")
            body = urllib.parse.urlencode({"code": code, "state": query["state"]}).encode()

            def post() -> None:
                urllib.request.urlopen(urllib.request.Request(target, data=body), timeout=10)

            threading.Thread(target=post, daemon=True).start()
            return True

        return open_url

    # --- token minting -----------------------------------------------------------------------

    def _user_for(self, tenant: FakeTenant) -> FakeUser:
        if tenant.tenant_id in self.signing_in:
            return self.signing_in[tenant.tenant_id]
        return next(iter(tenant.users.values()))

    def _token_response(
        self,
        tenant: FakeTenant,
        user: FakeUser,
        requested: set[str],
        *,
        claims: str | None = None,
        nonce: str | None = None,
    ) -> dict[str, Any]:
        now = int(time.time())
        graph_scopes = {short(s) for s in requested if s.startswith(GRAPH)} | tenant.consented
        names = sorted(graph_scopes)
        access_claims: dict[str, Any] = {
            "aud": GRAPH.rstrip("/"),
            "iss": f"https://sts.windows.net/{tenant.tenant_id}/",
            "tid": tenant.tenant_id,
            "oid": user.oid,
            "upn": user.upn,
            "scp": " ".join(names),
            "iat": now,
            "exp": now + self.access_token_lifetime,
            "jti": secrets.token_hex(8),
        }
        if claims and "CP1" in claims:
            access_claims["xms_cc"] = ["CP1"]
        id_claims: dict[str, Any] = {
            "aud": self.client_id,
            "iss": f"{self.base}/{tenant.tenant_id}/v2.0",
            "iat": now,
            "nbf": now,
            "exp": now + 3600,
            "oid": user.oid,
            "sub": "sub-" + user.oid,
            "tid": tenant.tenant_id,
            "preferred_username": user.upn,
            "name": user.upn.split("@")[0],
        }
        if nonce:
            id_claims["nonce"] = nonce
        access_token = unsigned_jwt(access_claims)
        refresh_token = "RT." + secrets.token_urlsafe(40)
        id_token = unsigned_jwt(id_claims)
        with self._lock:
            self._refresh_tokens[refresh_token] = user
        self.issued_secrets.extend([access_token, refresh_token, id_token])
        return {
            "token_type": "Bearer",
            "scope": " ".join([GRAPH + name for name in names] + sorted(OIDC_SCOPES)),
            "expires_in": self.access_token_lifetime,
            "ext_expires_in": self.access_token_lifetime,
            "access_token": access_token,
            "refresh_token": refresh_token,
            "id_token": id_token,
            "client_info": b64url(
                json.dumps({"uid": user.oid, "utid": user.home_tenant_id}).encode()
            ),
        }


def _error(error: str, code: int, description: str, suberror: str = "") -> dict[str, Any]:
    body: dict[str, Any] = {
        "error": error,
        "error_description": f"AADSTS{code}: {description}\r\nTrace ID: t-1\r\n"
        "Correlation ID: c0ffee00-0000-0000-0000-000000000001\r\nTimestamp: 2026-01-01 00:00:00Z",
        "error_codes": [code],
        "correlation_id": "c0ffee00-0000-0000-0000-000000000001",
    }
    if suberror:
        body["suberror"] = suberror
    return body


def _handler(entra: FakeEntra) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:
            return

        def _send(self, status: int, body: dict[str, Any]) -> None:
            raw = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(raw)))
            self.end_headers()
            self.wfile.write(raw)

        def do_GET(self) -> None:
            path = urllib.parse.urlsplit(self.path).path
            entra.requests.append(Recorded("GET", path, {}))
            parts = path.strip("/").split("/")
            tenant = entra.tenant(parts[0]) if parts else None
            if parts[1:] != ["v2.0", ".well-known", "openid-configuration"]:
                self._send(404, {"error": "not_found"})
                return
            if tenant is None:
                self._send(400, _error("invalid_tenant", 90002, f"Tenant '{parts[0]}' not found."))
                return
            # Like Entra: the token endpoint names the tenant GUID whatever the path said.
            segment = tenant.tenant_id if parts[0] not in ("organizations", "common") else parts[0]
            base = f"{entra.base}/{segment}"
            self._send(
                200,
                {
                    "issuer": f"{entra.base}/{tenant.tenant_id}/v2.0",
                    "authorization_endpoint": f"{base}/oauth2/v2.0/authorize",
                    "token_endpoint": f"{base}/oauth2/v2.0/token",
                    "device_authorization_endpoint": f"{base}/oauth2/v2.0/devicecode",
                },
            )

        def do_POST(self) -> None:
            path = urllib.parse.urlsplit(self.path).path
            length = int(self.headers.get("Content-Length") or 0)
            form = dict(urllib.parse.parse_qsl(self.rfile.read(length).decode()))
            entra.requests.append(Recorded("POST", path, form))
            tenant = entra.tenant(path.strip("/").split("/")[0])
            if tenant is None:
                self._send(400, _error("invalid_request", 90002, "Tenant not found."))
                return
            if entra.unknown_client or form.get("client_id") != entra.client_id:
                self._send(
                    400,
                    _error(
                        "unauthorized_client",
                        700016,
                        f"Application with identifier '{form.get('client_id')}' was not found "
                        "in the directory.",
                    ),
                )
                return
            if path.endswith("/devicecode"):
                self._device_code(tenant, form)
            elif path.endswith("/token"):
                self._token(tenant, form)
            else:
                self._send(404, {"error": "not_found"})

        def _device_code(self, tenant: FakeTenant, form: dict[str, str]) -> None:
            device_code = "DC." + secrets.token_urlsafe(24)
            alphabet = string.ascii_uppercase + string.digits
            user_code = "".join(secrets.choice(alphabet) for _ in range(9))
            entra.issued_secrets.append(device_code)
            with entra._lock:
                entra._device_codes[device_code] = {
                    "tenant": tenant,
                    "scopes": set(form.get("scope", "").split()),
                    "polls": 0,
                    "claims": form.get("claims"),
                }
            self._send(
                200,
                {
                    "device_code": device_code,
                    "user_code": user_code,
                    "verification_uri": "https://microsoft.com/devicelogin",
                    "expires_in": 900,
                    "interval": entra.interval,
                    "message": "To sign in, use a web browser to open the page "
                    f"https://microsoft.com/devicelogin and enter the code {user_code} to "
                    "authenticate.",
                },
            )

        def _token(self, tenant: FakeTenant, form: dict[str, str]) -> None:
            grant = form.get("grant_type", "")
            if grant == "urn:ietf:params:oauth:grant-type:device_code":
                self._device_grant(tenant, form)
            elif grant == "refresh_token":
                self._refresh_grant(tenant, form)
            elif grant == "authorization_code":
                self._code_grant(tenant, form)
            else:
                self._send(400, _error("unsupported_grant_type", 70003, grant))

        def _consent_or_error(self, tenant: FakeTenant, scopes: set[str]) -> dict | None:
            wanted = {short(s) for s in scopes if s.startswith(GRAPH)}
            missing = wanted - tenant.consented
            if not missing:
                return None
            if not entra.user_consents:
                return _error(
                    "invalid_grant",
                    90094,
                    "The grant requires admin permission.",
                    "consent_required",
                )
            tenant.consented |= missing
            return None

        def _device_grant(self, tenant: FakeTenant, form: dict[str, str]) -> None:
            state = entra._device_codes.get(form.get("device_code", ""))
            if state is None:
                self._send(400, _error("expired_token", 70019, "Verification code expired."))
                return
            state["polls"] += 1
            entra.first_poll.set()
            answer = entra.device_code_answer
            if answer == "never" or state["polls"] <= entra.pending_polls:
                self._send(400, _error("authorization_pending", 70016, "Pending."))
                return
            entra._device_codes.pop(form["device_code"], None)
            if answer == "blocked":
                self._send(
                    400,
                    _error(
                        "invalid_grant",
                        53003,
                        "Access has been blocked by Conditional Access policies. The access "
                        "policy does not allow token issuance.",
                    ),
                )
                return
            if answer == "decline":
                self._send(400, _error("authorization_declined", 70000, "Declined."))
                return
            if answer == "admin_consent":
                entra.user_consents = False
            refusal = self._consent_or_error(tenant, state["scopes"])
            if refusal is not None:
                self._send(400, refusal)
                return
            user = entra._user_for(tenant)
            self._send(
                200, entra._token_response(tenant, user, state["scopes"], claims=state["claims"])
            )

        def _refresh_grant(self, tenant: FakeTenant, form: dict[str, str]) -> None:
            user = entra._refresh_tokens.get(form.get("refresh_token", ""))
            if user is None:
                self._send(
                    400,
                    _error("invalid_grant", 700082, "The refresh token has expired.", "bad_token"),
                )
                return
            scopes = set(form.get("scope", "").split())
            wanted = {short(s) for s in scopes if s.startswith(GRAPH)}
            if wanted - tenant.consented:
                self._send(
                    400,
                    _error(
                        "invalid_grant",
                        65001,
                        "The user or administrator has not consented to use the application.",
                        "consent_required",
                    ),
                )
                return
            self._send(200, entra._token_response(tenant, user, scopes, claims=form.get("claims")))

        def _code_grant(self, tenant: FakeTenant, form: dict[str, str]) -> None:
            with entra._lock:
                state = entra._auth_codes.pop(form.get("code", ""), None)
            if state is None:
                self._send(400, _error("invalid_grant", 70008, "Bad code."))
                return
            verifier = form.get("code_verifier", "")
            if b64url(hashlib.sha256(verifier.encode()).digest()) != state["challenge"]:
                self._send(400, _error("invalid_grant", 501481, "PKCE verification failed."))
                return
            if form.get("redirect_uri") != state["redirect_uri"]:
                self._send(400, _error("invalid_grant", 50011, "Redirect URI mismatch."))
                return
            refusal = self._consent_or_error(tenant, state["scopes"])
            if refusal is not None:
                self._send(400, refusal)
                return
            user = entra._user_for(tenant)
            self._send(
                200,
                entra._token_response(
                    tenant, user, state["scopes"], claims=form.get("claims"), nonce=state["nonce"]
                ),
            )

    return Handler

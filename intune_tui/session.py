"""A session: one tenant, one way to get tokens, one Graph service. No Textual here.

The app receives a Session and never decides by itself where data comes from:
- demo: the synthetic tenant served by the fake Graph (no account): from a process of its own on
  loopback when the CLI started one (`demo/process.py`), in-process otherwise (tests);
- token: a bearer token from INTUNE_TUI_ACCESS_TOKEN or --access-token-command;
- msal: interactive sign-in per profile (device code over SSH, browser otherwise).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from intune_tui.graph.client import (
    GraphClient,
    loopback_http_transport,
    preload_network_transport,
)
from intune_tui.graph.request_log import RequestLog
from intune_tui.graph.tokens import StaticTokenProvider, TokenProvider
from intune_tui.intune.service import IntuneService
from intune_tui.text import clean

if TYPE_CHECKING:
    from intune_tui.auth.provider import SignInInteraction
    from intune_tui.config import Settings
    from intune_tui.demo.fake_graph import FakeGraph
    from intune_tui.demo.process import DemoGraphProcess

log = logging.getLogger("intune_tui.session")

ServiceFactory = Callable[[Callable[[Any], None]], Awaitable[IntuneService]]
"""Builds the service; its argument hears how Graph is doing: a `ThrottleState` (the tenant-wide
pause) or a `RetryNotice` (a read is tried again), each shown in the status bar or on stderr."""


class SessionError(Exception):
    """The session cannot be opened; the message says why and what to do."""


@dataclass
class Session:
    profile: str
    tenant_label: str
    account: str
    demo: bool
    read_only: bool
    make_service: ServiceFactory
    token_provider: TokenProvider | None = None
    clock: Callable[[], datetime] = field(default=lambda: datetime.now(UTC))
    notices: tuple[str, ...] = ()
    fake: FakeGraph | None = None
    # Ended with the service: the demo's Graph process, when there is one.
    release: Callable[[], None] | None = None
    # A bring-your-own token: who and which tenant are what its (unverified) claims say.
    token_identity: bool = False
    # Every Graph call of the session (`:requests`); the session's Graph client writes it.
    requests: RequestLog = field(default_factory=RequestLog)
    # Which tenant this session's data belongs to, known before any call (bound into the list
    # snapshots, so that no other tenant's rows are ever shown): the demo's tenant id; else the
    # configured tenant (or a given token's `tid`, or "organizations") at its Graph endpoint.
    tenant_key: str = ""

    @property
    def header_text(self) -> str:
        who = self.account or "not signed in yet"
        return f"{self.tenant_label} · {who}"

    async def close_service(self, service: IntuneService) -> None:
        await service.client.aclose()
        if self.release is not None:
            await asyncio.to_thread(self.release)

    async def prepare(self, service: IntuneService | None = None) -> tuple[list[str], str]:
        """Open the token cache (keyring probed with a timeout, off the UI thread) and learn who
        is signed in; with a bring-your-own token and `service`, also the tenant's name. Returns
        the notices to show and the account name ("" if not known yet)."""
        notices: list[str] = []
        prepare = getattr(self.token_provider, "prepare", None)
        if callable(prepare):
            notice = await prepare()
            if notice:
                notices.append(notice)
        account = self.account
        read_account = getattr(self.token_provider, "account", None)
        if not account and callable(read_account):
            info = await read_account()
            account = str(getattr(info, "username", "") or "") if info is not None else ""
        if account:
            self.account = account
        if service is not None and self.token_identity:
            await self._name_the_tenant(service)
        return notices, self.account

    async def _name_the_tenant(self, service: IntuneService) -> None:
        """Who and which tenant, from the token's claims (cleaned, and said to be from the
        token), then the tenant's name from Graph's /organization when the token may read it."""
        from intune_tui.graph.errors import GraphError
        from intune_tui.graph.tokens import claimed_scopes
        from intune_tui.intune.service import ORGANIZATION_SCOPES

        try:
            claims = await self.claims()
        except Exception as error:  # a failing token command: the first list says why
            log.info("no token claims for the header: %s", type(error).__name__)
            return
        if not self.account:
            self.account = from_the_token(claims.get("upn") or claims.get("unique_name"))
        if self.tenant_label == f"profile {self.profile}" and claims.get("tid"):
            self.tenant_label = "tenant " + from_the_token(claims.get("tid"))
        if not (claimed_scopes(claims) or frozenset()).intersection(ORGANIZATION_SCOPES):
            return
        try:
            name = await service.organization_name()
        except GraphError as error:
            log.info("the tenant's name could not be read: %s", error)
            return
        if name:
            self.tenant_label = name

    async def claims(self) -> dict[str, Any]:
        """The current token's claims (scp, upn, tid, exp), never the token itself."""
        from intune_tui.graph.tokens import token_claims

        if self.token_provider is None:
            return {}
        return token_claims(await self.token_provider.get_token())


def open_session(
    settings: Settings,
    *,
    interaction: SignInInteraction | None = None,
    demo_clock: Callable[[], float] = time.monotonic,
    demo_graph: DemoGraphProcess | None = None,
) -> Session:
    """The session `settings` describe. Raises SessionError with a sentence for the user.

    `demo_graph`: the demo's Graph, already started in its own process (the CLI starts it
    first thing); without it the demo tenant is served in-process."""
    if settings.demo:
        return demo_session(settings, clock=demo_clock, graph_process=demo_graph)
    return graph_session(settings, interaction=interaction)


def demo_session(
    settings: Settings,
    *,
    clock: Callable[[], float] = time.monotonic,
    frozen: bool = False,
    fake_clock: Callable[[], float] = time.time,
    scopes: tuple[str, ...] | None = None,
    graph_process: DemoGraphProcess | None = None,
) -> Session:
    """The demo tenant. Its clock starts at the tenant's own 'now' (so "synced 3h ago" reads the
    same on any day) and runs with real time unless `frozen` (snapshots).

    With `graph_process` the tenant is served by that process over loopback, or in-process if it
    fails to come up."""
    from intune_tui.demo.identity import (
        DEMO_NOW,
        DEMO_OPERATOR_UPN,
        DEMO_PROFILE,
        DEMO_TENANT_ID,
        DEMO_TENANT_NAME,
    )

    started = clock()

    def now() -> datetime:
        return DEMO_NOW if frozen else DEMO_NOW + timedelta(seconds=clock() - started)

    session = Session(
        profile=DEMO_PROFILE,
        tenant_label=f"{DEMO_TENANT_NAME} (demo tenant)",
        account=DEMO_OPERATOR_UPN,
        demo=True,
        read_only=settings.read_only,
        make_service=lambda on_throttle: _demo_service(
            settings, session, on_throttle, now, fake_clock, scopes),
        clock=now,
        requests=RequestLog(clock=now),
        tenant_key=DEMO_TENANT_ID,
    )
    if graph_process is not None:
        preload_network_transport()
        in_process = session.make_service
        session.release = graph_process.stop

        async def make_service(on_throttle: Callable[[Any], None]) -> IntuneService:
            endpoint = await asyncio.to_thread(graph_process.wait_ready)
            if endpoint is None:
                log.warning("the demo Graph process did not come up (%s); serving the demo "
                            "tenant in-process", graph_process.failure)
                return await in_process(on_throttle)
            provider = StaticTokenProvider(endpoint.token)
            session.token_provider = provider
            client = GraphClient(provider, base_url=endpoint.url,
                                 api_version=settings.api_version, on_throttle=on_throttle,
                                 on_retry=on_throttle, transport=loopback_http_transport(),
                                 request_log=session.requests)
            return IntuneService(client, now=now)

        session.make_service = make_service
    return session


async def _demo_service(
    settings: Settings,
    session: Session,
    on_throttle: Callable[[Any], None],
    now: Callable[[], datetime],
    fake_clock: Callable[[], float],
    scopes: tuple[str, ...] | None,
) -> IntuneService:
    from intune_tui.demo.fake_graph import FakeGraph
    from intune_tui.demo.process import APP_LIST_503_ABOVE
    from intune_tui.demo.tenant import build_tenant

    # Built in the worker thread: a 100,000-device tenant takes seconds, the UI paints meanwhile.
    fake = FakeGraph(build_tenant(devices=settings.demo_devices), clock=fake_clock)
    fake.faults.app_list_503_above = APP_LIST_503_ABOVE
    session.fake = fake
    token = fake.issue_token() if scopes is None else fake.issue_token(scopes=scopes)
    provider = StaticTokenProvider(token)
    session.token_provider = provider
    client = GraphClient(
        provider,
        api_version=settings.api_version,
        transport=fake.transport(),
        on_throttle=on_throttle,
        on_retry=on_throttle,
        request_log=session.requests,
    )
    return IntuneService(client, now=now)


def graph_session(
    settings: Settings, *, interaction: SignInInteraction | None = None
) -> Session:
    """A real tenant (or any Graph endpoint given by --graph-url with a bearer token)."""
    from intune_tui.auth.errors import AuthError
    from intune_tui.auth.provider import MsalTokenProvider, make_token_provider
    from intune_tui.graph.tokens import token_claims

    preload_network_transport()

    try:
        provider = make_token_provider(settings, interaction=interaction)
    except AuthError as error:  # ClientIdMissing explains how to register the app
        raise SessionError(error.explain()) from None
    tenant = settings.tenant or ""
    tenant_key = (settings.tenant or "organizations").lower()
    account = ""
    if isinstance(provider, StaticTokenProvider) and settings.access_token:
        # Unverified claims of a token from elsewhere: cleaned, and said to be the token's.
        claims = token_claims(settings.access_token)
        if not tenant and claims.get("tid"):
            tenant = "tenant " + from_the_token(claims.get("tid"))
            tenant_key = clean(claims.get("tid")).lower()
        account = from_the_token(claims.get("upn") or claims.get("unique_name"))
    notices = tuple(getattr(provider, "notices", ()) or ())
    requests = RequestLog()

    async def make_service(on_throttle: Callable[[Any], None]) -> IntuneService:
        client = GraphClient(
            provider,
            base_url=settings.graph_url,
            api_version=settings.api_version,
            on_throttle=on_throttle,
            on_retry=on_throttle,
            request_log=requests,
        )
        return IntuneService(client)

    return Session(
        profile=settings.profile,
        tenant_label=tenant or f"profile {settings.profile}",
        account=account,
        demo=False,
        read_only=settings.read_only,
        make_service=make_service,
        token_provider=provider,
        notices=notices,
        token_identity=not isinstance(provider, MsalTokenProvider),
        requests=requests,
        tenant_key=f"{tenant_key} at {settings.graph_url}",
    )


def from_the_token(value: object) -> str:
    """A claim as the header and the audit show it: cleaned, marked as the token's own word."""
    text = clean(value).strip()
    return f"{text} (from the token)" if text else ""

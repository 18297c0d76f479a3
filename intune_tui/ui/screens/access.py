"""My access (`:access`): who is signed in, which Graph scopes the token carries against the
seed's scope table, and what Intune's roles let this account do.

Every scope says "granted" or "missing" in words. The scope (or role) of the last 403 is named at
the top and marked in the list. `forbidden_explanation` is the 403 text list screens show.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, ClassVar

from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.screen import Screen
from textual.widget import Widget
from textual.widgets import Footer, Header, Static

from intune_tui.graph.errors import GraphForbidden
from intune_tui.intune.access import AccessLine, ScopeUse, access_report
from intune_tui.intune.rbac import (
    MyIntuneAccess,
    directory_admin_roles,
    my_intune_access,
)
from intune_tui.intune.resources import RESOURCES
from intune_tui.intune.scopes import SCOPES, forbidden_checklist
from intune_tui.text import clean
from intune_tui.ui.typed_app import IntuneAppMixin
from intune_tui.ui.widgets.detail import FieldList

ACCESS_KEY = "p"
REFUSED_MARK = "◀ refused last"
# The scope table's areas, as the app's screens are called (and their number keys).
AREA_WORDS = {"devices": "Devices 1", "apps": "Apps 2", "policies": "Policies 3",
              "roles": "Roles 4", "tenant": "Tenant 5", "recovery": "Keys k",
              "directory": "Entra"}


def forbidden_explanation(error: GraphForbidden, *, access_key: str = ACCESS_KEY) -> Text:
    """A 403 for a list's problem panel: Graph's sentence, the seed's checklist for the missing
    scope (the role first when Intune refused the account), and how to open my access."""
    text = Text()
    text.append(str(error), style="bold")
    checks = forbidden_checklist(error.missing_scope)
    if error.missing_role:
        checks.sort(key=lambda check: check.title != "Intune role")
    text.append("\nTo fix it, check:")
    for number, check in enumerate(checks, 1):
        text.append(f"\n{number}. ")
        text.append(check.title, style="bold")
        text.append(f": {check.detail}")
    text.append(f"\nPress {access_key} (or type :access) to see the scopes and roles you hold.")
    return text


def show_forbidden(panel: Static, table: Widget, error: GraphForbidden) -> None:
    """Fill a list's problem panel with the 403 explanation. The empty table gives up its room
    so the checklist fits at 80x24; showing the list again is the caller's `_hide_problem`."""
    panel.update(forbidden_explanation(error))
    panel.styles.margin = (0, 1)
    panel.display = True
    table.display = False


def refused_summary(error: GraphForbidden) -> Text:
    """The two lines at the top of my access when it opens after a 403."""
    text = Text()
    text.append("Refused: ", style="bold")
    if error.missing_role:
        text.append("your account has no Intune role that allows it (see Intune roles)")
    elif error.missing_scope:
        text.append(f"the token lacks {error.missing_scope} (marked below)")
    else:
        text.append(str(error))
    text.append("\nFix: app permission, admin consent, Intune role, licence (see the end)")
    return text


def scope_uses_text(uses: Iterable[ScopeUse]) -> str:
    """'Lists: Devices, …; detail tabs: Users, …; remote actions: Sync, …' (or why none)."""
    lists: list[str] = []
    tabs: list[str] = []
    actions: list[str] = []
    for use in uses:
        if use.kind == "action":
            actions.append(use.title)
        elif use.kind == "tab" or (RESOURCES.get(use.key) is not None
                                   and RESOURCES[use.key].parent):
            tabs.append(use.title)
        else:
            lists.append(use.title)
    parts = [f"{label}: {', '.join(dict.fromkeys(names))}"
             for label, names in (("lists", lists), ("detail tabs", tabs),
                                  ("remote actions", actions)) if names]
    if not parts:
        return ("nothing in intune-tui: it only reads, and its remote actions use "
                "PrivilegedOperations")
    return "; ".join(parts)


def status_word(line: AccessLine) -> Text:
    return Text("granted" if line.granted else "missing",
                style="bold" if line.granted else "bold reverse")


def scope_overview(report: Iterable[AccessLine], refused: str | None) -> Table:
    """One line per scope of the table: granted or missing, the scope, the screen it is for
    (or '◀ refused' on the scope the last 403 named)."""
    table = Table.grid(padding=(0, 1), expand=True)
    table.add_column(width=7, no_wrap=True)
    table.add_column(ratio=1, no_wrap=True, overflow="ellipsis")
    table.add_column(width=10, no_wrap=True)
    for line in report:
        is_refused = line.scope.name.lower() == (refused or "").lower()
        where = Text("◀ refused", style="bold reverse") if is_refused else Text(
            AREA_WORDS.get(line.scope.area, line.scope.area))
        table.add_row(status_word(line),
                      Text(line.scope.name, style="bold reverse" if is_refused else ""), where)
    return table


def scope_entry(line: AccessLine, held: frozenset[str], *, refused: bool) -> Table:
    """One scope in full: granted/missing in words, its admin-center name, what it allows (the
    seed's wording summarised) and what in the app needs it."""
    scope = line.scope
    body = Text()
    body.append(scope.name, style="bold")
    if refused:
        body.append(f"  {REFUSED_MARK}", style="bold reverse")
    body.append(f"\n{scope.enable_access}", style="italic")
    if line.granted and scope.name.lower() not in held:
        body.append(" (held through its read and write scope)")
    if scope.summary():
        body.append(f"\n{scope.summary()}")
    body.append(f"\nNeeded by {scope_uses_text(line.uses)}.")
    table = Table.grid(padding=(0, 1))
    table.add_column(width=7, no_wrap=True)
    table.add_column(ratio=1)
    table.add_row(status_word(line), body)
    return table


def account_fields(claims: Mapping[str, Any], tenant_label: str) -> list[tuple[str, object]]:
    """Who the token is for. Claims are shown, never the token."""
    who = claims.get("upn") or claims.get("unique_name") or claims.get("preferred_username")
    name = claims.get("name")
    account = f"{name} <{who}>" if name and who else who or name
    tenant = str(claims.get("tid") or "")
    app_id = claims.get("appid") or claims.get("azp")
    kind = ("delegated" if isinstance(claims.get("scp"), str)
            else "application" if isinstance(claims.get("roles"), list) else "")
    fields: list[tuple[str, object]] = [("Account", account), ("Tenant", tenant_label)]
    if tenant and tenant not in tenant_label:
        fields.append(("Tenant id", tenant))
    fields.append(("App id", f"{app_id} ({kind})" if app_id and kind else app_id))
    return fields


def granted_names(claims: Mapping[str, Any]) -> list[str]:
    """The scopes (delegated `scp`) or app roles (`roles`) the token carries."""
    names: list[str] = []
    scp = claims.get("scp")
    if isinstance(scp, str):
        names.extend(part for part in scp.split() if part)
    roles = claims.get("roles")
    if isinstance(roles, list):
        names.extend(role for role in roles if isinstance(role, str) and role)
    return list(dict.fromkeys(names))


def roles_text(access: MyIntuneAccess | None, claims: Mapping[str, Any],
               error: BaseException | None) -> RenderableType:
    """What Intune's roles let the account do, or why Graph did not say."""
    text = Text()
    if not isinstance(claims.get("scp"), str) and isinstance(claims.get("roles"), list):
        text.append("An application token: Intune role assignments do not apply to it; its "
                    "application permissions (above) decide.\n", style="bold")
    admin_roles = directory_admin_roles(claims)
    if admin_roles:
        text.append(f"Entra role {', '.join(admin_roles)}: every Intune permission, "
                    "whatever the Intune role assignments say.\n", style="bold")
    if error is not None:
        text.append("Graph does not say: ", style="bold")
        text.append(str(error))
        return text
    if access is None:
        text.append("Asking Graph…")
        return text
    effective = access.effective
    if effective.unrestricted:
        text.append("Graph says: every Intune permission (no restriction).", style="bold")
        return text
    if not effective.allowed:
        text.append("Graph says: none. No Intune role is assigned to a group you are in.",
                    style="bold")
        return text
    if access.roles is not None:
        names = ", ".join(clean(role.name) for role in access.roles) or "none in full"
        text.append("Your permissions include every permission of: ", style="bold")
        text.append(names)
        text.append("\n(Graph gives the permissions, not the assignment that grants them.)\n",
                    style="italic")
    text.append("Graph says your account may:", style="bold")
    return Group(text, permission_table(effective.by_resource()))


def permission_table(grouped: Mapping[str, Iterable[str]]) -> Table:
    """Permissions in words, one resource per row: 'Managed devices  Read, Update'; the
    operations wrap (my access, and a role's Permissions tab)."""
    table = Table.grid(padding=(0, 2))
    table.add_column(style="bold", no_wrap=True)
    table.add_column(ratio=1)
    for resource, operations in grouped.items():
        table.add_row(Text(resource), Text(", ".join(operations)))
    return table


class AccessScreen(IntuneAppMixin, Screen[None]):
    """The signed-in account, its token's scopes against the seed's table, its Intune roles."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "back", "Back", id="access.back"),
        Binding("r", "reload", "Refresh", id="access.refresh",
                tooltip="Read the token and the Intune permissions again"),
    ]

    def __init__(self, highlight: GraphForbidden | None = None) -> None:
        super().__init__()
        self.highlight = highlight
        self.claims: dict[str, Any] = {}
        self.access: MyIntuneAccess | None = None
        self.access_error: BaseException | None = None

    @property
    def refused_scope(self) -> str | None:
        if self.highlight is None or self.highlight.missing_role:
            return None
        return self.highlight.missing_scope

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static("", id="access-refused")
        with VerticalScroll(id="access-body"):
            yield Static(Text("Signed in", style="bold underline"), id="access-signed-in")
            yield FieldList(id="access-account")
            yield Static(Text("Intune scopes in the token", style="bold underline"),
                         classes="section-title")
            yield Static("", id="access-overview", classes="scope-entry")
            yield Static("", id="access-other-scopes", classes="scope-entry")
            yield Static(Text("What each scope allows, and what needs it",
                              style="bold underline"), classes="section-title")
            for index, name in enumerate(SCOPES):
                yield Static("", id=f"scope-{index}", classes="scope-entry", name=name)
            yield Static(Text("Intune roles: what your account may do", style="bold underline"),
                         classes="section-title")
            yield Static("", id="access-roles", classes="scope-entry")
            yield Static(Text("When Graph answers 403, check", style="bold underline"),
                         classes="section-title")
            yield Static(self._checklist(), id="access-checklist", classes="scope-entry")
        yield Footer()

    def on_mount(self) -> None:
        self.title = "My access"
        refused = self.query_one("#access-refused", Static)
        refused.display = self.highlight is not None
        if self.highlight is not None:
            refused.update(refused_summary(self.highlight))
        self._show_claims({})
        self._show_roles()
        self.query_one("#access-body").focus()
        self.intune_app.session_changed.subscribe(self, self._on_session_changed)
        self.load()

    def _on_session_changed(self, session: Any) -> None:
        """Another tenant: its token, its roles; the old tenant's 403 no longer applies."""
        self.highlight = None
        self.query_one("#access-refused").display = False
        self.query_one("#access-checklist", Static).update(self._checklist())
        self.access, self.access_error = None, None
        self._show_claims({})
        self.load()

    def load(self) -> None:
        session = self.intune_app.session
        self.intune_app.run_call("access:claims", lambda service: session.claims(),
                                 on_done=self._show_claims, on_error=self._claims_failed)
        self.intune_app.run_call("access:roles", my_intune_access,
                                 on_done=self._roles_loaded, on_error=self._roles_failed)

    # -- results -------------------------------------------------------------------------------

    def _show_claims(self, claims: dict[str, Any]) -> None:
        self.claims = claims or {}
        session = self.intune_app.session
        fields = account_fields(self.claims, session.tenant_label)
        if not self.claims:
            fields[0] = ("Account", session.account or "not signed in yet")
        self.query_one("#access-account", FieldList).show(fields)
        granted = granted_names(self.claims)
        held = frozenset(name.rsplit("/", 1)[-1].lower() for name in granted)
        refused = (self.refused_scope or "").lower()
        report = access_report(granted)
        self.query_one("#access-overview", Static).update(
            scope_overview(report, self.refused_scope) if self.claims
            else Text("The token's scopes are not known yet."))
        for index, line in enumerate(report):
            entry = self.query_one(f"#scope-{index}", Static)
            is_refused = line.scope.name.lower() == refused
            entry.update(scope_entry(line, held, refused=is_refused) if self.claims else "")
            entry.set_class(is_refused, "-refused")
        known = {name.lower() for name in SCOPES}
        others = [name for name in granted if name.rsplit("/", 1)[-1].lower() not in known]
        self.query_one("#access-other-scopes", Static).update(Text(
            "Other scopes in the token: " + (", ".join(others) if others else "none"))
            if self.claims else "")
        self._show_roles()

    def _claims_failed(self, error: BaseException) -> None:
        self.query_one("#access-other-scopes", Static).update(
            Text(f"Could not read the token: {error}", style="bold"))

    def _roles_loaded(self, access: MyIntuneAccess) -> None:
        self.access, self.access_error = access, None
        self._show_roles()

    def _roles_failed(self, error: BaseException) -> None:
        self.access, self.access_error = None, error
        self._show_roles()

    def _show_roles(self) -> None:
        roles = self.query_one("#access-roles", Static)
        roles.update(roles_text(self.access, self.claims, self.access_error))
        missing_role = self.highlight is not None and self.highlight.missing_role
        roles.set_class(missing_role, "-refused")

    def _checklist(self) -> Text:
        missing = self.highlight.missing_scope if self.highlight is not None else None
        text = Text()
        for number, check in enumerate(forbidden_checklist(missing), 1):
            if number > 1:
                text.append("\n")
            text.append(f"{number}. ")
            text.append(check.title, style="bold")
            text.append(f": {check.detail}")
        return text

    # -- keys ----------------------------------------------------------------------------------

    def action_back(self) -> None:
        self.app.pop_screen()

    def action_reload(self) -> None:
        self.load()

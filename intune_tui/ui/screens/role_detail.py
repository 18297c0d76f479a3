"""One Intune role: its permissions in words, grouped by resource, and who holds it where.

Opened from the roles list (Enter on a role, or on an assignment: then the assignment is marked).
`OperationScreen` answers Enter on a resource operation: which roles allow it, and whether your
account may.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, ClassVar

from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen, Screen
from textual.widgets import Footer, Header, Static, TabbedContent, TabPane

from intune_tui.graph.errors import GraphForbidden
from intune_tui.intune.formatting import enum_word
from intune_tui.intune.models import Permission, RoleDefinition
from intune_tui.intune.rbac import (
    AssignmentScope,
    EffectivePermissions,
    RoleDetails,
    effective_permissions,
    operation_permission,
    role_details,
    roles_allowing,
)
from intune_tui.text import clean
from intune_tui.ui.screens.access import forbidden_explanation
from intune_tui.ui.widgets.detail import field_table

if TYPE_CHECKING:
    from intune_tui.intune.service import IntuneService
    from intune_tui.ui.app import IntuneApp

GROUPS_BY_ID = ("Graph's Intune API names Entra groups by id only; their names are looked up "
                "in Entra (Directory.Read.All) and shown once they arrive.")
_SCOPE_TYPE_WORDS = {
    "alldevices": "All devices",
    "alllicensedusers": "All licensed users",
    "alldevicesandlicensedusers": "All devices and all licensed users",
}


def role_title(role: RoleDefinition) -> Text:
    """'Help Desk Operator · Built-in role · 43 permissions in 18 areas'."""
    kinds: dict[bool | None, str] = {True: "Built-in role", False: "Custom role"}
    kind = kinds.get(role.is_built_in, "Role")
    grouped = role.permissions_by_resource()
    count = sum(len(operations) for operations in grouped.values())
    parts = [clean(role.name) or "(no name)", kind,
             f"{count} permission{'s' if count != 1 else ''} in {len(grouped)} "
             f"area{'s' if len(grouped) != 1 else ''}"]
    return Text(" · ".join(parts), style="bold")


def permissions_table(grouped: Mapping[str, Sequence[str]]) -> Table:
    """'Managed devices   Read, Update' one resource per row; the operations wrap."""
    table = Table.grid(padding=(0, 2))
    table.add_column(style="bold", no_wrap=True)
    table.add_column(ratio=1)
    for resource, operations in grouped.items():
        table.add_row(Text(resource), Text(", ".join(operations)))
    return table


def permissions_view(role: RoleDefinition) -> RenderableType:
    """The Permissions tab: the description, then allowed (and denied) operations in words."""
    parts: list[RenderableType] = []
    if role.description:
        parts.append(Text(clean(role.description), style="italic"))
        parts.append(Text(""))
    grouped = role.permissions_by_resource()
    if grouped:
        parts.append(Text("Allows", style="bold underline"))
        parts.append(permissions_table(grouped))
    else:
        parts.append(Text("This role allows nothing (Graph lists no permissions for it)."))
    if role.not_allowed:
        denied: dict[str, list[str]] = {}
        for permission in role.not_allowed:
            denied.setdefault(permission.resource, []).append(permission.operation)
        parts.append(Text(""))
        parts.append(Text("Explicitly not allowed", style="bold underline"))
        parts.append(permissions_table({k: sorted(v) for k, v in sorted(denied.items())}))
    return Group(*parts)


def group_words(ids: Sequence[str], group_names: Mapping[str, str] | None) -> str:
    """Groups by name where Entra named them (the id otherwise)."""
    names = group_names or {}
    return ", ".join(clean(names.get(str(group).lower())) or clean(group) for group in ids)


def scope_words(scope: AssignmentScope, group_names: Mapping[str, str] | None = None) -> str:
    """Which devices and users the assignment covers: its scope groups, or 'All devices…'."""
    groups = scope.assignment.resource_scopes
    if groups:
        return group_words(groups, group_names)
    words = _SCOPE_TYPE_WORDS.get((scope.scope_type or "").lower())
    return words or (enum_word(scope.scope_type) if scope.scope_type else "—")


def tag_words(scope: AssignmentScope, tag_names: Mapping[str, str]) -> str:
    """Scope tags by name where Graph gave the names, else by id."""
    if not scope.scope_tag_ids:
        return "—"
    return ", ".join(clean(tag_names.get(tag)) or f"id {clean(tag)}"
                     for tag in scope.scope_tag_ids)


def assignment_view(scope: AssignmentScope, tag_names: Mapping[str, str],
                    group_names: Mapping[str, str] | None = None) -> RenderableType:
    """One assignment: its name and description, member groups, scope groups and tags."""
    assignment = scope.assignment
    heading = Text(clean(assignment.name) or "(no name)", style="bold")
    members = group_words(assignment.members, group_names) or "—"
    named = "groups" if group_names else "group ids"
    fields = field_table([
        (f"Members ({named})", members),
        (f"Scope ({named})", scope_words(scope, group_names)),
        ("Scope tags", tag_words(scope, tag_names)),
    ])
    if assignment.description:
        return Group(heading, Text(clean(assignment.description), style="italic"), fields)
    return Group(heading, fields)


class RoleDetailScreen(Screen[None]):
    """A role's permissions in words and its assignments (members, scope groups, scope tags)."""

    DEFAULT_CSS = """
    RoleDetailScreen .role-body { height: 1fr; padding: 0 1; }
    RoleDetailScreen .role-problem { border: round $error; padding: 0 1; height: auto; }
    RoleDetailScreen .assignment { margin-bottom: 1; padding: 0 1; }
    RoleDetailScreen .assignment.-focused { background: $accent 20%; }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "back", "Back", id="role.back"),
        Binding("r", "reload", "Refresh", id="role.refresh"),
        Binding("y", "copy_id", "Copy id", id="role.copy_id", show=False),
        Binding("p", "show_access", "My access", id="role.access", show=False,
                tooltip="Which scopes and Intune permissions you hold"),
    ]

    def __init__(self, item: Mapping[str, Any], *, start_tab: str | None = None,
                 assignment_id: str | None = None) -> None:
        super().__init__()
        self.item = dict(item)
        self.role = RoleDefinition.from_graph(self.item)
        self.role_id = str(self.item.get("id") or "")
        self.start_tab = start_tab
        self.assignment_id = assignment_id
        self.details: RoleDetails | None = None
        self.group_names: dict[str, str] = {}
        self._other_tenant = False

    @property
    def intune_app(self) -> IntuneApp:
        return self.app  # type: ignore[return-value]  # Textual types Screen.app as App[Any]

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static(role_title(self.role), id="role-title", classes="panel-title")
        with TabbedContent(id="role-tabs"):
            with TabPane("Permissions", id="permissions"), VerticalScroll(classes="role-body"):
                yield Static("", id="role-problem", classes="role-problem")
                yield Static(permissions_view(self.role), id="role-permissions")
            with (TabPane("Assignments", id="assignments"),
                  VerticalScroll(id="assignment-list", classes="role-body")):
                yield Static(Text("Loading…"), id="assignments-note")
        yield Footer()

    def on_mount(self) -> None:
        self.title = clean(self.role.name) or "Role"
        self.query_one("#role-problem").display = False
        if self.start_tab:
            self.query_one(TabbedContent).active = self.start_tab
        self.intune_app.session_changed.subscribe(self, self._on_session_changed)
        self.load()

    def _on_session_changed(self, session: Any) -> None:
        """Another tenant: this role belongs to the old one, so the screen closes."""
        self._other_tenant = True
        if self.is_current:
            self.app.pop_screen()

    def on_screen_resume(self) -> None:
        if self._other_tenant:
            self.app.pop_screen()

    def load(self) -> None:
        role_id = self.role_id
        self.intune_app.job(f"role:{role_id}", lambda service: role_details(service, role_id),
                            on_done=self._show_details, on_error=self._details_failed)

    # -- results -------------------------------------------------------------------------------

    def _show_details(self, details: RoleDetails) -> None:
        self.details = details
        self.role = details.definition
        self.query_one("#role-problem").display = False
        self.query_one("#role-title", Static).update(role_title(self.role))
        self.query_one("#role-permissions", Static).update(permissions_view(self.role))
        self._show_assignments(details)
        self._name_groups(details)

    def _name_groups(self, details: RoleDetails) -> None:
        """Look the member and scope groups up in Entra; redraw the assignments with names."""
        from intune_tui.intune.directory import names_for

        ids = [group for scope in details.assignments or ()
               for group in (*scope.assignment.members, *scope.assignment.resource_scopes)]
        if not ids:
            return

        async def lookup(service: IntuneService) -> dict[str, str]:
            found = await names_for(service).resolve(ids)
            return {key: name.name for key, name in found.items()}

        def named(names: dict[str, str]) -> None:
            if names and self.details is details:
                self.group_names = names
                self._show_assignments(details)

        self.intune_app.job(f"role:{self.role_id}:group-names", lookup, on_done=named,
                            on_error=lambda _error: None)

    def _show_assignments(self, details: RoleDetails) -> None:
        container = self.query_one("#assignment-list", VerticalScroll)
        container.remove_children(".assignment")
        note = self.query_one("#assignments-note", Static)
        if details.assignments is None:
            note.update(Text(f"Could not load the assignments: {details.assignments_error}",
                             style="bold"))
            return
        count = len(details.assignments)
        lines = [f"{count} assignment{'s' if count != 1 else ''}. {GROUPS_BY_ID}"
                 if count else "Nobody holds this role: it has no assignments."]
        if details.scope_tags_error is not None:
            lines.append(f"Scope tags are shown by id: {details.scope_tags_error}")
        note.update(Text("\n".join(lines), style="italic"))
        focused: Static | None = None
        for scope in details.assignments:
            entry = Static(assignment_view(scope, details.scope_tags, self.group_names),
                           classes="assignment")
            if scope.assignment.id and scope.assignment.id == self.assignment_id:
                entry.add_class("-focused")
                focused = entry
            container.mount(entry)
        if focused is not None:
            self.call_after_refresh(container.scroll_to_widget, focused, animate=False,
                                    top=True)

    def _details_failed(self, error: BaseException) -> None:
        problem = self.query_one("#role-problem", Static)
        if isinstance(error, GraphForbidden):
            problem.update(forbidden_explanation(error))
        else:
            problem.update(Text(f"Could not load this role: {error}\n"
                                "What the list showed is below."))
        problem.display = True
        self.query_one("#assignments-note", Static).update(
            Text(f"Could not load the assignments: {error}", style="bold"))

    # -- keys ----------------------------------------------------------------------------------

    def action_back(self) -> None:
        self.app.pop_screen()

    def action_reload(self) -> None:
        self.load()

    def action_copy_id(self) -> None:
        self.app.copy_to_clipboard(self.role_id)
        self.notify(f"Copied role id {self.role_id}", markup=False)

    def action_show_access(self) -> None:
        self.intune_app.action_show_access()


def operation_heading(operation: Mapping[str, Any]) -> Text:
    """'Remote tasks: Wipe' and the operation's description."""
    permission = Permission.parse(operation_permission(operation))
    text = Text()
    text.append(f"{permission.resource}: {permission.operation}", style="bold")
    if operation.get("description"):
        text.append(f"\n{clean(operation.get('description'))}", style="italic")
    text.append(f"\nPermission name: {clean(permission.raw)}")
    return text


class OperationScreen(ModalScreen[None]):
    """Enter on a resource operation: which roles allow it, and whether your account may."""

    DEFAULT_CSS = """
    OperationScreen { align: center middle; }
    OperationScreen > Vertical {
        width: 90%; max-width: 100; height: auto; max-height: 90%;
        border: round $accent; background: $surface; padding: 0 1;
    }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,q,enter", "close", "Close", id="operation.close"),
    ]

    def __init__(self, operation: Mapping[str, Any]) -> None:
        super().__init__()
        self.operation = dict(operation)
        self.permission = operation_permission(self.operation)
        self.roles: list[RoleDefinition] | None = None
        self.roles_error: BaseException | None = None
        self.effective: EffectivePermissions | None = None
        self.effective_error: BaseException | None = None

    @property
    def intune_app(self) -> IntuneApp:
        return self.app  # type: ignore[return-value]  # Textual types Screen.app as App[Any]

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(operation_heading(self.operation), id="operation-heading")
            yield Static("", id="operation-access")
            yield Static(Text("Esc closes", style="dim"))

    def on_mount(self) -> None:
        self._show()
        self.intune_app.session_changed.subscribe(self, lambda session: self.dismiss(None))
        self.intune_app.job("operation:roles", lambda service: service.role_definitions(),
                            on_done=self._roles_loaded, on_error=self._roles_failed)
        self.intune_app.job("operation:mine",
                            lambda service: effective_permissions(service.client),
                            on_done=self._effective_loaded, on_error=self._effective_failed)

    def _roles_loaded(self, roles: list[RoleDefinition]) -> None:
        self.roles = roles
        self._show()

    def _roles_failed(self, error: BaseException) -> None:
        self.roles_error = error
        self._show()

    def _effective_loaded(self, effective: EffectivePermissions) -> None:
        self.effective = effective
        self._show()

    def _effective_failed(self, error: BaseException) -> None:
        self.effective_error = error
        self._show()

    def _show(self) -> None:
        text = Text()
        text.append("\nRoles that allow it: ", style="bold")
        if self.roles_error is not None:
            text.append(f"Graph does not say ({self.roles_error})")
        elif self.roles is None:
            text.append("asking Graph…")
        else:
            allowing = roles_allowing(self.permission, self.roles)
            text.append(", ".join(clean(role.name) for role in allowing) or "none")
        text.append("\nYour account: ", style="bold")
        if self.effective_error is not None:
            text.append(f"Graph does not say ({self.effective_error})")
        elif self.effective is None:
            text.append("asking Graph…")
        else:
            text.append("allowed" if self.effective.allows(self.permission) else "not allowed")
            text.append(" (Graph's effective permissions for you)")
        self.query_one("#operation-access", Static).update(text)

    def action_close(self) -> None:
        self.dismiss(None)

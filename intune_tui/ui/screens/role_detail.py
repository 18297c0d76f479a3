"""One Intune role: its permissions in words, grouped by resource, and who holds it where.

Opened from the roles list (Enter on a role, or on an assignment: then the assignment is marked).
`OperationScreen` answers Enter on a resource operation: which roles allow it, and whether your
account may.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar, Generic, TypeVar

from rich.console import Group, RenderableType
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Footer, Header, Static, TabbedContent, TabPane

from intune_tui.graph.errors import GraphForbidden
from intune_tui.intune.formatting import enum_word
from intune_tui.intune.models import Permission, RoleDefinition
from intune_tui.intune.rbac import (
    AssignmentScope,
    EffectivePermissions,
    RoleDetails,
    ScopeTagNames,
    effective_permissions,
    operation_permission,
    role_details,
    roles_allowing,
)
from intune_tui.text import clean
from intune_tui.ui.screens.access import forbidden_explanation, permission_table
from intune_tui.ui.screens.detail import DetailScreen
from intune_tui.ui.typed_app import IntuneAppMixin
from intune_tui.ui.widgets.detail import field_table

if TYPE_CHECKING:
    from intune_tui.intune.service import IntuneService

GROUPS_BY_ID = ("Graph's Intune API names Entra groups by id only; their names are looked up "
                "in Entra (Directory.Read.All) and shown once they arrive; y copies their ids.")
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


def permissions_view(role: RoleDefinition) -> RenderableType:
    """The Permissions tab: the description, then allowed (and denied) operations in words."""
    parts: list[RenderableType] = []
    if role.description:
        parts.append(Text(clean(role.description), style="italic"))
        parts.append(Text(""))
    grouped = role.permissions_by_resource()
    if grouped:
        parts.append(Text("Allows", style="bold underline"))
        parts.append(permission_table(grouped))
    else:
        parts.append(Text("This role allows nothing (Graph lists no permissions for it)."))
    if role.not_allowed:
        denied: dict[str, list[str]] = {}
        for permission in role.not_allowed:
            denied.setdefault(permission.resource, []).append(permission.operation)
        parts.append(Text(""))
        parts.append(Text("Explicitly not allowed", style="bold underline"))
        parts.append(permission_table({k: sorted(v) for k, v in sorted(denied.items())}))
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
    """Scope tags by name with their id beside ('Default (0)', as everywhere), else by id."""
    if not scope.scope_tag_ids:
        return "—"
    return ScopeTagNames(scope.scope_tag_ids, tag_names).words()


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


class RoleDetailScreen(DetailScreen):
    """A role's permissions in words and its assignments (members, scope groups, scope tags)."""

    id_noun = "role"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("p", "show_access", "My access", id="role.access", show=False,
                tooltip="Which scopes and Intune permissions you hold"),
    ]

    def __init__(self, item: Mapping[str, Any], *, start_tab: str | None = None,
                 assignment_id: str | None = None) -> None:
        super().__init__(dict(item), job_prefix="role")
        self.role = RoleDefinition.from_graph(self.item)
        self.role_id = self.item_id
        self.start_tab = start_tab
        self.assignment_id = assignment_id
        self.details: RoleDetails | None = None
        self.group_names: dict[str, str] = {}

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
        super().on_mount()
        self.title = clean(self.role.name) or "Role"
        self.query_one("#role-problem").display = False
        if self.start_tab:
            self.query_one(TabbedContent).active = self.start_tab
        self.load()

    def load(self) -> None:
        role_id = self.role_id
        self.load_part("details", lambda service: role_details(service, role_id),
                       self._show_details, self._details_failed)

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

        self.load_part("group-names", lookup, named, lambda _error: None)

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

    def action_show_access(self) -> None:
        self.intune_app.action_show_access()

    def action_copy_id(self) -> None:
        """On the Assignments tab `y` gives the ids of the groups shown there by name."""
        lines = self._assignment_group_lines()
        if self.tabs.active != "assignments" or not lines:
            super().action_copy_id()
            return
        self.app.copy_to_clipboard("\n".join(lines))
        self.notify(f"Copied the ids of {len(lines)} group{'s' if len(lines) != 1 else ''} "
                    "(name, tab, id; one a line)", markup=False)

    def _assignment_group_lines(self) -> list[str]:
        """'name<TAB>id' of each member and scope group of the assignments, in order, once."""
        scopes = self.details.assignments if self.details is not None else None
        groups = dict.fromkeys(clean(group) for scope in scopes or ()
                               for group in (*scope.assignment.members,
                                             *scope.assignment.resource_scopes))
        return [f"{clean(self.group_names.get(group.lower())) or group}\t{group}"
                for group in groups if group]


def operation_heading(operation: Mapping[str, Any]) -> Text:
    """'Remote tasks: Wipe' and the operation's description."""
    permission = Permission.parse(operation_permission(operation))
    text = Text()
    text.append(f"{permission.resource}: {permission.operation}", style="bold")
    if operation.get("description"):
        text.append(f"\n{clean(operation.get('description'))}", style="italic")
    text.append(f"\nPermission name: {clean(permission.raw)}")
    return text


AnswerType = TypeVar("AnswerType")


@dataclass
class Asked(Generic[AnswerType]):
    """One question to Graph: its answer once it came, or why there is none."""

    answer: AnswerType | None = None
    error: BaseException | None = None

    def words(self, say: Callable[[AnswerType], str]) -> str:
        if self.error is not None:
            return f"Graph does not say ({self.error})"
        if self.answer is None:
            return "asking Graph…"
        return say(self.answer)


class OperationScreen(IntuneAppMixin, ModalScreen[None]):
    """Enter on a resource operation: which roles allow it, and whether your account may."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,q,enter", "close", "Close", id="operation.close"),
    ]

    def __init__(self, operation: Mapping[str, Any]) -> None:
        super().__init__()
        self.operation = dict(operation)
        self.permission = operation_permission(self.operation)
        self.roles: Asked[list[RoleDefinition]] = Asked()
        self.effective: Asked[EffectivePermissions] = Asked()

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(operation_heading(self.operation), id="operation-heading")
            yield Static("", id="operation-access")
            yield Static(Text("Esc closes", style="dim"))

    def on_mount(self) -> None:
        self._show()
        self.intune_app.session_changed.subscribe(self, lambda session: self.dismiss(None))
        self._ask("operation:roles", lambda service: service.role_definitions(), self.roles)
        self._ask("operation:mine", lambda service: effective_permissions(service.client),
                  self.effective)

    def _ask(self, key: str, call: Callable[[IntuneService], Awaitable[AnswerType]],
             asked: Asked[AnswerType]) -> None:
        def answered(answer: AnswerType) -> None:
            asked.answer = answer
            self._show()

        def failed(error: BaseException) -> None:
            asked.error = error
            self._show()

        self.intune_app.run_call(key, call, on_done=answered, on_error=failed)

    def _show(self) -> None:
        permission = self.permission
        text = Text()
        text.append("\nRoles that allow it: ", style="bold")
        text.append(self.roles.words(lambda roles: ", ".join(
            clean(role.name) for role in roles_allowing(permission, roles)) or "none"))
        text.append("\nYour account: ", style="bold")
        text.append(self.effective.words(lambda effective: (
            "allowed" if effective.allows(permission) else "not allowed")
            + " (Graph's effective permissions for you)"))
        self.query_one("#operation-access", Static).update(text)

    def action_close(self) -> None:
        self.dismiss(None)

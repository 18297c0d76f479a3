"""A user and all of their devices (`u` on a device, `:user NAME`), and the pick list of `:user`.

The devices come from Graph filtered on the user's sign-in name, not from the loaded list, so a
user's devices show even when the devices list is filtered or still loading.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar, cast

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen, Screen
from textual.widgets import Footer, Header, Input, OptionList, Static
from textual.widgets.option_list import Option

from intune_tui.audit import AuditWriteError
from intune_tui.graph.errors import OutcomeUnknown
from intune_tui.intune.directory import (
    Directory,
    UserCard,
    change_primary_user,
    change_primary_user_action,
    devices_of_user,
    user_card,
)
from intune_tui.intune.models import ManagedDevice
from intune_tui.intune.resources import RESOURCES, Row
from intune_tui.text import clean
from intune_tui.ui.typed_app import IntuneAppMixin
from intune_tui.ui.widgets.detail import FieldList, RowsPane
from intune_tui.ui.widgets.resource_table import ResourceTable

if TYPE_CHECKING:
    from collections.abc import Callable

    from intune_tui.intune.service import IntuneService
    from intune_tui.ui.app import IntuneApp


class UserDevicesScreen(IntuneAppMixin, Screen[None]):
    """The user's card, then every managed device whose primary user they are."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "back", "Back", id="user.back"),
        Binding("r", "reload", "Refresh", id="user.refresh"),
    ]

    def __init__(self, user_principal_name: str, user_id: str | None = None) -> None:
        super().__init__()
        self.user_principal_name = user_principal_name
        self.user_id = user_id or user_principal_name

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static(Text(f"Devices of {self.user_principal_name}", style="bold"),
                     classes="panel-title")
        yield FieldList(id="user-card")
        yield RowsPane(RESOURCES["devices"], id="user-devices")
        yield Footer()

    def on_mount(self) -> None:
        self.title = clean(self.user_principal_name)
        self.query_one("#user-card", FieldList).update(Text("Loading…"))
        self.load()

    def load(self) -> None:
        upn, user_id = self.user_principal_name, self.user_id
        pane = self.query_one("#user-devices", RowsPane)

        session = self.intune_app.session

        def card(service: IntuneService) -> Any:
            return user_card(service.client, session.claims(), user_id)

        def rows(service: IntuneService) -> Any:
            return devices_of_user(service, upn)

        self.intune_app.run_call(f"user:{upn}:card", card, on_done=self._show_card,
                                 on_error=self._card_failed)
        self.intune_app.run_call(f"user:{upn}:devices", rows,
                                 on_done=lambda found: pane.show_rows(
                                     found, empty="No managed device has this primary user"),
                                 on_error=pane.show_error)
        pane.table.focus()

    def _show_card(self, card: UserCard) -> None:
        self.query_one("#user-card", FieldList).show(card.fields())

    def _card_failed(self, error: BaseException) -> None:
        self.query_one("#user-card", FieldList).update(
            Text(f"Could not read this user from Entra: {clean(str(error))}"))

    def action_back(self) -> None:
        self.app.pop_screen()

    def action_reload(self) -> None:
        self.load()

    def on_resource_table_row_activated(self, event: ResourceTable.RowActivated) -> None:
        event.stop()
        row = cast(Row, event.row)  # this screen's tables hold Rows
        self.intune_app.open_device(row.item)

    def palette_commands(self) -> list[tuple[str, str, Any]]:
        return [("Refresh this user's devices", "r", self.action_reload)]


# -- finding users in Entra (`:user NAME`, and `U` on a device) -----------------------------------


def search_users(app: IntuneApp, purpose: str, text: str,
                 found: Callable[[list[UserCard]], None], note: Static) -> None:
    """Ask Entra for the users whose name or sign-in name starts with `text`; a failure is said
    in `note`."""
    app.run_call(f"users:{purpose}:{text}",
                 lambda service: Directory(service.client).find_users(text),
                 on_done=found,
                 on_error=lambda error: note.update(
                     Text(f"Could not search Entra users: {clean(str(error))}")))


def list_users(users: list[UserCard], note: Static, options: OptionList, *, none: str,
               some: str) -> None:
    """The users found as options (the first highlighted and focused), `some` above them, or
    `none` when there are none."""
    options.clear_options()
    if not users:
        note.update(Text(none))
        return
    note.update(Text(some))
    options.add_options([Option(Text(f"{user.display_name}  <{user.user_principal_name}>"))
                         for user in users])
    options.highlighted = 0
    options.focus()


class UserPickScreen(IntuneAppMixin, Screen[None]):
    """`:user NAME`: the users whose name or sign-in name starts with NAME; Enter opens one."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "back", "Back", id="userpick.back"),
    ]

    def __init__(self, text: str) -> None:
        super().__init__()
        self.text = text
        self.users: list[UserCard] = []

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static(Text(f"Users starting with “{clean(self.text)}”", style="bold"),
                     classes="panel-title")
        yield Static(Text("Searching Entra…"), id="user-pick-note", classes="panel-note")
        yield OptionList(id="user-pick")
        yield Footer()

    def on_mount(self) -> None:
        search_users(self.intune_app, "find", self.text, self._found,
                     self.query_one("#user-pick-note", Static))

    def _found(self, users: list[UserCard]) -> None:
        self.users = users
        if len(users) == 1:
            self.app.switch_screen(UserDevicesScreen(users[0].user_principal_name, users[0].id))
            return
        list_users(users, self.query_one("#user-pick-note", Static), self.query_one(OptionList),
                   none=f"No user's name or sign-in name starts with “{clean(self.text)}”.",
                   some=f"{len(users)} users · Enter shows a user's devices")

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        user = self.users[event.option_index]
        self.app.push_screen(UserDevicesScreen(user.user_principal_name, user.id))

    def action_back(self) -> None:
        self.app.pop_screen()


# -- changing a device's primary user (U on a device) ----------------------------------------------


class ChooseUserScreen(IntuneAppMixin, ModalScreen[UserCard | None]):
    """Type the start of a name or sign-in name, Enter searches Entra, Enter picks a user."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel", id="chooseuser.cancel"),
    ]

    def __init__(self, title: str) -> None:
        super().__init__()
        self.title_text = title
        self.users: list[UserCard] = []

    def compose(self) -> ComposeResult:
        with Vertical(id="choose-user"):
            yield Static(Text(self.title_text, style="bold"))
            yield Input(placeholder="start of a name or sign-in name, then Enter",
                        id="choose-user-input")
            yield Static(Text(""), id="choose-user-note")
            yield OptionList(id="choose-user-list")

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        text = event.value.strip()
        if not text:
            return
        note = self.query_one("#choose-user-note", Static)
        note.update(Text("Searching Entra…"))
        search_users(self.intune_app, "choose", text, self._found, note)

    def _found(self, users: list[UserCard]) -> None:
        self.users = users
        list_users(users, self.query_one("#choose-user-note", Static),
                   self.query_one("#choose-user-list", OptionList),
                   none="No user starts with that.",
                   some=f"{len(users)} found · Enter picks one · Esc cancels")

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.dismiss(self.users[event.option_index])

    def action_cancel(self) -> None:
        self.dismiss(None)


async def change_primary_user_flow(app: IntuneApp, device: dict[str, Any],
                                   on_changed: Any) -> None:
    """Choose a user -> the destructive confirmation -> audit -> one POST -> audit result.

    Runs as a Textual worker (it waits for the two screens). `on_changed()` refreshes the
    device once Graph accepted the change (or its outcome is unknown, so the re-read tells).
    """
    from intune_tui.ui.action_flow import READ_ONLY_MESSAGE, action_flow, is_read_only
    from intune_tui.ui.screens.confirm import confirm_screen

    if is_read_only(app):
        app.notify(READ_ONLY_MESSAGE, severity="warning", markup=False)
        return
    current = ManagedDevice.from_graph(device)
    name = clean(current.name) or "this device"
    user = await app.push_screen_wait(ChooseUserScreen(f"New primary user of {name}"))
    if user is None:
        return
    if user.user_principal_name.lower() == (current.user_principal_name or "").lower():
        app.notify(f"{user.user_principal_name} is already the primary user.", markup=False)
        return
    action = change_primary_user_action(app.settings.graph_url or "https://graph.microsoft.com",
                                        user)
    confirmed = await app.push_screen_wait(
        confirm_screen(action, device, tenant=app.session.tenant_label))
    if confirmed is None or confirmed.body is None:
        return
    flow = action_flow(app)
    record = flow.audit_record(device, action, {**confirmed.body,
                                                "userPrincipalName": user.user_principal_name})
    try:
        attempt_id = flow.audit.begin(record)
    except AuditWriteError as error:
        app.notify(f"Not sent: the audit log could not be written ({error}).",
                   severity="error", markup=False)
        return
    device_id = str(device.get("id") or "")
    body = confirmed.body

    def done(status: int) -> None:
        flow.audit.complete(attempt_id, outcome="succeeded", http_status=status)
        app.notify(f"{user.user_principal_name} is now the primary user of {name}.",
                   markup=False)
        on_changed()

    def failed(error: BaseException) -> None:
        unknown = isinstance(error, OutcomeUnknown)
        flow.audit.complete(attempt_id, outcome="unknown" if unknown else "failed",
                            http_status=getattr(error, "status", None),
                            request_id=getattr(error, "request_id", None),
                            error=clean(str(error)))
        app.notify(f"Primary user not changed: {clean(str(error))}" if not unknown else
                   f"Outcome unknown, checking the device: {clean(str(error))}",
                   severity="error", markup=False, timeout=10)
        if unknown:
            on_changed()

    app.run_call(f"device:{device_id}:primary-user", lambda service: change_primary_user(
        service.client, device_id, action, body), on_done=done, on_error=failed, replace=False)

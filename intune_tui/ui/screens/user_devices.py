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
    from intune_tui.intune.service import IntuneService
    from intune_tui.ui.app import IntuneApp

    _Screen = Screen[Any]
else:
    _Screen = object


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


class UserSearch(IntuneAppMixin, _Screen):
    """What `:user NAME` and the primary-user chooser share: Entra is asked for the users whose
    name or sign-in name starts with a text, they are listed under a note, Enter `picked` one.

    A mixin put before the Textual screen class, not a Screen itself: Textual takes a screen's
    default CSS (ModalScreen's dimmed background) only along its first Textual base."""

    NOTE: ClassVar[str]  # the ids of the note and of the OptionList of users
    OPTIONS: ClassVar[str]

    def __init__(self, heading: str) -> None:
        super().__init__()
        self.heading = heading
        self.users: list[UserCard] = []

    def search_users(self, purpose: str, text: str) -> None:
        """The users found go to `found`; a failure is said in the note."""
        note = self.query_one(f"#{self.NOTE}", Static)
        self.intune_app.run_call(
            f"users:{purpose}:{text}",
            lambda service: Directory(service.client).find_users(text),
            on_done=self.found,
            on_error=lambda error: note.update(
                Text(f"Could not search Entra users: {clean(str(error))}")))

    def found(self, users: list[UserCard]) -> None:
        raise NotImplementedError

    def list_users(self, users: list[UserCard], *, none: str, some: str) -> None:
        """The users found as options (the first highlighted and focused), `some` above them,
        or `none` when there are none."""
        self.users = users
        note = self.query_one(f"#{self.NOTE}", Static)
        options = self.query_one(f"#{self.OPTIONS}", OptionList)
        options.clear_options()
        if not users:
            note.update(Text(none))
            return
        note.update(Text(some))
        options.add_options([Option(Text(f"{user.display_name}  <{user.user_principal_name}>"))
                             for user in users])
        options.highlighted = 0
        options.focus()

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.picked(self.users[event.option_index])

    def picked(self, user: UserCard) -> None:
        raise NotImplementedError


class UserPickScreen(UserSearch, Screen[None]):
    """`:user NAME`: the users whose name or sign-in name starts with NAME; Enter opens one."""

    NOTE = "user-pick-note"
    OPTIONS = "user-pick"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "back", "Back", id="userpick.back"),
    ]

    def __init__(self, text: str) -> None:
        super().__init__(f"Users starting with “{clean(text)}”")
        self.text = text

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static(Text(self.heading, style="bold"), classes="panel-title")
        yield Static(Text("Searching Entra…"), id=self.NOTE, classes="panel-note")
        yield OptionList(id=self.OPTIONS)
        yield Footer()

    def on_mount(self) -> None:
        self.search_users("find", self.text)

    def found(self, users: list[UserCard]) -> None:
        if len(users) == 1:
            self.users = users
            self.app.switch_screen(UserDevicesScreen(users[0].user_principal_name, users[0].id))
            return
        self.list_users(users,
                        none=f"No user's name or sign-in name starts with “{clean(self.text)}”.",
                        some=f"{len(users)} users · Enter shows a user's devices")

    def picked(self, user: UserCard) -> None:
        self.app.push_screen(UserDevicesScreen(user.user_principal_name, user.id))

    def action_back(self) -> None:
        self.app.pop_screen()


# -- changing a device's primary user (U on a device) ----------------------------------------------


class ChooseUserScreen(UserSearch, ModalScreen[UserCard | None]):
    """Type the start of a name or sign-in name, Enter searches Entra, Enter picks a user."""

    NOTE = "choose-user-note"
    OPTIONS = "choose-user-list"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel", id="chooseuser.cancel"),
    ]

    def compose(self) -> ComposeResult:
        with Vertical(id="choose-user"):
            yield Static(Text(self.heading, style="bold"))
            yield Input(placeholder="start of a name or sign-in name, then Enter",
                        id="choose-user-input")
            yield Static(Text(""), id=self.NOTE)
            yield OptionList(id=self.OPTIONS)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        text = event.value.strip()
        if not text:
            return
        self.query_one(f"#{self.NOTE}", Static).update(Text("Searching Entra…"))
        self.search_users("choose", text)

    def found(self, users: list[UserCard]) -> None:
        self.list_users(users, none="No user starts with that.",
                        some=f"{len(users)} found · Enter picks one · Esc cancels")

    def picked(self, user: UserCard) -> None:
        self.dismiss(user)

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

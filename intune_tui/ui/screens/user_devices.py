"""A user and all of their devices (`u` on a device, `:user NAME`), and the pick list of `:user`.

The devices come from Graph filtered on the user's sign-in name, not from the loaded list, so a
user's devices show even when the devices list is filtered or still loading.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.screen import Screen
from textual.widgets import Footer, Header, OptionList, Static
from textual.widgets.option_list import Option

from intune_tui.intune.directory import Directory, UserCard, devices_of_user, user_card
from intune_tui.intune.resources import RESOURCES, Row
from intune_tui.text import clean
from intune_tui.ui.widgets.detail import FieldList, RowsPane
from intune_tui.ui.widgets.resource_table import ResourceTable

if TYPE_CHECKING:
    from intune_tui.intune.service import IntuneService
    from intune_tui.ui.app import IntuneApp


class UserDevicesScreen(Screen[None]):
    """The user's card, then every managed device whose primary user they are."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "back", "Back", id="user.back"),
        Binding("r", "reload", "Refresh", id="user.refresh"),
    ]

    def __init__(self, user_principal_name: str, user_id: str | None = None) -> None:
        super().__init__()
        self.user_principal_name = user_principal_name
        self.user_id = user_id or user_principal_name

    @property
    def intune_app(self) -> IntuneApp:
        return self.app  # type: ignore[return-value]

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

        self.intune_app.job(f"user:{upn}:card", card, on_done=self._show_card,
                            on_error=self._card_failed)
        self.intune_app.job(f"user:{upn}:devices", rows,
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
        from intune_tui.ui.screens.device_detail import DeviceDetailScreen

        row: Row = event.row  # type: ignore[assignment]
        self.app.push_screen(DeviceDetailScreen(row.item))

    def palette_commands(self) -> list[tuple[str, str, Any]]:
        return [("Refresh this user's devices", "r", self.action_reload)]


class UserPickScreen(Screen[None]):
    """`:user NAME`: the users whose name or sign-in name starts with NAME; Enter opens one."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "back", "Back", id="userpick.back"),
    ]

    def __init__(self, text: str) -> None:
        super().__init__()
        self.text = text
        self.users: list[UserCard] = []

    @property
    def intune_app(self) -> IntuneApp:
        return self.app  # type: ignore[return-value]

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static(Text(f"Users starting with “{clean(self.text)}”", style="bold"),
                     classes="panel-title")
        yield Static(Text("Searching Entra…"), id="user-pick-note", classes="panel-note")
        yield OptionList(id="user-pick")
        yield Footer()

    def on_mount(self) -> None:
        text = self.text
        self.intune_app.job(f"users:find:{text}",
                            lambda service: Directory(service.client).find_users(text),
                            on_done=self._found, on_error=self._failed)

    def _found(self, users: list[UserCard]) -> None:
        self.users = users
        note = self.query_one("#user-pick-note", Static)
        if not users:
            note.update(Text(f"No user's name or sign-in name starts with “{clean(self.text)}”."))
            return
        if len(users) == 1:
            self.app.switch_screen(UserDevicesScreen(users[0].user_principal_name, users[0].id))
            return
        note.update(Text(f"{len(users)} users · Enter shows a user's devices"))
        options = self.query_one(OptionList)
        options.add_options([Option(Text(f"{user.display_name}  <{user.user_principal_name}>"))
                             for user in users])
        options.highlighted = 0
        options.focus()

    def _failed(self, error: BaseException) -> None:
        self.query_one("#user-pick-note", Static).update(
            Text(f"Could not search Entra users: {clean(str(error))}"))

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        user = self.users[event.option_index]
        self.app.push_screen(UserDevicesScreen(user.user_principal_name, user.id))

    def action_back(self) -> None:
        self.app.pop_screen()

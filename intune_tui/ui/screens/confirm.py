"""The confirmation of one remote action, by tier.

- Benign (sync, locate, scans): yes/no, "No" focused; `y` confirms, Enter on "No" cancels, so
  Enter alone never sends anything.
- Destructive (lock, passcode, retire, restart, lost mode, fresh start …): names the tenant,
  device, user and serial and says the consequence in plain words; "Cancel" is focused.
- Irreversible (wipe): the same, and the device name must be typed exactly before the button
  enables.

Every option of the action must be chosen explicitly (yes/no options start unset), and the
request that will be sent is shown literally, body included. The first press of the confirm
button disables it and closes the dialog: a repeated key or a second click cannot send again.
All tenant text is rendered as literal `Text`, never as markup.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import partial
from typing import TYPE_CHECKING, Any, ClassVar, TypeVar, cast

from rich.table import Table
from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, RadioButton, RadioSet, Select, Static

from intune_tui.intune.action_run import TIER_WORDS, device_word, literal_json, request_path
from intune_tui.intune.actions import (
    ActionOption,
    OptionError,
    RemediationScript,
    RemoteAction,
    Tier,
    build_body,
)
from intune_tui.intune.models import ManagedDevice
from intune_tui.text import clean

if TYPE_CHECKING:
    from textual.widgets.button import ButtonVariant

    from intune_tui.ui.app import IntuneApp


@dataclass(frozen=True)
class ConfirmedAction:
    """What the user confirmed: the options as chosen and the body they produce."""

    options: dict[str, object]
    body: dict[str, Any] | None


class IncompleteOptions(Exception):
    """Some option has not been chosen yet; `str()` says which."""


def device_facts(device: ManagedDevice, tenant: str) -> list[tuple[str, object]]:
    user = clean(device.user_principal_name) or clean(device.user_display_name)
    system = " ".join(filter(None, (clean(device.operating_system), clean(device.os_version))))
    name = clean(device.name) or "(no name)"
    return [
        ("Tenant", tenant),
        ("Device", f"{name} ({system})" if system else name),
        ("User", user or "(no primary user)"),
        ("Serial", device.serial_number or "(none reported)"),
    ]


def facts_table(fields: list[tuple[str, object]]) -> Table:
    """Label/value rows with one label width for every table of the dialog; values literal."""
    table = Table.grid(padding=(0, 1))
    table.add_column(style="bold", no_wrap=True, width=7)
    table.add_column(overflow="fold")
    for label, value in fields:
        table.add_row(Text(label), Text(clean(value) if value not in (None, "") else "—"))
    return table


LOADING = "loading…"


def script_choices(scripts: Sequence[RemediationScript]) -> list[tuple[Text, str]]:
    """Select options for Run remediation: the package name (Microsoft's own marked), its id."""
    choices = []
    for script in scripts:
        text = Text(clean(script.display_name) or script.id)
        if script.is_global or script.publisher:
            text.append(f"  {clean(script.publisher) or 'Microsoft'}", style="dim")
        choices.append((text, script.id))
    return choices


class OptionsForm(Vertical):
    """The action's options for one device (or for several platforms in bulk): yes/no options
    as an unset pair of radio buttons, text and number options as inputs, choice options as a
    drop-down whose entries arrive later (`set_choices`)."""

    DEFAULT_CSS = """
    OptionsForm { height: auto; margin: 1 0 0 0; }
    OptionsForm > .option-row { height: 1; }
    OptionsForm > .option-row > Label { width: 40; }
    OptionsForm RadioSet { layout: horizontal; width: auto; height: 1; }
    OptionsForm RadioSet > RadioButton { width: auto; margin: 0 2 0 0; }
    OptionsForm Input, OptionsForm Select { width: 1fr; }
    OptionsForm RadioSet:blur > RadioButton.-selected > .toggle--label {
        background: transparent;
    }
    """

    def __init__(self, options: tuple[ActionOption, ...], *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.options = options

    def compose(self) -> ComposeResult:
        for option in self.options:
            with Horizontal(classes="option-row"):
                suffix = "" if option.kind == "bool" or option.required else " (optional)"
                yield Label(Text(option.label + suffix))
                if option.kind == "bool":
                    yield RadioSet(RadioButton("Yes"), RadioButton("No"), compact=True,
                                   id=f"option-{option.key}")
                elif option.kind == "choice":
                    yield Select[str]([], prompt=LOADING, compact=True,
                                      id=f"option-{option.key}")
                else:
                    yield Input(placeholder=option.help or option.label, compact=True,
                                max_length=option.max_length or 0,
                                type="integer" if option.kind == "int" else "text",
                                id=f"option-{option.key}")

    def set_choices(self, key: str, choices: list[tuple[Text, str]], prompt: str) -> None:
        select = self.query_one(f"#option-{key}", Select)
        select.set_options(choices)
        select.prompt = prompt

    def chosen(self) -> dict[str, object]:
        """The options as set; raises IncompleteOptions naming a yes/no option still unset."""
        values: dict[str, object] = {}
        unset: list[str] = []
        for option in self.options:
            if option.kind == "bool":
                index = self.query_one(f"#option-{option.key}", RadioSet).pressed_index
                if index < 0:
                    unset.append(option.label)
                else:
                    values[option.key] = index == 0
            elif option.kind == "choice":
                value = self.query_one(f"#option-{option.key}", Select).value
                values[option.key] = value if isinstance(value, str) else ""
            else:
                values[option.key] = self.query_one(f"#option-{option.key}", Input).value
        if unset:
            raise IncompleteOptions("Still to choose: " + ", ".join(unset) + ".")
        return values


AnswerType = TypeVar("AnswerType")


class ConfirmDialog(ModalScreen[AnswerType]):
    """What a confirmation and the bulk dialog share: every change of an option or of the typed
    text checks again whether Confirm may be pressed (`refresh_state`), and says why not."""

    @on(RadioSet.Changed)
    @on(Input.Changed)
    @on(Select.Changed)
    def _option_changed(self, event: RadioSet.Changed | Input.Changed | Select.Changed) -> None:
        event.stop()
        self.refresh_state()

    def refresh_state(self) -> None:
        """Show what would be sent and enable Confirm only when nothing is missing."""

    def show_problem(self, shown: Static, problem: str | None) -> None:
        """Why Confirm is disabled, in `shown` (hidden, and Confirm enabled, when None)."""
        shown.update(Text(problem or ""))
        shown.display = problem is not None
        self.query_one("#confirm", Button).disabled = problem is not None

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        if event.button.id == "confirm":
            self.action_confirm()
        else:
            self.action_cancel()

    def action_confirm(self) -> None:
        """Answer yes, once, if nothing is missing."""

    def action_cancel(self) -> None:
        """Answer no (or close)."""


class ActionConfirmScreen(ConfirmDialog[ConfirmedAction | None]):
    """Shared by the three tiers: facts, consequence, options, request, Cancel / Confirm."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel", id="confirm.cancel"),
    ]

    CANCEL_LABEL = "Cancel"

    def __init__(self, action: RemoteAction, device: Mapping[str, Any], *, tenant: str) -> None:
        super().__init__(classes=f"-{TIER_WORDS[action.tier]}")
        self.action = action
        self.device = dict(device)
        self.record = ManagedDevice.from_graph(self.device)
        self.tenant = tenant
        self.options = action.options_for(self.device)
        self._answered = False
        self._choices_problem: str | None = None

    # -- layout --------------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        with Vertical(id="confirm-dialog"):
            yield Static(self.title_text(), id="confirm-title")
            with VerticalScroll(id="confirm-body"):
                yield Static(facts_table(device_facts(self.record, self.tenant)),
                             id="confirm-facts")
                yield Static(Text(self.action.consequence), id="confirm-consequence")
                if self.options:
                    yield OptionsForm(self.options, id="confirm-options")
                yield Static("", id="confirm-request")
                yield from self.compose_guard()
                yield Static("", id="confirm-problem")
            with Horizontal(id="confirm-buttons"):
                yield Button(self.CANCEL_LABEL, id="cancel", compact=True)
                yield Button(self.confirm_label(), id="confirm", variant=self.variant(),
                             compact=True)

    def title_text(self) -> Text:
        return Text(f"{self.action.label}: {TIER_WORDS[self.action.tier]} remote action")

    def confirm_label(self) -> str:
        return self.action.label

    def variant(self) -> ButtonVariant:
        return "error" if self.action.tier >= Tier.DESTRUCTIVE else "primary"

    def compose_guard(self) -> ComposeResult:
        """Extra widgets a tier needs before confirming (the typed name)."""
        yield from ()

    def on_mount(self) -> None:
        self.refresh_state()
        self.first_focus().focus()
        for option in self.options:
            if option.kind == "choice":
                self.load_choices(option)

    def load_choices(self, option: ActionOption) -> None:
        """Read a choice option's entries from Graph (only remediation scripts exist)."""
        if option.source != "remediation_scripts":
            self._choices_failed(option, ValueError(f"no list named {option.source}"))
            return
        app = cast("IntuneApp", self.app)  # Textual types Screen.app as App[Any]
        app.run_call(f"confirm:choices:{option.key}",
                     lambda service: service.remediation_scripts(),
                     on_done=partial(self._choices_loaded, option),
                     on_error=partial(self._choices_failed, option))

    def _choices_loaded(self, option: ActionOption, scripts: list[RemediationScript]) -> None:
        if not self.is_attached:
            return
        choices = script_choices(scripts)
        prompt = "Choose a script" if choices else "No remediation scripts in this tenant"
        self.query_one(OptionsForm).set_choices(option.key, choices, prompt)
        self.refresh_state()

    def _choices_failed(self, option: ActionOption, error: BaseException) -> None:
        if not self.is_attached:
            return
        self._choices_problem = f"Could not read the list for {option.label}: {clean(error)}"
        self.query_one(OptionsForm).set_choices(option.key, [], "not available")
        self.refresh_state()

    def first_focus(self) -> Any:
        if self.options:
            return self.query_one(f"#option-{self.options[0].key}")
        return self.query_one("#cancel", Button)

    # -- state ---------------------------------------------------------------------------------

    def confirmation(self) -> ConfirmedAction:
        """What would be sent now; raises IncompleteOptions / OptionError when not ready."""
        form = self.query(OptionsForm)
        options = form.first().chosen() if form else {}
        body = build_body(self.action, options, device=self.device)
        return ConfirmedAction(options, body)

    def guard_problem(self) -> str | None:
        """Why the tier's own guard is not satisfied yet (None: it is)."""
        return None

    def refresh_state(self) -> None:
        problem: str | None
        try:
            confirmation = self.confirmation()
        except (IncompleteOptions, OptionError) as error:
            problem = self._choices_problem or str(error)
            body = "shown once every option is chosen"
        else:
            problem = self.guard_problem()
            body = literal_json(confirmation.body)
        request = request_path(self.action, str(self.device.get("id") or ""))
        self.query_one("#confirm-request", Static).update(
            facts_table([(self.action.http_method, request), ("Body", body)]))
        self.show_problem(self.query_one("#confirm-problem", Static), problem)

    # -- answers -------------------------------------------------------------------------------

    def action_confirm(self) -> None:
        if self._answered:
            return
        try:
            confirmation = self.confirmation()
        except (IncompleteOptions, OptionError):
            return
        if self.guard_problem() is not None:
            return
        self._answered = True
        self.query_one("#confirm", Button).disabled = True
        self.dismiss(confirmation)

    def action_cancel(self) -> None:
        if self._answered:
            return
        self._answered = True
        self.dismiss(None)


class BenignConfirm(ActionConfirmScreen):
    """y/n with "No" focused: Enter alone answers no."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("y", "confirm", "Yes", id="confirm.yes"),
        Binding("n", "cancel", "No", id="confirm.no"),
    ]
    CANCEL_LABEL = "No"

    def title_text(self) -> Text:
        name = clean(self.record.name) or "this device"
        return Text(f"{self.action.label} {name}?")

    def confirm_label(self) -> str:
        return "Yes"

    def compose_guard(self) -> ComposeResult:
        yield Static(Text("y yes · n or Esc no", style="dim"), id="confirm-keys")


class DestructiveConfirm(ActionConfirmScreen):
    """Names tenant, device, user, serial and the consequence; Cancel is focused."""


class IrreversibleConfirm(ActionConfirmScreen):
    """The device name typed exactly enables the button."""

    def compose_guard(self) -> ComposeResult:
        prompt = Text("This cannot be undone. Type the device name ")
        prompt.append(device_word(self.device), style="bold")
        prompt.append(" to confirm:")
        yield Static(prompt, id="confirm-name-prompt")
        yield Input(placeholder="device name", compact=True, id="confirm-name")

    def first_focus(self) -> Any:
        if self.options:
            return super().first_focus()
        return self.query_one("#confirm-name", Input)

    def guard_problem(self) -> str | None:
        if self.query_one("#confirm-name", Input).value != device_word(self.device):
            return f"Type the device name exactly to enable {self.action.label}."
        return None

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        if event.input.id == "confirm-name" and not self.query_one("#confirm", Button).disabled:
            self.query_one("#confirm", Button).focus()


def confirm_screen(action: RemoteAction, device: Mapping[str, Any], *,
                   tenant: str) -> ActionConfirmScreen:
    """The confirmation `action`'s tier asks for."""
    kind = {Tier.BENIGN: BenignConfirm, Tier.DESTRUCTIVE: DestructiveConfirm,
            Tier.IRREVERSIBLE: IrreversibleConfirm}[action.tier]
    return kind(action, device, tenant=tenant)

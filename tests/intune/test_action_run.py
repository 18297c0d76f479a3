"""The rules of one remote action without the UI: permissions from token scopes, what the user
types and reads, the back-off schedule, and the bulk summary."""

from __future__ import annotations

from intune_tui.intune.action_run import (
    BulkProgress,
    PollSchedule,
    TokenAccess,
    device_word,
    literal_json,
    token_access,
)
from intune_tui.intune.actions import ACTIONS
from intune_tui.intune.scopes import MANAGED_DEVICES_READ_WRITE, PRIVILEGED_OPERATIONS, READ_SCOPES
from intune_tui.intune.service import ActionOutcome


class Clock:
    def __init__(self, start: float = 1_800_000_000.0) -> None:
        self.now = start

    def __call__(self) -> float:
        return self.now


# -- permissions -------------------------------------------------------------------------------


def test_permission_follows_the_token_and_whether_the_sign_in_can_ask() -> None:
    wipe, locate = ACTIONS["wipe"], ACTIONS["locateDevice"]
    granted = TokenAccess(frozenset({*READ_SCOPES, PRIVILEGED_OPERATIONS}), can_ask=False)
    assert granted.permission(wipe).allowed and not granted.permission(wipe).note

    can_ask = TokenAccess(frozenset(READ_SCOPES), can_ask=True)
    assert can_ask.permission(wipe).allowed
    assert "Will ask for consent" in can_ask.permission(wipe).note

    cannot_ask = TokenAccess(frozenset({*READ_SCOPES, MANAGED_DEVICES_READ_WRITE}),
                             can_ask=False)
    assert not cannot_ask.permission(wipe).allowed
    assert PRIVILEGED_OPERATIONS in cannot_ask.permission(wipe).note
    assert cannot_ask.permission(locate).allowed  # the seed: locate needs ReadWrite.All

    unknown = TokenAccess(None, can_ask=False)
    assert unknown.permission(wipe).allowed and "could not be read" in \
        unknown.permission(wipe).note


# -- what the user reads and types -------------------------------------------------------------


def test_literal_json_shows_invisible_characters_as_escapes() -> None:
    body = {"message": "Call\u202eTI", "footer": "line\x1b[31m", "phoneNumber": "Åsa"}
    shown = literal_json(body)
    assert "\u202e" not in shown and "\x1b" not in shown
    assert "\\u202e" in shown and "\\u001b" in shown and "Åsa" in shown
    assert literal_json(None) == "(no body)"


def test_device_word_is_the_name_as_shown() -> None:
    assert device_word({"deviceName": "LAPTOP-\x1b[31mRED\x1b[0m", "id": "x"}) == "LAPTOP-RED"
    assert device_word({"deviceName": "invoice\u202egnp.exe-PC"}) == "invoicegnp.exe-PC"
    assert device_word({"deviceName": "", "id": "abc"}) == "abc"


# -- back-off -------------------------------------------------------------------------------------


def test_poll_schedule_doubles_to_a_minute_and_stops_after_ten_minutes() -> None:
    clock = Clock(0.0)
    schedule = PollSchedule(clock=clock)
    delays = []
    while (delay := schedule.next_delay()) is not None:
        delays.append(delay)
        clock.now += delay
    assert delays[:7] == [2, 4, 8, 16, 32, 60, 60]
    assert sum(delays) >= 600 and sum(delays[:-1]) < 600
    schedule.restart()
    assert schedule.next_delay() == 2


def test_the_operator_is_the_tokens_upn_cleaned_else_the_account() -> None:
    access = token_access({"upn": "ada\x1b[31m@contoso.com", "scp": "A"}, can_ask=False,
                          account="fallback@contoso.com")
    assert access.operator == "ada@contoso.com" and access.granted == {"A"}
    assert token_access(None, can_ask=True, account="me@x").operator == "me@x"


def test_bulk_summary_names_accepted_and_only_the_other_kinds_that_happened() -> None:
    def outcome(kind: str) -> ActionOutcome:
        return ActionOutcome("id", "name", "syncDevice", kind, sent=kind != "not_sent")

    progress = BulkProgress(total=4, outcomes=[outcome("succeeded"), outcome("succeeded"),
                                               outcome("unknown"), outcome("not_sent")])
    assert progress.summary() == ("2 accepted by Intune, 1 outcome unknown, 1 not sent")
    assert BulkProgress(total=0).summary() == "0 accepted by Intune"


def test_following_an_action_backs_off_to_a_minute_and_stops_after_ten() -> None:
    from fake_time import FakeTime

    from intune_tui.intune.action_run import PollSchedule

    time = FakeTime()
    schedule = PollSchedule(clock=time.clock)
    delays = []
    while (delay := schedule.next_delay()) is not None:
        delays.append(delay)
        time.now += delay
    assert delays[:7] == [2.0, 4.0, 8.0, 16.0, 32.0, 60.0, 60.0]
    assert sum(delays) >= 600.0 and sum(delays[:-1]) < 600.0  # ten minutes, then it stops
    schedule.restart()  # `r` on the device: from the first delay again
    assert schedule.next_delay() == 2.0

"""The three confirmation tiers against the fake Graph: cancel sends nothing, confirm sends one
POST with the body shown, repeated keys and clicks send nothing more, a lost answer is reported
as unknown and never re-sent, and every attempt is in the audit file (without the token)."""

from __future__ import annotations

import json

import pytest
from textual import events
from textual.widgets import Button, Input, Select
from waiting import wait_until

from intune_tui.intune.scopes import PRIVILEGED_OPERATIONS
from intune_tui.ui.screens.confirm import (
    BenignConfirm,
    DestructiveConfirm,
    IrreversibleConfirm,
)
from intune_tui.ui.screens.devices import DevicesScreen

from .remote_action_support import (
    DEVICES,
    IOS_ESCAPES_ID,
    IOS_SUPERVISED_ID,
    MACOS_ID,
    WINDOWS_ID,
    action_posts,
    at_device,
    audit_lines,
    choose,
    list_ready,
    messages,
    open_menu,
    settle,
    shown,
    squeezed,
)

WIPE_PATH = f"/v1.0/deviceManagement/managedDevices/{WINDOWS_ID}/wipe"


async def confirm_for(pilot, app, wait_until, device_id: str, action_key: str):
    await at_device(pilot, app, wait_until, device_id)
    await open_menu(pilot, app, wait_until)
    await choose(pilot, app, wait_until, action_key)
    return app.screen


def shown_body(screen) -> str:
    return squeezed(shown(screen, "#confirm-request").split("Body", 1)[1])


async def choose_windows_wipe_options(pilot) -> None:
    """Keep enrollment data: No (right, enter); keep user data: Yes (enter)."""
    await pilot.press("right", "enter", "tab", "enter")


# -- benign ------------------------------------------------------------------------------------


async def test_benign_cancel_by_n_escape_or_enter_sends_nothing(make_app, wait_until) -> None:
    app = make_app(devices=DEVICES)
    async with app.run_test() as pilot:
        for key in ("n", "escape", "enter"):
            screen = await confirm_for(pilot, app, wait_until, WINDOWS_ID, "syncDevice")
            assert isinstance(screen, BenignConfirm)
            assert app.focused is screen.query_one("#cancel", Button)
            await pilot.press(key)
            await wait_until(pilot, lambda: isinstance(app.screen, DevicesScreen))
        await pilot.pause(0.2)
        assert action_posts(app) == [] and audit_lines(app) == []


async def test_benign_yes_sends_one_post_and_audits_it(make_app, wait_until) -> None:
    app = make_app(devices=DEVICES)
    async with app.run_test() as pilot:
        await confirm_for(pilot, app, wait_until, WINDOWS_ID, "syncDevice")
        await pilot.press("y", "y", "y")  # key repeat: only the first answers the dialog
        await settle(pilot, app, wait_until, 1)
        await pilot.pause(0.2)
        posts = action_posts(app)
        assert [(p.path, p.json, p.status) for p in posts] == [
            (f"/v1.0/deviceManagement/managedDevices/{WINDOWS_ID}/syncDevice", None, 204)]
        attempt, result = audit_lines(app)
        assert attempt["phase"] == "attempt" and result["phase"] == "result"
        assert attempt["attempt_id"] == result["attempt_id"]
        assert (attempt["tenant"], attempt["operator"], attempt["action"], attempt["device_id"],
                attempt["device_name"], attempt["serial"], attempt["options"]) == (
            "Contoso Demo (demo tenant)", "helpdesk@contoso-demo.onmicrosoft.com", "syncDevice",
            WINDOWS_ID, "CONTOSO-DT-91956", "9490-4390-1554", {})
        assert (result["outcome"], result["http_status"]) == ("succeeded", 204)
        assert result["request_id"]
        assert any("Sync accepted by Intune for CONTOSO-DT-91956" in message
                   for message in messages(app))


# -- destructive -------------------------------------------------------------------------------


async def test_destructive_names_tenant_device_user_serial_and_consequence(
        make_app, wait_until) -> None:
    app = make_app(devices=DEVICES)
    async with app.run_test(size=(100, 40)) as pilot:
        screen = await confirm_for(pilot, app, wait_until, WINDOWS_ID, "rebootNow")
        assert isinstance(screen, DestructiveConfirm)
        facts = shown(screen, "#confirm-facts")
        for text in ("Contoso Demo (demo tenant)", "CONTOSO-DT-91956",
                     "alice.smith@contoso-demo.onmicrosoft.com", "9490-4390-1554", "Windows"):
            assert text in facts
        assert "Restarts the device now" in shown(screen, "#confirm-consequence")
        assert app.focused is screen.query_one("#cancel", Button)
        await pilot.press("enter")  # Enter alone: Cancel
        await wait_until(pilot, lambda: isinstance(app.screen, DevicesScreen))
        assert action_posts(app) == []


async def test_destructive_enter_pressed_repeatedly_on_confirm_sends_one(
        make_app, wait_until) -> None:
    app = make_app(devices=DEVICES)
    async with app.run_test() as pilot:
        await confirm_for(pilot, app, wait_until, WINDOWS_ID, "rebootNow")
        await pilot.press("tab", "enter", "enter", "enter")
        await settle(pilot, app, wait_until, 1)
        await pilot.pause(0.3)
        assert [p.path for p in action_posts(app)] == [
            f"/v1.0/deviceManagement/managedDevices/{WINDOWS_ID}/rebootNow"]
        assert [line["phase"] for line in audit_lines(app)] == ["attempt", "result"]


async def test_a_second_click_on_confirm_sends_nothing_more(make_app, wait_until) -> None:
    app = make_app(devices=DEVICES)
    async with app.run_test() as pilot:
        screen = await confirm_for(pilot, app, wait_until, WINDOWS_ID, "rebootNow")
        button = screen.query_one("#confirm", Button)
        await pilot.click(button)
        await pilot.click(button)
        await settle(pilot, app, wait_until, 1)
        await pilot.pause(0.3)
        assert len(action_posts(app)) == 1


async def test_clean_windows_needs_keep_user_data_chosen_and_sends_it(
        make_app, wait_until) -> None:
    app = make_app(devices=DEVICES)
    async with app.run_test(size=(100, 40)) as pilot:
        screen = await confirm_for(pilot, app, wait_until, WINDOWS_ID, "cleanWindowsDevice")
        assert isinstance(screen, DestructiveConfirm)
        confirm = screen.query_one("#confirm", Button)
        assert confirm.disabled
        assert "Keep user data" in shown(screen, "#confirm-problem")
        await pilot.press("enter")  # radio set focused first: Yes
        assert not confirm.disabled
        assert shown_body(screen) == squeezed('{"keepUserData": true}')
        await pilot.press("tab", "tab", "enter")  # past Cancel to the confirm button
        await settle(pilot, app, wait_until, 1)
        assert [(p.path.rsplit("/", 1)[1], p.json) for p in action_posts(app)] == [
            ("cleanWindowsDevice", {"keepUserData": True})]
        assert audit_lines(app)[0]["options"] == {"keepUserData": True}


async def test_lost_mode_sends_message_phone_and_footer_to_beta(make_app, wait_until) -> None:
    app = make_app(devices=DEVICES)
    async with app.run_test(size=(100, 40)) as pilot:
        screen = await confirm_for(pilot, app, wait_until, IOS_SUPERVISED_ID, "enableLostMode")
        assert screen.query_one("#confirm", Button).disabled  # the message is required
        await pilot.press(*"Call IT", "tab", *"+1 555 0100", "tab", *"[b]Contoso[/b]")
        request = shown(screen, "#confirm-request")
        assert squeezed('"footer": "[b]Contoso[/b]"') in squeezed(request)  # not markup
        await pilot.press("tab", "tab", "enter")
        await settle(pilot, app, wait_until, 1)
        (post,) = action_posts(app)
        assert post.path == f"/beta/deviceManagement/managedDevices/{IOS_SUPERVISED_ID}/" \
                            "enableLostMode"
        assert post.json == {"message": "Call IT", "phoneNumber": "+1 555 0100",
                             "footer": "[b]Contoso[/b]"}


# -- irreversible ------------------------------------------------------------------------------


async def test_wrong_device_name_keeps_wipe_disabled(make_app, wait_until) -> None:
    app = make_app(devices=DEVICES)
    async with app.run_test(size=(100, 40)) as pilot:
        screen = await confirm_for(pilot, app, wait_until, WINDOWS_ID, "wipe")
        assert isinstance(screen, IrreversibleConfirm)
        await choose_windows_wipe_options(pilot)
        await pilot.press("tab", *"contoso-dt-91956")  # wrong case
        wipe = screen.query_one("#confirm", Button)
        assert wipe.disabled
        assert "Type the device name exactly" in shown(screen, "#confirm-problem")
        await pilot.press("enter", "tab", "tab", "enter", "enter")
        await pilot.pause(0.2)
        assert action_posts(app) == [] and audit_lines(app) == []
        screen.query_one("#confirm-name", Input).value = "CONTOSO-DT-9195"  # one short
        await pilot.pause()
        assert wipe.disabled


async def test_wipe_options_must_be_chosen_before_the_name_counts(make_app, wait_until) -> None:
    app = make_app(devices=DEVICES)
    async with app.run_test(size=(100, 40)) as pilot:
        screen = await confirm_for(pilot, app, wait_until, WINDOWS_ID, "wipe")
        screen.query_one("#confirm-name", Input).value = "CONTOSO-DT-91956"
        await pilot.pause()
        assert screen.query_one("#confirm", Button).disabled
        problem = shown(screen, "#confirm-problem")
        assert "Keep enrollment state and user account" in problem and "Keep user data" in problem
        assert "shown once every option is chosen" in shown(screen, "#confirm-request")


async def test_wipe_sends_one_post_with_the_body_shown(make_app, wait_until) -> None:
    app = make_app(devices=DEVICES)
    async with app.run_test(size=(100, 40)) as pilot:
        screen = await confirm_for(pilot, app, wait_until, WINDOWS_ID, "wipe")
        await choose_windows_wipe_options(pilot)
        await pilot.press("tab", *"CONTOSO-DT-91956")
        body = {"keepEnrollmentData": False, "keepUserData": True}
        assert shown_body(screen) == squeezed(json.dumps(body))
        await pilot.press("enter")  # the name is right: focus moves to Wipe
        assert app.focused is screen.query_one("#confirm", Button)
        await pilot.press("enter", "enter", "enter")
        await settle(pilot, app, wait_until, 1)
        await pilot.pause(0.3)
        (post,) = action_posts(app)
        assert (post.path, post.json, post.status) == (WIPE_PATH, body, 204)
        assert audit_lines(app)[0]["options"] == body


async def test_macos_wipe_offers_the_unlock_pin_and_checks_it(make_app, wait_until) -> None:
    app = make_app(devices=DEVICES)
    async with app.run_test(size=(100, 40)) as pilot:
        screen = await confirm_for(pilot, app, wait_until, MACOS_ID, "wipe")
        assert [option.key for option in screen.options] == ["macOsUnlockCode"]
        await pilot.press(*"12ab")
        screen.query_one("#confirm-name", Input).value = "Björn’s MacBook"
        await pilot.pause()
        assert screen.query_one("#confirm", Button).disabled
        assert "6 digits" in shown(screen, "#confirm-problem")
        screen.query_one("#option-macOsUnlockCode", Input).value = "123456"
        await pilot.pause()
        assert not screen.query_one("#confirm", Button).disabled
        assert shown_body(screen) == squeezed('{"macOsUnlockCode": "123456"}')


async def test_the_macos_unlock_pin_is_sent_but_kept_in_no_record(make_app, wait_until) -> None:
    """The admin center shows the PIN after the wipe; the audit and the request log only say
    that one was set."""
    app = make_app(devices=DEVICES)
    async with app.run_test(size=(100, 40)) as pilot:
        screen = await confirm_for(pilot, app, wait_until, MACOS_ID, "wipe")
        screen.query_one("#option-macOsUnlockCode", Input).value = "135790"
        screen.query_one("#confirm-name", Input).value = "Björn’s MacBook"
        await pilot.pause()
        screen.query_one("#confirm", Button).press()
        await settle(pilot, app, wait_until, 1)
        (post,) = action_posts(app)
        assert post.json == {"macOsUnlockCode": "135790"} and post.status == 204
        attempt = audit_lines(app)[0]
        assert attempt["options"] == {"macOsUnlockCode": "unlock PIN set (not recorded)"}
        assert "135790" not in app.settings.audit_path.read_text()
        (entry,) = [entry for entry in app.session.requests.entries()
                    if entry.path.endswith("/wipe")]
        assert entry.body is not None and "135790" not in entry.body
        assert "macOsUnlockCode" in entry.body and "not recorded" in entry.body


async def test_a_hostile_name_is_shown_and_typed_as_the_clean_text(make_app, wait_until) -> None:
    app = make_app(devices=DEVICES)
    async with app.run_test(size=(100, 40)) as pilot:
        screen = await confirm_for(pilot, app, wait_until, IOS_ESCAPES_ID, "wipe")
        assert "LAPTOP-RED" in shown(screen, "#confirm-name-prompt")
        assert "\x1b" not in shown(screen, "#confirm-facts")
        await pilot.press("enter")  # keep the eSIM plan: Yes
        screen.query_one("#confirm-name", Input).value = "LAPTOP-RED"
        await pilot.pause()
        assert not screen.query_one("#confirm", Button).disabled


async def test_lost_answer_to_a_processed_wipe_is_unknown_and_never_resent(
        make_app, wait_until) -> None:
    app = make_app(devices=DEVICES)
    async with app.run_test(size=(100, 40)) as pilot:
        await list_ready(pilot, app, wait_until)
        app.session.fake.faults.drop_next(path_contains="/wipe", after_processing=True)
        await confirm_for(pilot, app, wait_until, WINDOWS_ID, "wipe")
        await choose_windows_wipe_options(pilot)
        await pilot.press("tab", *"CONTOSO-DT-91956", "enter", "enter")
        await settle(pilot, app, wait_until, 1)
        await pilot.pause(0.5)
        (post,) = action_posts(app)
        assert (post.path, post.status, post.dropped) == (WIPE_PATH, 204, True)
        # The device's action state was read again instead.
        assert any(r.method == "GET" and r.path.endswith(f"/managedDevices/{WINDOWS_ID}")
                   and "deviceActionResults" in r.params.get("$select", "")
                   for r in app.session.fake.requests)
        assert any("Outcome unknown — checking the device" in m for m in messages(app))
        result = audit_lines(app)[1]
        assert result["outcome"] == "unknown"
        assert "lost" in result["error"]


async def test_forbidden_names_the_missing_scope(make_app, wait_until) -> None:
    app = make_app(devices=DEVICES)
    async with app.run_test() as pilot:
        await list_ready(pilot, app, wait_until)
        app.session.fake.faults.fail_next(403, path_contains="/rebootNow")
        await confirm_for(pilot, app, wait_until, WINDOWS_ID, "rebootNow")
        await pilot.press("tab", "enter")
        await settle(pilot, app, wait_until, 1)
        await pilot.pause(0.2)
        failure = [m for m in messages(app) if "Restart on CONTOSO-DT-91956 failed" in m]
        assert failure and PRIVILEGED_OPERATIONS in failure[0]
        result = audit_lines(app)[1]
        assert (result["outcome"], result["http_status"]) == ("failed", 403)
        assert len(action_posts(app)) == 1


async def test_forbidden_by_intune_rbac_names_the_missing_role(make_app, wait_until) -> None:
    app = make_app(devices=DEVICES)
    intune_message = json.dumps({"_version": 3, "Message": "User is not authorized to perform "
                                 "this operation - Operation ID (for customer support): 1234",
                                 "CustomApiErrorPhrase": ""})
    async with app.run_test() as pilot:
        await list_ready(pilot, app, wait_until)
        app.session.fake.faults.fail_next(
            403, path_contains="/retire",
            body={"error": {"code": "Forbidden", "message": intune_message}})
        await confirm_for(pilot, app, wait_until, WINDOWS_ID, "retire")
        await pilot.press("tab", "enter")
        await settle(pilot, app, wait_until, 1)
        await pilot.pause(0.2)
        failure = [m for m in messages(app) if "Retire on CONTOSO-DT-91956 failed" in m]
        assert failure and "no Intune role that allows this" in failure[0]
        assert "role" in audit_lines(app)[1]["error"]


async def test_the_audit_file_never_holds_the_token(make_app, wait_until) -> None:
    app = make_app(devices=DEVICES)
    async with app.run_test(size=(100, 40)) as pilot:
        await list_ready(pilot, app, wait_until)
        app.session.fake.faults.drop_next(path_contains="/wipe", after_processing=True)
        app.session.fake.faults.fail_next(403, path_contains="/rebootNow")
        await confirm_for(pilot, app, wait_until, WINDOWS_ID, "syncDevice")
        await pilot.press("y")
        await settle(pilot, app, wait_until, 1)
        await confirm_for(pilot, app, wait_until, WINDOWS_ID, "rebootNow")
        await pilot.press("tab", "enter")
        await settle(pilot, app, wait_until, 2)
        await confirm_for(pilot, app, wait_until, WINDOWS_ID, "wipe")
        await choose_windows_wipe_options(pilot)
        await pilot.press("tab", *"CONTOSO-DT-91956", "enter", "enter")
        await settle(pilot, app, wait_until, 3)
        token = await app.session.token_provider.get_token()
        text = app.settings.audit_path.read_text()
        assert [json.loads(line)["phase"] for line in text.splitlines()] == [
            "attempt", "result"] * 3
        assert [json.loads(line).get("outcome") for line in text.splitlines()][1::2] == [
            "succeeded", "failed", "unknown"]
        for secret in (token, *token.split(".")):
            assert secret not in text
        assert "Bearer" not in text


# -- new option kinds: a script chosen from Graph's list, a title and a body --------------------


ANDROID_PERSONAL_ID = "71e8f009-c89d-40c0-9705-da0cc8b6a639"  # Sara-Galaxy-S918B-445, personal


async def test_run_remediation_offers_the_tenants_scripts_and_sends_the_chosen_id(
        make_app, wait_until) -> None:
    app = make_app(devices=DEVICES)
    async with app.run_test(size=(100, 40)) as pilot:
        screen = await confirm_for(pilot, app, wait_until, WINDOWS_ID,
                                   "initiateOnDemandProactiveRemediation")
        assert isinstance(screen, DestructiveConfirm)
        select = screen.query_one("#option-scriptPolicyId", Select)
        await wait_until(pilot, lambda: select.prompt == "Choose a script")
        scripts = app.session.fake.tenant.collections["deviceManagement/deviceHealthScripts"]
        reads = [r for r in app.session.fake.requests if r.path.endswith("/deviceHealthScripts")]
        assert [r.path for r in reads] == ["/beta/deviceManagement/deviceHealthScripts"]
        assert screen.query_one("#confirm", Button).disabled  # nothing chosen yet
        assert "Remediation script" in shown(screen, "#confirm-problem")
        await pilot.press("enter", "down", "enter")  # open the list, first script, choose it
        first = min(scripts, key=lambda s: s["displayName"].casefold())
        await wait_until(pilot, lambda: select.value == first["id"])
        assert first["id"] in shown_body(screen)
        await pilot.click("#confirm")
        await settle(pilot, app, wait_until, 1)
        posts = action_posts(app)
        assert [(p.path, p.json) for p in posts] == [(
            f"/beta/deviceManagement/managedDevices/{WINDOWS_ID}/"
            "initiateOnDemandProactiveRemediation", {"scriptPolicyId": first["id"]})]
        assert audit_lines(app)[0]["options"] == {"scriptPolicyId": first["id"]}


async def test_run_remediation_says_so_when_the_script_list_cannot_be_read(
        make_app, wait_until) -> None:
    app = make_app(devices=DEVICES)
    async with app.run_test(size=(100, 40)) as pilot:
        await list_ready(pilot, app, wait_until)
        app.session.fake.faults.fail_next(403, path_contains="/deviceHealthScripts")
        screen = await confirm_for(pilot, app, wait_until, WINDOWS_ID,
                                   "initiateOnDemandProactiveRemediation")
        await wait_until(pilot, lambda: "Could not read" in shown(screen, "#confirm-problem"))
        assert screen.query_one("#confirm", Button).disabled
        await pilot.press("escape")
        await wait_until(pilot, lambda: isinstance(app.screen, DevicesScreen))
        assert action_posts(app) == []


async def test_custom_notification_sends_title_and_body(make_app, wait_until) -> None:
    app = make_app(devices=DEVICES)
    async with app.run_test(size=(100, 40)) as pilot:
        screen = await confirm_for(pilot, app, wait_until, ANDROID_PERSONAL_ID,
                                   "sendCustomNotificationToCompanyPortal")
        assert isinstance(screen, BenignConfirm)
        title = screen.query_one("#option-notificationTitle", Input)
        assert title.max_length == 50
        assert screen.query_one("#option-notificationBody", Input).max_length == 500
        await pilot.press(*"IT notice", "tab", *"Please restart today", "tab")
        await pilot.press("y")
        await settle(pilot, app, wait_until, 1)
        assert [(p.path, p.json) for p in action_posts(app)] == [(
            f"/beta/deviceManagement/managedDevices/{ANDROID_PERSONAL_ID}/"
            "sendCustomNotificationToCompanyPortal",
            {"notificationTitle": "IT notice", "notificationBody": "Please restart today"})]


async def test_delete_asks_for_the_typed_name_and_sends_one_delete(make_app, wait_until) -> None:
    app = make_app(devices=DEVICES)
    async with app.run_test(size=(100, 40)) as pilot:
        screen = await confirm_for(pilot, app, wait_until, WINDOWS_ID, "delete")
        assert isinstance(screen, IrreversibleConfirm)
        request = squeezed(shown(screen, "#confirm-request"))
        assert f"DELETE/v1.0/deviceManagement/managedDevices/{WINDOWS_ID}Body(nobody)" == request
        assert "takeprecedenceovereveryotheraction" in squeezed(
            shown(screen, "#confirm-consequence"))
        assert screen.query_one("#confirm", Button).disabled
        await pilot.press(*"CONTOSO-DT-91956", "enter", "enter")
        await wait_until(pilot, lambda: any(r.method == "DELETE"
                                            for r in app.session.fake.requests))
        await wait_until(pilot, lambda: sum(1 for line in audit_lines(app)
                                            if line["phase"] == "result") == 1)
        deletes = [r for r in app.session.fake.requests if r.method == "DELETE"]
        assert [(r.path, r.status) for r in deletes] == [
            (f"/v1.0/deviceManagement/managedDevices/{WINDOWS_ID}", 204)]
        assert app.session.fake.tenant.devices.index_of(WINDOWS_ID) is None
        assert audit_lines(app)[0]["action"] == "delete"


# -- snapshots of each tier at 80x24 -------------------------------------------------------------


def _confirm_snapshot(snap_compare, make_app, action_key: str, *keys: str,
                      pasted: str = "") -> bool:
    app = make_app(devices=DEVICES)

    async def open_confirmation(pilot) -> None:
        await confirm_for(pilot, app, wait_until, WINDOWS_ID, action_key)
        await pilot.press(*keys)
        if pasted:
            app.post_message(events.Paste(pasted))
        await pilot.pause()

    return snap_compare(app, terminal_size=(80, 24), run_before=open_confirmation)


def test_snapshot_benign_confirmation(snap_compare, make_app) -> None:
    assert _confirm_snapshot(snap_compare, make_app, "syncDevice")


def test_snapshot_destructive_confirmation(snap_compare, make_app) -> None:
    assert _confirm_snapshot(snap_compare, make_app, "rebootNow")


def test_snapshot_irreversible_confirmation_ready_to_wipe(snap_compare, make_app) -> None:
    """The name pasted: the tests above type it (typed, each key redrew the dialog)."""
    assert _confirm_snapshot(snap_compare, make_app, "wipe", "right", "enter", "tab", "enter",
                             "tab", pasted="CONTOSO-DT-91956")


async def test_a_name_with_invisible_characters_is_typed_as_it_is_shown() -> None:
    """Soft hyphen, invisible operator, tag, Hangul filler: none is drawn, none must be typed."""
    from textual.app import App

    from intune_tui.intune.actions import ACTIONS

    device = {"id": "0d5e6f70-0000-4000-8000-000000000001", "operatingSystem": "Android",
              "deviceName": "ANNA\u00ad-\u2061PHONE\U000e0041\u3164\u180e",
              "serialNumber": "R58N", "userPrincipalName": "anna@contoso.com"}
    screen = IrreversibleConfirm(ACTIONS["wipe"], device, tenant="Contoso")
    app = App()
    async with app.run_test(size=(100, 40)) as pilot:
        await app.push_screen(screen)
        await pilot.pause()
        prompt = shown(screen, "#confirm-name-prompt")
        assert "ANNA-PHONE to confirm" in prompt
        screen.query_one("#confirm-name", Input).focus()
        await pilot.press(*"ANNA-PHONE")
        await pilot.pause()
        assert screen.query_one("#confirm-name", Input).value == "ANNA-PHONE"
        assert screen.guard_problem() is None  # the name counts; only options may remain


SYNC_PATH = f"/v1.0/deviceManagement/managedDevices/{WINDOWS_ID}/syncDevice"


def _503_after_processing(faults) -> None:
    faults.fail_next(503, path_contains="/syncDevice", after_processing=True)


def _drop_after_processing(faults) -> None:
    faults.drop_next(path_contains="/syncDevice", after_processing=True)


def _truncated_2xx(faults) -> None:
    faults.truncate_next(path_contains="/syncDevice")


def _throttled(faults) -> None:
    faults.fail_next(429, path_contains="/syncDevice", retry_after=0.2)


@pytest.mark.parametrize(("fault", "posts", "words"), [
    pytest.param(_503_after_processing, 1, "Outcome unknown — checking the device", id="503"),
    pytest.param(_drop_after_processing, 1, "Outcome unknown — checking the device", id="drop"),
    pytest.param(_truncated_2xx, 1, "Sync accepted by Intune", id="truncated-2xx"),
    pytest.param(_throttled, 2, "Sync accepted by Intune", id="429"),
])
async def test_one_confirmation_under_a_write_fault_sends_once_and_says_what_happened(
        make_app, wait_until, fault, posts: int, words: str) -> None:
    """One POST on the wire whatever the fault (two only after a 429, which Graph did not
    process); the user reads "unknown — checking" and what the device showed when read back."""
    app = make_app(devices=DEVICES)
    async with app.run_test(size=(100, 40)) as pilot:
        await list_ready(pilot, app, wait_until)
        fault(app.session.fake.faults)
        await confirm_for(pilot, app, wait_until, WINDOWS_ID, "syncDevice")
        await pilot.press("y")
        await wait_until(pilot, lambda: any(words in m for m in messages(app)))
        await pilot.pause(0.3)
        assert [p.path for p in action_posts(app)] == [SYNC_PATH] * posts
        message = next(m for m in messages(app) if words in m)
        if "unknown" in words:
            # the device was read back, and what it showed is in the sentence
            assert "Intune lists Sync started" in message, message
            outcome = [line for line in audit_lines(app) if line["phase"] == "result"]
            assert [line["outcome"] for line in outcome] == ["unknown"]


async def test_consent_cancelled_before_sending_is_not_sent_on_screen_and_in_the_audit(
        make_app, wait_until) -> None:
    """No token for the action's scope (the user cancels the consent prompt): nothing reaches
    Graph, the user reads "not sent", and the audit says not_sent, never "unknown"."""
    from intune_tui.auth.errors import SignInCancelled

    app = make_app(devices=DEVICES)
    async with app.run_test(size=(100, 40)) as pilot:
        await list_ready(pilot, app, wait_until)
        provider = app.session.token_provider
        read_token = provider.get_token

        async def cancel_consent(*, scopes=None, **kwargs):
            if scopes and PRIVILEGED_OPERATIONS in scopes:
                raise SignInCancelled("Sign-in cancelled.")
            return await read_token(scopes=scopes, **kwargs)

        provider.get_token = cancel_consent
        await confirm_for(pilot, app, wait_until, WINDOWS_ID, "syncDevice")
        await pilot.press("y")
        await wait_until(pilot, lambda: any("was not sent to CONTOSO-DT-91956" in m
                                            for m in messages(app)))
        assert action_posts(app) == []
        results = [line for line in audit_lines(app) if line["phase"] == "result"]
        assert [line["outcome"] for line in results] == ["not_sent"]

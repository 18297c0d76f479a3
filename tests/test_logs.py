from __future__ import annotations

import logging
import os
import stat
import warnings
from collections.abc import Iterator
from pathlib import Path

import pytest

from intune_tui.config import Settings
from intune_tui.logs import log_crash, redact, reset_logging, setup_logging

JWT = "eyJhbGciOiJSUzI1NiJ9.eyJ1cG4iOiJoZWxwZGVza0Bjb250b3NvIn0.c2lnbmF0dXJlLXBhcnQ"


@pytest.fixture(autouse=True)
def restore_logging() -> Iterator[None]:
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    yield
    reset_logging()
    root.handlers[:] = handlers
    root.setLevel(level)


def log_text(settings: Settings) -> str:
    for handler in logging.getLogger().handlers:
        handler.flush()
    return (settings.log_dir / "intune-tui.log").read_text(encoding="utf-8")


@pytest.mark.parametrize(
    ("text", "secret"),
    [
        (f"GET /me headers={{'Authorization': 'Bearer {JWT}'}}", JWT),
        ("Authorization: Bearer opaque-EwBwA8l6BAAU", "EwBwA8l6BAAU"),
        ("authorization: Basic dXNlcjpwYXNzd29yZA==", "dXNlcjpwYXNzd29yZA"),
        ('{"token_type": "Bearer", "access_token": "AT.value-1", "expires_in": 3599}', "AT.value"),
        ('{"refresh_token":"0.AXkA-refresh"}', "0.AXkA-refresh"),
        ("{'id_token': 'idtok-123'}", "idtok-123"),
        ("grant_type=refresh_token&refresh_token=RT-abc&client_id=x", "RT-abc"),
        ("INTUNE_TUI_ACCESS_TOKEN=opaque-env-token", "opaque-env-token"),
        (f"token was {JWT}.", JWT),
        ("bearer   lowercase-token", "lowercase-token"),
    ],
)
def test_redact_removes_every_known_secret_shape(text: str, secret: str) -> None:
    cleaned = redact(text)

    assert secret not in cleaned
    assert "<redacted>" in cleaned


def test_redact_leaves_ordinary_text_alone() -> None:
    text = 'Graph said 403 {"code": "Forbidden", "token_type": "Bearer"} for device LAPTOP-01'

    assert redact(text) == text


def test_log_file_is_private_and_redacted_for_every_logger() -> None:
    settings = Settings()
    path = setup_logging(settings)

    logging.getLogger("httpx").info("request headers %s", {"Authorization": f"Bearer {JWT}"})
    logging.getLogger("msal.token").info('response {"refresh_token": "%s"}', "RT-secret")
    logging.getLogger("intune_tui.graph").info("fine: %d devices", 3)

    text = log_text(settings)
    assert path == settings.log_dir / "intune-tui.log"
    assert JWT not in text and "RT-secret" not in text
    assert "fine: 3 devices" in text
    if os.name == "posix":
        assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_a_traceback_in_the_log_is_redacted_too() -> None:
    settings = Settings()
    setup_logging(settings)

    try:
        raise RuntimeError(f"token rejected: Bearer {JWT}")
    except RuntimeError:
        logging.getLogger("intune_tui").exception("call failed")

    text = log_text(settings)
    assert "Traceback" in text and "RuntimeError" in text
    assert JWT not in text


def test_info_by_default_and_debug_with_the_debug_setting() -> None:
    quiet = Settings()
    setup_logging(quiet)
    logging.getLogger("intune_tui").debug("detail one")
    assert "detail one" not in log_text(quiet)

    verbose = Settings(debug=True)
    setup_logging(verbose)
    logging.getLogger("intune_tui").debug("detail two")
    assert "detail two" in log_text(verbose)


def test_nothing_reaches_the_terminal(capfd: pytest.CaptureFixture[str]) -> None:
    logging.getLogger().addHandler(logging.StreamHandler())  # as a library might have done
    settings = Settings()
    setup_logging(settings)

    logging.getLogger("intune_tui").error("something went wrong")
    logging.getLogger("intune_tui").info("bad args %d", "not-a-number")
    with warnings.catch_warnings():
        warnings.simplefilter("always")
        warnings.warn("a library is deprecated", UserWarning, stacklevel=1)

    captured = capfd.readouterr()
    assert captured.out == "" and captured.err == ""
    text = log_text(settings)
    assert "something went wrong" in text
    assert "bad args" in text
    assert "a library is deprecated" in text


def test_setting_up_twice_does_not_write_lines_twice() -> None:
    settings = Settings()
    setup_logging(settings)
    setup_logging(settings)

    logging.getLogger("intune_tui").info("only once")

    assert log_text(settings).count("only once") == 1


def test_the_log_rotates_at_about_one_megabyte_keeping_three_old_files() -> None:
    settings = Settings()
    setup_logging(settings)
    line = "x" * 1000

    for _ in range(5000):
        logging.getLogger("intune_tui").info(line)

    names = sorted(path.name for path in settings.log_dir.iterdir())
    assert names == ["intune-tui.log", "intune-tui.log.1", "intune-tui.log.2", "intune-tui.log.3"]
    assert all(path.stat().st_size <= 1_000_000 for path in settings.log_dir.iterdir())
    if os.name == "posix":
        assert stat.S_IMODE((settings.log_dir / "intune-tui.log.1").stat().st_mode) == 0o600


def test_log_crash_returns_one_line_naming_the_log_and_keeps_the_traceback_there() -> None:
    settings = Settings()
    setup_logging(settings)

    try:
        {}["missing"]
    except KeyError as error:
        message = log_crash(error)

    assert "\n" not in message
    assert "Traceback" not in message
    assert str(settings.log_dir / "intune-tui.log") in message
    assert "KeyError" in message
    text = log_text(settings)
    assert "Traceback" in text and "{}[\"missing\"]" in text


def test_log_crash_before_setup_writes_to_the_configured_log_dir() -> None:
    error = ValueError(f"bad answer with Bearer {JWT}")

    message = log_crash(error)

    log_path = Path(os.environ["INTUNE_TUI_LOG_DIR"]) / "intune-tui.log"
    assert str(log_path) in message
    assert JWT not in message
    assert "ValueError" in log_path.read_text(encoding="utf-8")
    assert JWT not in log_path.read_text(encoding="utf-8")


def test_long_oauth_codes_are_redacted_but_graph_error_codes_stay() -> None:
    from intune_tui.logs import redact

    spent = "0.AXoAaBcDeFgHiJkLmNoPqRsTuVwXyZ0123456789-_abcdefgh"
    assert spent not in redact(f'POST token body {{"code": "{spent}", "grant_type": "x"}}')
    assert spent not in redact(f"grant_type=authorization_code&code={spent}&client_id=1")
    assert '"code": "Forbidden"' in redact('{"error": {"code": "Forbidden"}}')


def test_every_log_line_is_cleaned_of_escape_sequences_and_forged_newlines() -> None:
    settings = Settings()
    setup_logging(settings)
    osc52 = "\x1b]52;c;Y3VybCBldmlsLmV4YW1wbGV8c2g=\x07"

    logging.getLogger("intune_tui.graph").warning("Graph said %s\n2099-01-01 INFO forged", osc52)
    try:
        raise RuntimeError(f"boom {osc52}")
    except RuntimeError:
        logging.getLogger("intune_tui").exception("failed \x9b31m")

    text = log_text(settings)
    assert "\x1b" not in text and "\x07" not in text and "\x9b" not in text
    assert "forged" in text and "\n2099-01-01 INFO forged" not in text
    assert "RuntimeError: boom" in text

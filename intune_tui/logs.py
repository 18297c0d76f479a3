"""The log file: rotating, private (0600), scrubbed of secrets, never printed to the terminal.

The TUI owns the terminal, so a stray log line or warning on stderr would garble the screen.
Everything goes to `<log dir>/intune-tui.log` (about 1 MB, 3 old copies kept). A filter on the
handler rewrites every record, whatever logger it came from (httpx, msal, ours), so that bearer
tokens, Authorization headers, OAuth token fields and JWT-looking strings never reach the disk,
and cleans it (`text.clean`): no control characters or escape sequences, one line per record.
"""

from __future__ import annotations

import io
import logging
import logging.handlers
import os
import re
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

from intune_tui import __version__
from intune_tui.private_files import make_private_dir
from intune_tui.text import clean, truncate

if TYPE_CHECKING:
    from intune_tui.config import Settings

LOG_FILE_NAME = "intune-tui.log"
MAX_BYTES = 1_000_000
BACKUP_COUNT = 3
REDACTED = "<redacted>"
_FORMAT = "%(asctime)s %(levelname)-7s %(name)s: %(message)s"

_SECRET_FIELDS = (
    "access_token|refresh_token|id_token|client_secret|device_code|client_assertion|password"
)
_PATTERNS: tuple[tuple[re.Pattern[str], str], ...] = (
    # A whole JWT (header.payload.signature), wherever it appears.
    (re.compile(r"eyJ[A-Za-z0-9_-]*\.eyJ[A-Za-z0-9_-]*\.[A-Za-z0-9_-]*"), REDACTED),
    # Authorization header in any spelling: "Authorization: x", 'authorization': 'x', b'...'.
    (
        re.compile(r"""(authorization['"]?\s*[:=]\s*(?-i:b)?['"]?)[^'"\r\n,}]+""", re.IGNORECASE),
        rf"\g<1>{REDACTED}",
    ),
    (re.compile(r"\b(bearer\s+)[^\s'\",;}]+", re.IGNORECASE), rf"\g<1>{REDACTED}"),
    # Token fields in JSON, Python reprs, form bodies and environment dumps.
    (
        re.compile(rf"""((?:{_SECRET_FIELDS})['"]?\s*[:=]\s*['"]?)[^'"&\s,}}]+""", re.IGNORECASE),
        rf"\g<1>{REDACTED}",
    ),
    # OAuth authorization/device codes MSAL logs at debug ("code": "0.AX…"): long opaque values
    # only, so Graph's short error codes ("code": "Forbidden") stay readable.
    (
        re.compile(r"""(\bcode['"]?\s*[:=]\s*['"]?)[A-Za-z0-9._~+/=-]{24,}""", re.IGNORECASE),
        rf"\g<1>{REDACTED}",
    ),
)


def redact(text: str) -> str:
    """`text` with every secret we know the shape of replaced by <redacted>."""
    for pattern, replacement in _PATTERNS:
        text = pattern.sub(replacement, text)
    return text


class RedactingFilter(logging.Filter):
    """Rewrites a record's message, arguments, traceback and stack with secrets removed.

    The record factory already redacted message and arguments; this also covers records made
    before setup_logging() and the traceback text, which only exists once a handler formats it.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        _redact_record(record)
        if record.exc_info and not record.exc_text:
            record.exc_text = "".join(traceback.format_exception(*record.exc_info)).rstrip("\n")
        if record.exc_text:
            record.exc_text = _clean_lines(redact(record.exc_text))
        if record.stack_info:
            record.stack_info = _clean_lines(redact(record.stack_info))
        return True


class PrivateRotatingFileHandler(logging.handlers.RotatingFileHandler):
    """A rotating file handler whose files are created 0600 and whose errors stay silent."""

    def _open(self) -> io.TextIOWrapper:
        # self.mode is always a text mode ("a"), so open() gives a TextIOWrapper.
        return cast(io.TextIOWrapper, open(
            self.baseFilename,
            self.mode,
            encoding=self.encoding,
            errors=self.errors,
            opener=lambda path, flags: os.open(path, flags, 0o600),
        ))

    def handleError(self, record: logging.LogRecord) -> None:
        # The default prints a traceback to stderr, which is the TUI's screen. A log that cannot
        # be written (disk full, directory removed) is not worth breaking the display for.
        return


_installed: PrivateRotatingFileHandler | None = None
_previous_factory: Callable[..., logging.LogRecord] | None = None


def _redact_record(record: logging.LogRecord) -> None:
    try:
        message = record.getMessage()
    except Exception:  # a bad format string must not break logging, nor print to stderr
        message = f"{record.msg!r} (could not format arguments {record.args!r})"
    # One clean line per record: a terminal escape (an OSC 52 clipboard write) or a forged
    # newline in Graph's text must not act when someone runs `tail -f` or `less -R` on the log.
    record.msg = clean(redact(message))
    record.args = ()


def _clean_lines(text: str) -> str:
    return "\n".join(clean(line) for line in text.splitlines())


def _install_record_factory() -> None:
    """Redact each record as it is made, before *any* handler (ours or a library's) sees it."""
    global _previous_factory
    if _previous_factory is not None:
        return
    previous = logging.getLogRecordFactory()

    def make_record(*args: Any, **kwargs: Any) -> logging.LogRecord:
        record = previous(*args, **kwargs)
        _redact_record(record)
        return record

    _previous_factory = previous
    logging.setLogRecordFactory(make_record)


def setup_logging(settings: Settings) -> Path:
    """Send all logging (and Python warnings) to the rotating file in settings.log_dir.

    Idempotent: calling it again replaces the handler (e.g. after --debug changes the level).
    Returns the log file's path.
    """
    return _install(Path(settings.log_dir), logging.DEBUG if settings.debug else logging.INFO)


def _install(log_dir: Path, level: int) -> Path:
    global _installed
    make_private_dir(log_dir)
    path = log_dir / LOG_FILE_NAME
    if path.exists() and os.name == "posix":
        path.chmod(0o600)
    handler = PrivateRotatingFileHandler(
        path, maxBytes=MAX_BYTES, backupCount=BACKUP_COUNT, encoding="utf-8"
    )
    handler.setFormatter(logging.Formatter(_FORMAT))
    handler.addFilter(RedactingFilter())
    root = logging.getLogger()
    for existing in list(root.handlers):
        # Only our own handler and terminal handlers go: a terminal line garbles the TUI.
        is_terminal = type(existing) is logging.StreamHandler
        if existing is _installed or is_terminal:
            root.removeHandler(existing)
            if existing is _installed:
                existing.close()
    root.addHandler(handler)
    root.setLevel(level)
    logging.captureWarnings(True)
    _install_record_factory()
    _installed = handler
    logging.getLogger("intune_tui").info(
        "intune-tui %s logging at %s", __version__, logging.getLevelName(level)
    )
    return path


def reset_logging() -> None:
    """Remove what setup_logging() installed (tests, or handing the terminal back)."""
    global _installed, _previous_factory
    if _previous_factory is not None:
        logging.setLogRecordFactory(_previous_factory)
        _previous_factory = None
    if _installed is not None:
        logging.getLogger().removeHandler(_installed)
        _installed.close()
        _installed = None
    logging.captureWarnings(False)


def current_log_path() -> Path | None:
    """The file setup_logging() writes to, or None before it was called."""
    return Path(_installed.baseFilename) if _installed is not None else None


def log_crash(exc: BaseException) -> str:
    """Write `exc` with its traceback to the log; return one line for the user naming the log.

    Works before setup_logging() too (then it opens the default log directory). The user sees
    the error's type and a short, cleaned, redacted message, never the traceback.
    """
    path = current_log_path()
    try:
        if path is None:
            from intune_tui.config import default_log_dir

            path = _install(default_log_dir(), logging.INFO)
        logging.getLogger("intune_tui.crash").error(
            "Unexpected error", exc_info=(type(exc), exc, exc.__traceback__)
        )
        if _installed is not None:
            _installed.flush()
        where = f"details are in {path}"
    except OSError as error:
        where = f"and the log could not be written ({error.strerror or error})"
    summary = truncate(clean(redact(str(exc))), 120)
    kind = type(exc).__name__
    described = f"{kind}: {summary}" if summary else kind
    return f"intune-tui: unexpected error ({described}); {where}"

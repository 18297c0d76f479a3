"""Display words for Graph values: relative times, byte sizes, dates, enum words.

Pure functions, no I/O. Every function accepts what Graph may send (None, "", odd strings) and
returns a display string or None; none of them raises on bad data.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import TypeVar

MISSING = "—"

# A label and its value, as a detail's field list shows them (the value in words or None).
Field = tuple[str, object]
NumberT = TypeVar("NumberT", int, float)  # what `number_in` reads

# Graph's "no date" placeholder: 0001-01-01T00:00:00Z means "never", not year 1.
_EPOCH_PLACEHOLDER_YEAR = 1

_CAMEL_BOUNDARY = re.compile(
    r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])|(?<=[a-z]{2})(?=[0-9])"
)

# Words a plain camelCase split gets wrong; keys are lower-cased enum values.
_ENUM_WORDS: dict[str, str] = {
    "ios": "iOS",
    "ipados": "iPadOS",
    "macos": "macOS",
    "tvos": "tvOS",
    "visionos": "visionOS",
    "noncompliant": "Noncompliant",
    "ingraceperiod": "In grace period",
    "configmanager": "Configuration Manager",
    "unknownfuturevalue": "Unknown",
    "notapplicable": "Not applicable",
    "notassigned": "Not assigned",
    "easmdm": "EAS + MDM",
    "eas": "EAS",
    "mdm": "MDM",
    "windowsazureadjoin": "Windows Entra join",
    "windowsazureadjoinusingdeviceauth": "Windows Entra join (device auth)",
    "windowsbulkazuredomainjoin": "Windows bulk Entra join",
    "windowscomanagement": "Windows co-management",
    "appleuserenrollment": "Apple User Enrollment",
    "appleuserenrollmentwithserviceaccount": "Apple User Enrollment (service account)",
    "applebulkwithuser": "Apple bulk (with user)",
    "applebulkwithoutuser": "Apple bulk (without user)",
    "deviceenrollmentmanager": "Device enrollment manager",
    "intuneclient": "Intune client",
    "easintuneclient": "EAS + Intune client",
    "configurationmanagerclient": "Configuration Manager client",
    "configurationmanagerclientmdm": "Configuration Manager client + MDM",
    "configurationmanagerclientmdmeas": "Configuration Manager client + MDM + EAS",
    "googleclouddevicepolicycontroller": "Google Cloud device policy controller",
    "microsoft365managedmdm": "Microsoft 365 managed MDM",
    "mssense": "Microsoft Defender for Endpoint",
    "jamf": "Jamf",
    # policyPlatformType
    "windows10andlater": "Windows 10 and later",
    "windows81andlater": "Windows 8.1 and later",
    "windowsphone81": "Windows Phone 8.1",
    "windows10xprofile": "Windows 10X",
    "androidforwork": "Android for Work",
    "androidworkprofile": "Android work profile",
    "androidaosp": "Android (AOSP)",
    # Exchange connector
    "connectionpending": "Connection pending",
}


def parse_datetime(value: object) -> datetime | None:
    """A timezone-aware UTC datetime from a Graph timestamp, or None.

    Accepts 'Z' suffixes and 7-digit fractions; naive values are taken as UTC. Graph's
    0001-01-01 placeholder, empty strings and garbage all give None.
    """
    if isinstance(value, datetime):
        parsed = value
    elif isinstance(value, str) and value:
        try:
            parsed = datetime.fromisoformat(value)
        except ValueError:
            return None
    else:
        return None
    if parsed.year <= _EPOCH_PLACEHOLDER_YEAR:
        return None
    if parsed.tzinfo is None:
        return parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC)


def relative_time(when: datetime | None, now: datetime) -> str:
    """'just now', '5m ago', '3h ago', '45d ago', 'in 2d'; MISSING when unknown."""
    if when is None:
        return MISSING
    seconds = (now - when).total_seconds()
    future = seconds < 0
    seconds = abs(seconds)
    if seconds < 60:
        return "just now"
    if seconds < 3600:
        amount = f"{int(seconds // 60)}m"
    elif seconds < 86400:
        amount = f"{int(seconds // 3600)}h"
    elif seconds < 86400 * 365 * 2:
        amount = f"{int(seconds // 86400)}d"
    else:
        amount = f"{int(seconds // (86400 * 365))}y"
    return f"in {amount}" if future else f"{amount} ago"


def age_in_days(when: datetime | None, now: datetime) -> float | None:
    """Days elapsed since `when` (negative for future), None when unknown."""
    if when is None:
        return None
    return (now - when) / timedelta(days=1)


def days_left(when: datetime | None, now: datetime) -> int | None:
    """Whole days until `when` (negative once passed), None when unknown."""
    if when is None:
        return None
    return (when - now) // timedelta(days=1)


# A certificate or token this close to its expiry is a warning (tenant health, expiry columns).
EXPIRY_WARNING_DAYS = 30


def expiry_status(expires: datetime | None, now: datetime,
                  warn_days: int = EXPIRY_WARNING_DAYS) -> str | None:
    """'bad' once expired, 'warn' within `warn_days`, 'good' otherwise, None when unknown."""
    left = days_left(expires, now)
    if left is None:
        return None
    if expires is not None and expires <= now:
        return "bad"
    if left < warn_days:
        return "warn"
    return "good"


def format_datetime(when: datetime | None) -> str:
    """'2026-11-20 09:00 UTC', MISSING when unknown."""
    if when is None:
        return MISSING
    return when.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")


def format_date(when: datetime | None) -> str:
    """'2026-11-20', MISSING when unknown."""
    if when is None:
        return MISSING
    return when.astimezone(UTC).strftime("%Y-%m-%d")


def format_bytes(value: object) -> str:
    """'512 B', '1.5 KB', '119.2 GB' in powers of 1024 (as Windows and the admin center show).

    Non-numbers, negatives and None give MISSING.
    """
    number = _as_number(value)
    if number is None or number < 0:
        return MISSING
    units = ("B", "KB", "MB", "GB", "TB", "PB")
    size = float(number)
    unit = 0
    while size >= 1024 and unit < len(units) - 1:
        size /= 1024
        unit += 1
    if unit == 0:
        return f"{int(size)} B"
    return f"{size:.1f} {units[unit]}"


def format_count(value: object) -> str:
    """'12,345', MISSING for non-numbers."""
    number = _as_number(value)
    if number is None:
        return MISSING
    return f"{int(number):,}"


def singular(noun: str) -> str:
    """'devices' -> 'device', 'policies' -> 'policy', 'statuses' -> 'status'."""
    if noun.endswith("ies"):
        return noun[:-3] + "y"
    if noun.endswith(("sses", "uses", "xes", "ches", "shes")):
        return noun[:-2]
    if noun.endswith("s") and not noun.endswith("ss"):
        return noun[:-1]
    return noun


def count_of(count: int, noun: str) -> str:
    """'1 device', '2,000 devices' (noun given in the plural)."""
    return f"{count:,} {singular(noun) if count == 1 else noun}"


def format_bool(value: object, *, yes: str = "Yes", no: str = "No") -> str:
    """'Yes'/'No' for booleans, MISSING for anything else."""
    if value is True:
        return yes
    if value is False:
        return no
    return MISSING


def enum_word(value: object) -> str:
    """A Graph enum value in plain words: 'inGracePeriod' -> 'In grace period'.

    Known special cases (platform names, acronyms) come from a table; anything else is split at
    camelCase boundaries. None or "" give MISSING.
    """
    if value is None:
        return MISSING
    text = str(value).strip()
    if not text:
        return MISSING
    known = _ENUM_WORDS.get(text.lower())
    if known is not None:
        return known
    return camel_words(text)


def camel_words(text: str) -> str:
    """'retirePending' -> 'Retire pending', 'windowsAzureADJoin' -> 'Windows azure AD join'.

    All-capital runs (acronyms) keep their case; the first word is capitalised.
    """
    words = [w for w in _CAMEL_BOUNDARY.sub(" ", text.replace("_", " ")).split(" ") if w]
    if not words:
        return MISSING
    shaped = [w if (len(w) > 1 and w.isupper()) else w.lower() for w in words]
    first = shaped[0]
    shaped[0] = first if first.isupper() else first[:1].upper() + first[1:]
    return " ".join(shaped)


def _as_number(value: object) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return float(value)
    if isinstance(value, str):
        return number_in(value, float)
    return None


def number_in(text: str, kind: Callable[[str], NumberT]) -> NumberT | None:
    """`kind(text)` (int or float), or None when the text is no such number."""
    try:
        return kind(text)
    except ValueError:
        return None

"""Readers of Graph JSON dicts: the only way a record (models.py) or a wording (wording.py)
reads a field. A missing or mistyped value becomes None (or an empty list / dict); nothing here
raises on tenant data."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from intune_tui.intune.formatting import number_in, parse_datetime

ODATA_PREFIX = "#microsoft.graph."


def text_field(data: Mapping[str, Any], key: str) -> str | None:
    value = data.get(key)
    if value is None or isinstance(value, dict | list):
        return None
    return str(value)


def bool_field(data: Mapping[str, Any], key: str) -> bool | None:
    value = data.get(key)
    return value if isinstance(value, bool) else None


def int_field(data: Mapping[str, Any], key: str) -> int | None:
    value = data.get(key)
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str):
        return number_in(value, int)
    return None


def date_field(data: Mapping[str, Any], key: str) -> datetime | None:
    return parse_datetime(data.get(key))


def list_field(data: Mapping[str, Any], key: str) -> list[Any]:
    value = data.get(key)
    return value if isinstance(value, list) else []


def dict_field(data: Mapping[str, Any], key: str) -> dict[str, Any]:
    value = data.get(key)
    return value if isinstance(value, dict) else {}


def odata_type_name(data: Mapping[str, Any] | str | None) -> str | None:
    """'#microsoft.graph.win32LobApp' -> 'win32LobApp'; None when absent."""
    raw = data.get("@odata.type") if isinstance(data, Mapping) else data
    if not isinstance(raw, str) or not raw:
        return None
    for prefix in (ODATA_PREFIX, "microsoft.graph."):
        if raw.startswith(prefix):
            return raw[len(prefix):]
    return raw.lstrip("#")

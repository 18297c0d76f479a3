"""Record sets: what a collection serves, how to read one property, how to render one."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any


def dict_getter(record: Any, prop: str) -> Any:
    """Read a (possibly cast, `microsoft.graph.x/prop`) property from a JSON dict."""
    if "/" in prop:
        cast, _, name = prop.rpartition("/")
        if str(record.get("@odata.type", "")).lower() != "#" + cast.lower():
            return None
        return record.get(name)
    return record.get(prop)


def dict_render(record: Any) -> dict[str, Any]:
    return {key: value for key, value in record.items() if not key.startswith("_")}


@dataclass
class RecordSet:
    """The records a collection serves, how to read one property, how to render one."""

    records: Sequence[Any]
    getter: Callable[[Any, str], Any] = dict_getter
    render: Callable[[Any], dict[str, Any]] = dict_render
    key: Callable[[Any], str] = lambda record: str(record.get("id"))
    # Optional fast path: render only the named properties (used for `$select`).
    render_only: Callable[[Any, frozenset[str]], dict[str, Any]] | None = None
    # The properties whose values move with the tenant clock (None: any of them may), so that
    # a $filter or $orderby on the others gives the same answer a second later.
    moving: frozenset[str] | None = None
    # Optional fast paths for long collections: a page with `$select` (no `*`) rendered at
    # once, exactly as `render_only` then the fake's shaping would; and the records matching a
    # `$filter` tree (None: not one it evaluates, the fake tests each record).
    render_page: Callable[[Sequence[Any], tuple[str, ...]], list[dict[str, Any]]] | None = None
    # render_page's items as a JSON array in UTF-8, for a page the fake encodes itself, between
    # the two bytes given (the body's start and end).
    encode_page: Callable[[Sequence[Any], tuple[str, ...], bytes, bytes], bytes] | None = None
    filter_records: Callable[[Any], Sequence[Any] | None] | None = None


# A device's management state and name follow its remote actions as they progress.
DEVICE_PROPERTIES_MOVING = frozenset({"managementState", "deviceName", "deviceActionResults"})

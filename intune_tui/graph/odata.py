"""OData query options for Graph: `$select`, `$filter`, `$top`, `$orderby`, `$count`, `$expand`,
`$search`, and their encoding into a query string.

Graph's documentation writes the options with a literal `$` and spaces as `%20`; we encode the same
way rather than with form encoding (`%24`, `+`), so a `+` in a value never turns into a space.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from urllib.parse import quote as _percent_encode

# Characters left as they are in a query value: they carry OData syntax and are legal in a query.
_SAFE_IN_VALUE = "$,'()*:/@"


@dataclass(frozen=True)
class ODataQuery:
    """The query options of one Graph list or get call.

    `search` is the plain search text; it is wrapped in the double quotes Graph requires.
    """

    select: tuple[str, ...] = ()
    filter: str | None = None
    top: int | None = None
    orderby: str | None = None
    count: bool = False
    expand: str | None = None
    search: str | None = None

    def __post_init__(self) -> None:
        if self.top is not None and self.top < 1:
            raise ValueError(f"$top must be at least 1, not {self.top}")
        if isinstance(self.select, str):
            raise TypeError("select is a tuple of property names, not one string")

    def to_params(self) -> dict[str, str]:
        """The options as query parameters, only those that are set, in Graph's spelling."""
        params: dict[str, str] = {}
        if self.select:
            params["$select"] = ",".join(self.select)
        if self.filter:
            params["$filter"] = self.filter
        if self.top is not None:
            params["$top"] = str(self.top)
        if self.orderby:
            params["$orderby"] = self.orderby
        if self.count:
            params["$count"] = "true"
        if self.expand:
            params["$expand"] = self.expand
        if self.search:
            params["$search"] = search_phrase(self.search)
        return params

    def with_top(self, top: int | None) -> ODataQuery:
        """The same query with another page size."""
        return replace(self, top=top)


def quote(value: str) -> str:
    """`value` as an OData string literal: in single quotes, inner single quotes doubled."""
    return "'" + value.replace("'", "''") + "'"


def search_phrase(text: str) -> str:
    """`text` as a `$search` value: in double quotes, inner quotes and backslashes escaped."""
    if len(text) >= 2 and text.startswith('"') and text.endswith('"'):
        return text
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def encode_params(params: Mapping[str, str]) -> str:
    """A query string without `?`, as Graph documents it: `$select=a,b&$filter=x%20eq%20'y'`."""
    return "&".join(
        f"{_percent_encode(key, safe='$')}={_percent_encode(value, safe=_SAFE_IN_VALUE)}"
        for key, value in params.items()
    )

"""The search box: `os:ios compliance:noncompliant user:alice@contoso.com serial:C02X synced<7d`.

`parse_query(text, resource)` splits a query into
- a server `$filter` built only from operators Graph supports on each property (from
  `Resource.filterable`), terms joined with `and`, `or` only between values of one property;
- local checks for everything else (partial serials, partial users, free words), applied to rows;
- a description of that split for the status bar.

Syntax
    key:value     contains / is (enum fields); `key:a,b` means a or b
    key=value     exactly equal
    key<7d        (time fields) within the last 7 days; key>30d: longer ago than 30 days;
                  also dates: synced<2026-11-01 (before), synced>2026-11-01 (after)
    "two words"   quoted values and phrases
    anything else free text, matched against name, user, serial and model
Bad syntax gives a `QueryError` value (with a sentence), never an exception.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Literal

from intune_tui.graph.odata import quote
from intune_tui.intune.formatting import parse_datetime
from intune_tui.intune.resources import RESOURCES, Column, Kind, Resource, Row


class FieldKind(enum.Enum):
    TEXT = "text"
    ENUM = "enum"
    TIME = "time"


@dataclass(frozen=True)
class QueryField:
    """A `key:` the search box understands.

    properties: candidate Graph properties; the first one the resource has is used.
    values: for ENUM fields, the words a user may type -> Graph values.
    """

    key: str
    label: str
    kind: FieldKind
    properties: tuple[str, ...]
    values: Mapping[str, tuple[str, ...]] | None = None
    example: str = ""


def _enum_values(*pairs: tuple[str, str | tuple[str, ...]]) -> dict[str, tuple[str, ...]]:
    return {word: (value,) if isinstance(value, str) else value for word, value in pairs}


_OS_VALUES = _enum_values(
    ("ios", "iOS"), ("iphone", "iOS"), ("ipados", "iPadOS"), ("ipad", "iPadOS"),
    ("apple", ("iOS", "iPadOS")), ("win", "Windows"), ("windows", "Windows"),
    ("android", "Android"), ("mac", "macOS"), ("macos", "macOS"), ("osx", "macOS"),
    ("linux", "Linux"),
)
_COMPLIANCE_VALUES = _enum_values(
    ("compliant", "compliant"), ("noncompliant", "noncompliant"),
    ("non-compliant", "noncompliant"), ("nc", "noncompliant"), ("grace", "inGracePeriod"),
    ("ingraceperiod", "inGracePeriod"), ("unknown", "unknown"), ("conflict", "conflict"),
    ("error", "error"), ("configmanager", "configManager"),
)
_MANAGEMENT_VALUES = _enum_values(*(
    (value.lower(), value) for value in (
        "managed", "retirePending", "retireFailed", "wipePending", "wipeFailed", "unhealthy",
        "deletePending", "retireIssued", "wipeIssued", "wipeCanceled", "retireCanceled",
        "discovered",
    )
))
_OWNER_VALUES = _enum_values(
    ("company", "company"), ("corporate", "company"), ("corp", "company"),
    ("personal", "personal"), ("byod", "personal"), ("unknown", "unknown"),
)

FIELDS: dict[str, QueryField] = {
    field.key: field
    for field in (
        QueryField("name", "name", FieldKind.TEXT, ("deviceName", "displayName", "name"),
                   example="name:LAP"),
        QueryField("user", "user", FieldKind.TEXT, ("userPrincipalName",),
                   example="user:alice@contoso.com"),
        QueryField("serial", "serial", FieldKind.TEXT, ("serialNumber",), example="serial:C02X"),
        QueryField("model", "model", FieldKind.TEXT, ("model",), example="model:Surface"),
        QueryField("manufacturer", "manufacturer", FieldKind.TEXT, ("manufacturer",),
                   example="manufacturer:Apple"),
        QueryField("version", "OS version", FieldKind.TEXT, ("osVersion",), example="version:17."),
        QueryField("publisher", "publisher", FieldKind.TEXT, ("publisher",),
                   example="publisher:Microsoft"),
        QueryField("os", "OS", FieldKind.ENUM, ("operatingSystem",), _OS_VALUES,
                   example="os:ios"),
        QueryField("compliance", "compliance", FieldKind.ENUM, ("complianceState",),
                   _COMPLIANCE_VALUES, example="compliance:noncompliant"),
        QueryField("state", "management state", FieldKind.ENUM, ("managementState",),
                   _MANAGEMENT_VALUES, example="state:retirepending"),
        QueryField("owner", "ownership", FieldKind.ENUM, ("managedDeviceOwnerType",),
                   _OWNER_VALUES, example="owner:personal"),
        QueryField("synced", "last sync", FieldKind.TIME, ("lastSyncDateTime",),
                   example="synced<7d"),
        QueryField("enrolled", "enrolled", FieldKind.TIME, ("enrolledDateTime",),
                   example="enrolled>90d"),
        QueryField("modified", "last modified", FieldKind.TIME, ("lastModifiedDateTime",),
                   example="modified<30d"),
    )
}
_FIELD_ALIASES = {"ownership": "owner", "upn": "user", "sn": "serial", "compliant": "compliance",
                  "sync": "synced", "lastsync": "synced", "osversion": "version",
                  "device": "name", "platform": "os"}


@dataclass(frozen=True)
class QueryError:
    """A query the search box cannot run: `message` is the sentence to show."""

    message: str
    position: int = 0

    def __str__(self) -> str:
        return self.message


Check = Callable[[Row], bool]
KeyOp = Literal["in", "contains", "after", "before"]


@dataclass(frozen=True)
class ColumnTest:
    """A clause as a test on one column's sort keys, i.e. on what the row shows.

    A table keeps each column's keys in a list and runs `matches_keys` over it: at 100,000 rows
    that is several times faster than calling a check per row, which must first reach the row's
    Graph dict. in: the key is one of `operand` (a frozenset); contains: the (folded text) key
    contains `operand`; after/before: the (datetime) key is later/earlier than `operand`.
    Missing values (None keys) never match.
    """

    column: int
    op: KeyOp
    operand: Any

    def matches_keys(self, keys: Sequence[Any]) -> list[bool]:
        operand = self.operand
        if self.op == "in":
            return list(map(operand.__contains__, keys))
        if self.op == "contains":
            return [key is not None and operand in key for key in keys]
        if self.op == "after":
            return [key is not None and key > operand for key in keys]
        return [key is not None and key < operand for key in keys]

    def matches(self, row: Row) -> bool:
        return self.matches_keys((row.sort_keys[self.column],))[0]


@dataclass(frozen=True)
class Clause:
    """One understood part of a query, where it runs, and how to test it on a row.

    word: for free text, the lower-case word looked for in `row.search_text` (a table can test
    those in C, much faster than calling `check` per row).
    column_test: the same test on a column's sort keys, when a column shows the property (then
    `check` is `column_test.matches`, so both always agree).
    """

    description: str
    check: Check
    server: str | None  # the OData expression when Graph evaluates it
    word: str | None = None
    column_test: ColumnTest | None = None


@dataclass(frozen=True)
class RowFilter:
    """A query split the way a table filters fast. A row passes when its search text contains
    every one of `words`, it passes every one of `column_tests`, and `predicate` (the clauses
    that have neither form; None when there are none)."""

    predicate: Check | None = None
    words: tuple[str, ...] = ()
    column_tests: tuple[ColumnTest, ...] = ()


@dataclass(frozen=True)
class SearchQuery:
    """A parsed query.

    server_filter: the `$filter` to send (None: list everything).
    clauses: every part; those with `server` set are done by Graph.
    """

    text: str
    resource_key: str
    clauses: tuple[Clause, ...]

    @property
    def server_filter(self) -> str | None:
        parts = [clause.server for clause in self.clauses if clause.server]
        return " and ".join(parts) if parts else None

    @property
    def server_clauses(self) -> tuple[Clause, ...]:
        return tuple(c for c in self.clauses if c.server)

    @property
    def local_clauses(self) -> tuple[Clause, ...]:
        return tuple(c for c in self.clauses if not c.server)

    @property
    def is_empty(self) -> bool:
        return not self.clauses

    def matches(self, row: Row) -> bool:
        """Whether a row Graph returned for `server_filter` passes the local checks."""
        return all(clause.check(row) for clause in self.local_clauses)

    def matches_all(self, row: Row) -> bool:
        """Whether a row passes every part, the server-side ones included (for filtering rows
        already loaded without asking Graph again)."""
        return all(clause.check(row) for clause in self.clauses)

    @property
    def words(self) -> tuple[str, ...]:
        """The free-text words (lower-case), each to be found in `row.search_text`."""
        return tuple(clause.word for clause in self.clauses if clause.word is not None)

    def row_filter(self, *, include_server: bool) -> RowFilter:
        """The query split for a table filter: the same rows as `matches_all` (include_server)
        or `matches` (local clauses only)."""
        clauses = self.clauses if include_server else self.local_clauses
        words = tuple(clause.word for clause in clauses if clause.word is not None)
        tests = tuple(clause.column_test for clause in clauses if clause.column_test is not None)
        checks = [clause.check for clause in clauses
                  if clause.word is None and clause.column_test is None]
        return RowFilter(compile_checks(checks), words, tests)

    @property
    def description(self) -> str:
        """'Graph: OS is iOS, synced within 7d · Here: serial contains "C02X"'."""
        on_graph = ", ".join(c.description for c in self.server_clauses)
        here = ", ".join(c.description for c in self.local_clauses)
        if on_graph and here:
            return f"Graph: {on_graph} · Here: {here}"
        if on_graph:
            return f"Graph: {on_graph}"
        if here:
            return f"Here (all rows are loaded, then filtered): {here}"
        return "Everything"


# key, operator, value (quoted or bare) | quoted phrase | bare word
_TOKEN = re.compile(
    r"""\s*(?:
        (?P<key>[A-Za-z][A-Za-z-]*)(?P<op>:|=|<|>)(?:"(?P<qvalue>[^"]*)"|(?P<value>[^\s"]*))
      | "(?P<phrase>[^"]*)"
      | (?P<word>[^\s"]+)
    )""",
    re.VERBOSE,
)
_DURATION = re.compile(r"^(?P<n>\d+)\s*(?P<unit>m|min|h|d|w|y)$", re.IGNORECASE)
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_FULL_UPN = re.compile(r"^[^@\s]+@[^@\s]+\.[A-Za-z]{2,}$")
_UNITS = {"m": timedelta(minutes=1), "min": timedelta(minutes=1), "h": timedelta(hours=1),
          "d": timedelta(days=1), "w": timedelta(weeks=1), "y": timedelta(days=365)}


@dataclass(frozen=True)
class _Term:
    key: str | None
    op: str
    value: str
    position: int


def parse_query(
    text: str,
    resource: Resource | str = "devices",
    *,
    now: datetime | None = None,
) -> SearchQuery | QueryError:
    """Parse the search box text for `resource`. Returns a SearchQuery or a QueryError."""
    target = RESOURCES.get(resource) if isinstance(resource, str) else resource
    if target is None:
        return QueryError(f"Nothing to search: unknown list {resource!r}.")
    moment = now or datetime.now(UTC)
    terms = _tokenize(text)
    if isinstance(terms, QueryError):
        return terms
    clauses: list[Clause] = []
    words = [t for t in terms if t.key is None]
    fields = [t for t in terms if t.key is not None]
    grouped: dict[tuple[str, str], list[_Term]] = {}
    for term in fields:
        assert term.key is not None
        grouped.setdefault((term.key, term.op), []).append(term)
    for (key, op), group in grouped.items():
        built = _field_clauses(FIELDS[key], op, group, target, moment)
        if isinstance(built, QueryError):
            return built
        clauses.extend(built)
    for term in words:
        clauses.append(_free_text_clause(term.value))
    return SearchQuery(text=text, resource_key=target.key, clauses=tuple(clauses))


def _tokenize(text: str) -> list[_Term] | QueryError:
    if text.count('"') % 2 == 1:
        quote_at = text.rindex('"')
        return QueryError(f"The quote at position {quote_at + 1} is never closed.", quote_at)
    terms: list[_Term] = []
    position = 0
    stripped_end = len(text.rstrip())
    while position < stripped_end:
        match = _TOKEN.match(text, position)
        if match is None or match.end() == position:
            return QueryError(f"Cannot read the query at position {position + 1}.", position)
        start = match.start() + (len(match.group(0)) - len(match.group(0).lstrip()))
        position = match.end()
        if match.group("key") is not None:
            term = _field_term(match, start)
            if isinstance(term, QueryError):
                return term
            terms.append(term)
        elif match.group("phrase") is not None:
            phrase = match.group("phrase").strip()
            if phrase:
                terms.append(_Term(None, ":", phrase, start))
        else:
            terms.append(_Term(None, ":", match.group("word"), start))
    return terms


def _field_term(match: re.Match[str], start: int) -> _Term | QueryError:
    raw_key = match.group("key").lower()
    key = _FIELD_ALIASES.get(raw_key, raw_key)
    op = match.group("op")
    value = match.group("qvalue") if match.group("qvalue") is not None else match.group("value")
    if key not in FIELDS:
        known = ", ".join(sorted(FIELDS))
        return QueryError(f"Unknown search field '{raw_key}{op}'. Known fields: {known}.", start)
    field = FIELDS[key]
    value = (value or "").strip()
    if not value:
        return QueryError(f"'{raw_key}{op}' needs a value, for example {field.example}.", start)
    if field.kind is FieldKind.TIME and op not in "<>":
        return QueryError(
            f"Use {key}<7d (within 7 days) or {key}>30d (more than 30 days ago), "
            f"not {raw_key}{op}.", start)
    if field.kind is not FieldKind.TIME and op in "<>":
        return QueryError(f"'{raw_key}' cannot be compared with {op}; use {field.example}.",
                          start)
    return _Term(key, op, value, start)


def _property_for(field: QueryField, resource: Resource) -> str | None:
    # Only properties the rows carry: every part must be checkable here too (`matches_all`).
    known = {c.key for c in resource.columns} | set(resource.select)
    return next((prop for prop in field.properties if prop in known), None)


def _field_clauses(
    field: QueryField, op: str, terms: list[_Term], resource: Resource, now: datetime
) -> list[Clause] | QueryError:
    prop = _property_for(field, resource)
    if prop is None:
        return QueryError(f"'{field.key}:' cannot be used on {resource.title}.",
                          terms[0].position)
    if field.kind is FieldKind.ENUM:
        return _enum_clause(field, prop, terms, resource, now)
    if field.kind is FieldKind.TIME:
        clauses = []
        for term in terms:
            clause = _time_clause(field, prop, term, resource, now)
            if isinstance(clause, QueryError):
                return clause
            clauses.append(clause)
        return clauses
    return [_text_clause(field, prop, term, resource) for term in terms]


def _shown_column(
    resource: Resource, prop: str, kinds: tuple[Kind, ...]
) -> tuple[int, Column] | None:
    """The column (index, column) that shows `prop` itself with one of `kinds`, if any."""
    for index, column in enumerate(resource.columns):
        if column.key == prop and column.get is None and column.kind in kinds:
            return index, column
    return None


def _column_clause(description: str, test: ColumnTest, server: str | None) -> Clause:
    return Clause(description, test.matches, server, column_test=test)


def _enum_clause(
    field: QueryField, prop: str, terms: list[_Term], resource: Resource, now: datetime
) -> list[Clause] | QueryError:
    assert field.values is not None
    wanted: list[str] = []
    for term in terms:
        for word in (w.strip().lower() for w in term.value.split(",")):
            if not word:
                continue
            values = field.values.get(word)
            if values is None:
                allowed = ", ".join(sorted(field.values))
                return QueryError(f"'{word}' is not a {field.label} value. Use one of: {allowed}.",
                                  term.position)
            wanted.extend(v for v in values if v not in wanted)
    operators = resource.operators(prop)
    server = None
    if "eq" in operators and (len(wanted) == 1 or "or" in operators):
        expressions = [f"{prop} eq {quote(v)}" for v in wanted]
        server = expressions[0] if len(expressions) == 1 else "(" + " or ".join(expressions) + ")"
    description = f"{field.label} is {' or '.join(wanted)}"
    shown = _shown_column(resource, prop, (Kind.TEXT, Kind.ENUM))
    if shown is not None:
        index, column = shown
        keys = frozenset(column.render({prop: value}, now).sort for value in wanted) - {None}
        return [_column_clause(description, ColumnTest(index, "in", keys), server)]
    folded = frozenset(v.casefold() for v in wanted)

    def check(row: Row) -> bool:
        value = row.item.get(prop)
        return isinstance(value, str) and value.casefold() in folded

    return [Clause(description, check, server)]


def _text_clause(field: QueryField, prop: str, term: _Term, resource: Resource) -> Clause:
    value = term.value
    folded = value.casefold()
    operators = resource.operators(prop)
    exact = term.op == "="
    if not exact and field.key == "user" and _FULL_UPN.match(value):
        exact = True  # a complete sign-in name: ask Graph for that user, not a substring
    shown = _shown_column(resource, prop, (Kind.TEXT,))
    if exact:
        server = f"{prop} eq {quote(value)}" if "eq" in operators else None
        description = f'{field.label} is "{value}"'
        if shown is not None:
            return _column_clause(description, ColumnTest(shown[0], "in", frozenset((folded,))),
                                  server)

        def check(row: Row) -> bool:
            item_value = row.item.get(prop)
            return isinstance(item_value, str) and item_value.casefold() == folded

        return Clause(description, check, server)

    server = f"contains({prop},{quote(value)})" if "contains" in operators else None
    description = f'{field.label} contains "{value}"'
    if shown is not None:
        return _column_clause(description, ColumnTest(shown[0], "contains", folded), server)

    def contains(row: Row) -> bool:
        item_value = row.item.get(prop)
        return isinstance(item_value, str) and folded in item_value.casefold()

    return Clause(description, contains, server)


def _time_clause(
    field: QueryField, prop: str, term: _Term, resource: Resource, now: datetime
) -> Clause | QueryError:
    value = term.value
    duration = _DURATION.match(value)
    if duration is not None:
        span = _UNITS[duration["unit"].lower()] * int(duration["n"])
        cutoff = now - span
        # synced<7d: the last sync is less than 7 days ago, i.e. after the cutoff.
        after = term.op == "<"
        words = f"within {value}" if after else f"more than {value} ago"
    elif _DATE.match(value):
        parsed = parse_datetime(value)
        if parsed is None:
            return QueryError(f"'{value}' is not a valid date.", term.position)
        cutoff = parsed
        after = term.op == ">"
        words = f"{'after' if after else 'before'} {value}"
    else:
        return QueryError(
            f"'{field.key}{term.op}{value}' needs a time like 7d, 12h, 2w or a date like "
            f"2026-11-01.", term.position)

    operator = "gt" if after else "lt"
    literal = cutoff.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    server = f"{prop} {operator} {literal}" if operator in resource.operators(prop) else None
    description = f"{field.label} {words}"
    shown = _shown_column(resource, prop, (Kind.AGE, Kind.DATE, Kind.EXPIRY))
    if shown is not None:
        test = ColumnTest(shown[0], "after" if after else "before", cutoff)
        return _column_clause(description, test, server)

    def check(row: Row) -> bool:
        when = parse_datetime(row.item.get(prop))
        if when is None:
            return False
        return when > cutoff if after else when < cutoff

    return Clause(description, check, server)


def _free_text_clause(word: str) -> Clause:
    lowered = word.lower()

    def check(row: Row) -> bool:
        return lowered in row.search_text

    return Clause(f'text "{word}"', check, None, word=lowered)


def compile_checks(checks: list[Check]) -> Check | None:
    """One predicate for all of `checks` (None when there are none), without the per-row
    generator and `all()` call of a loop over them: at 100,000 rows that overhead is most of
    the cost of a keystroke's filter."""
    if not checks:
        return None
    if len(checks) == 1:
        return checks[0]
    if len(checks) == 2:
        first, second = checks

        def both(row: Row) -> bool:
            return first(row) and second(row)

        return both
    head, rest = checks[0], compile_checks(checks[1:])
    assert rest is not None

    def every(row: Row) -> bool:
        return head(row) and rest(row)

    return every

"""The fake Graph's own OData query parser and evaluator.

It parses `$filter` into a small tree, checks it against a collection's `FilterRule` (Graph
answers 400 for operators a property does not support), and compiles it into a predicate that
reads values through a getter, so the device store can be filtered without building dicts.
String comparisons are case-insensitive, as Graph's are.
"""

from __future__ import annotations

import operator
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from intune_tui.demo.rules import (
    CONTAINS,
    ENDSWITH,
    EQ,
    GE,
    GT,
    LE,
    LT,
    NE,
    OR_SAME_PROPERTY,
    STARTSWITH,
    FilterRule,
)

Getter = Callable[[Any, str], Any]
Predicate = Callable[[Any], bool]


class ODataError(ValueError):
    """A query Graph would refuse with 400 BadRequest; the message is Graph-like."""


# --- the tree ------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Literal:
    kind: str  # "string", "number", "bool", "null", "datetime", "guid"
    value: Any
    text: str


@dataclass(frozen=True)
class Compare:
    prop: str
    op: str
    literal: Literal


@dataclass(frozen=True)
class Function:
    name: str  # contains, startswith, endswith
    prop: str
    literal: Literal


@dataclass(frozen=True)
class IsOf:
    type_name: str


@dataclass(frozen=True)
class And:
    items: tuple[Node, ...]


@dataclass(frozen=True)
class Or:
    items: tuple[Node, ...]


@dataclass(frozen=True)
class Not:
    item: Node


Node = Compare | Function | IsOf | And | Or | Not

COMPARISON_OPERATORS = frozenset({EQ, NE, LT, GT, LE, GE})
STRING_FUNCTIONS = frozenset({CONTAINS, STARTSWITH, ENDSWITH})

# --- lexer ---------------------------------------------------------------------------------------
_TOKEN = re.compile(
    r"""
    (?P<ws>\s+)
  | (?P<datetime>\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:\d{2}))
  | (?P<guid>[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12})
  | (?P<string>(?:[A-Za-z_][\w.]*)?'(?:[^']|'')*')
  | (?P<number>-?\d+(?:\.\d+)?)
  | (?P<punct>[(),])
  | (?P<name>[A-Za-z_][\w.]*(?:/[A-Za-z_][\w.]*)*)
    """,
    re.VERBOSE,
)


@dataclass(frozen=True)
class _Token:
    kind: str
    text: str


def _tokenize(text: str) -> list[_Token]:
    tokens: list[_Token] = []
    position = 0
    while position < len(text):
        match = _TOKEN.match(text, position)
        if match is None:
            raise ODataError(
                f"Invalid filter clause: syntax error at position {position} in '{text}'."
            )
        kind = match.lastgroup or ""
        if kind != "ws":
            tokens.append(_Token(kind, match.group()))
        position = match.end()
    return tokens


def _literal_from(token: _Token) -> Literal | None:
    text = token.text
    if token.kind == "string":
        quote = text.index("'")
        return Literal("string", text[quote + 1 : -1].replace("''", "'"), text)
    if token.kind == "number":
        return Literal("number", float(text) if "." in text else int(text), text)
    if token.kind == "datetime":
        return Literal("datetime", parse_datetime(text), text)
    if token.kind == "guid":
        return Literal("guid", text.lower(), text)
    if token.kind == "name":
        lowered = text.lower()
        if lowered in ("true", "false"):
            return Literal("bool", lowered == "true", text)
        if lowered == "null":
            return Literal("null", None, text)
    return None


def parse_datetime(text: str) -> datetime:
    """An OData DateTimeOffset (Python 3.11 reads 'Z' and 7-digit fractions are trimmed)."""
    cleaned = re.sub(r"(\.\d{6})\d+", r"\1", text)
    return datetime.fromisoformat(cleaned)


# --- parser --------------------------------------------------------------------------------------
class _Parser:
    def __init__(self, text: str) -> None:
        self.text = text
        self.tokens = _tokenize(text)
        self.index = 0

    def parse(self) -> Node:
        if not self.tokens:
            raise ODataError("Invalid filter clause: the $filter expression is empty.")
        node = self._or()
        if self.index != len(self.tokens):
            self._fail(f"unexpected '{self.tokens[self.index].text}'")
        return node

    def _fail(self, what: str) -> None:
        raise ODataError(f"Invalid filter clause: {what} in '{self.text}'.")

    def _peek(self) -> _Token | None:
        return self.tokens[self.index] if self.index < len(self.tokens) else None

    def _take(self) -> _Token:
        token = self._peek()
        if token is None:
            self._fail("unexpected end of expression")
        assert token is not None
        self.index += 1
        return token

    def _keyword(self, word: str) -> bool:
        token = self._peek()
        if token is not None and token.kind == "name" and token.text == word:
            self.index += 1
            return True
        return False

    def _expect(self, text: str) -> None:
        token = self._take()
        if token.text != text:
            self._fail(f"expected '{text}' but found '{token.text}'")

    def _or(self) -> Node:
        items = [self._and()]
        while self._keyword("or"):
            items.append(self._and())
        return items[0] if len(items) == 1 else Or(tuple(items))

    def _and(self) -> Node:
        items = [self._unary()]
        while self._keyword("and"):
            items.append(self._unary())
        return items[0] if len(items) == 1 else And(tuple(items))

    def _unary(self) -> Node:
        if self._keyword("not"):
            return Not(self._unary())
        return self._primary()

    def _primary(self) -> Node:
        token = self._peek()
        if token is None:
            self._fail("unexpected end of expression")
        assert token is not None
        if token.text == "(":
            self.index += 1
            node = self._or()
            self._expect(")")
            return node
        following = self.tokens[self.index + 1] if self.index + 1 < len(self.tokens) else None
        if token.kind == "name" and following is not None and following.text == "(":
            return self._function()
        return self._comparison()

    def _function(self) -> Node:
        name = self._take().text
        self._expect("(")
        lowered = name.lower()
        if lowered == "isof":
            literal = self._literal()
            if literal.kind != "string":
                self._fail("isof expects a quoted type name")
            self._expect(")")
            return IsOf(str(literal.value))
        if lowered not in STRING_FUNCTIONS:
            self._fail(f"unknown function '{name}'")
        prop = self._property()
        self._expect(",")
        literal = self._literal()
        self._expect(")")
        return Function(lowered, prop, literal)

    def _comparison(self) -> Node:
        left = self._take()
        if _literal_from(left) is not None or left.kind != "name":
            self._fail(f"the left side of a comparison must be a property, not '{left.text}'")
        operator = self._take()
        if operator.kind != "name" or operator.text not in COMPARISON_OPERATORS:
            self._fail(f"unknown or unsupported operator '{operator.text}'")
        return Compare(left.text, operator.text, self._literal())

    def _property(self) -> str:
        token = self._take()
        if token.kind != "name" or _literal_from(token) is not None:
            self._fail(f"expected a property name but found '{token.text}'")
        return token.text

    def _literal(self) -> Literal:
        token = self._take()
        literal = _literal_from(token)
        if literal is None:
            self._fail(f"expected a value but found '{token.text}'")
        assert literal is not None
        return literal


def parse_filter(text: str) -> Node:
    """Parse a `$filter` expression; raises ODataError on a syntax error."""
    return _Parser(text).parse()


# --- validation against Graph's rules ------------------------------------------------------------
def filtered_properties(node: Node) -> set[str]:
    """Every property a filter tree tests."""
    if isinstance(node, Compare | Function):
        return {node.prop}
    if isinstance(node, IsOf):
        return set()
    if isinstance(node, Not):
        return filtered_properties(node.item)
    found: set[str] = set()
    for item in node.items:
        found |= filtered_properties(item)
    return found


def validate_filter(node: Node, rule: FilterRule, *, resource: str) -> None:
    """Raise ODataError for anything Graph would refuse on this collection."""
    conjuncts = node.items if isinstance(node, And) else (node,)
    for clause in conjuncts:
        _validate_clause(clause, rule, resource)


def _validate_clause(node: Node, rule: FilterRule, resource: str) -> None:
    if isinstance(node, And):
        for item in node.items:
            _validate_clause(item, rule, resource)
    elif isinstance(node, Or):
        if not rule.or_across_properties:
            _validate_same_property_or(node, rule, resource)
        for item in node.items:
            _validate_clause(item, rule, resource)
    elif isinstance(node, Not):
        if not rule.allow_not:
            raise ODataError(f"Invalid filter clause: 'not' is not supported on {resource}.")
        _validate_clause(node.item, rule, resource)
    elif isinstance(node, IsOf):
        if not rule.allow_isof:
            raise ODataError(f"Invalid filter clause: isof is not supported on {resource}.")
    elif isinstance(node, Compare):
        _validate_operator(node.prop, node.op, rule, resource)
        _validate_literal(node.prop, node.literal, rule, node.op)
    else:
        _validate_operator(node.prop, node.name, rule, resource)
        _validate_literal(node.prop, node.literal, rule, node.name)


def _validate_same_property_or(node: Or, rule: FilterRule, resource: str) -> None:
    leaves = _or_leaves(node)
    props = {leaf.prop for leaf in leaves if isinstance(leaf, Compare)}
    if len(leaves) != sum(isinstance(leaf, Compare) for leaf in leaves) or len(props) != 1:
        raise ODataError(
            f"Invalid filter clause: 'or' may only combine conditions on the same property "
            f"on {resource}; combine different properties with 'and'."
        )
    prop = props.pop()
    if OR_SAME_PROPERTY not in rule.operators.get(prop, frozenset()):
        raise ODataError(f"Invalid filter clause: 'or' is not supported for '{prop}'.")
    if any(isinstance(leaf, Compare) and leaf.op != EQ for leaf in leaves):
        raise ODataError(f"Invalid filter clause: only 'eq' may be combined with 'or' on '{prop}'.")


def _or_leaves(node: Node) -> list[Node]:
    if isinstance(node, Or):
        return [leaf for item in node.items for leaf in _or_leaves(item)]
    return [node]


def _validate_operator(prop: str, op: str, rule: FilterRule, resource: str) -> None:
    allowed = rule.operators.get(prop)
    if allowed is None:
        raise ODataError(
            f"Invalid filter clause: filtering on property '{prop}' is not supported on {resource}."
        )
    if op not in allowed:
        raise ODataError(
            f"Invalid filter clause: operator '{op}' is not supported for property '{prop}'."
        )


_LITERAL_KINDS_FOR = {
    "string": frozenset({"string", "guid", "null"}),
    "enum": frozenset({"string", "null"}),
    "datetime": frozenset({"datetime"}),
    "bool": frozenset({"bool", "null"}),
    "number": frozenset({"number", "null"}),
}


def _validate_literal(prop: str, literal: Literal, rule: FilterRule, op: str) -> None:
    kind = rule.kinds.get(prop, "string")
    if literal.kind not in _LITERAL_KINDS_FOR[kind]:
        raise ODataError(
            f"Invalid filter clause: a binary operator with incompatible types was detected. "
            f"Found operand types '{kind}' and '{literal.kind}' for operator kind '{op}' "
            f"on '{prop}'."
        )
    if kind == "enum" and literal.kind == "string":
        members = {member.lower() for member in rule.enums.get(prop, ())}
        if members and str(literal.value).lower() not in members:
            raise ODataError(
                f"Invalid filter clause: the string '{literal.value}' is not a valid "
                f"enumeration type constant for '{prop}'."
            )


# --- evaluation ----------------------------------------------------------------------------------
def compile_filter(node: Node, getter: Getter, type_getter: Getter | None = None) -> Predicate:
    """A predicate over records; `getter(record, prop)` reads a property value."""
    # The fake evaluates a filter on every record of a 100,000-device tenant: no generator per
    # record for the common two-clause case.
    if isinstance(node, And):
        return _joined([compile_filter(item, getter, type_getter) for item in node.items],
                       every=True)
    if isinstance(node, Or):
        same = _same_property_text_eq(node)
        if same is not None:  # `serialNumber eq 'a' or serialNumber eq 'b' ...`: one read
            prop, wanted = same

            def any_of(record: Any) -> bool:
                value = getter(record, prop)
                return value is not None and str(value).lower() in wanted

            return any_of
        return _joined([compile_filter(item, getter, type_getter) for item in node.items],
                       every=False)
    if isinstance(node, Not):
        inner = compile_filter(node.item, getter, type_getter)
        return lambda record: not inner(record)
    if isinstance(node, IsOf):
        return _compile_isof(node, getter, type_getter)
    if isinstance(node, Function):
        return _compile_function(node, getter)
    return _compile_compare(node, getter)


def _joined(parts: list[Predicate], *, every: bool) -> Predicate:
    """`and` (every) or `or` of compiled clauses; two clauses without a generator per record."""
    if len(parts) == 2:
        first, second = parts
        if every:
            return lambda record: first(record) and second(record)
        return lambda record: first(record) or second(record)
    if every:
        return lambda record: all(part(record) for part in parts)
    return lambda record: any(part(record) for part in parts)


def _same_property_text_eq(node: Or) -> tuple[str, frozenset[str]] | None:
    """(property, lower-cased values) when every clause is `prop eq '<text>'` on one property."""
    props = set()
    values = set()
    for item in node.items:
        if not (isinstance(item, Compare) and item.op == EQ
                and item.literal.kind in ("string", "guid")):
            return None
        props.add(item.prop)
        values.add(str(item.literal.value).lower())
    return (props.pop(), frozenset(values)) if len(props) == 1 else None


def _compile_isof(node: IsOf, getter: Getter, type_getter: Getter | None) -> Predicate:
    wanted = "#" + node.type_name.lower().lstrip("#")
    read_type = type_getter or getter
    return lambda record: str(read_type(record, "@odata.type") or "").lower() == wanted


def _compile_function(node: Function, getter: Getter) -> Predicate:
    needle = str(node.literal.value or "").lower()
    prop = node.prop
    if node.name == CONTAINS:
        return lambda record: needle in str(getter(record, prop) or "").lower()
    if node.name == STARTSWITH:
        return lambda record: str(getter(record, prop) or "").lower().startswith(needle)
    return lambda record: str(getter(record, prop) or "").lower().endswith(needle)


def _compile_compare(node: Compare, getter: Getter) -> Predicate:
    prop, op, literal = node.prop, node.op, node.literal
    if literal.kind == "null":
        if op == EQ:
            return lambda record: getter(record, prop) is None
        if op == NE:
            return lambda record: getter(record, prop) is not None
        return lambda record: False
    if literal.kind == "datetime":
        wanted_time: datetime = literal.value
        return _ordered(op, lambda record: _as_datetime(getter(record, prop)), wanted_time)
    if literal.kind in ("string", "guid"):
        wanted_text = str(literal.value).lower()

        def read_text(record: Any) -> str | None:
            value = getter(record, prop)
            return None if value is None else str(value).lower()

        return _ordered(op, read_text, wanted_text)
    wanted_value = literal.value
    return _ordered(op, lambda record: getter(record, prop), wanted_value)


_ORDER_TESTS: dict[str, Callable[[Any, Any], Any]] = {
    LT: operator.lt, GT: operator.gt, LE: operator.le, GE: operator.ge,
}


def _ordered(op: str, read: Callable[[Any], Any], wanted: Any) -> Predicate:
    if op == EQ:
        return lambda record: read(record) == wanted
    if op == NE:
        return lambda record: read(record) != wanted
    test = _ORDER_TESTS[op]

    def compare(record: Any) -> bool:
        value = read(record)
        if value is None:
            return False
        try:
            return bool(test(value, wanted))
        except TypeError:
            return False

    return compare


def _as_datetime(value: Any) -> datetime | None:
    if value is None or isinstance(value, datetime):
        return value
    try:
        return parse_datetime(str(value))
    except ValueError:
        return None


# --- $select, $orderby, $top, $expand ------------------------------------------------------------
def parse_select(text: str) -> tuple[str, ...]:
    names = tuple(part.strip() for part in text.split(","))
    if not text.strip() or any(not name for name in names):
        raise ODataError("Invalid $select: property names must be separated by single commas.")
    for name in names:
        if name != "*" and not re.fullmatch(r"[A-Za-z_@][\w.@]*(?:/[A-Za-z_][\w.]*)?", name):
            raise ODataError(f"Invalid $select: '{name}' is not a property name.")
    return names


@dataclass(frozen=True)
class OrderKey:
    prop: str
    descending: bool


def parse_orderby(text: str) -> tuple[OrderKey, ...]:
    keys: list[OrderKey] = []
    for part in text.split(","):
        words = part.split()
        if not words or len(words) > 2:
            raise ODataError(f"Invalid $orderby: '{part.strip()}'.")
        direction = words[1].lower() if len(words) == 2 else "asc"
        if direction not in ("asc", "desc"):
            raise ODataError(f"Invalid $orderby direction '{words[1]}'.")
        keys.append(OrderKey(words[0], direction == "desc"))
    return tuple(keys)


def parse_top(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise ODataError(f"Invalid value '{text}' for $top query option found.") from None
    if value < 1:
        raise ODataError(f"Invalid value '{text}' for $top query option found.")
    return value


def parse_count(text: str) -> bool:
    lowered = text.lower()
    if lowered not in ("true", "false"):
        raise ODataError(f"'{text}' is not a valid count option.")
    return lowered == "true"


def parse_expand(text: str) -> tuple[str, ...]:
    names = tuple(part.strip() for part in text.split(","))
    if any(not name or "(" in name for name in names):
        raise ODataError(f"Invalid $expand: '{text}'.")
    return names


def sort_records(
    records: Sequence[Any], keys: Sequence[OrderKey], getter: Getter
) -> list[Any]:
    """Stable multi-key sort; nulls sort first ascending, last descending (as OData says)."""
    ordered = list(records)
    for key in reversed(keys):
        ordered.sort(key=_sort_key(getter, key.prop), reverse=key.descending)
    return ordered


def _sort_key(getter: Getter, prop: str) -> Callable[[Any], tuple[int, Any]]:
    return lambda record: _sort_value(getter(record, prop))


def _sort_value(value: Any) -> tuple[int, Any]:
    if value is None:
        return (0, "")
    if isinstance(value, str):
        return (1, value.lower())
    if isinstance(value, bool):
        return (1, int(value))
    return (1, value)

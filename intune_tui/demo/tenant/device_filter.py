"""`$filter` on managedDevices evaluated on the device store's columns, a column at a time.

Gives the same devices as `odata.compile_filter` over `DeviceStore.comparable` (tests/demo
compare the two), without reading a property per device through a getter: a timestamp range is
one comparison per int age, an enum test is made once per distinct value. Clauses on other
properties return None and the fake tests each device as before.
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Hashable, Sequence
from datetime import datetime
from functools import reduce
from itertools import compress
from typing import TYPE_CHECKING, Any

from intune_tui.demo import odata
from intune_tui.demo.rules import CONTAINS, EQ, GE, GT, LE, LT, NE, STARTSWITH

if TYPE_CHECKING:
    from intune_tui.demo.tenant.devices import DeviceStore

Mask = Any  # list[bool], or a numpy bool array for a tenant drawn in bulk
TextTest = Callable[[str | None], bool]

# Columns a text test reads as they are stored.
_TEXT_COLUMNS = {
    "operatingSystem": "os", "osVersion": "os_version", "managedDeviceOwnerType": "owner",
    "ownerType": "owner", "complianceState": "compliance", "deviceEnrollmentType": "enrollment",
    "managementAgent": "agent", "jailBroken": "jailbroken",
    "deviceCategoryDisplayName": "category",
}
_AGE_COLUMNS = {"lastSyncDateTime": "sync_age", "enrolledDateTime": "enroll_age"}
_USER_TEXT = {"userPrincipalName": "upn", "emailAddress": "upn", "userDisplayName": "name"}


def filter_indices(store: DeviceStore, node: odata.Node) -> Sequence[int] | None:
    """The live devices `node` matches, in order; None when a clause is not one done here."""
    mask = _mask(store, node)
    if mask is None:
        return None
    if isinstance(mask, list):
        chosen = list(compress(range(len(store)), mask))
    else:
        chosen = _bulk().flatnonzero(mask).tolist()
    if store.deleted:
        deleted = store.deleted
        chosen = [index for index in chosen if index not in deleted]
    return chosen


def _mask(store: DeviceStore, node: odata.Node) -> Mask | None:
    if isinstance(node, odata.And | odata.Or):
        masks = [_mask(store, item) for item in node.items]
        if any(mask is None for mask in masks):
            return None
        return _join([mask for mask in masks if mask is not None],
                     isinstance(node, odata.And))
    if isinstance(node, odata.Not):
        inner = _mask(store, node.item)
        if inner is None:
            return None
        return [not value for value in inner] if isinstance(inner, list) else ~inner
    if isinstance(node, odata.Compare):
        if node.prop in _AGE_COLUMNS:
            return _age_mask(store, node)
        test = _text_compare(node)
    elif isinstance(node, odata.Function):
        test = _text_function(node)
    else:
        return None
    return None if test is None else _text_mask(store, node.prop, test)


def _age_mask(store: DeviceStore, node: odata.Compare) -> Mask | None:
    """`now - age <op> literal` is `age <op'> now - literal`: one float against int ages."""
    wanted = node.literal.value
    if node.literal.kind != "datetime" or not isinstance(wanted, datetime) or \
            wanted.tzinfo is None:
        return None
    bound = (store.now - wanted).total_seconds()
    ages: Sequence[int] = getattr(store, _AGE_COLUMNS[node.prop])
    if store.bulk:  # a large tenant: numpy is loaded; one comparison over a view of the ints
        return _bulk_age_mask(ages, node.op, bound)
    # value < wanted <=> age > bound <=> bound < age, and so on.
    test = {LT: bound.__lt__, GT: bound.__gt__, LE: bound.__le__, GE: bound.__ge__,
            EQ: bound.__eq__, NE: bound.__ne__}.get(node.op)
    return None if test is None else list(map(test, ages))


def _text_compare(node: odata.Compare) -> TextTest | None:
    """odata._compile_compare's test on a string property, for eq and ne."""
    literal = node.literal
    if literal.kind == "null" and node.op in (EQ, NE):
        return (lambda value: value is None) if node.op == EQ else (
            lambda value: value is not None)
    if literal.kind not in ("string", "guid") or node.op not in (EQ, NE):
        return None
    wanted = str(literal.value).lower()
    if node.op == EQ:
        return lambda value: value is not None and value.lower() == wanted
    return lambda value: value is None or value.lower() != wanted


def _text_function(node: odata.Function) -> TextTest:
    needle = str(node.literal.value or "").lower()
    if node.name == CONTAINS:
        return lambda value: needle in (value or "").lower()
    if node.name == STARTSWITH:
        return lambda value: (value or "").lower().startswith(needle)
    return lambda value: (value or "").lower().endswith(needle)


def _text_mask(store: DeviceStore, prop: str, test: TextTest) -> Mask | None:
    attribute = _TEXT_COLUMNS.get(prop)
    if attribute is not None:
        return _by_value(getattr(store, attribute), lambda value: test(value))
    if prop in ("model", "manufacturer"):
        return _by_value(store.model, lambda model: test(getattr(model, prop)))
    if prop in _USER_TEXT:
        return _user_mask(store, _USER_TEXT[prop], test)
    if prop == "deviceName":
        return _acted(store, list(map(test, store.name)), store.device_name, test)
    if prop == "managementState":
        return _by_value_acted(store, store.management, store.management_state, test)
    return None


def _by_value(column: Sequence[Hashable], test: Callable[[Any], bool]) -> Mask:
    """The test once per distinct value of a column of few values (enums, models)."""
    results = {value: test(value) for value in set(column)}
    return list(map(results.__getitem__, column))


def _by_value_acted(store: DeviceStore, column: Sequence[str],
                    read: Callable[[int], str], test: TextTest) -> Mask:
    return _acted(store, _by_value(column, test), read, test)


def _acted(store: DeviceStore, mask: Mask, read: Callable[[int], str], test: TextTest) -> Mask:
    """Devices whose remote actions change the property are read one by one."""
    for index in store.actions:
        mask[index] = test(read(index))
    return mask


def _user_mask(store: DeviceStore, attribute: str, test: TextTest) -> Mask:
    users = store.users

    def user_text(user: int) -> str:
        if user < 0:
            return ""
        return users.upn[user] if attribute == "upn" else users.display_name(user)

    return _by_value(store.user, lambda user: test(user_text(user)))


def _join(masks: list[Mask], both: bool) -> Mask:
    """The masks and-ed (both) or or-ed, as lists, or as numpy arrays when one of them is."""
    if all(isinstance(mask, list) for mask in masks):
        join = operator.and_ if both else operator.or_
        return reduce(lambda left, right: list(map(join, left, right)), masks)
    numpy = _bulk()
    arrays = [numpy.asarray(mask, dtype=bool) for mask in masks]
    return reduce(numpy.logical_and if both else numpy.logical_or, arrays)


def _bulk_age_mask(ages: Sequence[int], op: str, bound: float) -> Mask:
    numpy = _bulk()
    values = numpy.frombuffer(ages, dtype=numpy.int32)
    tests = {LT: numpy.less, GT: numpy.greater, LE: numpy.less_equal,
             GE: numpy.greater_equal, EQ: numpy.equal, NE: numpy.not_equal}
    test = tests.get(op)
    return None if test is None else test(bound, values)


def _bulk() -> Any:
    import numpy  # loaded already: only tenants drawn in bulk get here

    return numpy

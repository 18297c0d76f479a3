"""A `$select`ed page of managedDevices as the fake's JSON bytes, a column at a time.

The bytes are json.dumps(render_page(...), ensure_ascii=False, separators=(",", ":")).encode()
(tests/demo compare them). Each column is a list of `,"key":value` pieces, the key written
into every piece, and the rows are one join over the columns zipped: no dict, no str a row.
On a tenant drawn in bulk (numpy is loaded) the ids and dates, the widest columns of the
app's list, are written as fixed-width byte rows by numpy; the other columns are encoded
once per distinct value where they have few (states, models), else value by value.
"""

from __future__ import annotations

from collections.abc import Sequence
from itertools import repeat
from json.encoder import encode_basestring
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from intune_tui.demo.tenant.devices import DeviceStore

Pieces = list[bytes]


def encode_page(store: DeviceStore, indices: Sequence[int], select: Sequence[str], *,
                beta: bool, head: bytes = b"", tail: bytes = b"") -> bytes:
    """The page's items as a JSON array in UTF-8, between head and tail: one join."""
    if not indices:
        return head + b"[]" + tail
    from intune_tui.demo.tenant.devices import page_column, page_keys

    numbers = _as_array(indices) if store.bulk else None
    columns: list[Pieces] = []
    pending = "{"  # constant text carried into the next column's pieces
    for key in page_keys(select, beta=beta):
        pending += encode_basestring(key) + ":"
        fast = _BULK_COLUMNS.get(key) if numbers is not None else None
        if fast is not None:
            columns.append(fast(store, numbers, pending.encode()))
        else:
            column = page_column(store, key, indices, beta=beta)
            if isinstance(column, repeat):  # the same value on every row: part of the text
                pending += _encoded(next(column)) + ","
                continue
            values = column if isinstance(column, list) else list(column)
            columns.append(_prefixed(values, pending.encode()) if key in _MANY_VALUES
                           else _few_values(values, pending.encode()))
        pending = ","
    count, width = len(indices), len(columns) + 1
    end = pending[:-1].encode() + b"}"
    # (the id is always a column.) Row by row: the columns' pieces, then the item's end and a comma.
    pieces: list[bytes] = [end + b","] * (count * width)
    for position, pieced in enumerate(columns):
        pieces[position::width] = pieced
    pieces[0] = head + b"[" + pieces[0]
    pieces[-1] = end + b"]" + tail
    return b"".join(pieces)


# Columns that seldom repeat a value: not worth a table of distinct values.
_MANY_VALUES = frozenset({"deviceName", "userPrincipalName", "emailAddress", "userDisplayName",
                          "notes", "serialNumber", "imei", "meid", "managedDeviceName"})


def _few_values(values: list[Any], prefix: bytes) -> Pieces:
    """prefix + each value's JSON, from a table of the distinct values where there are few
    (states, models; kept for the next page), else one by one."""
    table = _TABLES.get(prefix)
    if table is not None:
        try:
            return list(map(table.__getitem__, values))
        except KeyError:  # a value the table has not seen yet
            pass
    try:
        distinct = set(values)
    except TypeError:  # lists or dicts among them
        return _prefixed(values, prefix)
    if len(distinct) * 4 >= len(values):
        return _prefixed(values, prefix)
    kinds = {type(value) for value in distinct}
    if not (kinds <= {str, type(None)} or kinds == {bool}):  # not ints beside bools: 1 == True
        return _prefixed(values, prefix)
    table = {value: prefix + _encoded(value).encode() for value in distinct}
    if len(table) <= _TABLE_SIZE and len(_TABLES) < _TABLE_SIZE:
        # A key's values are of one type (a table of bools never sees an int).
        _TABLES[prefix] = {**_TABLES.get(prefix, {}), **table}
    return list(map(table.__getitem__, values))


# Encoded pieces by prefix (the key and what comes before it), for columns of few values.
_TABLES: dict[bytes, dict[Any, bytes]] = {}
_TABLE_SIZE = 256


def _prefixed(values: list[Any], prefix: bytes) -> Pieces:
    """prefix + each value's JSON."""
    try:
        encoded = list(map(encode_basestring, values))  # strings: json's own C encoder
    except TypeError:
        encoded = list(map(_encoded, values))
    # One encode for the column: JSON text never holds a raw NUL (it is escaped as \u0000).
    head = prefix.decode()
    return (head + ("\0" + head).join(encoded)).encode().split(b"\0")


def _encoded(value: Any) -> str:
    """json.dumps(value, ensure_ascii=False, separators=(",", ":"))."""
    from intune_tui.demo.tenant.devices import encoded_value

    return encoded_value(value)


# --- numpy columns (tenants drawn in bulk) --------------------------------------------------------
def _as_array(indices: Sequence[int]) -> Any:
    import numpy as np  # loaded already: only tenants drawn in bulk get here

    if isinstance(indices, range):
        return np.arange(indices.start, indices.stop, indices.step, dtype=np.int64)
    return np.asarray(indices, dtype=np.int64)


def _rows(matrix: Any) -> Pieces:
    """A uint8 matrix's rows as bytes."""
    # Fixed-width bytes items: numpy drops only trailing NULs, and a row ends with a quote.
    return matrix.view(f"S{matrix.shape[1]}").ravel().tolist()  # type: ignore[no-any-return]


def _framed(count: int, prefix: bytes, width: int) -> Any:
    """A matrix of `count` rows: prefix, a quoted value `width` wide (left to fill)."""
    import numpy as np

    matrix = np.empty((count, len(prefix) + width + 2), dtype=np.uint8)
    matrix[:, :len(prefix)] = np.frombuffer(prefix, dtype=np.uint8)
    matrix[:, len(prefix)] = matrix[:, -1] = ord('"')
    return matrix


def _guid_column(store: DeviceStore, seed: int, salt: int, numbers: Any,
                 prefix: bytes) -> Any:
    from intune_tui.demo.tenant.ids_bulk import guid_digits

    matrix = _framed(len(numbers), prefix, 36)
    matrix[:, len(prefix) + 1:-1] = guid_digits(seed, salt, numbers)
    return matrix


def _device_ids(store: DeviceStore, numbers: Any, prefix: bytes) -> Pieces:
    return _rows(_guid_column(store, store.seed, 1, numbers, prefix))


_NIL_GUID = b"00000000-0000-0000-0000-000000000000"
_USERLESS_ENROLLMENTS = frozenset({"appleBulkWithoutUser", "androidEnterpriseDedicatedDevice"})


def _azure_ad_device_ids(store: DeviceStore, numbers: Any, prefix: bytes) -> Pieces:
    rows = _rows(_guid_column(store, store.seed, 7, numbers, prefix))
    nil = prefix + b'"' + _NIL_GUID + b'"'
    enrollment, userless = store.enrollment, _USERLESS_ENROLLMENTS
    for position, index in enumerate(numbers.tolist()):
        if enrollment[index] in userless:
            rows[position] = nil
    return rows


def _user_ids(store: DeviceStore, numbers: Any, prefix: bytes) -> Pieces:
    import numpy as np

    owners = np.frombuffer(store.user, dtype=np.int32)[numbers]
    rows = _rows(_guid_column(store, store.users.seed, 2, np.maximum(owners, 0), prefix))
    userless = prefix + b'""'
    for position in np.flatnonzero(owners < 0).tolist():
        rows[position] = userless
    return rows


def _date_column(attribute: str) -> Any:
    def encode(store: DeviceStore, numbers: Any, prefix: bytes) -> Pieces:
        import numpy as np

        ages = np.frombuffer(getattr(store, attribute), dtype=np.int32)[numbers]
        days, seconds = np.divmod(store.seconds_text.epoch - ages.astype(np.int64), 86400)
        matrix = _framed(len(numbers), prefix, 20)
        start = len(prefix) + 1
        matrix[:, start:start + 11] = _day_texts(store, days)
        matrix[:, start + 11:start + 20] = _times()[seconds]
        return _rows(matrix)

    return encode


def _day_texts(store: DeviceStore, days: Any) -> Any:
    """`YYYY-MM-DDT` of each day (since 1970), from a table of the days the store's dates
    span, kept on the store and widened when a day falls outside it."""
    import numpy as np

    first, last = int(days.min()), int(days.max())
    known: tuple[int, Any] | None = store.__dict__.get("_day_texts")
    if known is not None and known[0] <= first and last < known[0] + len(known[1]):
        low, table = known
    else:
        if known is not None:
            first, last = min(first, known[0]), max(last, known[0] + len(known[1]) - 1)
        low = first - 366  # room for a listing that comes a little later
        table = iso_digits(np.arange(low, last + 367, dtype=np.int64) * 86400)[:, :11]
        store.__dict__["_day_texts"] = (low, table)
    return table[days - low]


_TIMES_OF_DAY: list[Any] = []


def _times() -> Any:
    """`HH:MM:SSZ` of each second of a day."""
    if not _TIMES_OF_DAY:
        import numpy as np

        _TIMES_OF_DAY.append(iso_digits(np.arange(86400, dtype=np.int64))[:, 11:])
    return _TIMES_OF_DAY[0]


def iso_digits(epoch_seconds: Any) -> Any:
    """ids.iso of each time (Unix seconds) as a uint8 matrix: YYYY-MM-DDTHH:MM:SSZ, years
    1000-9999 (the civil date from a day count: H. Hinnant, "chrono-compatible low-level date
    algorithms", days_from_civil's inverse)."""
    import numpy as np

    days, seconds = np.divmod(epoch_seconds, 86400)
    shifted = days + 719468
    era = shifted // 146097
    day_of_era = shifted - era * 146097
    year_of_era = (day_of_era - day_of_era // 1460 + day_of_era // 36524
                   - day_of_era // 146096) // 365
    day_of_year = day_of_era - (365 * year_of_era + year_of_era // 4 - year_of_era // 100)
    month_shifted = (5 * day_of_year + 2) // 153
    day = day_of_year - (153 * month_shifted + 2) // 5 + 1
    month = np.where(month_shifted < 10, month_shifted + 3, month_shifted - 9)
    year = year_of_era + era * 400 + (month <= 2)
    hour, rest = np.divmod(seconds, 3600)
    minute, second = np.divmod(rest, 60)
    text = np.empty((len(epoch_seconds), 20), dtype=np.uint8)
    text[:] = np.frombuffer(b"0000-00-00T00:00:00Z", dtype=np.uint8)
    for start, width, field in ((0, 4, year), (5, 2, month), (8, 2, day), (11, 2, hour),
                                (14, 2, minute), (17, 2, second)):
        for position in range(start + width - 1, start - 1, -1):
            field, digit = np.divmod(field, 10)
            text[:, position] += digit.astype(np.uint8)
    return text


def _serials(store: DeviceStore, numbers: Any, prefix: bytes) -> Pieces:
    """devices._serial of each device: its style's prefix and base-34 characters of its hash
    (a matrix a style), or digits of it (formatted one by one)."""
    import numpy as np

    from intune_tui.demo.tenant.devices import (
        SERIAL_CHARS_LONGEST,
        SERIAL_STYLES,
        serial_chars,
        serial_digits,
        serial_style_codes,
    )
    from intune_tui.demo.tenant.ids_bulk import base34_digits, hashes

    if len(store.serial_styles) == len(store):
        codes = np.frombuffer(store.serial_styles, dtype=np.uint8)[numbers]
    else:
        codes = np.asarray(serial_style_codes(store, numbers.tolist()), dtype=np.uint8)
    values = hashes(store.seed, 3, numbers)
    rows = np.empty(len(numbers), dtype=object)
    digits = None
    start = len(prefix) + 1
    for code in np.unique(codes).tolist():
        positions = np.flatnonzero(codes == code)
        style = SERIAL_STYLES[code]
        chars_style = serial_chars(style)
        if chars_style is not None:
            head, length = chars_style
            if digits is None:
                digits = base34_digits(values, SERIAL_CHARS_LONGEST)
            matrix = _framed(len(positions), prefix, len(head) + length)
            matrix[:, start:start + len(head)] = np.frombuffer(head.encode(), dtype=np.uint8)
            matrix[:, start + len(head):-1] = digits[positions, :length]
            made = _rows(matrix)
        else:
            form = serial_digits(style)
            made = [b"%s\"%s\"" % (prefix, form(value).encode())
                    for value in values[positions].tolist()]
        rows[positions] = made
    return rows.tolist()


_BULK_COLUMNS = {
    "serialNumber": _serials,
    "id": _device_ids,
    "azureADDeviceId": _azure_ad_device_ids,
    "azureActiveDirectoryDeviceId": _azure_ad_device_ids,
    "userId": _user_ids,
    "lastSyncDateTime": _date_column("sync_age"),
    "enrolledDateTime": _date_column("enroll_age"),
}

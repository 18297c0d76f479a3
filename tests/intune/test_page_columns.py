"""`page_columns`: a Graph list answer's bytes straight to table columns, against `to_row`.

What a user sees must not change: the rows the table rebuilds from the columns (cells, sort
keys, search text, marks, the item) are `Resource.to_row`'s for the same answer, sorting by any
column gives the same order, and answers the engine could read differently from `json.loads`
are refused (they take the row path)."""

from __future__ import annotations

import json
import random
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from intune_tui.intune import page_columns
from intune_tui.intune.resources import RESOURCES, Row
from intune_tui.table.columns import encode_page, wait_for_engine
from intune_tui.table.store import ColumnStore

DEVICES = RESOURCES["devices"]
NOW = datetime(2026, 12, 7, 8, 30, 15, 250_000, tzinfo=UTC)

# Values users and Graph really send, and hostile ones (cleaned before they are shown).
ODD_NAMES = [
    "LAPTOP-\x1b[31mRED\x1b[0m", "invoice\u202egnp.exe-PC", "Quentin’s iPhone", "  padded  ",
    "", "   ", "Straße-PC", "İSTANBUL-01", "ΟΔΟΣ-ΤΑΒΛΕΤ", "e\u0301cole-pc", "tab\there",
    "zero\u200bwidth", "👩‍💻 dev box", "line\nbreak", "ＦＵＬＬＷＩＤＴＨ",
    "MiXeD-Case", "\x07bell",
]
ODD_TIMES = [
    "0001-01-01T00:00:00Z", "2026-11-19T16:23:24.1234567Z", "2026-11-19T18:23:24+02:00",
    "2026-02-30T00:00:00Z", "not a date", "", "2026-12-07T08:30:00Z", "2026-12-08T09:00:00Z",
    "2019-01-01T00:00:00Z", "2026-11-07T08:30:15Z", "2026-11-07T08:30:16Z", "2026-12-07T08:29:16Z",
    "2026-12-07T07:30:15Z", "2024-12-07T08:30:15Z", "0000-01-01T00:00:00Z",
    "2026-12-07T08:30:60Z",
]
ODD_VERSIONS = ["10.0.22631.4460", "17.5.1", "14", "10.0.abc", "", "  ", "1-2-3",
                "1.0.0.0.0.0.0.0.7"]
STATES = ["compliant", "noncompliant", "inGracePeriod", "unknown", "conflict", "error",
          "somethingNew", ""]


def device(rng: random.Random, index: int, *, odd: bool) -> dict[str, Any]:
    """One managedDevice as Graph sends it for the list's $select (every property, in order)."""
    synced = NOW - timedelta(seconds=rng.randrange(0, 3 * 365 * 86400))
    name = rng.choice(ODD_NAMES) if odd else f"PC-{index:05d}-{rng.randrange(10**6)}"
    return {
        "@odata.type": "#microsoft.graph.managedDevice",
        "id": f"{rng.getrandbits(128):032x}"[:8] + f"-dev-{index}",
        "deviceName": name if rng.random() > 0.05 else None,
        "userPrincipalName": f"User.{index}@Contoso.example" if rng.random() > 0.1 else None,
        "operatingSystem": rng.choice(["Windows", "iOS", "Android", "macOS"]),
        "osVersion": rng.choice(ODD_VERSIONS) if odd else rng.choice(ODD_VERSIONS[:3]),
        "complianceState": rng.choice(STATES),
        "managementState": rng.choice(["managed", "retirePending", "wipeFailed", None]),
        "lastSyncDateTime": rng.choice(ODD_TIMES) if odd else
        synced.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "managedDeviceOwnerType": rng.choice(["company", "personal", "unknown", None]),
        "serialNumber": f"SN{rng.randrange(10**9)}" if rng.random() > 0.05 else "",
        "model": rng.choice(["Surface Pro 9", "iPhone 15", "Pixel 7a", "21HD0015US"]),
        "isSupervised": rng.choice([True, False, None]),
        "deviceEnrollmentType": rng.choice(["windowsAutoEnrollment", "appleBulkWithUser"]),
        "userDisplayName": f"User {index}",
        "manufacturer": rng.choice(["LENOVO", "Apple", "Google"]),
        "enrolledDateTime": (synced - timedelta(days=400)).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "azureADDeviceId": f"{rng.getrandbits(128):032x}",
        "userId": None if index % 7 == 0 else f"{rng.getrandbits(64):016x}",
    }


def answer(items: list[dict[str, Any]], *, count: int | None = 5000,
           next_link: str | None = "https://graph.microsoft.com/v1.0/next") -> bytes:
    """A list answer as Graph writes it: compact UTF-8 JSON."""
    body: dict[str, Any] = {"@odata.context": "https://graph.microsoft.com/v1.0/$metadata#x"}
    if count is not None:
        body["@odata.count"] = count
    if next_link is not None:
        body["@odata.nextLink"] = next_link
    body["value"] = items
    return json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode()


def page_of(rng: random.Random, size: int, odd_share: float) -> list[dict[str, Any]]:
    return [device(rng, index, odd=rng.random() < odd_share) for index in range(size)]


def rows_from_columns(body: bytes) -> list[Row]:
    read = page_columns.read_page(body)
    assert read is not None, "the answer was refused"
    kept = page_columns.unseen(DEVICES, read.page, None)
    assert kept is not None
    columns = page_columns.column_page(DEVICES, kept[0], NOW)
    assert columns is not None, "the page was refused"
    store: ColumnStore[Row] = ColumnStore(len(DEVICES.columns))
    store.append(columns)
    return list(store.visible_rows)


@pytest.fixture(autouse=True, scope="module")
def engine() -> None:
    wait_for_engine()


@pytest.mark.parametrize(("seed", "size", "odd_share"),
                         [(1, 400, 0.3), (2, 1000, 0.05), (3, 60, 0.9), (4, 16, 0.5),
                          (5, 1, 1.0)])
def test_rows_from_the_answer_are_the_rows_to_row_makes(seed: int, size: int,
                                                        odd_share: float) -> None:
    body = answer(page_of(random.Random(seed), size, odd_share))
    expected = DEVICES.to_rows(json.loads(body)["value"], NOW)
    got = rows_from_columns(body)
    assert len(got) == len(expected)
    for mine, theirs in zip(got, expected, strict=True):
        assert mine == theirs
        assert list(mine.item) == list(theirs.item)  # the item's properties, in Graph's order


def test_every_odd_value_is_shown_as_to_row_shows_it() -> None:
    # Each odd name, time and version on rows of their own, in a page of many plain ones (so
    # the columns are computed in the engine, and the odd rows go through `render`).
    rng = random.Random(9)
    items = page_of(rng, 300, 0.0)
    for index, name in enumerate(ODD_NAMES):
        items[index]["deviceName"] = name
    for index, when in enumerate(ODD_TIMES):
        items[50 + index]["lastSyncDateTime"] = when
    for index, version in enumerate(ODD_VERSIONS):
        items[100 + index]["osVersion"] = version
    # Properties that look like GUIDs and timestamps but for one value (kept as text).
    for index, item in enumerate(items):
        item["userId"] = f"{index:08x}-0000-4000-8000-{index:012x}"
    items[200]["userId"] = "not-a-guid"
    items[201]["enrolledDateTime"] = "2020-01-01T00:00:00.5Z"
    body = answer(items)
    expected = DEVICES.to_rows(json.loads(body)["value"], NOW)
    got = rows_from_columns(body)
    assert [row.cells for row in got] == [row.cells for row in expected]
    assert got == expected
    shown = {row.cells[0] for row in got[:len(ODD_NAMES)]}
    assert "LAPTOP-RED" in shown and "invoicegnp.exe-PC" in shown  # cleaned, as before
    assert {row.cells[6] for row in got[50:50 + len(ODD_TIMES)]} >= {"never", "—"}


def test_a_store_of_these_pages_sorts_and_searches_as_one_of_rows() -> None:
    rng = random.Random(11)
    bodies = [answer(page_of(rng, 500, share)) for share in (0.02, 0.4, 0.0)]
    built: ColumnStore[Row] = ColumnStore(len(DEVICES.columns))
    rows: ColumnStore[Row] = ColumnStore(len(DEVICES.columns))
    for body in bodies:
        read = page_columns.read_page(body)
        assert read is not None
        columns = page_columns.column_page(DEVICES, read.page, NOW)
        assert columns is not None
        built.append(columns)
        rows.append(encode_page(DEVICES.to_rows(json.loads(body)["value"], NOW),
                                len(DEVICES.columns)))
    for column in range(len(DEVICES.columns)):
        for reverse in (False, True):
            built.sort_by(column, reverse)
            rows.sort_by(column, reverse)
            assert [row.key for row in built.visible_rows] == \
                [row.key for row in rows.visible_rows], (column, reverse)
    for words in (["pc-0001"], ["user.2"], ["straße"], ["iphone", "sn1"]):
        built.set_filter(words=words)
        rows.set_filter(words=words)
        assert [row.key for row in built.visible_rows] == \
            [row.key for row in rows.visible_rows], words


def test_the_envelope_is_read_as_the_client_reads_it() -> None:
    items = page_of(random.Random(3), 20, 0.0)
    read = page_columns.read_page(answer(items, count=123456, next_link="https://x/next?a=1"))
    assert read is not None
    assert (read.count, read.next_link) == (123456, "https://x/next?a=1")
    last = page_columns.read_page(answer(items, count=None, next_link=None))
    assert last is not None and (last.count, last.next_link) == (None, None)


def _with(change: Any) -> bytes:
    items = page_of(random.Random(5), 50, 0.0)
    change(items)
    return answer(items)


@pytest.mark.parametrize("body", [
    pytest.param(answer(page_of(random.Random(5), 50, 0.0))[:-40], id="cut off"),
    pytest.param(b"<html>Service unavailable</html>", id="html"),
    pytest.param(_with(lambda items: items[7].update(deviceName=42)), id="a number"),
    pytest.param(_with(lambda items: items[7].update(deviceName=True)), id="a boolean"),
    pytest.param(_with(lambda items: items[7].update(model={"name": "x"})), id="an object"),
    pytest.param(_with(lambda items: items[7].update(model=["x"])), id="a list"),
    pytest.param(_with(lambda items: items[7].pop("serialNumber")), id="a missing property"),
    pytest.param(_with(lambda items: items[7].update(deviceName='say "hi"')), id="quotes"),
    pytest.param(_with(lambda items: items[7].update(deviceName="x@y")).replace(
        b"x@y", b"x\\ud800y"), id="a lone surrogate"),
    pytest.param(b'{"value":[{"id":"a","id":"b"}]}', id="a property twice"),
    pytest.param(b'{"value":[]}', id="no items"),
    pytest.param(b'{"@odata.count":"12","value":[{"id":"a"}]}', id="a count as text"),
    pytest.param(b'{"value":[{"id":1.5}]}', id="a float"),
])
def test_answers_the_engine_could_misread_are_refused(body: bytes) -> None:
    assert page_columns.read_page(body) is None


@pytest.mark.parametrize("body", [
    pytest.param(answer(page_of(random.Random(5), 50, 0.0))[:-40], id="cut off"),
    pytest.param(_with(lambda items: items[7].update(deviceName=42)), id="a number"),
    pytest.param(_with(lambda items: items[7].update(deviceName=True)), id="a boolean"),
    pytest.param(_with(lambda items: items[7].update(isSupervised="yes")), id="text for a boolean"),
    pytest.param(_with(lambda items: items[7].update(model={"name": "x"})), id="an object"),
    pytest.param(_with(lambda items: items[7].update(model=["x"])), id="a list"),
    pytest.param(_with(lambda items: items[7].pop("serialNumber")), id="a missing property"),
    pytest.param(_with(lambda items: items[7].update(extra="x")), id="a property more"),
    pytest.param(_with(lambda items: items[7].update(deviceName='say "hi"')), id="quotes"),
    pytest.param(answer(page_of(random.Random(5), 50, 0.0)).replace(
        b'"model":', b'"model":"x","model":', 1), id="a property twice"),
    pytest.param(answer(page_of(random.Random(5), 50, 0.0)).replace(
        b'"@odata.count":5000', b'"@odata.count":"5000"'), id="a count as text"),
])
def test_with_an_earlier_pages_schema_answers_it_could_misread_are_still_refused(
        body: bytes) -> None:
    earlier = page_columns.read_page(answer(page_of(random.Random(6), 50, 0.0)))
    assert earlier is not None and earlier.schema is not None
    assert page_columns.read_page(body, earlier.schema) is None


def _read_with(monkeypatch: pytest.MonkeyPatch, body: bytes, schema: Any
               ) -> tuple[page_columns.ReadPage | None, list[bool]]:
    """`read_page(body, schema)`, and for each JSON read it made whether it had a schema."""
    import polars as pl

    reads: list[bool] = []
    read_json = pl.read_json

    def recorded(source: Any, **options: Any) -> Any:
        reads.append(options.get("schema") is not None)
        return read_json(source, **options)

    monkeypatch.setattr(pl, "read_json", recorded)
    return page_columns.read_page(body, schema), reads


def test_a_page_read_with_the_last_pages_schema_is_the_page_read_without(
        monkeypatch: pytest.MonkeyPatch) -> None:
    rng = random.Random(31)
    first = page_columns.read_page(answer(page_of(rng, 300, 0.1)))
    assert first is not None
    nulls = page_of(rng, 80, 0.3)
    for item in nulls:
        item["managementState"] = None  # null in every item: the engine's Null type
    flipped = page_of(rng, 60, 0.0)
    for item in flipped:
        item["isSupervised"] = "no"  # text in every item where the schema says boolean
    cases = [(answer(page_of(rng, 200, 0.4)), [True]),
             (answer(nulls), [True]),
             (answer(page_of(rng, 100, 0.0), count=None, next_link=None), [True, False]),
             (answer(flipped), [True, False])]
    for body, expected_reads in cases:
        alone = page_columns.read_page(body)
        read, reads = _read_with(monkeypatch, body, first.schema)
        monkeypatch.undo()
        assert reads == expected_reads  # with the schema first; again without only if need be
        assert read is not None and alone is not None
        assert read.page.items.schema == alone.page.items.schema
        assert read.page.items.equals(alone.page.items)
        assert (read.count, read.next_link) == (alone.count, alone.next_link)
        kept = page_columns.unseen(DEVICES, read.page, None)
        assert kept is not None
        columns = page_columns.column_page(DEVICES, kept[0], NOW)
        assert columns is not None
        store: ColumnStore[Row] = ColumnStore(len(DEVICES.columns))
        store.append(columns)
        assert list(store.visible_rows) == DEVICES.to_rows(json.loads(body)["value"], NOW)


def test_keys_the_engine_would_keep_as_python_objects_are_refused() -> None:
    # A version part past 64 bits: `encode_page` keeps such sort keys as Python objects.
    read = page_columns.read_page(_with(
        lambda items: items[3].update(osVersion="99999999999999999999999.1")))
    assert read is not None
    assert page_columns.column_page(DEVICES, read.page, NOW) is None


def test_items_without_an_id_of_their_own_are_refused() -> None:
    for bad in (None, ""):
        read = page_columns.read_page(_with(lambda items, bad=bad: items[3].update(id=bad)))
        assert read is not None
        assert page_columns.unseen(DEVICES, read.page, None) is None


def test_items_already_passed_on_are_left_out_and_the_others_are_passed_on() -> None:
    items = page_of(random.Random(8), 30, 0.0)
    read = page_columns.read_page(answer(items))
    assert read is not None
    seen = {items[0]["id"], items[5]["id"]}
    kept, keys = page_columns.unseen(DEVICES, read.page, seen) or (None, [])
    assert kept is not None and keys == [item["id"] for item in items]
    columns = page_columns.column_page(DEVICES, kept, NOW)
    assert columns is not None and columns.length == 28
    store: ColumnStore[Row] = ColumnStore(len(DEVICES.columns))
    store.append(columns)
    assert [row.key for row in store.visible_rows] == \
        [item["id"] for index, item in enumerate(items) if index not in (0, 5)]


def joined_rows(bodies: list[bytes]) -> list[Row] | None:
    reads = [page_columns.read_page(body) for body in bodies]
    assert all(read is not None for read in reads)
    whole = page_columns.joined([read.page for read in reads if read is not None])
    if whole is None:
        return None
    columns = page_columns.column_page(DEVICES, whole, NOW)
    assert columns is not None, "the joined pages were refused"
    store: ColumnStore[Row] = ColumnStore(len(DEVICES.columns))
    store.append(columns)
    return list(store.visible_rows)


def test_pages_built_together_are_the_rows_to_row_makes_of_each() -> None:
    # Pages that arrive together are built as one (issue 21): a page of plain devices, one of
    # odd ones, one where a property is null on every item (the engine's Null type there).
    rng = random.Random(21)
    pages = [page_of(rng, 300, 0.0), page_of(rng, 200, 0.6), page_of(rng, 50, 0.1)]
    for item in pages[2]:
        item["managementState"] = None
        item["isSupervised"] = None
    bodies = [answer(items) for items in pages]
    expected = [row for body in bodies
                for row in DEVICES.to_rows(json.loads(body)["value"], NOW)]
    got = joined_rows(bodies)
    assert got is not None
    assert len(got) == len(expected) == 550
    assert got == expected


def test_pages_whose_properties_differ_in_type_or_name_are_not_built_together() -> None:
    rng = random.Random(22)
    first, second = page_of(rng, 40, 0.0), page_of(rng, 40, 0.0)
    for item in second:
        item["isSupervised"] = "true"  # a string here, a boolean on the other page
    assert joined_rows([answer(first), answer(second)]) is None
    third = page_of(rng, 40, 0.0)
    for item in third:
        del item["model"]
    assert joined_rows([answer(first), answer(third)]) is None


def test_the_columns_are_of_the_kinds_encode_page_gives_the_same_rows() -> None:
    # A store holding a column of another kind converts it, every row it holds, on the UI
    # thread: Intune's ids as 16-byte GUIDs (key, azureADDeviceId), a GUID property with
    # blanks (a userless device's userId is "") as GUIDs that may be blank.
    rng = random.Random(23)
    items = page_of(rng, 400, 0.0)
    for index, item in enumerate(items):
        item["id"] = f"{rng.getrandbits(128):032x}"
        item["id"] = "-".join((item["id"][:8], item["id"][8:12], item["id"][12:16],
                               item["id"][16:20], item["id"][20:]))
        item["azureADDeviceId"] = item["id"].replace("a", "b")
        item["userId"] = "" if index % 5 == 0 else item["id"].replace("a", "c")
    body = answer(items)
    read = page_columns.read_page(body)
    assert read is not None
    built = page_columns.column_page(DEVICES, read.page, NOW)
    assert built is not None
    encoded = encode_page(DEVICES.to_rows(items, NOW), len(DEVICES.columns))
    assert {name: built.kinds.get(name) for name in encoded.kinds} == encoded.kinds
    assert (built.kinds["key"], built.kinds["i:userId"]) == ("guid", "guid0")
    assert rows_from_columns(body) == DEVICES.to_rows(items, NOW)


@pytest.mark.parametrize("text", [
    "2026-11-19T16:23:24Z", "0000-01-01T00:00:00Z", "2024-02-29T01:02:03Z",
    "2023-02-29T01:02:03Z", "2024-06-30T23:59:60Z", "2024-1-05T01:02:03Z",
    "+2024-01-05T01:02:03Z", "2024-01-05T01:02:03.5Z", "2024-01-05 01:02:03Z",
    "2024-01-05T24:00:00Z",
])
def test_a_timestamp_column_is_kept_as_time_exactly_when_the_row_path_keeps_it(text: str) -> None:
    import polars as pl

    from intune_tui.table import columns as col

    try:
        col.series_of("i:t", col.STAMP, [text, "2026-11-19T16:23:24Z"])
        kept = True
    except ValueError:
        kept = False
    frame = pl.DataFrame({"i:t": [text, "2026-11-19T16:23:24Z"]})
    check = page_columns._text_checks({"t": col.STAMP})["t"]
    assert frame.select(check).item() is kept

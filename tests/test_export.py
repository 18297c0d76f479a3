from __future__ import annotations

import csv
import json
import os
import stat
from datetime import UTC, datetime
from pathlib import Path

import pytest

from intune_tui.export import default_export_path, write_csv, write_export, write_json

COLUMNS = [("deviceName", "Device"), ("userPrincipalName", "User"), ("storage", "Free bytes")]


def read_csv(path: Path) -> list[list[str]]:
    with path.open(encoding="utf-8", newline="") as file:
        return list(csv.reader(file))


def test_csv_has_a_header_row_and_one_row_per_record(tmp_path: Path) -> None:
    path = tmp_path / "devices.csv"
    records = [
        {"deviceName": "LAPTOP-01", "userPrincipalName": "anna@contoso.com", "storage": 1024},
        {"deviceName": "Müller's iPhone, \"work\"", "userPrincipalName": None, "storage": 0},
    ]

    count = write_csv(path, COLUMNS, records)

    assert count == 2
    assert read_csv(path) == [
        ["Device", "User", "Free bytes"],
        ["LAPTOP-01", "anna@contoso.com", "1024"],
        ["Müller's iPhone, \"work\"", "", "0"],
    ]


@pytest.mark.parametrize(
    ("cell", "written"),
    [
        ("=HYPERLINK(\"http://evil\",\"x\")", "'=HYPERLINK(\"http://evil\",\"x\")"),
        ("+1+cmd|' /C calc'!A0", "'+1+cmd|' /C calc'!A0"),
        ("-2+3", "'-2+3"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\t=1", "'\t=1"),
        ("\r=1", "'\r=1"),
        ("plain name", "plain name"),
        ("a=b", "a=b"),
    ],
)
def test_csv_neutralises_cells_a_spreadsheet_would_run(
    tmp_path: Path, cell: str, written: str
) -> None:
    path = tmp_path / "x.csv"

    write_csv(path, COLUMNS[:1], [{"deviceName": cell}])

    assert read_csv(path)[1] == [written]


def test_numbers_are_not_mangled_by_the_formula_guard(tmp_path: Path) -> None:
    path = tmp_path / "x.csv"

    write_csv(path, [("n", "N"), ("b", "B")], [{"n": -5, "b": True}])

    assert read_csv(path)[1] == ["-5", "true"]


def test_records_may_be_tuples_in_column_order(tmp_path: Path) -> None:
    path = tmp_path / "x.csv"

    write_csv(path, COLUMNS, [("PC-1", "bob@contoso.com", 5)])

    assert read_csv(path)[1] == ["PC-1", "bob@contoso.com", "5"]
    with pytest.raises(ValueError, match="2 values for 3 columns"):
        write_csv(tmp_path / "y.csv", COLUMNS, [("PC-1", "bob")])


def test_json_is_a_list_of_objects_keyed_by_column_key(tmp_path: Path) -> None:
    path = tmp_path / "devices.json"
    records = [
        {"deviceName": "=not a formula here", "userPrincipalName": "é@x", "storage": 7, "x": 1},
        ("PC-2", None, None),
    ]

    count = write_json(path, COLUMNS, records)

    assert count == 2
    assert json.loads(path.read_text(encoding="utf-8")) == [
        {"deviceName": "=not a formula here", "userPrincipalName": "é@x", "storage": 7},
        {"deviceName": "PC-2", "userPrincipalName": None, "storage": None},
    ]


def test_an_empty_export_is_still_valid(tmp_path: Path) -> None:
    write_json(tmp_path / "e.json", COLUMNS, [])
    write_csv(tmp_path / "e.csv", COLUMNS, [])

    assert json.loads((tmp_path / "e.json").read_text()) == []
    assert read_csv(tmp_path / "e.csv") == [["Device", "User", "Free bytes"]]


def test_records_can_stream_from_a_generator(tmp_path: Path) -> None:
    def pages():
        for number in range(1000):
            yield {"deviceName": f"PC-{number}"}

    assert write_json(tmp_path / "s.json", COLUMNS[:1], pages()) == 1000
    assert len(json.loads((tmp_path / "s.json").read_text())) == 1000


def test_a_failed_export_leaves_the_previous_file_untouched(tmp_path: Path) -> None:
    path = tmp_path / "devices.csv"
    path.write_text("previous export\n", encoding="utf-8")

    def broken():
        yield {"deviceName": "PC-1"}
        raise RuntimeError("connection lost on page 2")

    with pytest.raises(RuntimeError):
        write_csv(path, COLUMNS[:1], broken())

    assert path.read_text(encoding="utf-8") == "previous export\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["devices.csv"]  # no temporary left


@pytest.mark.skipif(os.name != "posix", reason="POSIX file modes")
def test_exports_are_private_files(tmp_path: Path) -> None:
    path = tmp_path / "deep" / "devices.json"

    write_export(path, "json", COLUMNS, [])

    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_write_export_refuses_an_unknown_format(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="csv, json"):
        write_export(tmp_path / "x.xlsx", "xlsx", COLUMNS, [])


def test_default_path_is_timestamped_under_exports_and_never_overwrites(tmp_path: Path) -> None:
    moment = datetime(2026, 11, 20, 9, 30, 5, tzinfo=UTC)

    first = default_export_path(tmp_path, "devices", "csv", now=moment)
    first.parent.mkdir(parents=True)
    first.write_text("taken")
    second = default_export_path(tmp_path, "devices", "csv", now=moment)

    assert first == tmp_path / "exports" / "devices-20261120-093005Z.csv"
    assert second == tmp_path / "exports" / "devices-20261120-093005Z-2.csv"


def test_default_path_cannot_escape_the_exports_folder(tmp_path: Path) -> None:
    path = default_export_path(tmp_path, "../../etc/passwd", "json")

    assert path.parent == tmp_path / "exports"
    assert path.name.startswith("etc-passwd-")

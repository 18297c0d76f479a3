from __future__ import annotations

import csv
import json
import logging
import os
import stat
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from intune_tui.cli import main
from intune_tui.config import Settings
from intune_tui.export import (
    default_export_path,
    export_command,
    export_table,
    write_csv,
    write_export,
    write_json,
)
from intune_tui.intune.resources import RESOURCES
from intune_tui.logs import reset_logging

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


# --- catalog rows and the headless command (demo tenant through the real service and client) ----


@pytest.fixture
def demo_settings() -> Settings:
    return Settings(demo=True, demo_devices=150)


def exported(capsys: pytest.CaptureFixture[str]) -> tuple[int, Path]:
    out = capsys.readouterr().out.strip()
    count, _rows, _written, _to, path = out.split(" ", 4)
    return int(count), Path(path)


def test_export_table_names_duplicate_columns_by_title_and_times_in_iso() -> None:
    resource = RESOURCES["device_configurations"]
    item = {
        "id": "cfg-1",
        "displayName": "Baseline",
        "@odata.type": "#microsoft.graph.windows10GeneralConfiguration",
        "lastModifiedDateTime": "2026-07-03T16:47:30.1234567Z",
        "version": 4,
    }

    columns, records = export_table(resource, [resource.to_row(item)])

    keys = [key for key, _title in columns]
    assert keys[0] == "id" and len(set(keys)) == len(keys)
    row = dict(zip(keys, next(iter(records)), strict=True))
    assert row["id"] == "cfg-1"
    assert row["displayName"] == "Baseline"
    assert row["lastModifiedDateTime"] == "2026-07-03T16:47:30.123456Z"
    assert row["version"] == 4


def test_a_missing_value_is_empty_not_a_dash() -> None:
    resource = RESOURCES["devices"]

    columns, records = export_table(resource, [resource.to_row({"id": "d1"})])

    assert next(iter(records)) == ("d1",) + (None,) * (len(columns) - 1)


def test_headless_export_applies_the_graph_filter(
    demo_settings: Settings, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    everything = tmp_path / "all.csv"
    ios = tmp_path / "ios.csv"

    assert export_command(demo_settings, "devices", "", "csv", str(everything)) == 0
    total, _ = exported(capsys)
    assert export_command(demo_settings, "devices", "os:ios", "csv", str(ios)) == 0
    count, path = exported(capsys)

    assert path == ios
    all_rows = read_csv(everything)
    ios_rows = read_csv(ios)
    os_column = all_rows[0].index("OS")
    assert total == demo_settings.demo_devices == len(all_rows) - 1
    expected = sorted(row for row in all_rows[1:] if row[os_column] == "iOS")
    assert 0 < count == len(ios_rows) - 1 == len(expected)
    assert sorted(ios_rows[1:]) == expected


def test_headless_export_applies_local_checks_graph_cannot_do(
    demo_settings: Settings, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "serials.json"

    assert export_command(demo_settings, "devices", "serial:C0", "json", str(path)) == 0

    count, _ = exported(capsys)
    records = json.loads(path.read_text(encoding="utf-8"))
    assert len(records) == count
    assert all("c0" in record["serialNumber"].lower() for record in records)
    assert all(record["lastSyncDateTime"].endswith("Z") for record in records)


def test_headless_export_defaults_to_a_timestamped_file_under_the_data_dir(
    demo_settings: Settings, capsys: pytest.CaptureFixture[str]
) -> None:
    assert export_command(demo_settings, "role_definitions", "", "json", None) == 0

    count, path = exported(capsys)
    assert path.parent == demo_settings.data_dir / "exports"
    assert path.name.startswith("role_definitions-") and path.suffix == ".json"
    assert len(json.loads(path.read_text(encoding="utf-8"))) == count > 0


def test_no_token_ever_lands_in_an_export(
    demo_settings: Settings, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "devices.json"

    export_command(demo_settings, "devices", "", "json", str(path))

    captured = capsys.readouterr()
    for text in (path.read_text(encoding="utf-8"), captured.out, captured.err):
        assert "eyJ" not in text and "Bearer" not in text


@pytest.mark.parametrize(
    ("resource", "query", "fmt", "complaint"),
    [
        ("gadgets", "", "csv", "no list 'gadgets' to export; choose one of devices, apps"),
        ("device_users", "", "csv", "no list 'device_users' to export"),
        ("devices", 'name:"LAP', "csv", "--filter: The quote at position"),
        ("devices", "", "xlsx", "format must be one of csv, json"),
    ],
)
def test_headless_export_refuses_bad_requests_with_exit_2(
    demo_settings: Settings,
    capsys: pytest.CaptureFixture[str],
    resource: str,
    query: str,
    fmt: str,
    complaint: str,
) -> None:
    assert export_command(demo_settings, resource, query, fmt, None) == 2

    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.startswith("intune-tui: error: ") and complaint in captured.err
    assert not (demo_settings.data_dir / "exports").exists()


def test_a_graph_error_prints_its_sentence_exits_1_and_writes_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from intune_tui import session as session_module

    # The demo tenant signed in without any Intune read permission: Graph answers 403.
    monkeypatch.setattr(
        session_module, "open_session",
        lambda settings: session_module.demo_session(settings, scopes=()),
    )
    path = tmp_path / "devices.csv"

    status = export_command(Settings(demo=True, demo_devices=20), "devices", "", "csv", str(path))

    captured = capsys.readouterr()
    assert status == 1
    assert captured.out == ""
    assert captured.err.startswith("intune-tui: ") and "Traceback" not in captured.err
    assert "DeviceManagementManagedDevices.Read" in captured.err
    assert not path.exists()


def test_an_unwritable_output_exits_1_naming_the_path(
    demo_settings: Settings, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("")

    status = export_command(demo_settings, "apps", "", "csv", str(blocker / "apps.csv"))

    assert status == 1
    assert f"cannot write {blocker / 'apps.csv'}" in capsys.readouterr().err


@pytest.fixture
def restore_logging() -> Iterator[None]:
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    yield
    reset_logging()
    root.handlers[:] = handlers
    root.setLevel(level)


@pytest.mark.usefixtures("restore_logging")
def test_the_export_command_line_runs_end_to_end(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "out.json"

    status = main(
        ["--demo", "--demo-devices", "40", "export", "devices", "--filter", "os:android",
         "--format", "json", "--output", str(path)]
    )

    assert status == 0
    count, written = exported(capsys)
    assert written == path
    records = json.loads(path.read_text(encoding="utf-8"))
    assert 0 < len(records) == count
    assert {record["operatingSystem"] for record in records} == {"Android"}


@pytest.mark.skipif(os.name != "posix", reason="POSIX file modes")
def test_the_data_and_exports_folders_are_created_private(
    demo_settings: Settings, capsys: pytest.CaptureFixture[str]
) -> None:
    old = os.umask(0o022)
    try:
        assert export_command(demo_settings, "role_definitions", "", "json", None) == 0
    finally:
        os.umask(old)

    _count, path = exported(capsys)
    assert path.exists()
    for folder in (demo_settings.data_dir, demo_settings.data_dir / "exports"):
        assert stat.S_IMODE(folder.stat().st_mode) == 0o700, folder


def test_an_existing_output_file_is_refused_unless_forced(
    demo_settings: Settings, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "devices.csv"
    path.write_text("last week's export\n", encoding="utf-8")

    refused = main(["--demo", "--demo-devices", "20", "export", "devices", "--output", str(path)])
    refusal = capsys.readouterr()
    forced = main(["--demo", "--demo-devices", "20", "export", "devices", "--output", str(path),
                   "--force"])

    assert refused == 2 and refusal.out == ""
    assert f"{path} already exists; add --force" in refusal.err
    assert forced == 0
    assert len(read_csv(path)) == 21


def test_a_hostile_graph_error_reaches_stderr_and_the_log_clean(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    import httpx

    from intune_tui import session as session_module
    from intune_tui.graph.client import GraphClient
    from intune_tui.graph.tokens import StaticTokenProvider
    from intune_tui.intune.service import IntuneService

    osc52 = "\x1b]52;c;Y3VybCBldmlsfHNo\x07"

    def hostile(request: httpx.Request) -> httpx.Response:
        body = {"error": {"code": f"Forbidden{osc52}", "message": "denied",
                          "innerError": {"request-id": f"rid{osc52}"}}}
        return httpx.Response(403, content=json.dumps(body).encode(),
                              headers={"Content-Type": "application/json"})

    real = session_module.demo_session

    def hostile_session(settings: Settings) -> session_module.Session:
        session = real(settings)

        async def make_service(on_throttle):  # type: ignore[no-untyped-def]
            client = GraphClient(StaticTokenProvider("t"), transport=httpx.MockTransport(hostile))
            return IntuneService(client)

        session.make_service = make_service
        return session

    monkeypatch.setattr(session_module, "open_session", hostile_session)
    settings = Settings(demo=True, demo_devices=5, log_dir=tmp_path / "logs")
    from intune_tui.logs import setup_logging

    setup_logging(settings)
    try:
        status = export_command(settings, "devices", "", "csv", str(tmp_path / "d.csv"))
    finally:
        reset_logging()

    err = capsys.readouterr().err
    log = (tmp_path / "logs" / "intune-tui.log").read_text(encoding="utf-8")
    assert status == 1 and "Forbidden" in err and "rid" in err
    for text in (err, log):
        assert "\x1b" not in text and "\x07" not in text


def test_a_retried_read_is_said_on_stderr_and_the_export_completes(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from intune_tui import session as session_module

    real = session_module.demo_session

    def flaky_session(settings: Settings) -> session_module.Session:
        session = real(settings)
        make_service = session.make_service

        async def make_flaky_service(on_progress):  # type: ignore[no-untyped-def]
            service = await make_service(on_progress)
            assert session.fake is not None
            session.fake.faults.fail_next(504, path_contains="managedDevices", times=2)
            return service

        session.make_service = make_flaky_service
        return session

    monkeypatch.setattr(session_module, "open_session", flaky_session)
    path = tmp_path / "devices.csv"

    status = export_command(Settings(demo=True, demo_devices=30), "devices", "", "csv", str(path))

    captured = capsys.readouterr()
    assert status == 0
    assert "intune-tui: retrying (2 of 6) — Graph answered HTTP 504" in captured.err
    assert len(read_csv(path)) == 31


def test_export_table_takes_the_chosen_columns_in_their_order() -> None:
    resource = RESOURCES["devices"]
    row = resource.to_row({"id": "d1", "deviceName": "PC-1", "serialNumber": "S1"})

    columns, records = export_table(resource, [row], shown=[8, 0])

    assert columns == [("id", "Id"), ("serialNumber", "Serial"), ("deviceName", "Device name")]
    assert list(records) == [("d1", "S1", "PC-1")]


@pytest.mark.usefixtures("restore_logging")
def test_the_export_command_uses_the_columns_chosen_for_the_list(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from intune_tui.config import save_list_columns
    from intune_tui.list_columns import ListColumns

    save_list_columns("devices", ListColumns(("complianceState", "deviceName", "retired")))
    path = tmp_path / "out.csv"

    status = main(["--demo", "--demo-devices", "20", "export", "devices", "--output", str(path)])

    assert status == 0
    rows = read_csv(path)
    assert rows[0] == ["Id", "Compliance", "Device name"]
    assert len(rows) == 21

from __future__ import annotations

import os
import stat
import tomllib
from pathlib import Path

import pytest

from intune_tui.intune.resources import RESOURCES
from intune_tui.list_columns import (
    ColumnsError,
    ListColumns,
    check_list_columns,
    choice_of,
    column_ids,
    resolve,
    save_list_columns,
)

DEVICES = RESOURCES["devices"]

USER_FILE = """\
# my tenants
default_profile = "contoso"   # the one I use most

[profiles.contoso]
tenant = "contoso.onmicrosoft.com"
"""


def test_column_ids_are_unique_and_name_two_columns_on_one_property_by_title() -> None:
    ids = column_ids(RESOURCES["device_configurations"])
    assert len(ids) == len(set(ids))
    assert ids[:3] == ["displayName", "platform", "type"]
    assert column_ids(DEVICES)[0] == "deviceName"


def test_resolve_keeps_the_order_drops_unknown_ids_and_falls_back_to_all_columns() -> None:
    choice = ListColumns(("complianceState", "gone", "deviceName", "deviceName"),
                         {"deviceName": 30, "gone": 5})
    resolved = resolve(DEVICES, choice)
    assert resolved.shown == (4, 0)
    assert resolved.widths == {0: 30}
    everything = tuple(range(len(DEVICES.columns)))
    assert resolve(DEVICES, None).shown == everything
    assert resolve(DEVICES, ListColumns(("nothing",))).shown == everything
    assert choice_of(DEVICES, (4, 0), {0: 30}) == ListColumns(("complianceState", "deviceName"),
                                                              {"deviceName": 30})


def test_saving_writes_one_table_keeps_comments_and_reads_back(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text(USER_FILE, encoding="utf-8")
    save_list_columns(path, "devices", ListColumns(("deviceName", "serialNumber"),
                                                   {"deviceName": 24}))
    save_list_columns(path, "apps", ListColumns(("displayName",)))
    text = path.read_text(encoding="utf-8")
    assert text.startswith(USER_FILE)  # the user's lines, comments included, untouched
    document = tomllib.loads(text)
    assert check_list_columns(document["columns"], "config.toml") == {
        "devices": ListColumns(("deviceName", "serialNumber"), {"deviceName": 24}),
        "apps": ListColumns(("displayName",)),
    }
    save_list_columns(path, "devices", ListColumns(("model",)))
    save_list_columns(path, "apps", None)
    document = tomllib.loads(path.read_text(encoding="utf-8"))
    assert document["columns"] == {"devices": {"shown": ["model"]}}
    assert document["profiles"]["contoso"]["tenant"] == "contoso.onmicrosoft.com"
    if os.name == "posix":
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert [p.name for p in tmp_path.iterdir()] == ["config.toml"]  # no temporary file left


def test_saving_creates_a_missing_file_and_refuses_a_broken_one(tmp_path: Path) -> None:
    path = tmp_path / "new" / "config.toml"
    save_list_columns(path, "devices", ListColumns(("deviceName",)))
    assert tomllib.loads(path.read_text(encoding="utf-8")) == {
        "columns": {"devices": {"shown": ["deviceName"]}}}
    broken = tmp_path / "broken.toml"
    broken.write_text("read_only = \n", encoding="utf-8")
    with pytest.raises(ColumnsError, match="not valid TOML"):
        save_list_columns(broken, "devices", ListColumns(("deviceName",)))
    assert broken.read_text(encoding="utf-8") == "read_only = \n"


@pytest.mark.parametrize(("table", "message"), [
    ({"devices": {"shown": "deviceName"}}, "shown must be a list"),
    ({"devices": {"shown": [], "width": {}}}, "unknown key 'width'"),
    ({"devices": {"widths": {"deviceName": 0}}}, "widths must map"),
    ({"Devices!": {"shown": []}}, "a list name is a catalog key"),
    ({"devices": ["deviceName"]}, "must be a table"),
    (["devices"], "a set of"),
])
def test_a_bad_columns_table_is_refused_naming_where(table: object, message: str) -> None:
    with pytest.raises(ColumnsError, match=message) as raised:
        check_list_columns(table, "/home/me/config.toml")
    assert "/home/me/config.toml" in str(raised.value)

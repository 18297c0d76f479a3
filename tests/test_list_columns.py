from __future__ import annotations

import pytest

from intune_tui.intune.resources import RESOURCES
from intune_tui.list_columns import (
    ColumnsError,
    ListColumns,
    check_list_columns,
    choice_of,
    column_ids,
    resolve,
)

DEVICES = RESOURCES["devices"]


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


def test_a_columns_table_is_read_as_a_choice() -> None:
    assert check_list_columns({"shown": ["deviceName", "model"], "widths": {"model": 30}},
                              "[columns.devices]") == ListColumns(("deviceName", "model"),
                                                                  {"model": 30})
    assert check_list_columns({}, "[columns.devices]") == ListColumns(())


@pytest.mark.parametrize(("table", "message"), [
    ({"shown": "deviceName"}, "shown must be a list"),
    ({"shown": [], "width": {}}, "unknown key 'width'; allowed: shown, widths"),
    ({"widths": {"deviceName": 0}}, "widths must map"),
    ({"widths": {"deviceName": True}}, "widths must map"),
    (["deviceName"], "must be a table"),
])
def test_a_bad_columns_table_is_refused_naming_where(table: object, message: str) -> None:
    with pytest.raises(ColumnsError, match=message) as raised:
        check_list_columns(table, "/home/me/config.toml: 'columns.devices'")
    assert "/home/me/config.toml: 'columns.devices'" in str(raised.value)

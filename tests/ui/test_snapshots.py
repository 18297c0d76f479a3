"""Every screen and modal as a picture, at 80x24 and at 120x40.

The scenes are the ones tests/make_screenshots.py draws for the README: the app on the seeded
demo tenant, driven with the keys a person would press, frozen clock, no cursor blink. Pictures
other test modules already take (next to the behaviour they show) are not taken twice; the last
test checks those are still there, so no screen loses its picture at either size.

Update after a deliberate change: `.venv/bin/pytest tests/ui/test_snapshots.py --snapshot-update`
"""

from __future__ import annotations

from pathlib import Path

import pytest
from make_screenshots import SCENES, Scene, make_app
from textual.widgets import Input

SIZES = ((80, 24), (120, 40))
SNAPSHOTS = Path(__file__).parent / "screens" / "__snapshots__"

# (scene, size) -> the snapshot another module keeps of it.
ELSEWHERE: dict[tuple[str, tuple[int, int]], str] = {
    ("devices", (80, 24)): "test_devices/test_snapshot_devices_list[size0].svg",
    ("devices", (120, 40)): "test_devices/test_snapshot_devices_list[size1].svg",
    ("device-overview", (80, 24)): "test_devices/test_snapshot_device_detail[size0].svg",
    ("device-overview", (120, 40)): "test_devices/test_snapshot_device_detail[size1].svg",
    ("apps", (80, 24)): "test_apps/test_snapshot_apps_list[size0].svg",
    ("apps", (120, 40)): "test_apps/test_snapshot_apps_list[size1].svg",
    ("app-detail", (80, 24)): "test_app_detail/test_snapshot_app_detail[size0].svg",
    ("app-detail", (120, 40)): "test_app_detail/test_snapshot_app_detail[size1].svg",
    ("policies", (80, 24)): "test_policies/test_snapshot_policies_list[size0].svg",
    ("policies", (120, 40)): "test_policies/test_snapshot_policies_list[size1].svg",
    ("policy-detail", (80, 24)): "test_policy_detail/test_snapshot_policy_detail[size0].svg",
    ("policy-detail", (120, 40)): "test_policy_detail/test_snapshot_policy_detail[size1].svg",
    ("confirm-benign", (80, 24)): "test_confirm/test_snapshot_benign_confirmation.svg",
    ("confirm-destructive", (80, 24)): "test_confirm/test_snapshot_destructive_confirmation.svg",
    ("confirm-irreversible", (80, 24)):
        "test_confirm/test_snapshot_irreversible_confirmation_ready_to_wipe.svg",
    ("roles", (80, 24)): "test_roles/test_snapshot_roles_list[size0].svg",
    ("role-detail", (80, 24)): "test_role_detail/test_snapshot_role_detail[size0].svg",
    ("access", (80, 24)): "test_access/test_snapshot_my_access[size0].svg",
    ("health", (80, 24)): "test_health/test_snapshot_tenant_health[size0].svg",
}

# Scenes that write a fixed path (the audit's file, named on screen) run on one xdist worker,
# one after the other, so two sizes never write it at the same time.
_SHARED_PATH_SCENES = {"audit"}

TAKEN_HERE = [
    pytest.param(scene, size, id=f"{scene.name}-{size[0]}x{size[1]}",
                 marks=[pytest.mark.xdist_group(scene.name)]
                 if scene.name in _SHARED_PATH_SCENES else [])
    for scene in SCENES
    for size in SIZES
    if (scene.name, size) not in ELSEWHERE
]


@pytest.fixture(autouse=True)
def no_cursor_blink(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(Input, "_toggle_cursor", lambda self: None)


@pytest.mark.parametrize(("scene", "size"), TAKEN_HERE)
def test_snapshot(snap_compare, scene: Scene, size: tuple[int, int]) -> None:
    assert snap_compare(make_app(scene), terminal_size=size, run_before=scene.drive)


def test_every_scene_has_a_picture_at_both_sizes() -> None:
    here = {(values[0].name, values[1]) for values in (param.values for param in TAKEN_HERE)}
    for scene in SCENES:
        for size in SIZES:
            if (scene.name, size) in here:
                continue
            kept = SNAPSHOTS / ELSEWHERE[(scene.name, size)]
            assert kept.is_file(), f"{scene.name} at {size} has no snapshot ({kept} is gone)"

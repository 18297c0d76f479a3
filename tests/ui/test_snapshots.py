"""Every screen and modal as a picture, at 80x24 and at 120x40.

The scenes are the ones tests/make_screenshots.py draws for the README: the app on the seeded
demo tenant, driven with the keys a person would press, frozen clock, no cursor blink. Pictures
other test modules already take (next to the behaviour they show) are not taken twice; the last
test checks those are still there, so no screen loses its picture at either size.

A scene pictured here at both sizes is driven once: from a fresh start at 80x24, pictured, then
the terminal grows to 120x40 and it is pictured again. So the 120x40 pictures also check that
each screen lays itself out again when the terminal grows, and no longer that the scene can be
driven at 120x40 from the start (make_screenshots.py does that for the README, and the pictures
of other modules start at 120x40). Each drive was ~0.45 s of CPU; on 2026-12-08 every 120x40
picture was byte for byte the same either way. The pictures are compared as `snap_compare`
compares them (the plugin's SVG handling, its entry in snapshot_report.html), each in the file
it had when each size was its own test, `test_snapshot[SCENE-WxH].svg`.

Update after a deliberate change: `.venv/bin/pytest tests/ui/test_snapshots.py --snapshot-update`
"""

from __future__ import annotations

import inspect
import pickle
from pathlib import Path
from typing import Any

import pytest
from make_screenshots import SCENES, Scene, make_app, settle
from pytest_textual_snapshot import (
    PseudoApp,
    PseudoConsole,
    SVGImageExtension,
    node_to_report_path,
)
from rich.console import Console
from syrupy import SnapshotAssertion
from textual.pilot import Pilot
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

Size = tuple[int, int]

TAKEN_HERE = [
    pytest.param(scene, sizes, id="-".join([scene.name, *(f"{w}x{h}" for w, h in sizes)]))
    for scene in SCENES
    if (sizes := tuple(size for size in SIZES if (scene.name, size) not in ELSEWHERE))
]


class ScenePicture(SVGImageExtension):
    """The plugin's SVG snapshots, each named `test_snapshot[SCENE-WxH]` (`snapshot(name=...)`
    gives SCENE-WxH): one test takes a scene's two pictures."""

    @classmethod
    def get_snapshot_name(cls, *, test_location: Any, index: Any = 0) -> str:
        return f"{test_location.methodname}[{index}]"


async def picture(pilot: Pilot[Any]) -> str:
    """The screen as `snap_compare` takes it once its `run_before` is done
    (textual._doc.take_svg_screenshot)."""
    await pilot.pause()
    await pilot.wait_for_scheduled_animations()
    await pilot.pause()
    await pilot.pause()
    await pilot.wait_for_scheduled_animations()
    return pilot.app.export_screenshot(title=pilot.app.title, simplify=True)


def take_pictures(scene: Scene, sizes: tuple[Size, ...]) -> dict[Size, str]:
    """Drive the scene at the first size, picture it, then at each next size (the terminal
    resized, the app let settle) picture it again."""
    pictures: dict[Size, str] = {}

    async def auto_pilot(pilot: Pilot[Any]) -> None:
        await scene.drive(pilot)
        pictures[sizes[0]] = await picture(pilot)
        for size in sizes[1:]:
            await pilot.resize_terminal(*size)
            await settle(pilot)
            pictures[size] = await picture(pilot)
        pilot.app.exit()

    make_app(scene).run(headless=True, size=sizes[0], auto_pilot=auto_pilot)
    return pictures


def same_as_kept(snapshot: SnapshotAssertion, request: pytest.FixtureRequest, name: str,
                 svg: str) -> bool:
    """`svg` against its kept picture, as `snap_compare` compares it, with its entry for
    snapshot_report.html (pytest_textual_snapshot's `compare`, one entry per picture)."""
    kept = snapshot.use_extension(ScenePicture)
    same = kept(name=name) == svg
    result = kept.executions[kept.num_executions - 1]
    console = Console(legacy_windows=False, force_terminal=True)
    path, line, test_name = request.node.reportinfo()
    entry = (same, str(kept), svg, PseudoApp(PseudoConsole(console.legacy_windows, console.size)),
             path, line, f"{test_name} {name}", inspect.getdoc(request.node.function) or "", "",
             result.recalled_data is not None)
    report = node_to_report_path(request.node)
    report.with_name(f"{report.name}_{name}").write_bytes(pickle.dumps(entry))
    return same


@pytest.fixture(autouse=True)
def no_cursor_blink(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(Input, "_toggle_cursor", lambda self: None)


@pytest.mark.parametrize(("scene", "sizes"), TAKEN_HERE)
def test_snapshot(snapshot: SnapshotAssertion, request: pytest.FixtureRequest, scene: Scene,
                  sizes: tuple[Size, ...]) -> None:
    taken = take_pictures(scene, sizes)
    differ = [f"{w}x{h}" for (w, h), svg in taken.items()
              if not same_as_kept(snapshot, request, f"{scene.name}-{w}x{h}", svg)]
    assert not differ, f"{scene.name} at {', '.join(differ)} differs (see snapshot_report.html)"


def test_every_scene_has_a_picture_at_both_sizes() -> None:
    here = {(param.values[0].name, size) for param in TAKEN_HERE for size in param.values[1]}
    for scene in SCENES:
        for size in SIZES:
            if (scene.name, size) in here:
                continue
            kept = SNAPSHOTS / ELSEWHERE[(scene.name, size)]
            assert kept.is_file(), f"{scene.name} at {size} has no snapshot ({kept} is gone)"

"""Autopilot group tag / user edits against the fake: preview, one call per identity, audited,
a lost answer settled by reading back; and the `autopilot-update` command around them."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from intune_tui.audit import AuditLog
from intune_tui.config import Settings
from intune_tui.demo import lifecycle as demo_lifecycle
from intune_tui.demo.fake_graph import FakeGraph
from intune_tui.demo.rules import ALL_DEMO_SCOPES
from intune_tui.demo.tenant import build_tenant
from intune_tui.graph.client import GraphClient
from intune_tui.graph.tokens import StaticTokenProvider
from intune_tui.intune.autopilot import apply_changes, plan_changes
from intune_tui.intune.lifecycle import AutopilotIdentity
from intune_tui.offboard import EXIT_NOT_CONFIRMED, EXIT_OK, EXIT_USAGE, autopilot_command
from intune_tui.session import demo_session


@pytest.fixture
def fake() -> FakeGraph:
    graph = FakeGraph(build_tenant(devices=300))
    graph.lifecycle = demo_lifecycle.LifecycleDirectories.build(graph.tenant)  # type: ignore[attr-defined]
    return graph


def identities(fake: FakeGraph, count: int) -> list[AutopilotIdentity]:
    items = fake.lifecycle.autopilot[:count]  # type: ignore[attr-defined]
    return [AutopilotIdentity.from_graph(item) for item in items]


def test_the_preview_names_old_and_new_values() -> None:
    identity = AutopilotIdentity.from_graph({"id": "a1", "serialNumber": "SN1",
                                             "groupTag": "Sales"})
    [change] = plan_changes([identity], group_tag="Spares", user_principal_name=None)
    assert change.body == {"groupTag": "Spares"}
    assert change.preview() == "serial SN1: group tag Sales -> Spares"
    with pytest.raises(ValueError, match="say what to change"):
        plan_changes([identity])


async def test_each_identity_gets_one_call_and_one_audit_pair(fake: FakeGraph,
                                                              tmp_path: Path) -> None:
    client = GraphClient(StaticTokenProvider(fake.issue_token()), transport=fake.transport())
    targets = identities(fake, 3)
    fake.faults.drop_next(path_contains=f"{targets[1].id}/updateDeviceProperties",
                          after_processing=True)
    audit = AuditLog(tmp_path / "audit.jsonl")
    outcomes = await apply_changes(client, plan_changes(targets, group_tag="Spares"), audit,
                                   tenant="Contoso", operator="helpdesk@contoso")
    await client.aclose()
    assert [outcome.state for outcome in outcomes] == ["done", "done", "done"]
    posts = [r.path for r in fake.requests if r.method == "POST"]
    assert sorted(posts) == sorted(f"/v1.0/deviceManagement/windowsAutopilotDeviceIdentities/"
                                   f"{t.id}/updateDeviceProperties" for t in targets)
    tags = {item["id"]: item["groupTag"] for item in fake.lifecycle.autopilot}  # type: ignore[attr-defined]
    assert all(tags[t.id] == "Spares" for t in targets)
    assert sorted(e.outcome for e in audit.read_newest_first()) == [
        "succeeded", "succeeded", "unknown"]


async def test_a_refused_edit_names_the_scope_and_the_intune_roles(fake: FakeGraph,
                                                                  tmp_path: Path) -> None:
    scopes = tuple(scope for scope in ALL_DEMO_SCOPES
                   if scope != "DeviceManagementServiceConfig.ReadWrite.All")
    client = GraphClient(StaticTokenProvider(fake.issue_token(scopes=scopes)),
                         transport=fake.transport())
    [outcome] = await apply_changes(client, plan_changes(identities(fake, 1), group_tag="Spares"),
                                    AuditLog(tmp_path / "audit.jsonl"), tenant="Contoso",
                                    operator="helpdesk@contoso")
    await client.aclose()
    assert outcome.state == "failed", outcome.error
    assert "DeviceManagementServiceConfig.ReadWrite.All" in (outcome.error or "")
    assert "Policy and Profile Manager or School Administrator" in (outcome.error or "")


def test_the_command_previews_confirms_and_changes(tmp_path: Path) -> None:
    settings = Settings(demo=True, demo_devices=300, data_dir=tmp_path / "data")
    directories = demo_lifecycle.LifecycleDirectories.build(build_tenant(devices=300))
    enrolled = [item for item in directories.autopilot if item["enrollmentState"] == "enrolled"]
    source = tmp_path / "serials.txt"
    source.write_text("\n".join(item["serialNumber"] for item in enrolled[:2]), encoding="utf-8")

    def run(session: object, **options: object) -> tuple[int, str, str]:
        out, err = io.StringIO(), io.StringIO()
        status = autopilot_command(settings, str(source), session=session,  # type: ignore[arg-type]
                                   out=out, err=err, stdin=io.StringIO(), **options)  # type: ignore[arg-type]
        return status, out.getvalue(), err.getvalue()

    preview = demo_session(settings)
    status, out, _ = run(preview, group_tag="Spares", user=None, name=None, dry_run=True,
                         typed=None)
    assert status == EXIT_OK and "Autopilot changes for 2 identity(ies):" in out
    assert f"serial {enrolled[0]['serialNumber']}: group tag" in out and "-> Spares" in out
    assert preview.fake is not None
    assert not [r for r in preview.fake.requests if r.method == "POST" and not r.path.endswith(
        "$batch")]
    refused = demo_session(settings)
    status, _, err = run(refused, group_tag="Spares", user=None, name=None, dry_run=False,
                         typed=None)
    assert status == EXIT_NOT_CONFIRMED and "--yes-i-typed 2" in err
    done = demo_session(settings)
    status, out, _ = run(done, group_tag="Spares", user=None, name=None, dry_run=False, typed=2)
    assert status == EXIT_OK and out.count(": done") == 2
    status, _, err = run(demo_session(settings), group_tag=None, user=None, name=None,
                         dry_run=True, typed=None)
    assert status == EXIT_USAGE and "--group-tag" in err

"""Offboarding: an ordered plan per device, and a runner that sends each step exactly once.

The order is Microsoft's. The Windows Autopilot docs (windows-itpro-docs,
windows/deployment/windows-autopilot/includes/deregister-autopilot-device.md, ms.date 2023-05-24,
shown on learn.microsoft.com/autopilot/registration-overview#deregister-a-device; read
2026-12-06): "Before a device is deregistered from Autopilot, it first has to be deregistered from
Intune", then "Once the device has been deregistered from Intune, it can then be deregistered from
Autopilot"; the Entra object comes last, and for Entra-joined devices the same page says deleting
it by hand is unneeded and "may cause unexpected problems", so disabling it is the default here.
So: retire or wipe -> delete the Intune record -> delete the Autopilot identity -> disable or
delete the Entra device. Each step is optional; a step that fails or cannot be settled stops the
later steps of that device (an Autopilot identity is not deleted while its Intune record is).

Calls (v1.0; see lifecycle.py for the sources): POST managedDevices/{id}/retire | wipe
(PrivilegedOperations.All); DELETE managedDevices/{id} (ManagedDevices.ReadWrite.All); DELETE
windowsAutopilotDeviceIdentities/{id} (ServiceConfig.ReadWrite.All); PATCH /devices/{id}
{"accountEnabled": false} or DELETE /devices/{id} (Directory.AccessAsUser.All, the delegated
permission those two document; plus the Entra role Intune Administrator).

The journal (`<data dir>/offboarding/<plan id>.jsonl`, 0600) holds the plan on its first line and
one line per step state, each fsync'ed: "sending" before the request leaves, the outcome after
it. A run that stops anywhere resumes from the journal: a step recorded done is never sent again,
and a step recorded "sending" or "unknown" is settled by re-reading its target first (a DELETE
whose target is gone, a PATCH whose value is set, a retire/wipe Intune lists, is done). Only a
change the re-read proves did not happen is sent again (DELETE/PATCH); a retire or wipe that
cannot be confirmed is left "unknown" for a human.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import os
from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, timedelta
from enum import Enum
from pathlib import Path
from typing import Any

from intune_tui.audit import AuditLog, AuditRecord
from intune_tui.graph.client import GraphClient
from intune_tui.graph.errors import (
    GraphError,
    GraphForbidden,
    GraphNotFound,
    NotSent,
    OutcomeUnknown,
)
from intune_tui.intune.lifecycle import (
    AUTOPILOT_PATH,
    AUTOPILOT_READ,
    AUTOPILOT_READ_WRITE,
    ENTRA_PATH,
    ENTRA_READ,
    ENTRA_WRITE,
    ENTRA_WRITE_ROLES,
    MANAGED_PATH,
    MANAGED_READ,
    JoinedDevice,
    RequestBudget,
    intune_role_words,
)
from intune_tui.text import clean

PRIVILEGED = "DeviceManagementManagedDevices.PrivilegedOperations.All"
MANAGED_READ_WRITE = "DeviceManagementManagedDevices.ReadWrite.All"
# Writes per app and tenant, kept a little under the documented figures: Intune devices 200 /
# 20 s and the other Intune groups (Autopilot is "enrollment") 100 / 20 s (reference §4); Entra
# ID 3,000 writes / 150 s (learn.microsoft.com/graph/throttling-limits, identity and access).
WRITE_BUDGETS = {"intune": (180, 20.0), "autopilot": (90, 20.0), "entra": (2700, 150.0)}
CONCURRENT_DEVICES = 4
# A DELETE/PATCH whose answer was lost is sent again only after a re-read proves it did not
# happen, and at most this many times in all.
MAX_ATTEMPTS = 3
# This machine's clock and Graph's may disagree; an action up to this much older than the plan
# still counts as the plan's own when a lost answer is settled.
CLOCK_SKEW = timedelta(hours=1)
JOURNAL_DIR = "offboarding"


class Step(Enum):
    RETIRE = "retire"
    WIPE = "wipe"
    DELETE_INTUNE = "delete-intune"
    DELETE_AUTOPILOT = "delete-autopilot"
    DISABLE_ENTRA = "disable-entra"
    DELETE_ENTRA = "delete-entra"


STEP_ORDER: tuple[Step, ...] = tuple(Step)
STEP_WORDS = {
    Step.RETIRE: "retire (remove company data)",
    Step.WIPE: "wipe (factory reset)",
    Step.DELETE_INTUNE: "delete the Intune record",
    Step.DELETE_AUTOPILOT: "delete the Autopilot identity",
    Step.DISABLE_ENTRA: "disable the Entra ID device",
    Step.DELETE_ENTRA: "delete the Entra ID device",
}
DEFAULT_STEPS = (Step.RETIRE, Step.DELETE_INTUNE, Step.DELETE_AUTOPILOT, Step.DISABLE_ENTRA)
_EXCLUSIVE = ((Step.RETIRE, Step.WIPE), (Step.DISABLE_ENTRA, Step.DELETE_ENTRA))

PENDING, SENDING, DONE, GONE, FAILED, UNKNOWN, BLOCKED = (
    "pending", "sending", "done", "already gone", "failed", "unknown", "blocked")
FINISHED = frozenset({DONE, GONE, FAILED, BLOCKED})


class PlanError(ValueError):
    """The steps asked for do not make a plan (one sentence for the user)."""


def parse_steps(text: str) -> tuple[Step, ...]:
    """`retire,delete-intune,...` -> the steps in Microsoft's order, whatever order was typed."""
    names = [name.strip().lower() for name in text.split(",") if name.strip()]
    known = {step.value: step for step in Step}
    unknown = [name for name in names if name not in known]
    if unknown:
        raise PlanError(f"unknown step {unknown[0]!r}; choose from {', '.join(known)}")
    chosen = {known[name] for name in names}
    if not chosen:
        raise PlanError("choose at least one step")
    for first, second in _EXCLUSIVE:
        if first in chosen and second in chosen:
            raise PlanError(f"choose {first.value} or {second.value}, not both")
    return tuple(step for step in STEP_ORDER if step in chosen)


@dataclass(frozen=True)
class PlannedStep:
    """One write: which step, on which record, exactly what is sent."""

    key: str  # unique in the plan: "<device number>:<step>:<target id>"
    step: str  # Step value
    method: str
    path: str
    body: dict[str, Any] | None
    target: str
    required_scope: str


@dataclass(frozen=True)
class PlannedDevice:
    name: str
    serial: str
    managed_ids: tuple[str, ...]
    autopilot_ids: tuple[str, ...]
    entra_ids: tuple[str, ...]
    steps: tuple[PlannedStep, ...]
    notes: tuple[str, ...] = ()  # steps with nothing to do, flags worth reading first


@dataclass(frozen=True)
class OffboardPlan:
    id: str
    created: str
    tenant: str
    operator: str
    steps: tuple[str, ...]
    devices: tuple[PlannedDevice, ...]

    @property
    def step_count(self) -> int:
        return sum(len(device.steps) for device in self.devices)

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> OffboardPlan:
        devices = tuple(
            PlannedDevice(
                name=item["name"], serial=item["serial"],
                managed_ids=tuple(item["managed_ids"]), autopilot_ids=tuple(item["autopilot_ids"]),
                entra_ids=tuple(item["entra_ids"]),
                steps=tuple(PlannedStep(**step) for step in item["steps"]),
                notes=tuple(item.get("notes", ())))
            for item in data["devices"])
        return cls(data["id"], data["created"], data["tenant"], data["operator"],
                   tuple(data["steps"]), devices)


def build_plan(devices: Iterable[JoinedDevice], steps: Sequence[Step], *, tenant: str,
               operator: str, now: datetime | None = None) -> OffboardPlan:
    """The plan for `devices`: for each, the chosen steps in order, one per record touched."""
    planned = []
    for number, device in enumerate(devices, start=1):
        planned.append(_plan_device(number, device, steps))
    moment = (now or datetime.now(UTC)).astimezone(UTC)
    # The id names the moment and the content: the same plan at the same second is one id
    # (Journal.create never overwrites one), another plan another id.
    digest = hashlib.sha256(json.dumps([[asdict(step) for device in planned
                                         for step in device.steps], tenant, operator],
                                       sort_keys=True).encode()).hexdigest()[:8]
    return OffboardPlan(
        id=moment.strftime("%Y%m%dT%H%M%SZ") + "-" + digest,
        created=moment.isoformat(timespec="seconds").replace("+00:00", "Z"),
        tenant=tenant, operator=operator, steps=tuple(step.value for step in steps),
        devices=tuple(planned))


def _plan_device(number: int, device: JoinedDevice, steps: Sequence[Step]) -> PlannedDevice:
    managed_ids = tuple(record.id for record in device.managed if record.id)
    autopilot_ids = tuple(record.id for record in device.autopilot if record.id)
    entra_ids = tuple(record.id for record in device.entra if record.id)
    targets = {
        Step.RETIRE: managed_ids, Step.WIPE: managed_ids, Step.DELETE_INTUNE: managed_ids,
        Step.DELETE_AUTOPILOT: autopilot_ids, Step.DISABLE_ENTRA: entra_ids,
        Step.DELETE_ENTRA: entra_ids,
    }
    planned: list[PlannedStep] = []
    notes = [flag.value for flag in device.flags]
    for step in STEP_ORDER:
        if step not in steps:
            continue
        if not targets[step]:
            notes.append(f"{STEP_WORDS[step]}: nothing to do (no such record)")
        for target in targets[step]:
            planned.append(_planned_step(f"{number}:{step.value}:{target}", step, target))
    return PlannedDevice(clean(device.name), clean(device.serial), managed_ids, autopilot_ids,
                         entra_ids, tuple(planned), tuple(notes))


def _planned_step(key: str, step: Step, target: str) -> PlannedStep:
    if step is Step.RETIRE:
        return PlannedStep(key, step.value, "POST", f"{MANAGED_PATH}/{target}/retire", None,
                           target, PRIVILEGED)
    if step is Step.WIPE:
        return PlannedStep(key, step.value, "POST", f"{MANAGED_PATH}/{target}/wipe",
                           {"keepEnrollmentData": False, "keepUserData": False}, target,
                           PRIVILEGED)
    if step is Step.DELETE_INTUNE:
        return PlannedStep(key, step.value, "DELETE", f"{MANAGED_PATH}/{target}", None, target,
                           MANAGED_READ_WRITE)
    if step is Step.DELETE_AUTOPILOT:
        return PlannedStep(key, step.value, "DELETE", f"{AUTOPILOT_PATH}/{target}", None,
                           target, AUTOPILOT_READ_WRITE)
    if step is Step.DISABLE_ENTRA:
        return PlannedStep(key, step.value, "PATCH", f"{ENTRA_PATH}/{target}",
                           {"accountEnabled": False}, target, ENTRA_WRITE)
    return PlannedStep(key, step.value, "DELETE", f"{ENTRA_PATH}/{target}", None, target,
                       ENTRA_WRITE)


def describe_plan(plan: OffboardPlan) -> list[str]:
    """The plan as lines a person reads before confirming (names already cleaned)."""
    lines = [f"Offboarding plan {plan.id}: {len(plan.devices)} device(s), "
             f"{plan.step_count} step(s), tenant {plan.tenant}"]
    for number, device in enumerate(plan.devices, start=1):
        lines.append(f"{number}. {device.name or '(no name)'}  serial {device.serial or '-'}")
        for step in device.steps:
            lines.append(f"   - {STEP_WORDS[Step(step.step)]}: {step.method} {step.path}")
        for note in device.notes:
            lines.append(f"   ! {note}")
    return lines


# --- the journal ---------------------------------------------------------------------------------
@dataclass
class StepState:
    state: str = PENDING
    http_status: int | None = None
    error: str | None = None
    request_id: str | None = None
    attempts: int = 0


class Journal:
    """The plan and every step's state on disk, private and fsync'ed line by line."""

    def __init__(self, path: Path, plan: OffboardPlan, states: dict[str, StepState]) -> None:
        self.path = path
        self.plan = plan
        self.states = states

    @classmethod
    def create(cls, directory: Path, plan: OffboardPlan) -> Journal:
        directory.mkdir(parents=True, exist_ok=True, mode=0o700)
        path = directory / f"{plan.id}.jsonl"
        if path.exists():
            raise FileExistsError(f"{path} already holds this plan; resume it instead")
        temporary = path.with_suffix(".tmp")
        descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        try:
            os.write(descriptor, (json.dumps({"plan": plan.to_json()}) + "\n").encode())
            os.fsync(descriptor)
        finally:
            os.close(descriptor)
        os.replace(temporary, path)
        states = {step.key: StepState() for device in plan.devices for step in device.steps}
        return cls(path, plan, states)

    @classmethod
    def load(cls, path: Path) -> Journal:
        lines = path.read_bytes().splitlines()
        plan = OffboardPlan.from_json(json.loads(lines[0])["plan"])
        states = {step.key: StepState() for device in plan.devices for step in device.steps}
        for raw in lines[1:]:
            try:
                entry = json.loads(raw)
            except ValueError:
                continue  # a line torn by a crash mid-write: the state before it holds
            if isinstance(entry, dict) and entry.get("key") in states:
                states[entry["key"]] = StepState(
                    entry.get("state", PENDING), entry.get("http_status"), entry.get("error"),
                    entry.get("request_id"), int(entry.get("attempts", 0)))
        return cls(path, plan, states)

    def record(self, key: str, state: StepState) -> None:
        self.states[key] = state
        line = {"key": key, "time": datetime.now(UTC).isoformat(timespec="seconds"),
                **asdict(state)}
        data = (json.dumps(line) + "\n").encode()
        descriptor = os.open(self.path, os.O_WRONLY | os.O_APPEND, 0o600)
        try:
            os.write(descriptor, data)
            os.fsync(descriptor)
        finally:
            os.close(descriptor)

    @property
    def finished(self) -> bool:
        return all(state.state in FINISHED for state in self.states.values())


def unfinished_journals(directory: Path) -> list[Path]:
    """Journals of runs that stopped before every step was settled, oldest first."""
    if not directory.is_dir():
        return []
    found = []
    for path in sorted(directory.glob("*.jsonl")):
        try:
            if not Journal.load(path).finished:
                found.append(path)
        except (OSError, ValueError, KeyError, IndexError, TypeError):
            continue
    return found


# --- the runner ----------------------------------------------------------------------------------
@dataclass(frozen=True)
class StepOutcome:
    device: PlannedDevice
    step: PlannedStep
    state: StepState


@dataclass
class OffboardReport:
    outcomes: list[StepOutcome] = field(default_factory=list)

    def count(self, state: str) -> int:
        return sum(1 for outcome in self.outcomes if outcome.state.state == state)

    @property
    def complete(self) -> bool:
        return all(outcome.state.state in (DONE, GONE) for outcome in self.outcomes)

    def lines(self) -> list[str]:
        lines = []
        for outcome in self.outcomes:
            words = STEP_WORDS[Step(outcome.step.step)]
            detail = f" ({outcome.state.error})" if outcome.state.error else ""
            lines.append(f"{outcome.device.name or outcome.device.serial}: {words}: "
                         f"{outcome.state.state}{detail}")
        lines.append(f"{self.count(DONE) + self.count(GONE)} done, {self.count(FAILED)} failed, "
                     f"{self.count(UNKNOWN)} unknown, {self.count(BLOCKED)} not sent "
                     "(an earlier step of the device did not finish)")
        return lines


REPORT_COLUMNS = [("device", "Device"), ("serial", "Serial"), ("step", "Step"),
                  ("target", "Record id"), ("state", "Outcome"), ("http_status", "HTTP"),
                  ("request_id", "Request id"), ("error", "Error")]


def report_records(report: OffboardReport) -> list[dict[str, object]]:
    """One row per step, for the CSV/JSON export of a run's report."""
    return [{"device": outcome.device.name, "serial": outcome.device.serial,
             "step": STEP_WORDS[Step(outcome.step.step)], "target": outcome.step.target,
             "state": outcome.state.state, "http_status": outcome.state.http_status,
             "request_id": outcome.state.request_id, "error": outcome.state.error}
            for outcome in report.outcomes]


class OffboardRunner:
    """Runs a journal's plan: devices side by side, each device's steps one after another."""

    def __init__(self, client: GraphClient, journal: Journal, audit: AuditLog, *,
                 writes: dict[str, RequestBudget] | None = None,
                 concurrency: int = CONCURRENT_DEVICES,
                 on_step: Callable[[StepOutcome], None] | None = None,
                 before_send: Callable[[PlannedStep], None] | None = None) -> None:
        self.client = client
        self.journal = journal
        self.audit = audit
        self.writes = writes or {area: RequestBudget(limit, window)
                                 for area, (limit, window) in WRITE_BUDGETS.items()}
        self._gate = asyncio.Semaphore(concurrency)
        self._on_step = on_step
        self._before_send = before_send
        self._journal_lock = asyncio.Lock()

    async def run(self) -> OffboardReport:
        report = OffboardReport()
        await asyncio.gather(*(self._device(device, report)
                               for device in self.journal.plan.devices))
        order = {step.key: index for index, step in enumerate(
            step for device in self.journal.plan.devices for step in device.steps)}
        report.outcomes.sort(key=lambda outcome: order[outcome.step.key])
        return report

    async def _device(self, device: PlannedDevice, report: OffboardReport) -> None:
        async with self._gate:
            stopped = False
            for step in device.steps:
                state = self.journal.states[step.key]
                if stopped and state.state not in (DONE, GONE):
                    state = StepState(BLOCKED, error="an earlier step did not finish")
                    await self._record(step.key, state)
                elif state.state in (SENDING, UNKNOWN):
                    state = await self._settle(device, step, state)
                elif state.state in (PENDING, BLOCKED, FAILED):
                    # Graph refused a failed step, so sending it again (after a fix) is safe.
                    state = await self._send(device, step, state.attempts)
                stopped = stopped or state.state not in (DONE, GONE)
                outcome = StepOutcome(device, step, state)
                report.outcomes.append(outcome)
                if self._on_step is not None:
                    self._on_step(outcome)

    async def _record(self, key: str, state: StepState) -> None:
        async with self._journal_lock:
            await asyncio.to_thread(self.journal.record, key, state)

    async def _send(self, device: PlannedDevice, step: PlannedStep, attempts: int) -> StepState:
        attempt_id = self.audit.begin(AuditRecord(
            tenant=self.journal.plan.tenant, operator=self.journal.plan.operator,
            action=f"offboard {step.step}", device_id=step.target, device_name=device.name,
            serial=device.serial, options={"plan": self.journal.plan.id, "method": step.method,
                                           "path": step.path}))
        await self._record(step.key, StepState(SENDING, attempts=attempts + 1))
        if self._before_send is not None:
            self._before_send(step)
        await self.writes[_area(step)].take(1)
        try:
            response = await self.client.request(step.method, step.path, json=step.body,
                                                 scopes=[step.required_scope],
                                                 required_scope=step.required_scope)
            state = StepState(DONE, response.status, None, response.request_id, attempts + 1)
            audit_outcome = "succeeded"
        except GraphNotFound as error:
            state = StepState(GONE, 404, None, error.request_id, attempts + 1)
            audit_outcome = "succeeded"
        except OutcomeUnknown as error:
            state = StepState(UNKNOWN, error.status, clean(str(error)), error.request_id,
                              attempts + 1)
            audit_outcome = "unknown"
        except NotSent as error:  # no token or no connection: nothing left this machine
            state = StepState(FAILED, None, clean(str(error)), None, attempts + 1)
            audit_outcome = "not_sent"
        except GraphError as error:
            state = StepState(FAILED, error.status, _refusal_words(step, error), error.request_id,
                              attempts + 1)
            audit_outcome = "failed"
        self.audit.complete(attempt_id, outcome=audit_outcome, http_status=state.http_status,
                            request_id=state.request_id, error=state.error)
        await self._record(step.key, state)
        if state.state == UNKNOWN:
            return await self._settle(device, step, state)
        return state

    async def _settle(self, device: PlannedDevice, step: PlannedStep,
                      state: StepState) -> StepState:
        """Re-read the target to learn whether an unanswered write happened."""
        try:
            happened = await self._happened(step)
        except GraphError as error:
            settled = StepState(UNKNOWN, error.status, "could not check: " + clean(str(error)),
                                error.request_id, state.attempts)
            await self._record(step.key, settled)
            return settled
        if happened:
            settled = StepState(DONE, state.http_status, None, state.request_id, state.attempts)
            await self._record(step.key, settled)
            return settled
        if step.method in ("DELETE", "PATCH") and state.attempts < MAX_ATTEMPTS:
            return await self._send(device, step, state.attempts)  # proven not to have happened
        reason = ("Intune shows no such action on the device; check it before trying again"
                  if step.method == "POST" else
                  f"no answer after {state.attempts} tries and the record is still there")
        settled = StepState(UNKNOWN, state.http_status, reason, state.request_id,
                            state.attempts)
        await self._record(step.key, settled)
        return settled

    async def _happened(self, step: PlannedStep) -> bool:
        read_path = step.path.rsplit("/", 1)[0] if step.method == "POST" else step.path
        try:
            body = await self.client.get(read_path, required_scope=_READ_SCOPES[_area(step)])
        except GraphNotFound:
            return True  # the record is gone: nothing is left for this step to do
        if step.method == "DELETE":
            return False
        if step.method == "PATCH":
            return all(body.get(key) == value for key, value in (step.body or {}).items())
        # Only an action of this name started since the plan was made counts (an old retire in
        # the device's history does not).
        action = step.path.rsplit("/", 1)[1].lower()
        created = _parse_time(self.journal.plan.created)
        since = created - CLOCK_SKEW if created is not None else None
        for result in body.get("deviceActionResults") or []:
            if not isinstance(result, dict):
                continue
            started = _parse_time(str(result.get("startDateTime") or ""))
            if str(result.get("actionName", "")).lower() == action and (
                    started is None or since is None or started >= since):
                return True
        return False


def _area(step: PlannedStep) -> str:
    if step.path.startswith(ENTRA_PATH + "/"):
        return "entra"
    return "autopilot" if step.path.startswith(AUTOPILOT_PATH) else "intune"


# The Intune permission each Intune or Autopilot step needs (roles: lifecycle.INTUNE_ROLES).
_STEP_PERMISSION = {
    Step.RETIRE.value: "Remote tasks / Retire",
    Step.WIPE.value: "Remote tasks / Wipe",
    Step.DELETE_INTUNE.value: "Managed devices / Delete",
    Step.DELETE_AUTOPILOT.value: "Enrollment programs / Delete device",
}


def _refusal_words(step: PlannedStep, error: GraphError) -> str:
    """Graph's refusal; a 403 also names the role the user needs (the scope alone is not
    enough): the Entra role on the Entra step, the Intune permission and roles on the others."""
    words = clean(str(error))
    if not isinstance(error, GraphForbidden):
        return words
    if _area(step) == "entra":
        return words + (f" Your account also needs the Entra role "
                        f"{' or '.join(ENTRA_WRITE_ROLES)} (and the delegated permission "
                        f"{ENTRA_WRITE}).")
    return words + intune_role_words(_STEP_PERMISSION[step.step])


_READ_SCOPES = {"intune": MANAGED_READ, "autopilot": AUTOPILOT_READ, "entra": ENTRA_READ}


def _parse_time(text: str) -> datetime | None:
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)

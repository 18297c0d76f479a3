"""Every test runs with its own config, data and log directories and no INTUNE_TUI_* settings
from the machine that runs it, so no test reads or writes the real home directory."""

from __future__ import annotations

import gc
import os
import weakref
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    import httpx

# `-n auto` (pyproject's addopts) starts this many workers per usable core. A UI test keeps its
# core busy only about half the time: Textual's Pilot waits for the app to go idle after every
# key (20 ms windows of its own CPU clock) and the app waits on its fake Graph thread, so one
# worker per core left ~45% of two cores unused (1,650 tests: ~540 s CPU in ~476 s wall). On a
# quiet 2-core machine (2026-12-07, 2,033 tests, one run each): 4 workers 240 s wall / 344 s
# CPU, 6 workers 201 s / 355 s; 8 added ~80 s of CPU (430 s) for no shorter wall. Again
# 2026-12-07, tests/ui/screens alone, alternating on the shared machine: 4 workers 138 s wall /
# 165 s CPU (load 4.7) and 210 s / 184 s (load 9.0); 6 workers 143 s / 176 s (load 4.0) and
# 187 s / 184 s (load 9.4): no clear winner, so 3 stays.
WORKERS_PER_CORE = 3


def pytest_xdist_auto_num_workers(config: pytest.Config) -> int | None:
    """Workers for `-n auto`: WORKERS_PER_CORE per core this process may run on, unless
    PYTEST_XDIST_AUTO_NUM_WORKERS says (xdist's own setting, then left to xdist)."""
    if os.environ.get("PYTEST_XDIST_AUTO_NUM_WORKERS"):
        return None
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return WORKERS_PER_CORE * max(1, cores or 1)


# The cyclic collector's thresholds while tests run. Textual allocates in bulk (every layout,
# every frame), so with Python's default (700 allocations) the young generation was collected
# ~1,800 times in one UI test file. With 50,000 it runs ~20 times. Same tree, only this changed,
# alternating, -n 0, user CPU: test_user_devices.py + test_audit.py 22.5 / 21.5 s -> 18.9 / 17.1 s;
# test_user_devices.py alone 12.7 / 11.5 -> 12.3 / 10.4 s. Costs ~15% more memory per worker;
# garbage is still collected, only in larger batches.
GC_THRESHOLDS = (50_000, 20, 100)

# pytest runs the full collector this many times at the end of each process (xdist worker), to
# find exceptions raised in the finalizers of garbage (`_pytest/unraisableexception.py`: 5, "as
# Trio found"). Each pass walks every object the worker has alive, ~0.25-0.5 s; one pass still
# collects all cyclic garbage and reports what its finalizers raise. pytest itself went to one
# pass on CPython later (pytest-dev/pytest#14441, merged 2026-05: five were for PyPy's
# resurrection); its key came with pytest-dev/pytest#13513 (8.4.x).
UNRAISABLE_GC_PASSES = 1


def pytest_configure(config: pytest.Config) -> None:
    try:  # pytest's own key (8.4); a pytest without it keeps its default
        from _pytest.unraisableexception import gc_collect_iterations_key
    except ImportError:
        return
    config.stash[gc_collect_iterations_key] = UNRAISABLE_GC_PASSES


def pytest_collection_finish(session: pytest.Session) -> None:
    """What is alive once the tests are collected (imported modules, the collected tests) stays
    alive to the end, so it leaves the cyclic collector's generations (`gc.freeze`): each full
    collection during the tests then walks only what the tests made (~70,000 objects fewer).
    Then the collector runs less often (`GC_THRESHOLDS`)."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(*GC_THRESHOLDS)


@pytest.fixture(autouse=True)
def isolated_app_dirs(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch):
    for name in [name for name in os.environ if name.startswith("INTUNE_TUI_")]:
        monkeypatch.delenv(name)
    root: Path = tmp_path_factory.mktemp("intune-tui-home")
    for kind in ("CONFIG", "DATA", "LOG", "CACHE"):
        monkeypatch.setenv(f"INTUNE_TUI_{kind}_DIR", str(root / kind.lower()))
    return root


@pytest.fixture
def httpx_answers(monkeypatch: pytest.MonkeyPatch) -> list[weakref.ref[httpx.Response]]:
    """Every httpx answer made during the test, in order, held weakly: whether each is freed."""
    import httpx

    answers: list[weakref.ref[httpx.Response]] = []
    created = httpx.Response.__init__

    def recorded(response: httpx.Response, *args: object, **kwargs: object) -> None:
        created(response, *args, **kwargs)
        answers.append(weakref.ref(response))

    monkeypatch.setattr(httpx.Response, "__init__", recorded)
    return answers


@pytest.fixture(autouse=True)
def logging_as_found() -> Iterator[None]:
    """`main()` sets up the process's logging (and routes warnings to it) for good: a test that
    ran it must not leave warnings routed to its log file for the tests after it."""
    yield
    from intune_tui.logs import reset_logging

    reset_logging()


@pytest.fixture(autouse=True)
def no_keyring_for_the_audit(monkeypatch: pytest.MonkeyPatch) -> None:
    """The audit chain never asks the machine's keyring in tests: an unkeyed chain unless a test
    gives an AuditLog its own key provider."""
    from intune_tui import audit

    monkeypatch.setattr(audit, "DEFAULT_KEY_PROVIDER",
                        lambda: audit.ChainKey(None, "no keyring in tests"))


@pytest.fixture(autouse=True)
def no_keyring_for_list_snapshots(monkeypatch: pytest.MonkeyPatch) -> None:
    """List snapshots never ask the machine's keyring in tests: no key, so none is written,
    unless a test gives `warm_start.KEY_SOURCE` its own keys."""
    from intune_tui import warm_start

    monkeypatch.setattr(warm_start, "KEY_SOURCE", lambda *_args, **_kwargs: None)

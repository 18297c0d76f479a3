"""Every test runs with its own config, data and log directories and no INTUNE_TUI_* settings
from the machine that runs it, so no test reads or writes the real home directory."""

from __future__ import annotations

import os
from pathlib import Path

import pytest


@pytest.fixture(autouse=True)
def isolated_app_dirs(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch):
    for name in [name for name in os.environ if name.startswith("INTUNE_TUI_")]:
        monkeypatch.delenv(name)
    root: Path = tmp_path_factory.mktemp("intune-tui-home")
    for kind in ("CONFIG", "DATA", "LOG"):
        monkeypatch.setenv(f"INTUNE_TUI_{kind}_DIR", str(root / kind.lower()))
    return root


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

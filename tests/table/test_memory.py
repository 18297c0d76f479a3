"""`table.memory`: polars' allocator is told to hand freed pages back before polars starts."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from intune_tui.table import memory

REPO = Path(__file__).resolve().parents[2]
PROBE = ("import os, sys; import intune_tui.table.columns; import polars; "
         "print(os.environ.get('_RJEM_MALLOC_CONF'))")


def run(environment: dict[str, str]) -> str:
    return subprocess.run([sys.executable, "-c", PROBE], capture_output=True, text=True,
                          check=True, cwd=REPO, env=environment).stdout.strip()


# polars puts its own settings first and the environment's after them (the last one wins).


def test_the_engine_allocator_setting_is_in_place_before_polars_starts() -> None:
    environment = {key: value for key, value in os.environ.items()
                   if key != "_RJEM_MALLOC_CONF"}
    assert run(environment).endswith("," + memory.ENGINE_ALLOCATOR)


def test_a_setting_given_in_the_environment_is_kept() -> None:
    setting = run({**os.environ, "_RJEM_MALLOC_CONF": "dirty_decay_ms:250"})
    assert setting.endswith(",dirty_decay_ms:250")
    assert memory.ENGINE_ALLOCATOR not in setting

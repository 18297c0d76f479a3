"""Where the app keeps its files: the platform's folders for intune-tui (platformdirs), each
replaced by `INTUNE_TUI_<KIND>_DIR` when that is set.

No dataclass is defined here: the CLI asks for the cache folder before its first one is
(`code_cache.py`)."""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Literal

APP_NAME = "intune-tui"
ENV_PREFIX = "INTUNE_TUI_"

Kind = Literal["config", "data", "log", "cache"]


def app_dir(kind: Kind, env: Mapping[str, str] | None = None) -> Path:
    """The app's folder of this kind (`env`, default the process's, may name another)."""
    env = os.environ if env is None else env
    chosen = env.get(f"{ENV_PREFIX}{kind.upper()}_DIR", "")
    if chosen:
        return Path(chosen).expanduser()
    import platformdirs

    platform_dirs: dict[str, Callable[..., str]] = {
        "config": platformdirs.user_config_dir, "data": platformdirs.user_data_dir,
        "log": platformdirs.user_log_dir, "cache": platformdirs.user_cache_dir}
    return Path(platform_dirs[kind](APP_NAME, appauthor=False))

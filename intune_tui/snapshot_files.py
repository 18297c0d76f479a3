"""Where a profile's list snapshots are on disk, and whether one is there: all that start-up
asks about them before its first frame (one stat). Reading and writing them is
`warm_start`'s and `snapshot`'s, imported only when there is one to read or write (their own
imports, `secrets` and `hmac` among them, stay off the first frame's path)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from intune_tui.private_files import file_stem

if TYPE_CHECKING:
    from intune_tui.config import Settings


def session_profile(settings: Settings) -> str:
    """The profile a session of `settings` is for (`session.open_session`'s: the demo's own)."""
    from intune_tui.demo.identity import DEMO_PROFILE

    return DEMO_PROFILE if settings.demo else settings.profile


def snapshots_folder(data_dir: Path, profile: str) -> Path:
    """`<data dir>/snapshots/<profile>`: every snapshot of one profile (logout deletes it)."""
    return Path(data_dir) / "snapshots" / file_stem(profile)


def snapshot_file(folder: Path, name: str) -> Path:
    """The file of list `name`'s snapshot in a profile's snapshots folder."""
    return folder / f"{name}.bin"


def snapshot_on_disk(data_dir: Path, profile: str, name: str) -> bool:
    """Whether the profile has a snapshot file of list `name` (one stat: the UI thread may ask)."""
    return snapshot_file(snapshots_folder(data_dir, profile), name).is_file()

"""Private folders and files: 0700 folders all the way down, no writes through links."""

from __future__ import annotations

import os
import stat
from collections.abc import Callable
from pathlib import Path
from typing import BinaryIO

import pytest

from intune_tui.private_files import (
    UnsafeFile,
    make_private_dir,
    read_own_private_bytes,
    write_private,
    write_private_bytes,
    write_private_stream,
)

pytestmark = pytest.mark.skipif(os.name != "posix", reason="POSIX file modes")


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_every_created_folder_is_0700_whatever_the_umask(tmp_path: Path) -> None:
    old = os.umask(0o022)
    try:
        make_private_dir(tmp_path / "data" / "exports")
    finally:
        os.umask(old)

    assert mode(tmp_path / "data") == 0o700
    assert mode(tmp_path / "data" / "exports") == 0o700


def test_an_existing_folder_keeps_its_mode(tmp_path: Path) -> None:
    shared = tmp_path / "shared"
    shared.mkdir(mode=0o755)
    shared.chmod(0o755)

    make_private_dir(shared / "mine")

    assert mode(shared) == 0o755 and mode(shared / "mine") == 0o700


def test_a_new_only_write_refuses_an_existing_file_and_leaves_it(tmp_path: Path) -> None:
    path = tmp_path / "out.csv"
    path.write_text("keep me")

    with pytest.raises(FileExistsError):
        write_private(path, lambda stream: stream.write("new"), overwrite=False)

    assert path.read_text() == "keep me"
    assert [p.name for p in tmp_path.iterdir()] == ["out.csv"]


def test_a_symlink_is_never_written_through(tmp_path: Path) -> None:
    victim = tmp_path / "victim"
    victim.write_text("precious")
    link = tmp_path / "token"
    link.symlink_to(victim)

    with pytest.raises(UnsafeFile):
        write_private(link, lambda stream: stream.write("token"))

    assert victim.read_text() == "precious" and link.is_symlink()


def test_only_the_users_own_file_that_others_cannot_write_is_read_back(tmp_path: Path) -> None:
    path = tmp_path / "cache" / "kept.bin"
    write_private_bytes(path, b"kept")
    assert read_own_private_bytes(path) == b"kept"
    os.chmod(path, 0o620)  # the group may write it: whoever did may have put anything there
    assert read_own_private_bytes(path) is None
    os.chmod(path, 0o600)
    link = tmp_path / "link.bin"
    link.symlink_to(path)
    assert read_own_private_bytes(link) is None
    assert read_own_private_bytes(tmp_path / "absent.bin") is None
    assert read_own_private_bytes(tmp_path / "cache") is None  # a folder


def test_a_streamed_file_is_private_and_replaces_the_old_one_only_once_kept(
        tmp_path: Path) -> None:
    path = tmp_path / "data" / "kept.bin"
    write_private_bytes(path, b"old")

    def in_pieces(keep: bool) -> Callable[[BinaryIO], bool]:
        def write(stream: BinaryIO) -> bool:
            stream.write(b"new, ")
            stream.write(b"in pieces")
            return keep
        return write

    def failing(stream: BinaryIO) -> bool:
        stream.write(b"half")
        raise ValueError("the rest could not be made")

    assert write_private_stream(path, in_pieces(False)) is False
    assert path.read_bytes() == b"old" and [p.name for p in path.parent.iterdir()] == ["kept.bin"]
    with pytest.raises(ValueError):
        write_private_stream(path, failing)
    assert path.read_bytes() == b"old" and [p.name for p in path.parent.iterdir()] == ["kept.bin"]
    assert write_private_stream(path, in_pieces(True)) is True
    assert path.read_bytes() == b"new, in pieces" and mode(path) == 0o600
    assert [p.name for p in path.parent.iterdir()] == ["kept.bin"]


def test_a_stream_is_never_written_through_a_symlink(tmp_path: Path) -> None:
    victim = tmp_path / "victim"
    victim.write_bytes(b"precious")
    link = tmp_path / "snapshot.bin"
    link.symlink_to(victim)
    asked: list[BinaryIO] = []

    with pytest.raises(UnsafeFile):
        write_private_stream(link, lambda stream: bool(asked.append(stream)) or True)

    assert victim.read_bytes() == b"precious" and link.is_symlink() and asked == []

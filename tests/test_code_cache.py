"""code_cache.py: dataclasses' methods run from code kept on disk are the ones compiled anew."""

from __future__ import annotations

import dataclasses
import inspect
import marshal
import os
import subprocess
import sys
import types
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from intune_tui import code_cache

REPO = Path(__file__).resolve().parents[1]

# A module of records as ours are written: future annotations, frozen, defaults, a factory.
RECORDS = '''
from __future__ import annotations
from dataclasses import dataclass, field

@dataclass(frozen=True)
class Device:
    name: str
    os: str = "Windows"
    tags: tuple[str, ...] = ()
    notes: list[str] = field(default_factory=list, compare=False)

@dataclass(order=True)
class Page:
    number: int
    items: list[Device] = field(default_factory=list)
'''


def _records() -> dict[str, Any]:
    """The module's classes, defined anew (dataclasses reads string annotations in the class's
    module, so it is in sys.modules meanwhile)."""
    module = types.ModuleType("code_cache_records")
    sys.modules[module.__name__] = module
    try:
        exec(compile(RECORDS, "records.py", "exec", dont_inherit=True), module.__dict__)
    finally:
        del sys.modules[module.__name__]
    return module.__dict__


@pytest.fixture(autouse=True)
def no_cache_left_installed() -> Iterator[None]:
    yield
    code_cache.uninstall()


def _methods(cls: type) -> dict[str, Any]:
    return {name: getattr(cls, name) for name in
            ("__init__", "__repr__", "__eq__", "__setattr__", "__delattr__", "__hash__",
             "__lt__") if name in cls.__dict__}


def _same_function(made: Any, compiled: Any) -> None:
    if not inspect.isfunction(compiled):
        assert made == compiled
        return
    for attribute in ("co_code", "co_consts", "co_names", "co_varnames", "co_flags",
                      "co_filename", "co_name", "co_freevars"):
        assert getattr(made.__code__, attribute) == getattr(compiled.__code__, attribute)
    assert made.__annotations__ == compiled.__annotations__
    assert inspect.signature(made) == inspect.signature(compiled)


def test_records_made_from_kept_code_are_the_records_compiled_anew(tmp_path: Path) -> None:
    plain = _records()
    first = code_cache.install(tmp_path)
    _records()
    assert first.compiled > 0  # nothing was kept yet: compiled, then written
    first.save()
    code_cache.uninstall()

    again = code_cache.install(tmp_path)
    kept = _records()
    assert again.compiled == 0
    for name in ("Device", "Page"):
        made, compiled = _methods(kept[name]), _methods(plain[name])
        assert made.keys() == compiled.keys()
        for method in made:
            _same_function(made[method], compiled[method])
    device = kept["Device"]("PC-1", tags=("a",))
    assert repr(device) == "Device(name='PC-1', os='Windows', tags=('a',), notes=[])"
    assert device == kept["Device"]("PC-1", tags=("a",), notes=["other"])
    assert hash(device) == hash(kept["Device"]("PC-1", tags=("a",)))
    with pytest.raises(dataclasses.FrozenInstanceError):
        device.name = "PC-2"
    assert kept["Page"](1) < kept["Page"](2)
    # Future annotations stay the module's, not the generated methods': a type, not a string.
    assert inspect.signature(kept["Page"].__init__).parameters["number"].annotation == "int"
    assert kept["Page"].__init__.__annotations__["return"] is None


def test_a_file_others_may_write_or_that_holds_no_code_is_ignored(tmp_path: Path) -> None:
    disk = code_cache.install(tmp_path)
    _records()
    disk.save()
    code_cache.uninstall()
    os.chmod(disk.path, 0o664)
    code_cache.install(tmp_path)
    _records()
    assert code_cache.install(tmp_path).compiled > 0  # compiled: the file was not read
    code_cache.uninstall()

    kept = marshal.loads(disk.path.read_bytes())
    for damaged in (b"not marshal data", marshal.dumps({key: b"\xff" for key in kept})):
        disk.path.write_bytes(damaged)
        os.chmod(disk.path, 0o600)
        code_cache.install(tmp_path)
        namespace = _records()
        assert code_cache.install(tmp_path).compiled > 0
        assert namespace["Device"]("PC-1").os == "Windows"
        code_cache.uninstall()


def test_what_another_process_kept_meanwhile_stays_in_the_file(tmp_path: Path) -> None:
    ours, theirs = code_cache.CodeOnDisk(tmp_path), code_cache.CodeOnDisk(tmp_path)
    ours.exec("def ours(): pass", {})
    theirs.exec("def theirs(): pass", {})
    theirs.save()
    ours.save()
    both = code_cache.CodeOnDisk(tmp_path)
    both.load()
    both.exec("def ours(): pass", {})
    both.exec("def theirs(): pass", {})
    assert both.compiled == 0


def test_the_cli_keeps_the_code_of_the_settings_records(tmp_path: Path) -> None:
    """The CLI installs the cache before its first dataclass (the settings) and writes it."""
    env = {**os.environ, "INTUNE_TUI_CACHE_DIR": str(tmp_path)}
    subprocess.run([sys.executable, "-m", "intune_tui", "--version"], cwd=REPO, env=env,
                   check=True, capture_output=True, timeout=60)
    check = ("from intune_tui import code_cache\n"
             "disk = code_cache.install()\n"
             "import intune_tui.config\n"
             "print(disk.compiled)\n")
    result = subprocess.run([sys.executable, "-c", check], cwd=REPO, env=env, check=True,
                            capture_output=True, text=True, timeout=60)
    assert result.stdout.split() == ["0"]


def test_past_the_most_kept_a_save_keeps_what_its_process_used(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(code_cache, "MOST_KEPT", 2)
    first = code_cache.CodeOnDisk(tmp_path)
    first.exec("def used(): pass", {})
    first.exec("def left_behind(): pass", {})
    first.save()
    later = code_cache.CodeOnDisk(tmp_path)
    later.load()
    later.exec("def used(): pass", {})
    later.exec("def new(): pass", {})
    later.save()
    kept = code_cache.CodeOnDisk(tmp_path)
    kept.load()
    for source in ("def used(): pass", "def new(): pass"):
        kept.exec(source, {})
    assert kept.compiled == 0
    kept.exec("def left_behind(): pass", {})
    assert kept.compiled == 1

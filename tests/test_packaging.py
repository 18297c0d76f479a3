"""Every package the app imports is declared in pyproject.toml (not merely installed by another)."""

from __future__ import annotations

import ast
import re
import sys
import tomllib
from importlib.metadata import packages_distributions
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def imported_top_level_modules() -> set[str]:
    names: set[str] = set()
    for path in (ROOT / "intune_tui").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                names.update(alias.name.split(".")[0] for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                names.add(node.module.split(".")[0])
    return names - set(sys.stdlib_module_names) - {"intune_tui", "__future__"}


def normalised(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def test_every_imported_third_party_package_is_a_declared_dependency() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    declared = {normalised(re.split(r"[<>=!~;\[ ]", spec, maxsplit=1)[0])
                for spec in project["dependencies"]}
    owners = packages_distributions()

    undeclared = {
        module: owners.get(module, [module])
        for module in imported_top_level_modules()
        if not any(normalised(dist) in declared for dist in owners.get(module, [module]))
    }

    assert undeclared == {}, f"imported but not in [project] dependencies: {undeclared}"


def test_textual_is_pinned_exactly_because_snapshots_depend_on_it() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]

    assert [spec for spec in project["dependencies"] if spec.startswith("textual")] == [
        spec for spec in project["dependencies"] if re.fullmatch(r"textual==\d+\.\d+\.\d+", spec)
    ]

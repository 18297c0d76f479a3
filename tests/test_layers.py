"""The layer contract (DESIGN.md), read from the source: every import, at module level or inside a
function, is checked; imports only for type checkers (`if TYPE_CHECKING:`) are not code paths
and are left out of the cycle check.

- `graph` imports nothing of ours but `text`;
- `intune` never imports `ui`, `auth`, the worker, the session or Textual;
- `demo` never imports `intune` or `graph` (the fake keeps Graph's rules on its own);
- the worker never imports `ui`; nothing below `ui` imports Textual;
- `table` (the rows a list holds) imports nothing of ours: any layer may build on it.
"""

from __future__ import annotations

import ast
from functools import cache
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "intune_tui"

# One xdist worker runs them all, so the source is parsed once (`source_imports` is cached per
# process; ~0.8 s CPU a parse) instead of once on each worker.
pytestmark = pytest.mark.xdist_group("layers")


def module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def imported_names(tree: ast.AST, *, with_type_checking: bool) -> set[str]:
    """Every absolute module name imported in `tree` (and `module.name` for `from` imports)."""
    names: set[str] = set()

    def visit(node: ast.AST) -> None:
        for child in ast.iter_child_nodes(node):
            if (not with_type_checking and isinstance(child, ast.If)
                    and isinstance(child.test, ast.Name) and child.test.id == "TYPE_CHECKING"):
                continue
            if isinstance(child, ast.Import):
                names.update(alias.name for alias in child.names)
            elif isinstance(child, ast.ImportFrom) and child.module and child.level == 0:
                names.add(child.module)
                names.update(f"{child.module}.{alias.name}" for alias in child.names)
            visit(child)

    visit(tree)
    return names


@cache
def source_imports(*, with_type_checking: bool = True) -> dict[str, set[str]]:
    return {
        module_name(path): imported_names(ast.parse(path.read_text(encoding="utf-8")),
                                          with_type_checking=with_type_checking)
        for path in sorted(PACKAGE.rglob("*.py"))
    }


# The package root only carries its version (the Graph client's User-Agent): no layer.
_ROOT = {"intune_tui", "intune_tui.__version__"}


def _under(name: str, prefix: str) -> bool:
    if name in _ROOT:
        return False
    return name == prefix or name.startswith(prefix + ".")


# (layer, what it must not import, what is allowed among those)
CONTRACTS = [
    ("intune_tui.graph", ("intune_tui",), ("intune_tui.graph", "intune_tui.text")),
    ("intune_tui.intune", ("intune_tui.ui", "intune_tui.auth", "intune_tui.worker",
                           "intune_tui.session", "intune_tui.demo", "textual"), ()),
    ("intune_tui.demo", ("intune_tui.intune", "intune_tui.graph", "intune_tui.ui",
                         "textual"), ()),
    ("intune_tui.worker", ("intune_tui.ui", "textual"), ()),
    ("intune_tui.auth", ("intune_tui.ui", "textual"), ()),
    ("intune_tui.table", ("intune_tui", "textual"), ("intune_tui.table",)),
]


@pytest.mark.parametrize(("layer", "forbidden", "allowed"), CONTRACTS,
                         ids=[contract[0] for contract in CONTRACTS])
def test_layer_imports_point_down(layer: str, forbidden: tuple[str, ...],
                                  allowed: tuple[str, ...]) -> None:
    broken = sorted(
        f"{module} imports {name}"
        for module, names in source_imports().items() if _under(module, layer)
        for name in names
        if any(_under(name, bad) for bad in forbidden)
        and not any(_under(name, ok) for ok in allowed)
    )
    assert broken == []


def test_nothing_outside_ui_imports_textual() -> None:
    broken = sorted(
        f"{module} imports {name}"
        for module, names in source_imports().items() if not _under(module, "intune_tui.ui")
        for name in names if _under(name, "textual")
    )
    assert broken == []


def test_the_contract_check_sees_a_violation() -> None:
    tree = ast.parse("def f():\n    from intune_tui.ui.app import IntuneApp\n")
    assert "intune_tui.ui.app" in imported_names(tree, with_type_checking=True)
    typed = ast.parse("if TYPE_CHECKING:\n    import textual\n")
    assert imported_names(typed, with_type_checking=False) == set()


def import_cycles() -> list[list[str]]:
    """The groups of our modules that import each other in a circle (at run time: imports for
    type checkers only are left out), each sorted; found with Tarjan's algorithm."""
    graph = {module: {name for name in names if name in names_of_modules()}
             for module, names in source_imports(with_type_checking=False).items()}
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    cycles: list[list[str]] = []

    def visit(module: str) -> None:
        index[module] = low[module] = len(index)
        stack.append(module)
        on_stack.add(module)
        for other in graph[module] - {module}:
            if other not in index:
                visit(other)
                low[module] = min(low[module], low[other])
            elif other in on_stack:
                low[module] = min(low[module], index[other])
        if low[module] == index[module]:
            group = []
            while True:
                other = stack.pop()
                on_stack.discard(other)
                group.append(other)
                if other == module:
                    break
            if len(group) > 1:
                cycles.append(sorted(group))

    for module in sorted(graph):
        if module not in index:
            visit(module)
    return sorted(cycles)


@cache
def names_of_modules() -> frozenset[str]:
    return frozenset(module_name(path) for path in PACKAGE.rglob("*.py"))


KNOWN_CYCLES: list[list[str]] = []


def test_no_import_cycles() -> None:
    assert import_cycles() == KNOWN_CYCLES

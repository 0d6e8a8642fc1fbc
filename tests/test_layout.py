"""The layout follows the pipeline: a module imports only from its own stage or earlier
ones, so the folder tree reads in the order a document travels through it."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "corpus_tool"

# In pipeline order. A module's stage is the longest entry its dotted name starts with.
STAGES = [
    ("corpus_tool", "errors", "escape", "models", "findings", "registry", "config"),
    ("sources",),
    ("parse",),
    ("normalize",),
    ("extract",),
    ("validate",),
    ("pipeline",),
    ("engines",),
    ("package",),
    ("render",),
    ("cli", "__main__"),
]
# The public facade: `corpus_tool.load` imports the loader when called.
FACADE = {"corpus_tool"}


def _name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def stage(module: str) -> int:
    rest = module.removeprefix("corpus_tool").removeprefix(".")
    top = rest.split(".")[0] if rest else "corpus_tool"
    for number, names in enumerate(STAGES):
        if top in names:
            return number
    raise AssertionError(f"module {module} has no stage: add it to STAGES in this test")


def _runtime_imports(tree: ast.Module, module: str) -> list[tuple[str, int]]:
    """corpus_tool modules imported at run time (not under `if TYPE_CHECKING:`)."""
    found: list[tuple[str, int]] = []

    def visit(node: ast.AST) -> None:
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            for child in node.orelse:
                visit(child)
            return
        if isinstance(node, ast.Import):
            found.extend((a.name, node.lineno) for a in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:  # relative: resolve against this module's package
                package = module.split(".")[: -node.level or None]
                base = ".".join([*package, base] if base else package)
            for alias in node.names:  # `from corpus_tool.x import y` may name a module y
                sub = PACKAGE.parent.joinpath(*base.split("."), alias.name)
                is_module = sub.is_dir() or sub.with_suffix(".py").is_file()
                found.append((f"{base}.{alias.name}" if is_module else base, node.lineno))
        for child in ast.iter_child_nodes(node):
            visit(child)

    visit(tree)
    return [(name, line) for name, line in found if name.split(".")[0] == "corpus_tool"]


MODULES = sorted(PACKAGE.rglob("*.py"))


def test_every_module_has_a_stage() -> None:
    for path in MODULES:
        stage(_name(path))


@pytest.mark.parametrize("path", MODULES, ids=lambda p: _name(p))
def test_no_module_imports_a_later_stage(path: Path) -> None:
    module = _name(path)
    if module in FACADE:
        return
    mine = stage(module)
    tree = ast.parse(path.read_text(encoding="utf-8"))
    later = [
        f"line {line}: imports {name} (stage {stage(name)}, after this module's {mine})"
        for name, line in _runtime_imports(tree, module)
        if stage(name) > mine
    ]
    assert not later, f"{module}: " + "; ".join(later)

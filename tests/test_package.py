"""Package-wide rules from DESIGN.md: layering, module size, public names, import hygiene."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import apex_notebook as apx

PACKAGE = Path(apx.__file__).parent
MODULES = sorted(PACKAGE.rglob("*.py"))


def _imports(path: Path) -> set[str]:
    """Every module name imported by a source file (absolute names; relative ones resolved)."""
    tree = ast.parse(path.read_text())
    package = ".".join(path.relative_to(PACKAGE.parent).with_suffix("").parts[:-1])
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.rsplit(".", node.level - 1)[0] if node.level > 1 else package
                names.add(f"{base}.{node.module}" if node.module else base)
            elif node.module:
                names.add(node.module)
    return names


def test_all_is_sorted_and_every_name_resolves() -> None:
    assert list(apx.__all__) == sorted(apx.__all__)
    for name in apx.__all__:
        assert getattr(apx, name) is not None, name


def test_the_design_names_are_public() -> None:
    for name in ("ALL", "CancelScope", "CancelPlan", "CancelResult", "Client", "Journal", "CancelPanel",
                 "ApexError", "ScopeError"):
        assert name in apx.__all__, name


def test_no_module_over_300_lines_and_no_grab_bag_modules() -> None:
    too_long = {str(p.relative_to(PACKAGE)): n for p in MODULES if (n := len(p.read_text().splitlines())) > 300}
    assert too_long == {}
    assert not [p for p in MODULES if p.stem in {"utils", "util", "helpers", "misc"}]


def test_every_module_has_a_docstring() -> None:
    missing = [str(p.relative_to(PACKAGE)) for p in MODULES if ast.get_docstring(ast.parse(p.read_text())) is None]
    assert missing == []


def test_simulator_imports_nothing_from_the_rest_of_the_package() -> None:
    for path in (PACKAGE / "simulator").rglob("*.py"):
        foreign = {n for n in _imports(path) if n.startswith("apex_notebook") and not n.startswith(
            "apex_notebook.simulator")}
        assert foreign == set(), f"{path.name} imports {foreign}"


def test_only_the_ui_layer_imports_widgets_and_matplotlib() -> None:
    ui = PACKAGE / "ui"
    for path in MODULES:
        names = _imports(path)
        if any(n.startswith(("ipywidgets", "matplotlib")) for n in names):
            assert ui in path.parents, path


def _module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _module_edges(path: Path, modules: set[str]) -> set[str]:
    """The modules (not packages) a file imports; ``from pkg import module`` counts as the module."""
    package = _module_name(path) if path.name == "__init__.py" else _module_name(path).rsplit(".", 1)[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                root = package.rsplit(".", node.level - 1)[0] if node.level > 1 else package
                base = f"{root}.{node.module}" if node.module else root
            found |= {f"{base}.{a.name}" for a in node.names} | {base}
    return found & modules


def test_no_import_cycles_between_modules() -> None:
    """Every import, TYPE_CHECKING ones included: no module reaches itself again (packages only re-export)."""
    paths = {_module_name(p): p for p in MODULES if p.name != "__init__.py"}
    graph = {name: _module_edges(path, set(paths)) - {name} for name, path in paths.items()}
    cycles = []
    for start, imported in graph.items():
        stack, seen = list(imported), set()
        while stack:
            current = stack.pop()
            if current == start:
                cycles.append(start)
                break
            if current not in seen:
                seen.add(current)
                stack.extend(graph[current])
    assert cycles == []


def test_no_function_level_imports_of_the_package() -> None:
    """Layering is visible at the top of each module; only the CLI and the demo defer their heavy parts
    (the simulator's web server, JupyterLab), so that ``apex-notebook --help`` starts at once."""
    deferred = []
    for path in MODULES:
        if path.name in {"cli.py", "demo.py"}:
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                for inner in ast.walk(node):
                    if isinstance(inner, ast.ImportFrom) and (inner.module or "").startswith("apex_notebook"):
                        deferred.append(f"{path.relative_to(PACKAGE)}:{inner.lineno}")
    assert deferred == []


def test_import_is_light_and_has_no_side_effects() -> None:
    code = ("import sys, apex_notebook; "
            "print(sorted(m for m in ('ipywidgets', 'matplotlib', 'apex_notebook.simulator') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
    assert out.stderr == ""


def _public_definitions(node: ast.AST, prefix: str = "") -> list[tuple[str, ast.AST]]:
    found: list[tuple[str, ast.AST]] = []
    for child in ast.iter_child_nodes(node):
        if isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef) and not child.name.startswith("_"):
            found.append((prefix + child.name, child))
            if isinstance(child, ast.ClassDef):
                found.extend(_public_definitions(child, f"{prefix}{child.name}."))
    return found


def test_every_public_name_has_a_docstring() -> None:
    missing = [f"{path.relative_to(PACKAGE)}:{name}" for path in MODULES
               for name, node in _public_definitions(ast.parse(path.read_text()))
               if ast.get_docstring(node) is None]  # type: ignore[arg-type]
    assert missing == []

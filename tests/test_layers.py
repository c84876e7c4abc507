"""bridge's modules import one way, from the top layer down, and never in a circle.

Every ``import`` and ``from ... import`` statement of every module under ``bridge/`` counts, wherever it
is: at the top, inside a function (a lazy import), or under ``if TYPE_CHECKING``. A lazy import still ties
the two modules together, and hiding it in a function is how circles creep in.

The layers, bottom to top (a module may import its own layer or a lower one):

0. ``bridge.errors``: the error tree, imports nothing of bridge.
1. ``bridge.api``: what actions code against.
2. ``bridge.plan``: the wire-format models.
3. ``bridge.store``: where runs are kept (SQLite, PostgreSQL).
4. ``bridge.runtime``: the Python host.
5. ``bridge.jvm``: the only package that knows a JVM exists.
6. everything else: ``bridge`` itself (``__init__``), ``bridge.cli``, ``bridge._jsonl``, ...

``bridge.api`` and ``bridge.plan`` never import jpype, pemja or py4j, so plans can be read and actions
written without a JVM bridge installed.

No two modules reach each other through imports. An import of ``pkg.sub`` also runs ``pkg/__init__``
(unless the importer is inside ``pkg``), so that package counts as imported too: a circle through a
package's ``__init__`` is as real at import time as a direct one.
"""

from __future__ import annotations

import ast
from pathlib import Path

import bridge

ROOT = Path(bridge.__file__).parent
LAYERS = ["bridge.errors", "bridge.api", "bridge.plan", "bridge.store", "bridge.runtime", "bridge.jvm"]
TOP = len(LAYERS)
JVM_BRIDGES = {"jpype", "_jpype", "pemja", "py4j"}


def _module_name(path: Path) -> str:
    parts = path.relative_to(ROOT.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES: dict[str, Path] = {_module_name(p): p for p in sorted(ROOT.rglob("*.py"))}


def _layer(module: str) -> int:
    for index, prefix in enumerate(LAYERS):
        if module == prefix or module.startswith(prefix + "."):
            return index
    return TOP


def _imports_in(source: str, module: str, *, is_package: bool) -> list[tuple[str, int]]:
    """Every module ``source`` (the text of ``module``) imports, absolute, with the line of the statement.

    ``from pkg import name`` names the submodule ``pkg.name`` when there is one, else ``pkg``.
    """
    package = module if is_package else module.rpartition(".")[0]
    found: list[tuple[str, int]] = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found.extend((alias.name, node.lineno) for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                parts = package.split(".")
                base = ".".join(parts[: len(parts) - (node.level - 1)] + ([node.module] if node.module else []))
            else:
                base = node.module or ""
            for alias in node.names:
                candidate = f"{base}.{alias.name}"
                found.append((candidate if candidate in MODULES else base, node.lineno))
    return found


def _imports(module: str) -> list[tuple[str, int]]:
    path = MODULES[module]
    return _imports_in(path.read_text(), module, is_package=path.name == "__init__.py")


def _ancestors(module: str) -> set[str]:
    parts = module.split(".")
    return {".".join(parts[:i]) for i in range(1, len(parts))}


def _graph() -> dict[str, set[str]]:
    """Module -> the bridge modules importing it runs.

    Importing ``bridge.runtime._executor`` from ``bridge.jvm._jpype`` first runs ``bridge/runtime/__init__``,
    so that package is an edge too; the importer's own ancestors are not (they are already importing).
    """
    graph: dict[str, set[str]] = {}
    for module in MODULES:
        own = _ancestors(module) | {module}
        targets: set[str] = set()
        for target, _ in _imports(module):
            if target in MODULES:
                targets |= ({target} | _ancestors(target)) - own
        graph[module] = targets
    return graph


def _strongly_connected(graph: dict[str, set[str]]) -> list[list[str]]:
    """Tarjan's algorithm: the groups of modules that reach each other through imports."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    groups: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in sorted(graph[node]):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            group = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                group.append(member)
                if member == node:
                    break
            groups.append(sorted(group))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return groups


def test_the_import_reader_sees_lazy_relative_and_type_checking_imports() -> None:
    # The checks below are only as good as the reader; this pins what it must see.
    source = ("from typing import TYPE_CHECKING\n"
              "from . import _cel\n"
              "from .. import errors\n"
              "from ._models import AgentPlan\n"
              "if TYPE_CHECKING:\n"
              "    from bridge.runtime import Runtime\n"
              "def f():\n"
              "    import bridge.jvm._backend\n")
    seen = {target for target, _ in _imports_in(source, "bridge.plan._probe", is_package=False)}
    assert seen == {"typing", "bridge.plan._cel", "bridge.errors", "bridge.plan._models", "bridge.runtime",
                    "bridge.jvm._backend"}


def test_every_module_imports_only_its_own_layer_or_lower() -> None:
    upward = []
    for module in MODULES:
        for target, line in _imports(module):
            if target in MODULES and _layer(target) > _layer(module):
                upward.append(f"{module} (line {line}) imports {target}")
    assert not upward, "imports pointing up the layers:\n  " + "\n  ".join(upward)


def test_api_and_plan_never_import_a_jvm_bridge() -> None:
    offending = [f"{module} (line {line}) imports {target}"
                 for module in MODULES if _layer(module) <= LAYERS.index("bridge.plan")
                 for target, line in _imports(module) if target.split(".")[0] in JVM_BRIDGES]
    assert not offending, "\n".join(offending)


def _why(module: str, target: str) -> str:
    """The statements of ``module`` that make it import ``target``: ``line 12: bridge.runtime._executor``."""
    return ", ".join(dict.fromkeys(f"line {line}: {imported}" for imported, line in _imports(module)
                                   if imported == target or imported.startswith(target + ".")))


def test_no_import_cycle_among_bridge_modules() -> None:
    graph = _graph()
    cycles = [group for group in _strongly_connected(graph) if len(group) > 1]
    described = []
    for group in cycles:
        members = set(group)
        edges = sorted(f"{a} -> {b} ({_why(a, b)})" for a in group for b in graph[a] if b in members)
        described.append(", ".join(group) + "\n    " + "\n    ".join(edges))
    assert not cycles, "import cycles (each group's modules reach each other):\n  " + "\n  ".join(described)

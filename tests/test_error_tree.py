"""One error tree: every exception class bridge defines is a ``BridgeError`` from ``bridge.errors``.

The rule, checked over every module of the package (each one imported, none skipped):

* A public exception class (name without a leading ``_``) must subclass :class:`bridge.BridgeError`, be
  defined in ``bridge.errors`` and be exported from ``bridge``, so ``except bridge.BridgeError`` (or the
  named subclass) catches everything bridge raises on purpose and users find every class in one place.
* A private exception class (``_Name``) is a control-flow signal of its module and may sit outside the
  tree only if it never escapes: its module must catch it (an ``except`` naming it), so callers never see
  it. ``bridge.plan._cel._EvalError`` ("no value for this event", which means "no match") is the one today.
* Exception classes are defined at module or class level, never inside a function, so this test sees them.
"""

from __future__ import annotations

import ast
import importlib
import importlib.util
import inspect
import pkgutil
import types
from collections.abc import Iterator
from pathlib import Path

import bridge
from bridge.errors import BridgeError

ROOT = Path(bridge.__file__).parent


# Modules that need an optional extra absent from this venv: bridge.flink's need PyFlink, which lives in its own
# venv (.venv-flink). Without it they cannot be imported, so their source is checked instead (below).
_EXTRA_ONLY = {"bridge.flink._function": "pyflink", "bridge.flink._job": "pyflink"}


def _importable(name: str) -> bool:
    missing = _EXTRA_ONLY.get(name)
    return missing is None or importlib.util.find_spec(missing) is not None


def _modules() -> list[types.ModuleType]:
    names = ["bridge"] + [info.name for info in pkgutil.walk_packages(bridge.__path__, "bridge.")]
    return [importlib.import_module(name) for name in names if _importable(name)]


def test_modules_that_need_an_absent_extra_define_no_exception_class() -> None:
    for name in _EXTRA_ONLY:
        source = (ROOT.parent / (name.replace(".", "/") + ".py")).read_text()
        bases = [ast.unparse(base) for node in ast.walk(ast.parse(source)) if isinstance(node, ast.ClassDef)
                 for base in node.bases]
        assert not [b for b in bases if b.endswith(("Error", "Exception"))], \
            f"{name} defines an exception class: define it in bridge.errors (the walk cannot import {name} here)"


def _classes_in(owner: type | types.ModuleType, module_name: str) -> Iterator[type]:
    for value in vars(owner).values():
        if inspect.isclass(value) and value.__module__ == module_name:
            yield value
            if value is not owner:
                yield from _classes_in(value, module_name)


def _exception_classes() -> dict[str, type[BaseException]]:
    found: dict[str, type[BaseException]] = {}
    for module in _modules():
        for cls in _classes_in(module, module.__name__):
            if issubclass(cls, BaseException):
                found[f"{cls.__module__}.{cls.__qualname__}"] = cls
    return found


def _caught_names(module_name: str) -> set[str]:
    """Names that appear in the ``except`` clauses of a module's source."""
    source = inspect.getsource(importlib.import_module(module_name))
    names: set[str] = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.ExceptHandler) and node.type is not None:
            names.update(n.id for n in ast.walk(node.type) if isinstance(n, ast.Name))
            names.update(n.attr for n in ast.walk(node.type) if isinstance(n, ast.Attribute))
    return names


def test_the_walk_imports_every_module_of_the_package() -> None:
    on_disk = {".".join(("bridge", *p.relative_to(ROOT).with_suffix("").parts)).removesuffix(".__init__")
               for p in ROOT.rglob("*.py")}
    assert {m.__name__ for m in _modules()} == {name for name in on_disk if _importable(name)}
    assert {name for name in on_disk if not _importable(name)} <= set(_EXTRA_ONLY)  # checked by their source


def test_every_public_exception_class_is_a_bridge_error_from_bridge_errors_exported_by_bridge() -> None:
    problems = []
    for name, cls in sorted(_exception_classes().items()):
        if cls.__name__.startswith("_"):
            continue
        if not issubclass(cls, BridgeError):
            problems.append(f"{name} is not a BridgeError subclass")
        if cls.__module__ != "bridge.errors":
            problems.append(f"{name} is defined outside bridge.errors")
        if getattr(bridge, cls.__name__, None) is not cls:
            problems.append(f"{name} is not exported from bridge")
    assert not problems, "\n".join(problems)


def test_a_private_exception_outside_the_tree_is_caught_by_the_module_that_raises_it() -> None:
    private = {name: cls for name, cls in _exception_classes().items()
               if cls.__name__.startswith("_") and not issubclass(cls, BridgeError)}
    for name, cls in private.items():
        assert cls.__name__ in _caught_names(cls.__module__), (
            f"{name} is a private control-flow exception outside the BridgeError tree, so its module "
            "must catch it; make it a BridgeError in bridge.errors if callers may see it")


def test_no_exception_class_is_defined_inside_a_function() -> None:
    local = []
    for source in ROOT.rglob("*.py"):
        tree = ast.parse(source.read_text())
        for func in ast.walk(tree):
            if not isinstance(func, ast.FunctionDef | ast.AsyncFunctionDef):
                continue
            for node in ast.walk(func):
                bases = [ast.unparse(b) for b in getattr(node, "bases", [])]
                if isinstance(node, ast.ClassDef) and any(b.endswith(("Error", "Exception")) for b in bases):
                    local.append(f"{source.relative_to(ROOT)}:{node.lineno} {node.name}")
    assert not local, f"exception classes defined inside functions (move them to bridge.errors): {local}"

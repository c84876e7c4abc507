"""The memory of one key and its update log: one component, so a durable store can persist it whole.

The store owns two trees, *short-term* (kept across inputs) and *sensory* (cleared after each input's run).
Object nodes are :class:`_Node` dicts, so an object created with ``new_object`` stays distinct from a
dict *value* stored with ``set``. Every write appends a :class:`MemoryUpdate` to the log: it is what a Java
action returns as JSON, what the store applies back, and what persistence will record.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from bridge.api._memory import MemoryObject
from bridge.api._values import check_portable, copy_portable
from bridge.errors import BridgeError

Scope = Literal["short_term", "sensory"]
SCOPES: tuple[Scope, ...] = ("short_term", "sensory")


class _Node(dict):
    """An object node of a memory tree (as opposed to a dict value)."""


@dataclass(frozen=True, slots=True)
class MemoryUpdate:
    """One write: ``op`` is ``set`` (with ``value``) or ``new_object``."""

    memory: Scope
    op: Literal["set", "new_object"]
    path: str
    value: Any = None

    def to_dict(self) -> dict[str, Any]:
        """The JSON form shared with the Java side."""
        d: dict[str, Any] = {"memory": self.memory, "op": self.op, "path": self.path}
        if self.op == "set":
            d["value"] = self.value
        return d


def _split(path: str) -> list[str]:
    parts = path.split(".")
    if not path or any(not p for p in parts):
        raise BridgeError(f"invalid memory path {path!r}: use dotted names like 'order.items'")
    return parts


class MemoryStore:
    """Both memory trees of one key and the log of writes since :meth:`take_log`."""

    __slots__ = ("_roots", "_log")

    def __init__(self) -> None:
        self._roots: dict[str, _Node] = {"short_term": _Node(), "sensory": _Node()}
        self._log: list[MemoryUpdate] = []

    # -- writes (all of them are logged) ----------------------------------------------------------------
    def set(self, memory: Scope, path: str, value: Any) -> None:
        """Store a portable value, creating parents; raises ValueContractError naming the path."""
        check_portable(value, f"{memory}.{path}")
        parts = _split(path)
        parent = self._parent(memory, parts, create=True)
        parent[parts[-1]] = copy_portable(value)
        self._log.append(MemoryUpdate(memory, "set", path, value))

    def new_object(self, memory: Scope, path: str, overwrite: bool = False) -> None:
        """Create an object node at ``path`` unless one exists (or replace what is there if ``overwrite``)."""
        parts = _split(path)
        parent = self._parent(memory, parts, create=True)
        current = parent.get(parts[-1])
        if isinstance(current, _Node) and not overwrite:
            return
        if current is not None and not isinstance(current, _Node) and not overwrite:
            raise BridgeError(f"memory path '{memory}.{path}' holds a value; pass overwrite=True to replace it")
        parent[parts[-1]] = _Node()
        self._log.append(MemoryUpdate(memory, "new_object", path))

    def apply(self, updates: list[dict[str, Any]]) -> None:
        """Apply updates in their JSON form (from a Java action) and log them as if written here.

        Values parsed from JSON are portable by construction and owned by nobody else, so they are
        stored without the check and copy a Python write needs.
        """
        log = self._log
        for u in updates:
            memory = u.get("memory")
            if memory not in SCOPES:
                raise BridgeError(f"memory update names an unknown memory {memory!r}: {u!r:.200}")
            if u.get("op") == "set":
                path, value = u["path"], u.get("value")
                parts = _split(path)
                self._parent(memory, parts, create=True)[parts[-1]] = value
                log.append(MemoryUpdate(memory, "set", path, value))
            elif u.get("op") == "new_object":
                self.new_object(memory, u["path"], bool(u.get("overwrite", False)))
            else:
                raise BridgeError(f"memory update has an unknown op: {u!r:.200}")

    def clear_sensory(self) -> None:
        """End of an input's run: sensory memory is forgotten (not logged: it is not state to persist)."""
        self._roots["sensory"] = _Node()

    def take_log(self) -> list[MemoryUpdate]:
        """Return and reset the updates written since the last call."""
        log, self._log = self._log, []
        return log

    # -- reads ------------------------------------------------------------------------------------------
    def lookup(self, memory: Scope, path: str) -> tuple[bool, Any]:
        """``(found, raw)`` where raw may be a node; ``path`` "" is the root."""
        node: Any = self._roots[memory]
        if path:
            for part in _split(path):
                if not isinstance(node, _Node) or part not in node:
                    return False, None
                node = node[part]
        return True, node

    def read_wire(self, memory: Scope, path: str) -> dict[str, Any] | None:
        """A read in the JSON form the Java side asks for: ``{"v": value}``, ``{"o": [fields]}`` or None."""
        found, raw = self.lookup(memory, path)
        if not found:
            return None
        if isinstance(raw, _Node):
            return {"o": list(raw)}
        return {"v": raw}

    def snapshot(self, memory: Scope) -> dict[str, Any]:
        """A plain-dict copy of one tree (for inspection and tests)."""
        return _plain(self._roots[memory])

    def _parent(self, memory: Scope, parts: list[str], *, create: bool) -> _Node:
        node = self._roots[memory]
        for i, part in enumerate(parts[:-1]):
            child = node.get(part)
            if child is None and create:
                child = node[part] = _Node()
            if not isinstance(child, _Node):
                where = ".".join(parts[: i + 1])
                raise BridgeError(f"memory path '{memory}.{where}' holds a value, not an object, so "
                                  f"'{'.'.join(parts)}' cannot be written under it")
            node = child
        return node


def _plain(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


class MemoryView(MemoryObject):
    """A :class:`MemoryObject` over one object node of a store; paths are relative to ``prefix``."""

    __slots__ = ("_store", "_memory", "_prefix")

    def __init__(self, store: MemoryStore, memory: Scope, prefix: str = "") -> None:
        self._store = store
        self._memory = memory
        self._prefix = prefix

    def _abs(self, path: str) -> str:
        return f"{self._prefix}.{path}" if self._prefix else path

    def get(self, path: str, default: Any = None) -> Any:
        full = self._abs(path)
        found, raw = self._store.lookup(self._memory, full)
        if not found:
            return default
        if isinstance(raw, _Node):
            return MemoryView(self._store, self._memory, full)
        return copy_portable(raw)

    def set(self, path: str, value: Any) -> None:
        self._store.set(self._memory, self._abs(path), value)

    def new_object(self, path: str, overwrite: bool = False) -> MemoryObject:
        full = self._abs(path)
        self._store.new_object(self._memory, full, overwrite)
        return MemoryView(self._store, self._memory, full)

    def is_exist(self, path: str) -> bool:
        return self._store.lookup(self._memory, self._abs(path))[0]

    def get_field_names(self) -> list[str]:
        found, raw = self._store.lookup(self._memory, self._prefix)
        return list(raw) if found and isinstance(raw, _Node) else []

    def get_fields(self) -> dict[str, Any]:
        return {name: self.get(name) for name in self.get_field_names()}

    def __repr__(self) -> str:
        return f"MemoryObject({self._memory}:{self._prefix or '<root>'})"

"""The memory of one key and its update log: one component, so a durable store can persist it whole.

The store owns two trees, *short-term* (kept across inputs) and *sensory* (cleared after each input's run).
Object nodes are :class:`_Node` dicts, so an object created with ``new_object`` stays distinct from a
dict *value* stored with ``set``. Every write appends a :class:`MemoryUpdate` to the log: it is what a Java
action returns as JSON, what the store applies back, and what persistence will record.
"""

from __future__ import annotations

from typing import Any, Literal, NamedTuple

from bridge.api._memory import MemoryObject
from bridge.api._values import check_portable, copy_portable
from bridge.errors import BridgeError

Scope = Literal["short_term", "sensory"]
SCOPES: tuple[Scope, ...] = ("short_term", "sensory")


class _Node(dict):
    """An object node of a memory tree (as opposed to a dict value)."""


class MemoryUpdate(NamedTuple):
    """One write: ``op`` is ``set`` (with ``value``) or ``new_object`` (value None).

    Its wire form, shared with ``dev.bridge.runtime`` on the Java side, is the JSON array
    ``[memory, op, path, value]``: compact to write in Java and cheap to parse and apply here.
    """

    memory: Scope
    op: Literal["set", "new_object"]
    path: str
    value: Any = None

    def to_wire(self) -> list[Any]:
        """The JSON array form."""
        return list(self)


_SPLIT_CACHE: dict[str, list[str]] = {}
_SCALARS = frozenset({str, int, float, bool, type(None), bytes})


def _split(path: str) -> list[str]:
    """Path parts; cached, since actions write the same few paths over and over."""
    parts = _SPLIT_CACHE.get(path)
    if parts is None:
        parts = path.split(".")
        if not path or "" in parts:
            raise BridgeError(f"invalid memory path {path!r}: use dotted names like 'order.items'")
        if len(_SPLIT_CACHE) > 65536:
            _SPLIT_CACHE.clear()
        _SPLIT_CACHE[path] = parts
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
        if type(value) not in _SCALARS:
            check_portable(value, f"{memory}.{path}")
            value = copy_portable(value)
        parts = _split(path)
        self._parent(memory, parts, create=True)[parts[-1]] = value
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
        self._log.append(MemoryUpdate(memory, "new_object", path, None))

    def apply(self, updates: list[list[Any]]) -> None:
        """Apply updates in their wire form (from a Java action) and log them as if written here.

        Values parsed from JSON are portable by construction and owned by nobody else, so they are
        stored without the check and copy a Python write needs.
        """
        log, roots, make = self._log, self._roots, tuple.__new__
        last_memory, last_head, node = None, None, None  # consecutive writes under one parent reuse it
        for update in updates:
            try:
                memory, op, path, value = update
                root = roots[memory]
            except (ValueError, TypeError, KeyError):
                raise BridgeError(f"malformed memory update {update!r:.200}: expected "
                                  "[\"short_term\"|\"sensory\", \"set\"|\"new_object\", path, value]") from None
            if op == "set":
                head, _, leaf = path.rpartition(".")
                if head != last_head or memory != last_memory:
                    parts = _split(path)
                    node = root if not head else self._parent(memory, parts, create=True)
                    last_memory, last_head = memory, head
                elif not leaf:
                    _split(path)  # raises: an empty segment
                node[leaf] = value
                log.append(make(MemoryUpdate, update))
            elif op == "new_object":  # sent when the path was absent or held a value: replace a value
                found, current = self.lookup(memory, path)
                self.new_object(memory, path, overwrite=found and type(current) is not _Node)
                last_head = None
            else:
                raise BridgeError(f"memory update has an unknown op {op!r}: {update!r:.200}")

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
        if len(parts) == 1:
            return node
        for i in range(len(parts) - 1):
            part = parts[i]
            child = node.get(part)
            if child is None and create:
                child = node[part] = _Node()
            if type(child) is not _Node:
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
        self._store.set(self._memory, f"{self._prefix}.{path}" if self._prefix else path, value)

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

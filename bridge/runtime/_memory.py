"""The memory of one key, its update log and its undo journal: the one Python implementation of the rules.

The store owns two trees, *short-term* (kept across inputs) and *sensory* (cleared after each input's run).
Object nodes are :class:`_Node` dicts, so an object created with ``new_object`` stays distinct from a dict
*value* stored with ``set``. The rules, shared with the Java ``MemoryOverlay`` through the case files in
``tests/contract/memory`` (and stated in the README):

- a path is dot-separated non-empty names; anything else is a :class:`MemoryPathError`;
- ``set`` creates missing parent objects; it refuses to write *under* a value (the value would be lost) and
  to replace an *object* with a value (as upstream Flink Agents does: "cannot overwrite object with value");
- ``new_object`` keeps an existing object as it is (with or without ``overwrite``, as upstream's Java
  runtime does; emptying it would silently drop data); over a value (``None`` included: an explicit ``None``
  exists) it needs ``overwrite=True`` and then replaces the value with an empty object;
- values are portable (:mod:`bridge.api._values`) and are checked where they enter.

Every write appends a :class:`MemoryUpdate` to the log (what a Java action returns as JSON, what the store
applies back, what persistence will record). While an action runs, :meth:`MemoryStore.begin` also keeps an
undo journal, so a failed action's writes are rolled back and memory is exactly as before it started.
"""

from __future__ import annotations

from typing import Any, Literal, NamedTuple

from bridge.api._memory import MemoryObject
from bridge.api._values import check_portable, copy_portable
from bridge.errors import MemoryPathError

Scope = Literal["short_term", "sensory"]
SCOPES: tuple[Scope, ...] = ("short_term", "sensory")
_MISSING: Any = object()


class _Node(dict):
    """An object node of a memory tree (as opposed to a dict value)."""

    __slots__ = ()


class MemoryUpdate(NamedTuple):
    """One write: ``op`` is ``set`` (with ``value``) or ``new_object`` (``value`` true: it may replace a value).

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


_new_update = tuple.__new__
_SPLIT_CACHE: dict[str, list[str]] = {}
_FAST_SCALARS = frozenset({int, bool, type(None), bytes})


def split_path(path: str) -> list[str]:
    """Path parts; cached, since actions write the same few paths over and over."""
    parts = _SPLIT_CACHE.get(path) if type(path) is str else None
    if parts is None:
        if not isinstance(path, str):
            raise MemoryPathError(f"a memory path is a str, got {type(path).__name__} {path!r:.80}")
        parts = path.split(".")
        if not path or "" in parts:
            raise MemoryPathError(f"invalid memory path {path!r}: use dot-separated, non-empty names such as "
                                  "'orders.o-1' (no empty, leading or trailing segments)")
        if len(_SPLIT_CACHE) > 65536:
            _SPLIT_CACHE.clear()
        _SPLIT_CACHE[path] = parts
    return parts


class MemoryStore:
    """Both memory trees of one key, the log of writes since :meth:`take_log`, and the undo journal."""

    __slots__ = ("_short", "_sensory", "_log", "_undo")

    def __init__(self) -> None:
        self._short = _Node()
        self._sensory: _Node | None = None  # made on first use: most keys never write sensory memory
        self._log: list[MemoryUpdate] = []
        self._undo: list[tuple[dict[str, Any], str, Any]] | None = None

    def _root(self, memory: str) -> _Node:
        if memory == "short_term":
            return self._short
        if memory == "sensory":
            if self._sensory is None:
                self._sensory = _Node()
            return self._sensory
        raise MemoryPathError(f"unknown memory {memory!r}: use 'short_term' or 'sensory'")

    # -- transactions -----------------------------------------------------------------------------------
    def begin(self) -> None:
        """Start an action's writes: from now on each change is journaled so :meth:`rollback` can undo it."""
        self._undo = []
        self._log = []

    def commit(self) -> list[MemoryUpdate]:
        """The action finished: keep its writes, return them, stop journaling."""
        self._undo = None
        log, self._log = self._log, []
        return log

    def rollback(self) -> None:
        """The action failed: undo its writes in reverse order, so memory is exactly as before it began."""
        undo, self._undo = self._undo, None
        self._log = []
        if undo:
            for parent, name, old in reversed(undo):
                if old is _MISSING:
                    del parent[name]
                else:
                    parent[name] = old

    def _put(self, parent: dict[str, Any], name: str, value: Any) -> None:
        undo = self._undo
        if undo is not None:
            undo.append((parent, name, parent.get(name, _MISSING)))
        parent[name] = value

    # -- writes (all of them are logged) ----------------------------------------------------------------
    def set(self, memory: Scope, path: str, value: Any) -> None:
        """Store a portable value at ``path``, creating parents; see the module docstring for the rules."""
        if type(value) not in _FAST_SCALARS:
            check_portable(value, f"{memory}.{path}")
            value = copy_portable(value)
        parts = (_SPLIT_CACHE.get(path) if type(path) is str else None) or split_path(path)
        parent = self._parent(memory, parts) if len(parts) > 1 else (
            self._short if memory == "short_term" else self._root(memory))
        leaf = parts[-1]
        old = parent.get(leaf, _MISSING)
        if type(old) is _Node:
            raise MemoryPathError(f"memory path '{memory}.{path}' holds an object, which a value cannot replace "
                                  "(set its fields instead, or write the value at another path)")
        if self._undo is not None:  # inlined _put: this is the hottest write path
            self._undo.append((parent, leaf, old))
        parent[leaf] = value
        self._log.append(_new_update(MemoryUpdate, (memory, "set", path, value)))  # no Python-level __new__

    def new_object(self, memory: Scope, path: str, overwrite: bool = False) -> None:
        """Make ``path`` an object node; an existing object is kept, a value is replaced only if ``overwrite``."""
        parts = split_path(path)
        parent = self._parent(memory, parts)
        leaf = parts[-1]
        current = parent.get(leaf, _MISSING)
        if type(current) is _Node:
            return
        if current is not _MISSING and not overwrite:
            raise MemoryPathError(f"memory path '{memory}.{path}' holds a value ({type(current).__name__}); "
                                  "new_object(path, overwrite=True) replaces it with an empty object")
        self._put(parent, leaf, _Node())
        self._log.append(MemoryUpdate(memory, "new_object", path, True if current is not _MISSING else None))

    def apply(self, updates: list[list[Any]]) -> None:
        """Apply updates in their wire form (from another language's action) under the same rules.

        Values parsed from JSON are owned by nobody else, so they are stored without the copy a Python write
        needs; they are still checked (a Java double can be NaN). A bad update raises, and the caller rolls
        the whole action back. Consecutive writes under one parent object (the common shape of a Java
        action's log) find the parent once.
        """
        log, undo, make = self._log, self._undo, tuple.__new__
        last_memory: Any = None
        last_head: Any = None
        parent: _Node = self._short
        for update in updates:
            try:
                memory, op, path, value = update
                if op == "set":
                    head, _, leaf = path.rpartition(".")
                else:
                    head = leaf = None
            except (ValueError, TypeError, AttributeError):
                raise MemoryPathError(f"malformed memory update {update!r:.200}: expected "
                                      "[\"short_term\"|\"sensory\", \"set\"|\"new_object\", path, value]") from None
            if leaf is not None:
                if type(value) not in _FAST_SCALARS:
                    check_portable(value, f"{memory}.{path}")
                if head != last_head or memory != last_memory:
                    if memory not in SCOPES:
                        raise MemoryPathError(f"malformed memory update {update!r:.200}: unknown memory {memory!r}")
                    parent = self._parent(memory, split_path(path))  # checks the whole path once per parent
                    last_memory, last_head = memory, head
                elif not leaf or (not head and len(path) != len(leaf)):
                    split_path(path)  # raises: an empty last segment, or a leading dot (".a" has head "")
                old = parent.get(leaf, _MISSING)
                if type(old) is _Node:
                    raise MemoryPathError(f"memory path '{memory}.{path}' holds an object, which a value "
                                          "cannot replace")
                if undo is not None:
                    undo.append((parent, leaf, old))
                parent[leaf] = value
                log.append(make(MemoryUpdate, update))
            elif op == "new_object":
                if memory not in SCOPES or type(path) is not str:
                    raise MemoryPathError(f"malformed memory update {update!r:.200}: unknown memory or a path "
                                          "that is not a string")
                self.new_object(memory, path, overwrite=bool(value))
                last_memory = None
            else:
                raise MemoryPathError(f"memory update has an unknown op {op!r}: {update!r:.200}")

    def clear_sensory(self) -> None:
        """End of an input's run: sensory memory is forgotten (not logged: it is not state to persist)."""
        self._sensory = None

    def take_log(self) -> list[MemoryUpdate]:
        """Return and reset the updates written since the last call."""
        log, self._log = self._log, []
        return log

    @property
    def empty(self) -> bool:
        """True when the key has no short-term memory (its state may then be dropped while it is idle)."""
        return not self._short

    # -- reads ------------------------------------------------------------------------------------------
    def lookup(self, memory: Scope, path: str) -> tuple[bool, Any]:
        """``(found, raw)`` where raw may be a node; ``path`` "" is the root."""
        node: Any = self._root(memory)
        if path:
            for part in split_path(path):
                if type(node) is not _Node or part not in node:
                    return False, None
                node = node[part]
        return True, node

    def field_names(self, memory: Scope, path: str) -> list[str]:
        """The fields of the object at ``path`` in order ([] when it is absent or a value)."""
        found, raw = self.lookup(memory, path)
        return list(raw) if found and type(raw) is _Node else []

    def read_wire(self, memory: Scope, path: str) -> dict[str, Any] | None:
        """A read in the JSON form the Java side asks for.

        None when absent, ``{"v": value}``, or ``{"o": [fields], "n": [fields that are objects]}`` (so Java
        checks its writes below an object without more reads).
        """
        found, raw = self.lookup(memory, path)
        if not found:
            return None
        if type(raw) is _Node:
            return {"o": list(raw), "n": [k for k, v in raw.items() if type(v) is _Node]}
        return {"v": raw}

    def snapshot(self, memory: Scope) -> dict[str, Any]:
        """A plain-dict copy of one tree (for inspection and tests)."""
        return _plain(self._root(memory))

    def dump(self, memory: Scope) -> Any:
        """One tree in its stored JSON form (None when empty); :meth:`load` reads it back.

        Object nodes are JSON objects; a value that is itself a dict or a list is wrapped as ``{"": value}``
        (no memory path segment is empty, so the wrapper cannot be mistaken for a field), which keeps an
        object made with ``new_object`` distinct from a dict value across a restart.
        """
        root = self._short if memory == "short_term" else self._sensory
        return _dump(root) if root else None

    def committed(self) -> Any:
        """The short-term tree in its stored form (:meth:`dump`) as the last finished action left it.

        A running action's writes are left out: undone for the dump, then done again in their order (the undo
        journal holds each write's parent, name and old value; the new values are read before undoing). What
        the state store writes for a key at its group commit, however far its next action has got.
        """
        undo = self._undo
        if not undo:
            return self.dump("short_term")
        redo = [(parent, name, parent.get(name, _MISSING)) for parent, name, _ in undo]
        for parent, name, old in reversed(undo):
            if old is _MISSING:
                del parent[name]
            else:
                parent[name] = old
        try:
            return self.dump("short_term")
        finally:
            for parent, name, new in redo:
                if new is _MISSING:
                    parent.pop(name, None)
                else:
                    parent[name] = new

    def load(self, memory: Scope, data: Any) -> None:
        """Replace one tree with its stored form (see :meth:`dump`); not journaled or logged."""
        node = _load(data) if data else _Node()
        if memory == "short_term":
            self._short = node
        else:
            self._sensory = node if data else None

    def _parent(self, memory: str, parts: list[str]) -> _Node:
        """The object node that holds the last part, creating missing objects; never writes under a value."""
        node = self._root(memory)
        for i in range(len(parts) - 1):
            part = parts[i]
            child = node.get(part, _MISSING)
            if child is _MISSING:
                child = _Node()
                self._put(node, part, child)
            elif type(child) is not _Node:
                where = ".".join(parts[: i + 1])
                raise MemoryPathError(f"memory path '{memory}.{where}' holds a value, not an object, so "
                                      f"'{'.'.join(parts)}' cannot be written under it (the value would be "
                                      "lost); new_object(path, overwrite=True) replaces the value first")
            node = child
        return node


def _dump(node: _Node) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name, value in node.items():
        t = type(value)
        if t is _Node:
            out[name] = _dump(value)
        elif t is dict or t is list:
            out[name] = {"": value}
        else:
            out[name] = value
    return out


def _load(data: dict[str, Any]) -> _Node:
    node = _Node()
    for name, value in data.items():
        if type(value) is dict:
            node[name] = value[""] if "" in value else _load(value)
        else:
            node[name] = value
    return node


def _plain(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


# Both hosts refuse a memory read off the action's thread with this (the context's guard, and a foreign host's
# lazy store before it would ask the host): worker threads never touch memory.
READ_FROM_ANOTHER_THREAD = ("memory was read from another thread (a durable call's worker?): memory belongs to the "
                            "action, not to the functions it calls; read it in the action and pass the value to "
                            "the call, and return values from the call and use them in the action")


class MemoryView(MemoryObject):
    """A :class:`MemoryObject` over one object node of a store; paths are relative to ``prefix``.

    ``guard`` (the running action's context) is called before every write (``check_owner``: a write from a worker
    thread or after the action ended fails with a clear error instead of racing the scheduler) and every read
    (``check_reader``: a read from another thread fails, whichever host runs the action and however large the
    key's memory is).
    """

    __slots__ = ("_store", "_memory", "_prefix", "_guard")

    def __init__(self, store: MemoryStore, memory: Scope, prefix: str = "", guard: Any = None) -> None:
        self._store = store
        self._memory = memory
        self._prefix = prefix
        self._guard = guard

    def _abs(self, path: str) -> str:
        if not self._prefix:
            return path
        split_path(path)  # a relative path is checked on its own: "a." below "x" must not become "x.a."
        return f"{self._prefix}.{path}"

    def get(self, path: str, default: Any = None) -> Any:
        if self._guard is not None:
            self._guard.check_reader()
        full = self._abs(path)
        found, raw = self._store.lookup(self._memory, full)
        if not found:
            return default
        if type(raw) in _FAST_SCALARS or type(raw) is str or type(raw) is float:
            return raw  # immutable: nothing to copy
        if type(raw) is _Node:
            return MemoryView(self._store, self._memory, full, self._guard)
        return copy_portable(raw)

    def set(self, path: str, value: Any) -> None:
        if self._guard is not None:
            self._guard.check_owner()
        self._store.set(self._memory, self._abs(path), value)

    def new_object(self, path: str, overwrite: bool = False) -> MemoryObject:
        if self._guard is not None:
            self._guard.check_owner()
        full = self._abs(path)
        self._store.new_object(self._memory, full, overwrite)
        return MemoryView(self._store, self._memory, full, self._guard)

    def is_exist(self, path: str) -> bool:
        if self._guard is not None:
            self._guard.check_reader()
        return self._store.lookup(self._memory, self._abs(path))[0]

    def get_field_names(self) -> list[str]:
        if self._guard is not None:
            self._guard.check_reader()
        return self._store.field_names(self._memory, self._prefix)

    def get_fields(self) -> dict[str, Any]:
        return {name: self.get(name) for name in self.get_field_names()}

    def __repr__(self) -> str:
        return f"MemoryObject({self._memory}:{self._prefix or '<root>'})"

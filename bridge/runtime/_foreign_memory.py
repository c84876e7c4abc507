"""A key's memory as a Python action sees it under a foreign host: read lazily from the host, written here.

The Java host owns every key's committed memory. Sending a copy of it with each Python action start costs
what the memory weighs (300 us per start for 1,000 entries, ``bench/README.md``), however little the action
reads. :class:`LazyMemoryStore` is the one :class:`MemoryStore`, with its rules, undo journal and update log,
over a tree that starts empty and *partial*: when an operation reaches a name a partial object node has not
loaded, the store asks the host once for the committed state along the path (``source.read(memory, path)``,
a call into Java that pemja makes on the scheduler thread, which is where actions run) and keeps what it
learnt, an absence too, for the rest of the action. Writes stay here and go back as the step's update log,
in the one crossing that ends the step, exactly as before. A small memory (``-Dbridge.host.eager_memory``
entries, 64 by default) is still sent whole with the start, into a plain :class:`MemoryStore`: below that size
one JSON document costs less than the calls back, as ``bench/bench_hosts.py`` measures.

The host's answer to ``read(memory, path)`` is JSON describing the walk from the root: ``{"o": d}`` says the
first ``d`` names of the path are objects, then ``"v": value`` (the next name holds a value), ``"a": 1`` (it
is absent) or nothing (``d`` is the whole path: it is an object). ``source.fields(memory, path)`` lists an
object: each field's value, a map or list value wrapped as ``{"": value}``, an object as ``{}`` (loaded
later, when something reaches into it). A field listing puts the fields in the host's order, the names this
action added after them, as the tree would hold them under the Python host.

The committed memory cannot change under a running action: the host runs nothing else of its key until the
action ends, suspensions included. The source is attached only while a step of the action runs; a read of
something not loaded yet from another thread, or after the step, is a :class:`ContextError`, never a call
into the host from the wrong thread or about another key.
"""

from __future__ import annotations

import threading
from typing import Any

from bridge.api._values import loads
from bridge.errors import ContextError, MemoryPathError
from bridge.runtime._memory import _MISSING, READ_FROM_ANOTHER_THREAD, MemoryStore, Scope, _Node, split_path


class LazyMemoryStore(MemoryStore):
    """A :class:`MemoryStore` whose committed part is loaded from a foreign host as it is reached."""

    __slots__ = ("_source", "_partial", "_absent", "_thread")

    def __init__(self, source: Any) -> None:
        super().__init__()
        self._sensory = _Node()
        self._source: Any = source  # the host's memory relay while a step runs, else None
        self._partial: dict[int, _Node] = {id(self._short): self._short, id(self._sensory): self._sensory}
        self._absent: set[tuple[str, str]] = set()  # (memory, path) the host said are absent
        self._thread = threading.get_ident()

    def attach(self, source: Any) -> None:
        """A step of the action starts (on the host's scheduler thread): reads may go to the host."""
        self._source = source
        self._thread = threading.get_ident()

    def detach(self) -> None:
        """The step ended: what was loaded stays readable, nothing more is asked of the host."""
        self._source = None

    # -- the one rule set, on a tree loaded along the path first ----------------------------------------
    def lookup(self, memory: Scope, path: str) -> tuple[bool, Any]:
        self._load_path(memory, path)
        return super().lookup(memory, path)

    def set(self, memory: Scope, path: str, value: Any) -> None:
        self._load_path(memory, path)
        super().set(memory, path, value)

    def new_object(self, memory: Scope, path: str, overwrite: bool = False) -> None:
        self._load_path(memory, path)
        super().new_object(memory, path, overwrite)

    def apply(self, updates: list[list[Any]]) -> None:
        for update in updates:
            if type(update) in (list, tuple) and len(update) == 4 and type(update[2]) is str:
                self._load_path(update[0], update[2])
        super().apply(updates)

    def field_names(self, memory: Scope, path: str) -> list[str]:
        self._load_fields(memory, path)
        return super().field_names(memory, path)

    def read_wire(self, memory: Scope, path: str) -> dict[str, Any] | None:
        self._load_fields(memory, path)
        return super().read_wire(memory, path)

    def snapshot(self, memory: Scope) -> dict[str, Any]:
        self._load_all(memory, "")
        return super().snapshot(memory)

    def dump(self, memory: Scope) -> Any:
        self._load_all(memory, "")
        return super().dump(memory)

    @property
    def empty(self) -> bool:
        return not self.field_names("short_term", "")

    # -- loading ----------------------------------------------------------------------------------------
    def _top(self, memory: str) -> _Node | None:
        if memory == "short_term":
            return self._short
        if memory == "sensory":
            return self._sensory  # None once cleared: a new tree, nothing to load
        return None  # an unknown memory: the rules raise

    def _load_path(self, memory: str, path: str) -> None:
        """Make sure every name along ``path`` is loaded (or known absent) as far as the tree goes."""
        partial = self._partial
        if not partial:
            return
        node = self._top(memory)
        if node is None:
            return
        try:
            parts = split_path(path) if path else []
        except MemoryPathError:
            return  # the rules raise it, in their order
        for i, part in enumerate(parts):
            child = node.get(part, _MISSING)
            if child is _MISSING:
                if id(node) in partial and (memory, ".".join(parts[: i + 1])) not in self._absent:
                    self._read(memory, parts, i, node)
                return
            if type(child) is not _Node:
                return  # a value: the walk ends there, as the rules' will
            node = child

    def _read(self, memory: str, parts: list[str], i: int, node: _Node) -> None:
        """Ask the host for the walk along ``parts`` and graft what it says below ``node`` (at depth ``i``)."""
        answer = self._ask("read", memory, ".".join(parts))
        objects = answer.get("o", 0)
        for j in range(i, objects):
            child = _Node()
            node[parts[j]] = child
            self._partial[id(child)] = child
            node = child
        if objects >= len(parts):
            return
        if "v" in answer:
            node[parts[objects]] = answer["v"]
        else:
            self._absent.add((memory, ".".join(parts[: objects + 1])))

    def _load_fields(self, memory: str, path: str) -> _Node | None:
        """Load the object at ``path`` whole (its fields; objects below it stay partial); None if none."""
        found, node = self.lookup(memory, path)
        if not found or type(node) is not _Node:
            return None
        if self._partial.pop(id(node), None) is not None:
            listed = self._ask("fields", memory, path) or {}
            merged: list[tuple[str, Any]] = []
            for name, stored in listed.items():
                if name in node:  # loaded or written by this action: what the action sees
                    merged.append((name, node[name]))
                elif type(stored) is dict and "" not in stored:
                    child = _Node()
                    self._partial[id(child)] = child
                    merged.append((name, child))
                else:
                    merged.append((name, stored[""] if type(stored) is dict else stored))
            merged += [(name, value) for name, value in node.items() if name not in listed]
            node.clear()  # the same dict: the undo journal and views hold it
            node.update(merged)
        return node

    def _load_all(self, memory: str, path: str) -> None:
        node = self._load_fields(memory, path)
        if node is not None:
            for name, child in list(node.items()):
                if type(child) is _Node:
                    self._load_all(memory, f"{path}.{name}" if path else name)

    def _ask(self, method: str, memory: str, path: str) -> Any:
        if threading.get_ident() != self._thread:  # first: a worker reads while the step is detached
            raise ContextError(READ_FROM_ANOTHER_THREAD)
        if self._source is None:
            raise ContextError("this action's step has ended: its memory is read while the action runs (a "
                               "MemoryObject kept after the action cannot load more of the key's memory)")
        return loads(str(getattr(self._source, method)(memory, path)))

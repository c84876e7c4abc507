"""The memory interface action authors code against; the host owns the data behind it."""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import Any


class MemoryObject(ABC):
    """A view of one object node of a memory tree, addressed with dotted paths (``"order.items"``).

    Two trees exist per key: *sensory* memory lives for one input's run, *short-term* memory is kept across
    the inputs of a key. Values must be portable (see :func:`bridge.api.check_portable`); every write is
    recorded by the host so it can cross a language boundary or be persisted.
    """

    @abstractmethod
    def get(self, path: str, default: Any = None) -> Any:
        """The value at ``path``, a :class:`MemoryObject` for an object node, ``default`` when absent."""

    @abstractmethod
    def set(self, path: str, value: Any) -> None:
        """Store a portable value at ``path``, creating missing parent objects."""

    @abstractmethod
    def new_object(self, path: str, overwrite: bool = False) -> MemoryObject:
        """Create an object node at ``path`` (or return the existing one unless ``overwrite``)."""

    @abstractmethod
    def is_exist(self, path: str) -> bool:
        """Whether anything is stored at ``path``."""

    @abstractmethod
    def get_field_names(self) -> list[str]:
        """Names of the direct fields of this object."""

    @abstractmethod
    def get_fields(self) -> dict[str, Any]:
        """Direct fields: values as they are, object nodes as :class:`MemoryObject`."""

"""The small interface every way of reaching Java implements: JPype in process, py4j in a child JVM.

The runtime talks only to :class:`JavaBridge`. A backend owns the JVM's lifecycle: a JVM cannot be restarted
in a process, so :meth:`JavaBridge.ensure_started` is idempotent and refuses a second start with other
options, naming the difference.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass
from typing import Any

from bridge.errors import JvmError
from bridge.runtime import HostServices


@dataclass(frozen=True)
class JvmOptions:
    """How to start the JVM: the JDK home, the classpath entries and the JVM flags."""

    java_home: str
    classpath: tuple[str, ...]
    jvm_args: tuple[str, ...] = ()

    def differences(self, other: JvmOptions) -> list[str]:
        """Human-readable differences, for the 'already started with other options' error."""
        out = []
        if self.java_home != other.java_home:
            out.append(f"JDK {other.java_home} (running: {self.java_home})")
        extra = [c for c in other.classpath if c not in self.classpath]
        if extra:
            out.append(f"classpath entries not loaded: {', '.join(extra)}")
        if tuple(self.jvm_args) != tuple(other.jvm_args):
            out.append(f"JVM options {list(other.jvm_args)} (running: {list(self.jvm_args)})")
        return out


class JavaBridge(ABC):
    """Calls into Java for a host: Java actions, Java resources, diagnostics.

    It implements the runtime's ``JavaHost`` interface.
    """

    options: JvmOptions | None = None

    @abstractmethod
    def ensure_started(self, options: JvmOptions) -> None:
        """Start the JVM once; a later call with other options raises :class:`JvmError`."""

    @abstractmethod
    def java_action(self, name: str, function: Any, action_config: dict[str, Any] | None,
                    plan_config: dict[str, Any], services: HostServices) -> Any:
        """An ``ActionKind`` running the static Java method named by a ``JavaFunction`` descriptor."""

    @abstractmethod
    def create_resource(self, provider: Any, services: HostServices) -> Any:
        """Build a ``JavaResourceProvider``'s resource and wrap it in the Python resource interface."""

    def prepare_resources(self, providers: list[Any]) -> None:  # noqa: B027 - optional, nothing by default
        """Load the classes of the plan's Java resources ahead of their first use (see the runtime's ``JavaHost``)."""

    @abstractmethod
    def describe(self) -> dict[str, Any]:
        """Facts for ``bridge doctor``: JVM path, version, classpath, and a round-trip call's result."""


def check_same_options(running: JvmOptions | None, wanted: JvmOptions) -> bool:
    """True when already started with compatible options; raise when started with others."""
    if running is None:
        return False
    diffs = running.differences(wanted)
    if diffs:
        raise JvmError("the JVM is already running and cannot be restarted in this process; it was asked for "
                       + "; ".join(diffs) + ". Start each differently configured run in its own process.")
    return True

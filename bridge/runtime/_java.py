"""What the runtime asks of a way to reach Java, and where that way is plugged in.

The runtime sits below the JVM package: it must not import it (not even lazily), so it defines the small
interface it needs here and the JVM package registers an implementation when it is imported
(``bridge.jvm`` does so; importing ``bridge`` imports it). A host that drives this runtime differently
(pemja, py4j, a test) passes its own object as ``Runtime(java=...)``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

from bridge.errors import JvmError


@dataclass
class HostServices:
    """What the host lends a Java action: its resources and a thread-safe wake-up for suspended runs."""

    resources: Any
    wake: Callable[[str], None]
    extras: dict[str, Any] = field(default_factory=dict)


class JavaHost(Protocol):
    """The calls the runtime makes into Java: build a Java action's kind, build a Java resource."""

    def java_action(self, name: str, function: Any, action_config: dict[str, Any] | None,
                    plan_config: dict[str, Any], services: HostServices) -> Any:
        """An ``ActionKind`` running the static Java method named by a ``JavaFunction`` descriptor."""
        ...

    def create_resource(self, provider: Any, services: HostServices) -> Any:
        """Build a ``JavaResourceProvider``'s resource and wrap it in the Python resource interface."""
        ...

    def prepare_resources(self, providers: list[Any]) -> None:
        """Load and initialize the classes of the plan's ``JavaResourceProvider``s, building nothing.

        The runtime calls it once, when it first reaches Java. A class may start slow work as it is
        initialized (a model loading its weights on a thread of its own), which then overlaps the first
        inputs' earlier actions. A class that cannot be loaded is left for :meth:`create_resource` to report.
        Optional: a host without it is not asked.
        """
        ...


_factory: Callable[[dict[str, Any]], JavaHost] | None = None


def register_java(factory: Callable[[dict[str, Any]], JavaHost]) -> None:
    """Plug in the default way to reach Java: ``factory(plan_config)`` returns a started :class:`JavaHost`."""
    global _factory
    _factory = factory


def default_java(plan_config: dict[str, Any]) -> JavaHost:
    """The registered :class:`JavaHost` for a plan's configuration."""
    if _factory is None:
        raise JvmError("this plan has Java parts but no JVM backend is registered: import bridge (which "
                       "registers the JPype backend) or pass Runtime(java=...)")
    return _factory(plan_config)

"""Building the plan's resources on first use and sharing them across actions and keys."""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Any

from bridge.api._resources import ResourceType
from bridge.errors import BridgeError, ResourceError
from bridge.plan._models import (
    AgentPlan,
    JavaResourceProvider,
    PythonResourceProvider,
)
from bridge.runtime._functions import import_qualified


class ResourceRegistry:
    """Resources by (type, name), built lazily; Java ones through the JVM backend the runtime supplies."""

    def __init__(self, plan: AgentPlan, java_factory: Callable[[JavaResourceProvider], Any] | None = None,
                 vet: Callable[[Any, str], None] | None = None) -> None:
        self._providers = plan.resource_providers
        self._java_factory = java_factory
        self._vet = vet  # checks an imported class against the allow policy (see bridge.plan._allow)
        self._built: dict[tuple[str, str], Any] = {}

    def get(self, name: str, type: ResourceType | str) -> Any:
        """The resource ``name`` of ``type``; raises ResourceError saying what the plan declares instead."""
        rtype = type.value if isinstance(type, ResourceType) else str(type)
        key = (rtype, name)
        try:
            return self._built[key]
        except KeyError:
            pass
        provider = self._providers.get(rtype, {}).get(name)
        if provider is None:
            declared = [f"{t}:{n}" for t, ps in self._providers.items() for n in ps]
            raise ResourceError(f"no {rtype} resource named '{name}' in the plan "
                                f"(declared: {', '.join(declared) or 'none'})")
        resource = self._build(provider)
        self._built[key] = resource
        return resource

    def _build(self, provider: Any) -> Any:
        where = f"resource_providers.{provider.type}.{provider.name}"
        if isinstance(provider, PythonResourceProvider):
            d = provider.descriptor
            cls = import_qualified(d.target_module, d.target_clazz, what=where)
            if self._vet is not None:
                self._vet(cls, f"{where}.descriptor.target_module")
            # A resource built from others (a chat model setup naming its connection) takes ``get_resource``,
            # as upstream's Python resources do; the plan's arguments cannot supply it.
            extra = {"get_resource": self.get} if _takes_get_resource(cls) else {}
            try:
                return cls(**{**d.arguments, **extra})
            except Exception as exc:
                raise ResourceError(f"{where}: building {d.target_module}.{d.target_clazz} failed: "
                                    f"{type(exc).__name__}: {exc}") from exc
        if isinstance(provider, JavaResourceProvider):
            if self._java_factory is None:
                raise ResourceError(f"{where}: Java resources need the JVM, which this host has not got")
            try:
                return self._java_factory(provider)
            except BridgeError:
                raise
            except Exception as exc:
                raise ResourceError(f"{where}: {type(exc).__name__}: {exc}") from exc
        raise ResourceError(f"{where}: {provider.provider_type} resources cannot be built by this host yet")


def _takes_get_resource(cls: Any) -> bool:
    try:
        return "get_resource" in inspect.signature(cls).parameters
    except (TypeError, ValueError):  # a builtin or extension class without a readable signature
        return False

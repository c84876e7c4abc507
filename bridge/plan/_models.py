"""The models of the Flink Agents plan wire format: pure data, no imports of user code.

Reading and writing must be lossless: a plan read from JSON and written back equals the input as JSON
values, whichever upstream form it used (``trigger_conditions`` today, ``listen_event_types`` and
``actions_by_event`` in the 0.3.1 release). Hence ``exclude_unset`` on output and preserved extras where
upstream keeps open dictionaries. The validator under them is :mod:`bridge.plan._fields`.
"""

from __future__ import annotations

from typing import Any

from bridge.errors import PlanError
from bridge.plan import _triggers
from bridge.plan._compile import agent_plan_data
from bridge.plan._fields import (
    Problems,
    WireModel,
    anything,
    dict_of,
    field,
    list_of,
    literal,
    optional,
    string,
    tagged,
)

_STRINGS = list_of(string)
_VALUES = dict_of(anything)


class PythonFunction(WireModel):
    """A Python function named by module and qualified name (``MyAgent.handle`` for a static method)."""

    func_type: str = field(literal("PythonFunction"), "PythonFunction")
    module: str = field(string)
    qualname: str = field(string)


class JavaFunction(WireModel):
    """A ``public static void m(Event, RunnerContext)`` Java method."""

    func_type: str = field(literal("JavaFunction"), "JavaFunction")
    qualname: str = field(string)
    method_name: str = field(string)
    parameter_types: list[str] = field(_STRINGS, factory=list)


FunctionDescriptor = PythonFunction | JavaFunction


class Action(WireModel):
    """One action: what runs (``exec``) and which events trigger it."""

    name: str = field(string)
    exec: FunctionDescriptor = field(tagged("func_type", {"PythonFunction": PythonFunction,
                                                          "JavaFunction": JavaFunction}))
    trigger_conditions: list[str] | None = field(optional(_STRINGS), None)
    listen_event_types: list[str] | None = field(optional(_STRINGS), None)
    config: dict[str, Any] | None = field(optional(_VALUES), None)

    def _check(self) -> None:
        if self.trigger_conditions is None and self.listen_event_types is None:
            raise ValueError("an action needs 'trigger_conditions' (or the 0.3.1 form 'listen_event_types')")
        for entry in self.triggers:
            _triggers.validate(entry)

    @property
    def triggers(self) -> list[str]:
        """Trigger entries, whichever form the plan used."""
        return list(self.trigger_conditions or []) + list(self.listen_event_types or [])


class PythonResourceDescriptor(WireModel, open=True):
    """A Python class and the keyword arguments to build it with."""

    target_module: str = field(string)
    target_clazz: str = field(string)
    arguments: dict[str, Any] = field(_VALUES, factory=dict)


class JavaResourceDescriptor(WireModel, open=True):
    """A Java class (fully qualified) and the arguments mapped onto it by Jackson."""

    target_clazz: str = field(string)
    arguments: dict[str, Any] = field(_VALUES, factory=dict)


_TAG = "__resource_provider_type__"


def _provider_type(name: str) -> Any:
    """The type tag field of a provider: written under ``__resource_provider_type__``, absent when not given."""
    return field(literal(name), name, alias=_TAG)


class PythonResourceProvider(WireModel):
    """Builds a Python resource; the default when a provider carries no type tag."""

    name: str = field(string)
    type: str = field(string)
    descriptor: PythonResourceDescriptor = field(PythonResourceDescriptor.validate)
    provider_type: str = _provider_type("PythonResourceProvider")


class PythonSerializableResourceProvider(WireModel, open=True):
    """A resource stored in serialized form (e.g. a function tool)."""

    name: str = field(string)
    type: str = field(string)
    module: str = field(string)
    clazz: str = field(string)
    serialized: dict[str, Any] = field(_VALUES)
    provider_type: str = _provider_type("PythonSerializableResourceProvider")


class JavaResourceProvider(WireModel):
    """Builds a Java resource by reflection in the embedded JVM."""

    name: str = field(string)
    type: str = field(string)
    descriptor: JavaResourceDescriptor = field(JavaResourceDescriptor.validate)
    provider_type: str = _provider_type("JavaResourceProvider")


class JavaSerializableResourceProvider(WireModel, open=True):
    """A Java resource in serialized form (read and written, not built yet)."""

    name: str = field(string)
    type: str = field(string)
    provider_type: str = _provider_type("JavaSerializableResourceProvider")


ResourceProvider = (PythonResourceProvider | PythonSerializableResourceProvider | JavaResourceProvider
                    | JavaSerializableResourceProvider)
_PROVIDERS = tagged(_TAG, {cls.__name__: cls for cls in (PythonResourceProvider, PythonSerializableResourceProvider,
                                                          JavaResourceProvider, JavaSerializableResourceProvider)},
                    default="PythonResourceProvider")


class PlanConfig(WireModel, open=True):
    """Plan-wide configuration; ``conf_data`` is what ``ctx.config`` returns."""

    conf_data: dict[str, Any] = field(_VALUES, factory=dict)


class AgentPlan(WireModel, open=True):
    """A whole plan: actions, resource providers and configuration."""

    agent_name: str | None = field(optional(string), None)
    actions: dict[str, Action] = field(dict_of(Action.validate))
    actions_by_event: dict[str, list[str]] | None = field(optional(dict_of(_STRINGS)), None)
    resource_providers: dict[str, dict[str, ResourceProvider]] = field(dict_of(dict_of(_PROVIDERS)), factory=dict)
    config: PlanConfig | None = field(optional(PlanConfig.validate), None)

    def _check(self) -> None:
        for key, action in self.actions.items():
            if key != action.name:
                raise ValueError(f"actions.{key}: the key differs from the action's name {action.name!r}")
        for event_type, names in (self.actions_by_event or {}).items():
            for name in names:
                if name not in self.actions:
                    raise ValueError(f"actions_by_event.{event_type}: unknown action {name!r}")
        for rtype, providers in self.resource_providers.items():
            for name, provider in providers.items():
                if provider.name != name or provider.type != rtype:
                    raise ValueError(f"resource_providers.{rtype}.{name}: name/type differ from the provider's "
                                     f"({provider.name!r}, {provider.type!r})")

    @property
    def conf_data(self) -> dict[str, Any]:
        """The plan's configuration values (empty when none)."""
        return self.config.conf_data if self.config else {}

    def to_dict(self) -> dict[str, Any]:
        """The wire form as Python values: only the fields the plan was given or built with."""
        return self.model_dump(mode="json", by_alias=True, exclude_unset=True)

    def to_json(self, indent: int | None = 2) -> str:
        """The wire form as JSON text (compact when ``indent`` is None)."""
        import json

        separators = (",", ": ") if indent is not None else (",", ":")
        return json.dumps(self.to_dict(), indent=indent, separators=separators, ensure_ascii=False)

    def to_yaml(self) -> str:
        """The wire form as YAML text."""
        import yaml

        return yaml.safe_dump(self.to_dict(), sort_keys=False)

    @classmethod
    def from_data(cls, data: Any, *, file: str | None = None) -> AgentPlan:
        """Validate already-parsed plan data; a :class:`PlanError` lists every problem with its field path."""
        if not isinstance(data, dict):
            raise PlanError(f"a plan is a JSON/YAML object, got {type(data).__name__}", file=file)
        problems = Problems()
        plan = cls.validate(data, (), problems)
        problems.raise_if_any(file)
        return plan

    @classmethod
    def from_agent(cls, agent: type) -> AgentPlan:
        """Compile a plan from a Python ``Agent`` subclass (see :mod:`bridge.plan._compile`)."""
        data, file = agent_plan_data(agent)
        return cls.from_data(data, file=file)

"""Pydantic models of the Flink Agents plan wire format: pure data, no imports of user code.

Reading and writing must be lossless: a plan read from JSON and written back equals the input as JSON
values, whichever upstream form it used (``trigger_conditions`` today, ``listen_event_types`` and
``actions_by_event`` in the 0.3.1 release). Hence ``exclude_unset`` on output and preserved extras where
upstream keeps open dictionaries.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Discriminator, Field, Tag, ValidationError, model_validator

from bridge.errors import PlanError
from bridge.plan import _triggers
from bridge.plan._compile import agent_plan_data

_STRICT = ConfigDict(extra="forbid", populate_by_name=True)
_OPEN = ConfigDict(extra="allow", populate_by_name=True)


class PythonFunction(BaseModel):
    """A Python function named by module and qualified name (``MyAgent.handle`` for a static method)."""

    model_config = _STRICT
    func_type: Literal["PythonFunction"] = "PythonFunction"
    module: str
    qualname: str


class JavaFunction(BaseModel):
    """A ``public static void m(Event, RunnerContext)`` Java method."""

    model_config = _STRICT
    func_type: Literal["JavaFunction"] = "JavaFunction"
    qualname: str
    method_name: str
    parameter_types: list[str] = Field(default_factory=list)


FunctionDescriptor = Annotated[PythonFunction | JavaFunction, Field(discriminator="func_type")]


class Action(BaseModel):
    """One action: what runs (``exec``) and which events trigger it."""

    model_config = _STRICT
    name: str
    exec: FunctionDescriptor
    trigger_conditions: list[str] | None = None
    listen_event_types: list[str] | None = None
    config: dict[str, Any] | None = None

    @model_validator(mode="after")
    def _check_triggers(self) -> Action:
        if self.trigger_conditions is None and self.listen_event_types is None:
            raise ValueError("an action needs 'trigger_conditions' (or the 0.3.1 form 'listen_event_types')")
        for entry in self.triggers:
            _triggers.validate(entry)
        return self

    @property
    def triggers(self) -> list[str]:
        """Trigger entries, whichever form the plan used."""
        return list(self.trigger_conditions or []) + list(self.listen_event_types or [])


class PythonResourceDescriptor(BaseModel):
    """A Python class and the keyword arguments to build it with."""

    model_config = _OPEN
    target_module: str
    target_clazz: str
    arguments: dict[str, Any] = Field(default_factory=dict)


class JavaResourceDescriptor(BaseModel):
    """A Java class (fully qualified) and the arguments mapped onto it by Jackson."""

    model_config = _OPEN
    target_clazz: str
    arguments: dict[str, Any] = Field(default_factory=dict)


_TAG = "__resource_provider_type__"


class PythonResourceProvider(BaseModel):
    """Builds a Python resource; the default when a provider carries no type tag."""

    model_config = _STRICT
    name: str
    type: str
    descriptor: PythonResourceDescriptor
    provider_type: Literal["PythonResourceProvider"] = Field("PythonResourceProvider", alias=_TAG)


class PythonSerializableResourceProvider(BaseModel):
    """A resource stored in serialized form (e.g. a function tool)."""

    model_config = _OPEN
    name: str
    type: str
    module: str
    clazz: str
    serialized: dict[str, Any]
    provider_type: Literal["PythonSerializableResourceProvider"] = Field(
        "PythonSerializableResourceProvider", alias=_TAG)


class JavaResourceProvider(BaseModel):
    """Builds a Java resource by reflection in the embedded JVM."""

    model_config = _STRICT
    name: str
    type: str
    descriptor: JavaResourceDescriptor
    provider_type: Literal["JavaResourceProvider"] = Field("JavaResourceProvider", alias=_TAG)


class JavaSerializableResourceProvider(BaseModel):
    """A Java resource in serialized form (read and written, not built yet)."""

    model_config = _OPEN
    name: str
    type: str
    provider_type: Literal["JavaSerializableResourceProvider"] = Field(
        "JavaSerializableResourceProvider", alias=_TAG)


def _provider_tag(value: Any) -> str:
    if isinstance(value, dict):
        return value.get(_TAG, "PythonResourceProvider")
    return getattr(value, "provider_type", "PythonResourceProvider")


ResourceProvider = Annotated[
    Annotated[PythonResourceProvider, Tag("PythonResourceProvider")]
    | Annotated[PythonSerializableResourceProvider, Tag("PythonSerializableResourceProvider")]
    | Annotated[JavaResourceProvider, Tag("JavaResourceProvider")]
    | Annotated[JavaSerializableResourceProvider, Tag("JavaSerializableResourceProvider")],
    Discriminator(_provider_tag),
]


class PlanConfig(BaseModel):
    """Plan-wide configuration; ``conf_data`` is what ``ctx.config`` returns."""

    model_config = _OPEN
    conf_data: dict[str, Any] = Field(default_factory=dict)


class AgentPlan(BaseModel):
    """A whole plan: actions, resource providers and configuration."""

    model_config = _OPEN
    agent_name: str | None = None
    actions: dict[str, Action]
    actions_by_event: dict[str, list[str]] | None = None
    resource_providers: dict[str, dict[str, ResourceProvider]] = Field(default_factory=dict)
    config: PlanConfig | None = None

    @model_validator(mode="after")
    def _check_names(self) -> AgentPlan:
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
        return self

    @property
    def conf_data(self) -> dict[str, Any]:
        """The plan's configuration values (empty when none)."""
        return self.config.conf_data if self.config else {}

    def to_dict(self) -> dict[str, Any]:
        """The wire form as Python values: only the fields the plan was given or built with."""
        return self.model_dump(mode="json", by_alias=True, exclude_unset=True)

    def to_json(self, indent: int | None = 2) -> str:
        """The wire form as JSON text."""
        return self.model_dump_json(by_alias=True, exclude_unset=True, indent=indent)

    def to_yaml(self) -> str:
        """The wire form as YAML text."""
        import yaml

        return yaml.safe_dump(self.to_dict(), sort_keys=False)

    @classmethod
    def from_data(cls, data: Any, *, file: str | None = None) -> AgentPlan:
        """Validate already-parsed plan data; a :class:`PlanError` lists every problem with its field path."""
        if not isinstance(data, dict):
            raise PlanError(f"a plan is a JSON/YAML object, got {type(data).__name__}", file=file)
        try:
            return cls.model_validate(data)
        except ValidationError as exc:
            problems = [f"{_loc(err['loc'])}: {err['msg']}" for err in exc.errors()]
            first_path = _loc(exc.errors()[0]["loc"]) if exc.errors() else None
            raise PlanError("invalid plan:\n  " + "\n  ".join(problems), file=file, path=first_path) from None

    @classmethod
    def from_agent(cls, agent: type) -> AgentPlan:
        """Compile a plan from a Python ``Agent`` subclass (see :mod:`bridge.plan._compile`)."""
        data, file = agent_plan_data(agent)
        return cls.from_data(data, file=file)


def _loc(loc: tuple[Any, ...]) -> str:
    """A pydantic error location as the plan's field path (``actions.a.exec``, ``[0]`` for list items)."""
    parts: list[str] = []
    for item in loc:
        if isinstance(item, int):
            parts.append(f"[{item}]")
        elif isinstance(item, str) and (item.startswith("function-") or item[:1].isupper() and "Provider" in item):
            continue  # pydantic's union-branch labels, not fields of the plan
        else:
            parts.append(("." if parts else "") + str(item))
    return "".join(parts) or "<root>"

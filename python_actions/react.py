"""A ReAct agent: the input is the user's message, the chat ↔ tool loop works it out, the answer is the output.

Plan: three PythonFunction actions, ``python_actions.react:react`` on ``_input_event`` and
``_chat_response_event`` plus the loop's ``python_actions.agents:chat`` and ``python_actions.agents:tools``
(or an ``Agent`` class inheriting :class:`ReActAgent`). Settings (the react action's ``config``, else
``conf_data["agents.<name>"]``):

- ``model`` (required): the chat model resource, Java or Python.
- ``system_prompt`` (optional): the first message.
- ``output_schema`` (optional): a pydantic model given by dotted name (``myco.answers.Answer``) or a JSON
  schema object. The answer's content must then be JSON that passes it; the output is that JSON. An answer
  that fails gets one retry, with the validation error sent back to the model; a second failure is an
  :class:`OutputSchemaError` with the validation message.

Without an output schema the output is the answer's text. A chat response this action did not ask for (it
keeps its requests in sensory memory, ``agents.react.<request id>``) is left alone.
"""

from __future__ import annotations

import importlib
import json
from typing import Any

from bridge import OutputEvent, OutputSchemaError, ResourceType, RunnerContext, action
from bridge.api import ChatRequestEvent, ChatResponseEvent, InputEvent
from bridge.api._values import dumps_str
from python_actions._schema import schema_errors
from python_actions.agents import ChatAgent, conversation, segment, setting, typed

REACT = "agents.react"




def react(event: Any, ctx: RunnerContext) -> None:
    """Start a conversation from an input, or finish one from the chat response it led to."""
    event = typed(event)
    if isinstance(event, InputEvent):
        _start(event, ctx)
    elif isinstance(event, ChatResponseEvent):
        _finish(event, ctx)
    else:
        raise TypeError(f"the react action takes _input_event and _chat_response_event, not {event.type!r}; fix "
                        "its trigger_conditions")


class ReActAgent(ChatAgent):
    """A ReAct agent as an ``Agent`` class: set ``config`` (``agents.model`` ...) and ``resource_providers``."""

    react = action(InputEvent, ChatResponseEvent)(staticmethod(react))


def _start(event: Any, ctx: RunnerContext) -> None:
    model = setting(ctx, "model")
    if not isinstance(model, str) or not model:
        raise ValueError("the react action needs a chat model: set 'model' in its config (or conf_data "
                         "'agents.model') to a chat_model resource of the plan")
    spec = setting(ctx, "output_schema")
    json_schema = _Schema.load(spec).json_schema if spec is not None else None
    messages: list[dict[str, Any]] = []
    text = event.input if isinstance(event.input, str) else dumps_str(event.input)
    prompt_name = setting(ctx, "prompt")
    if prompt_name:  # a prompt resource makes the opening messages, with the input as its {input} variable
        prompt = ctx.get_resource(str(prompt_name), ResourceType.PROMPT)
        if not callable(getattr(prompt, "format_messages", None)):
            raise ValueError(f"the react action's prompt '{prompt_name}' has no format_messages(); use a "
                             "python_actions.prompts.Prompt resource")
        messages.extend(prompt.format_messages("user", input=text))
    else:
        system = setting(ctx, "system_prompt")
        if system:
            messages.append({"role": "system", "content": str(system)})
        messages.append({"role": "user", "content": text})
    if json_schema is not None:
        messages.append({"role": "user", "content": "Answer with only a JSON value matching this JSON schema: "
                         f"{json.dumps(json_schema)}"})
    _ask(ctx, {"model": model, "output_schema": spec, "attempt": 1}, messages, json_schema)


def _ask(ctx: RunnerContext, state: dict[str, Any], messages: list[dict[str, Any]], json_schema: Any) -> None:
    request = ChatRequestEvent(model=state["model"], messages=messages, output_schema=json_schema)
    ctx.sensory_memory.set(f"{REACT}.{segment(request.id)}", state)
    ctx.send_event(request)


def _finish(event: Any, ctx: RunnerContext) -> None:
    state = ctx.sensory_memory.get(f"{REACT}.{segment(event.request_id)}")
    if state is None:
        return  # a chat response to a request another action made
    content = (event.response or {}).get("content") or ""
    if state.get("output_schema") is None:
        ctx.send_event(OutputEvent(output=content))
        return
    schema = _Schema.load(state["output_schema"])
    value, problem = schema.check(content)
    if problem is None:
        ctx.send_event(OutputEvent(output=value))
        return
    if state["attempt"] >= 2:
        raise OutputSchemaError(f"key {ctx.key!r}: the answer of chat model '{state['model']}' failed the output "
                                f"schema {schema.label} twice (after one retry): {problem}. Last answer: "
                                f"{content!r:.300}")
    talk = conversation(ctx, event.request_id)
    messages = list(talk["messages"]) if talk else [event.response]
    messages.append({"role": "user", "content": f"Your answer does not match the output schema: {problem}. "
                     f"Answer again with only a JSON value matching: {json.dumps(schema.json_schema)}"})
    _ask(ctx, {**state, "attempt": state["attempt"] + 1}, messages, schema.json_schema)


class _Schema:
    """An output schema: a pydantic model class (by dotted name) or a JSON schema object."""

    def __init__(self, label: str, json_schema: dict[str, Any], model: Any = None) -> None:
        self.label = label
        self.json_schema = json_schema
        self.model = model

    @staticmethod
    def load(spec: Any) -> _Schema:
        if isinstance(spec, dict):
            return _Schema("(JSON schema)", spec)
        if not isinstance(spec, str) or "." not in spec:
            raise ValueError(f"output_schema must be a pydantic model's dotted name (myco.answers.Answer) or a "
                             f"JSON schema object, not {spec!r:.100}")
        module, _, name = spec.rpartition(".")
        try:
            cls = getattr(importlib.import_module(module), name)
        except (ImportError, AttributeError) as exc:
            raise ValueError(f"output_schema '{spec}' cannot be imported ({exc}); give module.ClassName of a "
                             "pydantic model") from None
        if not hasattr(cls, "model_validate_json"):
            raise ValueError(f"output_schema '{spec}' is a {type(cls).__name__}, not a pydantic model class")
        return _Schema(f"'{spec}'", cls.model_json_schema(), cls)

    def check(self, content: str) -> tuple[Any, str | None]:
        """``(value, None)`` when ``content`` passes, else ``(None, what is wrong)``."""
        text = _unfenced(content)
        try:  # NaN and Infinity are not JSON (and not portable): a schema failure the model gets to retry
            value = json.loads(text, parse_constant=_no_constant)
        except ValueError as exc:
            return None, f"the answer is not JSON ({exc})"
        if self.model is not None:
            try:
                return self.model.model_validate(value).model_dump(mode="json"), None
            except ValueError as exc:  # pydantic's ValidationError is a ValueError
                return None, " ".join(str(exc).split())
        problems = schema_errors(value, self.json_schema)
        return (value, None) if not problems else (None, "; ".join(problems))


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON number")


def _unfenced(content: str) -> str:
    """The answer without a Markdown code fence around it, which models add to JSON out of habit."""
    text = content.strip()
    if text.startswith("```") and text.endswith("```") and len(text) >= 6:
        text = text[3:-3]
        if text.startswith("json"):
            text = text[4:]
    return text.strip()

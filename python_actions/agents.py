"""Built-in agent actions: the chat ↔ tool loop, with chat models and tools from either language.

Name them in a plan as PythonFunction actions, or inherit them in an ``Agent`` class (:class:`ChatAgent`):

- ``python_actions.agents:chat`` on ``_chat_request_event`` and ``_tool_response_event``: asks the chat model
  resource the request names, with the conversation and the tool schemas; tool calls become a
  ``ToolRequestEvent``, a final answer a ``ChatResponseEvent`` (``request_id`` = the chat request's id).
- ``python_actions.agents:tools`` on ``_tool_request_event``: runs each call through
  ``ctx.get_resource(name, "tool")``, Java or Python. A missing tool, arguments that break its schema or a
  tool that raises become a result the model reads on its next turn, never a crashed run: a model recovers
  from those, and a real one makes them.

Settings come from the action's ``config``, else the plan's ``conf_data`` under ``agents.<name>`` (an
``Agent`` class has no per-action config): ``max_iterations`` (model calls per conversation, default 10; one
more is an :class:`AgentLoopError` naming the key) and ``tools`` (the tool resource names whose schemas the
model is offered; a Python model gets them when its ``chat`` takes ``tools=``). A
:class:`~python_actions.chat_models.ChatModelSetup` adds the ``tools`` of its own arguments after these, each
name once: the action decides what this conversation may use, the setup what its model always gets.

The conversation lives in sensory memory, ``agents.conversations.<chat request id>`` (``model``,
``messages``, ``model_calls``), so an action later in the same run can inspect it; every model and tool
call goes through ``ctx.durable_execute_async``, so a durable store can replay them and other keys go on
while a model thinks.
"""

from __future__ import annotations

import inspect
import json
import uuid
from collections.abc import Callable
from typing import Any

from bridge import Agent, Event, PlanError, ResourceType, RunnerContext, ToolArgumentError, action
from bridge.api import ChatRequestEvent, ChatResponseEvent, ToolRequestEvent, ToolResponseEvent, check_portable
from bridge.errors import AgentLoopError, ResourceError, ValueContractError
from python_actions._schema import schema_errors

DEFAULT_MAX_ITERATIONS = 10
CONVERSATIONS = "agents.conversations"
TOOL_REQUESTS = "agents.tool_requests"




def setting(ctx: RunnerContext, name: str, default: Any = None) -> Any:
    """The action config's ``name``, else the plan's ``conf_data["agents.<name>"]``, else ``default``."""
    config = ctx.action_config or {}
    if name in config:
        return config[name]
    return (ctx.config or {}).get(f"agents.{name}", default)


def segment(event_id: str) -> str:
    """An event id as one memory path segment (ids are UUIDs, but a caller may choose one with dots)."""
    return str(event_id).replace(".", "_") or "_"


def typed(event: Any) -> Any:
    """The event as its typed view, so the actions look at the type, not the class.

    A plain ``Event(type="_chat_request_event", ...)`` is as good as a ``ChatRequestEvent``: a custom event
    needs no subclass.
    """
    return Event.from_dict(event.to_dict()) if type(event) is Event else event


def iterations_limit(ctx: RunnerContext) -> int:
    """``max_iterations`` as set, checked: a positive int, else an error naming the setting and where it was."""
    limit = setting(ctx, "max_iterations", DEFAULT_MAX_ITERATIONS)
    if type(limit) is not int or limit < 1:
        raise PlanError(f"max_iterations must be a whole number of at least 1, got {limit!r}; set it in the chat "
                        "action's config or in conf_data 'agents.max_iterations'")
    return limit


def conversation(ctx: RunnerContext, request_id: str) -> dict[str, Any] | None:
    """The conversation a chat request started, as kept in sensory memory (None when unknown)."""
    return ctx.sensory_memory.get(f"{CONVERSATIONS}.{segment(request_id)}")


async def chat(event: Any, ctx: RunnerContext) -> None:
    """Ask the chat model: on a chat request (a new conversation) or on a tool response (the next turn)."""
    event = typed(event)
    if isinstance(event, ChatRequestEvent):
        cid = segment(event.id)
        state = {"request_id": event.id, "model": event.model, "messages": list(event.messages),
                 "model_calls": 0}
    elif isinstance(event, ToolResponseEvent):
        cid = ctx.sensory_memory.get(f"{TOOL_REQUESTS}.{segment(event.request_id)}")
        if cid is None:
            return  # a tool response to a request this loop did not make, or answered already
        ctx.sensory_memory.set(f"{TOOL_REQUESTS}.{segment(event.request_id)}", None)  # one answer continues it
        state = ctx.sensory_memory.get(f"{CONVERSATIONS}.{cid}")
        state["messages"].extend(_tool_messages(state["messages"], event))
    else:
        raise TypeError(f"the chat action takes _chat_request_event and _tool_response_event, not {event.type!r}; "
                        "fix its trigger_conditions")
    limit = iterations_limit(ctx)
    if state["model_calls"] >= limit:
        raise AgentLoopError(f"key {ctx.key!r}: chat model '{state['model']}' made {state['model_calls']} calls "
                             f"without a final answer (max_iterations={limit}); raise 'max_iterations' in the chat "
                             "action's config (or conf_data 'agents.max_iterations') if the task needs more "
                             "steps, or check why the model keeps asking for tools")
    model = ctx.get_resource(state["model"], ResourceType.CHAT_MODEL)
    tools = tool_schemas(ctx.get_resource, setting(ctx, "tools", []) or [])
    answer = _assistant(state["model"], await ctx.durable_execute_async(_ask, model, state["messages"], tools))
    state["model_calls"] += 1
    state["messages"].append(answer)
    if answer["tool_calls"]:
        request = ToolRequestEvent(model=state["model"], tool_calls=answer["tool_calls"], id=str(uuid.uuid4()))
        ctx.sensory_memory.set(f"{TOOL_REQUESTS}.{segment(request.id)}", cid)
        ctx.send_event(request)
    else:
        ctx.send_event(ChatResponseEvent(request_id=state["request_id"], response=answer))
    ctx.sensory_memory.set(f"{CONVERSATIONS}.{cid}", state)


async def tools(event: Any, ctx: RunnerContext) -> None:
    """Run the tool calls of a ToolRequestEvent; every outcome, failures included, is a result for the model."""
    event = typed(event)
    responses: dict[str, Any] = {}
    success: dict[str, bool] = {}
    error: dict[str, str] = {}
    for n, call in enumerate(event.tool_calls or [], start=1):
        call_id = str(call.get("id") or f"call_{n}") if isinstance(call, dict) else f"call_{n}"
        try:
            responses[call_id] = await _run_tool(ctx, call)
            success[call_id] = True
        except _ToolFailure as failure:
            responses[call_id] = None
            success[call_id] = False
            error[call_id] = str(failure)
    ctx.send_event(ToolResponseEvent(request_id=event.id, responses=responses, success=success, error=error))


class ChatAgent(Agent):
    """The chat and tool actions for an ``Agent`` class: subclass it and declare models and tools."""

    chat = action(ChatRequestEvent, ToolResponseEvent)(staticmethod(chat))
    tools = action(ToolRequestEvent)(staticmethod(tools))


class _ToolFailure(Exception):
    """A tool call that could not give a result; its message is what the model reads."""


async def _run_tool(ctx: RunnerContext, call: Any) -> Any:
    if not isinstance(call, dict) or not isinstance(call.get("name"), str):
        raise _ToolFailure(f"a tool call needs a 'name' and 'arguments', got {call!r:.200}")
    name = call["name"]
    args = call.get("arguments")
    if isinstance(args, str):  # OpenAI-style models send the arguments as JSON text
        try:
            args = json.loads(args) if args.strip() else {}
        except ValueError as exc:
            raise _ToolFailure(f"the arguments for tool '{name}' are not valid JSON ({exc}); send a JSON "
                               "object") from None
    args = {} if args is None else args
    if not isinstance(args, dict):
        raise _ToolFailure(f"the arguments for tool '{name}' must be a JSON object, not {args!r:.100}")
    try:
        tool = ctx.get_resource(name, ResourceType.TOOL)
    except ResourceError as exc:
        raise _ToolFailure(f"there is no tool named '{name}' ({exc}); use one of the tools you were given") from None
    schema = getattr(getattr(tool, "metadata", None), "args_schema", None) or {}
    problems = schema_errors(args, schema, "arguments") if schema else []
    if problems:
        raise _ToolFailure(f"invalid arguments for tool '{name}': {'; '.join(problems)}. Its schema: "
                           f"{json.dumps(schema)}")
    try:
        result = await ctx.durable_execute_async(_call_tool, tool, args)
    except (ToolArgumentError, TypeError) as exc:
        raise _ToolFailure(f"invalid arguments for tool '{name}': {exc}. Its schema: {json.dumps(schema)}") from None
    except Exception as exc:  # the tool's own failure is a result too: the model may try otherwise
        summary = (str(exc).splitlines() or [""])[0]  # the first line: a Java stack is no use to a model
        raise _ToolFailure(f"tool '{name}' failed: {type(exc).__name__}: {summary}") from None
    try:
        check_portable(result, f"tool '{name}' result")
    except ValueContractError:
        return str(result)  # e.g. an object a Python tool returned: the model reads text anyway
    return result


def _call_tool(tool: Any, args: dict[str, Any]) -> Any:
    """Runs on a worker: no context here, only the tool (arguments passed as a dict so no name can clash)."""
    return tool.call(**args)


def _ask(model: Any, messages: list[dict[str, Any]], tools: list[dict[str, Any]]) -> Any:
    """Runs on a worker: the model call, offering the tools to a model whose ``chat`` takes them."""
    if tools and _takes_tools(model):
        return model.chat(messages, tools=tools)
    return model.chat(messages)


def _takes_tools(model: Any) -> bool:
    try:
        return "tools" in inspect.signature(model.chat).parameters
    except (TypeError, ValueError):
        return False


def tool_schemas(get_resource: Callable[[str, ResourceType], Any], names: list[str]) -> list[dict[str, Any]]:
    """``{name, description, parameters}`` of each named tool; an unknown name fails with the plan's list.

    Takes the resource getter rather than the context so a chat model setup can describe its own ``tools``
    with it when it is built (see :class:`python_actions.chat_models.ChatModelSetup`).
    """
    schemas = []
    for name in names:
        metadata = getattr(get_resource(name, ResourceType.TOOL), "metadata", None)
        schemas.append({"name": name, "description": getattr(metadata, "description", ""),
                        "parameters": getattr(metadata, "args_schema", {}) or {}})
    return schemas


def _assistant(model: str, answer: Any) -> dict[str, Any]:
    """The model's answer as ``{role, content, tool_calls, ...}``, or an error naming the model."""
    if not isinstance(answer, dict):
        raise TypeError(f"chat model '{model}' returned {type(answer).__name__} {answer!r:.100}; a chat model "
                        "returns one message dict {role, content, tool_calls}")
    message = dict(answer)
    message["role"] = "assistant"
    message["content"] = "" if message.get("content") is None else str(message["content"])
    calls = message.get("tool_calls") or []
    if not isinstance(calls, list):
        raise TypeError(f"chat model '{model}' returned tool_calls {calls!r:.100}; expected a list of "
                        "{id, name, arguments}")
    message["tool_calls"] = _unique_ids(calls)
    return message


def _unique_ids(calls: list[Any]) -> list[Any]:
    """Calls with one distinct string id each (a model may repeat or omit them; results are keyed by id)."""
    seen: set[str] = set()
    out = []
    for n, call in enumerate(calls, start=1):
        if isinstance(call, dict):
            call_id = str(call.get("id") or f"call_{n}")
            while call_id in seen:
                call_id = f"{call_id}_{n}"
            seen.add(call_id)
            call = {**call, "id": call_id}
        out.append(call)
    return out


def _tool_messages(messages: list[dict[str, Any]], event: Any) -> list[dict[str, Any]]:
    """One ``tool`` message per call of the last assistant turn, in its order: the result or the error."""
    calls = next((m["tool_calls"] for m in reversed(messages) if m.get("role") == "assistant"), [])
    out = []
    for n, call in enumerate(calls, start=1):
        call_id = str(call.get("id") or f"call_{n}") if isinstance(call, dict) else f"call_{n}"
        name = call.get("name") if isinstance(call, dict) else None
        if (event.success or {}).get(call_id):
            result = (event.responses or {}).get(call_id)
            content = result if isinstance(result, str) else json.dumps(result, default=str)
        else:
            content = f"Error: {(event.error or {}).get(call_id, 'the tool gave no result')}"
        out.append({"role": "tool", "tool_call_id": call_id, "name": name, "content": content})
    return out

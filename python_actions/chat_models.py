"""HTTP chat models, split as upstream Flink Agents splits them: a connection (where) and a setup (which model).

A ``chat_model_connection`` resource says where the server is and how to talk to it: ``base_url``,
``api_key`` or ``api_key_env`` (the name of an environment variable holding it, so the key stays out of
the plan), ``timeout``, ``retries``, ``retry_wait``, ``retry_max_wait``. A ``chat_model`` resource, the
:class:`ChatModelSetup`, names its ``connection`` and says which ``model``, ``temperature``, ``tools``,
``stream`` and provider ``options``; it is what the chat action gets through ``ctx.get_resource(name,
"chat_model")``. Several setups share one connection (one HTTP client, one key).

Providers:

- :class:`OpenAIChatModelConnection`: any OpenAI-compatible server (OpenAI, vLLM, llama.cpp server, Ollama's
  ``/v1``), through the maintained ``openai`` client.
- :class:`OllamaChatModelConnection`: Ollama's native ``/api/chat``, through ``httpx2``, the HTTP client the
  ``openai`` library itself runs on. The ``ollama`` package would bring a second HTTP stack (``httpx``)
  for one JSON request whose answer is a message or a stream of them; going direct keeps one timeout and
  one error mapping for both providers, and the messages the loop sends unchanged by a client's models.

A server that is down, too slow or answers garbage (a 5xx, 408/429, a body that is no chat answer) is
retried with exponential backoff and jitter by ``tenacity``; a refusal (another 4xx: a bad key, an unknown
model) is not, since asking again gets the same answer. Either way the end is a :class:`ChatModelError`
naming the model and the URL, never the key.
"""

from __future__ import annotations

import json
import os
from abc import abstractmethod
from collections.abc import Callable, Iterable
from typing import Any, ClassVar

import httpx2
import openai
from openai.lib.streaming.chat import ChatCompletionStreamState
from tenacity import Retrying, retry_if_exception_type, stop_after_attempt, wait_exponential, wait_random

from bridge.api import ChatModel, Resource, ResourceType
from bridge.errors import ResourceError, without_passwords
from python_actions._wire import (
    WireError,
    ollama_answer,
    ollama_messages,
    openai_answer,
    openai_messages,
    openai_tools,
)
from python_actions.agents import tool_schemas

_NO_KEY = "no-key"  # the openai client insists on a key; servers without auth ignore this one




class ChatModelError(ResourceError):
    """A chat model server gave no answer: down, too slow or garbage past the retries, or it refused.

    Names the model and the server's URL (never the API key); ``attempts`` is how many requests were made.
    """

    def __init__(self, message: str, *, model: str, url: str, attempts: int) -> None:
        self.model = model
        self.url = url
        self.attempts = attempts
        super().__init__(message)


class _Transient(Exception):
    """A failure worth another attempt: connection, timeout, 5xx/408/429, garbage."""


class _Refused(Exception):
    """A failure another attempt would repeat: the server refused the request (a 4xx)."""


class ChatModelConnection(Resource):
    """Where a chat model server is and how to reach it; a provider implements :meth:`chat`.

    Arguments (the plan's ``descriptor.arguments``): ``base_url`` (default: the provider's), ``api_key`` or
    ``api_key_env``, ``timeout`` (seconds to connect and between bytes of the answer, default 60),
    ``retries`` (attempts after the first, default 3), ``retry_wait`` (the first backoff in seconds, default
    0.5, doubling each time, plus up to as much again of random jitter so that many keys retrying at once
    spread out) and ``retry_max_wait`` (the longest backoff before jitter, default 10). The worst
    case, ``(retries + 1) * timeout`` plus the waits, should stay under the durable call timeout (300 s).
    """

    resource_type = ResourceType.CHAT_MODEL_CONNECTION
    default_url: ClassVar[str]

    def __init__(self, base_url: str | None = None, api_key: str | None = None, api_key_env: str | None = None,
                 timeout: float = 60.0, retries: int = 3, retry_wait: float = 0.5,
                 retry_max_wait: float = 10.0) -> None:
        name = type(self).__name__
        self.base_url = (base_url or self.default_url).rstrip("/")
        if not self.base_url.startswith(("http://", "https://")):
            raise ValueError(f"{name}: base_url must be an http(s) URL, got {self.base_url!r}")
        if api_key is not None and api_key_env is not None:
            raise ValueError(f"{name}: give api_key or api_key_env, not both")
        if api_key_env is not None:
            api_key = os.environ.get(api_key_env)
            if not api_key:
                raise ValueError(f"{name}: api_key_env names the environment variable {api_key_env!r}, which is "
                                 "not set; export it before the run")
        self._api_key = api_key or None
        for field, value in (("timeout", timeout), ("retry_wait", retry_wait), ("retry_max_wait", retry_max_wait)):
            number = isinstance(value, int | float) and not isinstance(value, bool)
            if not number or value < 0 or (field == "timeout" and value == 0):
                raise ValueError(f"{name}: {field} must be a number of seconds, got {value!r}")
        if type(retries) is not int or retries < 0:
            raise ValueError(f"{name}: retries must be a whole number of at least 0, got {retries!r}")
        self.timeout = float(timeout)
        self.retries = retries
        self.retry_wait = float(retry_wait)
        self.retry_max_wait = float(retry_max_wait)
        self._client = self._make_client()  # one per connection, shared by the setups and keys that use it

    @abstractmethod
    def _make_client(self) -> Any:
        """The provider's HTTP client for ``base_url``, key, timeout (thread-safe: workers share it)."""

    @abstractmethod
    def chat(self, messages: list[dict[str, Any]], *, model: str, tools: list[dict[str, Any]] | None = None,
             temperature: float | None = None, stream: bool = False,
             options: dict[str, Any] | None = None) -> dict[str, Any]:
        """Ask ``model`` to answer ``messages``, offering ``tools`` (``{name, description, parameters}``).

        Returns the loop's assistant message ``{"role", "content", "tool_calls": [{"id", "name",
        "arguments"}]}``; raises :class:`ChatModelError` when the server gives no usable answer.
        """

    def _with_retries(self, model: str, ask: Callable[[], dict[str, Any]]) -> dict[str, Any]:
        """``ask()``, retried on a transient failure; the end of the road is a ChatModelError naming model and URL."""
        retrying = Retrying(stop=stop_after_attempt(self.retries + 1), reraise=True,
                            retry=retry_if_exception_type(_Transient),
                            wait=wait_exponential(multiplier=self.retry_wait, max=self.retry_max_wait)
                            + wait_random(0, self.retry_wait))
        where = f"chat model '{model}' at {self.base_url}"
        # ``from None``: the message already says what failed, and a chained server text could hold the key
        try:
            return retrying(ask)
        except _Transient as exc:
            attempts = retrying.statistics.get("attempt_number", self.retries + 1)
            raise ChatModelError(self._scrub(f"{where}: no answer after {attempts} attempt(s); the last: {exc}"),
                                 model=model, url=self.base_url, attempts=attempts) from None
        except _Refused as exc:
            raise ChatModelError(self._scrub(f"{where}: {exc}"), model=model, url=self.base_url,
                                 attempts=retrying.statistics.get("attempt_number", 1)) from None

    def _scrub(self, text: str) -> str:
        """Text without the API key, should a server or a library echo it back, nor a password in a URL."""
        text = without_passwords(text)
        return text.replace(self._api_key, "***") if self._api_key else text

    def __repr__(self) -> str:
        key = ", api_key=***" if self._api_key else ""
        return f"{type(self).__name__}({self.base_url!r}{key})"


def _status_failure(status: int, detail: str) -> Exception:
    """A 5xx, 408, 409 or 429 is worth another attempt; any other 4xx is a refusal, explained."""
    text = f"the server answered HTTP {status}: {detail[:300]}"
    if status >= 500 or status in (408, 409, 429):
        return _Transient(text)
    if status in (401, 403):
        text += " (check the connection's api_key / api_key_env)"
    elif status == 404:
        text += " (check the model name and base_url; OpenAI-compatible servers answer under /v1)"
    return _Refused(text)


class OpenAIChatModelConnection(ChatModelConnection):
    """An OpenAI-compatible chat completions server (OpenAI, vLLM, llama.cpp server, Ollama's ``/v1``).

    The ``openai`` client's own retries are off: tenacity is the one retry layer, so ``retries`` means what
    it says. Without a key the client gets a placeholder (servers without auth ignore it). With
    ``stream: true`` in the setup the answer is read as server-sent events and put together by the
    client's own ``ChatCompletionStreamState`` (content pieces, tool-call names and argument fragments).
    """

    default_url = "https://api.openai.com/v1"

    def _make_client(self) -> openai.OpenAI:
        return openai.OpenAI(base_url=self.base_url, api_key=self._api_key or _NO_KEY, timeout=self.timeout,
                             max_retries=0)

    def chat(self, messages: list[dict[str, Any]], *, model: str, tools: list[dict[str, Any]] | None = None,
             temperature: float | None = None, stream: bool = False,
             options: dict[str, Any] | None = None) -> dict[str, Any]:
        """One chat completion; ``options`` go into the request body as they are (``max_tokens``, ``seed``...)."""
        request: dict[str, Any] = {"model": model, "messages": openai_messages(messages)}
        if tools:
            request["tools"] = openai_tools(tools)
        if temperature is not None:
            request["temperature"] = temperature
        if options:
            request["extra_body"] = dict(options)
        return self._with_retries(model, lambda: self._ask(request, stream))

    def _ask(self, request: dict[str, Any], stream: bool) -> dict[str, Any]:
        try:
            if not stream:
                return openai_answer(self._client.chat.completions.create(**request))
            return openai_answer(_assemble(self._client.chat.completions.create(**request, stream=True)))
        except openai.APIStatusError as exc:
            raise _status_failure(exc.status_code, _openai_detail(exc)) from exc
        except openai.APITimeoutError as exc:
            raise _Transient(f"no answer within the timeout of {self.timeout:g} s") from exc
        except openai.APIConnectionError as exc:
            cause = exc.__cause__ or exc
            raise _Transient(f"cannot reach the server: {type(cause).__name__}: {cause}") from exc
        except openai.OpenAIError as exc:  # e.g. an error event in the stream
            raise _Transient(f"the server reported an error: {exc}") from exc
        except ValueError as exc:  # a body or an event that is not JSON, or JSON that is no chat answer
            raise _Transient(f"the answer is not a chat completion: {exc}") from exc


def _assemble(chunks: Iterable[Any]) -> Any:
    """A streamed answer as one ``ChatCompletion``; chunks the client's accumulator cannot take are garbage."""
    state = ChatCompletionStreamState()
    count = 0
    try:
        for chunk in chunks:
            state.handle_chunk(chunk)
            count += 1
    except (TypeError, AttributeError, KeyError, IndexError, AssertionError) as exc:
        raise WireError(f"a streamed chunk is not a chat.completion.chunk: {type(exc).__name__}: {exc}") from exc
    if not count:
        raise WireError("the stream ended without a chunk")
    return state.get_final_completion()


def _openai_detail(exc: openai.APIStatusError) -> str:
    body = exc.body
    if isinstance(body, dict):
        body = body.get("error", body)
        if isinstance(body, dict):
            body = body.get("message", body)
    return str(body) if body is not None else exc.message


class OllamaChatModelConnection(ChatModelConnection):
    """Ollama's native ``/api/chat`` (default ``http://localhost:11434``).

    ``temperature`` and the setup's ``options`` go into Ollama's ``options`` (``num_ctx``, ``seed``...);
    ``stream`` is always sent, since Ollama streams unless told not to. With ``api_key`` the request carries
    ``Authorization: Bearer`` (Ollama behind a proxy, or a hosted one).
    """

    default_url = "http://localhost:11434"

    def _make_client(self) -> httpx2.Client:
        headers = {"Authorization": f"Bearer {self._api_key}"} if self._api_key else {}
        return httpx2.Client(base_url=self.base_url, timeout=self.timeout, headers=headers)

    def chat(self, messages: list[dict[str, Any]], *, model: str, tools: list[dict[str, Any]] | None = None,
             temperature: float | None = None, stream: bool = False,
             options: dict[str, Any] | None = None) -> dict[str, Any]:
        """One ``/api/chat`` request, read whole or as an NDJSON stream."""
        body: dict[str, Any] = {"model": model, "messages": ollama_messages(messages), "stream": bool(stream)}
        if tools:
            body["tools"] = openai_tools(tools)
        model_options = {**({"temperature": temperature} if temperature is not None else {}), **(options or {})}
        if model_options:
            body["options"] = model_options
        return self._with_retries(model, lambda: self._ask(body))

    def _ask(self, body: dict[str, Any]) -> dict[str, Any]:
        try:
            if body["stream"]:
                with self._client.stream("POST", "/api/chat", json=body) as response:
                    if response.status_code >= 400:
                        response.read()
                        raise _status_failure(response.status_code, _ollama_detail(response))
                    return ollama_answer(_merge(response.iter_lines()))
            response = self._client.post("/api/chat", json=body)
            if response.status_code >= 400:
                raise _status_failure(response.status_code, _ollama_detail(response))
            data = response.json()
            if isinstance(data, dict) and data.get("error"):
                raise _Transient(f"the server reported an error: {data['error']}")
            return ollama_answer(data)
        except httpx2.TimeoutException as exc:
            raise _Transient(f"no answer within the timeout of {self.timeout:g} s") from exc
        except httpx2.TransportError as exc:
            raise _Transient(f"cannot reach the server: {type(exc).__name__}: {exc}") from exc
        except ValueError as exc:  # not JSON, or JSON that is no chat answer
            raise _Transient(f"the answer is not an /api/chat answer: {exc}") from exc


def _merge(lines: Iterable[str]) -> dict[str, Any]:
    """An NDJSON stream as one answer: the content pieces joined, the tool calls of every chunk, to ``done``."""
    content: list[str] = []
    calls: list[Any] = []
    for line in lines:
        if not line.strip():
            continue
        chunk = json.loads(line)
        if not isinstance(chunk, dict):
            raise WireError(f"a streamed line is not an object: {line[:200]}")
        if chunk.get("error"):
            raise _Transient(f"the server reported an error mid-stream: {chunk['error']}")
        message = ollama_answer(chunk)
        content.append(message["content"])
        calls.extend(chunk["message"].get("tool_calls") or [])
        if chunk.get("done"):
            return {"message": {"role": "assistant", "content": "".join(content), "tool_calls": calls}}
    raise WireError("the stream ended before a chunk with done: true")


def _ollama_detail(response: httpx2.Response) -> str:
    try:
        data = response.json()
    except ValueError:
        return response.text
    return str(data.get("error", data)) if isinstance(data, dict) else str(data)


class ChatModelSetup(ChatModel):
    """A ``chat_model`` resource: which model, on which connection, with which settings and tools.

    Arguments: ``connection`` (the name of a ``chat_model_connection`` resource), ``model``,
    ``temperature`` (default: the server's), ``tools`` (tool resource names), ``stream`` (read the answer
    as a stream, default false) and ``options`` (provider fields: OpenAI body fields such as
    ``max_tokens``, Ollama ``options`` such as ``num_ctx``). The connection and the tools' schemas are
    looked up once, when the setup is built (the runtime hands it ``get_resource``), so a wrong name fails
    the first use of the model, naming what the plan declares.

    **Tools**: the model is offered the chat action's ``tools`` (its setting) first, then this setup's
    ``tools`` that the action did not name already, each name once. The tool action runs any tool the plan
    declares, whichever list offered it.
    """

    def __init__(self, connection: str, model: str, temperature: float | None = None, tools: list[str] | None = None,
                 stream: bool = False, options: dict[str, Any] | None = None, *,
                 get_resource: Callable[[str, ResourceType], Any]) -> None:
        for field, value in (("connection", connection), ("model", model)):
            if not isinstance(value, str) or not value:
                raise ValueError(f"ChatModelSetup: '{field}' must be a non-empty string, got {value!r}")
        if temperature is not None and (not isinstance(temperature, int | float) or isinstance(temperature, bool)):
            raise ValueError(f"ChatModelSetup: 'temperature' must be a number, got {temperature!r}")
        if tools is not None and (not isinstance(tools, list) or not all(isinstance(t, str) for t in tools)):
            raise ValueError(f"ChatModelSetup: 'tools' must be a list of tool resource names, got {tools!r}")
        if not isinstance(stream, bool):
            raise ValueError(f"ChatModelSetup: 'stream' must be true or false, got {stream!r}")
        if options is not None and not isinstance(options, dict):
            raise ValueError(f"ChatModelSetup: 'options' must be an object, got {options!r}")
        self.model = model
        self.temperature = temperature
        self.stream = stream
        self.options = dict(options or {})
        self.tools = list(tools or [])
        self.connection = get_resource(connection, ResourceType.CHAT_MODEL_CONNECTION)
        if not isinstance(self.connection, ChatModelConnection):
            raise ValueError(f"ChatModelSetup: connection '{connection}' is a {type(self.connection).__name__}, "
                             "not a chat model connection (OpenAIChatModelConnection, OllamaChatModelConnection)")
        self._tool_schemas = tool_schemas(get_resource, self.tools)

    def chat(self, messages: list[dict[str, Any]], tools: list[dict[str, Any]] | None = None) -> dict[str, Any]:
        """Ask the model through the connection, offering the action's tools, then this setup's."""
        offered = list(tools or [])
        named = {_tool_name(schema) for schema in offered}
        offered += [schema for schema in self._tool_schemas if schema["name"] not in named]
        return self.connection.chat(messages, model=self.model, tools=offered, temperature=self.temperature,
                                    stream=self.stream, options=self.options)

    def __repr__(self) -> str:
        return f"ChatModelSetup({self.model!r} on {self.connection!r})"


def _tool_name(schema: dict[str, Any]) -> Any:
    function = schema.get("function")
    return function.get("name") if isinstance(function, dict) else schema.get("name")

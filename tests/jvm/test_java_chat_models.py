"""Python tools from a Java chat model: the built-in chat loop with ``dev.bridge.models.OpenAIChatModel``
talking HTTP to an OpenAI-compatible server on 127.0.0.1 that this test runs (stdlib, the real wire format).
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from conftest import java_plan, py_fn

from bridge import JavaError, OutputEvent, Runtime
from bridge.api import ChatRequestEvent, Tool, ToolMetadata
from python_actions.agents import conversation

pytestmark = pytest.mark.usefixtures("java_built")
HERE = "test_java_chat_models"
KEY = "sk-loopback-secret"


class Server:
    """Answers ``POST /v1/chat/completions`` with queued answers in order; keeps each request's body."""

    def __init__(self) -> None:
        self.answers: list[tuple[int, dict[str, Any]]] = []
        self.requests: list[dict[str, Any]] = []
        self.headers: list[dict[str, str]] = []
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - the stdlib's name
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                server.requests.append({"path": self.path, **json.loads(body)})
                server.headers.append(dict(self.headers))
                status, answer = server.answers.pop(0) if server.answers else (500, {"error": {"message": "none"}})
                out = json.dumps(answer).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(out)))
                self.end_headers()
                self.wfile.write(out)

            def log_message(self, *args: Any) -> None:
                pass

        self.http = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.base_url = f"http://127.0.0.1:{self.http.server_address[1]}/v1"

    def reply(self, message: dict[str, Any], finish: str = "stop") -> None:
        self.answers.append((200, {"id": "chatcmpl-1", "object": "chat.completion", "created": 1700000000,
                                   "model": "test-model", "choices": [{"index": 0, "message": message,
                                                                       "finish_reason": finish}],
                                   "usage": {"prompt_tokens": 9, "completion_tokens": 3, "total_tokens": 12}}))


@pytest.fixture
def server() -> Iterator[Server]:
    s = Server()
    thread = threading.Thread(target=s.http.serve_forever, daemon=True)
    thread.start()
    yield s
    s.http.shutdown()
    s.http.server_close()


class Stock(Tool):
    """A Python tool: units in stock by article number; an unknown article raises."""

    metadata = ToolMetadata("stock", "Units in stock of one article.", {
        "type": "object", "properties": {"sku": {"type": "string"}}, "required": ["sku"]})
    units = {"A-7": 12}

    def call(self, sku: str) -> dict:
        return {"sku": sku, "units": self.units[sku]}


def start_chat(event, ctx):
    ctx.send_event(ChatRequestEvent(model="m", messages=[{"role": "user", "content": event.input}]))


def show_conversation(event, ctx):
    ctx.send_event(OutputEvent(output=conversation(ctx, event.request_id)))


def _plan(base_url: str):
    model = {"name": "m", "type": "chat_model", "__resource_provider_type__": "JavaResourceProvider",
             "descriptor": {"target_clazz": "dev.bridge.models.OpenAIChatModel", "arguments": {
                 "base_url": base_url, "model": "test-model", "api_key": KEY, "temperature": 0.0,
                 "timeout": 30, "retries": 0}}}
    stock = {"name": "stock", "type": "tool", "__resource_provider_type__": "PythonResourceProvider",
              "descriptor": {"target_module": HERE, "target_clazz": "Stock", "arguments": {}}}
    return java_plan({
        "start": (py_fn(HERE, "start_chat"), ["_input_event"]),
        "chat": (py_fn("python_actions.agents", "chat"), ["_chat_request_event", "_tool_response_event"],
                 {"tools": ["stock"]}),
        "tools": (py_fn("python_actions.agents", "tools"), ["_tool_request_event"]),
        "show": (py_fn(HERE, "show_conversation"), ["_chat_response_event"]),
    }, {"chat_model": {"m": model}, "tool": {"stock": stock}})


def _call(call_id: str, sku: str) -> dict[str, Any]:
    return {"id": call_id, "type": "function", "function": {"name": "stock", "arguments": json.dumps({"sku": sku})}}


def test_a_java_http_chat_model_runs_python_tools_through_the_loop(server: Server) -> None:
    server.reply({"role": "assistant", "content": None,
                  "tool_calls": [_call("call_a", "A-7"), _call("call_b", "B-0")]}, "tool_calls")
    server.reply({"role": "assistant", "content": "12 of A-7; B-0 is unknown."})

    with Runtime(_plan(server.base_url)) as rt:
        report = rt.run([("alice", "How many A-7 and B-0?")])

    assert report.errors == []
    [(_, talk)] = report.outputs
    assert [m["role"] for m in talk["messages"]] == ["user", "assistant", "tool", "tool", "assistant"]
    assert talk["messages"][1]["tool_calls"][0] == {"id": "call_a", "name": "stock", "arguments": {"sku": "A-7"}}
    assert talk["messages"][-1]["content"] == "12 of A-7; B-0 is unknown."

    first, second = server.requests
    assert first["path"] == "/v1/chat/completions" and first["model"] == "test-model"
    assert first["temperature"] == 0.0
    assert server.headers[0]["Authorization"] == f"Bearer {KEY}"
    assert first["messages"] == [{"role": "user", "content": "How many A-7 and B-0?"}]
    [tool] = first["tools"]
    assert tool["type"] == "function" and tool["function"]["name"] == "stock"
    assert tool["function"]["description"] == "Units in stock of one article."
    assert tool["function"]["parameters"]["properties"] == {"sku": {"type": "string"}}
    results = {m["tool_call_id"]: m["content"] for m in second["messages"] if m["role"] == "tool"}
    assert json.loads(results["call_a"]) == {"sku": "A-7", "units": 12}
    assert results["call_b"].startswith("Error: tool 'stock' failed: KeyError")
    assistant = second["messages"][1]
    assert [c["id"] for c in assistant["tool_calls"]] == ["call_a", "call_b"]
    assert json.loads(assistant["tool_calls"][0]["function"]["arguments"]) == {"sku": "A-7"}


def test_a_failing_server_fails_the_key_naming_model_and_url_but_not_the_key(server: Server) -> None:
    server.answers.append((401, {"error": {"message": f"Incorrect API key provided: {KEY}",
                                           "code": "invalid_api_key"}}))

    with Runtime(_plan(server.base_url)) as rt:
        report = rt.run([("bob", "hi")])

    assert report.outputs == []
    [error] = report.errors
    assert error.key == "bob" and error.action == "chat"
    assert isinstance(error.cause, JavaError)
    text = str(error.cause)
    assert f"chat model 'test-model' at {server.base_url}" in text and "HTTP 401" in text
    assert KEY not in text and KEY not in (error.cause.stack or "")

"""A chat model server on 127.0.0.1 for tests: answers queued replies in the real OpenAI and Ollama wire formats.

Each request takes the next queued :class:`Reply` (none left: a 500 saying so) and is recorded, headers and
JSON body, before the reply is written, so a test can assert on what the client sent and how many times.
The builders below produce what the servers send: an OpenAI ``chat.completion`` object or its SSE stream of
``chat.completion.chunk`` objects ending in ``data: [DONE]`` (tool-call arguments as JSON text, split across
chunks), and an Ollama ``/api/chat`` answer or its NDJSON stream (tool-call arguments as an object).
"""

from __future__ import annotations

import json
import socket
import threading
from collections import deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

CREATED = 1_700_000_000


@dataclass
class Reply:
    """One HTTP answer: status, content type, the body as parts written one after another, an optional delay."""

    status: int = 200
    content_type: str = "application/json"
    parts: list[bytes] = field(default_factory=list)
    delay: float = 0.0


@dataclass
class Seen:
    """A request as the server received it."""

    method: str
    path: str
    headers: dict[str, str]
    body: Any


def json_reply(data: Any, status: int = 200) -> Reply:
    return Reply(status=status, parts=[json.dumps(data).encode()])


def raw_reply(body: str, status: int = 200, content_type: str = "application/json") -> Reply:
    return Reply(status=status, content_type=content_type, parts=[body.encode()])


def slow(reply: Reply, seconds: float) -> Reply:
    reply.delay = seconds
    return reply


def sse_reply(chunks: list[dict[str, Any]]) -> Reply:
    events = [f"data: {json.dumps(chunk)}\n\n".encode() for chunk in chunks] + [b"data: [DONE]\n\n"]
    return Reply(content_type="text/event-stream", parts=events)


def ndjson_reply(objects: list[dict[str, Any]]) -> Reply:
    return Reply(content_type="application/x-ndjson", parts=[(json.dumps(o) + "\n").encode() for o in objects])


def openai_completion(content: str | None = None, tool_calls: list[dict[str, Any]] | None = None,
                      model: str = "gpt-test") -> dict[str, Any]:
    """A ``chat.completion``; ``tool_calls`` as ``[{"id", "name", "arguments": str}]`` (JSON text, as sent)."""
    message: dict[str, Any] = {"role": "assistant", "content": content, "refusal": None}
    if tool_calls:
        message["tool_calls"] = [{"id": c["id"], "type": "function",
                                  "function": {"name": c["name"], "arguments": c["arguments"]}} for c in tool_calls]
    return {"id": "chatcmpl-1", "object": "chat.completion", "created": CREATED, "model": model,
            "choices": [{"index": 0, "message": message, "logprobs": None,
                         "finish_reason": "tool_calls" if tool_calls else "stop"}],
            "usage": {"prompt_tokens": 12, "completion_tokens": 5, "total_tokens": 17}}


def openai_chunks(content: str | None = None, tool_calls: list[dict[str, Any]] | None = None,
                  model: str = "gpt-test") -> list[dict[str, Any]]:
    """The same answer as OpenAI streams it: role first, content in pieces, each tool call's arguments in two."""

    def chunk(delta: dict[str, Any], finish: str | None = None) -> dict[str, Any]:
        return {"id": "chatcmpl-1", "object": "chat.completion.chunk", "created": CREATED, "model": model,
                "choices": [{"index": 0, "delta": delta, "logprobs": None, "finish_reason": finish}]}

    chunks = [chunk({"role": "assistant", "content": "" if content is not None else None})]
    text = content or ""
    chunks += [chunk({"content": text[i:i + 4]}) for i in range(0, len(text), 4)]
    for n, call in enumerate(tool_calls or []):
        args = call["arguments"]
        half = len(args) // 2
        chunks.append(chunk({"tool_calls": [{"index": n, "id": call["id"], "type": "function",
                                             "function": {"name": call["name"], "arguments": args[:half]}}]}))
        chunks.append(chunk({"tool_calls": [{"index": n, "function": {"arguments": args[half:]}}]}))
    chunks.append(chunk({}, "tool_calls" if tool_calls else "stop"))
    return chunks


def ollama_answer(content: str = "", tool_calls: list[dict[str, Any]] | None = None, model: str = "llama-test",
                  done: bool = True) -> dict[str, Any]:
    """An ``/api/chat`` answer; ``tool_calls`` as ``[{"name", "arguments": dict}]`` (an object, as Ollama sends)."""
    message: dict[str, Any] = {"role": "assistant", "content": content}
    if tool_calls:
        message["tool_calls"] = [{"function": {"name": c["name"], "arguments": c["arguments"]}} for c in tool_calls]
    answer: dict[str, Any] = {"model": model, "created_at": "2024-01-01T00:00:00Z", "message": message, "done": done}
    if done:
        answer.update({"done_reason": "stop", "total_duration": 1000, "prompt_eval_count": 12, "eval_count": 5})
    return answer


def ollama_chunks(content: str = "", tool_calls: list[dict[str, Any]] | None = None,
                  model: str = "llama-test") -> list[dict[str, Any]]:
    """The same answer streamed: content in pieces, tool calls whole in their own chunk, then ``done``."""
    chunks = [ollama_answer(content[i:i + 4], model=model, done=False) for i in range(0, len(content), 4)]
    if tool_calls:
        chunks.append(ollama_answer("", tool_calls, model=model, done=False))
    chunks.append(ollama_answer("", model=model, done=True))
    return chunks


def closed_port_url() -> str:
    """A loopback URL nothing listens on (connection refused)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}"


class FakeLLMServer:
    """The loopback server; use as a context manager, queue replies with :meth:`reply`, read :attr:`seen`."""

    def __init__(self) -> None:
        self.seen: list[Seen] = []
        self._replies: deque[Reply] = deque()
        self._stop = threading.Event()
        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._httpd.daemon_threads = True
        # a short poll interval: shutdown() waits for the serving loop to notice, once per test
        self._thread = threading.Thread(target=self._httpd.serve_forever, args=(0.01,), name="fake-llm", daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._httpd.server_address[1]}"

    def reply(self, *replies: Reply) -> FakeLLMServer:
        self._replies.extend(replies)
        return self

    def bodies(self) -> list[Any]:
        return [s.body for s in self.seen]

    def __enter__(self) -> FakeLLMServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()  # releases slow replies still waiting
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join()

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - http.server's naming
                raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                try:
                    body: Any = json.loads(raw)
                except ValueError:
                    body = raw.decode(errors="replace")
                server.seen.append(Seen("POST", self.path, {k.lower(): v for k, v in self.headers.items()}, body))
                reply = server._replies.popleft() if server._replies else raw_reply(
                    '{"error": "the test queued no reply for this request"}', status=500)
                if reply.delay and server._stop.wait(reply.delay):
                    return
                try:
                    self.send_response(reply.status)
                    self.send_header("Content-Type", reply.content_type)
                    self.end_headers()
                    for part in reply.parts:
                        self.wfile.write(part)
                        self.wfile.flush()
                except OSError:
                    pass  # the client gave up (a timeout test): nothing to answer

            def log_message(self, format: str, *args: Any) -> None:
                pass

        return Handler

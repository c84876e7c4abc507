"""The HTTP chat models against a loopback server speaking the real OpenAI and Ollama wire formats.

Every request goes to a server the test starts on 127.0.0.1 (never the internet); the server records what
it received, so the tests assert on the wire: the model, temperature, tools and messages sent, the key
header, how many attempts a failure took.
"""

import json

import pytest
from _fake_llm_server import (
    FakeLLMServer,
    Reply,
    closed_port_url,
    json_reply,
    ndjson_reply,
    ollama_answer,
    ollama_chunks,
    openai_chunks,
    openai_completion,
    raw_reply,
    slow,
    sse_reply,
)
from conftest import java_plan, py_fn
from test_agents import JAVA_CONVERT, PY_LOOKUP, _provider, _run

from bridge import ResourceError
from python_actions.chat_models import (
    ChatModelError,
    ChatModelSetup,
    OllamaChatModelConnection,
    OpenAIChatModelConnection,
)

WIRES = ["openai", "openai-stream", "ollama", "ollama-stream"]
CONVERT = {"id": "c1", "name": "convert", "arguments": {"value": 10, "from": "km", "to": "mi"}}
LOOKUP = {"id": "c2", "name": "lookup", "arguments": {"order_id": "ORD-7"}}
USER = [{"role": "user", "content": "hello"}]
FAST = {"retries": 1, "retry_wait": 0.001, "timeout": 5}  # retries without waiting, so the tests stay quick


@pytest.fixture
def server():
    with FakeLLMServer() as srv:
        yield srv


def _openai(wire: str) -> bool:
    return wire.startswith("openai")


def _stream(wire: str) -> bool:
    return wire.endswith("-stream")


def _base_url(wire: str, url: str) -> str:
    return url + "/v1" if _openai(wire) else url


def _answer(wire: str, content: str | None = None, calls: list[dict] | None = None) -> Reply:
    """The reply the wire's server gives; the calls' arguments as JSON text for OpenAI, as an object for Ollama."""
    if _openai(wire):
        sent = [{**c, "arguments": c["arguments"] if isinstance(c["arguments"], str) else json.dumps(c["arguments"])}
                for c in calls or []]
        if _stream(wire):
            return sse_reply(openai_chunks(content, sent))
        return json_reply(openai_completion(content, sent))
    if _stream(wire):
        return ndjson_reply(ollama_chunks(content or "", calls))
    return json_reply(ollama_answer(content or "", calls))


def _connection(wire: str, url: str, **arguments):
    cls = OpenAIChatModelConnection if _openai(wire) else OllamaChatModelConnection
    return cls(base_url=_base_url(wire, url), **{**FAST, **arguments})


def _ask(wire: str, url: str, messages=USER, **arguments) -> dict:
    return _connection(wire, url, **arguments).chat(messages, model="gpt-test", stream=_stream(wire))


# -- answers ------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("wire", WIRES)
def test_a_plain_answer_comes_back_as_the_loop_s_assistant_message(server, wire) -> None:
    server.reply(_answer(wire, "Hello there, how can I help?"))
    assert _ask(wire, server.url) == {"role": "assistant", "content": "Hello there, how can I help?", "tool_calls": []}
    [seen] = server.seen
    assert seen.path == ("/v1/chat/completions" if _openai(wire) else "/api/chat")
    assert seen.body["model"] == "gpt-test" and seen.body["messages"] == USER
    assert bool(seen.body.get("stream")) is _stream(wire)


@pytest.mark.parametrize("wire", WIRES)
def test_tool_calls_come_back_with_ids_names_and_arguments_as_objects(server, wire) -> None:
    server.reply(_answer(wire, None, [CONVERT, LOOKUP]))
    answer = _ask(wire, server.url)
    expected_ids = ["c1", "c2"] if _openai(wire) else ["call_1", "call_2"]  # Ollama sends no ids
    assert answer["tool_calls"] == [{**CONVERT, "id": expected_ids[0]}, {**LOOKUP, "id": expected_ids[1]}]
    assert answer["content"] == ""


@pytest.mark.parametrize("wire", WIRES)
def test_model_temperature_options_and_tools_reach_the_server(server, wire) -> None:
    server.reply(_answer(wire, "ok"))
    conn = _connection(wire, server.url)
    tools = [{"name": "convert", "description": "Converts units.",
              "parameters": {"type": "object", "properties": {"value": {"type": "number"}}}}]
    options = {"max_tokens": 50} if _openai(wire) else {"num_ctx": 4096}
    conn.chat(USER, model="qwen-7b", tools=tools, temperature=0.25, stream=_stream(wire), options=options)
    body = server.seen[0].body
    assert body["model"] == "qwen-7b"
    assert body["tools"] == [{"type": "function", "function": {"name": "convert", "description": "Converts units.",
                                                               "parameters": tools[0]["parameters"]}}]
    if _openai(wire):
        assert body["temperature"] == 0.25 and body["max_tokens"] == 50
    else:
        assert body["options"] == {"temperature": 0.25, "num_ctx": 4096}


# -- the loop in a real run ---------------------------------------------------------------------------------

def _plan(wire: str, url: str, *, setup: dict | None = None, connection: dict | None = None,
          chat_config: dict | None = None, tools=(JAVA_CONVERT, PY_LOOKUP)):
    cls = "OpenAIChatModelConnection" if _openai(wire) else "OllamaChatModelConnection"
    conn = _provider("python", "chat_model_connection", "srv", f"python_actions.chat_models.{cls}",
                     {"base_url": _base_url(wire, url), **FAST, **(connection or {})})
    model = _provider("python", "chat_model", "m", "python_actions.chat_models.ChatModelSetup",
                      {"connection": "srv", "model": "gpt-test", "stream": _stream(wire), **(setup or {})})
    return java_plan({
        "start": (py_fn("test_agents", "start_chat"), ["_input_event"]),
        "chat": (py_fn("python_actions.agents", "chat"), ["_chat_request_event", "_tool_response_event"],
                 chat_config or {}),
        "tools": (py_fn("python_actions.agents", "tools"), ["_tool_request_event"]),
        "show": (py_fn("test_agents", "show_conversation"), ["_chat_response_event"]),
    }, {"chat_model_connection": {"srv": conn}, "chat_model": {"m": model}, "tool": {t["name"]: t for t in tools}})


@pytest.mark.usefixtures("java_built")
@pytest.mark.parametrize("wire", WIRES)
def test_tool_calls_drive_the_loop_through_a_java_and_a_python_tool(server, wire) -> None:
    server.reply(_answer(wire, None, [CONVERT, LOOKUP]), _answer(wire, "10 km is 6.21 mi; ORD-7 has shipped."))
    plan = _plan(wire, server.url, setup={"temperature": 0.2, "tools": ["lookup", "convert"]},
                 chat_config={"tools": ["convert"]})
    report = _run(plan, [("k", "convert 10 km and find ORD-7")])
    assert report.errors == []
    [(_, talk)] = report.outputs
    assert [m["role"] for m in talk["messages"]] == ["user", "assistant", "tool", "tool", "assistant"]
    assert talk["messages"][-1]["content"] == "10 km is 6.21 mi; ORD-7 has shipped."
    assert float(talk["messages"][2]["content"]) == pytest.approx(6.21371192)
    assert json.loads(talk["messages"][3]["content"]) == {"order_id": "ORD-7", "status": "shipped"}

    first, second = server.bodies()
    # the action's tools first, then the setup's it did not name; the temperature is the setup's
    assert [t["function"]["name"] for t in first["tools"]] == ["convert", "lookup"]
    assert first["tools"][0]["function"]["parameters"]["required"] == ["value", "from", "to"]
    assert (first["temperature"] if _openai(wire) else first["options"]["temperature"]) == 0.2
    assistant, convert_result, lookup_result = second["messages"][1:4]
    if _openai(wire):  # the history goes back in the wire's own shape
        assert assistant["tool_calls"][0]["type"] == "function"
        assert json.loads(assistant["tool_calls"][0]["function"]["arguments"]) == CONVERT["arguments"]
        assert [convert_result["tool_call_id"], lookup_result["tool_call_id"]] == ["c1", "c2"]
    else:
        assert assistant["tool_calls"][1] == {"function": {"name": "lookup", "arguments": {"order_id": "ORD-7"}}}
        assert [convert_result["tool_name"], lookup_result["tool_name"]] == ["convert", "lookup"]
    assert "shipped" in lookup_result["content"] and lookup_result["role"] == "tool"


@pytest.mark.usefixtures("java_built")
@pytest.mark.parametrize("wire", ["openai", "openai-stream"])
def test_arguments_that_are_not_json_become_a_tool_result_the_model_reads(server, wire) -> None:
    broken = {"id": "c1", "name": "convert", "arguments": '{"value": 10, "from": "km"'}
    server.reply(_answer(wire, None, [broken]), _answer(wire, "Let me try that again later."))
    report = _run(_plan(wire, server.url), [("k", "convert")])
    assert report.errors == []
    [(_, talk)] = report.outputs
    assert "not valid JSON" in talk["messages"][2]["content"]
    assert talk["messages"][-1]["content"] == "Let me try that again later."
    # the model's own (broken) text goes back to it unchanged, with the error as the tool's result
    sent = server.bodies()[1]["messages"]
    assert sent[1]["tool_calls"][0]["function"]["arguments"] == broken["arguments"]
    assert sent[2]["content"].startswith("Error: ") and "not valid JSON" in sent[2]["content"]


@pytest.mark.usefixtures("java_built")
def test_a_server_that_stays_down_fails_the_chat_action_naming_model_and_url() -> None:
    url = closed_port_url()
    report = _run(_plan("openai", url, tools=()), [("k", "hello")])
    [error] = report.errors
    assert error.action == "chat" and isinstance(error.cause, ChatModelError)
    assert f"chat model 'gpt-test' at {url}/v1" in str(error.cause) and "after 2 attempt(s)" in str(error.cause)


@pytest.mark.usefixtures("java_built")
def test_a_setup_naming_an_undeclared_connection_fails_naming_what_the_plan_declares(server) -> None:
    report = _run(_plan("ollama", server.url, setup={"connection": "nowhere"}, tools=()), [("k", "hello")])
    [error] = report.errors
    assert isinstance(error.cause, ResourceError)
    assert "no chat_model_connection resource named 'nowhere'" in str(error.cause)
    assert "chat_model_connection:srv" in str(error.cause)


# -- failures, retries ----------------------------------------------------------------------------------------

@pytest.mark.parametrize("wire", ["openai", "ollama"])
def test_a_server_that_is_down_is_retried_then_named_with_the_model(wire) -> None:
    url = closed_port_url()
    with pytest.raises(ChatModelError) as caught:
        _ask(wire, url, retries=2)
    message = str(caught.value)
    assert f"chat model 'gpt-test' at {_base_url(wire, url)}:" in message
    assert "after 3 attempt(s)" in message and "cannot reach the server" in message
    assert caught.value.attempts == 3 and caught.value.model == "gpt-test"


@pytest.mark.parametrize("wire", WIRES)
def test_a_500_is_retried_and_the_second_answer_used(server, wire) -> None:
    server.reply(raw_reply('{"error": {"message": "overloaded"}}', status=500), _answer(wire, "fine now"))
    assert _ask(wire, server.url)["content"] == "fine now"
    assert len(server.seen) == 2


@pytest.mark.parametrize(("wire", "garbage"), [
    ("openai", raw_reply("<html>502 Bad Gateway</html>", content_type="text/html")),
    ("openai", raw_reply("{not json")),
    ("openai", json_reply({"object": "list", "data": []})),
    ("openai-stream", Reply(content_type="text/event-stream", parts=[b"data: {nope\n\n"])),
    ("openai-stream", Reply(content_type="text/event-stream", parts=[b"data: [DONE]\n\n"])),
    ("ollama", raw_reply("{not json")),
    ("ollama", json_reply({"models": []})),
    ("ollama-stream", ndjson_reply([ollama_answer("cut off", done=False)])),  # no chunk with done: true
    ("ollama-stream", ndjson_reply([{"error": "model runner crashed"}])),
])
def test_garbage_is_retried_then_a_clear_error(server, wire, garbage) -> None:
    server.reply(garbage, garbage)
    with pytest.raises(ChatModelError) as caught:
        _ask(wire, server.url)
    assert len(server.seen) == 2
    assert "no answer after 2 attempt(s)" in str(caught.value)
    assert ("not a chat completion" in str(caught.value) or "not an /api/chat answer" in str(caught.value)
            or "reported an error" in str(caught.value))


@pytest.mark.parametrize("wire", WIRES)
def test_garbage_then_an_answer_is_the_answer(server, wire) -> None:
    server.reply(raw_reply("<html>oops</html>", content_type="text/html"), _answer(wire, "ok"))
    assert _ask(wire, server.url)["content"] == "ok"


@pytest.mark.parametrize("wire", WIRES)
def test_a_slow_server_times_out_each_attempt(server, wire) -> None:
    server.reply(slow(_answer(wire, "too late"), 30), slow(_answer(wire, "too late"), 30))
    with pytest.raises(ChatModelError) as caught:
        _ask(wire, server.url, timeout=0.2)
    assert len(server.seen) == 2
    assert "no answer within the timeout of 0.2 s" in str(caught.value)


@pytest.mark.parametrize("wire", ["openai", "ollama"])
def test_a_refusal_is_not_retried_and_never_shows_the_key(server, wire) -> None:
    key = "sk-secret-0123456789"
    body = {"error": {"message": f"Incorrect API key provided: {key}"}} if _openai(wire) else {
        "error": f"unauthorized: {key}"}
    server.reply(json_reply(body, status=401))
    conn = _connection(wire, server.url, api_key=key, retries=3)
    with pytest.raises(ChatModelError) as caught:
        conn.chat(USER, model="gpt-test")
    assert len(server.seen) == 1 and caught.value.attempts == 1
    assert "HTTP 401" in str(caught.value) and "api_key" in str(caught.value)
    assert key not in str(caught.value) and key not in repr(conn)


@pytest.mark.parametrize("wire", ["openai", "ollama"])
def test_the_api_key_from_the_named_environment_variable_is_sent_as_a_bearer_token(server, wire,
                                                                                  monkeypatch) -> None:
    monkeypatch.setenv("TEST_LLM_KEY", "sk-from-env")
    server.reply(_answer(wire, "ok"))
    _connection(wire, server.url, api_key_env="TEST_LLM_KEY").chat(USER, model="gpt-test")
    assert server.seen[0].headers["authorization"] == "Bearer sk-from-env"


def test_an_unset_key_variable_is_named_at_build() -> None:
    with pytest.raises(ValueError, match="'NO_SUCH_KEY_VARIABLE', which is not set"):
        OpenAIChatModelConnection(base_url="http://127.0.0.1:9/v1", api_key_env="NO_SUCH_KEY_VARIABLE")


@pytest.mark.parametrize(("arguments", "expected"), [
    ({"base_url": "localhost:11434"}, r"base_url must be an http\(s\) URL"),
    ({"retries": -1}, "retries must be a whole number"),
    ({"timeout": 0}, "timeout must be a number of seconds"),
    ({"api_key": "a", "api_key_env": "B"}, "not both"),
])
def test_a_misconfigured_connection_says_which_argument(arguments, expected) -> None:
    with pytest.raises(ValueError, match=expected):
        OllamaChatModelConnection(**arguments)


def test_a_setup_refuses_a_connection_that_is_not_one_and_bad_settings() -> None:
    with pytest.raises(ValueError, match="connection 'c' is a str, not a chat model connection"):
        ChatModelSetup(connection="c", model="m", get_resource=lambda name, rtype: "not a connection")
    conn = OllamaChatModelConnection()
    with pytest.raises(ValueError, match="'temperature' must be a number"):
        ChatModelSetup(connection="c", model="m", temperature="hot", get_resource=lambda name, rtype: conn)
    with pytest.raises(ValueError, match="'tools' must be a list of tool resource names"):
        ChatModelSetup(connection="c", model="m", tools="convert", get_resource=lambda name, rtype: conn)

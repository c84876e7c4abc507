"""The framework overhead of one chat <-> tool loop iteration, against the same calls made directly, one run.

One iteration: a chat request, the model asks for one tool call, the tool runs, the model answers. Through
bridge it is four events and three actions (chat, tools, chat again) with the conversation in sensory
memory and every model and tool call a durable call; directly it is the same two model calls and one tool
call in a plain loop. The model is the deterministic scripted one and the tool a Python function, so the
difference is bridge's own cost.

Run: python bench/bench_agents.py [--n 2000]
"""

from __future__ import annotations

import argparse
import time

from bridge import OutputEvent, Runtime
from bridge.api import ChatRequestEvent, Tool, ToolMetadata
from bridge.plan import plan_from_data
from python_actions.models import ScriptedChatModel

SCRIPT = [{"tool_calls": [{"id": "c1", "name": "double", "arguments": {"x": 21}}]}, {"content": "42"}]


class Double(Tool):
    metadata = ToolMetadata("double", "Doubles x.", {"type": "object", "properties": {"x": {"type": "number"}},
                                                     "required": ["x"]})

    def call(self, x: float) -> float:
        return 2 * x


def start(event, ctx) -> None:
    ctx.send_event(ChatRequestEvent(model="m", messages=[{"role": "user", "content": "double 21"}]))


def finish(event, ctx) -> None:
    ctx.send_event(OutputEvent(output=event.response["content"]))


def _plan():
    def fn(module: str, qualname: str) -> dict:
        return {"func_type": "PythonFunction", "module": module, "qualname": qualname}

    actions = {
        "start": (fn("bench_agents", "start"), ["_input_event"]),
        "chat": (fn("python_actions.agents", "chat"), ["_chat_request_event", "_tool_response_event"]),
        "tools": (fn("python_actions.agents", "tools"), ["_tool_request_event"]),
        "finish": (fn("bench_agents", "finish"), ["_chat_response_event"]),
    }
    return plan_from_data({
        "agent_name": "bench", "config": {"conf_data": {}},
        "actions": {n: {"name": n, "exec": e, "trigger_conditions": t} for n, (e, t) in actions.items()},
        "resource_providers": {
            "chat_model": {"m": {"name": "m", "type": "chat_model", "__resource_provider_type__":
                                 "PythonResourceProvider", "descriptor": {
                                     "target_module": "python_actions.models", "target_clazz": "ScriptedChatModel",
                                     "arguments": {"script": SCRIPT}}}},
            "tool": {"double": {"name": "double", "type": "tool", "__resource_provider_type__":
                                "PythonResourceProvider", "descriptor": {
                                    "target_module": "bench_agents", "target_clazz": "Double", "arguments": {}}}}},
    })


def direct(n: int) -> float:
    model, tool = ScriptedChatModel(script=SCRIPT), Double()
    start_time = time.perf_counter()
    for _ in range(n):
        messages = [{"role": "user", "content": "double 21"}]
        answer = model.chat(messages)
        messages.append(answer)
        call = answer["tool_calls"][0]
        messages.append({"role": "tool", "tool_call_id": call["id"], "content": str(tool.call(**call["arguments"]))})
        final = model.chat(messages)
        assert final["content"] == "42"
    return (time.perf_counter() - start_time) / n


def through_bridge(runtime: Runtime, n: int) -> float:
    start_time = time.perf_counter()
    report = runtime.run((f"k{i % 100}", i) for i in range(n))
    elapsed = time.perf_counter() - start_time
    assert report.ok and len(report.outputs) == n and report.outputs[0][1] == "42", report.errors[:1]
    return elapsed / n


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=2000)
    args = parser.parse_args()
    with Runtime(_plan()) as runtime:
        through_bridge(runtime, 200)  # warm-up
        rounds = [(direct(args.n), through_bridge(runtime, args.n)) for _ in range(3)]  # interleaved
    base = min(r[0] for r in rounds)
    loop = min(r[1] for r in rounds)
    print(f"{'one chat <-> tool loop iteration':<52}{'time':>12}{'ratio':>10}")
    print(f"{'  direct: 2 model calls + 1 tool call':<52}{base * 1e6:>9.1f} us{1:>10.2f}")
    print(f"{'  through bridge (4 events, 3 actions, 3 durable calls)':<52}{loop * 1e6:>9.1f} us"
          f"{loop / base:>10.1f}")
    print(f"{'  framework overhead per iteration':<52}{(loop - base) * 1e6:>9.1f} us")


if __name__ == "__main__":
    main()

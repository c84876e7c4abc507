"""The agent demo's Python side: a customer-support ReAct agent grounded in a Java-embedded FAQ.

Plan: ``examples/agent/plan.yaml``. Per question, :func:`support` (on ``_input_event``) asks the Java
``InMemoryVectorStore`` (documents embedded by the Java all-MiniLM-L6-v2 model) for the FAQ passage closest
to the question, fills the ``question`` prompt with both, and starts the built-in ReAct agent
(:func:`python_actions.react.react`) on that text. The chat ↔ tool loop then lets the model call the Java
``lookupOrder`` and ``convert`` tools, and the react action checks the final answer against
:class:`SupportAnswer` before it becomes the output.

Retrieval happens before the model is asked, not as a tool it may forget to call: a small local model
answers from a passage in its prompt far more reliably than it decides to search, and the scripted run can
check the passage was there (see :class:`ScriptLibrary`).

Settings (the ``support`` action's ``config``, else ``conf_data["agents.<name>"]``): ``vector_store`` (the
FAQ, required), ``question_prompt`` (a prompt resource with ``{question}``, ``{passage}`` and ``{source}``,
required) and ``top_k`` (passages put in the prompt, default 1), plus the react settings it hands on:
``model``, ``system_prompt``, ``output_schema``.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict

from bridge import ResourceType, RunnerContext
from bridge.api import ChatModel, InputEvent
from bridge.errors import ResourceError
from python_actions.agents import setting
from python_actions.models import ScriptedChatModel
from python_actions.react import react

RETRIEVED = "support.retrieved"


class Quantity(BaseModel):
    """A converted value with its unit, as the convert tool gave it."""

    value: float
    unit: str


class SupportAnswer(BaseModel):
    """A reply to a customer and the facts it rests on (order status, converted value), checkable by a program."""

    # This docstring and the fields' become the JSON schema's descriptions, part of the model's instructions.
    model_config = ConfigDict(use_attribute_docstrings=True)

    answer: str
    """The reply to the customer, in two or three sentences."""
    source: str
    """The id of the FAQ passage the answer uses."""
    order_id: str | None = None
    """The order the question is about, if any."""
    order_status: str | None = None
    """The status the lookupOrder tool reported, when the question is about an order."""
    converted: Quantity | None = None
    """The convert tool's result, when the question needed a unit conversion."""


async def support(event: Any, ctx: RunnerContext) -> None:
    """Retrieve the FAQ passage for the question, then start the ReAct agent with both in its prompt."""
    question = event.input.get("question") if isinstance(event.input, dict) else event.input
    if not isinstance(question, str) or not question.strip():
        raise ValueError(f"key {ctx.key!r}: the input is the customer's question as a string (or "
                         f"{{\"question\": ...}}), got {event.input!r:.100}")
    store = ctx.get_resource(_required(ctx, "vector_store"), ResourceType.VECTOR_STORE)
    top_k = setting(ctx, "top_k", 1)
    if type(top_k) is not int or top_k < 1:
        raise ValueError(f"the support action's top_k is the number of passages to retrieve, at least 1, got "
                         f"{top_k!r}")
    hits = await ctx.durable_execute_async(_search, store, question, top_k)
    if not hits:
        raise ValueError(f"the FAQ vector store '{setting(ctx, 'vector_store')}' returned no passage; give it "
                         "documents in the plan")
    ctx.sensory_memory.set(RETRIEVED, [{"id": h["id"], "score": round(float(h["score"]), 3)} for h in hits])
    prompt = ctx.get_resource(_required(ctx, "question_prompt"), ResourceType.PROMPT)
    if not callable(getattr(prompt, "format_string", None)):
        raise ValueError(f"the support action's question_prompt '{setting(ctx, 'question_prompt')}' has no "
                         "format_string(); use a python_actions.prompts.Prompt resource")
    text = prompt.format_string(question=question, source=", ".join(str(h["id"]) for h in hits),
                                passage="\n".join(f"[{h['id']}] {h['content']}" for h in hits))
    react(InputEvent(input=text), ctx)  # react reads model, system_prompt and output_schema from this config


def _required(ctx: RunnerContext, name: str) -> str:
    value = setting(ctx, name)
    if not isinstance(value, str) or not value:
        raise ValueError(f"the support action needs '{name}' in its config (or conf_data 'agents.{name}'): "
                         "the name of a resource of the plan")
    return value


def _search(store: Any, question: str, k: int) -> list[dict[str, Any]]:
    """Runs on a worker: one embedding of the question and a similarity ranking, both in Java."""
    return store.query(question, k)


class ScriptLibrary(ChatModel):
    """Scripted chat models, one per kind of question: deterministic offline runs over varied inputs.

    A :class:`~python_actions.models.ScriptedChatModel` answers every conversation with the same turns, so
    one script cannot serve a demo whose questions need different tools. Plan arguments::

        {"scripts": [{"when": ["ORD-1003", "within 30 days"], "script": [TURN, ...]}, ...]}

    The first entry whose ``when`` strings all occur in the conversation's opening messages (those before
    the first assistant message: the system prompt, the question and the retrieved passage) answers, by the
    ``ScriptedChatModel`` rules. Naming a passage's words in ``when`` makes a retrieval mistake fail the run
    with a message instead of passing unnoticed. Stateless like the scripted model: the same conversation
    gets the same answer in any order and after a replay.
    """

    def __init__(self, scripts: list[dict[str, Any]]) -> None:
        if not isinstance(scripts, list) or not scripts:
            raise ResourceError("ScriptLibrary: 'scripts' is a non-empty list of {\"when\": [str, ...], "
                                "\"script\": [TURN, ...]}")
        self.entries: list[tuple[list[str], ScriptedChatModel]] = []
        for n, entry in enumerate(scripts, start=1):
            when = entry.get("when") if isinstance(entry, dict) else None
            if not isinstance(when, list) or not all(isinstance(w, str) and w for w in when):
                raise ResourceError(f"ScriptLibrary: script {n} needs 'when', a list of non-empty strings the "
                                    f"opening messages must contain, got {when!r:.100}")
            self.entries.append((when, ScriptedChatModel(entry.get("script"))))

    def chat(self, messages: list[dict[str, Any]], tools: list[dict[str, Any]] | None = None) -> dict[str, Any]:
        """The matching script's next turn; no matching script is an error quoting the question."""
        opening = []
        for message in messages:
            if message.get("role") == "assistant":
                break
            opening.append(str(message.get("content") or ""))
        text = "\n".join(opening)
        for when, model in self.entries:
            if all(w in text for w in when):
                return model.chat(messages, tools=tools)
        question = next((str(m.get("content")) for m in messages if m.get("role") == "user"), "")
        raise ValueError(f"ScriptLibrary: no script's 'when' strings all occur in the opening messages (the "
                         f"first user message: {question!r:.400}); add a script for this question, or check "
                         "what was retrieved")

    def __repr__(self) -> str:
        return f"ScriptLibrary({len(self.entries)} scripts)"

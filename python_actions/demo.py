"""The demo's Python actions: enrich a customer request, then answer it with a Java tool and a Java model.

Plan: ``examples/demo/plan.yaml``. Flow per input: ``enrich`` (Python) → ``review`` (Java:
``dev.bridge.examples.OrderActions.reviewOrder`` decides and writes memory) → ``reply`` (Python: reads the
Java-written memory, converts the shipping distance with the Java ``convert`` tool, finds the relevant policy
with the Java MiniLM embedding model) → one output.
"""

from __future__ import annotations

import math
import re
from typing import Any

from bridge import Event, OutputEvent, ResourceType, RunnerContext

POLICIES = [
    "Orders above 1000 euros are held until a person approves them, usually within one business day.",
    "Items that are out of stock are back-ordered; the order ships when every line is available.",
    "You can return any item within 30 days of delivery for a full refund, no questions asked.",
    "Shipping is free within the EU; international delivery takes five to eight business days.",
    "Cancelled or shipped orders cannot be changed; contact support to start a return instead.",
]
_ORDER_ID = re.compile(r"ord[-_ ]?(\d+)", re.IGNORECASE)
_policy_vectors: list[list[float]] = []


def enrich(event: Event, ctx: RunnerContext) -> None:
    """Normalize the request, remember the customer's message count, and ask for a review."""
    request: dict[str, Any] = dict(event.input)
    match = _ORDER_ID.search(str(request.get("order_id") or request.get("message", "")))
    order_id = f"ORD-{match.group(1)}" if match else str(request.get("order_id", "")).upper()
    messages = ctx.short_term_memory.get("customer.messages", 0) + 1
    ctx.short_term_memory.set("customer.messages", messages)
    ctx.sensory_memory.set("request", {"order_id": order_id, "message": request.get("message", ""),
                                       "distance_km": float(request.get("distance_km", 0))})
    review_input = {"order_id": order_id}
    if "sku" in request and "quantity" in request:
        review_input.update(sku=request["sku"], quantity=int(request["quantity"]))
    ctx.send_event(Event(type="order_request", attributes={"input": review_input}))


def _cosine(a: list[float], b: list[float]) -> float:
    dot = sum(x * y for x, y in zip(a, b, strict=True))
    return dot / (math.sqrt(sum(x * x for x in a)) * math.sqrt(sum(y * y for y in b)) or 1.0)


def relevant_policy(model: Any, text: str) -> tuple[str, float]:
    """The policy closest in meaning to ``text`` (the policy vectors are computed once per process)."""
    if not _policy_vectors:
        _policy_vectors.extend(model.embed(p) for p in POLICIES)
    query = model.embed(text)
    score, best = max((_cosine(query, v), i) for i, v in enumerate(_policy_vectors))
    return POLICIES[best], round(score, 3)


def reply(event: Event, ctx: RunnerContext) -> None:
    """Answer with the Java review, the distance in miles (Java tool) and the relevant policy (Java model)."""
    request = ctx.sensory_memory.get("request")
    order_id = event.get("order_id")
    convert = ctx.get_resource("convert", ResourceType.TOOL)
    miles = convert.call(value=request["distance_km"], **{"from": "km", "to": "mi"})
    policy, score = relevant_policy(ctx.get_resource("minilm", ResourceType.EMBEDDING_MODEL),
                                    f"{request['message']} {event.get('reason')}")
    ctx.send_event(OutputEvent(output={
        "order_id": order_id,
        "decision": ctx.short_term_memory.get(f"orders.{order_id}.decision"),
        "reason": event.get("reason"),
        "shipping_miles": round(miles, 1),
        "policy": policy,
        "policy_score": score,
        "reviews_for_customer": ctx.short_term_memory.get("stats.reviewed"),
        "messages_from_customer": ctx.short_term_memory.get("customer.messages"),
    }))

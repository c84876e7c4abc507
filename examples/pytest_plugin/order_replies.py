"""The Python side of the example plan: ask the Java review about an order, then answer from what it wrote."""

from bridge import Event, OutputEvent


def ask(event, ctx):
    """Send the order to the Java review (``dev.bridge.examples.OrderActions.reviewOrder``)."""
    ctx.send_event(Event(type="order_request", attributes={"input": {"order_id": event.input["order_id"]}}))


def answer(event, ctx):
    """Answer with the decision the Java action wrote to short-term memory."""
    order_id = event.get("order_id")
    ctx.send_event(OutputEvent(output={"order_id": order_id,
                                       "decision": ctx.short_term_memory.get(f"orders.{order_id}.decision")}))

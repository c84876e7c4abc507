package dev.bridge.examples;

import dev.bridge.api.DurableCallable;
import dev.bridge.api.Event;
import dev.bridge.api.MemoryObject;
import dev.bridge.api.OutputEvent;
import dev.bridge.api.RunnerContext;
import java.util.Date;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Example Java actions over the order data of {@link OrderTools}. */
public final class OrderActions {
    /** Orders above this total are held for a person to approve. */
    static final double MANUAL_APPROVAL_TOTAL = 1000.0;
    private static final OrderTools TOOLS = new OrderTools();

    private OrderActions() {
    }

    /**
     * Reviews an order: input {@code {"order_id", "sku"?, "quantity"?}} (a given SKU and quantity replace
     * the order's line for that SKU). Decides approve, hold (short stock or a large total) or reject
     * (unknown or no longer pending), writes {@code orders.<id>.decision} and {@code .reason} and
     * increments {@code stats.reviewed} in short-term memory, and sends an {@code order_reviewed} event.
     */
    public static void reviewOrder(Event event, RunnerContext ctx) {
        Map<?, ?> input = inputMap(event);
        String orderId = String.valueOf(input.get("order_id"));
        Map<String, Object> order = TOOLS.lookupOrder(orderId);
        String[] verdict = decide(order, input);

        MemoryObject memory = ctx.getShortTermMemory();
        memory.set("orders." + orderId + ".decision", verdict[0]);
        memory.set("orders." + orderId + ".reason", verdict[1]);
        Object reviewed = memory.get("stats.reviewed");
        memory.set("stats.reviewed", (reviewed instanceof Number ? ((Number) reviewed).longValue() : 0L) + 1);

        Map<String, Object> attributes = new LinkedHashMap<>();
        attributes.put("order_id", orderId);
        attributes.put("decision", verdict[0]);
        attributes.put("reason", verdict[1]);
        attributes.put("total", order.get("total"));
        ctx.sendEvent(new Event("order_reviewed", attributes));
    }

    /**
     * Looks something up slowly off the action thread: sleeps {@code sleep_ms} milliseconds inside
     * {@link RunnerContext#durableExecuteAsync}, then sends an {@link OutputEvent} with the result.
     */
    public static void slowLookup(Event event, RunnerContext ctx) throws Exception {
        Object sleep = event.getAttr("sleep_ms");
        long millis = sleep instanceof Number ? ((Number) sleep).longValue() : 0L;
        String result = ctx.durableExecuteAsync(DurableCallable.of("slow-lookup", String.class, () -> {
            Thread.sleep(millis);
            return "looked up after " + millis + " ms";
        }));
        ctx.sendEvent(new OutputEvent(result));
    }

    /** Always fails, as an order service outage would. */
    public static void fail(Event event, RunnerContext ctx) {
        throw new IllegalStateException("order service unavailable");
    }

    /** Writes a {@link Date}, which is not a portable value: a bad-input case. */
    public static void writeDate(Event event, RunnerContext ctx) {
        ctx.getShortTermMemory().set("order.when", new Date());
    }

    /** The benchmark's hop: exactly ten memory writes and one event. */
    public static void benchHop(Event event, RunnerContext ctx) {
        MemoryObject memory = ctx.getShortTermMemory();
        for (int i = 0; i < 10; i++) {
            memory.set("bench.k" + i, i);
        }
        ctx.sendEvent(new Event("bench_hop_done", Map.of("writes", 10)));
    }

    private static Map<?, ?> inputMap(Event event) {
        Object input = event.getAttr("input");
        if (!(input instanceof Map) || ((Map<?, ?>) input).get("order_id") == null) {
            throw new IllegalArgumentException("reviewOrder needs input {\"order_id\": .., \"sku\"?: .., "
                    + "\"quantity\"?: ..}, got " + input);
        }
        return (Map<?, ?>) input;
    }

    /** Returns {decision, reason}. */
    private static String[] decide(Map<String, Object> order, Map<?, ?> input) {
        if (!Boolean.TRUE.equals(order.get("found"))) {
            return new String[] {"reject", "unknown order"};
        }
        if (!"pending".equals(order.get("status"))) {
            return new String[] {"reject", "order is " + order.get("status")};
        }
        Map<String, Long> quantities = new LinkedHashMap<>();
        for (Object item : (List<?>) order.get("items")) {
            Map<?, ?> line = (Map<?, ?>) item;
            quantities.put(String.valueOf(line.get("sku")), ((Number) line.get("quantity")).longValue());
        }
        if (input.get("sku") != null && input.get("quantity") instanceof Number) {
            quantities.put(String.valueOf(input.get("sku")), ((Number) input.get("quantity")).longValue());
        }
        for (Map.Entry<String, Long> line : quantities.entrySet()) {
            Map<String, Object> stock = TOOLS.checkInventory(line.getKey());
            long inStock = stock.get("in_stock") instanceof Number ? ((Number) stock.get("in_stock")).longValue() : 0;
            if (inStock < line.getValue()) {
                return new String[] {"hold", "insufficient stock for " + line.getKey() + " (need " + line.getValue()
                        + ", have " + inStock + ")"};
            }
        }
        double total = ((Number) order.get("total")).doubleValue();
        if (total > MANUAL_APPROVAL_TOTAL) {
            return new String[] {"hold", "total " + total + " is above " + MANUAL_APPROVAL_TOTAL
                    + " and needs manual approval"};
        }
        return new String[] {"approve", "in stock and total " + total + " within limit"};
    }
}

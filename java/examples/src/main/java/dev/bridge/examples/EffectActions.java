package dev.bridge.examples;

import dev.bridge.api.ContextException;
import dev.bridge.api.DurableCallable;
import dev.bridge.api.Event;
import dev.bridge.api.MemoryObject;
import dev.bridge.api.OutputEvent;
import dev.bridge.api.RunnerContext;
import java.util.Date;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeoutException;

/**
 * Java actions whose effects must be all or nothing, for the host's atomicity tests: each writes memory and
 * sends an event before the step that fails, so a test can check that none of it was kept.
 */
public final class EffectActions {
    private EffectActions() {
    }

    /** Sets {@code a = 5}, then {@code a.b = 1} (under the value just written: refused), then outputs. */
    public static void halfWay(Event event, RunnerContext ctx) {
        MemoryObject memory = ctx.getShortTermMemory();
        memory.set("a", 5);
        ctx.getSensoryMemory().set("seen", true);
        ctx.sendEvent(new OutputEvent("sent before the failure"));
        memory.set("a.b", 1);
        ctx.sendEvent(new OutputEvent("unreachable"));
    }

    /** Writes {@code input.writes} ({@code [[path, value], ..]}) to short-term memory in order, then outputs. */
    public static void writeAll(Event event, RunnerContext ctx) {
        Map<?, ?> input = (Map<?, ?>) event.getAttr("input");
        MemoryObject memory = ctx.getShortTermMemory();
        for (Object item : (List<?>) input.get("writes")) {
            List<?> write = (List<?>) item;
            memory.set((String) write.get(0), write.get(1));
        }
        ctx.sendEvent(new OutputEvent("written"));
    }

    /**
     * Writes memory and sends an output, then sends {@code bad_event} whose attribute named by the input
     * ({@code "nan"} or {@code "date"}) holds NaN or a {@link Date}.
     */
    public static void sendNonPortable(Event event, RunnerContext ctx) {
        String kind = String.valueOf(event.getAttr("input"));
        ctx.getShortTermMemory().set("before", 1);
        ctx.sendEvent(new OutputEvent("sent before the failure"));
        Map<String, Object> attributes = new LinkedHashMap<>();
        attributes.put("fine", 1);
        attributes.put(kind, "nan".equals(kind) ? (Object) Double.NaN : new Date(0));
        ctx.sendEvent(new Event("bad_event", attributes));
    }

    /** Writes memory, then writes NaN at {@code bad.value}. */
    public static void writeNaN(Event event, RunnerContext ctx) {
        ctx.getShortTermMemory().set("before", 1);
        ctx.getShortTermMemory().set("bad.value", Double.NaN);
    }

    /** Sends {@code late} with a portable attribute, then puts NaN into the sent event's attributes. */
    public static void mutateAfterSend(Event event, RunnerContext ctx) {
        ctx.getShortTermMemory().set("before", 1);
        Event late = new Event("late", Map.of("fine", 1));
        ctx.sendEvent(late);
        late.setAttr("sneaked", Double.NaN);
    }

    /**
     * A durable call whose callable uses the action's memory from its background thread: refused with a
     * {@code ContextException}, which the action catches and reports as its output.
     */
    public static void memoryFromCallable(Event event, RunnerContext ctx) throws Exception {
        String outcome;
        try {
            outcome = ctx.durableExecuteAsync(DurableCallable.of("peek", String.class,
                    () -> String.valueOf(ctx.getShortTermMemory().getFieldNames())));
        } catch (ContextException e) {
            outcome = "refused: " + e.getClass().getSimpleName();
        }
        ctx.sendEvent(new OutputEvent(outcome));
    }

    /** A durable call that sleeps {@code input.millis}; a timeout is caught and reported as the output. */
    public static void sleepyCall(Event event, RunnerContext ctx) throws Exception {
        long millis = ((Number) ((Map<?, ?>) event.getAttr("input")).get("millis")).longValue();
        String outcome;
        try {
            outcome = ctx.durableExecuteAsync(DurableCallable.of("sleepy", String.class, () -> {
                Thread.sleep(millis);
                return "slept";
            }));
        } catch (TimeoutException e) {
            outcome = "timed out";
        }
        ctx.sendEvent(new OutputEvent(outcome));
    }
}

package dev.bridge.runtime;

import dev.bridge.api.DurableCallable;
import dev.bridge.api.Event;
import dev.bridge.api.MemoryObject;
import dev.bridge.api.OutputEvent;
import dev.bridge.api.ResourceType;
import dev.bridge.api.RunnerContext;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/** Actions the runtime tests resolve by name. */
public final class TestActions {
    /** Released by tests to let {@link #waitForGate} calls finish. */
    static volatile CountDownLatch gate = new CountDownLatch(0);
    /** Counts how often the body of a durable call ran. */
    static final AtomicInteger CALLS = new AtomicInteger();
    /** Lets a test switch the id of the durable call between attempts. */
    static volatile String asyncId = "lookup";
    /** What a test action saw, for assertions. */
    static final Map<String, Object> SEEN = new LinkedHashMap<>();

    private TestActions() {
    }

    public static void writeAndSend(Event event, RunnerContext ctx) {
        ctx.getShortTermMemory().set("a.b", event.getAttr("value"));
        ctx.getSensoryMemory().newObject("scratch", false);
        ctx.sendEvent(new Event("written", Map.of("value", event.getAttr("value"))));
    }

    public static void readAfterWrite(Event event, RunnerContext ctx) {
        MemoryObject memory = ctx.getShortTermMemory();
        SEEN.clear();
        SEEN.put("before", memory.get("user.name"));
        memory.set("user.name", "Grace");
        SEEN.put("after", memory.get("user.name"));
        SEEN.put("fields", ((MemoryObject) memory.get("user")).getFieldNames());
        SEEN.put("tier", memory.get("user.tier"));
        memory.set("score", 5);
        SEEN.put("below value", memory.get("score.tier"));
        SEEN.put("exists", memory.isExist("score"));
    }

    public static void readConfig(Event event, RunnerContext ctx) {
        ctx.sendEvent(new Event("config", Map.of(
                "plan", ctx.getConfig().get("mode"),
                "action", ctx.getActionConfigValue("limit"))));
    }

    public static void useResource(Event event, RunnerContext ctx) {
        SEEN.clear();
        SEEN.put("first", ctx.getResource("model", ResourceType.CHAT_MODEL));
        SEEN.put("second", ctx.getResource("model", ResourceType.CHAT_MODEL));
    }

    public static void missingResource(Event event, RunnerContext ctx) {
        ctx.getResource("nope", ResourceType.VECTOR_STORE);
    }

    public static void throwing(Event event, RunnerContext ctx) {
        try {
            throw new IllegalArgumentException("root cause");
        } catch (IllegalArgumentException e) {
            throw new IllegalStateException("order service unavailable", e);
        }
    }

    public static void recurseForever(Event event, RunnerContext ctx) {
        recurseForever(event, ctx);
    }

    public static void writeNonPortable(Event event, RunnerContext ctx) {
        ctx.getShortTermMemory().set("order", Map.of("when", new java.util.Date()));
    }

    public static void syncThenAsync(Event event, RunnerContext ctx) throws Exception {
        ctx.getShortTermMemory().set("progress", "started");
        String first = ctx.durableExecute(DurableCallable.of("first", String.class, () -> {
            CALLS.incrementAndGet();
            return "one";
        }));
        String second = ctx.durableExecuteAsync(DurableCallable.of(asyncId, String.class, () -> {
            CALLS.incrementAndGet();
            gate.await(10, TimeUnit.SECONDS);
            return "two";
        }));
        ctx.getShortTermMemory().set("progress", "finished");
        ctx.sendEvent(new OutputEvent(List.of(first, second)));
    }

    public static void asyncFailure(Event event, RunnerContext ctx) throws Exception {
        try {
            ctx.durableExecuteAsync(DurableCallable.of("flaky", String.class, () -> {
                throw new java.io.IOException("remote down");
            }));
        } catch (java.io.IOException e) {
            ctx.sendEvent(new OutputEvent("recovered from " + e.getMessage()));
        }
    }

    public static void swallowSuspension(Event event, RunnerContext ctx) {
        try {
            ctx.durableExecuteAsync(DurableCallable.of("swallowed", String.class, () -> "late"));
        } catch (Throwable t) {
            ctx.sendEvent(new Event("should_be_discarded", Map.of()));
        }
    }

    public static void notStatic(Event event, RunnerContext ctx) {
    }

    public static int wrongReturn(Event event, RunnerContext ctx) {
        return 0;
    }

    /** A durable call counted in {@link #WAIT_CALLS}, then a wait for outside input "approval", then an output. */
    public static void waitForApproval(Event event, RunnerContext ctx) throws Exception {
        String price = ctx.durableExecute(DurableCallable.of("price", String.class,
                () -> "p" + WAIT_CALLS.incrementAndGet()));
        Object approval = ctx.waitForInput("approval");
        ctx.sendEvent(new OutputEvent(price + ":" + approval));
    }

    static final AtomicInteger WAIT_CALLS = new AtomicInteger();
}

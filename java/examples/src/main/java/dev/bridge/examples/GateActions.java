package dev.bridge.examples;

import dev.bridge.api.DurableCallable;
import dev.bridge.api.Event;
import dev.bridge.api.OutputEvent;
import dev.bridge.api.RunnerContext;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.TimeUnit;

/**
 * Actions whose durable calls wait for each other or for the caller, so tests prove that calls overlap
 * by what happened in which order, not by how long it took (which fails on a slow machine).
 *
 * <p>Gates and barriers are named by the action's input, so tests running at once do not share them. A
 * call that waits longer than {@link #WAIT_SECONDS} fails with an {@link IllegalStateException}: a host
 * that does not overlap calls fails the test instead of hanging it.
 */
public final class GateActions {
    /** How long a call waits for its gate or barrier before it fails. */
    public static final long WAIT_SECONDS = 20;

    private static final Map<String, CountDownLatch> GATES = new ConcurrentHashMap<>();
    private static final Map<String, CyclicBarrier> BARRIERS = new ConcurrentHashMap<>();

    private GateActions() {
    }

    /**
     * Input {@code {"gate": name}}: a durable async call waits until {@link #openGate} opens the gate, then
     * the action sends an {@link OutputEvent} {@code "passed gate <name>"}.
     */
    public static void awaitGate(Event event, RunnerContext ctx) throws Exception {
        String gate = String.valueOf(input(event).get("gate"));
        String result = ctx.durableExecuteAsync(DurableCallable.of("await-gate", String.class, () -> {
            if (!gate(gate).await(WAIT_SECONDS, TimeUnit.SECONDS)) {
                throw new IllegalStateException("gate '" + gate + "' was not opened within " + WAIT_SECONDS + " s");
            }
            return "passed gate " + gate;
        }));
        ctx.sendEvent(new OutputEvent(result));
    }

    /** Opens a gate: every call waiting at it, or coming to it later, goes on. Callable from any thread. */
    public static void openGate(String name) {
        gate(name).countDown();
    }

    /**
     * Input {@code {"barrier": name, "parties": n}}: a durable async call waits until {@code n} calls wait at
     * the barrier at the same time, then the action sends an {@link OutputEvent}
     * {@code "met <n> at <name>"}. Succeeds only if {@code n} calls are in flight at once.
     */
    public static void meetAtBarrier(Event event, RunnerContext ctx) throws Exception {
        Map<?, ?> input = input(event);
        String name = String.valueOf(input.get("barrier"));
        int parties = ((Number) input.get("parties")).intValue();
        String result = ctx.durableExecuteAsync(DurableCallable.of("meet-at-barrier", String.class, () -> {
            BARRIERS.computeIfAbsent(name, n -> new CyclicBarrier(parties)).await(WAIT_SECONDS, TimeUnit.SECONDS);
            return "met " + parties + " at " + name;
        }));
        ctx.sendEvent(new OutputEvent(result));
    }

    private static CountDownLatch gate(String name) {
        return GATES.computeIfAbsent(name, n -> new CountDownLatch(1));
    }

    private static Map<?, ?> input(Event event) {
        Object input = event.getAttr("input");
        if (!(input instanceof Map)) {
            throw new IllegalArgumentException("GateActions need a JSON object input, got " + input);
        }
        return (Map<?, ?>) input;
    }
}

package dev.bridge.examples;

import dev.bridge.api.DurableCallable;
import dev.bridge.api.Event;
import dev.bridge.api.OutputEvent;
import dev.bridge.api.RunnerContext;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * Java actions that misbehave on purpose, for the host's stop and exit tests: one that takes long, one whose
 * durable call takes long, one that leaves a thread running.
 *
 * <p>Each takes an input map: {@code "value"} is echoed as the output, {@code "sleep_ms"} is how long to
 * take, and {@code "marker"} (optional) is a file path written when the slow part starts, so a test can wait
 * for that moment instead of guessing a time.
 */
public final class FaultActions {
    private FaultActions() {
    }

    /** Writes the marker, sleeps {@code sleep_ms} on the action's own thread, then outputs {@code value}. */
    public static void sleep(Event event, RunnerContext ctx) throws Exception {
        Map<?, ?> input = input(event);
        mark(input);
        Thread.sleep(millis(input));
        ctx.sendEvent(new OutputEvent(input.get("value")));
    }

    /** Like {@link #sleep} but the wait is a durable call (it runs off the action thread). */
    public static void slowDurableCall(Event event, RunnerContext ctx) throws Exception {
        Map<?, ?> input = input(event);
        long millis = millis(input);
        ctx.durableExecuteAsync(DurableCallable.of("fault-sleep", String.class, () -> {
            mark(input);
            Thread.sleep(millis);
            return "slept";
        }));
        ctx.sendEvent(new OutputEvent(input.get("value")));
    }

    /** Starts a non-daemon thread that never ends (it would keep a JVM alive), then outputs {@code value}. */
    public static void leaveThread(Event event, RunnerContext ctx) {
        Map<?, ?> input = input(event);
        Thread lingering = new Thread(() -> {
            try {
                Thread.sleep(Long.MAX_VALUE);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, "fault-actions-lingering");
        lingering.setDaemon(false);
        lingering.start();
        ctx.sendEvent(new OutputEvent(input.get("value")));
    }

    private static Map<?, ?> input(Event event) {
        Object input = event.getAttr("input");
        return input instanceof Map<?, ?> map ? map : Map.of("value", String.valueOf(input));
    }

    private static long millis(Map<?, ?> input) {
        Object sleep = input.get("sleep_ms");
        return sleep instanceof Number n ? n.longValue() : 0L;
    }

    private static void mark(Map<?, ?> input) throws IOException {
        Object marker = input.get("marker");
        if (marker != null) {
            Files.writeString(Path.of(marker.toString()), "started\n", StandardCharsets.UTF_8);
        }
    }
}

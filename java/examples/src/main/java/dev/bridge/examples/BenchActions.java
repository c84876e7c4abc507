package dev.bridge.examples;

import dev.bridge.api.Event;
import dev.bridge.api.MemoryObject;
import dev.bridge.api.RunnerContext;
import java.util.Map;

/**
 * The Java step of the mixed-plan benchmark ({@code bench/bench_mixed.py}): the same work as a bridge action
 * and as a plain static method a hand-written JPype loop would call.
 */
public final class BenchActions {
    private BenchActions() {
    }

    /** Reads {@code py} from short-term memory, writes {@code java = py * 2}, sends {@code from_java}. */
    public static void relay(Event event, RunnerContext ctx) {
        MemoryObject memory = ctx.getShortTermMemory();
        long value = ((Number) memory.get("py")).longValue() * 2;
        memory.set("java", value);
        ctx.sendEvent(new Event("from_java", Map.of("j", value)));
    }

    /** The hand-written equivalent: the key's Java-side memory is a map the caller keeps. */
    public static long relayRaw(Map<String, Object> memory, long py) {
        memory.put("py", py);
        long value = py * 2;
        memory.put("java", value);
        return value;
    }
}

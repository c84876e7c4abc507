package dev.bridge.examples;

import dev.bridge.api.DurableCallable;
import dev.bridge.api.Event;
import dev.bridge.api.MemoryObject;
import dev.bridge.api.OutputEvent;
import dev.bridge.api.RunnerContext;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A Java action whose durable calls have side effects, for the crash tests of durable runs: each call
 * appends a line to {@code effects.log} in the folder named by the environment variable
 * {@code DURABLE_WORK} (or the input's {@code "work"}), and kills the process (SIGKILL, as a crash would) when a marker file
 * {@code kill-<name>-<n>} is there, once.
 */
public final class DurableActions {
    private DurableActions() {
    }

    /**
     * For input {@code {"n": n}}: an async call {@code ja} then a sync call {@code jb}, each returning
     * {@code n * 10}; adds the first to {@code jtotal} in short-term memory and outputs both and the total.
     */
    public static void counted(Event event, RunnerContext ctx) throws Exception {
        Map<?, ?> input = (Map<?, ?>) event.getAttr("input");
        int n = ((Number) input.get("n")).intValue();
        Path work = folder(input);
        int a = ctx.durableExecuteAsync(DurableCallable.of("ja-" + n, Integer.class, () -> effect(work, "ja", n)));
        MemoryObject memory = ctx.getShortTermMemory();
        Object before = memory.get("jtotal");
        int total = (before == null ? 0 : ((Number) before).intValue()) + a;
        memory.set("jtotal", total);
        int b = ctx.durableExecute(DurableCallable.of("jb-" + n, Integer.class, () -> effect(work, "jb", n)));
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("n", n);
        out.put("a", a);
        out.put("b", b);
        out.put("total", total);
        ctx.sendEvent(new OutputEvent(out));
    }

    /** The input's {@code "work"} folder, else {@code $DURABLE_WORK} (read once, when the JVM started). */
    private static Path folder(Map<?, ?> input) {
        Object work = input.get("work");
        return Path.of(work != null ? work.toString()
                : System.getenv().getOrDefault("DURABLE_WORK", System.getProperty("java.io.tmpdir")));
    }

    private static int effect(Path work, String name, int n) throws IOException, InterruptedException {
        Files.writeString(work.resolve("effects.log"), name + ":" + n + "\n", StandardCharsets.UTF_8,
                StandardOpenOption.CREATE, StandardOpenOption.APPEND);
        Path kill = work.resolve("kill-" + name + "-" + n);
        if (Files.deleteIfExists(kill)) {
            new ProcessBuilder("kill", "-9", Long.toString(ProcessHandle.current().pid())).start().waitFor();
            Thread.sleep(10_000);  // the signal arrives first
        }
        return n * 10;
    }

    /**
     * For input {@code {"n": n}}: a durable call {@code jp} (the price, {@code n * 10}), then waits for the
     * outside input {@code "approval"}, then outputs the price and the approval.
     */
    public static void approval(Event event, RunnerContext ctx) throws Exception {
        Map<?, ?> input = (Map<?, ?>) event.getAttr("input");
        int n = ((Number) input.get("n")).intValue();
        Path work = folder(input);
        int price = ctx.durableExecute(DurableCallable.of("jp-" + n, Integer.class, () -> effect(work, "jp", n)));
        Object approval = ctx.waitForInput("approval");
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("n", n);
        out.put("price", price);
        out.put("approval", approval);
        ctx.sendEvent(new OutputEvent(out));
    }
}

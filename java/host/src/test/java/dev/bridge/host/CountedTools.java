package dev.bridge.host;

import dev.bridge.api.Tool;
import dev.bridge.api.ToolParam;
import java.util.concurrent.atomic.AtomicInteger;

/** A Java tool resource that counts its builds (a slow build widens the window in which two threads race). */
public class CountedTools {
    /** How many instances were built in this JVM. */
    static final AtomicInteger BUILT = new AtomicInteger();

    /** Builds slowly, counting the build. */
    public CountedTools() throws InterruptedException {
        BUILT.incrementAndGet();
        Thread.sleep(50);
    }

    /** Scales a value by 1000, naming the thread it ran on. */
    @Tool(name = "scale", description = "Multiply a value by 1000")
    public long scale(@ToolParam(name = "value", description = "The value") long value) {
        return value * 1000;
    }
}

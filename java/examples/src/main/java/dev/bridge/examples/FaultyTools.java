package dev.bridge.examples;

import dev.bridge.api.Tool;
import dev.bridge.api.ToolParam;
import java.util.ArrayList;
import java.util.List;

/** Tools that fail the way real Java code sometimes does; the host must survive each as an event error. */
public class FaultyTools {
    /** Recurses without end: a {@link StackOverflowError}. */
    @Tool(name = "recurse", description = "Recurse until the stack overflows.")
    public long recurse(@ToolParam(name = "depth", description = "Starting depth") long depth) {
        return recurse(depth + 1) + 1;
    }

    /** Allocates until the heap is exhausted: an {@link OutOfMemoryError}. */
    @Tool(name = "exhaust_heap", description = "Allocate memory until the heap runs out.")
    public int exhaustHeap(@ToolParam(name = "chunk_mb", description = "Megabytes per allocation") int chunkMb) {
        List<long[]> hoard = new ArrayList<>();
        while (true) {
            hoard.add(new long[chunkMb * 131_072]);
        }
    }

    /** Throws a checked-looking failure with a cause, to show the Java stack crossing. */
    @Tool(name = "refuse", description = "Always fails with an IllegalStateException caused by another.")
    public String refuse(@ToolParam(name = "reason", description = "Why") String reason) {
        throw new IllegalStateException("refused: " + reason, new UnsupportedOperationException("inner cause"));
    }
}

package dev.bridge.host;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The output lines of a run of {@link Main}: {@code {"key", "output"}} JSON lines written whole, to standard
 * output or to a temp file put in place of {@code --output} at the end. Synchronized, because a run that outlives
 * its grace period is ended from a signal's thread, which puts in place what was written so far.
 */
final class RunOutput {
    private final OutputStream out;
    private final Path temp;
    private final Path output;
    private final boolean flushEach;
    private int written;
    private boolean committed;

    /**
     * @param out the stream lines go to
     * @param temp the temp file {@code out} writes, or null (standard output)
     * @param output where the temp file goes at the end
     * @param flushEach write each line at once (live input on standard output)
     */
    RunOutput(OutputStream out, Path temp, Path output, boolean flushEach) {
        this.out = out;
        this.temp = temp;
        this.output = output;
        this.flushEach = flushEach;
    }

    /** Writes one output line. */
    synchronized void write(Object key, Object value) throws IOException {
        if (committed) {
            return;  // the run was abandoned: what was written is in place
        }
        Map<String, Object> line = new LinkedHashMap<>();
        line.put("key", key);
        line.put("output", value);
        out.write(PortableJson.bytes(line));  // the Python host's bytes (orjson's floats and strings)
        out.write('\n');
        written++;
        if (flushEach) {
            out.flush();
        }
    }

    /** Returns the lines written. */
    synchronized int written() {
        return written;
    }

    /** Flushes, and puts the temp file in place of the output (once). */
    synchronized void commit() throws IOException {
        if (committed) {
            return;
        }
        committed = true;
        out.flush();
        if (temp != null) {
            out.close();
            Files.move(temp, output, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        }
    }
}

package dev.bridge.host;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.PrintStream;
import java.util.Iterator;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.concurrent.LinkedBlockingQueue;

/**
 * Input lines of {@link Main}, parsed by Python's parser on the scheduler thread (so keys and bad-line messages
 * are {@code bridge run}'s); a bad line is reported as {@code skipped: file:line: why}, or ends the input with
 * {@code --on-bad-input stop}. A file is read as the scheduler asks; standard input ({@link #live}) is read by a
 * thread of its own, so the run goes on while no line comes.
 */
class InputLines implements Iterator<BridgeHost.Input> {
    private final String name;
    private final PythonSide python;
    private final PrintStream err;
    private final boolean stopOnBad;
    private final BufferedReader reader;
    private BridgeHost.Input next;
    private int number;
    int skipped;
    boolean stopped;

    InputLines(BufferedReader reader, String name, PythonSide python, PrintStream err, boolean stopOnBad) {
        this.reader = reader;
        this.name = name;
        this.python = python;
        this.err = err;
        this.stopOnBad = stopOnBad;
    }

    /** Lines a reading thread takes from {@code reader} (standard input); see {@link BridgeHost.LiveInputs}. */
    static InputLines live(BufferedReader reader, String name, PythonSide python, PrintStream err, boolean stopOnBad,
            int window) {
        return new Live(reader, name, python, err, stopOnBad, window);
    }

    /** The next raw line, or null at the end (for a live source: when none waits now). */
    String line() {
        try {
            return reader.readLine();
        } catch (IOException e) {
            failed(e);
            return null;
        }
    }

    void failed(IOException e) {
        err.println("skipped: " + name + ": reading the input failed: " + e.getMessage());
        skipped++;
    }

    boolean pending() {
        return next != null;
    }

    @Override
    public boolean hasNext() {
        while (next == null && !stopped) {
            String line = line();
            if (line == null) {
                return false;
            }
            number++;
            if (number == 1 && line.startsWith("\uFEFF")) {
                line = line.substring(1);
            }
            Map<String, Object> parsed = Scheduler.parseMap(python.cli("parse", line, name, number));
            if (parsed.containsKey("error")) {
                if (stopOnBad) {
                    err.println("error: " + parsed.get("error") + "\n  the input ends here (--on-bad-input stop);"
                            + " the lines before it run");
                    stopped = true;
                } else {
                    err.println("skipped: " + parsed.get("error"));
                    skipped++;
                }
            } else if (parsed.containsKey("key")) {
                next = new BridgeHost.Input(parsed.get("key"), parsed.get("input"));
            }
        }
        return next != null;
    }

    @Override
    public BridgeHost.Input next() {
        if (!hasNext()) {
            throw new NoSuchElementException();
        }
        BridgeHost.Input item = next;
        next = null;
        return item;
    }

    /** Standard input: a daemon thread reads lines into a queue of at most {@code window} and wakes the run. */
    private static final class Live extends InputLines implements BridgeHost.LiveInputs {
        private final BufferedReader source;
        private final LinkedBlockingQueue<String> lines;
        private volatile boolean eof;
        private volatile IOException failure;

        Live(BufferedReader reader, String name, PythonSide python, PrintStream err, boolean stopOnBad, int window) {
            super(reader, name, python, err, stopOnBad);
            this.source = reader;
            this.lines = new LinkedBlockingQueue<>(Math.max(1, window));
        }

        @Override
        public void onArrival(Runnable arrived) {
            Thread thread = new Thread(() -> {
                try {
                    for (String line = source.readLine(); line != null; line = source.readLine()) {
                        lines.put(line);
                        arrived.run();
                    }
                } catch (IOException e) {
                    failure = e;
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                eof = true;
                arrived.run();
            }, "bridge-stdin");
            thread.setDaemon(true);
            thread.start();
        }

        @Override
        String line() {
            String line = lines.poll();
            if (line == null && eof && failure != null) {
                IOException e = failure;
                failure = null;
                failed(e);
            }
            return line;
        }

        @Override
        public boolean ready() {
            return pending() || !lines.isEmpty() || eof || stopped;
        }

        @Override
        public boolean ended() {
            return stopped || eof && lines.isEmpty() && !pending();
        }
    }
}

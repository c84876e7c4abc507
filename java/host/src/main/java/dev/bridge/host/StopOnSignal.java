package dev.bridge.host;

import java.io.PrintStream;
import java.math.BigDecimal;
import java.util.List;
import java.util.function.DoubleConsumer;
import java.util.function.IntConsumer;
import sun.misc.Signal;

/**
 * SIGTERM and SIGINT stop a run of the Java host as they stop {@code bridge run} ({@code bridge/_signals.py}):
 * the first asks the run to stop ({@link BridgeHost#requestStop}: no more inputs, the running ones get
 * {@code grace} seconds); if the run has not ended {@code grace} seconds later (plus a margin), or a second signal
 * arrives, {@code onAbandon} keeps what finished and ends the process. The exit code is 128 + the signal's number.
 *
 * <p>The handlers run on a thread of the JVM's, never in the embedded Python: they only set a deadline and wake
 * the scheduler. They replace the SIGINT handler CPython installs when it starts, so {@link #install} is called
 * again once the interpreter runs.
 */
final class StopOnSignal {
    /** Time past the grace period for the run to notice it, return and write its summary before it is abandoned. */
    static final double MARGIN = 2.0;

    private final double grace;
    private final IntConsumer onAbandon;
    private final PrintStream err;
    private final Object lock = new Object();
    private DoubleConsumer requestStop;
    private int count;
    private int signum;
    private volatile boolean done;

    /**
     * @param grace seconds the running inputs get
     * @param onAbandon called with the exit code when the run must end now; must not return (it halts)
     * @param err where the messages go
     */
    StopOnSignal(double grace, IntConsumer onAbandon, PrintStream err) {
        this.grace = grace;
        this.onAbandon = onAbandon;
        this.err = err;
    }

    /** Takes SIGTERM and SIGINT (a signal the process ignores, as under nohup, stays ignored). */
    void install() {
        for (String name : List.of("TERM", "INT")) {
            try {
                Signal.handle(new Signal(name), this::received);
            } catch (IllegalArgumentException ignored) {
                // ignored by the parent (nohup) or reserved by the JVM (-Xrs): not ours to take
            }
        }
    }

    /** Routes stops to the run; a signal that came before is passed on at once. */
    void attach(DoubleConsumer stop) {
        boolean pending;
        synchronized (lock) {
            requestStop = stop;
            pending = signum != 0;
        }
        if (pending) {
            stop.accept(grace);
        }
    }

    /** Returns the exit code the signal asks for (128 + its number), or null when none came. */
    Integer code() {
        synchronized (lock) {
            return signum == 0 ? null : 128 + signum;
        }
    }

    /** Returns the name of the signal that came ({@code SIGTERM}), or null. */
    String name() {
        synchronized (lock) {
            return signum == 0 ? null : signum == 2 ? "SIGINT" : signum == 15 ? "SIGTERM" : "signal " + signum;
        }
    }

    /** The run ended on its own: nothing is abandoned from now on. */
    void finished() {
        done = true;
    }

    private void received(Signal signal) {
        boolean first;
        DoubleConsumer stop;
        synchronized (lock) {
            count++;
            first = count == 1;
            if (first) {
                signum = signal.getNumber();
            }
            stop = requestStop;
        }
        String name = "SIG" + signal.getName();
        if (first) {
            say(name + " received: taking no more inputs; running ones get up to " + seconds(grace)
                    + " s to finish (send it again to stop now)");
            if (stop != null) {
                stop.accept(grace);
            }
            Thread deadline = new Thread(() -> {
                try {
                    Thread.sleep((long) ((grace + MARGIN) * 1000));
                } catch (InterruptedException e) {
                    return;
                }
                if (!done) {
                    say("the run did not end within the " + seconds(grace) + " s grace period; abandoning what runs");
                    onAbandon.accept(code());
                }
            }, "bridge-signal-deadline");
            deadline.setDaemon(true);
            deadline.start();
        } else if (!done) {
            say(name + " received again: stopping now");
            onAbandon.accept(code());
        }
    }

    private void say(String message) {
        err.println("bridge: " + message);
        err.flush();
    }

    /** Seconds as Python's {@code :g} writes them: 5, 0.5, 1.25. */
    static String seconds(double value) {
        return BigDecimal.valueOf(value).stripTrailingZeros().toPlainString();
    }
}

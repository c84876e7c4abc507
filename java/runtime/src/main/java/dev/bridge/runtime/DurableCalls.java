package dev.bridge.runtime;

import dev.bridge.api.BridgeException;
import dev.bridge.api.NonDeterminismException;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeoutException;
import dev.bridge.api.DurableCallable;

/**
 * The durable calls of one attempt: replays what the {@link DurableRun} recorded, in order, and records
 * or starts what is new. Remembers a suspension or a divergence even if the action swallows it.
 */
final class DurableCalls {
    private final String actionName;
    private final DurableRun run;
    private int next;
    private boolean suspended;
    private BridgeException divergence;

    private final double timeoutSeconds;

    DurableCalls(String actionName, DurableRun run) {
        this(actionName, run, Double.POSITIVE_INFINITY);
    }

    /** Calls that take longer than {@code timeoutSeconds} fail with a {@link TimeoutException} (infinite: none). */
    DurableCalls(String actionName, DurableRun run, double timeoutSeconds) {
        this.actionName = actionName;
        this.run = run;
        this.timeoutSeconds = timeoutSeconds;
    }

    <T> T execute(DurableCallable<T> callable, boolean async) throws Exception {
        String id = callable.getId();
        if (id == null) {
            throw new BridgeException("action '" + actionName + "': a DurableCallable needs a non-null getId()");
        }
        int index = next++;
        if (index < run.records.size()) {
            if (run.records.get(index).id().equals(id) || run.strict) {
                return replay(index, id, callable.getResultClass());
            }
            run.diverge(index);  // not strict: the later records go, and this call runs anew
        }
        if (async) {
            run.startPending(id, BackgroundCalls.submit(callable, id, timeoutSeconds));
            suspended = true;
            throw new Suspension();
        }
        T result;
        try {
            result = Double.isInfinite(timeoutSeconds) ? callable.call() : callWithin(callable, id);
        } catch (Exception e) {
            run.record(id, null, e);
            throw e;
        }
        run.record(id, result, null);
        return replay(index, id, callable.getResultClass());
    }

    /** Runs a synchronous call on a background thread and waits at most the timeout; an overrun is abandoned. */
    @SuppressWarnings("unchecked")
    private <T> T callWithin(DurableCallable<T> callable, String id) throws Exception {
        try {
            return (T) BackgroundCalls.submit(callable, id, timeoutSeconds).join();
        } catch (CompletionException e) {
            Throwable cause = e.getCause() != null ? e.getCause() : e;
            if (cause instanceof Exception) {
                throw (Exception) cause;
            }
            throw (Error) cause;
        }
    }

    boolean isSuspended() {
        return suspended;
    }

    /** The id of a wait for outside input among the durable calls: the same as the Python host's. */
    static final String WAIT_ID = "bridge.wait_for_input";

    private String waitingFor;
    private int waitIndex = -1;

    /**
     * Returns the outside input recorded at this position, or suspends the action: its key waits until the
     * host records a value there (a resume), then the action runs again and the value is replayed.
     */
    Object waitForInput(String name) throws Exception {
        if (name == null || name.isEmpty()) {
            throw new BridgeException("action '" + actionName + "': waitForInput needs a non-empty name");
        }
        if (run.reporter == null) {
            throw new BridgeException("action '" + actionName + "': waitForInput needs a host with a state store "
                    + "(Runtime(plan, state=...) or bridge run --state FILE)");
        }
        int index = next++;
        if (index < run.records.size()) {
            return replay(index, WAIT_ID, Object.class);
        }
        waitingFor = name;
        waitIndex = index;
        suspended = true;
        throw new Suspension();
    }

    /** The name the action waits for (outside input), or null. */
    String waitingFor() {
        return waitingFor;
    }

    int waitIndex() {
        return waitIndex;
    }

    /**
     * Returns why this attempt diverged from the recorded calls, or null: a call with another id, or
     * fewer calls than recorded once the action has finished.
     */
    BridgeException divergence(boolean finished) {
        if (divergence == null && finished && next < run.records.size() && run.strict) {
            divergence = nonDeterministic("the replay made " + next + " durable call(s) but " + run.records.size()
                    + " were recorded (next recorded id '" + run.records.get(next).id() + "')");
        }
        return divergence;
    }

    @SuppressWarnings("unchecked")
    private <T> T replay(int index, String id, Class<T> resultClass) throws Exception {
        DurableRun.CallRecord record = run.records.get(index);
        if (!record.id().equals(id)) {
            divergence = nonDeterministic("durable call #" + index + " (counted from 0, as the Python host does) "
                    + "has id '" + id + "' but the recorded call had id '" + record.id() + "'");
            throw divergence;
        }
        if (record.error() instanceof Exception) {
            throw (Exception) record.error();
        }
        if (record.error() instanceof Error) {
            throw (Error) record.error();
        }
        if (record.result() == null && record.resultJson() != null && !record.resultJson().isNull()) {
            return Json.mapper().treeToValue(record.resultJson(), resultClass);  // recorded in an earlier process
        }
        return (T) record.result();
    }

    private BridgeException nonDeterministic(String detail) {
        return new NonDeterminismException("non-deterministic action '" + actionName + "': " + detail
                + "; code before and between durable calls must make the same calls on every replay");
    }

    /** Aborts an attempt that waits for a background call; never seen by the host. */
    private static final class Suspension extends Error {
        private static final long serialVersionUID = 1L;

        Suspension() {
            super("action suspended on a durable call", null, false, false);
        }
    }
}

package dev.bridge.runtime;

import com.fasterxml.jackson.databind.JsonNode;
import dev.bridge.api.BridgeException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

/**
 * One run of an action across its attempts: the event it handles and the durable calls recorded so far.
 * An attempt that suspends leaves its pending background call here until the run resumes.
 */
final class DurableRun {
    final byte[] eventJson;
    /** Committed reads the host sent with the invoke (JSON, may be null); replays start from them too. */
    final byte[] knownJson;
    final List<CallRecord> records = new ArrayList<>();
    private String pendingId;
    private CompletableFuture<Object> pending;

    DurableRun(byte[] eventJson) {
        this(eventJson, null);
    }

    DurableRun(byte[] eventJson, byte[] knownJson) {
        this.eventJson = eventJson;
        this.knownJson = knownJson;
    }

    void record(String id, Object result, Throwable error) {
        if (error != null) {
            records.add(new CallRecord(id, null, null, error));
            return;
        }
        JsonNode json;
        try {
            json = Json.mapper().valueToTree(result);
        } catch (IllegalArgumentException e) {
            records.add(new CallRecord(id, null, null, new BridgeException("durable call '" + id + "' returned a "
                    + result.getClass().getName() + " the shared JSON mapper cannot write: " + e.getMessage(), e)));
            return;
        }
        records.add(new CallRecord(id, result, json, null));
    }

    void startPending(String id, CompletableFuture<Object> future) {
        pendingId = id;
        pending = future;
    }

    CompletableFuture<Object> pending() {
        return pending;
    }

    /** Tells whether the run can resume: no background call, or one that has finished. */
    boolean isReady() {
        return pending == null || pending.isDone();
    }

    /** Moves the outcome of the finished background call into the records. */
    void recordPending() {
        if (pending == null) {
            return;
        }
        Object result = null;
        Throwable error = null;
        try {
            result = pending.join();
        } catch (CompletionException e) {
            error = e.getCause() != null ? e.getCause() : e;
        } catch (RuntimeException e) {
            error = e;
        }
        String id = pendingId;
        pending = null;
        pendingId = null;
        record(id, result, error);
    }

    /** A recorded durable call: its id and either its result (and JSON form) or what it threw. */
    record CallRecord(String id, Object result, JsonNode resultJson, Throwable error) {
    }
}

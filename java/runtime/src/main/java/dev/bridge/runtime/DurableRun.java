package dev.bridge.runtime;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.bridge.api.BridgeException;
import java.io.IOException;
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
    /** The host that keeps the calls in its state store, or null: calls then live only as long as the run. */
    HostAccess reporter;
    /** Names this run's call log on the host: reports from a background thread must reach the right one. */
    String token;
    private boolean pendingReported;
    private String lastPendingId;
    /** Whether a replay that makes another call than the recorded one fails (else the later records go). */
    boolean strict = true;
    private int divergedAt = -1;

    DurableRun(byte[] eventJson) {
        this(eventJson, null);
    }

    DurableRun(byte[] eventJson, byte[] knownJson) {
        this.eventJson = eventJson;
        this.knownJson = knownJson;
    }

    /**
     * A run whose earlier attempts, in another process maybe, recorded calls in the host's state store.
     *
     * @param recordsJson {@code {"strict": bool, "calls": [{"id", "status": "done"|"failed", "result"}]}}
     */
    DurableRun(byte[] eventJson, byte[] knownJson, byte[] recordsJson) throws IOException {
        this(eventJson, knownJson);
        JsonNode stored = Json.mapper().readTree(recordsJson);
        strict = stored.path("strict").asBoolean(false);
        token = stored.path("token").asText(null);
        for (JsonNode call : stored.path("calls")) {
            String id = call.path("id").asText();
            JsonNode result = call.get("result");
            if ("done".equals(call.path("status").asText())) {
                records.add(new CallRecord(id, null, result == null ? Json.mapper().nullNode() : result, null));
            } else {
                records.add(new CallRecord(id, null, null, ReplayedError.rebuild(result)));
            }
        }
    }

    void record(String id, Object result, Throwable error) {
        add(error != null ? new CallRecord(id, null, null, error) : jsonRecord(id, result));
    }

    private static CallRecord jsonRecord(String id, Object result) {
        try {
            return new CallRecord(id, result, Json.mapper().valueToTree(result), null);
        } catch (IllegalArgumentException e) {
            return new CallRecord(id, null, null, new BridgeException("durable call '" + id + "' returned a "
                    + result.getClass().getName() + " the shared JSON mapper cannot write: " + e.getMessage(), e));
        }
    }

    /** Drops the records from {@code index} on: the replay made another call there (not strict). */
    void diverge(int index) {
        records.subList(index, records.size()).clear();
        divergedAt = index;
    }

    private void add(CallRecord record) {
        records.add(record);
        if (reporter == null) {
            return;
        }
        int index = records.size() - 1;
        if (pendingReported && pending == null && record.id().equals(lastPendingId)) {
            pendingReported = false;  // the background call reported itself when it ended
            return;
        }
        reporter.recordCall(report(index, record, index == divergedAt).toString());
        if (index == divergedAt) {
            divergedAt = -1;
        }
    }

    private ObjectNode report(int index, CallRecord record, boolean diverged) {
        ObjectNode json = Json.mapper().createObjectNode();
        json.put("index", index);
        json.put("id", record.id());
        if (token != null) {
            json.put("token", token);
        }
        if (record.error() == null) {
            json.put("status", "done");
            json.set("result", record.resultJson());
        } else {
            json.put("status", "failed");
            json.set("result", ReplayedError.describe(record.error()));
        }
        if (diverged) {
            json.put("diverged", true);
        }
        return json;
    }

    void startPending(String id, CompletableFuture<Object> future) {
        pendingId = id;
        pending = future;
        pendingReported = reporter != null;
        if (reporter != null) {  // reported as it ends, on the call's thread: the host may die before the resume
            int index = records.size();
            boolean diverged = index == divergedAt;
            HostAccess host = reporter;
            // The run waits for the stage after the report, so the host is woken (and may make later calls)
            // only once this call's record is written: a later record must never be there without this one.
            pending = future.whenComplete((result, failure) -> {
                Throwable error = failure instanceof CompletionException && failure.getCause() != null
                        ? failure.getCause() : failure;
                CallRecord record = error != null ? new CallRecord(id, null, null, error) : jsonRecord(id, result);
                try {
                    host.recordCall(report(index, record, diverged).toString());
                } catch (RuntimeException | LinkageError e) {
                    // not recorded: after a crash the call runs again, as one in flight would; the run goes on
                }
            });
        }
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
        lastPendingId = id;
        record(id, result, error);
    }

    /** A recorded durable call: its id and either its result (and JSON form) or what it threw. */
    record CallRecord(String id, Object result, JsonNode resultJson, Throwable error) {
    }
}

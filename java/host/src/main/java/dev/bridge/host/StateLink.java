package dev.bridge.host;

import dev.bridge.runtime.Json;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.BiConsumer;

/**
 * A durable run of the Java host ({@code --state FILE|postgresql://...}): the scheduler's bookkeeping kept in the
 * one state store by the embedded Python ({@code bridge.runtime._foreign_state.ForeignState}, over the Python
 * host's {@code StateKeeper} and {@code CallLog}), in the Python host's form, so that either host (and
 * {@code bridge runs}) takes up a state the other wrote. No state code is written again in Java: this class
 * only carries the scheduler's key state across as JSON at the points where the Python scheduler calls its
 * keeper, and keeps what must stay in Java: outputs committed but not yet written (handed on once the group
 * commit that holds them is written), keys asked to stop, keys parked for outside input.
 *
 * <p>Called on the scheduler thread only (it enters the interpreter).
 */
final class StateLink {
    /** Milliseconds an idle scheduler waits for more work before it writes the group commit it has. */
    private static final long LINGER_MS = 2;
    private static final int PAGE = 1000;

    /** An input taken under the state: its sequence number and event id there, its source, its payload. */
    record Taken(long seq, String id, String source, Object payload) {
    }

    private final PythonSide python;
    private final Set<String> stopping = new HashSet<>();
    private final Map<String, Scheduler.KeyRun> parked = new LinkedHashMap<>();
    private final ArrayDeque<Object[]> unhanded = new ArrayDeque<>();  // {KeyRun, output}, in commit order
    private int waits;
    /** Where the run's inputs come from (an input file's real path), or null. */
    String source;

    StateLink(PythonSide python) {
        this.python = python;
    }

    /** Returns how many inputs of {@code source} earlier runs took (a run skips them). */
    long sourceCount(String source) {
        return Long.parseLong(python.state("source_count", source));
    }

    /** Hands each output earlier runs committed for {@code source} to {@code write}, in order; returns how many. */
    int earlierOutputs(String source, BiConsumer<Object, Object> write) {
        int count = 0;
        while (true) {
            List<?> page = (List<?>) parse(python.state("earlier_outputs", source, PAGE));
            if (page.isEmpty()) {
                return count;
            }
            for (Object item : page) {
                List<?> pair = (List<?>) item;
                write.accept(pair.get(0), pair.get(1));
                count++;
            }
        }
    }

    /** Starts a run: the keys an earlier process left unfinished ({@code ForeignState.begin}'s form). */
    @SuppressWarnings("unchecked")
    List<Map<String, Object>> begin() {
        return (List<Map<String, Object>>) parse(python.state("begin", source == null ? "" : source));
    }

    /** The run ended or raised: what it finished is written; outputs not handed on stay recorded. */
    void end() {
        unhanded.clear();
        python.state("end");
    }

    void close() {
        python.state("close");
    }

    // -- between steps ------------------------------------------------------------------------------------

    /** Records the inputs just taken, writes a full group, looks for stop requests, when that is due. */
    void tend(Scheduler.Sink sink) {
        answered(python.state("tend"), sink);
    }

    /** Writes the group commit and hands on the outputs it held. */
    void flush(Scheduler.Sink sink) {
        answered(python.state("flush"), sink);
    }

    /**
     * Before the scheduler blocks: with something to write, waits a moment for more work to join the group
     * commit, else writes it. Returns what arrived meanwhile, or null (then the scheduler blocks).
     */
    <T> T linger(BlockingQueue<T> queue, Scheduler.Sink sink) throws InterruptedException {
        if (python.state("dirty").isEmpty()) {
            return null;
        }
        T item = queue.poll(LINGER_MS, TimeUnit.MILLISECONDS);
        if (item == null) {
            flush(sink);
        }
        return item;
    }

    @SuppressWarnings("unchecked")
    private void answered(String answer, Scheduler.Sink sink) {
        if (answer == null || answer.isEmpty()) {
            return;
        }
        Map<String, Object> told = Scheduler.parseMap(answer);
        int released = ((Number) told.get("released")).intValue();
        for (int i = 0; i < released && !unhanded.isEmpty(); i++) {
            Object[] item = unhanded.poll();
            sink.output((Scheduler.KeyRun) item[0], item[1]);
        }
        stopping.addAll((List<String>) told.get("stopping"));
    }

    /** Returns whether someone asked the key to stop ({@code bridge runs stop}): it stops before its next action. */
    boolean stopping(Scheduler.KeyRun ks) {
        return ks.skid != null && !stopping.isEmpty() && stopping.contains(ks.skid);
    }

    /** The scheduler stopped the key; its queued inputs stay in the state. */
    void stopped(Scheduler.KeyRun ks) {
        stopping.remove(ks.skid);
        python.state("stopped", ks.skid);
    }

    // -- inputs ---------------------------------------------------------------------------------------------

    /**
     * Makes a key known to this host: its id in the state and the short-term memory the state holds for it (a
     * key the state holds in error, stopped or waiting is held from now on). Once per key.
     */
    @SuppressWarnings("unchecked")
    void known(Scheduler.KeyRun ks) {
        if (ks.skid == null) {
            Map<String, Object> answer = Scheduler.parseMap(python.state("known", ks.keyJson));
            ks.skid = (String) answer.get("kid");
            ks.memory.load("short_term", (Map<String, Object>) answer.get("memory"));
        }
    }

    /**
     * Numbers and records an input (at the next {@link #tend}). Returns null when the key holds its inputs (in
     * error, stopped or waiting): the input queues in the state.
     */
    Taken take(Scheduler.KeyRun ks, Object payload) {
        known(ks);
        Map<String, Object> answer = Scheduler.parseMap(python.state("take", ks.skid, ks.keyJson,
                Scheduler.write(payload)));
        if (Boolean.TRUE.equals(answer.get("held"))) {
            return null;
        }
        return new Taken(((Number) answer.get("seq")).longValue(), (String) answer.get("id"), source, payload);
    }

    /** The input's run ended after its last commit (what that commit sent triggered more actions). */
    void inputEnded(Scheduler.KeyRun ks) {
        if (ks.seq >= 0) {
            python.state("input_ended", ks.skid, ks.seq, !ks.inputs.isEmpty());
        }
    }

    /** The input failed: the key waits in error, its later inputs held in the state; returns how many it held. */
    int inputFailed(Scheduler.KeyRun ks, String action, String eventType, String error, String details) {
        python.state("input_failed", ks.skid, ks.seq, action, eventType, error, details == null ? "" : details);
        ks.seq = -1;
        int held = ks.inputs.size();
        ks.inputs.clear();
        return held;
    }

    // -- actions --------------------------------------------------------------------------------------------

    /**
     * The durable calls of the action starting now: for a Python action the facade's next start records and
     * replays them (returns null); for a Java action, the records {@code JavaAction.invokeUtf8} takes.
     */
    byte[] prepare(Scheduler.KeyRun ks, String action, boolean java) {
        String records = python.state("prepare", ks.skid, ks.seq, ks.steps, ks.keyJson, action, ks.seq <= ks.replay,
                java);
        return java ? records.getBytes(StandardCharsets.UTF_8) : null;
    }

    /** A Java action's durable call ended ({@code HostAccess.recordCall}); on the scheduler thread. */
    void recordCall(String recordJson) {
        python.state("record_call", recordJson);
    }

    /**
     * A finished action (its effects applied to the key) into the group commit; its outputs are handed on once
     * that is written.
     *
     * @param todo the key's actions still to run, as {@code [action, event]} pairs
     */
    void commit(Scheduler.KeyRun ks, String action, Map<String, Object> event, List<?> updates, List<?> sent,
            List<Object> outputs, List<List<Object>> todo) {
        Map<String, Object> data = new HashMap<>();
        data.put("kid", ks.skid);
        data.put("key", ks.key);
        data.put("seq", ks.seq);
        data.put("step", ks.steps);
        data.put("action", action);
        data.put("event", event);
        data.put("updates", updates);
        data.put("sent", sent);
        data.put("outputs", outputs);
        data.put("memory", ks.memory.dump("short_term"));
        data.put("events", new ArrayList<>(ks.events));
        data.put("todo", todo);
        data.put("sensory", ks.memory.dump("sensory"));
        data.put("more", !ks.inputs.isEmpty());
        data.put("source", ks.source);
        if (!python.state("commit", Scheduler.write(data)).isEmpty()) {
            ks.seq = -1;  // the input's run ended with this action: its end has nothing more to record
        }
        for (Object output : outputs) {
            unhanded.add(new Object[] {ks, output});
        }
    }

    // -- waits ----------------------------------------------------------------------------------------------

    /**
     * The key's running action waits for outside input {@code name} (its durable call {@code index}): the key
     * waits, its later inputs queue, until {@code bridge runs resume} hands the value in.
     *
     * @param ref the suspended Python action's ref, or null for a Java action (which keeps nothing suspended)
     */
    void park(Scheduler.KeyRun ks, String ref, String action, String name, int index, String digest,
            Scheduler.Sink sink) {
        parked.put(ref != null ? ref : "jw-" + ++waits, ks);
        answered(python.state("park", ks.skid, action, ks.seq, ks.steps, name, index, digest), sink);
    }

    /** Returns the keys parked for outside input by the ref of their waiting action (cleared at the run's end). */
    Map<String, Scheduler.KeyRun> parked() {
        return parked;
    }

    /** Returns the inputs of keys parked for outside input: a run does not wait for them. */
    int parkedInputs() {
        int count = 0;
        for (Scheduler.KeyRun ks : parked.values()) {
            count += 1 + ks.inputs.size();
        }
        return count;
    }

    private static Object parse(String json) {
        try {
            return Json.mapper().readValue(json, Object.class);
        } catch (java.io.IOException e) {
            throw new dev.bridge.api.BridgeException("the state's answer is not JSON: " + e.getMessage(), e);
        }
    }
}

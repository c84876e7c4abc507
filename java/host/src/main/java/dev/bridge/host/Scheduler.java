package dev.bridge.host;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import dev.bridge.api.BridgeException;
import dev.bridge.runtime.HostAccess;
import dev.bridge.runtime.JavaAction;
import dev.bridge.runtime.Json;
import dev.bridge.runtime.MemoryTree;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * The Java host's scheduler: the one thread that owns every key's memory and run state and that enters the
 * embedded Python. The ordering rules are the Python host's ({@code bridge/runtime/_scheduler.py}): each key
 * takes its inputs first in, first out; the events an input's actions send run before the key's next input;
 * keys interleave one action at a time, and a key whose action waits on durable calls steps aside until a
 * completion arrives through the queue (a blocking take, never a poll). Worker threads (Java's
 * {@code bridge-wake}, Python's call workers) only post to the queue. An action's effects (memory updates,
 * sent events) are applied in {@link #settle}, all or nothing, when it is done.
 */
final class Scheduler {
    private static final TypeReference<Map<String, Object>> MAP = new TypeReference<>() { };
    private static final String OUTPUT = "_output_event";
    /** Stands for a null input in a key's queue. */
    private static final Object NULL_INPUT = new Object();

    /** Where results go: outputs as they are committed, failures, finished inputs. */
    interface Sink {
        void output(KeyRun key, Object output);

        void failed(KeyRun key, Failure failure);

        void inputDone();
    }

    /** One failed event: the action, {@code "<Type>: <message>"}, the line bridge run prints and the details. */
    record Failure(Object key, String action, String error, String line, String details) {
    }

    /** A wake-up: a Java action's ref ({@code call} null) or a Python durable call's (ref, call id). */
    private record Wake(String ref, String call) {
    }

    /** Wakes the scheduler to look again: an input line arrived, or a stop was asked for. */
    private static final Wake NUDGE = new Wake("", null);

    /** Inputs a thread of their own reads (standard input): {@link #ready} tells whether reading would block. */
    interface Live {
        /** Returns whether an input line or the end waits, so the iterator answers at once. */
        boolean ready();

        /** Returns whether the end was read and every line taken. */
        boolean ended();
    }

    private record Todo(String action, Map<String, Object> event) {
    }

    private record Deadline(long at, String ref, String call) {
    }

    /** One key: its memory, queued inputs, events and actions to run, and what it runs now. */
    static final class KeyRun {
        final Object key;
        final String keyJson;
        final MemoryTree memory = new MemoryTree();
        final ArrayDeque<Object> inputs = new ArrayDeque<>();
        final ArrayDeque<Map<String, Object>> events = new ArrayDeque<>();
        final ArrayDeque<Todo> todo = new ArrayDeque<>();
        final List<Failure> failures = new ArrayList<>();
        boolean inRun;
        boolean scheduled;
        int steps;
        Todo running;
        // Under a state (StateLink): the key's id there, the current input's sequence number (-1: none, or its
        // end is recorded), the last input whose actions look for recorded durable calls, the input's source.
        String skid;
        long seq = -1;
        long replay = -1;
        String source;

        KeyRun(Object key, String keyJson) {
            this.key = key;
            this.keyJson = keyJson;
        }
    }


    private final PythonSide python;
    private final Map<String, JavaAction> javaActions;
    private final Map<String, List<String>> routes;
    private final boolean expressions;
    private final int maxSteps;
    private final Access access;
    private final BridgeHost.MemoryRelay memory;
    /** The live source of the run, or null (a file or a list: reading never waits for a writer). */
    Live live;
    private volatile boolean stopping;
    private volatile long stopAt;
    /** Whether the last run ended because a stop was asked for; the inputs it had read and not started. */
    boolean stopped;
    int notStarted;
    /** A key's memory of at most this many entries goes whole with a Python action's start; larger, it is read. */
    int eagerMemory = Integer.getInteger("bridge.host.eager_memory", 64);
    private final LinkedBlockingQueue<Wake> queue = new LinkedBlockingQueue<>();
    private final Map<String, KeyRun> keys = new LinkedHashMap<>();
    private final ArrayDeque<KeyRun> ready = new ArrayDeque<>();
    private final Map<String, KeyRun> waiting = new HashMap<>();
    private final Set<String> inFlight = new HashSet<>();
    private final PriorityQueue<Deadline> deadlines = new PriorityQueue<>((a, b) -> Long.compare(a.at, b.at));
    private Sink sink;
    private int pending;
    /** The run's state when it is durable ({@code --state}), else null. */
    StateLink state;
    private Thread owner;  // the scheduler thread: a durable call recorded from another thread is queued to it
    /** Nanoseconds and counts of the crossings, when timing (bench/bench_hosts.py reads them); else null. */
    Timings timings;

    /** Time spent in each kind of crossing: {@code [nanos, count]} per name. */
    static final class Timings {
        final Map<String, long[]> spent = new LinkedHashMap<>();

        long begin() {
            return System.nanoTime();
        }

        void end(String what, long began) {
            long[] slot = spent.computeIfAbsent(what, k -> new long[2]);
            slot[0] += System.nanoTime() - began;
            slot[1]++;
        }
    }

    Scheduler(PythonSide python, Map<String, JavaAction> javaActions, Map<String, List<String>> routes,
            boolean expressions, int maxSteps, HostResources resources, BridgeHost.MemoryRelay memory) {
        this.python = python;
        this.javaActions = javaActions;
        this.routes = routes;
        this.expressions = expressions;
        this.maxSteps = maxSteps;
        this.access = new Access(resources);
        this.memory = memory;
    }

    /**
     * Stops taking inputs; the inputs running may finish within {@code grace} seconds, then {@link #run} returns
     * and {@link #stopped} says so. From any thread (a signal handler's).
     */
    void requestStop(double grace) {
        long at = System.nanoTime() + (long) (Math.max(0, grace) * 1e9);
        synchronized (queue) {
            if (!stopping || at - stopAt < 0) {
                stopAt = at;
            }
            stopping = true;
        }
        queue.add(NUDGE);
    }

    /** Wakes the scheduler: a live source has a line (or its end) ready; from the reading thread. */
    void nudge() {
        queue.add(NUDGE);
    }

    /** Queues the completion of durable call {@code call} of the Python run {@code ref}; from any thread. */
    void post(String ref, String call) {
        queue.add(new Wake(ref, call));
    }

    /** The keys that received input, in order of first input. */
    Iterable<KeyRun> keys() {
        return keys.values();
    }

    KeyRun key(String keyJson) {
        return keys.get(keyJson);
    }

    /** A key of an input earlier runs took (skipped now): known here, with the memory the state holds for it. */
    void known(Object key, String keyJson) {
        KeyRun ks = keys.computeIfAbsent(keyJson, k -> new KeyRun(key, keyJson));
        if (state != null) {
            state.known(ks);
        }
    }

    /** Runs every input to its end; {@code window} bounds the inputs read and not finished. */
    void run(Iterator<Object[]> inputs, int window, Sink sink) throws InterruptedException {
        this.sink = sink;
        boolean exhausted = false;
        stopped = false;
        notStarted = 0;
        owner = Thread.currentThread();
        if (state != null) {
            recover(state.begin());
        }
        while (true) {
            if (state != null) {
                state.tend(sink);
            }
            if (stopping) {  // no more inputs: running ones may finish until the grace period ends
                exhausted = true;
                if (pending == 0 || System.nanoTime() - stopAt >= 0) {
                    stopped = true;
                    if (state != null) {
                        state.flush(sink);
                    }
                    return;
                }
            }
            if (!ready.isEmpty()) {
                step(ready.poll());
                drain(false);
            } else if (!exhausted && pending < window && (live == null || live.ready())) {
                int got = 0;
                while (pending < window && inputs.hasNext()) {
                    Object[] item = inputs.next();  // {key, keyJson, input}
                    accept(item[0], (String) item[1], item[2]);
                    got++;
                }
                exhausted = live != null ? live.ended() : got == 0 || !inputs.hasNext();
            } else if (exhausted && (pending == 0 || state != null && pending == state.parkedInputs())) {
                if (state != null) {
                    state.flush(sink);
                }
                return;
            } else {
                drain(true);
            }
        }
    }

    private void accept(Object key, String keyJson, Object payload) {
        KeyRun ks = keys.computeIfAbsent(keyJson, k -> new KeyRun(key, keyJson));
        if (state != null) {
            payload = state.take(ks, payload);
            if (payload == null) {
                return;  // the key holds its inputs (in error, stopped or waiting): this one queues in the state
            }
        }
        ks.inputs.add(payload == null ? NULL_INPUT : payload);  // a deque holds no null; an input may be null
        pending++;
        if (!ks.scheduled) {  // idle: not ready, not waiting on a call
            ks.scheduled = true;
            ready.add(ks);
        }
    }

    private void drain(boolean block) throws InterruptedException {
        Wake wake;
        if (block) {
            Deadline next = deadlines.peek();
            wake = state == null ? null : state.linger(queue, sink);  // a wake-up soon joins this group commit
            if (wake == null) {
                wake = take(next);
            }
        } else {
            wake = queue.poll();
        }
        while (wake != null) {
            complete(wake);
            wake = queue.poll();
        }
        expire();
    }

    /** The next wake-up, waiting at most until the next durable call's deadline or the end of a stop's grace. */
    private Wake take(Deadline next) throws InterruptedException {
        long now = System.nanoTime();
        long wait = next == null ? Long.MAX_VALUE : next.at - now;
        if (stopping) {
            wait = Math.min(wait, stopAt - now);
        }
        return wait == Long.MAX_VALUE ? queue.take() : queue.poll(Math.max(0, wait), TimeUnit.NANOSECONDS);
    }

    private void complete(Wake wake) {
        if (wake == NUDGE) {
            return;
        }
        if (wake.ref == null) {  // a Java action's durable call that ended on its own thread: record it here
            state.recordCall(wake.call);
            return;
        }
        if (wake.call != null && !inFlight.remove(wake.ref + "\0" + wake.call)) {
            return;  // timed out already: its late outcome is dropped
        }
        KeyRun ks = waiting.remove(wake.ref);
        if (ks == null) {
            return;
        }
        Todo running = ks.running;
        if (wake.call == null) {
            access.memory = ks.memory;
            long began = timings == null ? 0 : timings.begin();
            byte[] answer = javaActions.get(running.action).resumeUtf8(wake.ref, access);
            if (timings != null) {
                timings.end("java_resume", began);
            }
            settle(ks, parse(answer));
        } else {
            long began = timings == null ? 0 : timings.begin();
            String answer = python(ks, "resume", wake.ref, wake.call);
            if (timings != null) {
                timings.end("python_resume", began);
            }
            settle(ks, parse(answer));
        }
    }

    private void expire() {
        long now = System.nanoTime();
        while (!deadlines.isEmpty() && deadlines.peek().at <= now) {
            Deadline d = deadlines.poll();
            if (inFlight.remove(d.ref + "\0" + d.call)) {
                KeyRun ks = waiting.remove(d.ref);
                if (ks != null) {
                    settle(ks, parse(python(ks, "expire", d.ref, d.call)));
                }
            }
        }
    }

    private void step(KeyRun ks) {
        if (state != null && state.stopping(ks)) {  // asked to stop (bridge runs stop): no further action
            stopKey(ks);
            return;
        }
        while (ks.todo.isEmpty()) {
            if (!ks.events.isEmpty()) {
                Map<String, Object> event = ks.events.poll();
                for (String action : actionsFor(event)) {
                    ks.todo.add(new Todo(action, event));
                }
                continue;
            }
            if (ks.inRun) {  // no events and no actions left: this input's run is over
                ks.memory.clearSensory();
                ks.inRun = false;
                pending--;
                if (state != null) {
                    state.inputEnded(ks);
                }
                sink.inputDone();
            }
            if (!ks.inputs.isEmpty() && !stopping) {
                Map<String, Object> event = new LinkedHashMap<>();
                event.put("id", UUID.randomUUID().toString());
                event.put("type", "_input_event");
                Map<String, Object> attributes = new LinkedHashMap<>();
                Object input = ks.inputs.poll();
                if (input instanceof StateLink.Taken taken) {  // its number, event id and source in the state
                    ks.seq = taken.seq();
                    ks.source = taken.source();
                    event.put("id", taken.id());
                    input = taken.payload();
                }
                attributes.put("input", input == NULL_INPUT ? null : input);
                event.put("attributes", attributes);
                ks.events.add(event);
                ks.inRun = true;
                ks.steps = 0;
                continue;
            }
            if (!ks.inputs.isEmpty()) {  // stopping: the inputs not started are dropped, and counted
                pending -= ks.inputs.size();
                notStarted += ks.inputs.size();
                ks.inputs.clear();
            }
            ks.scheduled = false;
            return;
        }
        Todo todo = ks.todo.poll();
        ks.steps++;
        if (ks.steps > maxSteps) {
            fail(ks, todo, "{\"step_limit\": " + maxSteps + "}");
            ready.add(ks);
            return;
        }
        ks.running = todo;
        String eventJson = write(todo.event);
        long began = timings == null ? 0 : timings.begin();
        if (javaActions.containsKey(todo.action)) {
            access.memory = ks.memory;
            byte[] answer = invokeJava(ks, todo.action, eventJson.getBytes(java.nio.charset.StandardCharsets.UTF_8));
            if (timings != null) {
                timings.end("java_start", began);
            }
            settle(ks, parse(answer));
        } else {
            String memoryJson = "";
            if (ks.memory.within(eagerMemory)) {  // small: sent whole, no reads back (bench/README.md)
                Map<String, Object> whole = new HashMap<>();
                whole.put("short_term", ks.memory.dump("short_term"));
                whole.put("sensory", ks.memory.dump("sensory"));
                memoryJson = write(whole);
            }
            if (state != null) {
                state.prepare(ks, todo.action, false);  // the start records and replays its durable calls
            }
            String answer = python(ks, "start", todo.action, ks.keyJson, eventJson, memoryJson);
            if (timings != null) {
                timings.end("python_start", began);
            }
            settle(ks, parse(answer));
        }
    }

    /** A step of one of the key's Python actions: its memory reads are answered from the key's memory. */
    private String python(KeyRun ks, String method, Object... args) {
        memory.current = ks.memory;
        try {
            return python.call(method, args);
        } finally {
            memory.current = null;
        }
    }

    private List<String> actionsFor(Map<String, Object> event) {
        if (expressions) {
            return parseList(python.call("route", write(event)));
        }
        return routes.getOrDefault(String.valueOf(event.get("type")), List.of());
    }

    private void settle(KeyRun ks, Map<String, Object> result) {
        long began = timings == null ? 0 : timings.begin();
        apply(ks, result);
        if (timings != null) {
            timings.end("settle", began);
        }
    }

    /** Applies an action's answer: suspended (wait), done (its updates and events, all or nothing) or failed. */
    @SuppressWarnings("unchecked")
    private void apply(KeyRun ks, Map<String, Object> result) {
        Todo todo = ks.running;
        String status = String.valueOf(result.get("status"));
        if ("suspended".equals(status)) {
            String ref = (String) result.get("ref");
            for (Object item : (List<Object>) result.getOrDefault("calls", List.of())) {
                Map<String, Object> call = (Map<String, Object>) item;
                String id = (String) call.get("id");
                inFlight.add(ref + "\0" + id);
                if (call.get("timeout") instanceof Number) {
                    long at = System.nanoTime() + (long) (((Number) call.get("timeout")).doubleValue() * 1e9);
                    deadlines.add(new Deadline(at, ref, id));
                }
            }
            if (state != null && result.get("wait") instanceof Map<?, ?> wait) {  // for outside input: the key waits
                state.park(ks, ref, todo.action, (String) wait.get("name"), ((Number) wait.get("index")).intValue(),
                        (String) wait.get("digest"), sink);
            }
            waiting.put(ref, ks);
            return;
        }
        ks.running = null;
        if ("done".equals(status)) {
            try {
                ks.memory.apply((List<?>) result.getOrDefault("updates", List.of()));
            } catch (RuntimeException e) {  // a bad update: the action failed, memory is as before it
                fail(ks, todo, describe(e));
                ready.add(ks);
                return;
            }
            List<Object> sent = (List<Object>) result.getOrDefault("events", List.of());
            List<Object> outputs = state == null ? null : new ArrayList<>();
            for (Object item : sent) {
                Map<String, Object> event = (Map<String, Object>) item;
                ks.events.add(event);
                if (OUTPUT.equals(event.get("type"))) {
                    Object output = ((Map<String, Object>) event.get("attributes")).get("output");
                    if (outputs == null) {
                        sink.output(ks, output);
                    } else {
                        outputs.add(output);  // handed on once the state holds the action (the group commit)
                    }
                }
            }
            if (state != null) {
                state.commit(ks, todo.action, todo.event, (List<?>) result.getOrDefault("updates", List.of()), sent,
                        outputs, todoList(ks));
            }
        } else if ("failed".equals(status) && result.containsKey("line")) {  // Python formatted it
            Failure failure = new Failure(ks.key, todo.action, (String) result.get("error"), (String) result.get("line"),
                    (String) result.getOrDefault("details", ""));
            failInput(ks, todo, failure);
        } else if ("waiting".equals(status) && state != null) {  // a Java action waits for outside input
            state.park(ks, null, todo.action, (String) result.get("name"), ((Number) result.get("index")).intValue(),
                    "-", sink);
            return;
        } else if ("waiting".equals(status)) {
            fail(ks, todo, describe(new BridgeException("Java action '" + todo.action + "' waits for outside input"
                    + " (waitForInput), which needs a state store to keep the waiting run: run with --state FILE"
                    + " (from Java: BridgeHost.builder(plan).state(\"runs.db\"))")));
        } else {
            fail(ks, todo, write(result.get("error")));
        }
        ready.add(ks);
    }

    private void fail(KeyRun ks, Todo todo, String errorJson) {
        String type = String.valueOf(todo.event.get("type"));
        Map<String, Object> described = parseMap(python.call("failure", ks.keyJson, todo.action, type, errorJson));
        failInput(ks, todo, new Failure(ks.key, todo.action, (String) described.get("error"),
                (String) described.get("line"),
                (String) described.getOrDefault("details", "")));
    }

    /** Fails the input's run: nothing the action wrote or sent is kept; the key's next input goes on. */
    private void failInput(KeyRun ks, Todo todo, Failure failure) {
        ks.running = null;
        ks.events.clear();
        ks.todo.clear();
        if (state != null) {  // the key waits in error, its later inputs held in the state, until a retry
            pending -= state.inputFailed(ks, failure.action(), String.valueOf(todo.event.get("type")), failure.error(),
                    failure.details());
        }
        ks.failures.add(failure);
        sink.failed(ks, failure);
    }

    // -- durable runs (StateLink) -------------------------------------------------------------------------

    /** Runs a Java action; under a state its recorded durable calls are replayed and its new ones recorded. */
    private byte[] invokeJava(KeyRun ks, String action, byte[] eventJson) {
        JavaAction java = javaActions.get(action);
        return state == null ? java.invokeUtf8(eventJson, access)
                : java.invokeUtf8(eventJson, access, null, state.prepare(ks, action, true));
    }

    private static List<List<Object>> todoList(KeyRun ks) {
        List<List<Object>> todo = new ArrayList<>(ks.todo.size());
        for (Todo item : ks.todo) {
            todo.add(List.of(item.action, item.event));
        }
        return todo;
    }

    /**
     * Takes up the keys an earlier process left unfinished, as the Python scheduler does: each from its last
     * finished action (an interrupted action runs again, its completed durable calls replayed), then its
     * queued inputs.
     */
    @SuppressWarnings("unchecked")
    private void recover(List<Map<String, Object>> unfinished) {
        for (Map<String, Object> item : unfinished) {
            Object key = item.get("key");
            String keyJson = write(key);
            KeyRun ks = keys.computeIfAbsent(keyJson, k -> new KeyRun(key, keyJson));
            if (ks.scheduled) {
                continue;
            }
            ks.skid = (String) item.get("kid");
            ks.replay = ((Number) item.get("replay")).longValue();
            ks.memory.load("short_term", (Map<?, ?>) item.get("memory"));
            Map<String, Object> run = (Map<String, Object>) item.get("run");
            if (run != null) {
                ks.seq = ((Number) run.get("seq")).longValue();
                ks.steps = ((Number) run.get("steps")).intValue();
                ks.source = (String) item.get("source");
                ks.inRun = true;
                for (Object event : (List<Object>) run.get("events")) {
                    ks.events.add((Map<String, Object>) event);
                }
                for (Object pair : (List<Object>) run.get("todo")) {
                    List<Object> todo = (List<Object>) pair;
                    ks.todo.add(new Todo((String) todo.get(0), (Map<String, Object>) todo.get(1)));
                }
                ks.memory.load("sensory", (Map<?, ?>) run.get("sensory"));
                pending++;
            }
            for (Object queued : (List<Object>) item.get("inputs")) {
                Map<String, Object> input = (Map<String, Object>) queued;
                ks.inputs.add(new StateLink.Taken(((Number) input.get("seq")).longValue(), (String) input.get("id"),
                        (String) input.get("source"), input.get("payload")));
                pending++;
            }
            ks.scheduled = true;
            ready.add(ks);
        }
    }

    /** A stop someone asked for: the key's run ends before its next action; its inputs stay queued in the state. */
    private void stopKey(KeyRun ks) {
        dropWork(ks);
        state.stopped(ks);
    }

    /** The key's run goes (its inputs are kept in the state): no queued input, event or action is left of it. */
    private void dropWork(KeyRun ks) {
        pending -= ks.inputs.size() + (ks.inRun ? 1 : 0);
        ks.running = null;
        ks.inputs.clear();
        ks.events.clear();
        ks.todo.clear();
        ks.memory.clearSensory();
        ks.inRun = false;
        ks.scheduled = false;
    }

    /**
     * The run ended (or raised): the state writes what it finished; keys parked for outside input let go of
     * their waiting actions (a later run re-runs them from their start once the input is handed in).
     */
    void endState() {
        if (state == null) {
            return;
        }
        try {
            for (Map.Entry<String, KeyRun> parked : state.parked().entrySet()) {
                if (waiting.remove(parked.getKey()) != null && parked.getKey().startsWith("py")) {
                    python.call("abandon", parked.getKey());
                }
                dropWork(parked.getValue());
            }
            state.parked().clear();
        } finally {
            state.end();
        }
    }

    private static String describe(Throwable t) {
        return write(HostResources.Failures.of(t));
    }

    static String write(Object value) {
        try {
            return Json.mapper().writeValueAsString(value);
        } catch (JsonProcessingException e) {
            throw new BridgeException("cannot write JSON: " + e.getOriginalMessage(), e);
        }
    }

    private static Map<String, Object> parse(byte[] json) {
        try {
            return Json.mapper().readValue(json, MAP);
        } catch (java.io.IOException e) {
            throw new BridgeException("an action's result is not JSON: " + e.getMessage(), e);
        }
    }

    private static Map<String, Object> parse(String json) {
        return parseMap(json);
    }

    static Map<String, Object> parseMap(String json) {
        try {
            return Json.mapper().readValue(json, MAP);
        } catch (JsonProcessingException e) {
            throw new BridgeException("not a JSON object: " + e.getOriginalMessage(), e);
        }
    }

    private static List<String> parseList(String json) {
        try {
            return Json.mapper().readValue(json, new TypeReference<List<String>>() { });
        } catch (JsonProcessingException e) {
            throw new BridgeException("not a JSON list: " + e.getOriginalMessage(), e);
        }
    }

    /** What Java actions ask of the host: the running key's memory, the plan's Java resources, wakes. */
    private final class Access implements HostAccess {
        private final HostResources resources;
        MemoryTree memory;

        Access(HostResources resources) {
            this.resources = resources;
        }

        @Override
        public String readMemory(String memoryName, String path) {
            return memory.readWire(memoryName, path);
        }

        @Override
        public Object getResource(String name, String type) {
            return resources.lend(name, type);  // null: HostRunnerContext says the plan has no such resource
        }

        @Override
        public void wake(String ref) {
            queue.add(new Wake(ref, null));
        }

        @Override
        public void recordCall(String recordJson) {
            if (Thread.currentThread() == owner) {
                state.recordCall(recordJson);
            } else {  // a background call's thread: only the scheduler thread enters Python
                queue.add(new Wake(null, recordJson));
            }
        }
    }
}

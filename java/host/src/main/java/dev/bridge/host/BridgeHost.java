package dev.bridge.host;

import com.fasterxml.jackson.core.type.TypeReference;
import dev.bridge.api.BridgeException;
import dev.bridge.runtime.JavaAction;
import dev.bridge.runtime.Json;
import dev.bridge.runtime.MemoryTree;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Runs a plan under the Java host from Java code and tests:
 *
 * <pre>{@code
 * try (BridgeHost host = BridgeHost.builder(Path.of("plan.yaml")).open()) {
 *     BridgeHost.Result result = host.run(List.of(new BridgeHost.Input("ada", Map.of("order_id", "ORD-1"))));
 *     result.outputs();                     // [Output[key=ada, output={..}]]
 *     host.shortTermMemory("ada");          // {"customer": {"messages": 1}, ..}
 * }
 * }</pre>
 *
 * <p>Java owns the scheduler, memory and run state; Java actions run natively; Python actions run in the
 * embedded CPython (pemja) through the one Python action executor. One host per process: CPython is embedded
 * once. Memory is kept across {@link #run} calls for the life of the host.
 *
 * <p>The embedded CPython may only be entered from the thread that opened the host (pemja's interpreter belongs
 * to it; another thread in it crashes the JVM): {@link #run}, {@link #takenBefore}, {@link #earlierOutputs},
 * {@link #heldLines}, {@link #shortTermMemory} and {@link #close} throw a {@link BridgeException} on any other
 * thread. Only {@link #requestStop} and {@link #stopped} may be called from anywhere.
 */
public final class BridgeHost implements AutoCloseable {
    /** One input: its key (a JSON value: String, Number, Boolean or null) and its payload (a portable value). */
    public record Input(Object key, Object input) {
    }

    /** One output of a key. */
    public record Output(Object key, Object output) {
    }

    /** One failed event. */
    public record Failure(Object key, String action, String error, String line, String details) {
    }

    /** What a key ended with: its short-term memory (plain nested maps), and its failures. */
    public record KeyReport(Object key, Map<String, Object> shortTermMemory, List<Failure> failures) {
        /** Returns {@code "ok"} or {@code "error"}. */
        public String status() {
            return failures.isEmpty() ? "ok" : "error";
        }
    }

    /** What a run produced. */
    public record Result(List<Output> outputs, List<Failure> failures, int inputs, List<KeyReport> keys) {
        /** Returns whether no event failed. */
        public boolean ok() {
            return failures.isEmpty();
        }
    }

    /** Called as results come, on the scheduler thread. */
    public interface Listener {
        default void output(Object key, Object output) {
        }

        /** An input's run ended (its actions are done or it failed). */
        default void inputDone() {
        }

        default void failed(Failure failure) {
        }
    }

    /** Options of a host. */
    public static final class Builder {
        private final Path plan;
        private String python = defaultPython();
        private final List<String> pythonPaths = new ArrayList<>();
        private final List<String> allow = new ArrayList<>();
        private int workers = 8;
        private int maxSteps = 10_000;
        private int window = 4096;
        private Double callTimeout;
        private String state;
        private boolean strict;
        private boolean force;
        private boolean timings;

        private Builder(Path plan) {
            this.plan = plan;
        }

        /** The Python to embed (default: {@code BRIDGE_PYTHON}, else {@code python3} on the PATH). */
        public Builder python(String executable) {
            this.python = executable;
            return this;
        }

        /** Adds folders to the embedded Python's {@code sys.path} (where the plan's modules are). */
        public Builder pythonPath(String... paths) {
            pythonPaths.addAll(List.of(paths));
            return this;
        }

        /** Only lets the plan name code under these prefixes, as {@code bridge run --allow}. */
        public Builder allow(String... prefixes) {
            allow.addAll(List.of(prefixes));
            return this;
        }

        /** Threads for Python durable calls. */
        public Builder workers(int count) {
            this.workers = count;
            return this;
        }

        /** Most actions one input may run. */
        public Builder maxSteps(int steps) {
            this.maxSteps = steps;
            return this;
        }

        /** Most inputs read and not finished at once. */
        public Builder window(int inputs) {
            this.window = inputs;
            return this;
        }

        /** Default timeout in seconds of durable calls (null: the plan's, else 300). */
        public Builder callTimeout(Double seconds) {
            this.callTimeout = seconds;
            return this;
        }

        /** Times each crossing (Python start and resume, Java invoke, settle) for {@link #timings()}. */
        public Builder timings(boolean on) {
            this.timings = on;
            return this;
        }

        /**
         * Keeps the run in a state store (a SQLite file, made when missing, or a {@code postgresql://} URL), as
         * {@code bridge run --state}: the same run again after a crash continues where it stopped.
         */
        public Builder state(String fileOrUrl) {
            this.state = fileOrUrl;
            return this;
        }

        /** With a state: a re-run action that makes another durable call than the recorded one fails. */
        public Builder strict(boolean on) {
            this.strict = on;
            return this;
        }

        /** With a state: use a state that another plan wrote (it then belongs to this plan). */
        public Builder force(boolean on) {
            this.force = on;
            return this;
        }

        /** Starts the embedded Python, loads and checks the plan, resolves its actions. */
        public BridgeHost open() {
            return new BridgeHost(this);
        }
    }

    private final PythonSide python;
    private final Scheduler scheduler;
    private final int window;
    private final Thread owner = Thread.currentThread();

    /** Returns a builder for a plan file (JSON or YAML). */
    public static Builder builder(Path plan) {
        return new Builder(plan);
    }

    /** Opens a host over a plan with the default options. */
    public static BridgeHost open(Path plan) {
        return builder(plan).open();
    }

    @SuppressWarnings("unchecked")
    private BridgeHost(Builder options) {
        this.window = options.window;
        PythonSide side = PythonSide.open(options.python, options.pythonPaths);
        try {
            Scheduler[] made = new Scheduler[1];
            HostResources[] resources = new HostResources[1];
            MemoryRelay memory = new MemoryRelay();
            // Python takes the wake relay and the resources at load, before the scheduler and the resources exist.
            side.load(options.plan.toAbsolutePath().toString(), new WakeRelay(made), new ResourceRelay(resources),
                    memory, options.allow, options.workers, options.callTimeout);
            Map<String, Object> plan = Scheduler.parseMap(side.call("describe"));
            Map<String, Object> config = (Map<String, Object>) plan.get("config");
            String configJson = Scheduler.write(config);
            Map<String, JavaAction> javaActions = new LinkedHashMap<>();
            for (Object item : (List<Object>) plan.get("actions")) {
                Map<String, Object> action = (Map<String, Object>) item;
                if ("java".equals(action.get("language"))) {
                    String name = (String) action.get("name");
                    List<String> types = (List<String>) action.get("parameter_types");
                    javaActions.put(name, JavaAction.resolve(name, (String) action.get("clazz"),
                            (String) action.get("method"), types.toArray(new String[0]),
                            Scheduler.write(action.get("config")), configJson));
                }
            }
            resources[0] = new HostResources(Json.mapper().convertValue(plan.get("java_resources"),
                    new TypeReference<Map<String, Map<String, Map<String, Object>>>>() { }),
                    Json.mapper().convertValue(plan.get("python_resources"),
                            new TypeReference<Map<String, List<String>>>() { }), side);
            Map<String, List<String>> routes = Json.mapper().convertValue(plan.get("routes"),
                    new TypeReference<Map<String, List<String>>>() { });
            made[0] = new Scheduler(side, javaActions, routes, Boolean.TRUE.equals(plan.get("expressions")),
                    options.maxSteps, resources[0], memory);
            this.scheduler = made[0];
            if (options.state != null) {  // a durable run, kept in the one state store by the Python side
                side.openState(options.state, options.strict, options.force);
                scheduler.state = new StateLink(side);
            }
            if (options.timings) {
                scheduler.timings = new Scheduler.Timings();
            }
            this.python = side;
        } catch (RuntimeException | Error e) {
            side.close();
            throw e;
        } catch (Exception e) {  // pemja's PythonException: a checked exception that pemja throws unchecked
            side.close();
            throw new BridgeException(e.getMessage(), e);
        }
    }

    /** Refuses a call that would enter the embedded Python (or read the scheduler's state) from another thread. */
    private void onOwner(String method) {
        if (Thread.currentThread() != owner) {
            throw new BridgeException("BridgeHost." + method + " was called on thread '" + Thread.currentThread()
                    .getName() + "', but this host belongs to thread '" + owner.getName() + "', which opened it: "
                    + "the embedded Python may only be entered from that thread (call it there, e.g. hand the "
                    + "work to that thread; only requestStop and stopped are safe from any thread)");
        }
    }

    /** Posts Python's completions to the scheduler's queue (the scheduler is made after the plan is loaded). */
    public static final class WakeRelay {
        private final Scheduler[] scheduler;

        WakeRelay(Scheduler[] scheduler) {
            this.scheduler = scheduler;
        }

        /** Queues the completion of durable call {@code call} of the Python run {@code ref}; any thread. */
        public void post(String ref, String call) {
            scheduler[0].post(ref, call);
        }
    }

    /**
     * Answers a Python action's memory reads from the committed memory of its key (set by the scheduler around
     * each step of a Python action); called by {@code bridge/runtime/_foreign_memory.py} on the scheduler thread.
     */
    public static final class MemoryRelay {
        MemoryTree current;

        MemoryRelay() {
        }

        /** See {@link MemoryTree#walk}. */
        public String read(String memory, String path) {
            return running().walk(memory, path);
        }

        /** See {@link MemoryTree#fields}. */
        public String fields(String memory, String path) {
            return running().fields(memory, path);
        }

        private MemoryTree running() {
            if (current == null) {
                throw new BridgeException("no Python action is running: its memory cannot be read now");
            }
            return current;
        }
    }

    /** Lends the plan's Java resources to Python actions (on the scheduler thread). */
    public static final class ResourceRelay {
        private final HostResources[] resources;

        ResourceRelay(HostResources[] resources) {
            this.resources = resources;
        }

        /** See {@link HostResources#info}. */
        public String info(String type, String name) throws Exception {
            return resources[0].info(type, name);
        }

        /** See {@link HostResources#call}. */
        public String call(String type, String name, String method, String argsJson) {
            return resources[0].call(type, name, method, argsJson);
        }
    }

    /** Runs inputs to their end; see {@link #run(Iterator, Listener)}. */
    public Result run(List<Input> inputs) {
        return run(inputs.iterator(), new Listener() { });
    }

    /**
     * Runs inputs to their end on the calling thread (it becomes the scheduler thread: call from one thread).
     *
     * @param inputs the inputs; keys interleave, each key's inputs run in order
     * @param listener told of outputs and failures as they come
     * @return the outputs, failures and per-key reports of the keys that received input in this run
     */
    public Result run(Iterator<Input> inputs, Listener listener) {
        return run(inputs, listener, null);
    }

    /**
     * {@link #run(Iterator, Listener)} for a host with a state: keys an earlier process left unfinished go first,
     * and the inputs of {@code source} (what the state calls the input, e.g. a file's real path) that earlier
     * runs took are skipped, so the same call after a crash continues where it stopped. Outputs are handed on
     * once the state holds the action that sent them.
     *
     * @param source where the inputs come from, or null (nothing skipped)
     */
    public Result run(Iterator<Input> inputs, Listener listener, String source) {
        onOwner("run");
        Set<String> touched = new LinkedHashSet<>();
        if (scheduler.state != null) {
            scheduler.state.source = source;
            // A live source (standard input) has no positions to skip by: every line is new.
            long skip = source == null || inputs instanceof LiveInputs ? 0 : takenBefore(source);
            for (; skip > 0 && inputs.hasNext(); skip--) {
                Object[] item = item(inputs.next(), touched);  // its key is reported too, with the state's memory
                scheduler.known(item[0], (String) item[1]);
            }
        }
        live(inputs);
        List<Output> outputs = new ArrayList<>();
        List<Failure> failures = new ArrayList<>();
        int[] done = new int[1];
        Iterator<Object[]> items = new Iterator<>() {
            @Override
            public boolean hasNext() {
                return inputs.hasNext();
            }

            @Override
            public Object[] next() {
                return item(inputs.next(), touched);
            }
        };
        try {
            scheduler.run(items, window, new Scheduler.Sink() {
                @Override
                public void output(Scheduler.KeyRun key, Object output) {
                    outputs.add(new Output(key.key, output));
                    listener.output(key.key, output);
                }

                @Override
                public void failed(Scheduler.KeyRun key, Scheduler.Failure f) {
                    Failure failure = new Failure(f.key(), f.action(), f.error(), f.line(), f.details());
                    failures.add(failure);
                    listener.failed(failure);
                }

                @Override
                public void inputDone() {
                    done[0]++;
                    listener.inputDone();
                }
            });
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new BridgeException("the run was interrupted", e);
        } finally {
            scheduler.endState();
        }
        Map<String, List<Failure>> failuresByKey = new HashMap<>();
        for (Failure failure : failures) {
            failuresByKey.computeIfAbsent(Scheduler.write(failure.key()), k -> new ArrayList<>()).add(failure);
        }
        List<KeyReport> reports = new ArrayList<>(touched.size());
        for (String keyJson : touched) {
            Scheduler.KeyRun ks = scheduler.key(keyJson);
            reports.add(new KeyReport(ks.key, ks.memory.plain("short_term"),
                    failuresByKey.getOrDefault(keyJson, List.of())));
        }
        return new Result(outputs, failures, done[0], reports);
    }

    /**
     * Returns the time spent in each kind of crossing since the last call, and resets it (empty unless the
     * builder asked for {@link Builder#timings}).
     *
     * @return {@code {"python_start": [nanos, count], "python_resume": .., "java_start": .., "settle": ..}}
     */
    public Map<String, long[]> timings() {
        if (scheduler.timings == null) {
            return Map.of();
        }
        Map<String, long[]> spent = new LinkedHashMap<>(scheduler.timings.spent);
        scheduler.timings.spent.clear();
        return spent;
    }

    /**
     * Inputs a thread of their own reads, such as standard input: the scheduler goes on with running inputs while
     * none arrives, instead of blocking in {@code hasNext()}.
     */
    public interface LiveInputs extends Iterator<Input> {
        /** Returns whether an input or the end waits, so that {@code hasNext()} answers at once. */
        boolean ready();

        /** Returns whether the end was read and every input taken. */
        boolean ended();

        /** Takes what to call, from the reading thread, after each input that arrives and at the end. */
        void onArrival(Runnable arrived);
    }

    private void live(Iterator<Input> inputs) {
        if (inputs instanceof LiveInputs live) {
            live.onArrival(scheduler::nudge);
            scheduler.live = new Scheduler.Live() {
                @Override
                public boolean ready() {
                    return live.ready();
                }

                @Override
                public boolean ended() {
                    return live.ended();
                }
            };
        } else {
            scheduler.live = null;
        }
    }

    /**
     * Stops the run: no more inputs are taken, and those running may finish within {@code grace} seconds; then
     * {@link #run} returns what finished. The host stays stopped (a later run takes no input), as a process that
     * got SIGTERM does. Safe from any thread (a signal handler's), before the run too.
     *
     * @param grace seconds the running inputs get
     */
    public void requestStop(double grace) {
        scheduler.requestStop(grace);
    }

    /** Returns whether the last run ended because of {@link #requestStop}, with inputs left unfinished or unread. */
    public boolean stopped() {
        return scheduler.stopped;
    }

    PythonSide python() {
        return python;
    }

    /** {@code {key, keyJson, input}} of an input; the key is noted in {@code touched} (the keys a run reports). */
    private static Object[] item(Input input, Set<String> touched) {
        Object key = Json.mapper().convertValue(input.key(), Object.class);
        if (key instanceof Map || key instanceof List) {
            throw new BridgeException("a key is a string, a number, true/false or null, got " + key);
        }
        String keyJson = Scheduler.write(key);
        touched.add(keyJson);
        return new Object[] {key, keyJson, input.input()};
    }

    /** With a state: how many inputs of {@code source} earlier runs took (a run skips them). */
    public long takenBefore(String source) {
        onOwner("takenBefore");
        return scheduler.state == null ? 0 : scheduler.state.sourceCount(source);
    }

    /**
     * With a state: hands the outputs earlier runs committed for {@code source} to the listener, in the order
     * they were committed (what {@code --output} is rebuilt from); returns how many.
     */
    public int earlierOutputs(String source, Listener listener) {
        onOwner("earlierOutputs");
        return scheduler.state == null ? 0 : scheduler.state.earlierOutputs(source, listener::output);
    }

    /** With a state: the lines about keys it holds (waiting for input, in error) and the commands that move them. */
    public List<String> heldLines(Path plan) {
        onOwner("heldLines");
        if (scheduler.state == null) {
            return List.of();
        }
        String text = python.heldLines(plan.toString());
        return text == null || text.isEmpty() ? List.of() : List.of(text.split("\n"));
    }

    /** Returns a key's short-term memory as plain nested maps (empty for an unknown key). */
    public Map<String, Object> shortTermMemory(Object key) {
        onOwner("shortTermMemory");
        Scheduler.KeyRun ks = scheduler.key(Scheduler.write(Json.mapper().convertValue(key, Object.class)));
        return ks == null ? Map.of() : ks.memory.plain("short_term");
    }

    @Override
    public void close() {
        onOwner("close");
        try {
            if (scheduler.state != null) {
                scheduler.state.close();
            }
            python.call("close");
        } finally {
            python.close();
        }
    }

    private static String defaultPython() {
        String configured = System.getenv("BRIDGE_PYTHON");
        if (configured == null || configured.isBlank()) {
            configured = System.getProperty("bridge.python");
        }
        return configured == null || configured.isBlank() ? "python3" : configured;
    }
}

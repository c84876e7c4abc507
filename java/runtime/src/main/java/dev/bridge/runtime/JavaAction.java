package dev.bridge.runtime;

import java.nio.charset.StandardCharsets;

import com.fasterxml.jackson.core.JsonProcessingException;
import dev.bridge.api.BridgeException;
import dev.bridge.api.Event;
import dev.bridge.api.RunnerContext;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A Java action of a plan, the entry point the Python host calls through JPype.
 *
 * <p>{@link #invoke} runs the action on the calling thread and returns what it did as JSON; nothing is
 * applied on the Java side. An action waiting on {@link RunnerContext#durableExecuteAsync} is suspended
 * under a ref, and {@link #resume} replays it from the start with the recorded call results.
 */
public final class JavaAction {
    private static final AtomicLong REFS = new AtomicLong();
    private static final MethodType ACTION_TYPE = MethodType.methodType(void.class, Event.class, RunnerContext.class);

    private final String actionName;
    private final MethodHandle handle;
    private final Map<String, Object> actionConfig;
    private final Map<String, Object> planConfig;
    private final Map<String, DurableRun> suspended = new ConcurrentHashMap<>();
    private final double callTimeoutSeconds;

    private JavaAction(String actionName, MethodHandle handle, Map<String, Object> actionConfig,
            Map<String, Object> planConfig) {
        this.actionName = actionName;
        this.handle = handle;
        this.actionConfig = actionConfig;
        this.planConfig = planConfig;
        this.callTimeoutSeconds = callTimeout(actionName, planConfig);
    }

    /**
     * The plan's {@code bridge.call_timeout} in seconds: 300 when absent, none (infinite) when null, the
     * same default and key the Python host uses (which passes its effective value here).
     */
    private static double callTimeout(String actionName, Map<String, Object> planConfig) {
        if (!planConfig.containsKey("bridge.call_timeout")) {
            return 300.0;
        }
        Object value = planConfig.get("bridge.call_timeout");
        if (value == null) {
            return Double.POSITIVE_INFINITY;
        }
        if (!(value instanceof Number) || !(((Number) value).doubleValue() > 0)) {
            throw new BridgeException("action '" + actionName + "': bridge.call_timeout must be a positive number of"
                    + " seconds or null for no limit, got " + value);
        }
        return ((Number) value).doubleValue();
    }

    /**
     * Finds the {@code public static void methodName(Event, RunnerContext)} method of an action.
     *
     * @param actionName the action's name in the plan, used in messages
     * @param className the fully qualified class declaring the method
     * @param methodName the method name
     * @param parameterTypes the declared parameter type names: ours or Flink Agents' {@code Event} and
     *     {@code RunnerContext}, matched by simple name; null or empty for ours
     * @param actionConfigJson the action's configuration as a JSON object, or null
     * @param planConfigJson the plan's configuration as a JSON object, or null
     * @return the resolved action
     * @throws BridgeException naming the action, what was looked up and the classpath searched
     */
    public static JavaAction resolve(String actionName, String className, String methodName, String[] parameterTypes,
            String actionConfigJson, String planConfigJson) {
        String wanted = className + "." + methodName + "(" + (parameterTypes == null ? "" : String.join(", ",
                parameterTypes)) + ")";
        checkParameterTypes(actionName, wanted, parameterTypes);
        Class<?> type;
        try {
            type = Classes.load(className);
        } catch (ClassNotFoundException | LinkageError e) {
            throw new BridgeException(notFound(actionName, "class " + className + " not found (" + e + ")", wanted), e);
        }
        Method method;
        try {
            method = type.getMethod(methodName, Event.class, RunnerContext.class);
        } catch (NoSuchMethodException e) {
            throw new BridgeException(notFound(actionName, "no public method " + methodName + "(" + Event.class.getName()
                    + ", " + RunnerContext.class.getName() + ") in " + className + candidates(type, methodName), wanted));
        }
        if (!Modifier.isStatic(method.getModifiers()) || method.getReturnType() != void.class) {
            throw new BridgeException(notFound(actionName, "method " + method + " must be public static void", wanted));
        }
        MethodHandle handle;
        try {
            method.trySetAccessible();
            handle = MethodHandles.lookup().unreflect(method).asType(ACTION_TYPE);
        } catch (IllegalAccessException e) {
            throw new BridgeException(notFound(actionName, "method " + method + " is not accessible", wanted), e);
        }
        return new JavaAction(actionName, handle, config(actionName, "action config", actionConfigJson),
                config(actionName, "plan config", planConfigJson));
    }

    /** Returns the action's name in the plan. */
    public String getActionName() {
        return actionName;
    }

    /**
     * Runs the action for one event on the calling thread. Never throws.
     *
     * @param eventJson the event as {@code {"id", "type", "attributes"}} JSON
     * @param host the host, called back on this thread for memory reads and resources
     * @return {@code {"status": "done", "updates", "events", "calls"}}, {@code {"status": "suspended",
     *     "ref"}} or {@code {"status": "failed", "error": {"class", "message", "stack"}}}
     */
    public String invoke(String eventJson, HostAccess host) {
        return new String(invokeUtf8(eventJson.getBytes(StandardCharsets.UTF_8), host), StandardCharsets.UTF_8);
    }

    /**
     * {@link #invoke} with UTF-8 JSON bytes in and out: the form an in-process host passes without
     * converting strings on either side of the boundary.
     *
     * @param eventJson the event JSON as UTF-8
     * @param host the host
     * @return the result JSON as UTF-8
     */
    public byte[] invokeUtf8(byte[] eventJson, HostAccess host) {
        return invokeUtf8(eventJson, host, null);
    }

    /**
     * {@link #invokeUtf8(byte[], HostAccess)} with committed memory reads sent along, so the action does not
     * call back for them: a host call costs far more than a few JSON bytes. A done result lists under
     * {@code "asked"} the paths it still had to call back for; a host that sends those next time saves them.
     *
     * @param eventJson the event JSON as UTF-8
     * @param host the host
     * @param knownJson {@code {"short_term": {path: read}, "sensory": {..}}} as UTF-8 JSON, each read what
     *     {@link HostAccess#readMemory} would answer now; null for none
     * @return the result JSON as UTF-8
     */
    public byte[] invokeUtf8(byte[] eventJson, HostAccess host, byte[] knownJson) {
        try {
            return attempt(new DurableRun(eventJson, knownJson), host);
        } catch (Throwable t) {
            return ActionResults.failed(t);
        }
    }

    /**
     * {@link #invokeUtf8(byte[], HostAccess, byte[])} for a host that keeps durable calls in a state store:
     * the calls an earlier attempt recorded (in this process or a dead one) are replayed by position, and
     * each new call is reported through {@link HostAccess#recordCall} as soon as it completes.
     *
     * @param eventJson the event JSON as UTF-8
     * @param host the host
     * @param knownJson committed memory reads, or null
     * @param recordsJson {@code {"strict": bool, "calls": [{"id", "status", "result"}]}} as UTF-8 JSON
     * @return the result JSON as UTF-8
     */
    public byte[] invokeUtf8(byte[] eventJson, HostAccess host, byte[] knownJson, byte[] recordsJson) {
        try {
            DurableRun run = new DurableRun(eventJson, knownJson, recordsJson);
            run.reporter = host;
            return attempt(run, host);
        } catch (Throwable t) {
            return ActionResults.failed(t);
        }
    }

    /**
     * Replays a suspended action from the start on the calling thread, with the recorded durable call
     * results. Never throws.
     *
     * @param ref the ref of a {@code suspended} result
     * @param host the host, called back on this thread for memory reads and resources
     * @return the same result forms as {@link #invoke}; {@code suspended} with the same ref when the
     *     background call has not finished yet
     */
    public String resume(String ref, HostAccess host) {
        return new String(resumeUtf8(ref, host), StandardCharsets.UTF_8);
    }

    /**
     * {@link #resume} returning UTF-8 JSON bytes.
     *
     * @param ref the ref of a {@code suspended} result
     * @param host the host
     * @return the result JSON as UTF-8
     */
    public byte[] resumeUtf8(String ref, HostAccess host) {
        try {
            DurableRun run = suspended.remove(ref);
            if (run == null) {
                throw new BridgeException("action '" + actionName + "': no suspended run under ref '" + ref
                        + "' (it was resumed already, or belongs to another action)");
            }
            if (!run.isReady()) {
                suspended.put(ref, run);
                return ActionResults.suspended(ref);
            }
            run.recordPending();
            return attempt(run, host);
        } catch (Throwable t) {
            return ActionResults.failed(t);
        }
    }

    /**
     * Drops a suspended run that the host will not resume (the host's run failed or was stopped), so it
     * does not stay in memory. Its background calls may still finish; their results are dropped.
     *
     * @param ref the ref of a {@code suspended} result; unknown refs are ignored
     */
    public void abandon(String ref) {
        suspended.remove(ref);
    }

    /** Returns how many runs are suspended (for tests and diagnostics). */
    public int suspendedCount() {
        return suspended.size();
    }

    private byte[] attempt(DurableRun run, HostAccess host) throws Exception {
        Event event;
        try {
            event = Json.mapper().readValue(run.eventJson, Event.class);
        } catch (JsonProcessingException e) {
            throw new BridgeException("action '" + actionName + "': cannot read the event JSON: "
                    + e.getOriginalMessage() + " in " + PortableValues.abbreviate(new String(run.eventJson, StandardCharsets.UTF_8)), e);
        }
        DurableCalls calls = new DurableCalls(actionName, run, callTimeoutSeconds);
        Map<?, ?> known = null;
        if (run.knownJson != null) {
            Object parsed = Json.mapper().readValue(run.knownJson, Object.class);
            if (!(parsed instanceof Map)) {
                throw new BridgeException("action '" + actionName + "': the host's known memory reads are not a JSON"
                        + " object");
            }
            known = (Map<?, ?>) parsed;
        }
        HostRunnerContext context = new HostRunnerContext(actionName, planConfig, actionConfig, host, calls, known);
        Throwable failure = null;
        try {
            handle.invokeExact(event, (RunnerContext) context);
        } catch (Throwable t) {
            failure = t;
        } finally {
            context.end();
        }
        BridgeException divergence = calls.divergence(failure == null);
        if (divergence != null) {
            return ActionResults.failed(divergence);
        }
        if (calls.waitingFor() != null) {  // the host parks the key; a resume runs the action again from scratch
            return ActionResults.waiting(calls.waitingFor(), calls.waitIndex());
        }
        if (calls.isSuspended()) {
            String ref = "j-" + REFS.incrementAndGet();
            suspended.put(ref, run);
            BackgroundCalls.wakeWhenDone(run.pending(), host, ref);
            return ActionResults.suspended(ref);
        }
        if (failure != null) {
            return ActionResults.failed(failure);
        }
        return ActionResults.done(context.updates(), context.events(), run.records, context.asked());
    }

    private static void checkParameterTypes(String actionName, String wanted, String[] parameterTypes) {
        if (parameterTypes == null || parameterTypes.length == 0) {
            return;
        }
        if (parameterTypes.length != 2 || !"Event".equals(simpleName(parameterTypes[0]))
                || !"RunnerContext".equals(simpleName(parameterTypes[1]))) {
            throw new BridgeException(notFound(actionName, "parameter types " + Arrays.toString(parameterTypes)
                    + " are not (Event, RunnerContext): expected " + Event.class.getName() + " or "
                    + "org.apache.flink.agents.api.Event, then " + RunnerContext.class.getName() + " or "
                    + "org.apache.flink.agents.api.context.RunnerContext", wanted));
        }
    }

    private static String simpleName(String typeName) {
        return typeName == null ? "" : typeName.substring(typeName.lastIndexOf('.') + 1);
    }

    private static String candidates(Class<?> type, String methodName) {
        List<String> found = new ArrayList<>();
        for (Method method : type.getDeclaredMethods()) {
            if (method.getName().equals(methodName)) {
                found.add(method.toString());
            }
        }
        return found.isEmpty() ? "" : "; found instead: " + String.join("; ", found);
    }

    private static String notFound(String actionName, String problem, String wanted) {
        return "action '" + actionName + "': cannot resolve " + wanted + ": " + problem + "; " + Classes.classpath();
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> config(String actionName, String what, String json) {
        if (json == null || json.isBlank()) {
            return Collections.emptyMap();
        }
        Object parsed;
        try {
            parsed = PortableValues.fromJson(json);
        } catch (BridgeException e) {
            throw new BridgeException("action '" + actionName + "': " + what + " is not valid JSON: " + e.getMessage(), e);
        }
        if (parsed == null) {
            return Collections.emptyMap();
        }
        if (!(parsed instanceof Map)) {
            throw new BridgeException("action '" + actionName + "': " + what + " must be a JSON object, got "
                    + PortableValues.abbreviate(json));
        }
        return Collections.unmodifiableMap((Map<String, Object>) parsed);
    }
}

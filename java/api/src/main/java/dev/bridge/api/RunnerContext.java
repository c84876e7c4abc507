package dev.bridge.api;

import java.util.Map;

/**
 * What an action sees of the runtime while it handles one event.
 *
 * <p>A context lives for one attempt of one action on one thread: call it only from the thread that
 * runs the action. Memory writes and sent events become visible to others only when the action
 * finishes; an action that fails or suspends leaves no trace.
 */
public interface RunnerContext {
    /**
     * Sends an event to the actions listening for its type, once this action finishes.
     *
     * @param event an event whose attributes are portable values
     * @throws BridgeException when an attribute is not a portable value
     */
    void sendEvent(Event event);

    /** Returns the root of sensory memory, which lives for one run of the agent. */
    MemoryObject getSensoryMemory();

    /** Returns the root of short-term memory, which lives across runs for the same key. */
    MemoryObject getShortTermMemory();

    /**
     * Returns a resource declared in the plan, created once per run of this action.
     *
     * @param name the resource name in the plan
     * @param type the kind of resource expected
     * @return the resource, a Java object or a {@link PythonResource} proxy
     * @throws BridgeException when the plan has no such resource
     */
    Resource getResource(String name, ResourceType type);

    /** Returns the plan's configuration, read-only. */
    Map<String, Object> getConfig();

    /**
     * Returns one value of this action's own configuration.
     *
     * @param key the configuration key
     * @return its value, or null when absent
     */
    Object getActionConfigValue(String key);

    /**
     * Runs a call on this thread and records its result, so a replay of the action returns the
     * recorded result instead of calling again.
     *
     * @param callable the call; its {@link DurableCallable#getId()} must be stable across replays
     * @param <T> the result type
     * @return the result of the call, fresh or recorded
     * @throws Exception what the call threw, fresh or recorded
     */
    <T> T durableExecute(DurableCallable<T> callable) throws Exception;

    /**
     * Runs a call off the action's thread without holding it.
     *
     * <p>The first time, the action is suspended: this attempt is discarded, the call runs in the
     * background and the host is told when the action can resume. The action then runs again from the
     * start and this method returns the recorded result. Everything before this call must therefore be
     * deterministic.
     *
     * @param callable the call; its {@link DurableCallable#getId()} must be stable across replays
     * @param <T> the result type
     * @return the recorded result of the call
     * @throws Exception what the call threw, recorded
     */
    <T> T durableExecuteAsync(DurableCallable<T> callable) throws Exception;

    /**
     * Pauses this action's key until outside input named {@code name} arrives, and returns that input.
     *
     * <p>The first time, the action is suspended and its key waits (its later inputs queue behind it; other
     * keys go on) until {@code Runtime.resume(key, value)} or {@code bridge runs resume} hands a value in,
     * possibly in a later process. The action then runs again from the start, its completed durable calls
     * replayed, and this method returns the value. Needs a host that keeps a state store.
     *
     * @param name what the key waits for, e.g. {@code "approval"}
     * @return the value handed in: null, Boolean, Number, String, List or Map
     * @throws Exception when the host keeps no state store, or on a replay that diverged
     */
    default Object waitForInput(String name) throws Exception {
        throw new BridgeException("waitForInput needs a host with a state store (Runtime(plan, state=...) or "
                + "bridge run --state FILE)");
    }
}

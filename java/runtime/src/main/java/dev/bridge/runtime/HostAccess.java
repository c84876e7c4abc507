package dev.bridge.runtime;

/**
 * What a Java action may ask of the Python host; the host implements it as a JPype proxy.
 *
 * <p>{@link #readMemory} and {@link #getResource} are called only from the thread that called
 * {@link JavaAction#invoke} or {@link JavaAction#resume}, while that call runs. {@link #wake} is called
 * only from the single platform daemon thread {@code bridge-wake}.
 */
public interface HostAccess {
    /**
     * Reads committed memory (this action's own writes are layered on top on the Java side).
     *
     * @param memory {@code "short_term"} or {@code "sensory"}
     * @param path a dotted path; {@code ""} is the root
     * @return JSON: {@code null} when absent, {@code {"v": <value>}} for a value (bytes as
     *     {@code {"$bytes": ".."}}), {@code {"o": ["field", ...]}} for an object node
     */
    String readMemory(String memory, String path);

    /**
     * Returns a resource of the plan.
     *
     * @param name the resource name
     * @param type the resource type's wire name, e.g. {@code "chat_model"}
     * @return a Java resource object or a {@link dev.bridge.api.PythonResource} proxy; null when unknown
     */
    Object getResource(String name, String type);

    /**
     * Tells the host that the suspended action under {@code ref} can be resumed with
     * {@link JavaAction#resume}.
     *
     * <p>May arrive before the {@code invoke} or {@code resume} call that returned the ref has returned;
     * the host must remember early wakes. Called once per suspension.
     *
     * @param ref the ref returned in {@code {"status": "suspended", "ref": ..}}
     */
    void wake(String ref);

    /**
     * Records a durable call the action just completed, when the host keeps a state store (it passed the
     * recorded calls to {@link JavaAction#invokeUtf8(byte[], HostAccess, byte[], byte[])}); called on the
     * thread running the action, as soon as the call's outcome is known, so a crash cannot lose it.
     *
     * @param recordJson {@code {"index", "id", "status": "done"|"failed", "result"}}: the result as JSON, or
     *     {@code {"type": class name, "message"}} for a failure; {@code "diverged": true} when the action made
     *     another call than the one recorded at this index (the host drops the later records)
     */
    default void recordCall(String recordJson) {
    }
}

package dev.bridge.api;

/**
 * A re-run action made another durable call than the one recorded at the same position (strict mode), or
 * fewer calls than recorded. The mirror of Python's {@code NonDeterminismError}, which the Python host
 * raises in its place, naming the key.
 */
public class NonDeterminismException extends BridgeException {
    private static final long serialVersionUID = 1L;

    /**
     * Creates an exception naming the action, the call's position and the recorded and the new call.
     *
     * @param message what diverged and why it matters
     */
    public NonDeterminismException(String message) {
        super(message);
    }
}

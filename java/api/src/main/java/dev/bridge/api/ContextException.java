package dev.bridge.api;

/**
 * A {@link RunnerContext} used where it is not valid: from a thread that is not running the action (a
 * durable call's callable on a background thread) or after the action's attempt ended. The mirror of
 * Python's {@code ContextError}.
 */
public class ContextException extends BridgeException {
    private static final long serialVersionUID = 1L;

    /**
     * Creates an exception saying what was used where.
     *
     * @param message what was refused and what to do instead
     */
    public ContextException(String message) {
        super(message);
    }
}

package dev.bridge.api;

/**
 * The one unchecked root of every error the bridge raises on the Java side.
 *
 * <p>Messages name what was looked up and where (action, class, memory path, tool parameter), so the
 * Python host can surface them unchanged.
 */
public class BridgeException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /**
     * Creates an exception with a message.
     *
     * @param message what went wrong, naming the offending action, path or class
     */
    public BridgeException(String message) {
        super(message);
    }

    /**
     * Creates an exception with a message and a cause.
     *
     * @param message what went wrong, naming the offending action, path or class
     * @param cause the lower-level failure
     */
    public BridgeException(String message, Throwable cause) {
        super(message, cause);
    }
}

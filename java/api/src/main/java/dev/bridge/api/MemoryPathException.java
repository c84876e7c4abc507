package dev.bridge.api;

/**
 * A memory operation the memory rules refuse: a malformed path, a write under a value, a value over an
 * object node. The mirror of Python's {@code MemoryPathError}; the rules are the case files in
 * {@code tests/contract/memory}, which both languages run.
 */
public class MemoryPathException extends BridgeException {
    private static final long serialVersionUID = 1L;

    /**
     * Creates an exception naming the memory and the full path.
     *
     * @param message what was refused and what to do instead
     */
    public MemoryPathException(String message) {
        super(message);
    }
}

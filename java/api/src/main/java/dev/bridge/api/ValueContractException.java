package dev.bridge.api;

/**
 * A value outside the portable contract (see {@code PortableValues}), refused where it enters: a memory
 * write, an event attribute. The mirror of Python's {@code ValueContractError}; it names the path and type.
 */
public class ValueContractException extends BridgeException {
    private static final long serialVersionUID = 1L;

    /**
     * Creates an exception naming the path of the value and its type.
     *
     * @param message what was refused and why
     */
    public ValueContractException(String message) {
        super(message);
    }
}

package dev.bridge.api;

import java.util.concurrent.Callable;

/**
 * A call whose result is recorded so that a replayed action gets the same result without calling again.
 *
 * @param <T> the result type
 */
public interface DurableCallable<T> {
    /** Returns an id naming this call, the same on every replay of the action. */
    String getId();

    /** Returns the class of the result. */
    Class<T> getResultClass();

    /**
     * Makes the call.
     *
     * @return the result, which the shared JSON mapper must be able to write
     * @throws Exception any failure, recorded and rethrown on replay
     */
    T call() throws Exception;

    /**
     * Creates a durable callable from a lambda.
     *
     * @param id the stable id of the call
     * @param resultClass the class of the result
     * @param body the call itself
     * @param <T> the result type
     * @return a durable callable delegating to {@code body}
     * @throws BridgeException if an argument is null
     */
    static <T> DurableCallable<T> of(String id, Class<T> resultClass, Callable<T> body) {
        if (id == null || resultClass == null || body == null) {
            throw new BridgeException("DurableCallable.of needs a non-null id, result class and body (got id " + id
                    + ", result class " + resultClass + ", body " + body + ")");
        }
        return new DurableCallable<>() {
            @Override
            public String getId() {
                return id;
            }

            @Override
            public Class<T> getResultClass() {
                return resultClass;
            }

            @Override
            public T call() throws Exception {
                return body.call();
            }
        };
    }
}

package dev.bridge.api;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class DurableCallableTest {

    @Test
    void shouldWrapALambdaWithItsIdAndResultClass() throws Exception {
        DurableCallable<Integer> callable = DurableCallable.of("answer", Integer.class, () -> 42);

        assertEquals("answer", callable.getId());
        assertEquals(Integer.class, callable.getResultClass());
        assertEquals(42, callable.call());
    }
}

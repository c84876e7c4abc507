package dev.bridge.runtime.py4j;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.bridge.runtime.HostAccess;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The py4j mode's entry point: what bridge/jvm/_py4j.py calls on it (its _names.PY4J_GATEWAY entry). */
class Py4JGatewayTest {
    private final Py4JGateway gateway = new Py4JGateway();

    @Test
    void shouldExposeEveryMethodTheHostCalls() throws Exception {
        Method main = Py4JGateway.class.getMethod("main", String[].class);
        assertTrue(Modifier.isStatic(main.getModifiers()));
        for (String name : List.of("isInstance", "loadClass", "floatsLittleEndian", "hold", "strings", "pid")) {
            assertTrue(List.of(Py4JGateway.class.getMethods()).stream().anyMatch(m -> m.getName().equals(name)
                    && !Modifier.isStatic(m.getModifiers())), name);
        }
    }

    @Test
    void shouldAnswerInstanceChecksByClassNameAndFalseForAnUnknownClass() {
        assertTrue(gateway.isInstance("java.util.List", new ArrayList<>()));
        assertFalse(gateway.isInstance("java.util.Map", new ArrayList<>()));
        assertFalse(gateway.isInstance("no.such.Type", new ArrayList<>()));
    }

    @Test
    void shouldFailToLoadAClassThatIsNotOnTheClasspath() {
        assertThrows(ClassNotFoundException.class, () -> gateway.loadClass("no.such.Type"));
    }

    @Test
    void shouldPackFloatsLittleEndianAndRefuseOtherArrays() {
        float[] values = {1.5f, -0.25f, Float.MAX_VALUE};
        ByteBuffer packed = ByteBuffer.wrap(gateway.floatsLittleEndian(values)).order(ByteOrder.LITTLE_ENDIAN);
        float[] back = new float[values.length];
        packed.asFloatBuffer().get(back);
        assertArrayEquals(values, back);
        assertNull(gateway.floatsLittleEndian(new double[] {1.0}));
        assertNull(gateway.floatsLittleEndian("not an array"));
    }

    @Test
    void shouldHoldTheHostAndDelegateEveryCallToIt() {
        List<String> calls = new ArrayList<>();
        HostAccess host = new HostAccess() {
            @Override
            public String readMemory(String memory, String path) {
                calls.add("read " + memory + " " + path);
                return "1";
            }

            @Override
            public Object getResource(String name, String type) {
                calls.add("resource " + name + " " + type);
                return "r";
            }

            @Override
            public void wake(String ref) {
                calls.add("wake " + ref);
            }

            @Override
            public void recordCall(String recordJson) {
                calls.add("record " + recordJson);
            }
        };
        HostAccess held = gateway.hold(host);
        assertEquals("1", held.readMemory("short_term", "a.b"));
        assertEquals("r", held.getResource("t", "tool"));
        held.wake("j1");
        held.recordCall("{}");
        assertEquals(List.of("read short_term a.b", "resource t tool", "wake j1", "record {}"), calls);
    }

    @Test
    void shouldTurnAListOfStringsIntoAnArrayAndTellItsPid() {
        assertArrayEquals(new String[] {"a", "b"}, gateway.strings(List.of("a", "b")));
        assertEquals(ProcessHandle.current().pid(), gateway.pid());
    }
}

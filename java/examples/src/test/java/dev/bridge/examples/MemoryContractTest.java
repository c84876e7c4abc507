package dev.bridge.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

import dev.bridge.runtime.ContractCases;
import dev.bridge.runtime.InMemoryHost;
import dev.bridge.runtime.JavaAction;
import dev.bridge.runtime.PortableValues;
import java.io.IOException;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * Runs the shared memory case files ({@code tests/contract/memory/*.json}, the ones pytest runs against the
 * Python memory) against the Java memory, each case as the Java actions of one key, committed in between.
 */
class MemoryContractTest {
    private static final JavaAction RUN_STEPS = JavaAction.resolve("contract", ContractActions.class.getName(),
            "runSteps", null, null, null);

    @TestFactory
    Stream<DynamicTest> shouldFollowEverySharedMemoryCase() throws IOException {
        return ContractCases.of("memory", MemoryContractTest::run);
    }

    private static void run(Map<?, ?> c) {
        InMemoryHost host = new InMemoryHost();
        List<Map<?, ?>> chunk = new ArrayList<>();
        List<Object> steps = new ArrayList<>((List<?>) c.get("steps"));
        steps.add(Map.of("commit", true));
        for (Object item : steps) {
            Map<?, ?> step = (Map<?, ?>) item;
            if (!step.containsKey("commit")) {
                chunk.add(step);
                continue;
            }
            String event = PortableValues.toJson(Map.of("type", "_input_event", "attributes",
                    Map.of("input", Map.of("steps", wire(chunk)))));
            Map<String, Object> done = host.commit(RUN_STEPS.invoke(event, host));
            Map<?, ?> output = (Map<?, ?>) ((Map<?, ?>) ((List<?>) done.get("events")).get(0)).get("attributes");
            List<?> results = (List<?>) ((Map<?, ?>) output.get("output")).get("results");
            for (int i = 0; i < chunk.size(); i++) {
                check(chunk.get(i), (Map<?, ?>) results.get(i));
            }
            chunk.clear();
        }
    }

    private static void check(Map<?, ?> step, Map<?, ?> result) {
        if (step.containsKey("error")) {
            assertEquals(step.get("error"), result.get("error"), "step " + step + " gave " + result);
        } else if (step.containsKey("expect")) {
            if (!same(ContractActions.decode(step.get("expect")), result.get("value"))) {
                fail("step " + step + " read " + result);
            }
        } else if (!Boolean.TRUE.equals(result.get("ok"))) {
            fail("step " + step + " failed: " + result);
        }
    }

    /** Strings with a lone surrogate cannot cross as JSON text; they travel as {@code "$json:<escaped>"}. */
    private static Object wire(Object value) {
        if (value instanceof String) {
            String s = (String) value;
            boolean lone = false;
            for (int i = 0; i < s.length(); i++) {
                char c = s.charAt(i);
                if (Character.isHighSurrogate(c) && i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1))) {
                    i++;
                } else if (Character.isSurrogate(c)) {
                    lone = true;
                }
            }
            if (!lone) {
                return s;
            }
            StringBuilder escaped = new StringBuilder("$json:\"");
            for (char c : s.toCharArray()) {
                escaped.append(String.format("\\u%04x", (int) c));
            }
            return escaped.append('"').toString();
        }
        if (value instanceof List) {
            List<Object> out = new ArrayList<>();
            for (Object item : (List<?>) value) {
                out.add(wire(item));
            }
            return out;
        }
        if (value instanceof Map) {
            Map<Object, Object> out = new LinkedHashMap<>();
            for (Map.Entry<?, ?> e : ((Map<?, ?>) value).entrySet()) {
                out.put(wire(e.getKey()), wire(e.getValue()));
            }
            return out;
        }
        return value;
    }

    /** Equality that tells 1, 1.0 and true apart, compares integers by value and byte[] by content. */
    private static boolean same(Object expected, Object actual) {
        if (expected == null || actual == null) {
            return expected == actual;
        }
        if (isInteger(expected) && isInteger(actual)) {
            return new BigInteger(expected.toString()).equals(new BigInteger(actual.toString()));
        }
        if (expected instanceof Double || expected instanceof Float) {
            return (actual instanceof Double || actual instanceof Float)
                    && ((Number) expected).doubleValue() == ((Number) actual).doubleValue();
        }
        if (expected instanceof byte[]) {
            return actual instanceof byte[] && Arrays.equals((byte[]) expected, (byte[]) actual);
        }
        if (expected instanceof List) {
            List<?> a = (List<?>) expected;
            if (!(actual instanceof List) || a.size() != ((List<?>) actual).size()) {
                return false;
            }
            for (int i = 0; i < a.size(); i++) {
                if (!same(a.get(i), ((List<?>) actual).get(i))) {
                    return false;
                }
            }
            return true;
        }
        if (expected instanceof Map) {
            Map<?, ?> a = new LinkedHashMap<>((Map<?, ?>) expected);
            if (!(actual instanceof Map) || a.size() != ((Map<?, ?>) actual).size()) {
                return false;
            }
            for (Map.Entry<?, ?> e : a.entrySet()) {
                Map<?, ?> b = (Map<?, ?>) actual;
                if (!b.containsKey(e.getKey()) || !same(e.getValue(), b.get(e.getKey()))) {
                    return false;
                }
            }
            return true;
        }
        return expected.equals(actual);
    }

    private static boolean isInteger(Object value) {
        return value instanceof Integer || value instanceof Long || value instanceof Short || value instanceof Byte
                || value instanceof BigInteger;
    }
}

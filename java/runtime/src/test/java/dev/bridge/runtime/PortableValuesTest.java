package dev.bridge.runtime;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.bridge.api.BridgeException;
import java.math.BigInteger;
import java.util.Date;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class PortableValuesTest {

    @Test
    void shouldRoundTripBytesAsBase64Objects() {
        Map<String, Object> value = new LinkedHashMap<>();
        value.put("raw", new byte[] {0, -1, 127});
        value.put("list", List.of(new byte[] {42}));

        String json = PortableValues.toJson(value);
        Map<?, ?> read = (Map<?, ?>) PortableValues.fromJson(json);

        assertEquals("{\"raw\":{\"$bytes\":\"AP9/\"},\"list\":[{\"$bytes\":\"Kg==\"}]}", json);
        assertArrayEquals(new byte[] {0, -1, 127}, (byte[]) read.get("raw"));
        assertArrayEquals(new byte[] {42}, (byte[]) ((List<?>) read.get("list")).get(0));
    }

    @Test
    void shouldKeepObjectsWithMoreThanTheBytesKeyAsMaps() {
        Object read = PortableValues.fromJson("{\"$bytes\":\"AQ==\",\"other\":1}");

        assertInstanceOf(Map.class, read);
    }

    @Test
    void shouldReadNumbersAsIntegerLongBigIntegerAndDouble() {
        List<?> read = (List<?>) PortableValues.fromJson("[1, 5000000000, 100000000000000000000, 1.5, null, true]");

        assertEquals(1, read.get(0));
        assertEquals(5000000000L, read.get(1));
        assertEquals(new BigInteger("100000000000000000000"), read.get(2));
        assertEquals(1.5, read.get(3));
        assertNull(read.get(4));
        assertEquals(true, read.get(5));
    }

    @Test
    void shouldAcceptEveryPortableKind() {
        Map<String, Object> value = new LinkedHashMap<>();
        value.put("a", List.of(1, 2L, (short) 3, (byte) 4, BigInteger.TEN, 1.5f, 2.5, "s", true));
        value.put("b", null);
        value.put("c", new byte[0]);

        PortableValues.check("ok", value);
    }

    @Test
    void shouldRejectNonPortableValueNamingFullPathAndClass() {
        Map<String, Object> order = new LinkedHashMap<>();
        order.put("id", "o-1");
        order.put("when", new Date());

        BridgeException error = assertThrows(BridgeException.class,
                () -> PortableValues.check("order", order));

        assertTrue(error.getMessage().startsWith(
                "memory path 'order.when': java.util.Date is not a portable value (allowed: null, Boolean"),
                error.getMessage());
    }

    @Test
    void shouldNameListIndexInPath() {
        BridgeException error = assertThrows(BridgeException.class,
                () -> PortableValues.check("items", List.of("a", Set.of(1))));

        assertTrue(error.getMessage().contains("'items[1]'"), error.getMessage());
    }

    @Test
    void shouldRejectMapsWithNonStringKeys() {
        BridgeException error = assertThrows(BridgeException.class,
                () -> PortableValues.check("counts", Map.of(1, "one")));

        assertTrue(error.getMessage().contains("memory path 'counts': map key 1 is a java.lang.Integer"),
                error.getMessage());
    }

    @Test
    void shouldRefuseToWriteNonPortableValues() {
        assertThrows(BridgeException.class, () -> PortableValues.toJson(List.of(new Object())));
    }

    @Test
    void shouldNameInvalidJson() {
        BridgeException error = assertThrows(BridgeException.class, () -> PortableValues.fromJson("{oops"));

        assertTrue(error.getMessage().startsWith("not valid JSON"), error.getMessage());
    }

    @Test
    void shouldCopyListsAndMapsDeeply() {
        List<Object> inner = new java.util.ArrayList<>(List.of(1));
        Map<String, Object> value = new LinkedHashMap<>(Map.of("inner", inner));

        Object copy = PortableValues.copy("memory path", "x", value);
        inner.add(2);

        assertEquals(Map.of("inner", List.of(1)), copy);
    }
}

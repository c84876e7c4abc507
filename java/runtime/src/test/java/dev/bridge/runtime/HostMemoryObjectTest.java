package dev.bridge.runtime;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.bridge.api.BridgeException;
import dev.bridge.api.MemoryPathException;
import dev.bridge.api.MemoryObject;
import java.util.Arrays;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class HostMemoryObjectTest {
    private final InMemoryHost host = new InMemoryHost()
            .put("short_term", "user.name", "Ada")
            .put("short_term", "user.tags", List.of("admin"))
            .put("short_term", "blob", new byte[] {9, 8})
            .put("short_term", "count", 41)
            .put("short_term", "nothing", null);
    private final List<List<Object>> updates = new ArrayList<>();
    private final MemoryObject memory =
            new HostMemoryObject(new MemoryOverlay("short_term", host, updates), "");

    @Test
    void shouldReadPlainValuesAndObjectNodesFromTheHost() {
        assertEquals("Ada", memory.get("user.name"));
        assertEquals(List.of("admin"), memory.get("user.tags"));
        assertArrayEquals(new byte[] {9, 8}, (byte[]) memory.get("blob"));
        assertEquals(41, memory.get("count"));
        assertInstanceOf(MemoryObject.class, memory.get("user"));
        assertEquals("Ada", ((MemoryObject) memory.get("user")).get("name"));
        assertNull(memory.get("missing"));
    }

    @Test
    void shouldTellAnExplicitNullFromAnAbsentField() {
        assertTrue(memory.isExist("nothing"));
        assertFalse(memory.isExist("missing"));
        assertFalse(memory.isExist("count.below"));
    }

    @Test
    void shouldReadTheHostOncePerPath() {
        memory.get("user.name");
        memory.get("user.name");
        memory.isExist("user.name");

        assertEquals(List.of("short_term:user.name"), host.reads);
    }

    @Test
    void shouldReadTheHostOncePerObjectToCheckItsWrites() {
        for (int i = 0; i < 10; i++) {
            memory.set("bench.k" + i, i);
        }
        for (int i = 0; i < 10; i++) {
            memory.set("user.f" + i, i);
        }

        assertEquals(List.of("short_term:bench", "short_term:user"), host.reads);
        assertEquals(20, updates.size());
    }

    @Test
    void shouldCreateParentObjectsOnSet() {
        memory.set("a.b.c", 1);

        assertInstanceOf(MemoryObject.class, memory.get("a.b"));
        assertEquals(List.of("b"), ((MemoryObject) memory.get("a")).getFieldNames());
        assertEquals(List.of(Arrays.asList("short_term", "set", "a.b.c", 1)), updates);
    }

    @Test
    void shouldListHostFieldsThenNewFields() {
        memory.set("user.email", "ada@example.com");
        memory.set("user.name", "Augusta");

        assertEquals(List.of("name", "tags", "email"), ((MemoryObject) memory.get("user")).getFieldNames());
        assertEquals(List.of("user", "blob", "count", "nothing"), memory.getFieldNames());
    }

    @Test
    void shouldReturnFieldsAsValuesAndObjects() {
        Map<String, Object> fields = ((MemoryObject) memory.get("user")).getFields();

        assertEquals("Ada", fields.get("name"));
        assertEquals(List.of("admin"), fields.get("tags"));
    }

    @Test
    void shouldRefuseAValueOverACommittedObjectAndAWriteUnderACommittedValue() {
        assertThrows(MemoryPathException.class, () -> memory.set("user", "gone"));
        assertThrows(MemoryPathException.class, () -> memory.set("count.cents", 1));

        assertEquals("Ada", memory.get("user.name"));
        assertEquals(List.of(), updates);
    }

    @Test
    void shouldKeepAnExistingObjectOnNewObject() {
        MemoryObject user = memory.newObject("user", false);

        assertEquals("Ada", user.get("name"));
        assertEquals(List.of(), updates);
    }

    @Test
    void shouldRefuseToReplaceAValueWithAnObjectUnlessOverwriting() {
        BridgeException error = assertThrows(MemoryPathException.class, () -> memory.newObject("count", false));
        assertTrue(error.getMessage().contains("memory path 'short_term.count' holds a value"), error.getMessage());

        MemoryObject replaced = memory.newObject("count", true);
        assertEquals(List.of(), replaced.getFieldNames());
        assertEquals(List.of(Arrays.asList("short_term", "new_object", "count", true)), updates);
    }

    @Test
    void shouldResolvePathsRelativeToANestedView() {
        MemoryObject user = (MemoryObject) memory.get("user");
        user.set("address.city", "London");

        assertEquals("London", memory.get("user.address.city"));
        assertEquals("user.address.city", updates.get(0).get(2));
    }

    @Test
    @SuppressWarnings("unchecked")
    void shouldNotLetCallersChangeRecordedValues() {
        List<Object> tags = new ArrayList<>(List.of("a"));
        memory.set("tags", tags);
        tags.add("b");
        ((List<Object>) memory.get("tags")).add("c");

        assertEquals(List.of("a"), memory.get("tags"));
        assertEquals(List.of("a"), updates.get(0).get(3));
    }

    @Test
    void shouldRejectMalformedPaths() {
        for (String path : new String[] {"", ".a", "a.", "a..b"}) {
            BridgeException error = assertThrows(BridgeException.class, () -> memory.set(path, 1));
            assertTrue(error.getMessage().startsWith("invalid memory path '" + path + "'"), error.getMessage());
        }
    }

    @Test
    void shouldNameTheHostWhenItAnswersUnexpectedJson() {
        MemoryObject broken = new HostMemoryObject(new MemoryOverlay("sensory", new HostAccess() {
            @Override
            public String readMemory(String memoryName, String path) {
                return "[1]";
            }

            @Override
            public Object getResource(String name, String type) {
                return null;
            }

            @Override
            public void wake(String ref) {
            }
        }, updates), "");

        BridgeException error = assertThrows(BridgeException.class, () -> broken.get("x"));
        assertTrue(error.getMessage().startsWith("host readMemory('sensory', 'x') returned [1]"), error.getMessage());
    }
}

package dev.bridge.runtime;

import com.fasterxml.jackson.core.JsonProcessingException;
import dev.bridge.api.BridgeException;
import dev.bridge.api.MemoryPathException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The committed memory of one key ({@code short_term} and {@code sensory}) when a Java host owns it.
 *
 * <p>It stores what actions committed and answers {@link HostAccess#readMemory}; the rules are not written
 * again here: {@link #apply} first replays an action's updates through a {@link MemoryOverlay} over this tree
 * (the rules Java actions obey, held to Python's by {@code tests/contract/memory}), so a bad update fails the
 * whole action and leaves the tree as it was; only then are they written. Object nodes are {@link Obj}
 * instances, so an object made with {@code newObject} stays distinct from a map stored as a value.
 */
public final class MemoryTree {
    static final String SHORT_TERM = HostRunnerContext.SHORT_TERM;
    static final String SENSORY = HostRunnerContext.SENSORY;

    private Obj shortTerm = new Obj();
    private Obj sensory = new Obj();

    /** An object node (a map stored as a value is a plain map). */
    static final class Obj extends LinkedHashMap<String, Object> {
        private static final long serialVersionUID = 1L;
    }

    private Obj root(String memory) {
        if (SHORT_TERM.equals(memory)) {
            return shortTerm;
        }
        if (SENSORY.equals(memory)) {
            return sensory;
        }
        throw new MemoryPathException("unknown memory '" + memory + "': use 'short_term' or 'sensory'");
    }

    /** Returns whether the key has no short-term memory. */
    public boolean isEmpty() {
        return shortTerm.isEmpty();
    }

    /**
     * Returns whether both trees together hold at most {@code limit} entries (objects and values, a map or list
     * value counted with its elements); stops counting past the limit, so a large memory costs no more.
     *
     * @param limit the most entries
     * @return whether the memory is that small
     */
    public boolean within(int limit) {
        int[] left = {limit};
        return count(shortTerm, left) && count(sensory, left);
    }

    private static boolean count(Map<?, ?> node, int[] left) {
        for (Object value : node.values()) {
            left[0] -= 1 + (value instanceof Map && !(value instanceof Obj) ? ((Map<?, ?>) value).size()
                    : value instanceof List ? ((List<?>) value).size() : 0);
            if (left[0] < 0 || value instanceof Obj && !count((Obj) value, left)) {
                return false;
            }
        }
        return true;
    }

    /** Forgets sensory memory: the input's run is over. */
    public void clearSensory() {
        sensory = new Obj();
    }

    /**
     * Answers a committed read as {@link HostAccess#readMemory} does.
     *
     * @param memory {@code "short_term"} or {@code "sensory"}
     * @param path a dotted path, {@code ""} for the root
     * @return {@code null}, {@code {"v": value}} or {@code {"o": [fields], "n": [object fields]}} as JSON
     */
    public String readWire(String memory, String path) {
        Object node = lookup(memory, path);
        if (node == ABSENT) {
            return null;
        }
        Map<String, Object> answer = new LinkedHashMap<>();
        if (node instanceof Obj) {
            List<String> objects = new ArrayList<>();
            for (Map.Entry<String, Object> e : ((Obj) node).entrySet()) {
                if (e.getValue() instanceof Obj) {
                    objects.add(e.getKey());
                }
            }
            answer.put("o", new ArrayList<>(((Obj) node).keySet()));
            answer.put("n", objects);
        } else {
            answer.put("v", node);
        }
        return write(answer);
    }

    private static final Object ABSENT = new Object();

    /**
     * Answers a lazy reader (the Python side of the Java host) about everything along a path, in one call.
     *
     * @param memory {@code "short_term"} or {@code "sensory"}
     * @param path a dotted path of non-empty names
     * @return JSON {@code {"o": d}}: the first {@code d} names are objects; then {@code "v": value} (the next
     *     name holds a value), {@code "a": 1} (it is absent), or nothing ({@code d} is the whole path)
     */
    public String walk(String memory, String path) {
        Object node = root(memory);
        String[] parts = path.split("\\.", -1);
        Map<String, Object> answer = new LinkedHashMap<>();
        for (int i = 0; i < parts.length; i++) {
            Obj obj = (Obj) node;
            Object child = obj.get(parts[i]);
            if (child == null && !obj.containsKey(parts[i])) {
                answer.put("o", i);
                answer.put("a", 1);
                return write(answer);
            }
            if (!(child instanceof Obj)) {
                answer.put("o", i);
                answer.put("v", child);
                return write(answer);
            }
            node = child;
        }
        answer.put("o", parts.length);
        return write(answer);
    }

    /**
     * Lists an object for a lazy reader: each field's value, a map or list value wrapped as {@code {"": value}},
     * an object as {@code {}}, in the tree's order.
     *
     * @param memory {@code "short_term"} or {@code "sensory"}
     * @param path a dotted path, {@code ""} for the root
     * @return the listing as JSON, {@code null} when the path holds no object
     */
    public String fields(String memory, String path) {
        Object node = lookup(memory, path);
        if (!(node instanceof Obj)) {
            return "null";
        }
        Map<String, Object> out = new LinkedHashMap<>();
        for (Map.Entry<String, Object> e : ((Obj) node).entrySet()) {
            Object value = e.getValue();
            out.put(e.getKey(), value instanceof Obj ? Map.of()
                    : value instanceof Map || value instanceof List ? Map.of("", value) : value);
        }
        return write(out);
    }

    private Object lookup(String memory, String path) {
        Object node = root(memory);
        if (path.isEmpty()) {
            return node;
        }
        for (String part : path.split("\\.", -1)) {
            if (!(node instanceof Obj) || !((Obj) node).containsKey(part)) {
                return ABSENT;
            }
            node = ((Obj) node).get(part);
        }
        return node;
    }

    /**
     * Applies an action's updates ({@code [memory, "set"|"new_object", path, value]}), all or nothing.
     *
     * @param updates the wire form of the updates, values already portable (parsed from JSON or checked)
     * @throws BridgeException naming the memory path when an update breaks the memory rules; then nothing changed
     */
    public void apply(List<?> updates) {
        HostAccess committed = new HostAccess() {
            @Override
            public String readMemory(String memory, String path) {
                return readWire(memory, path);
            }

            @Override
            public Object getResource(String name, String type) {
                return null;
            }

            @Override
            public void wake(String ref) {
            }
        };
        List<List<Object>> scratch = new ArrayList<>();
        MemoryOverlay shortOverlay = new MemoryOverlay(SHORT_TERM, committed, scratch);
        MemoryOverlay sensoryOverlay = new MemoryOverlay(SENSORY, committed, scratch);
        List<Object[]> checked = new ArrayList<>(updates.size());
        for (Object item : updates) {
            if (!(item instanceof List) || ((List<?>) item).size() != 4 || !(((List<?>) item).get(2) instanceof String)) {
                throw new MemoryPathException("malformed memory update " + PortableValues.abbreviate(String.valueOf(item))
                        + ": expected [\"short_term\"|\"sensory\", \"set\"|\"new_object\", path, value]");
            }
            List<?> update = (List<?>) item;
            String memory = String.valueOf(update.get(0));
            String op = String.valueOf(update.get(1));
            String path = (String) update.get(2);
            MemoryOverlay overlay = SHORT_TERM.equals(memory) ? shortOverlay : SENSORY.equals(memory) ? sensoryOverlay : null;
            if (overlay == null) {
                throw new MemoryPathException("memory update names unknown memory '" + memory + "'");
            }
            checkPath(memory, path);
            if ("set".equals(op)) {
                Object value = PortableValues.copy("memory path", memory + "." + path, update.get(3));
                overlay.set(path, value);
                checked.add(new Object[] {memory, op, path, value});
            } else if ("new_object".equals(op)) {
                overlay.newObject(path, Boolean.TRUE.equals(update.get(3)));
                checked.add(new Object[] {memory, op, path, null});
            } else {
                throw new MemoryPathException("memory update has an unknown op '" + op + "'");
            }
        }
        for (Object[] update : checked) {
            String[] parts = ((String) update[2]).split("\\.");
            Obj parent = root((String) update[0]);
            for (int i = 0; i < parts.length - 1; i++) {
                Object child = parent.get(parts[i]);
                if (!(child instanceof Obj)) {  // absent (the overlay refused writes under a value)
                    child = new Obj();
                    parent.put(parts[i], child);
                }
                parent = (Obj) child;
            }
            String leaf = parts[parts.length - 1];
            if ("set".equals(update[1])) {
                parent.put(leaf, update[3]);
            } else if (!(parent.get(leaf) instanceof Obj)) {
                parent.put(leaf, new Obj());
            }
        }
    }

    private static void checkPath(String memory, String path) {
        if (path.isEmpty() || path.startsWith(".") || path.endsWith(".") || path.contains("..")) {
            throw new MemoryPathException("invalid memory path '" + memory + "." + path + "': use dot-separated,"
                    + " non-empty names such as 'orders.o-1'");
        }
    }

    /**
     * Returns one tree in the stored form Python's {@code MemoryStore.load} reads: object nodes as JSON
     * objects, a map or list value wrapped as {@code {"": value}}; null when the tree is empty.
     *
     * @param memory {@code "short_term"} or {@code "sensory"}
     * @return the tree, or null
     */
    public Map<String, Object> dump(String memory) {
        Obj root = root(memory);
        return root.isEmpty() ? null : dump(root);
    }

    private static Map<String, Object> dump(Obj node) {
        Map<String, Object> out = new LinkedHashMap<>();
        for (Map.Entry<String, Object> e : node.entrySet()) {
            Object value = e.getValue();
            if (value instanceof Obj) {
                out.put(e.getKey(), dump((Obj) value));
            } else if (value instanceof Map || value instanceof List) {
                out.put(e.getKey(), Map.of("", value));
            } else {
                out.put(e.getKey(), value);
            }
        }
        return out;
    }

    /**
     * Replaces one tree with its stored form, as {@link #dump} writes it and Python's {@code MemoryStore.load}
     * reads it (a state store keeps memory so, for either host to take up): object nodes as JSON objects, a
     * map or list value wrapped as {@code {"": value}}.
     *
     * @param memory {@code "short_term"} or {@code "sensory"}
     * @param stored the tree, values already portable (read from JSON); null for an empty tree
     */
    public void load(String memory, Map<?, ?> stored) {
        Obj tree = stored == null ? new Obj() : load(stored);
        if (SHORT_TERM.equals(memory)) {
            shortTerm = tree;
        } else if (SENSORY.equals(memory)) {
            sensory = tree;
        } else {
            root(memory);  // names the unknown memory
        }
    }

    private static Obj load(Map<?, ?> stored) {
        Obj node = new Obj();
        for (Map.Entry<?, ?> e : stored.entrySet()) {
            Object value = e.getValue();
            if (value instanceof Map<?, ?> map) {
                node.put(String.valueOf(e.getKey()), map.containsKey("") ? map.get("") : load(map));
            } else {
                node.put(String.valueOf(e.getKey()), value);
            }
        }
        return node;
    }

    /**
     * Returns one tree as plain nested maps (objects and map values alike), for reports and tests.
     *
     * @param memory {@code "short_term"} or {@code "sensory"}
     * @return a copy of the tree
     */
    public Map<String, Object> plain(String memory) {
        @SuppressWarnings("unchecked")
        Map<String, Object> copy = (Map<String, Object>) PortableValues.copy("memory", "", new LinkedHashMap<>(root(memory)));
        return copy;
    }

    private static String write(Object value) {
        try {
            return Json.mapper().writeValueAsString(value);
        } catch (JsonProcessingException e) {
            throw new BridgeException("cannot write a memory read as JSON: " + e.getOriginalMessage(), e);
        }
    }
}

package dev.bridge.runtime;

import dev.bridge.api.BridgeException;
import dev.bridge.api.MemoryPathException;
import java.util.Arrays;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * One memory ({@code short_term} or {@code sensory}) as one attempt of an action sees it: the host's
 * committed state with this attempt's writes layered on top, plus the log of those writes.
 *
 * <p>Writes never call the host; reads call it at most once per path and attempt. The memory rules are
 * Python's ({@code bridge/runtime/_memory.py}), held to by the shared case files in {@code tests/contract/memory}:
 * no write under a value, no value over an object, {@code newObject} keeps an existing object and replaces a
 * value (null included) only with {@code overwrite}.
 */
final class MemoryOverlay {
    private final String memory;
    private final HostAccess host;
    private final List<List<Object>> updates;
    /** This attempt's writes by full path, including the parent objects they created. */
    private final Map<String, Node> written = new LinkedHashMap<>();
    private final Map<String, Node> hostReads = new HashMap<>();
    /** Paths this attempt had to ask the host for: the host sends them with the next invoke instead. */
    private final List<String> asked = new ArrayList<>();

    private final Runnable guard;

    MemoryOverlay(String memory, HostAccess host, List<List<Object>> updates) {
        this(memory, host, updates, () -> { });
    }

    /** An overlay whose every read and write first runs {@code guard} (the attempt's owner-thread check). */
    MemoryOverlay(String memory, HostAccess host, List<List<Object>> updates, Runnable guard) {
        this.memory = memory;
        this.host = host;
        this.updates = updates;
        this.guard = guard;
    }

    /** Returns the node at a full path: this attempt's write when there is one, the host's otherwise. */
    Node lookup(String path) {
        guard.run();
        if (path.isEmpty()) {
            return Node.OBJECT_KEPT;
        }
        Node mine = attemptView(path);
        return mine != null ? mine : readHost(path);
    }

    /**
     * Returns what this attempt's writes say about a full path: its own node, {@link Node#ABSENT} when a
     * write above it hides the host's subtree, or null when only the host knows.
     */
    private Node attemptView(String path) {
        boolean hostHidden = false;
        for (int dot = path.indexOf('.'); dot >= 0; dot = path.indexOf('.', dot + 1)) {
            Node ancestor = written.get(path.substring(0, dot));
            if (ancestor != null && ancestor.kind == Kind.VALUE) {
                return Node.ABSENT;
            }
            hostHidden |= ancestor != null && ancestor.replacesHost;
        }
        Node own = written.get(path);
        if (own != null) {
            return own;
        }
        return hostHidden ? Node.ABSENT : null;
    }

    /** Returns the direct field names of the object at a full path; empty when it is not an object. */
    List<String> fieldNames(String path) {
        Node node = lookup(path);
        if (node.kind != Kind.OBJECT) {
            return Collections.emptyList();
        }
        Set<String> names = new LinkedHashSet<>();
        if (!hostHiddenAt(path)) {
            Node committed = readHost(path);
            if (committed.kind == Kind.OBJECT) {
                names.addAll(committed.fields);
            }
        }
        String prefix = path.isEmpty() ? "" : path + ".";
        for (String key : written.keySet()) {
            if (key.startsWith(prefix) && key.indexOf('.', prefix.length()) < 0) {
                names.add(key.substring(prefix.length()));
            }
        }
        return new ArrayList<>(names);
    }

    /** Records a value (already checked and copied) at a full path; refuses to replace an object. */
    void set(String path, Object value) {
        guard.run();
        checkParents(path);
        if (kindAt(path) == Kind.OBJECT) {
            throw new MemoryPathException("memory path '" + memory + "." + path + "' holds an object, which a value"
                    + " cannot replace (set its fields instead, or write the value at another path)");
        }
        replace(path, Node.value(value));
        updates.add(Arrays.asList(memory, "set", path, value));
    }

    /** Makes the full path an object node unless it already is one; a value is replaced only with overwrite. */
    void newObject(String path, boolean overwrite) {
        guard.run();
        checkParents(path);
        Kind current = kindAt(path);
        if (current == Kind.OBJECT) {
            return;
        }
        if (current == Kind.VALUE && !overwrite) {
            throw new MemoryPathException("memory path '" + memory + "." + path + "' holds a value; newObject(path,"
                    + " true) replaces it with an empty object");
        }
        replace(path, Node.OBJECT_NEW);
        updates.add(Arrays.asList(memory, "new_object", path, current == Kind.VALUE ? Boolean.TRUE : null));
    }

    /** Refuses a write below a value: the value would be lost. */
    private void checkParents(String path) {
        for (int dot = path.indexOf('.'); dot >= 0; dot = path.indexOf('.', dot + 1)) {
            String parent = path.substring(0, dot);
            Kind kind = kindAt(parent);
            if (kind == Kind.VALUE) {
                throw new MemoryPathException("memory path '" + memory + "." + parent + "' holds a value, not an"
                        + " object, so '" + path + "' cannot be written under it (the value would be lost);"
                        + " newObject(path, true) replaces the value first");
            }
            if (kind == Kind.ABSENT) {
                return; // nothing below an absent node exists, so no value can be in the way
            }
        }
    }

    /**
     * Returns what is at a full path, for the write rules. Cheaper than {@link #lookup}: when the parent's
     * committed listing was read already (it says which fields exist and which are objects), the host is
     * not called again, so writing many fields of one object costs one host read.
     */
    private Kind kindAt(String path) {
        Node mine = attemptView(path);
        if (mine != null) {
            return mine.kind;
        }
        Node cached = hostReads.get(path);
        if (cached != null) {
            return cached.kind;
        }
        int dot = path.lastIndexOf('.');
        Node parent = hostReads.get(dot < 0 ? "" : path.substring(0, dot));
        if (parent != null && parent.kind == Kind.OBJECT) {
            String leaf = path.substring(dot + 1);
            return !parent.fields.contains(leaf) ? Kind.ABSENT
                    : parent.objects.contains(leaf) ? Kind.OBJECT : Kind.VALUE;
        }
        if (parent != null) {
            return Kind.ABSENT;
        }
        return readHost(path).kind;
    }

    private void replace(String path, Node node) {
        String below = path + ".";
        written.keySet().removeIf(key -> key.startsWith(below));
        for (int dot = path.indexOf('.'); dot >= 0; dot = path.indexOf('.', dot + 1)) {
            String parent = path.substring(0, dot);
            Node existing = written.get(parent);
            if (existing == null) {
                written.put(parent, Node.OBJECT_KEPT);
            } else if (existing.kind == Kind.VALUE) {
                written.put(parent, Node.OBJECT_NEW);
            }
        }
        written.put(path, node);
    }

    private boolean hostHiddenAt(String path) {
        if (path.isEmpty()) {
            return false;
        }
        for (int end = path.indexOf('.'); ; end = path.indexOf('.', end + 1)) {
            Node node = written.get(end < 0 ? path : path.substring(0, end));
            if (node != null && node.replacesHost) {
                return true;
            }
            if (end < 0) {
                return false;
            }
        }
    }

    /**
     * Takes committed reads the host sent with the invoke ({@code {path: null | {"v"} | {"o", "n"}}}, what
     * {@link HostAccess#readMemory} would answer now): each saves a call back to the host.
     */
    void seed(Map<?, ?> known) {
        for (Map.Entry<?, ?> entry : known.entrySet()) {
            String path = String.valueOf(entry.getKey());
            hostReads.put(path, parseHostNode(path, entry.getValue(), null));
        }
    }

    /** Returns the paths this attempt read through a call back to the host. */
    List<String> asked() {
        return asked;
    }

    private Node readHost(String path) {
        Node cached = hostReads.get(path);
        if (cached == null) {
            String json = host.readMemory(memory, path);
            Object parsed;
            try {
                parsed = json == null ? null : PortableValues.fromJson(json);
            } catch (BridgeException e) {
                throw new BridgeException(unexpected(path, json), e);
            }
            cached = parseHostNode(path, parsed, json);
            hostReads.put(path, cached);
            asked.add(path);
        }
        return cached;
    }

    private Node parseHostNode(String path, Object parsed, String json) {
        if (parsed == null) {
            return Node.ABSENT;
        }
        if (parsed instanceof Map && !((Map<?, ?>) parsed).isEmpty() && ((Map<?, ?>) parsed).size() <= 2) {
            Map<?, ?> map = (Map<?, ?>) parsed;
            if (map.containsKey("v")) {
                return Node.value(map.get("v"));
            }
            if (map.get("o") instanceof List) {
                List<String> fields = new ArrayList<>();
                for (Object field : (List<?>) map.get("o")) {
                    fields.add(String.valueOf(field));
                }
                Set<String> objects = new HashSet<>();
                if (map.get("n") instanceof List) {
                    for (Object field : (List<?>) map.get("n")) {
                        objects.add(String.valueOf(field));
                    }
                }
                return new Node(Kind.OBJECT, null, fields, objects, false);
            }
        }
        throw new BridgeException(unexpected(path, json != null ? json : String.valueOf(parsed)));
    }

    private String unexpected(String path, String json) {
        return "host readMemory('" + memory + "', '" + path + "') returned " + PortableValues.abbreviate(json)
                + "; expected null, {\"v\": value} or {\"o\": [fields], \"n\": [object fields]}";
    }

    enum Kind { ABSENT, VALUE, OBJECT }

    /** A memory node; {@code replacesHost} marks an object written here that hides the host's subtree. */
    static final class Node {
        static final Node ABSENT = new Node(Kind.ABSENT, null, List.of(), Set.of(), false);
        static final Node OBJECT_KEPT = new Node(Kind.OBJECT, null, List.of(), Set.of(), false);
        static final Node OBJECT_NEW = new Node(Kind.OBJECT, null, List.of(), Set.of(), true);

        final Kind kind;
        final Object value;
        /** An object's committed field names, and which of them are objects (the rest are values). */
        final List<String> fields;
        final Set<String> objects;
        final boolean replacesHost;

        private Node(Kind kind, Object value, List<String> fields, Set<String> objects, boolean replacesHost) {
            this.kind = kind;
            this.value = value;
            this.fields = fields;
            this.objects = objects;
            this.replacesHost = replacesHost;
        }

        static Node value(Object value) {
            return new Node(Kind.VALUE, value, List.of(), Set.of(), true);
        }
    }
}

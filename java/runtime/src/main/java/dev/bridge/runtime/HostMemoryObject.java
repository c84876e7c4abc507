package dev.bridge.runtime;

import dev.bridge.api.MemoryPathException;
import dev.bridge.api.MemoryObject;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** A {@link MemoryObject} view of one node (a path prefix) of a {@link MemoryOverlay}. */
final class HostMemoryObject implements MemoryObject {
    private final MemoryOverlay overlay;
    private final String prefix;

    HostMemoryObject(MemoryOverlay overlay, String prefix) {
        this.overlay = overlay;
        this.prefix = prefix;
    }

    @Override
    public Object get(String path) {
        String full = fullPath(path);
        MemoryOverlay.Node node = overlay.lookup(full);
        switch (node.kind) {
            case OBJECT:
                return new HostMemoryObject(overlay, full);
            case VALUE:
                return PortableValues.copy("memory path", full, node.value);
            default:
                return null;
        }
    }

    @Override
    public void set(String path, Object value) {
        String full = fullPath(path);
        overlay.set(full, PortableValues.copy("memory path", full, value));
    }

    @Override
    public MemoryObject newObject(String path, boolean overwrite) {
        String full = fullPath(path);
        overlay.newObject(full, overwrite);
        return new HostMemoryObject(overlay, full);
    }

    @Override
    public boolean isExist(String path) {
        return overlay.lookup(fullPath(path)).kind != MemoryOverlay.Kind.ABSENT;
    }

    @Override
    public List<String> getFieldNames() {
        return overlay.fieldNames(prefix);
    }

    @Override
    public Map<String, Object> getFields() {
        Map<String, Object> fields = new LinkedHashMap<>();
        for (String name : getFieldNames()) {
            fields.put(name, get(name));
        }
        return fields;
    }

    @Override
    public String toString() {
        return "MemoryObject{" + (prefix.isEmpty() ? "<root>" : prefix) + "}";
    }

    private String fullPath(String path) {
        if (path == null || path.isEmpty() || path.startsWith(".") || path.endsWith(".") || path.contains("..")) {
            throw new MemoryPathException("invalid memory path '" + path + "'" + (prefix.isEmpty() ? "" : " below '"
                    + prefix + "'") + ": use dot-separated, non-empty names such as 'orders.o-1' (no empty, leading"
                    + " or trailing segments)");
        }
        return prefix.isEmpty() ? path : prefix + "." + path;
    }
}

package dev.bridge.api;

import java.util.List;
import java.util.Map;

/**
 * A node of an agent's memory: a tree of objects whose leaves are portable values.
 *
 * <p>Paths are dotted ({@code "orders.o-1.decision"}) and relative to this node. A write is visible to
 * later reads of the same action at once and to other actions when this one finishes.
 */
public interface MemoryObject {
    /**
     * Reads a field.
     *
     * @param path dotted path relative to this node
     * @return a {@link MemoryObject} for an object node, the plain value otherwise (Map, List, Long or
     *     Integer, Double, String, Boolean, byte[]), or null when absent
     */
    Object get(String path);

    /**
     * Writes a value, creating missing parent objects; whatever was at the path (a value or an object)
     * is replaced.
     *
     * @param path dotted path relative to this node
     * @param value a portable value (null, Boolean, integers, Float/Double, String, byte[], List, Map with
     *     String keys)
     * @throws BridgeException naming the full path and the offending class when the value is not portable
     */
    void set(String path, Object value);

    /**
     * Creates an empty object node, creating missing parents; an existing object is kept as is.
     *
     * @param path dotted path relative to this node
     * @param overwrite whether an existing value at the path may be replaced by the new object
     * @return the object node
     * @throws BridgeException when a value is at the path and overwrite is false
     */
    MemoryObject newObject(String path, boolean overwrite);

    /**
     * Tells whether a field exists (a field explicitly set to null exists).
     *
     * @param path dotted path relative to this node
     * @return true when there is a value or an object at the path
     */
    boolean isExist(String path);

    /** Returns the names of this node's direct fields, in insertion order. */
    List<String> getFieldNames();

    /** Returns this node's direct fields: values as plain Java, object nodes as {@link MemoryObject}. */
    Map<String, Object> getFields();
}

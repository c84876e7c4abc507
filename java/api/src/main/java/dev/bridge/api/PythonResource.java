package dev.bridge.api;

/**
 * A resource that lives in Python, reached through a proxy the Python host implements.
 *
 * <p>Arguments and results cross as JSON text so that only portable values travel.
 */
public interface PythonResource extends Resource {
    /**
     * Calls a method of the Python resource.
     *
     * @param method the method name
     * @param argsJson a JSON object of keyword arguments
     * @return the result as JSON
     */
    String invoke(String method, String argsJson);
}

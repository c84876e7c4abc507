package dev.bridge.models;

import dev.bridge.api.BridgeException;
import java.util.Map;

/** Reading plan arguments of the model resources: each refusal names the resource and the argument. */
final class Arguments {
    private Arguments() {
    }

    static String text(Map<String, Object> args, String name, String fallback, String where) {
        Object value = args.get(name);
        if (value == null) {
            return fallback;
        }
        if (!(value instanceof String)) {
            // the class only: the value may be a key
            throw new BridgeException(where + ": '" + name + "' must be a string, not " + value.getClass().getSimpleName());
        }
        return (String) value;
    }

    static Number number(Map<String, Object> args, String name, Number fallback, String where) {
        Object value = args.get(name);
        if (value == null) {
            return fallback;
        }
        if (!(value instanceof Number) || value instanceof Double d && (d.isNaN() || d.isInfinite())) {
            throw new BridgeException(where + ": '" + name + "' must be a number, not " + value);
        }
        return (Number) value;
    }
}

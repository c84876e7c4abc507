package dev.bridge.runtime;

import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * Holds the one Jackson {@link ObjectMapper} of the project.
 *
 * <p>It writes {@code byte[]} as {@code {"$bytes": "<base64>"}} and reads untyped JSON into portable
 * values (see {@link PortableValues}), so every crossing encodes values the same way.
 */
public final class Json {
    private static final ObjectMapper MAPPER = new ObjectMapper().registerModule(PortableValues.jacksonModule());

    private Json() {
    }

    /** Returns the shared mapper; configure nothing on it. */
    public static ObjectMapper mapper() {
        return MAPPER;
    }
}

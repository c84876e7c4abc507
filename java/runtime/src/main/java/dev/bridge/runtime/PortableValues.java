package dev.bridge.runtime;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.DeserializationContext;
import com.fasterxml.jackson.databind.SerializerProvider;
import com.fasterxml.jackson.databind.deser.std.StdDeserializer;
import com.fasterxml.jackson.databind.module.SimpleModule;
import com.fasterxml.jackson.databind.ser.std.StdSerializer;
import dev.bridge.api.BridgeException;
import dev.bridge.api.ValueContractException;
import java.io.IOException;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The one place that defines and converts portable values, the values that may cross to Python.
 *
 * <p>Portable: null, Boolean, Integer, Long, Short, Byte, BigInteger, finite Float and Double, String (valid
 * UTF-16: no lone surrogates), byte[], List and Map with String keys of portable values. NaN and infinities
 * are refused, as in Python: JSON has no form for them, and a silent {@code null} or {@code "NaN"} is worse
 * than an error naming the path. In JSON, {@code byte[]} is {@code {"$bytes": "<standard
 * base64>"}} and such a one-key object reads back as {@code byte[]}; integers read back as Integer, Long
 * or BigInteger by size, decimals as Double.
 */
public final class PortableValues {
    static final String BYTES_KEY = "$bytes";
    private static final String ALLOWED =
            "allowed: null, Boolean, Integer, Long, Short, Byte, BigInteger, Float, Double, String, byte[],"
                    + " List, Map with String keys";

    private PortableValues() {
    }

    /**
     * Checks that a memory value is portable, all the way down.
     *
     * @param path the full dotted memory path of the value, used in the message
     * @param value the value to check
     * @throws BridgeException naming the full path and the offending Java class
     */
    public static void check(String path, Object value) {
        copy("memory path", path, value);
    }

    /**
     * Writes a portable value as JSON.
     *
     * @param value the value
     * @return its JSON text
     * @throws BridgeException when the value is not portable
     */
    public static String toJson(Object value) {
        copy("value", "", value);
        try {
            return Json.mapper().writeValueAsString(value);
        } catch (JsonProcessingException e) {
            throw new BridgeException("cannot write portable value as JSON: " + e.getOriginalMessage(), e);
        }
    }

    /**
     * Reads JSON into a portable value.
     *
     * @param json JSON text
     * @return Map, List, String, Boolean, Integer/Long/BigInteger, Double, byte[] or null
     * @throws BridgeException when the text is not JSON
     */
    public static Object fromJson(String json) {
        try {
            return Json.mapper().readValue(json, Object.class);
        } catch (JsonProcessingException e) {
            throw new BridgeException("not valid JSON: " + e.getOriginalMessage() + " in " + abbreviate(json), e);
        }
    }

    /**
     * Checks a value and returns a deep copy of its lists and maps, so later changes by the caller do
     * not leak into what was recorded.
     *
     * @param where what the value is, e.g. {@code "memory path"} or {@code "event 'x' attribute"}
     * @param path the dotted path of the value below {@code where}
     */
    static Object copy(String where, String path, Object value) {
        if (value instanceof String) {
            checkText(where, path, (String) value);
            return value;
        }
        if (value instanceof Double || value instanceof Float) {
            double d = ((Number) value).doubleValue();
            if (Double.isNaN(d) || Double.isInfinite(d)) {
                throw new ValueContractException(describe(where, path) + ": " + className(value) + " " + value
                        + " is not a portable value (JSON has no NaN or infinity; store null or a string if you"
                        + " mean it)");
            }
            return value;
        }
        if (value == null || value instanceof Boolean || value instanceof Integer
                || value instanceof Long || value instanceof Short || value instanceof Byte
                || value instanceof BigInteger) {
            return value;
        }
        if (value instanceof byte[]) {
            return ((byte[]) value).clone();
        }
        if (value instanceof List) {
            List<?> list = (List<?>) value;
            List<Object> out = new ArrayList<>(list.size());
            for (int i = 0; i < list.size(); i++) {
                out.add(copy(where, path + "[" + i + "]", list.get(i)));
            }
            return out;
        }
        if (value instanceof Map) {
            Map<?, ?> map = (Map<?, ?>) value;
            Map<String, Object> out = new LinkedHashMap<>();
            for (Map.Entry<?, ?> entry : map.entrySet()) {
                if (!(entry.getKey() instanceof String)) {
                    throw new ValueContractException(describe(where, path) + ": map key " + entry.getKey() + " is a "
                            + className(entry.getKey()) + ", not a String (" + ALLOWED + ")");
                }
                String key = (String) entry.getKey();
                checkText(where, path.isEmpty() ? "key" : path + " key", key);
                out.put(key, copy(where, path.isEmpty() ? key : path + "." + key, entry.getValue()));
            }
            return out;
        }
        throw new ValueContractException(
                describe(where, path) + ": " + className(value) + " is not a portable value (" + ALLOWED + ")");
    }

    /** Refuses a lone surrogate: such a string has no UTF-8 form, so it cannot cross to Python intact. */
    private static void checkText(String where, String path, String text) {
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (Character.isHighSurrogate(c) && i + 1 < text.length() && Character.isLowSurrogate(text.charAt(i + 1))) {
                i++;
            } else if (Character.isSurrogate(c)) {
                throw new ValueContractException(describe(where, path) + ": String with a lone surrogate is not a"
                        + " portable value (char " + i + " is U+" + String.format("%04X", (int) c)
                        + ", half of a UTF-16 pair; fix the text where it was decoded)");
            }
        }
    }

    /** Returns the Jackson module that gives the shared mapper the byte[] encoding and untyped reading. */
    static SimpleModule jacksonModule() {
        SimpleModule module = new SimpleModule("bridge-portable-values");
        module.addSerializer(byte[].class, new BytesSerializer());
        module.addDeserializer(Object.class, new PortableDeserializer());
        return module;
    }

    static String abbreviate(String text) {
        if (text == null) {
            return "null";
        }
        return text.length() <= 200 ? text : text.substring(0, 200) + "...";
    }

    private static String describe(String where, String path) {
        return path.isEmpty() ? where : where + " '" + path + "'";
    }

    private static String className(Object value) {
        return value == null ? "null" : value.getClass().getName();
    }

    private static final class BytesSerializer extends StdSerializer<byte[]> {
        private static final long serialVersionUID = 1L;

        BytesSerializer() {
            super(byte[].class);
        }

        @Override
        public void serialize(byte[] value, JsonGenerator gen, SerializerProvider provider) throws IOException {
            gen.writeStartObject();
            gen.writeStringField(BYTES_KEY, Base64.getEncoder().encodeToString(value));
            gen.writeEndObject();
        }
    }

    /** Reads any JSON into plain Java, turning one-key {@code $bytes} objects into byte[]. */
    private static final class PortableDeserializer extends StdDeserializer<Object> {
        private static final long serialVersionUID = 1L;

        PortableDeserializer() {
            super(Object.class);
        }

        @Override
        public Object deserialize(JsonParser p, DeserializationContext ctxt) throws IOException {
            return read(p, ctxt, p.currentToken());
        }

        private Object read(JsonParser p, DeserializationContext ctxt, JsonToken token) throws IOException {
            switch (token) {
                case START_OBJECT:
                case FIELD_NAME:
                    return readObject(p, ctxt, token);
                case START_ARRAY:
                    List<Object> list = new ArrayList<>();
                    for (JsonToken t = p.nextToken(); t != JsonToken.END_ARRAY; t = p.nextToken()) {
                        list.add(read(p, ctxt, t));
                    }
                    return list;
                case VALUE_STRING:
                    return p.getText();
                case VALUE_NUMBER_INT:
                    return p.getNumberValue();
                case VALUE_NUMBER_FLOAT:
                    return p.getDoubleValue();
                case VALUE_TRUE:
                    return Boolean.TRUE;
                case VALUE_FALSE:
                    return Boolean.FALSE;
                case VALUE_NULL:
                    return null;
                case VALUE_EMBEDDED_OBJECT:
                    return p.getEmbeddedObject();
                default:
                    return ctxt.handleUnexpectedToken(Object.class, p);
            }
        }

        private Object readObject(JsonParser p, DeserializationContext ctxt, JsonToken token) throws IOException {
            Map<String, Object> map = new LinkedHashMap<>();
            JsonToken t = token == JsonToken.START_OBJECT ? p.nextToken() : token;
            for (; t == JsonToken.FIELD_NAME; t = p.nextToken()) {
                String name = p.currentName();
                map.put(name, read(p, ctxt, p.nextToken()));
            }
            if (map.size() == 1 && map.get(BYTES_KEY) instanceof String) {
                try {
                    return Base64.getDecoder().decode((String) map.get(BYTES_KEY));
                } catch (IllegalArgumentException e) {
                    return ctxt.handleWeirdStringValue(byte[].class, (String) map.get(BYTES_KEY),
                            "'%s' is not standard base64", BYTES_KEY);
                }
            }
            return map;
        }
    }
}

package dev.bridge.flink;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.io.JsonStringEncoder;
import com.fasterxml.jackson.core.io.NumberOutput;
import java.io.IOException;
import java.util.Base64;
import org.apache.flink.api.common.functions.MapFunction;
import org.apache.flink.types.Row;

/**
 * The Flink key of each JSONL input line of a {@code bridge flink run} job, read in the TaskManager's JVM.
 *
 * <p>Maps a line to {@code Row(key, line)}, the shape PyFlink's keyed Python operator takes after its own
 * {@code key_by}: keyed here, a line crosses into the Python worker once (PyFlink's {@code key_by} runs a Python
 * operator of its own first, which sends every line through the worker twice).
 *
 * <p>The key is the JSON text of the line's top-level {@code "key"} (a string, a number, true/false or null),
 * written one way for equal keys: integers as exact decimal digits ({@code -0} is {@code 0}), other numbers as
 * the double they denote, in its shortest form whatever the JDK ({@code 1.50} and {@code 1.5} are one key,
 * {@code 1} and {@code 1.0} two, as under {@code bridge run}), bytes ({@code {"$bytes": base64}}) as their
 * canonical base64. Python reads the text back as the key's value. A line this cannot key (not JSON, not an
 * object, no key, a key that is an array or another object, base64 that is not canonical, a lone UTF-16
 * surrogate) gets {@code ""}, which no key's text is: the keyed function parses every line again and reports such
 * lines as bridge run does. No size limit of Jackson's applies: Python's parser has none of them.
 */
public final class KeyLines implements MapFunction<String, Row> {
    private static final long serialVersionUID = 1L;
    private static final JsonFactory JSON = JsonFactory.builder()
            .streamReadConstraints(StreamReadConstraints.builder()
                    .maxNumberLength(Integer.MAX_VALUE)
                    .maxStringLength(Integer.MAX_VALUE)
                    .maxNameLength(Integer.MAX_VALUE)
                    .maxNestingDepth(Integer.MAX_VALUE)
                    .build())
            .build();
    private static final String BYTES_TAG = "$bytes";

    /** The key that marks a line this cannot key. */
    public static final String NO_KEY = "";

    @Override
    public Row map(String line) {
        return Row.of(keyOf(line), line);
    }

    /** The key's JSON text of {@code line}, or {@link #NO_KEY}. */
    public static String keyOf(String line) {
        try (JsonParser parser = JSON.createParser(line)) {
            if (parser.nextToken() != JsonToken.START_OBJECT) {
                return NO_KEY;
            }
            String key = NO_KEY;
            JsonToken token;
            while ((token = parser.nextToken()) == JsonToken.FIELD_NAME) {
                boolean isKey = "key".equals(parser.currentName());
                JsonToken value = parser.nextToken();
                if (isKey) {
                    key = scalar(parser, value); // the last "key" wins, as in Python's parsers
                } else {
                    parser.skipChildren();
                }
            }
            return token == JsonToken.END_OBJECT ? key : NO_KEY;
        } catch (IOException | RuntimeException e) {
            return NO_KEY;
        }
    }

    private static String scalar(JsonParser parser, JsonToken value) throws IOException {
        switch (value) {
            case VALUE_STRING:
                String text = parser.getText();
                return hasLoneSurrogate(text) ? NO_KEY : '"' + new String(JsonStringEncoder.getInstance().quoteAsString(text)) + '"';
            case VALUE_NUMBER_INT:
                return parser.getBigIntegerValue().toString();
            case VALUE_NUMBER_FLOAT:
                // Python refuses a key beyond double's range; Double.toString's digits vary with the JDK before 19
                return NumberOutput.toString(parser.getDoubleValue(), true);
            case VALUE_TRUE:
                return "true";
            case VALUE_FALSE:
                return "false";
            case VALUE_NULL:
                return "null";
            case START_OBJECT:
                return bytes(parser);
            default:
                parser.skipChildren();
                return NO_KEY; // an array: a key names one entity
        }
    }

    /**
     * {@code {"$bytes":"<base64>"}} for a key that is bytes written canonically, else {@link #NO_KEY}; reads the
     * object to its end either way. Bytes as Python reads them: one {@code "$bytes"} member holding a string (the
     * last one, when the member repeats).
     */
    private static String bytes(JsonParser parser) throws IOException {
        String text = null;
        boolean other = false;
        while (parser.nextToken() == JsonToken.FIELD_NAME) {
            boolean tag = BYTES_TAG.equals(parser.currentName());
            JsonToken value = parser.nextToken();
            if (tag) {
                text = value == JsonToken.VALUE_STRING ? parser.getText() : null;
            } else {
                other = true; // an object, not bytes
            }
            parser.skipChildren();
        }
        if (other || text == null) {
            return NO_KEY;
        }
        try {
            // One text per value: equal bytes written two ways would be two Flink keys of one bridge key.
            return Base64.getEncoder().encodeToString(Base64.getDecoder().decode(text)).equals(text)
                    ? "{\"" + BYTES_TAG + "\":\"" + text + "\"}" : NO_KEY;
        } catch (IllegalArgumentException notBase64) {
            return NO_KEY;
        }
    }

    private static boolean hasLoneSurrogate(String text) {
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (Character.isHighSurrogate(c) && i + 1 < text.length() && Character.isLowSurrogate(text.charAt(i + 1))) {
                i++;
            } else if (Character.isSurrogate(c)) {
                return true;
            }
        }
        return false;
    }
}

package dev.bridge.flink;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.io.JsonStringEncoder;
import java.io.IOException;
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
 * the double they denote ({@code 1.50} and {@code 1.5} are one key, {@code 1} and {@code 1.0} two, as under
 * {@code bridge run}). Python reads the text back as the key's value. A line this cannot key (not JSON, not an
 * object, no key, a key that is an array or an object, a lone UTF-16 surrogate) gets {@code ""}, which no key's
 * text is: the keyed function parses every line again and reports such lines as bridge run does.
 */
public final class KeyLines implements MapFunction<String, Row> {
    private static final long serialVersionUID = 1L;
    private static final JsonFactory JSON = JsonFactory.builder().build();

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
                return Double.toString(parser.getDoubleValue()); // Python refuses a key beyond double's range
            case VALUE_TRUE:
                return "true";
            case VALUE_FALSE:
                return "false";
            case VALUE_NULL:
                return "null";
            default:
                return NO_KEY; // an array or an object: a key names one entity
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

package dev.bridge.flink;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.apache.flink.types.Row;
import org.junit.jupiter.api.Test;

class KeyLinesTest {
    /** The Flink key of a line whose key is written {@code key}. */
    private static String keyed(String key) {
        return KeyLines.keyOf("{\"key\": " + key + ", \"input\": 1}");
    }

    @Test
    void equalKeysGetOneTextAndDifferentKindsStayApart() {
        assertEquals("\"a\"", keyed("\"a\""));
        assertEquals("\"a\"", KeyLines.keyOf("{\"input\": {\"key\": \"b\", \"x\": [1, {\"key\": 2}]}, \"key\":\"a\"}"));
        assertEquals("1", keyed("1"));
        assertEquals("0", keyed("-0"));
        assertEquals("1.0", keyed("1.0"));
        assertEquals("1.5", keyed("1.50"));
        assertEquals("1.0E20", keyed("1e20"));
        assertEquals("true", keyed("true"));
        assertEquals("null", keyed("null"));
        assertEquals("123456789012345678901234567890", keyed("123456789012345678901234567890"));
    }

    @Test
    void stringKeysAreWrittenAsJson() {
        assertEquals("\"\\\"q\\\\ \\n é 😀\"", keyed("\"\\\"q\\\\ \\n \\u00e9 \\ud83d\\ude00\""));
        assertEquals("\"last\"", KeyLines.keyOf("{\"key\": \"first\", \"key\": \"last\", \"input\": 1}"));
    }

    @Test
    void floatsGetTheirShortestTextOnEveryJdk() {
        // JDK 17's Double.toString writes 1.61304845894623136E17 here; JDK 19 and later the shortest digits.
        assertEquals("-1.6130484589462314E17", keyed("-1.6130484589462314e17"));
        assertEquals("-0.0", keyed("-0.0"));
    }

    @Test
    void bytesKeysAreKeyedByTheirCanonicalBase64() {
        assertEquals("{\"$bytes\":\"AQI=\"}", keyed("{\"$bytes\": \"AQI=\"}"));
        assertEquals("{\"$bytes\":\"AQI=\"}", keyed("{\"$bytes\": 1, \"$bytes\": \"AQI=\"}"));
        for (String bad : new String[] {"{\"$bytes\": \"AQI\"}", "{\"$bytes\": \"AQ I=\"}", "{\"$bytes\": \"AQI=\", \"x\": 1}",
                "{\"$bytes\": [\"AQI=\"]}", "{\"a\": 1}", "{}"}) {
            assertEquals(KeyLines.NO_KEY, keyed(bad), bad);
        }
        // An object is read to its end: its members are not the line's.
        assertEquals(KeyLines.NO_KEY, keyed("{\"key\": \"a\"}"));
        assertEquals("\"b\"", KeyLines.keyOf("{\"key\": {\"key\": \"a\"}, \"key\": \"b\", \"input\": 1}"));
    }

    @Test
    void noSizeLimitOfJacksonsRefusesALinePythonReads() {
        String digits = "9".repeat(4000);
        String deep = "[".repeat(1500) + "]".repeat(1500);
        String name = "n".repeat(60_000);
        assertEquals(digits, keyed(digits));
        assertEquals("\"k\"", KeyLines.keyOf("{\"key\": \"k\", \"input\": " + deep + "}"));
        assertEquals("\"k\"", KeyLines.keyOf("{\"" + name + "\": 1, \"key\": \"k\", \"input\": 1}"));
    }

    @Test
    void linesWithoutAKeyGetNoKey() {
        for (String bad : new String[] {"", "not json", "[1, 2]", "{\"input\": 1}", "{\"key\": [1], \"input\": 1}",
                "{\"key\": {\"a\": 1}, \"input\": 1}", "{\"key\": \"a\", \"input\": 1", "{\"key\": \"\\ud800\", \"input\": 1}",
                "{\"key\": NaN, \"input\": 1}"}) {
            assertEquals(KeyLines.NO_KEY, KeyLines.keyOf(bad), bad);
        }
    }

    @Test
    void mapsALineToItsKeyAndTheLine() {
        String line = "{\"key\": \"k\", \"input\": 2}";
        assertEquals(Row.of("\"k\"", line), new KeyLines().map(line));
    }
}

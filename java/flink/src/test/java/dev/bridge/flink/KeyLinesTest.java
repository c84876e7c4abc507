package dev.bridge.flink;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.apache.flink.types.Row;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

class KeyLinesTest {
    /** The Flink key of a line whose key is written {@code key}. */
    private static String keyed(String key) {
        return KeyLines.keyOf("{\"key\": " + key + ", \"input\": 1}");
    }

    /** The shared case file pytest runs too (tests/contract/test_key_contract.py): each key's Flink key text. */
    @TestFactory
    List<DynamicTest> keysFollowTheSharedCases() throws IOException {
        Path folder = Path.of("").toAbsolutePath();
        while (!Files.isDirectory(folder.resolve("tests/contract/keys"))) {
            folder = folder.getParent(); // Maven runs this in java/flink; the cases are at the project's root
        }
        JsonNode cases = new ObjectMapper().readTree(folder.resolve("tests/contract/keys/flink_keys.json").toFile());
        List<DynamicTest> tests = new ArrayList<>();
        for (JsonNode c : cases.get("cases")) {
            tests.add(DynamicTest.dynamicTest(c.get("name").asText(),
                    () -> assertEquals(c.get("flink_key").asText(), keyed(c.get("key").asText()))));
        }
        return tests;
    }

    @Test
    void theLastTopLevelKeyCounts() {
        assertEquals("\"a\"", KeyLines.keyOf("{\"input\": {\"key\": \"b\", \"x\": [1, {\"key\": 2}]}, \"key\":\"a\"}"));
        assertEquals("\"last\"", KeyLines.keyOf("{\"key\": \"first\", \"key\": \"last\", \"input\": 1}"));
        assertEquals("{\"$bytes\":\"AQI=\"}", keyed("{\"$bytes\": 1, \"$bytes\": \"AQI=\"}"));
        // An object is read to its end: its members are not the line's.
        assertEquals(KeyLines.NO_KEY, keyed("{\"key\": \"a\"}"));
        assertEquals("\"b\"", KeyLines.keyOf("{\"key\": {\"key\": \"a\"}, \"key\": \"b\", \"input\": 1}"));
    }

    @Test
    void stringKeysAreWrittenAsJson() {
        assertEquals("\"\\\"q\\\\ \\n é 😀\"", keyed("\"\\\"q\\\\ \\n \\u00e9 \\ud83d\\ude00\""));
    }

    @Test
    void bytesInNonCanonicalBase64AreNoKey() {
        for (String bad : new String[] {"{\"$bytes\": \"AQI\"}", "{\"$bytes\": \"AQ I=\"}", "{\"$bytes\": \"AQI=\", \"x\": 1}",
                "{\"$bytes\": [\"AQI=\"]}", "{\"a\": 1}", "{}"}) {
            assertEquals(KeyLines.NO_KEY, keyed(bad), bad);
        }
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

package dev.bridge.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CachedFilesTest {
    private static final String TOKENIZER = "all-minilm-l6-v2-tokenizer.json";

    @TempDir
    Path cache;

    @Test
    void shouldCopyAJarResourceOnceAndReadTheCopyAfterwards() throws Exception {
        Path folder = CachedFiles.copy(cache, "minilm", TOKENIZER);

        assertNotNull(folder);
        Path copy = folder.resolve(TOKENIZER);
        byte[] original = getClass().getClassLoader().getResourceAsStream(TOKENIZER).readAllBytes();
        assertEquals(original.length, Files.size(copy));
        Files.setLastModifiedTime(copy, FileTime.fromMillis(1_000));
        assertEquals(folder, CachedFiles.copy(cache, "minilm", TOKENIZER));
        assertEquals(FileTime.fromMillis(1_000), Files.getLastModifiedTime(copy));
    }

    @Test
    void shouldReplaceACopyCutShort() throws Exception {
        Path folder = CachedFiles.copy(cache, "minilm", TOKENIZER);
        Files.write(folder.resolve(TOKENIZER), new byte[] {1, 2, 3});

        CachedFiles.copy(cache, "minilm", TOKENIZER);

        assertEquals(getClass().getClassLoader().getResourceAsStream(TOKENIZER).readAllBytes().length,
                Files.size(folder.resolve(TOKENIZER)));
        try (var files = Files.list(folder)) {
            assertEquals(1, files.count(), "no temporary file left behind");
        }
    }

    @Test
    void shouldGiveNothingForAResourceThatIsNotInAJarOrNotThere() {
        // Test classes are a folder on the classpath, not a jar: the caller reads such a resource itself.
        assertNull(CachedFiles.copy(cache, "x", "dev/bridge/examples/CachedFilesTest.class"));
        assertNull(CachedFiles.copy(cache, "x", "no/such/resource.bin"));
    }
}

package dev.bridge.runtime;

import static org.junit.jupiter.api.Assertions.fail;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import org.junit.jupiter.api.Assumptions;

/** Finds {@code <project root>/../shared}; skips the test when it is absent, unless {@code CI=true}. */
final class SharedFixtures {
    private SharedFixtures() {
    }

    /** Returns a folder below the shared folder, or skips (fails on CI) when it is missing. */
    static Path require(String relative) {
        Path root = projectRoot();
        Path folder = root.getParent().resolve("shared").resolve(relative).normalize();
        if (!Files.isDirectory(folder)) {
            String message = "shared fixtures missing: " + folder + " (expected <project root>/../shared/" + relative
                    + ", project root " + root + ")";
            if ("true".equals(System.getenv("CI"))) {
                fail(message);
            }
            Assumptions.assumeTrue(false, message);
        }
        return folder;
    }

    /** Walks up from the module folder to the folder holding {@code java/} and {@code pom.xml}. */
    static Path projectRoot() {
        Path start = Paths.get("").toAbsolutePath();
        for (Path dir = start; dir != null; dir = dir.getParent()) {
            if (Files.isDirectory(dir.resolve("java")) && Files.isRegularFile(dir.resolve("pom.xml"))) {
                return dir;
            }
        }
        throw new IllegalStateException("no project root (a folder with java/ and pom.xml) above " + start);
    }
}

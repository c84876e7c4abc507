package dev.bridge.runtime;

import static org.junit.jupiter.api.Assertions.assertFalse;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.function.ThrowingConsumer;

/**
 * The shared case files under {@code tests/contract/<kind>/*.json} ({@code {"cases": [..]}}, the ones pytest
 * runs too), one dynamic JUnit test per case, named by file and case name.
 */
public final class ContractCases {
    private ContractCases() {
    }

    /**
     * Returns one test per case of every file in {@code tests/contract/<kind>}; fails when there is none.
     *
     * @param kind the folder below {@code tests/contract}, e.g. {@code "memory"}
     * @param run what each case runs: the parsed case object
     */
    public static Stream<DynamicTest> of(String kind, ThrowingConsumer<Map<?, ?>> run) throws IOException {
        return of(kind, ".json", run);
    }

    /**
     * Returns one test per case of the files in {@code tests/contract/<kind>} whose name ends with
     * {@code suffix}; fails when there is none.
     *
     * @param kind the folder below {@code tests/contract}, e.g. {@code "events"}
     * @param suffix the end of the file names to run, e.g. {@code "agent_events.json"}
     * @param run what each case runs: the parsed case object
     */
    public static Stream<DynamicTest> of(String kind, String suffix, ThrowingConsumer<Map<?, ?>> run)
            throws IOException {
        Path folder = SharedFixtures.projectRoot().resolve("tests/contract").resolve(kind);
        List<DynamicTest> tests = new ArrayList<>();
        try (Stream<Path> files = Files.list(folder)) {
            for (Path file : files.filter(p -> p.getFileName().toString().endsWith(suffix)).sorted().toList()) {
                Map<?, ?> data = (Map<?, ?>) PortableValues.fromJson(Files.readString(file, StandardCharsets.UTF_8));
                for (Object item : (List<?>) data.get("cases")) {
                    Map<?, ?> c = (Map<?, ?>) item;
                    tests.add(DynamicTest.dynamicTest(file.getFileName() + ": " + c.get("name"), () -> run.accept(c)));
                }
            }
        }
        assertFalse(tests.isEmpty(), "no cases in " + folder);
        return tests.stream();
    }
}

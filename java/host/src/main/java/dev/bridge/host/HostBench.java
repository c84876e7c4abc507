package dev.bridge.host;

import dev.bridge.runtime.Json;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Times a plan under the Java host from inside it, for {@code bench/bench_hosts.py}: {@code java -cp
 * "$(bridge classpath)" dev.bridge.host.HostBench PLAN --input IN.jsonl [--setup SETUP.jsonl] [--rounds N]
 * [--warmup SECONDS] [--python PY] [--python-path DIRS]}.
 *
 * <p>The setup inputs run once (to fill memory, say); then the input file runs, unreported, for at least
 * {@code warmup} seconds (the JIT takes tens of thousands of inputs to compile the host's paths), then
 * {@code rounds} times in the same host. Each round prints one JSON line: {@code {"round", "seconds", "inputs", "outputs", "failures", "timings":
 * {"python_start": [nanos, count], ..}}}, the time spent in each kind of crossing as the scheduler measured it.
 * Timings are for benchmarks only; tests never assert them.
 */
public final class HostBench {
    private HostBench() {
    }

    /** Runs the benchmark and prints one JSON line per round. */
    public static void main(String[] args) throws IOException {
        BridgeHost.Builder builder = BridgeHost.builder(Path.of(args[0])).timings(true);
        Path input = null;
        Path setup = null;
        int rounds = 5;
        double warmup = 0;
        for (int i = 1; i + 1 < args.length; i += 2) {
            switch (args[i]) {
                case "--input" -> input = Path.of(args[i + 1]);
                case "--setup" -> setup = Path.of(args[i + 1]);
                case "--rounds" -> rounds = Integer.parseInt(args[i + 1]);
                case "--warmup" -> warmup = Double.parseDouble(args[i + 1]);
                case "--python" -> builder.python(args[i + 1]);
                case "--python-path" -> builder.pythonPath(args[i + 1].split(java.io.File.pathSeparator));
                case "--workers" -> builder.workers(Integer.parseInt(args[i + 1]));
                default -> throw new IllegalArgumentException("unknown option " + args[i]);
            }
        }
        if (input == null) {
            throw new IllegalArgumentException("--input is required");
        }
        List<BridgeHost.Input> inputs = read(input);
        try (BridgeHost host = builder.open()) {
            if (setup != null) {
                BridgeHost.Result result = host.run(read(setup));
                if (!result.ok()) {
                    throw new IllegalStateException("the setup failed: " + result.failures().get(0).line());
                }
            }
            long until = System.nanoTime() + (long) (warmup * 1e9);
            while (System.nanoTime() < until) {
                host.run(inputs);
            }
            host.timings();
            for (int round = 1; round <= rounds; round++) {
                long began = System.nanoTime();
                BridgeHost.Result result = host.run(inputs);
                long elapsed = System.nanoTime() - began;
                Map<String, Object> line = new LinkedHashMap<>();
                line.put("round", round);
                line.put("seconds", elapsed / 1e9);
                line.put("inputs", result.inputs());
                line.put("outputs", result.outputs().size());
                line.put("failures", result.failures().size());
                if (!result.ok()) {
                    line.put("first_failure", result.failures().get(0).line());
                }
                line.put("timings", host.timings());
                System.out.println(Json.mapper().writeValueAsString(line));
                System.out.flush();
            }
        }
        Runtime.getRuntime().halt(0);  // Python worker threads cannot hold the exit
    }

    private static List<BridgeHost.Input> read(Path file) throws IOException {
        List<BridgeHost.Input> inputs = new ArrayList<>();
        for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
            if (!line.isBlank()) {
                Map<String, Object> record = Scheduler.parseMap(line);
                inputs.add(new BridgeHost.Input(record.get("key"), record.get("input")));
            }
        }
        return inputs;
    }
}

package dev.bridge.host;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

/**
 * {@code java -cp "$(bridge classpath)" dev.bridge.host.Main run PLAN --input IN.jsonl [--output OUT.jsonl]
 * [--report REPORT.json] [--state FILE|URL]}: {@code bridge run} under the Java host, with its input and output
 * formats, error lines and exit codes (0 all succeeded, 1 some event failed or bad lines were skipped, 2 the plan,
 * input, output or state cannot be used). Input lines are parsed by Python's own parser, so keys and bad-line
 * messages are the same. With {@code --state} the run is durable as {@code bridge run --state} (see
 * {@link StateLink}): inputs of the file earlier runs took are skipped, and {@code --output} is rebuilt from the
 * state's outputs first. {@code bridge run --host java} starts this as a child process.
 */
public final class Main {
    private static final String USAGE = "usage: java -cp \"$(bridge classpath)\" dev.bridge.host.Main run PLAN"
            + " --input IN.jsonl|- [--output OUT.jsonl] [--report REPORT.json] [--grace SECONDS] [--python PYTHON]"
            + " [--workers N]"
            + " [--max-steps N] [--call-timeout SECONDS] [--allow PREFIX]... [--on-bad-input skip|stop]"
            + " [--state FILE|postgresql://... [--strict] [--force]]";

    /** Most input lines read ahead of the run from standard input. */
    private static final int WINDOW = 4096;

    private Main() {
    }

    /** Runs the command and exits with its code. */
    public static void main(String[] args) {
        int code;
        try {
            code = run(args, System.err);
        } catch (UsageException e) {
            System.err.println("error: " + e.getMessage() + "\n" + USAGE);
            code = 2;
        }
        System.out.flush();
        System.err.flush();
        Runtime.getRuntime().halt(code);  // threads an action left behind cannot hold the exit
    }

    private static final class UsageException extends RuntimeException {
        private static final long serialVersionUID = 1L;

        UsageException(String message) {
            super(message);
        }
    }

    /**
     * Runs {@code run PLAN ...}; returns the exit code.
     *
     * @param args the command line
     * @param err where error lines and the summary go
     * @return 0, 1 or 2 as {@code bridge run}
     */
    static int run(String[] args, PrintStream err) {
        if (args.length < 2 || !"run".equals(args[0])) {
            throw new UsageException(args.length == 0 ? "no command" : "unknown command '" + args[0] + "'");
        }
        Path plan = Path.of(args[1]);
        Path input = null;
        Path output = null;
        Path report = null;
        BridgeHost.Builder builder = BridgeHost.builder(plan);
        boolean stopOnBad = false;
        double grace = 5.0;
        String state = null;
        for (int i = 2; i < args.length; i++) {
            String option = args[i];
            if ("--strict".equals(option)) {  // flags, as bridge run's
                builder.strict(true);
                continue;
            }
            if ("--force".equals(option)) {
                builder.force(true);
                continue;
            }
            if (i + 1 >= args.length) {
                throw new UsageException("option " + option + " needs a value");
            }
            String value = args[++i];
            switch (option) {
                case "--input", "-i" -> input = Path.of(value);
                case "--output", "-o" -> output = Path.of(value);
                case "--report" -> report = Path.of(value);
                case "--state" -> {
                    state = value;
                    builder.state(value);
                }
                case "--python" -> builder.python(value);
                case "--python-path" -> builder.pythonPath(value.split(java.io.File.pathSeparator));
                case "--workers" -> builder.workers(Integer.parseInt(value));
                case "--max-steps" -> builder.maxSteps(Integer.parseInt(value));
                case "--call-timeout" -> builder.callTimeout(Double.parseDouble(value));
                case "--allow" -> builder.allow(value);
                case "--on-bad-input" -> stopOnBad = "stop".equals(value);
                case "--grace" -> grace = Double.parseDouble(value);
                default -> throw new UsageException("unknown option " + option);
            }
        }
        if (input == null) {
            throw new UsageException("--input is required");
        }
        boolean live = "-".equals(input.toString());  // standard input: read as it comes, by a thread of its own
        if (output != null && (output.toAbsolutePath().getParent() == null
                || !Files.isDirectory(output.toAbsolutePath().getParent()))) {
            err.println("error: cannot write " + output + ": the folder " + output.toAbsolutePath().getParent()
                    + " does not exist (create it first, or choose another --output)");
            return 2;
        }
        BufferedReader reader;
        try {
            reader = live ? new BufferedReader(new java.io.InputStreamReader(System.in, StandardCharsets.UTF_8))
                    : Files.newBufferedReader(input, StandardCharsets.UTF_8);
        } catch (IOException e) {
            String why = e instanceof java.nio.file.NoSuchFileException ? "No such file or directory"
                    : e instanceof java.nio.file.AccessDeniedException ? "Permission denied" : e.getMessage();
            err.println("error: " + input + ": cannot read the input: " + why);
            return 2;
        }
        AtomicBoolean ending = new AtomicBoolean();  // the normal end and an abandon: whoever comes first
        AtomicReference<RunOutput> written = new AtomicReference<>();
        AtomicReference<Path> locked = new AtomicReference<>();
        AtomicInteger finished = new AtomicInteger();
        StopOnSignal[] signal = new StopOnSignal[1];
        StopOnSignal signals = new StopOnSignal(grace, code -> abandon(code, ending, written.get(), locked.get(),
                finished.get(), signal[0], err), err);
        signal[0] = signals;
        signals.install();
        BridgeHost host;
        try {
            host = builder.open();
        } catch (RuntimeException e) {
            err.println("error: " + e.getMessage());
            return 2;
        }
        signals.install();  // again: the embedded CPython took SIGINT when it started
        if (output != null) {  // bridge run's lock, through its own code: one run writes an output at a time
            String busy = host.python().cli("lock_output", output.toString());
            if (!busy.isEmpty()) {
                err.println("error: " + busy);
                host.close();
                return 2;
            }
            locked.set(output);
        }
        if (signals.code() != null) {
            err.println("stopped while loading the plan; nothing ran");
            unlock(host, locked.get());
            host.close();
            return signals.code();
        }
        signals.attach(host::requestStop);
        Path temp = null;
        OutputStream out = System.out;
        try {
            if (output != null) {
                temp = state == null ? Files.createTempFile(output.toAbsolutePath().getParent(), "." + output.getFileName(),
                        ".tmp") : stateTemp(output);
                out = Files.newOutputStream(temp);
            }
            InputLines lines = live ? InputLines.live(reader, "<stdin>", host.python(), err, stopOnBad, WINDOW)
                    : new InputLines(reader, input.toString(), host.python(), err, stopOnBad);
            RunOutput sink = new RunOutput(out, temp, output, live && output == null);
            written.set(sink);
            BridgeHost.Listener writer = new BridgeHost.Listener() {
                @Override
                public void output(Object key, Object value) {
                    try {
                        sink.write(key, value);
                    } catch (IOException e) {
                        throw new java.io.UncheckedIOException(e);
                    }
                }

                @Override
                public void inputDone() {
                    finished.incrementAndGet();
                }
            };
            // With a state, the input file is the run's source (by its real path, as bridge run names it): the
            // inputs earlier runs took are skipped, and --output starts with every output the state holds for it.
            // Standard input is "<stdin>", as bridge run names it: a pipe has no positions, every line is new.
            String source = state == null ? null : live ? "<stdin>" : input.toRealPath().toString();
            long taken = source == null || live ? 0 : host.takenBefore(source);
            int earlier = source == null || temp == null ? 0 : host.earlierOutputs(source, writer);
            BridgeHost.Result result = host.run(lines, writer, source);
            signals.finished();
            if (!ending.compareAndSet(false, true)) {
                waitForHalt();  // the run is being abandoned: that thread ends the process
            }
            sink.commit();
            temp = null;
            for (BridgeHost.Failure failure : result.failures()) {
                err.println("error: " + failure.line());
                if (failure.details() != null && !failure.details().isBlank()) {
                    err.println("  " + failure.details().stripTrailing().replace("\n", "\n  "));
                }
            }
            for (String line : host.heldLines(plan)) {
                err.println(line);
            }
            String summary = result.inputs() + " inputs, " + result.outputs().size() + " outputs, "
                    + result.failures().size() + " failed events";
            if (lines.skipped > 0) {
                summary += ", " + lines.skipped + " bad input lines skipped";
            }
            if (taken > 0) {
                summary += "; " + taken + " inputs taken by earlier runs skipped";
            }
            if (earlier > 0) {
                summary += ", their " + earlier + " outputs written again";
            }
            err.println(signals.code() != null ? "stopped by " + signals.name() + ": " + summary : summary);
            if (report != null) {
                Files.write(report, reportBytes(result));
            }
            if (signals.code() != null) {
                return signals.code();
            }
            if (lines.stopped) {
                return 2;
            }
            return result.failures().isEmpty() && lines.skipped == 0 ? 0 : 1;
        } catch (IOException e) {
            err.println("error: " + e.getMessage());
            return 2;
        } catch (Exception e) {  // e.g. the state store failed, or an action raised KeyboardInterrupt: Python's
            // error, through pemja (its PythonException is a checked exception that pemja throws unchecked)
            err.println(errorLine(e));
            RunOutput sink = written.get();  // the outputs so far are still put in place, as bridge run does
            if (sink != null && ending.compareAndSet(false, true)) {
                try {
                    sink.commit();
                    temp = null;
                } catch (IOException ignored) {
                    // the temp file is removed below; the error above is the run's
                }
            }
            return 2;
        } finally {
            if (temp != null) {
                try {
                    Files.deleteIfExists(temp);
                } catch (IOException ignored) {
                    // left beside the output
                }
            }
            unlock(host, locked.get());
            host.close();
        }
    }

    /** Python's exception classes that are not {@code Exception}s: raised by the plan's code, they end the run. */
    private static final java.util.regex.Pattern ENDS_THE_RUN = java.util.regex.Pattern.compile(
            "<class '(KeyboardInterrupt|SystemExit|GeneratorExit|BaseExceptionGroup)'>: ?(.*)",
            java.util.regex.Pattern.DOTALL);

    /**
     * The error line of a run that an exception ended, worded as {@code bridge run} words it: pemja gives Python's
     * exception as {@code <class 'KeyboardInterrupt'>: message}.
     */
    static String errorLine(Exception e) {
        String message = String.valueOf(e.getMessage());
        java.util.regex.Matcher ended = ENDS_THE_RUN.matcher(message);
        if (ended.matches()) {
            return "error: the run was ended by " + ended.group(1) + ": " + ended.group(2) + " raised in the plan's "
                    + "code (raise an ordinary exception to fail one event instead):";
        }
        return "error: " + message;
    }

    private static void waitForHalt() {
        while (true) {
            try {
                Thread.sleep(60_000);
            } catch (InterruptedException ignored) {
                // keep waiting: the abandoning thread halts the JVM
            }
        }
    }

    /** Releases the output's lock (its file removed, as bridge run does). */
    private static void unlock(BridgeHost host, Path output) {
        if (output != null) {
            host.python().cli("unlock_output", output.toString());
        }
    }

    /**
     * The run outlived its grace period (or a second signal came): put in place what was written, print the
     * summary and end the process, as {@code bridge run} does. Called on a signal's thread; never enters Python.
     */
    private static void abandon(int code, AtomicBoolean ending, RunOutput out, Path locked, int finished,
            StopOnSignal signals, PrintStream err) {
        if (!ending.compareAndSet(false, true)) {
            return;  // the normal end came first and is leaving
        }
        int written = 0;
        if (out != null) {
            try {
                out.commit();
            } catch (IOException e) {
                err.println("error: cannot put the output in place: " + e.getMessage());
            }
            written = out.written();
        }
        if (locked != null) {
            try {
                Files.deleteIfExists(locked.resolveSibling(locked.getFileName() + ".lock"));
            } catch (IOException ignored) {
                // the kernel released the lock with the process; only its file is left
            }
        }
        err.println("stopped by " + signals.name() + ": " + finished + " inputs finished, " + written
                + " outputs written; inputs still running were abandoned (raise --grace to give them longer)");
        err.flush();
        System.out.flush();
        Runtime.getRuntime().halt(code);
    }

    /**
     * The temp file of {@code --output} under a state ({@code .<name>.<hex>.state.tmp}, as {@code bridge run}
     * names it), after removing those killed runs left: their lines are all in the state, written again first.
     */
    private static Path stateTemp(Path output) throws IOException {
        Path folder = output.toAbsolutePath().getParent();
        String prefix = "." + output.getFileName() + ".";
        try (java.nio.file.DirectoryStream<Path> left = Files.newDirectoryStream(folder,
                entry -> entry.getFileName().toString().startsWith(prefix)
                        && entry.getFileName().toString().endsWith(".state.tmp"))) {
            for (Path temp : left) {
                Files.deleteIfExists(temp);
            }
        }
        String tag = String.format("%08x", new java.security.SecureRandom().nextInt());
        return Files.createFile(folder.resolve(prefix + tag + ".state.tmp"));
    }

    /** The {@code --report} file's bytes, written as the Python host writes its report (a line of JSON). */
    static byte[] reportBytes(BridgeHost.Result result) {
        byte[] json = PortableJson.bytes(report(result));
        byte[] line = java.util.Arrays.copyOf(json, json.length + 1);
        line[json.length] = '\n';
        return line;
    }

    /** The {@code --report} document: {@code {"host": "java", "keys": [{key, short_term_memory, status, errors}]}}. */
    static Map<String, Object> report(BridgeHost.Result result) {
        List<Object> keys = new ArrayList<>();
        for (BridgeHost.KeyReport key : result.keys()) {
            Map<String, Object> entry = new LinkedHashMap<>();
            entry.put("key", key.key());
            entry.put("short_term_memory", key.shortTermMemory());
            entry.put("status", key.status());
            List<Object> errors = new ArrayList<>();
            for (BridgeHost.Failure failure : key.failures()) {
                Map<String, Object> error = new LinkedHashMap<>();
                error.put("action", failure.action());
                error.put("error", failure.error());
                errors.add(error);
            }
            entry.put("errors", errors);
            keys.add(entry);
        }
        Map<String, Object> report = new LinkedHashMap<>();
        report.put("host", "java");
        report.put("keys", keys);
        return report;
    }

    static {
        // keep System.out's encoding out of the JSONL: output lines are written as UTF-8 bytes
        System.setOut(new PrintStream(new java.io.FileOutputStream(java.io.FileDescriptor.out), false,
                StandardCharsets.UTF_8));
    }
}

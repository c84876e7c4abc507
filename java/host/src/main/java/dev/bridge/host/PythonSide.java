package dev.bridge.host;

import dev.bridge.api.BridgeException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import pemja.core.PythonInterpreter;
import pemja.core.PythonInterpreterConfig;

/**
 * The embedded CPython (pemja) and the one object the host calls in it: {@code bridge.runtime._foreign.ForeignHost}.
 *
 * <p>Every method is called from the scheduler thread only, and always as {@code host.method(..)} on an
 * object held in the interpreter's globals (never a bare top-level function: pemja 0.6.3 mishandled reference
 * counts calling two of those in one interpreter). Nothing here starts JPype: a JVM already runs this process.
 */
final class PythonSide implements AutoCloseable {
    static final String PEMJA_VERSION = jarVersion();

    private final PythonInterpreter interpreter;

    private PythonSide(PythonInterpreter interpreter) {
        this.interpreter = interpreter;
    }

    /**
     * Starts the interpreter of {@code python} (a venv's python too), with its site-packages and
     * {@code extraPaths} on {@code sys.path}, and checks that its pemja is the jar's version.
     */
    static PythonSide open(String python, List<String> extraPaths) {
        Facts facts = Facts.of(python);
        if (facts.pemja == null) {
            throw new BridgeException("the Python at " + python + " has no pemja package: install the same version as"
                    + " the pemja jar with `" + python + " -m pip install pemja==" + PEMJA_VERSION + "` (make install"
                    + " does it for the project's .venv), or point BRIDGE_PYTHON at a Python that has it");
        }
        if (!facts.pemja.equals(PEMJA_VERSION)) {
            throw new BridgeException("pemja's two halves differ: the jar on the classpath is " + PEMJA_VERSION
                    + ", the Python package of " + python + " is " + facts.pemja + "; install the jar's version with `"
                    + python + " -m pip install pemja==" + PEMJA_VERSION + "`");
        }
        List<String> paths = new ArrayList<>(extraPaths);
        paths.add(facts.sitePackages);
        PythonInterpreterConfig config = PythonInterpreterConfig.newBuilder().setPythonExec(python)
                .addPythonPaths(paths.toArray(new String[0])).build();
        PythonInterpreter interpreter = new PythonInterpreter(config);
        // .pth files (an editable install of bridge) are read by site.addsitedir, not by a plain sys.path entry.
        interpreter.exec("import site, sys\nsite.addsitedir(" + pyString(facts.sitePackages) + ")");
        interpreter.exec("import bridge.runtime._foreign as _bridge_foreign\nimport bridge._foreign_cli as _bridge_cli");
        return new PythonSide(interpreter);
    }

    /** Creates the facade over a plan; {@code wakes}, {@code resources} and {@code memory} are called back from Python. */
    void load(String planPath, Object wakes, Object resources, Object memory, List<String> allow, int workers,
            Double callTimeout) {
        interpreter.set("_bridge_plan_path", planPath);
        interpreter.set("_bridge_wakes", wakes);
        interpreter.set("_bridge_resources", resources);
        interpreter.set("_bridge_memory", memory);
        interpreter.set("_bridge_allow", String.join("\n", allow));
        interpreter.set("_bridge_workers", workers);
        interpreter.set("_bridge_timeout", callTimeout == null ? "" : callTimeout.toString());
        interpreter.exec("host, _bridge_error = _bridge_cli.open_host(_bridge_plan_path, _bridge_wakes,"
                + " _bridge_resources, _bridge_memory, _bridge_allow, _bridge_workers, _bridge_timeout)");
        String error = interpreter.get("_bridge_error", String.class);
        if (error != null && !error.isEmpty()) {
            throw new PlanException(error);
        }
    }

    /** The plan cannot be used (bridge run's exit 2): its message is Python's, as {@code bridge run} prints it. */
    static final class PlanException extends BridgeException {
        private static final long serialVersionUID = 1L;

        PlanException(String message) {
            super(message);
        }
    }

    /**
     * Opens the run's state store beside the facade ({@code bridge.runtime._foreign_state.ForeignState}): bound
     * to the plan, this process the one that runs actions on it.
     *
     * @throws PlanException with Python's message when the state cannot be used (bridge run's exit 2)
     */
    void openState(String state, boolean strict, boolean force) {
        interpreter.set("_bridge_state_url", state);
        interpreter.set("_bridge_strict", strict);
        interpreter.set("_bridge_force", force);
        interpreter.exec("import bridge.runtime._foreign_state as _bridge_foreign_state\n_bridge_state, _bridge_error"
                + " = _bridge_foreign_state.open_state(host, _bridge_state_url, _bridge_strict, _bridge_force)");
        String error = interpreter.get("_bridge_error", String.class);
        if (error != null && !error.isEmpty()) {
            throw new PlanException(error);
        }
    }

    /** Calls a method of the state opened by {@link #openState}; see {@link StateLink}. */
    String state(String method, Object... args) {
        return (String) interpreter.invokeMethod("_bridge_state", method, args);
    }

    /** The lines {@code bridge run} prints about keys the state holds (waiting, in error), one string. */
    String heldLines(String plan) {
        interpreter.set("_bridge_plan_arg", plan);
        interpreter.exec("import bridge._runs_view as _bridge_runs_view\n_bridge_held = '\\n'.join("
                + "_bridge_runs_view.held_lines(_bridge_state.store, _bridge_plan_arg))");
        return interpreter.get("_bridge_held", String.class);
    }

    String call(String method, Object... args) {
        return (String) interpreter.invokeMethod("host", method, args);
    }

    String cli(String method, Object... args) {
        return (String) interpreter.invokeMethod("_bridge_cli", method, args);
    }

    @Override
    public void close() {
        interpreter.close();
    }

    private static String pyString(String text) {
        return "'" + text.replace("\\", "\\\\").replace("'", "\\'") + "'";
    }

    private static String jarVersion() {
        try (InputStream in = PythonInterpreter.class.getResourceAsStream(
                "/META-INF/maven/com.alibaba/pemja/pom.properties")) {
            Properties properties = new Properties();
            if (in != null) {
                properties.load(in);
            }
            return properties.getProperty("version", "unknown");
        } catch (IOException e) {
            return "unknown";
        }
    }

    /** What the Python to embed has: its site-packages and its pemja version (null: none). */
    private record Facts(String sitePackages, String pemja) {
        static Facts of(String python) {
            String script = "import sysconfig\ntry:\n    from importlib.metadata import version\n    v = version('pemja')\n"
                    + "except Exception:\n    v = ''\nprint(sysconfig.get_paths()['purelib'])\nprint(v)\n";
            Path out = null;
            try {
                out = Files.createTempFile("bridge-python", ".txt");
                Process process = new ProcessBuilder(python, "-c", script).redirectErrorStream(true)
                        .redirectOutput(out.toFile()).start();
                if (!process.waitFor(60, TimeUnit.SECONDS) || process.exitValue() != 0) {
                    process.destroyForcibly();
                    throw new BridgeException("the Python to embed (" + python + ") did not answer: "
                            + Files.readString(out, StandardCharsets.UTF_8).strip());
                }
                List<String> lines = Files.readAllLines(out, StandardCharsets.UTF_8);
                return new Facts(lines.get(0).strip(), lines.size() > 1 && !lines.get(1).isBlank()
                        ? lines.get(1).strip() : null);
            } catch (IOException e) {
                throw new BridgeException("cannot run the Python to embed (" + python + "): " + e.getMessage()
                        + "; set BRIDGE_PYTHON (or --python) to a Python 3.11+ that has bridge and pemja installed", e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new BridgeException("interrupted while asking " + python + " for its paths", e);
            } finally {
                if (out != null) {
                    try {
                        Files.deleteIfExists(out);
                    } catch (IOException ignored) {
                        // a temp file left behind
                    }
                }
            }
        }
    }
}

package dev.bridge.host;

import dev.bridge.api.BridgeException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
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
     * Starts the interpreter of {@code python} (a venv's python too) as that Python itself would start: its
     * {@code sys.path} (stdlib first, its site-packages, no global site-packages a venv excludes, no working
     * directory), {@code sys.executable} and prefixes, asked of it in a child process under this environment
     * ({@code PYTHONPATH} included), with {@code extraPaths} in front; and checks that its pemja is the jar's version.
     *
     * <p>Why: an embedded CPython derives its paths from the shared library it loaded (the base Python), so
     * without this the plan's modules would be looked up where {@code bridge run --host python} would not look.
     */
    static PythonSide open(String python, List<String> extraPaths) {
        Facts facts = Facts.of(python);
        if (facts.pemja == null) {
            throw new BridgeException("the Python at " + python + " has no pemja package: install the same version as"
                    + " the pemja jar with `" + python + " -m pip install pemja==" + PEMJA_VERSION + "` (make install"
                    + " does it for the project's .venv)" + NO_PEMJA_HINT);
        }
        if (!facts.pemja.equals(PEMJA_VERSION)) {
            throw new BridgeException("pemja's two halves differ: the jar on the classpath is " + PEMJA_VERSION
                    + ", the Python package of " + python + " is " + facts.pemja + "; install the jar's version with `"
                    + python + " -m pip install pemja==" + PEMJA_VERSION + "`");
        }
        PythonInterpreterConfig config = PythonInterpreterConfig.newBuilder().setPythonExec(python)
                .addPythonPaths(facts.sitePackages).build();
        PythonInterpreter interpreter = new PythonInterpreter(config);
        interpreter.set("_bridge_python_facts", facts.json);
        interpreter.set("_bridge_extra_paths", String.join("\n", extraPaths));
        // The target's own sys.path and prefixes; then its site dirs' .pth files (an editable install of bridge is
        // an import hook a .pth line installs), which add no path the target did not already have.
        interpreter.exec("import json as _j, site as _s, sys as _y\n_f = _j.loads(_bridge_python_facts)\n"
                + "_p = [p for p in _bridge_extra_paths.split('\\n') if p] + [p for p in _f['path'] if p not in"
                + " ('', '.')]\n_y.path[:] = _p\nfor _k in ('executable', 'prefix', 'exec_prefix', 'base_prefix',"
                + " 'base_exec_prefix'):\n    setattr(_y, _k, _f[_k])\nfor _d in _f['site']:\n    _s.addsitedir(_d)\n"
                + "_y.path[:] = _p\ndel _j, _s, _y, _f, _p, _k, _d");
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

    /**
     * What {@code bridge run} says when the Python to embed lacks pemja: under {@code bridge run --host java} it
     * is the Python bridge itself runs on ({@code --python}), elsewhere {@code BRIDGE_PYTHON} chooses it.
     */
    private static final String NO_PEMJA_HINT = "; `bridge run --host java` embeds the Python bridge runs on, so"
            + " install pemja there (or run bridge from a Python that has it); dev.bridge.host.Main run on its own"
            + " embeds --python PYTHON, else BRIDGE_PYTHON, else python3";

    /**
     * What the Python to embed has: its first site-packages, its pemja version (null: none) and, as JSON, the
     * {@code sys} facts the embedded interpreter takes over ({@code path}, {@code executable}, the prefixes,
     * {@code site}: its site-packages folders).
     */
    private record Facts(String sitePackages, String pemja, String json) {
        private static final String SCRIPT = String.join("\n",
                "import json, site, sys, sysconfig",
                "try:",
                "    from importlib.metadata import version",
                "    v = version('pemja')",
                "except Exception:",
                "    v = ''",
                "path = sys.path[1:] if sys.path and sys.path[0] == '' else sys.path",  // -c puts '' (the cwd) first
                "dirs = site.getsitepackages() + ([site.getusersitepackages()] if site.ENABLE_USER_SITE else [])",
                "print(sysconfig.get_paths()['purelib'])",
                "print(v)",
                "print(json.dumps({'path': path, 'executable': sys.executable, 'prefix': sys.prefix,"
                        + " 'exec_prefix': sys.exec_prefix, 'base_prefix': sys.base_prefix,"
                        + " 'base_exec_prefix': sys.base_exec_prefix, 'site': [d for d in dirs if d in path]}))",
                "");

        static Facts of(String python) {
            Path out = null;
            try {
                out = Files.createTempFile("bridge-python", ".txt");
                Process process = new ProcessBuilder(python, "-c", SCRIPT).redirectErrorStream(true)
                        .redirectOutput(out.toFile()).start();
                if (!process.waitFor(60, TimeUnit.SECONDS) || process.exitValue() != 0) {
                    process.destroyForcibly();
                    throw new BridgeException("the Python to embed (" + python + ") did not answer: "
                            + Files.readString(out, StandardCharsets.UTF_8).strip());
                }
                List<String> lines = Files.readAllLines(out, StandardCharsets.UTF_8);
                int n = lines.size();
                if (n < 3) {
                    throw new BridgeException("the Python to embed (" + python + ") answered oddly: "
                            + String.join("\n", lines));
                }
                // The last three lines are ours (a sitecustomize may print before them).
                return new Facts(lines.get(n - 3).strip(), lines.get(n - 2).isBlank() ? null : lines.get(n - 2).strip(),
                        lines.get(n - 1));
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

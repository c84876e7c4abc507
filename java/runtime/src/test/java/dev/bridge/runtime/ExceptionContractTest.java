package dev.bridge.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.bridge.api.BridgeException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.reflect.Modifier;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Enumeration;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * One error contract on the Java side, as on the Python side: every exception the bridge's own code
 * ({@code java/api}, {@code java/runtime}) defines or throws on purpose is a {@link BridgeException}.
 *
 * <p>The one exception to the rule is a control-flow signal that never leaves the runtime, listed in
 * {@link #CONTROL_FLOW} with its reason. {@code DurableCalls.Suspension} aborts an action attempt that
 * waits for a background durable call; it is an {@link Error} on purpose, so an action's
 * {@code catch (Exception e)} cannot swallow it, and {@link JavaAction} catches it and reports the action
 * as suspended, so the host and users never see it. Such a signal must be private, so no code outside its
 * class can throw or catch it by name.
 *
 * <p>Exceptions from user code (an action, a tool, a durable call) pass through unchanged; they are not
 * thrown by the bridge and are not checked here.
 */
class ExceptionContractTest {
    /** Control-flow signals outside the tree: binary class name to why it may be. */
    static final Map<String, String> CONTROL_FLOW = Map.of(
            "dev.bridge.runtime.DurableCalls$Suspension",
            "suspends an action attempt on a background durable call; caught by JavaAction, never seen outside");

    private static final Pattern THROW_NEW = Pattern.compile("throw\\s+new\\s+([A-Za-z_][\\w.]*)\\s*\\(");

    @Test
    void everyThrowableClassOfApiAndRuntimeIsABridgeExceptionOrAListedControlFlowSignal() throws Exception {
        List<String> outside = new ArrayList<>();
        TreeSet<String> throwables = new TreeSet<>();
        for (String name : classNames()) {
            Class<?> type = Class.forName(name, false, getClass().getClassLoader());
            if (!Throwable.class.isAssignableFrom(type)) {
                continue;
            }
            throwables.add(name);
            if (BridgeException.class.isAssignableFrom(type)) {
                continue;
            }
            if (!CONTROL_FLOW.containsKey(name)) {
                outside.add(name + " extends " + type.getSuperclass().getName());
            } else if (!Modifier.isPrivate(type.getModifiers())) {
                outside.add(name + " is a control-flow signal but not private");
            }
        }
        assertTrue(throwables.contains(BridgeException.class.getName()),
                "the scan must see dev.bridge.api; it saw " + throwables);
        assertTrue(throwables.containsAll(CONTROL_FLOW.keySet()),
                "a listed control-flow signal no longer exists (remove it from CONTROL_FLOW): " + throwables);
        assertEquals(List.of(), outside, "Throwable classes outside the BridgeException tree");
    }

    @Test
    void everyThrowNewInApiAndRuntimeSourcesThrowsABridgeException() throws Exception {
        List<String> outside = new ArrayList<>();
        int seen = 0;
        for (Path source : sources()) {
            String text = Files.readString(source);
            String pkg = text.contains("package dev.bridge.api;") ? "dev.bridge.api" : "dev.bridge.runtime";
            String file = source.getFileName().toString();
            String outer = pkg + "." + file.substring(0, file.length() - ".java".length());
            Matcher matcher = THROW_NEW.matcher(text);
            while (matcher.find()) {
                seen++;
                String thrown = matcher.group(1);
                Class<?> type = resolve(thrown, pkg, outer);
                boolean allowed = type != null && (BridgeException.class.isAssignableFrom(type)
                        || CONTROL_FLOW.containsKey(type.getName()));
                if (!allowed) {
                    outside.add(file + ":" + line(text, matcher.start()) + " throws " + thrown);
                }
            }
            int at = text.indexOf("requireNonNull(");
            if (at >= 0) {
                outside.add(file + ":" + line(text, at) + " uses requireNonNull (a NullPointerException); "
                        + "throw a BridgeException naming the argument");
            }
        }
        assertTrue(seen > 20, "the scan found only " + seen + " throw statements: is the pattern still right?");
        assertEquals(List.of(), outside, "exceptions thrown on purpose outside the BridgeException tree");
    }

    /** Binary names of every class in the api and runtime outputs (folders in a module build, jars in a reactor). */
    private static List<String> classNames() throws IOException, URISyntaxException {
        List<String> names = new ArrayList<>();
        for (Class<?> anchor : List.of(BridgeException.class, JavaAction.class)) {
            Path location = Paths.get(anchor.getProtectionDomain().getCodeSource().getLocation().toURI());
            if (Files.isDirectory(location)) {
                try (Stream<Path> files = Files.walk(location)) {
                    files.filter(p -> p.toString().endsWith(".class"))
                            .map(p -> toName(location.relativize(p).toString().replace('\\', '/')))
                            .filter(n -> !n.endsWith("module-info") && !n.endsWith("package-info"))
                            .forEach(names::add);
                }
            } else {
                try (JarFile jar = new JarFile(location.toFile())) {
                    for (Enumeration<JarEntry> entries = jar.entries(); entries.hasMoreElements(); ) {
                        String entry = entries.nextElement().getName();
                        if (entry.endsWith(".class") && !entry.endsWith("module-info.class")
                                && !entry.startsWith("META-INF/")) {
                            names.add(toName(entry));
                        }
                    }
                }
            }
        }
        return names;
    }

    private static String toName(String classFile) {
        return classFile.substring(0, classFile.length() - ".class".length()).replace('/', '.');
    }

    private static List<Path> sources() throws IOException {
        Path java = SharedFixtures.projectRoot().resolve("java");
        List<Path> sources = new ArrayList<>();
        for (String module : List.of("api", "runtime")) {
            try (Stream<Path> files = Files.walk(java.resolve(module).resolve("src/main/java"))) {
                files.filter(p -> p.toString().endsWith(".java")).sorted().forEach(sources::add);
            } catch (UncheckedIOException e) {
                throw e.getCause();
            }
        }
        assertTrue(sources.size() > 10, "the source scan found only " + sources);
        return sources;
    }

    /** The class a {@code throw new X(} names: nested in the file, in its package, java.lang, or qualified. */
    private static Class<?> resolve(String name, String pkg, String outer) {
        for (String candidate : List.of(outer + "$" + name.replace('.', '$'), pkg + "." + name,
                "dev.bridge.api." + name, "java.lang." + name, name)) {
            try {
                return Class.forName(candidate, false, ExceptionContractTest.class.getClassLoader());
            } catch (ClassNotFoundException e) {
                // try the next reading of the name
            }
        }
        return null;
    }

    private static int line(String text, int offset) {
        int line = 1;
        for (int i = 0; i < offset; i++) {
            if (text.charAt(i) == '\n') {
                line++;
            }
        }
        return line;
    }
}

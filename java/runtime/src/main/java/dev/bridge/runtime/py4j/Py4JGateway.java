package dev.bridge.runtime.py4j;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

import dev.bridge.runtime.HostAccess;
import py4j.ClientServer;

/**
 * The child JVM of the Python host's py4j mode: a py4j {@link ClientServer} on the loopback address whose
 * entry point is this class.
 *
 * <p>Started by {@code bridge/jvm/_py4j.py} as {@code java -cp ... dev.bridge.runtime.py4j.Py4JGateway <python
 * port>}. The auth token comes as the first line of standard input (an argument would show in {@code ps}); the
 * Java server listens on a free port, printed as the first line of standard output ({@code BRIDGE_PY4J_PORT
 * <port>}), after which {@code System.out} goes to standard error so that an action's prints cannot break it.
 *
 * <p>The ClientServer pins threads: a Python thread's call and Java's callbacks made while serving it share
 * one connection, so Java's calls back into the host (memory reads, the plan's Python resources) run on the
 * Python thread that called Java, as under JPype. Java threads of their own (the wake-up thread of durable
 * calls) reach the Python server on the given port.
 *
 * <p>The JVM halts when its standard input ends: the host closed it, exited, or was killed (even by
 * {@code kill -9}, when the kernel closes the host's end of the pipe), so no JVM outlives its host.
 */
public final class Py4JGateway {

    /** The prefix of the line that tells the host the Java server's port. */
    public static final String PORT_LINE = "BRIDGE_PY4J_PORT ";

    Py4JGateway() {  // made by main (and this package's tests) only
    }

    /**
     * Starts the gateway and blocks until standard input ends.
     *
     * @param args the Python server's port on the loopback address
     * @throws IOException when standard input cannot be read
     */
    public static void main(String[] args) throws IOException {
        if (args.length != 1) {
            System.err.println("usage: java dev.bridge.runtime.py4j.Py4JGateway <python port> (auth token on stdin);"
                    + " started by the Python host's py4j mode: Runtime(plan, jvm=\"py4j\") or bridge run --jvm py4j");
            System.exit(2);
        }
        int pythonPort = Integer.parseInt(args[0]);
        InputStream in = System.in;
        BufferedReader lines = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
        String token = lines.readLine();
        if (token == null || token.isBlank()) {
            System.err.println("Py4JGateway: no auth token on standard input");
            System.exit(2);
        }
        InetAddress loopback = InetAddress.getLoopbackAddress();
        ClientServer server = new ClientServer.ClientServerBuilder(new Py4JGateway())
                .javaPort(0).javaAddress(loopback)
                .pythonPort(pythonPort).pythonAddress(loopback)
                .authToken(token.strip())
                .build();
        PrintStream out = System.out;
        out.println(PORT_LINE + server.getJavaServer().getListeningPort());
        out.flush();
        System.setOut(System.err);
        // Block until the host goes away, then halt: no shutdown hooks, no waiting for action threads.
        while (lines.read() != -1) {
            // the host writes nothing more; anything it does write is ignored
        }
        Runtime.getRuntime().halt(0);
    }

    /**
     * Whether {@code value} is an instance of the class named {@code className} (py4j has no {@code isinstance}).
     *
     * @param className a class or interface name
     * @param value any object
     * @return false when the class cannot be loaded
     */
    public boolean isInstance(String className, Object value) {
        try {
            return Class.forName(className, false, Thread.currentThread().getContextClassLoader()).isInstance(value);
        } catch (ClassNotFoundException e) {
            return false;
        }
    }

    /**
     * Loads and initializes a class, as a JPype class lookup does.
     *
     * @param className the class's name
     * @throws ClassNotFoundException when it is not on the classpath
     */
    public void loadClass(String className) throws ClassNotFoundException {
        Class.forName(className, true, Thread.currentThread().getContextClassLoader());
    }

    /**
     * A {@code float[]} as little-endian bytes: one crossing instead of py4j's call per element.
     *
     * @param array an array returned to the host, e.g. an embedding
     * @return four bytes per value, little-endian (the host reads them as an {@code array('f')}); null when
     *     {@code array} is not a {@code float[]}
     */
    public byte[] floatsLittleEndian(Object array) {
        if (!(array instanceof float[] values)) {
            return null;
        }
        ByteBuffer buffer = ByteBuffer.allocate(values.length * Float.BYTES).order(ByteOrder.LITTLE_ENDIAN);
        buffer.asFloatBuffer().put(values);
        return buffer.array();
    }

    /**
     * A Java object holding the host's {@code HostAccess}, which the host passes with every call: py4j would
     * build a new proxy for each pass of the Python object itself.
     *
     * @param host the host's Python object
     * @return a {@code HostAccess} that delegates to it (on the calling thread, so pinned callbacks stay pinned)
     */
    public HostAccess hold(HostAccess host) {
        return new HeldHost(host);
    }

    private record HeldHost(HostAccess host) implements HostAccess {
        @Override
        public String readMemory(String memory, String path) {
            return host.readMemory(memory, path);
        }

        @Override
        public Object getResource(String name, String type) {
            return host.getResource(name, type);
        }

        @Override
        public void wake(String ref) {
            host.wake(ref);
        }

        @Override
        public void recordCall(String recordJson) {
            host.recordCall(recordJson);
        }
    }

    /**
     * Strings as a {@code String[]} (py4j sends a Python list as a {@code java.util.List}).
     *
     * @param values the strings
     * @return the same as an array
     */
    public String[] strings(java.util.List<String> values) {
        return values.toArray(new String[0]);
    }

    /**
     * The JVM's process id, for the host's diagnostics.
     *
     * @return this process's pid
     */
    public long pid() {
        return ProcessHandle.current().pid();
    }
}

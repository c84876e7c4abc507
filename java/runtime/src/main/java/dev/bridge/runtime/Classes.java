package dev.bridge.runtime;

/** Loads the classes the plan names, and describes where they were looked for. */
final class Classes {
    private Classes() {
    }

    static Class<?> load(String className) throws ClassNotFoundException {
        ClassLoader context = Thread.currentThread().getContextClassLoader();
        return Class.forName(className, true, context != null ? context : Classes.class.getClassLoader());
    }

    static String classpath() {
        return "classpath searched: " + System.getProperty("java.class.path");
    }
}

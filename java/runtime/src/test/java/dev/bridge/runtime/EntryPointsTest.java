package dev.bridge.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.bridge.api.PythonResource;
import dev.bridge.api.ResourceType;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The Java names the Python host calls or implements through JPype, in one place: a rename breaks this
 * test instead of a run.
 */
class EntryPointsTest {
    private record EntryPoint(Class<?> owner, String name, boolean isStatic, Class<?>... parameters) {
    }

    private static final List<EntryPoint> CALLED_BY_PYTHON = List.of(
            new EntryPoint(JavaAction.class, "resolve", true, String.class, String.class, String.class, String[].class,
                    String.class, String.class),
            new EntryPoint(JavaAction.class, "invoke", false, String.class, HostAccess.class),
            new EntryPoint(JavaAction.class, "resume", false, String.class, HostAccess.class),
            new EntryPoint(JavaAction.class, "invokeUtf8", false, byte[].class, HostAccess.class),
            new EntryPoint(JavaAction.class, "resumeUtf8", false, String.class, HostAccess.class),
            new EntryPoint(JavaResources.class, "create", true, String.class, String.class),
            new EntryPoint(JavaResources.class, "tools", true, Object.class),
            new EntryPoint(JavaTool.class, "getName", false),
            new EntryPoint(JavaTool.class, "getDescription", false),
            new EntryPoint(JavaTool.class, "getSchemaJson", false),
            new EntryPoint(JavaTool.class, "getParameterNames", false),
            new EntryPoint(JavaTool.class, "getTarget", false),
            new EntryPoint(JavaTool.class, "getMethodName", false),
            new EntryPoint(JavaTool.class, "callJson", false, String.class),
            new EntryPoint(PortableValues.class, "toJson", true, Object.class),
            new EntryPoint(PortableValues.class, "fromJson", true, String.class),
            new EntryPoint(ResourceType.class, "fromValue", true, String.class));

    private static final List<EntryPoint> IMPLEMENTED_BY_PYTHON = List.of(
            new EntryPoint(HostAccess.class, "readMemory", false, String.class, String.class),
            new EntryPoint(HostAccess.class, "getResource", false, String.class, String.class),
            new EntryPoint(HostAccess.class, "wake", false, String.class),
            new EntryPoint(PythonResource.class, "getResourceType", false),
            new EntryPoint(PythonResource.class, "invoke", false, String.class, String.class));

    @Test
    void shouldResolveEveryMethodPythonCalls() throws Exception {
        for (EntryPoint entry : CALLED_BY_PYTHON) {
            Method method = entry.owner().getMethod(entry.name(), entry.parameters());
            assertEquals(entry.isStatic(), Modifier.isStatic(method.getModifiers()), method.toString());
            assertTrue(Modifier.isPublic(entry.owner().getModifiers()), entry.owner() + " must be public");
        }
    }

    @Test
    void shouldDeclareEveryMethodPythonImplementsAndNoOther() throws Exception {
        for (EntryPoint entry : IMPLEMENTED_BY_PYTHON) {
            entry.owner().getMethod(entry.name(), entry.parameters());
        }
        for (Class<?> proxied : List.of(HostAccess.class, PythonResource.class)) {
            long abstractMethods = List.of(proxied.getMethods()).stream()
                    .filter(m -> Modifier.isAbstract(m.getModifiers())).count();
            long listed = IMPLEMENTED_BY_PYTHON.stream().filter(e -> e.owner() == proxied).count();
            assertEquals(listed, abstractMethods, proxied + " gained or lost a method the Python proxy must implement");
        }
    }
}

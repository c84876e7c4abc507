package dev.bridge.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.bridge.api.BridgeException;
import dev.bridge.api.Resource;
import dev.bridge.api.ResourceType;
import dev.bridge.api.Tool;
import java.util.List;
import java.util.Map;
import java.util.function.BiFunction;
import org.junit.jupiter.api.Test;

class JavaResourcesTest {
    private static final String SELF = JavaResourcesTest.class.getName();

    public static class MapResource implements Resource {
        final Map<String, Object> arguments;

        public MapResource(Map<String, Object> arguments) {
            this.arguments = arguments;
        }

        public MapResource() {
            this(Map.of("via", "no-arg"));
        }

        @Override
        public ResourceType getResourceType() {
            return ResourceType.PROMPT;
        }
    }

    /** A setup that finds its connection among the plan's resources while it is built. */
    public static class SetupResource implements Resource {
        final Resource connection;

        public SetupResource(Map<String, Object> arguments, BiFunction<String, ResourceType, Resource> getResource) {
            this.connection = getResource.apply((String) arguments.get("connection"), ResourceType.CHAT_MODEL_CONNECTION);
        }

        public SetupResource(Map<String, Object> arguments) {
            throw new AssertionError("the constructor with a lookup comes first");
        }

        @Override
        public ResourceType getResourceType() {
            return ResourceType.CHAT_MODEL;
        }
    }

    public static class BeanResource {
        public String model = "default";
        private int retries;

        public int getRetries() {
            return retries;
        }

        public void setRetries(int retries) {
            this.retries = retries;
        }
    }

    public static class ConstructorResource {
        final String endpoint;
        final List<Integer> ports;

        public ConstructorResource(String endpoint, List<Integer> ports) {
            this.endpoint = endpoint;
            this.ports = ports;
        }
    }

    public static class FailingResource {
        public FailingResource() {
            throw new IllegalStateException("no licence");
        }
    }

    public static class TwoTools {
        @Tool(description = "first")
        public String b() {
            return "b";
        }

        @Tool(name = "a", description = "second")
        public static String renamed() {
            return "a";
        }

        public String notATool() {
            return "";
        }
    }

    @Test
    void shouldPreferAMapConstructor() {
        Object created = JavaResources.create(SELF + "$MapResource", "{\"k\":[1,2]}");

        assertEquals(Map.of("k", List.of(1, 2)), assertInstanceOf(MapResource.class, created).arguments);
    }

    @Test
    void shouldLetAResourceLookAnotherUpThroughTheHostWhileItIsBuilt() {
        MapResource connection = new MapResource();
        InMemoryHost host = new InMemoryHost().resource("c", "chat_model_connection", connection);

        SetupResource created = (SetupResource) JavaResources.create(SELF + "$SetupResource", "{\"connection\":\"c\"}",
                host);

        assertEquals(connection, created.connection);
    }

    @Test
    void shouldNameTheResourceALookupCannotFind() {
        InMemoryHost host = new InMemoryHost().resource("c", "chat_model", new MapResource());

        BridgeException missing = assertThrows(BridgeException.class,
                () -> JavaResources.create(SELF + "$SetupResource", "{\"connection\":\"c\"}", host));
        BridgeException hostless = assertThrows(BridgeException.class,
                () -> JavaResources.create(SELF + "$SetupResource", "{\"connection\":\"c\"}"));

        assertTrue(missing.getMessage().contains("the plan has no chat_model_connection resource 'c'"),
                missing.getMessage());
        assertTrue(hostless.getMessage().contains("without access to the others"), hostless.getMessage());
    }

    @Test
    void shouldMapArgumentsOntoANoArgInstance() {
        BeanResource created = (BeanResource) JavaResources.create(SELF + "$BeanResource",
                "{\"model\":\"mini\",\"retries\":3}");

        assertEquals("mini", created.model);
        assertEquals(3, created.getRetries());
        assertEquals("default", ((BeanResource) JavaResources.create(SELF + "$BeanResource", null)).model);
    }

    @Test
    void shouldMatchASingleConstructorByParameterNames() {
        ConstructorResource created = (ConstructorResource) JavaResources.create(SELF + "$ConstructorResource",
                "{\"ports\":[80,443],\"endpoint\":\"https://example.com\"}");

        assertEquals("https://example.com", created.endpoint);
        assertEquals(List.of(80, 443), created.ports);
    }

    @Test
    void shouldNameAMissingConstructorArgument() {
        BridgeException error = assertThrows(BridgeException.class,
                () -> JavaResources.create(SELF + "$ConstructorResource", "{\"endpoint\":\"x\"}"));

        assertTrue(error.getMessage().contains("missing argument 'ports'"), error.getMessage());
    }

    @Test
    void shouldNameAnUnknownPropertyOfANoArgInstance() {
        BridgeException error = assertThrows(BridgeException.class,
                () -> JavaResources.create(SELF + "$BeanResource", "{\"temperature\":0.1}"));

        assertTrue(error.getMessage().startsWith("resource class " + SELF + "$BeanResource: cannot apply arguments"),
                error.getMessage());
        assertTrue(error.getMessage().contains("temperature"), error.getMessage());
    }

    @Test
    void shouldNameTheClassAndClasspathWhenTheClassIsUnknown() {
        BridgeException error = assertThrows(BridgeException.class,
                () -> JavaResources.create("com.example.NoSuchModel", "{}"));

        assertTrue(error.getMessage().startsWith("resource class com.example.NoSuchModel not found"),
                error.getMessage());
        assertTrue(error.getMessage().contains("classpath searched: " + System.getProperty("java.class.path")));
    }

    @Test
    void shouldReportAFailingConstructorWithItsCause() {
        BridgeException error = assertThrows(BridgeException.class,
                () -> JavaResources.create(SELF + "$FailingResource", null));

        assertTrue(error.getMessage().contains("constructor failed"), error.getMessage());
        assertInstanceOf(IllegalStateException.class, error.getCause());
    }

    @Test
    void shouldCollectToolsSortedByName() {
        List<JavaTool> tools = JavaResources.tools(new TwoTools());

        assertEquals(List.of("a", "b"), tools.stream().map(JavaTool::getName).toList());
        assertEquals(null, tools.get(0).getTarget(), "a static tool has no target");
        assertInstanceOf(TwoTools.class, tools.get(1).getTarget());
        assertEquals("renamed", tools.get(0).getMethodName());
    }

    @Test
    void shouldCollectOnlyStaticToolsOfAClass() {
        List<JavaTool> tools = JavaResources.tools(TwoTools.class);

        assertEquals(List.of("a"), tools.stream().map(JavaTool::getName).toList());
        assertEquals("\"a\"", tools.get(0).callJson("{}"));
    }
}

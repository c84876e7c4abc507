package dev.bridge.host;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Resources across the boundary under the Java host: a Python resource used from a Java action, on its thread. */
class ResourcesTest {
    @Test
    void shouldLetAJavaActionCallAPythonToolResource() {
        try (BridgeHost host = BridgeHostTest.open("python_resource.yaml")) {
            BridgeHost.Result result = host.run(List.of(new BridgeHost.Input("a", "Ada"),
                    new BridgeHost.Input("b", "Grace")));
            assertTrue(result.ok(), () -> "failures: " + result.failures());
            assertEquals(List.of(
                    new BridgeHost.Output("a", Map.of("type", "greeted", "json", "\"Hello, Ada!\"")),
                    new BridgeHost.Output("b", Map.of("type", "greeted", "json", "\"Hello, Grace!\""))),
                    of(result, "greeted"));
        }
    }

    @Test
    void shouldRefuseAPythonResourceCallFromAnotherThreadSayingWhatToDo() {
        try (BridgeHost host = BridgeHostTest.open("python_resource.yaml")) {
            BridgeHost.Result result = host.run(List.of(new BridgeHost.Input("a", "Ada")));
            assertTrue(result.ok(), () -> "failures: " + result.failures());
            List<BridgeHost.Output> refused = of(result, "refused");
            assertEquals(1, refused.size(), refused::toString);
            String error = (String) ((Map<?, ?>) refused.get(0).output()).get("error");
            assertTrue(error.contains("Python tool 'greeter' was called from thread 'a-worker'"), error);
            assertTrue(error.contains("call Python resources in the action itself"), error);
        }
    }

    private static List<BridgeHost.Output> of(BridgeHost.Result result, String type) {
        return result.outputs().stream().filter(o -> type.equals(((Map<?, ?>) o.output()).get("type"))).toList();
    }
}

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

    @Test
    void shouldBuildAJavaResourceThatLooksUpAnotherOneOfThePlan() {
        try (BridgeHost host = BridgeHostTest.open("java_tools.yaml")) {
            BridgeHost.Result result = host.run(List.of(new BridgeHost.Input("a", 3)));
            assertTrue(result.ok(), () -> "failures: " + result.failures());
            assertEquals(List.of(new BridgeHost.Output("a", Map.of("n", 3, "once", 3000, "twice", 3_000_000))),
                    result.outputs());
        }
    }

    @Test
    void shouldBuildEachJavaResourceOnceWhenThreadsAskForItAtOnce() throws Exception {
        HostResources resources = new HostResources(Map.of("tool", Map.of("scale",
                Map.of("clazz", CountedTools.class.getName(), "arguments", Map.of())),
                "chat_model", Map.of("twice", Map.of("clazz", LookingUpTools.class.getName(),
                        "arguments", Map.of("uses", "scale")))), Map.of(), null);
        int before = CountedTools.BUILT.get();
        int threads = 8;
        java.util.concurrent.CyclicBarrier start = new java.util.concurrent.CyclicBarrier(threads);
        java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(threads);
        try {
            List<java.util.concurrent.Future<Object>> got = new java.util.ArrayList<>();
            for (int i = 0; i < threads; i++) {
                boolean viaLookup = i % 2 == 0;  // half build it through another resource's lookup
                got.add(pool.submit(() -> {
                    start.await();
                    return viaLookup ? resources.get("twice", "chat_model") : resources.get("scale", "tool");
                }));
            }
            java.util.Set<Object> distinct = java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<>());
            for (java.util.concurrent.Future<Object> future : got) {
                distinct.add(future.get(10, java.util.concurrent.TimeUnit.SECONDS));
            }
            assertEquals(2, distinct.size(), distinct::toString);  // one scale tool, one resource that uses it
            assertEquals(before + 1, CountedTools.BUILT.get(), "builds of the scale tool");
        } finally {
            pool.shutdownNow();
        }
    }

    private static List<BridgeHost.Output> of(BridgeHost.Result result, String type) {
        return result.outputs().stream().filter(o -> type.equals(((Map<?, ?>) o.output()).get("type"))).toList();
    }
}

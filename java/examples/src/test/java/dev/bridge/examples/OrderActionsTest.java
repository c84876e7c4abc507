package dev.bridge.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.bridge.runtime.InMemoryHost;
import dev.bridge.runtime.JavaAction;
import dev.bridge.runtime.PortableValues;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class OrderActionsTest {
    private final InMemoryHost host = new InMemoryHost();

    private static JavaAction action(String method) {
        return JavaAction.resolve(method, OrderActions.class.getName(), method,
                new String[] {"org.apache.flink.agents.api.Event", "org.apache.flink.agents.api.context.RunnerContext"},
                null, null);
    }

    private static String input(String inputJson) {
        return "{\"type\":\"_input_event\",\"attributes\":{\"input\":" + inputJson + "}}";
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> parse(String json) {
        return (Map<String, Object>) PortableValues.fromJson(json);
    }

    private Map<?, ?> review(String inputJson) {
        Map<String, Object> result = host.commit(action("reviewOrder").invoke(input(inputJson), host));
        Map<?, ?> event = (Map<?, ?>) ((List<?>) result.get("events")).get(0);
        assertEquals("order_reviewed", event.get("type"));
        return (Map<?, ?>) event.get("attributes");
    }

    @Test
    void shouldApproveAnOrderInStockWithinTheLimit() {
        Map<?, ?> reviewed = review("{\"order_id\":\"ORD-1001\"}");

        assertEquals("approve", reviewed.get("decision"));
        assertEquals("approve", host.value("short_term", "orders.ORD-1001.decision"));
        assertEquals(1L, ((Number) host.value("short_term", "stats.reviewed")).longValue());
    }

    @Test
    void shouldHoldAnOrderShortOfStock() {
        Map<?, ?> reviewed = review("{\"order_id\":\"ORD-1002\"}");

        assertEquals("hold", reviewed.get("decision"));
        assertEquals("insufficient stock for SKU-MN-27 (need 4, have 3)", reviewed.get("reason"));
    }

    @Test
    void shouldHoldALargeOrderWhenTheRequestedQuantityIsInStock() {
        Map<?, ?> reviewed = review("{\"order_id\":\"ORD-1002\",\"sku\":\"SKU-MN-27\",\"quantity\":3}");

        assertEquals("hold", reviewed.get("decision"));
        assertTrue(((String) reviewed.get("reason")).contains("needs manual approval"));
    }

    @Test
    void shouldRejectUnknownAndShippedOrders() {
        assertEquals("reject", review("{\"order_id\":\"ORD-0000\"}").get("decision"));
        assertEquals("order is shipped", review("{\"order_id\":\"ORD-1003\"}").get("reason"));
    }

    @Test
    void shouldCountReviewsAcrossRuns() {
        review("{\"order_id\":\"ORD-1001\"}");
        review("{\"order_id\":\"ORD-1004\"}");
        review("{\"order_id\":\"ORD-1005\"}");

        assertEquals(3L, ((Number) host.value("short_term", "stats.reviewed")).longValue());
    }

    @Test
    void shouldFailWithTheOrderServiceMessage() {
        Map<?, ?> error = (Map<?, ?>) parse(action("fail").invoke(input("{}"), host)).get("error");

        assertEquals("java.lang.IllegalStateException", error.get("class"));
        assertEquals("order service unavailable", error.get("message"));
    }

    @Test
    void shouldRejectADateInMemory() {
        Map<?, ?> error = (Map<?, ?>) parse(action("writeDate").invoke(input("{}"), host)).get("error");

        assertTrue(((String) error.get("message")).startsWith(
                "memory path 'order.when': java.util.Date is not a portable value"), error.toString());
    }

    @Test
    void shouldWriteTenValuesAndSendOneEventPerBenchHop() {
        Map<String, Object> result = host.commit(action("benchHop").invoke(input("null"), host));

        assertEquals(10, ((List<?>) result.get("updates")).size());
        assertEquals(1, ((List<?>) result.get("events")).size());
        assertEquals(9, host.value("short_term", "bench.k9"));
        assertEquals(List.of("short_term:bench"), host.reads, "one host read checks the writes under 'bench'");
    }

    @Test
    void shouldSuspendASlowLookupAndFinishOnResume() throws Exception {
        JavaAction slow = action("slowLookup");
        String event = "{\"type\":\"lookup\",\"attributes\":{\"sleep_ms\":50}}";

        Map<String, Object> first = parse(slow.invoke(event, host));
        assertEquals("suspended", first.get("status"));
        String ref = (String) first.get("ref");
        assertEquals(ref + "@bridge-wake", host.wakes.poll(10, TimeUnit.SECONDS));

        Map<String, Object> done = parse(slow.resume(ref, host));
        Map<?, ?> output = (Map<?, ?>) ((List<?>) done.get("events")).get(0);
        assertEquals("_output_event", output.get("type"));
        assertEquals(Map.of("output", "looked up after 50 ms"), output.get("attributes"));
        assertNotNull(done.get("calls"));
    }
}

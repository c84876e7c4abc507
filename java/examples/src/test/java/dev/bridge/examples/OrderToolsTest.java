package dev.bridge.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class OrderToolsTest {
    private final OrderTools tools = new OrderTools();

    @Test
    void shouldLookUpAnOrderWithItsItemsAndTotal() {
        Map<String, Object> order = tools.lookupOrder("ORD-1001");

        assertEquals(true, order.get("found"));
        assertEquals("Ada Lovelace", order.get("customer"));
        assertEquals("pending", order.get("status"));
        assertEquals(2, ((List<?>) order.get("items")).size());
        double sum = 0;
        for (Object item : (List<?>) order.get("items")) {
            Map<?, ?> line = (Map<?, ?>) item;
            sum += ((Number) line.get("quantity")).doubleValue() * ((Number) line.get("unit_price")).doubleValue();
        }
        assertEquals(((Number) order.get("total")).doubleValue(), sum, 1e-9);
    }

    @Test
    void shouldAnswerNotFoundForAnUnknownOrder() {
        assertEquals(Map.of("id", "ORD-9999", "found", false), tools.lookupOrder("ORD-9999"));
    }

    @Test
    void shouldCheckInventory() {
        Map<String, Object> stock = tools.checkInventory("SKU-MN-27");

        assertEquals(true, stock.get("found"));
        assertEquals(3, stock.get("in_stock"));
        assertEquals("Leipzig", stock.get("warehouse"));
        assertEquals(Map.of("sku", "SKU-NOPE", "found", false), tools.checkInventory("SKU-NOPE"));
    }

    @Test
    void shouldReturnFreshCopiesEachTime() {
        ((List<?>) tools.lookupOrder("ORD-1002").get("items")).clear();

        assertEquals(1, ((List<?>) tools.lookupOrder("ORD-1002").get("items")).size());
    }
}

package dev.bridge.examples;

import com.fasterxml.jackson.databind.JsonNode;
import dev.bridge.api.BridgeException;
import dev.bridge.api.Tool;
import dev.bridge.api.ToolParam;
import dev.bridge.runtime.Json;
import java.io.IOException;
import java.io.InputStream;
import java.util.LinkedHashMap;
import java.util.Map;

/** Example tools over a small order and inventory data set shipped in the jar. */
public class OrderTools {
    static final String DATA = "/dev/bridge/examples/orders.json";

    /**
     * Looks up an order.
     *
     * @param orderId an order id such as {@code ORD-1001}
     * @return {@code found}, {@code id}, {@code customer}, {@code status}, {@code items} and {@code total};
     *     only {@code id} and {@code found = false} for an unknown id
     */
    @Tool(name = "lookupOrder", description = "Look up an order by id: customer, items, status and total.")
    public Map<String, Object> lookupOrder(
            @ToolParam(name = "orderId", description = "The order id, e.g. ORD-1001") String orderId) {
        return find(Data.ORDERS, "id", orderId);
    }

    /**
     * Checks the stock of a product.
     *
     * @param sku a product SKU such as {@code SKU-KB-01}
     * @return {@code found}, {@code sku}, {@code name}, {@code in_stock} and {@code warehouse}; only
     *     {@code sku} and {@code found = false} for an unknown SKU
     */
    @Tool(name = "checkInventory", description = "Check how many units of a product are in stock, and where.")
    public Map<String, Object> checkInventory(
            @ToolParam(name = "sku", description = "The product SKU, e.g. SKU-KB-01") String sku) {
        return find(Data.INVENTORY, "sku", sku);
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> find(JsonNode rows, String key, String value) {
        Map<String, Object> result = new LinkedHashMap<>();
        for (JsonNode row : rows) {
            if (row.path(key).asText().equals(value)) {
                result.put("found", true);
                result.putAll(Json.mapper().convertValue(row, Map.class));
                return result;
            }
        }
        result.put(key, value);
        result.put("found", false);
        return result;
    }

    /** The data file, read once with the shared mapper. */
    private static final class Data {
        static final JsonNode ROOT = read();
        static final JsonNode ORDERS = ROOT.path("orders");
        static final JsonNode INVENTORY = ROOT.path("inventory");

        private static JsonNode read() {
            try (InputStream in = OrderTools.class.getResourceAsStream(DATA)) {
                if (in == null) {
                    throw new BridgeException("resource " + DATA + " is missing from the bridge-examples jar");
                }
                return Json.mapper().readTree(in);
            } catch (IOException e) {
                throw new BridgeException("cannot read " + DATA + ": " + e.getMessage(), e);
            }
        }
    }
}

package dev.bridge.runtime;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.bridge.api.BridgeException;
import dev.bridge.api.ResourceType;
import dev.bridge.api.Tool;
import dev.bridge.api.ToolParam;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class JavaToolTest {
    public enum Speed { SLOW, FAST }

    public static class Shipping {
        @Tool(name = "quote", description = "Quote a shipment")
        public Map<String, Object> quote(
                @ToolParam(name = "weight_kg", description = "Weight in kg") double weight,
                @ToolParam(description = "Parcel count") int parcels,
                @ToolParam(description = "Insured?", required = false) boolean insured,
                @ToolParam(description = "Speed") Speed speed,
                @ToolParam(description = "Labels", required = false) List<String> labels,
                @ToolParam(description = "Extras", required = false) Map<String, Object> extras,
                @ToolParam(description = "Destination") String destination) {
            return Map.of("price", weight * parcels * (speed == Speed.FAST ? 2 : 1) + (insured ? 5 : 0),
                    "to", destination, "labels", labels == null ? List.of() : labels);
        }

        @Tool
        public void explode() {
            throw new UnsupportedOperationException("not today");
        }
    }

    private final List<JavaTool> tools = JavaResources.tools(new Shipping());
    private final JavaTool quote = tools.get(1);

    @Test
    void shouldDescribeParametersAsJsonSchema() throws Exception {
        JsonNode schema = Json.mapper().readTree(quote.getSchemaJson());

        assertEquals("quote", quote.getName());
        assertEquals("Quote a shipment", quote.getDescription());
        assertEquals(ResourceType.TOOL, quote.getResourceType());
        assertEquals(Json.mapper().readTree("{\"type\":\"object\",\"properties\":{"
                + "\"weight_kg\":{\"type\":\"number\",\"description\":\"Weight in kg\"},"
                + "\"parcels\":{\"type\":\"integer\",\"description\":\"Parcel count\"},"
                + "\"insured\":{\"type\":\"boolean\",\"description\":\"Insured?\"},"
                + "\"speed\":{\"type\":\"string\",\"enum\":[\"SLOW\",\"FAST\"],\"description\":\"Speed\"},"
                + "\"labels\":{\"type\":\"array\",\"items\":{\"type\":\"string\"},\"description\":\"Labels\"},"
                + "\"extras\":{\"type\":\"object\",\"description\":\"Extras\"},"
                + "\"destination\":{\"type\":\"string\",\"description\":\"Destination\"}},"
                + "\"required\":[\"weight_kg\",\"parcels\",\"speed\",\"destination\"]}"), schema);
        assertArrayEquals(new String[] {"weight_kg", "parcels", "insured", "speed", "labels", "extras", "destination"},
                quote.getParameterNames());
    }

    @Test
    void shouldCallWithNamedArgumentsAndReturnJson() throws Exception {
        String result = quote.callJson("{\"weight_kg\":2.5,\"parcels\":2,\"speed\":\"FAST\",\"destination\":\"Oslo\","
                + "\"labels\":[\"fragile\"]}");

        assertEquals(Json.mapper().readTree("{\"price\":10.0,\"to\":\"Oslo\",\"labels\":[\"fragile\"]}"),
                Json.mapper().readTree(result));
    }

    @Test
    void shouldNameTheToolAndParameterOfAMissingArgument() {
        BridgeException error = assertThrows(BridgeException.class,
                () -> quote.callJson("{\"weight_kg\":1,\"parcels\":1,\"speed\":\"SLOW\"}"));

        assertEquals("tool 'quote': missing required argument 'destination' (string)", error.getMessage());
    }

    @Test
    void shouldNameTheToolAndParameterOfAWrongType() {
        BridgeException error = assertThrows(BridgeException.class, () -> quote.callJson(
                "{\"weight_kg\":\"heavy\",\"parcels\":1,\"speed\":\"SLOW\",\"destination\":\"x\"}"));

        assertEquals("tool 'quote': argument 'weight_kg' must be number, got \"heavy\"", error.getMessage());
    }

    @Test
    void shouldRejectFractionalIntegersAndUnknownEnumConstants() {
        assertThrows(BridgeException.class, () -> quote.callJson(
                "{\"weight_kg\":1,\"parcels\":1.5,\"speed\":\"SLOW\",\"destination\":\"x\"}"));
        BridgeException error = assertThrows(BridgeException.class, () -> quote.callJson(
                "{\"weight_kg\":1,\"parcels\":1,\"speed\":\"WARP\",\"destination\":\"x\"}"));

        assertTrue(error.getMessage().startsWith("tool 'quote': argument 'speed' cannot be read as"),
                error.getMessage());
    }

    @Test
    void shouldRejectUnknownArguments() {
        BridgeException error = assertThrows(BridgeException.class, () -> quote.callJson(
                "{\"weight_kg\":1,\"parcels\":1,\"speed\":\"SLOW\",\"destination\":\"x\",\"colour\":\"red\"}"));

        assertTrue(error.getMessage().startsWith("tool 'quote': unknown argument 'colour'"), error.getMessage());
    }

    @Test
    void shouldLetTheToolsOwnExceptionsThrough() {
        JavaTool explode = tools.get(0);

        assertEquals("explode", explode.getName());
        assertThrows(UnsupportedOperationException.class, () -> explode.callJson(null));
    }
}

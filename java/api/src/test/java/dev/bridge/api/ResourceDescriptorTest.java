package dev.bridge.api;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ResourceDescriptorTest {
    private final ObjectMapper mapper = new ObjectMapper();

    @Test
    void shouldWriteTargetClazzAndArguments() throws Exception {
        ResourceDescriptor descriptor = new ResourceDescriptor("com.example.Model", Map.of("temperature", 0.5));

        assertEquals("{\"target_clazz\":\"com.example.Model\",\"arguments\":{\"temperature\":0.5}}",
                mapper.writeValueAsString(descriptor));
    }

    @Test
    void shouldReadTheSameJsonBack() throws Exception {
        ResourceDescriptor read = mapper.readValue(
                "{\"target_clazz\":\"com.example.Model\",\"arguments\":{\"k\":\"v\"}}", ResourceDescriptor.class);

        assertEquals(new ResourceDescriptor("com.example.Model", Map.of("k", "v")), read);
    }

    @Test
    void shouldWriteResourceTypesAsWireNames() throws Exception {
        assertEquals("\"vector_store\"", mapper.writeValueAsString(ResourceType.VECTOR_STORE));
        assertEquals(ResourceType.MCP_SERVER, mapper.readValue("\"mcp_server\"", ResourceType.class));
    }
}

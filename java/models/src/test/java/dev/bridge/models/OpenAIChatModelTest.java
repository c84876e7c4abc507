package dev.bridge.models;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.bridge.api.BridgeException;
import dev.bridge.api.ChatModel;
import dev.bridge.api.Resource;
import dev.bridge.api.ResourceType;
import dev.bridge.api.Tool;
import dev.bridge.runtime.JavaResources;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BiFunction;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** {@link OpenAIChatModel}, {@link ChatModelSetup} and {@link OpenAIChatModelConnection} against a chat-completions server on 127.0.0.1 answering in OpenAI's wire format. */
class OpenAIChatModelTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String KEY = "sk-test-0123456789";
    private static final Map<String, Object> CONVERT = Map.of(
            "name", "convert",
            "description", "Converts a length between units.",
            "parameters", Map.of(
                    "type", "object",
                    "properties", Map.of(
                            "value", Map.of("type", "number"),
                            "from", Map.of("type", "string", "enum", List.of("km", "mi"))),
                    "required", List.of("value", "from"),
                    "additionalProperties", false));

    private ChatCompletionsServer server;

    @BeforeEach
    void start() throws Exception {
        server = new ChatCompletionsServer();
    }

    @AfterEach
    void stop() {
        server.close();
    }

    private ChatModel model(Map<String, Object> extra) {
        Map<String, Object> args = new LinkedHashMap<>(Map.of("base_url", server.baseUrl(), "model", "test-model",
                "api_key", KEY, "retries", 0));
        args.putAll(extra);
        return new OpenAIChatModel(args);
    }

    private static List<Map<String, Object>> user(String text) {
        return List.of(Map.of("role", "user", "content", text));
    }

    @Test
    void shouldPostTheModelTemperatureMessagesAndKeyToChatCompletionsOverHttp11() throws Exception {
        server.answer("{\"role\": \"assistant\", \"content\": \"It is 6.2 miles.\"}", "stop");

        Map<String, Object> answer = model(Map.of("temperature", 0.2)).chat(List.of(
                Map.of("role", "system", "content", "Be brief."),
                Map.of("role", "user", "content", "10 km in miles?")));

        assertEquals(Map.of("role", "assistant", "content", "It is 6.2 miles.", "tool_calls", List.of()), answer);
        ChatCompletionsServer.Request request = server.requests().get(0);
        assertEquals("POST", request.method());
        assertEquals("/v1/chat/completions", request.path());
        assertEquals("Bearer " + KEY, request.headers().getFirst("Authorization"));
        assertNull(request.headers().getFirst("Upgrade"), "an h2c upgrade makes uvicorn servers drop the body");
        assertEquals("test-model", request.body().get("model").asText());
        assertEquals(0.2, request.body().get("temperature").asDouble());
        assertEquals(JSON.readTree("[{\"role\": \"system\", \"content\": \"Be brief.\"},"
                + " {\"role\": \"user\", \"content\": \"10 km in miles?\"}]"), request.body().get("messages"));
        assertFalse(request.body().has("tools"), "no tools offered, none sent");
    }

    @Test
    void shouldSendToolSchemasAndTheToolTurnsAndReadToolCallsBackWithArgumentsAsAnObject() throws Exception {
        server.answer("{\"role\": \"assistant\", \"content\": null, \"tool_calls\": [{\"id\": \"call_9\","
                + " \"type\": \"function\", \"function\": {\"name\": \"convert\","
                + " \"arguments\": \"{\\\"value\\\": 10, \\\"from\\\": \\\"km\\\"}\"}}]}", "tool_calls");
        List<Map<String, Object>> conversation = List.of(
                Map.of("role", "user", "content", "10 km?"),
                Map.of("role", "assistant", "content", "", "tool_calls", List.of(
                        Map.of("id", "call_1", "name", "convert", "arguments", Map.of("value", 1, "from", "km")))),
                Map.of("role", "tool", "tool_call_id", "call_1", "name", "convert", "content", "0.62"));

        Map<String, Object> answer = model(Map.of()).chat(conversation, List.of(CONVERT));

        assertEquals("", answer.get("content"));
        assertEquals(List.of(Map.of("id", "call_9", "name", "convert", "arguments", Map.of("value", 10, "from", "km"))),
                answer.get("tool_calls"));
        JsonNode body = server.requests().get(0).body();
        JsonNode assistant = body.get("messages").get(1);
        assertEquals("call_1", assistant.get("tool_calls").get(0).get("id").asText());
        assertEquals("convert", assistant.get("tool_calls").get(0).get("function").get("name").asText());
        assertEquals(JSON.readTree("{\"value\": 1, \"from\": \"km\"}"),
                JSON.readTree(assistant.get("tool_calls").get(0).get("function").get("arguments").asText()),
                "arguments go out as JSON text");
        assertEquals(JSON.readTree("{\"role\": \"tool\", \"tool_call_id\": \"call_1\", \"content\": \"0.62\"}"),
                body.get("messages").get(2));
        JsonNode function = body.get("tools").get(0).get("function");
        assertEquals("function", body.get("tools").get(0).get("type").asText());
        assertEquals("convert", function.get("name").asText());
        assertEquals("Converts a length between units.", function.get("description").asText());
        JsonNode parameters = function.get("parameters");
        assertEquals("object", parameters.get("type").asText());
        assertEquals(JSON.valueToTree(((Map<?, ?>) CONVERT.get("parameters")).get("properties")),
                parameters.get("properties"), "each property's schema reaches the server as the tool wrote it");
        assertEquals(JSON.readTree("[\"value\", \"from\"]"), parameters.get("required"));
    }

    @Test
    void shouldKeepToolArgumentsThatAreNotAJsonObjectAsTextForTheToolActionToReport() {
        server.answer("{\"role\": \"assistant\", \"content\": \"\", \"tool_calls\": [{\"id\": \"c1\", \"type\": \"function\","
                + " \"function\": {\"name\": \"convert\", \"arguments\": \"{value: ten\"}}]}", "tool_calls");

        Map<String, Object> answer = model(Map.of()).chat(user("go"), List.of(CONVERT));

        assertEquals("{value: ten", ((Map<?, ?>) ((List<?>) answer.get("tool_calls")).get(0)).get("arguments"));
    }

    @Test
    void shouldNameTheModelTheUrlAndTheStatusButNeverTheKeyWhenTheServerRefuses() {
        server.answer(401, "{\"error\": {\"message\": \"Incorrect API key provided: " + KEY + "\","
                + " \"type\": \"invalid_request_error\", \"code\": \"invalid_api_key\"}}");

        BridgeException error = assertThrows(BridgeException.class, () -> model(Map.of()).chat(user("hi")));

        String message = error.getMessage();
        assertTrue(message.contains("chat model 'test-model' at " + server.baseUrl()), message);
        assertTrue(message.contains("HTTP 401") && message.contains("Incorrect API key provided: ***"), message);
        StringWriter trace = new StringWriter();
        error.printStackTrace(new PrintWriter(trace));
        assertFalse(trace.toString().contains(KEY), "the key leaked into the error or its causes");
    }

    @Test
    void shouldRetryAServerErrorThenAnswer() {
        server.answer(503, "{\"error\": {\"message\": \"overloaded\"}}")
                .answer("{\"role\": \"assistant\", \"content\": \"back\"}", "stop");

        Map<String, Object> answer = model(Map.of("retries", 1)).chat(user("hi"));

        assertEquals("back", answer.get("content"));
        assertEquals(2, server.requests().size());
    }

    @Test
    void shouldGiveUpWhenTheRetriesAreSpentWithTheServersMessage() {
        server.answer(500, "{\"error\": {\"message\": \"boom\"}}").answer(200, "{}");

        BridgeException error = assertThrows(BridgeException.class, () -> model(Map.of("retries", 0)).chat(user("hi")));

        assertTrue(error.getMessage().contains("HTTP 500") && error.getMessage().contains("boom"), error.getMessage());
        assertEquals(1, server.requests().size(), "retries 0: no second try");
    }

    @Test
    void shouldNameTheUrlWhenNothingListens() {
        String url = server.baseUrl();
        server.close();

        BridgeException error = assertThrows(BridgeException.class, () -> new OpenAIChatModel(Map.of(
                "base_url", url, "model", "m", "retries", 0)).chat(user("hi")));

        assertTrue(error.getMessage().startsWith("chat model 'm' at " + url + ": the request failed"), error.getMessage());
    }

    @Test
    void shouldReadTheKeyFromTheVariableNamedByApiKeyEnv() {
        server.answer("{\"role\": \"assistant\", \"content\": \"ok\"}", "stop");
        Map<String, Object> args = Map.of("base_url", server.baseUrl(), "model", "m", "api_key_env", "MY_KEY");

        new OpenAIChatModel(args, name -> "MY_KEY".equals(name) ? "sk-from-env" : null).chat(user("hi"));

        assertEquals("Bearer sk-from-env", server.requests().get(0).headers().getFirst("Authorization"));
        BridgeException unset = assertThrows(BridgeException.class, () -> new OpenAIChatModel(args, name -> null));
        assertTrue(unset.getMessage().contains("'MY_KEY' (api_key_env) is not set"), unset.getMessage());
    }

    @Test
    void shouldSendNoAuthorizationWithoutAKeyAsALocalServerWants() {
        server.answer("{\"role\": \"assistant\", \"content\": \"ok\"}", "stop");

        new OpenAIChatModel(Map.of("base_url", server.baseUrl(), "model", "m")).chat(user("hi"));

        assertNull(server.requests().get(0).headers().getFirst("Authorization"));
    }

    @Test
    void shouldRefuseArgumentsItCannotUseNamingThem() {
        String url = server.baseUrl();
        assertRefused("needs 'model'", Map.of("base_url", url));
        assertRefused("unknown argument 'colour'", Map.of("model", "m", "colour", "blue"));
        assertRefused("unknown argument 'connection'; the arguments are", Map.of("model", "m", "connection", "c"));
        assertRefused("'retry_wait' and 'retry_max_wait' are not supported in Java",
                Map.of("model", "m", "retry_wait", 0.5));
        assertRefused("not both", Map.of("model", "m", "api_key", "k", "api_key_env", "K"));
        assertRefused("'timeout' is seconds per request and must be above 0", Map.of("model", "m", "timeout", 0));
        assertRefused("'retries' must be a whole number", Map.of("model", "m", "retries", 1.5));
        assertRefused("'temperature' must be a number", Map.of("model", "m", "temperature", "hot"));
    }

    @Test
    void shouldRefuseAMessageItCannotSendNamingIt() {
        BridgeException error = assertThrows(BridgeException.class, () -> model(Map.of()).chat(List.of(
                Map.of("role", "user", "content", "hi"), Map.of("role", "robot", "content", "beep"))));

        assertTrue(error.getMessage().contains("message 2 cannot be sent: role 'robot'"), error.getMessage());
        assertTrue(server.requests().isEmpty());
    }

    @Test
    void shouldReachTheServerThroughTheConnectionASetupNamesAndOfferTheSetupsJavaTools() throws Exception {
        server.answer("{\"role\": \"assistant\", \"content\": \"via the connection\"}", "stop");
        Map<String, Resource> plan = Map.of(
                "chat_model_connection/local", new OpenAIChatModelConnection(Map.of("base_url", server.baseUrl(),
                        "api_key", KEY, "retries", 0)),
                "tool/shout", JavaResources.tools(new Shout()).get(0));

        ChatModel setup = new ChatModelSetup(Map.of("connection", "local", "model", "small", "temperature", 0.5,
                "tools", List.of("shout")), lookup(plan));

        assertEquals("via the connection", setup.chat(user("hi"), List.of(CONVERT)).get("content"));
        ChatCompletionsServer.Request request = server.requests().get(0);
        assertEquals("small", request.body().get("model").asText());
        assertEquals(0.5, request.body().get("temperature").asDouble());
        assertEquals("Bearer " + KEY, request.headers().getFirst("Authorization"));
        List<String> offered = new ArrayList<>();
        request.body().get("tools").forEach(tool -> offered.add(tool.get("function").get("name").asText()));
        assertEquals(List.of("convert", "shout"), offered, "the action's tools first, then the setup's");
        assertEquals("Says it louder.", request.body().get("tools").get(1).get("function").get("description").asText());
    }

    @Test
    void shouldRefuseAConnectionOrToolThatIsNotOne() {
        Map<String, Resource> plan = Map.of("chat_model_connection/other", new OpenAIChatModel(Map.of("model", "x")),
                "chat_model_connection/local", new OpenAIChatModelConnection(Map.of()),
                "tool/py", () -> ResourceType.TOOL);

        BridgeException wrong = assertThrows(BridgeException.class,
                () -> new ChatModelSetup(Map.of("connection", "other", "model", "m"), lookup(plan)));
        BridgeException tool = assertThrows(BridgeException.class, () -> new ChatModelSetup(Map.of("connection",
                "local", "model", "m", "tools", List.of("py")), lookup(plan)));
        BridgeException stray = assertThrows(BridgeException.class,
                () -> new OpenAIChatModelConnection(Map.of("base_url", "http://x", "model", "m")));

        assertTrue(wrong.getMessage().contains("connection 'other' is a dev.bridge.models.OpenAIChatModel, not a"),
                wrong.getMessage());
        assertTrue(tool.getMessage().contains("tool 'py' is not a Java tool"), tool.getMessage());
        assertTrue(stray.getMessage().contains("chat model connection: unknown argument 'model'"), stray.getMessage());
    }

    /** A Java tool resource, as the host hands a setup the plan's tools. */
    public static class Shout {
        @Tool(description = "Says it louder.")
        public String shout(String text) {
            return text.toUpperCase(java.util.Locale.ROOT);
        }
    }

    private static BiFunction<String, ResourceType, Resource> lookup(Map<String, Resource> plan) {
        return (name, type) -> plan.get(type.getValue() + "/" + name);
    }

    private static void assertRefused(String expected, Map<String, Object> args) {
        BridgeException error = assertThrows(BridgeException.class, () -> new OpenAIChatModel(args));
        assertTrue(error.getMessage().contains(expected), error.getMessage());
    }
}

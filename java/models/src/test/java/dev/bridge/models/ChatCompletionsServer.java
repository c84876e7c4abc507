package dev.bridge.models;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.Headers;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;

/**
 * An OpenAI-compatible chat-completions server on 127.0.0.1 for tests: answers {@code POST
 * /v1/chat/completions} with the queued answers in order (the real wire format) and keeps every request it
 * got, so a test asserts on what the model sent.
 */
final class ChatCompletionsServer implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** One request as the server saw it. */
    record Request(String method, String path, Headers headers, JsonNode body) {
    }

    private record Answer(int status, String body) {
    }

    private final HttpServer server;
    private final Deque<Answer> answers = new ArrayDeque<>();
    private final List<Request> requests = new ArrayList<>();

    ChatCompletionsServer() throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/", this::handle);
        server.start();
    }

    /** The base URL a model is pointed at, {@code http://127.0.0.1:<port>/v1}. */
    String baseUrl() {
        return "http://127.0.0.1:" + server.getAddress().getPort() + "/v1";
    }

    /** Queues a 200 answer whose assistant message is {@code message} (a JSON object). */
    ChatCompletionsServer answer(String message, String finishReason) {
        return answer(200, "{\"id\": \"chatcmpl-1\", \"object\": \"chat.completion\", \"created\": 1700000000,"
                + " \"model\": \"test-model\", \"choices\": [{\"index\": 0, \"message\": " + message + ","
                + " \"finish_reason\": \"" + finishReason + "\"}],"
                + " \"usage\": {\"prompt_tokens\": 12, \"completion_tokens\": 5, \"total_tokens\": 17}}");
    }

    /** Queues an answer with any status and body. */
    synchronized ChatCompletionsServer answer(int status, String body) {
        answers.add(new Answer(status, body));
        return this;
    }

    synchronized List<Request> requests() {
        return List.copyOf(requests);
    }

    private void handle(HttpExchange exchange) throws IOException {
        byte[] in = exchange.getRequestBody().readAllBytes();
        Answer answer;
        synchronized (this) {
            requests.add(new Request(exchange.getRequestMethod(), exchange.getRequestURI().getPath(),
                    exchange.getRequestHeaders(), in.length == 0 ? null : JSON.readTree(in)));
            answer = answers.isEmpty() ? new Answer(500, "{\"error\": {\"message\": \"no answer queued\"}}")
                    : answers.poll();
        }
        byte[] out = answer.body().getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", "application/json");
        exchange.sendResponseHeaders(answer.status(), out.length);
        try (OutputStream body = exchange.getResponseBody()) {
            body.write(out);
        }
    }

    @Override
    public void close() {
        server.stop(0);
    }
}

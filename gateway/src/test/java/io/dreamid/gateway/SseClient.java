package io.dreamid.gateway;

import com.fasterxml.jackson.databind.JsonNode;
import io.dreamid.common.json.Json;
import io.dreamid.gateway.auth.ApiKeyFilter;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Stream;

/** Follows a job's server-sent events as a client does; collects each event's job JSON. */
public final class SseClient {
    private final List<JsonNode> states = new CopyOnWriteArrayList<>();
    private final CompletableFuture<Integer> finished;

    private SseClient(URI uri, String apiKey) {
        HttpRequest request = HttpRequest.newBuilder(uri)
                .header(ApiKeyFilter.HEADER, apiKey)
                .header("Accept", "text/event-stream")
                .GET().build();
        finished = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build()
                .sendAsync(request, HttpResponse.BodyHandlers.ofLines())
                .thenApply(response -> {
                    try (Stream<String> lines = response.body()) {
                        lines.filter(line -> line.startsWith("data:"))
                                .map(line -> line.substring("data:".length()).strip())
                                .forEach(data -> states.add(parse(data)));
                    }
                    return response.statusCode();
                });
    }

    public static SseClient follow(URI gateway, String jobId, String apiKey) {
        return new SseClient(gateway.resolve("/v1/jobs/" + jobId + "/events"), apiKey);
    }

    /** Follows the events at {@code path}, e.g. {@code /v1/datasets/{id}/events}. */
    public static SseClient followPath(URI gateway, String path, String apiKey) {
        return new SseClient(gateway.resolve(path), apiKey);
    }

    public List<JsonNode> states() {
        return states;
    }

    public List<String> statuses() {
        return states.stream().map(s -> s.path("status").asText()).toList();
    }

    /** Completes with the HTTP status once the server has ended the stream. */
    public CompletableFuture<Integer> finished() {
        return finished;
    }

    private static JsonNode parse(String data) {
        try {
            return Json.mapper().readTree(data);
        } catch (IOException e) {
            throw new UncheckedIOException("an event's data is not JSON: " + data, e);
        }
    }
}

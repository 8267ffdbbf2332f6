package io.dreamid.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Set;
import java.util.function.Predicate;

/** The gateway's public API as a user's program calls it, for the end-to-end tests. */
final class GatewayApi {
    static final Set<String> TERMINAL = Set.of("SUCCEEDED", "FAILED", "CANCELLED");
    private static final ObjectMapper JSON = new ObjectMapper();

    private final URI base;
    private final String apiKey;
    private final HttpClient http = HttpClient.newHttpClient();

    GatewayApi(URI base, String apiKey) {
        this.base = base;
        this.apiKey = apiKey;
    }

    HttpResponse<String> submitPhoto(byte[] photo, String filename, String specJson) {
        return submitPhoto(photo, filename, specJson, null);
    }

    /** A photo job; with an {@code Idempotency-Key} when {@code idempotencyKey} is not null. */
    HttpResponse<String> submitPhoto(byte[] photo, String filename, String specJson, String idempotencyKey) {
        return send(photoJob(photo, filename, specJson, idempotencyKey));
    }

    /**
     * As {@link #submitPhoto(byte[], String, String, String)} for a client that retries: a submission that got no
     * answer (timed out, connection refused) gives null instead of failing.
     */
    HttpResponse<String> trySubmitPhoto(byte[] photo, String filename, String specJson, String idempotencyKey) {
        try {
            return http.send(photoJob(photo, filename, specJson, idempotencyKey), HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            return null;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    private HttpRequest photoJob(byte[] photo, String filename, String specJson, String idempotencyKey) {
        String boundary = "e2e-boundary-" + System.nanoTime();
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        body.writeBytes(("--" + boundary + "\r\nContent-Disposition: form-data; name=\"spec\"\r\n"
                + "Content-Type: application/json\r\n\r\n" + specJson + "\r\n").getBytes(StandardCharsets.UTF_8));
        body.writeBytes(("--" + boundary + "\r\nContent-Disposition: form-data; name=\"photo\"; filename=\"" + filename
                + "\"\r\nContent-Type: image/jpeg\r\n\r\n").getBytes(StandardCharsets.UTF_8));
        body.writeBytes(photo);
        body.writeBytes(("\r\n--" + boundary + "--\r\n").getBytes(StandardCharsets.UTF_8));
        HttpRequest.Builder request = request("/v1/jobs");
        if (idempotencyKey != null) {
            request.header("Idempotency-Key", idempotencyKey);
        }
        return request.header("Content-Type", "multipart/form-data; boundary=" + boundary)
                .POST(HttpRequest.BodyPublishers.ofByteArray(body.toByteArray())).build();
    }

    HttpResponse<String> submitIdentity(byte[] photo, String filename) {
        String boundary = "e2e-boundary-" + System.nanoTime();
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        body.writeBytes(("--" + boundary + "\r\nContent-Disposition: form-data; name=\"photo\"; filename=\"" + filename
                + "\"\r\nContent-Type: image/jpeg\r\n\r\n").getBytes(StandardCharsets.UTF_8));
        body.writeBytes(photo);
        body.writeBytes(("\r\n--" + boundary + "--\r\n").getBytes(StandardCharsets.UTF_8));
        return send(request("/v1/identities").header("Content-Type", "multipart/form-data; boundary=" + boundary)
                .POST(HttpRequest.BodyPublishers.ofByteArray(body.toByteArray())).build());
    }

    /** {@code POST /v1/faces:compare} with the given parts ({@code a}, {@code b}; a null photo is left out). */
    HttpResponse<String> compare(byte[] a, byte[] b) {
        String boundary = "e2e-boundary-" + System.nanoTime();
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        String[] names = {"a", "b"};
        byte[][] photos = {a, b};
        for (int i = 0; i < 2; i++) {
            if (photos[i] != null) {
                body.writeBytes(("--" + boundary + "\r\nContent-Disposition: form-data; name=\"" + names[i]
                        + "\"; filename=\"" + names[i] + ".img\"\r\nContent-Type: application/octet-stream\r\n\r\n")
                        .getBytes(StandardCharsets.UTF_8));
                body.writeBytes(photos[i]);
                body.writeBytes("\r\n".getBytes(StandardCharsets.UTF_8));
            }
        }
        body.writeBytes(("--" + boundary + "--\r\n").getBytes(StandardCharsets.UTF_8));
        return send(request("/v1/faces:compare").header("Content-Type", "multipart/form-data; boundary=" + boundary)
                .POST(HttpRequest.BodyPublishers.ofByteArray(body.toByteArray())).build());
    }

    HttpResponse<String> submitJson(String json) {
        return postJson("/v1/jobs", json);
    }

    HttpResponse<String> postJson(String path, String json) {
        return send(request(path).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(json)).build());
    }

    HttpResponse<String> patch(String path, String json) {
        return send(request(path).header("Content-Type", "application/json")
                .method("PATCH", HttpRequest.BodyPublishers.ofString(json)).build());
    }

    HttpResponse<String> cancel(String jobId) {
        return send(request("/v1/jobs/" + jobId).DELETE().build());
    }

    HttpResponse<String> get(String path) {
        return send(request(path).GET().build());
    }

    byte[] bytes(String path) {
        try {
            HttpResponse<byte[]> r = http.send(request(path).GET().build(), HttpResponse.BodyHandlers.ofByteArray());
            if (r.statusCode() != 200) {
                throw new AssertionError("GET " + path + " -> " + r.statusCode());
            }
            return r.body();
        } catch (IOException e) {
            throw new AssertionError("GET " + path + " failed: " + e, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    JsonNode job(String jobId) {
        HttpResponse<String> r = get("/v1/jobs/" + jobId);
        return r.statusCode() == 200 ? json(r.body()) : null;
    }

    /** Polls the job until {@code until} holds; fails with the last state after the timeout. */
    JsonNode await(String jobId, Duration timeout, Predicate<JsonNode> until) {
        long deadline = System.nanoTime() + timeout.toNanos();
        JsonNode last = null;
        while (System.nanoTime() < deadline) {
            last = job(jobId);
            if (last != null && until.test(last)) {
                return last;
            }
            Platform.pause(100);
        }
        throw new AssertionError("job " + jobId + " did not reach the expected state in " + timeout + "; last: " + last);
    }

    JsonNode awaitTerminal(String jobId, Duration timeout) {
        return await(jobId, timeout, j -> TERMINAL.contains(j.path("status").asText()));
    }

    static JsonNode json(String text) {
        try {
            return JSON.readTree(text);
        } catch (IOException e) {
            throw new AssertionError("not JSON: " + text, e);
        }
    }

    private HttpRequest.Builder request(String path) {
        return HttpRequest.newBuilder(base.resolve(path)).header("X-API-Key", apiKey).timeout(Duration.ofSeconds(30));
    }

    private HttpResponse<String> send(HttpRequest request) {
        try {
            return http.send(request, HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new AssertionError(request.method() + " " + request.uri() + " failed: " + e, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }
}

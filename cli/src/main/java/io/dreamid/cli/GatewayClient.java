package io.dreamid.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.BufferedReader;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.function.Consumer;
import java.util.function.Predicate;

/** The gateway's job API as the CLI uses it: submit, read, follow (server-sent events), download. */
final class GatewayClient {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** Submissions in all while the gateway answers 503 with a Retry-After. */
    static final int SUBMIT_ATTEMPTS = 4;
    private static final long MAX_RETRY_AFTER_SECONDS = 10;

    private final Connection connection;
    private final HttpClient http;
    private Consumer<String> notices = message -> { };

    GatewayClient(Connection connection) {
        this.connection = connection;
        this.http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    }

    /** Where messages for the user go (a submission being sent again), instead of nowhere. */
    GatewayClient onNotice(Consumer<String> sink) {
        this.notices = sink;
        return this;
    }

    /** Submits a photo and a spec as multipart; returns the accepted job's JSON. */
    JsonNode submitPhoto(Path photo, Map<String, Object> spec) {
        String boundary = "dreamid-" + UUID.randomUUID();
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        try {
            writePart(body, boundary, "spec", null, "application/json", JSON.writeValueAsBytes(spec));
            writePart(body, boundary, "photo", photo.getFileName().toString(), contentType(photo),
                    Files.readAllBytes(photo));
            body.write(("--" + boundary + "--\r\n").getBytes(StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UsageException("cannot read " + photo + ": " + e.getMessage());
        }
        HttpRequest request = submission()
                .header("Content-Type", "multipart/form-data; boundary=" + boundary)
                .POST(HttpRequest.BodyPublishers.ofByteArray(body.toByteArray()))
                .build();
        return expectJson(submit(request), 202);
    }

    /** Submits a job that reuses an identity; returns the accepted job's JSON. */
    JsonNode submitIdentity(String identityId, Map<String, Object> spec) {
        return expectJson(submit(jsonPost(submission(), Map.of("identityId", identityId, "spec", spec))), 202);
    }

    /** A POST of {@code body} as JSON. */
    private static HttpRequest jsonPost(HttpRequest.Builder builder, Object body) {
        try {
            return builder.header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofByteArray(JSON.writeValueAsBytes(body)))
                    .build();
        } catch (IOException e) {
            throw new GatewayException("cannot encode the request: " + e.getMessage(), e);
        }
    }

    JsonNode job(String jobId) {
        return expectJson(send(request("/v1/jobs/" + jobId).GET().build()), 200);
    }

    /**
     * Submits a dataset build with a key of its own, sent again while the gateway answers 503 (as jobs are); returns
     * the accepted build's JSON.
     */
    JsonNode submitDataset(Map<String, Object> spec) {
        return expectJson(submit(jsonPost(submission("/v1/datasets"), spec)), 202);
    }

    JsonNode dataset(String datasetId) {
        return expectJson(send(request("/v1/datasets/" + datasetId).GET().build()), 200);
    }

    /**
     * Follows the job's server-sent events, handing each job state to {@code onState} until it returns true
     * (a terminal state) or the stream ends. Returns the last state seen, or null if none came.
     */
    JsonNode follow(String jobId, Predicate<JsonNode> onState) {
        return followEvents("/v1/jobs/" + jobId + "/events", onState);
    }

    /** Follows the server-sent events at {@code path} (a job's or a dataset build's), as {@link #follow}. */
    JsonNode followEvents(String path, Predicate<JsonNode> onState) {
        HttpRequest request = request(path)
                .header("Accept", "text/event-stream")
                .GET().build();
        HttpResponse<InputStream> response;
        try {
            response = http.send(request, HttpResponse.BodyHandlers.ofInputStream());
        } catch (IOException e) {
            throw unreachable(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new GatewayException("interrupted");
        }
        if (response.statusCode() != 200) {
            throw refused(response.statusCode(), readAll(response.body()));
        }
        JsonNode last = null;
        try (BufferedReader reader = new BufferedReader(
                new InputStreamReader(response.body(), StandardCharsets.UTF_8))) {
            StringBuilder data = new StringBuilder();
            for (String line = reader.readLine(); line != null; line = reader.readLine()) {
                if (line.startsWith("data:")) {
                    data.append(line.substring(5).stripLeading());
                } else if (line.isEmpty() && data.length() > 0) {
                    JsonNode state = JSON.readTree(data.toString());
                    data.setLength(0);
                    if (state.has("status")) {
                        last = state;
                        if (onState.test(state)) {
                            return last;
                        }
                    }
                }
            }
        } catch (IOException e) {
            // the stream broke off; the caller falls back to reading the job
        }
        return last;
    }

    private static void save(byte[] image, Path target, URI from) {
        try {
            Files.createDirectories(target.toAbsolutePath().getParent());
            Files.write(target, image);
        } catch (IOException e) {
            throw new GatewayException("the image " + from + " was downloaded but cannot be written to " + target
                    + " (" + e + "); it stays at the gateway: fetch it again with --out pointing to a writable folder"
                    + " or from that link");
        }
    }

    /** Downloads an image link of the job (relative to the gateway, or absolute) to {@code target}. */
    void download(String link, Path target) {
        URI uri = link.startsWith("http") ? URI.create(link) : connection.gateway().resolve(link);
        HttpRequest request = HttpRequest.newBuilder(uri).header("X-API-Key", connection.apiKey())
                .timeout(Duration.ofMinutes(2)).GET().build();
        try {
            HttpResponse<byte[]> response = http.send(request, HttpResponse.BodyHandlers.ofByteArray());
            if (response.statusCode() != 200) {
                throw refused(response.statusCode(), new String(response.body(), StandardCharsets.UTF_8));
            }
            save(response.body(), target, uri);
        } catch (IOException e) {
            throw unreachable(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new GatewayException("interrupted");
        }
    }

    URI gateway() {
        return connection.gateway();
    }

    /**
     * A submission with a key of its own ({@code Idempotency-Key}): sent again after a 503 or a lost answer, it
     * names the same job, so the gateway answers with that job instead of starting a second one.
     */
    private HttpRequest.Builder submission() {
        return submission("/v1/jobs");
    }

    private HttpRequest.Builder submission(String path) {
        return request(path).header("Idempotency-Key", UUID.randomUUID().toString());
    }

    private HttpRequest.Builder request(String path) {
        return HttpRequest.newBuilder(connection.gateway().resolve(path))
                .header("X-API-Key", connection.apiKey())
                .timeout(Duration.ofMinutes(1));
    }

    /**
     * Sends a submission, and sends it again (up to {@value #SUBMIT_ATTEMPTS} times in all) while the gateway answers
     * 503 with a Retry-After: busy with other uploads, or the broker or storage briefly away. The gateway accepted
     * nothing then (a job it could not publish is withdrawn), so sending again cannot make two jobs.
     */
    private HttpResponse<String> submit(HttpRequest request) {
        for (int attempt = 1; ; attempt++) {
            HttpResponse<String> response = send(request);
            Optional<String> retryAfter = response.headers().firstValue("Retry-After");
            if (response.statusCode() != 503 || retryAfter.isEmpty() || attempt == SUBMIT_ATTEMPTS) {
                return response;
            }
            long seconds = Math.max(1, Math.min(MAX_RETRY_AFTER_SECONDS, parseSeconds(retryAfter.get())));
            notices.accept("the gateway is busy (" + errorText(response.body()) + "); trying again in " + seconds
                    + " s");
            try {
                Thread.sleep(seconds * 1000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new GatewayException("interrupted");
            }
        }
    }

    private static long parseSeconds(String value) {
        try {
            return Long.parseLong(value.strip());
        } catch (NumberFormatException e) {
            return 2;
        }
    }

    private static String errorText(String body) {
        try {
            JsonNode error = JSON.readTree(body);
            return error.path("code").asText("HTTP 503");
        } catch (IOException e) {
            return "HTTP 503";
        }
    }

    private HttpResponse<String> send(HttpRequest request) {
        try {
            return http.send(request, HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw unreachable(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new GatewayException("interrupted");
        }
    }

    private JsonNode expectJson(HttpResponse<String> response, int expected) {
        if (response.statusCode() != expected) {
            throw refused(response.statusCode(), response.body());
        }
        try {
            return JSON.readTree(response.body());
        } catch (IOException e) {
            throw new GatewayException("the gateway answered with something that is not JSON: " + response.body());
        }
    }

    private GatewayException unreachable(IOException e) {
        String why = e instanceof ConnectException ? "nothing is listening there" : e.toString();
        return new GatewayException("cannot reach the gateway at " + connection.gateway() + " (" + why
                + "); start the local platform with './dreamid up' or pass --gateway URL", e);
    }

    private static GatewayException refused(int status, String body) {
        String message = body;
        try {
            JsonNode error = JSON.readTree(body);
            if (error.hasNonNull("message")) {
                message = error.path("code").asText("") + (error.has("code") ? ": " : "") + error.get("message").asText();
            }
        } catch (IOException ignored) {
            // not JSON: show the body as it came
        }
        String hint = switch (status) {
            case 401 -> " (check the API key: --api-key, DREAMID_API_KEY or .dreamid/api-key)";
            case 404 -> " (no such job for this API key)";
            case 413 -> " (the photo is too large)";
            default -> "";
        };
        return new GatewayException("the gateway refused the request: HTTP " + status + ": " + message + hint);
    }

    private static String readAll(InputStream in) {
        try (in) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "";
        }
    }

    private static void writePart(ByteArrayOutputStream out, String boundary, String name, String filename,
            String contentType, byte[] content) throws IOException {
        StringBuilder head = new StringBuilder("--").append(boundary).append("\r\n")
                .append("Content-Disposition: form-data; name=\"").append(name).append('"');
        if (filename != null) {
            head.append("; filename=\"").append(filename.replace("\"", "")).append('"');
        }
        head.append("\r\nContent-Type: ").append(contentType).append("\r\n\r\n");
        out.write(head.toString().getBytes(StandardCharsets.UTF_8));
        out.write(content);
        out.write("\r\n".getBytes(StandardCharsets.UTF_8));
    }

    private static String contentType(Path photo) {
        String name = photo.getFileName().toString().toLowerCase();
        if (name.endsWith(".png")) {
            return "image/png";
        }
        if (name.endsWith(".jpg") || name.endsWith(".jpeg")) {
            return "image/jpeg";
        }
        return "application/octet-stream";
    }
}

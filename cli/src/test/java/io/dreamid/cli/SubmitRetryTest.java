package io.dreamid.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.sun.net.httpserver.HttpServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * A submission the gateway answers 503 with a Retry-After (busy with other uploads, broker or storage briefly away;
 * nothing was accepted) is sent again after that wait, a few times, and the user is told. The gateway here is a
 * JDK HTTP server answering as the real one does in those cases (JobSubmissionIT, JobWithdrawalIT).
 */
class SubmitRetryTest {
    private static final String BUSY = "{\"code\":\"BUSY\",\"message\":\"the gateway is busy reading other photos;"
            + " nothing was accepted, retry the request in a few seconds\"}";

    private HttpServer server;
    /** The Idempotency-Key of every submission the gateway received, in order. */
    private final List<String> keys = new java.util.concurrent.CopyOnWriteArrayList<>();

    @AfterEach
    void stop() {
        if (server != null) {
            server.stop(0);
        }
    }

    @Test
    void aBusyGatewayIsAskedAgainAfterItsRetryAfter() throws Exception {
        AtomicInteger requests = gateway(2);
        List<String> notices = new ArrayList<>();

        JsonNode accepted = client().onNotice(notices::add)
                .submitIdentity("0123456789abcdef0123456789abcdef", Map.of("prompts", List.of("a photo of {id}")));

        assertThat(accepted.path("jobId").asText()).isEqualTo("job-1");
        assertThat(requests).hasValue(3);
        assertThat(notices).hasSize(2).allMatch(n -> n.equals("the gateway is busy (BUSY); trying again in 1 s"));
        // Sent again with its key, the submission names the job it may have started already.
        assertThat(keys).hasSize(3).doesNotContain("null").containsOnly(keys.get(0));
    }

    @Test
    void everySubmissionHasAKeyOfItsOwn() throws Exception {
        gateway(0);
        client().submitIdentity("0123456789abcdef0123456789abcdef", Map.of("prompts", List.of("a photo of {id}")));
        client().submitIdentity("0123456789abcdef0123456789abcdef", Map.of("prompts", List.of("a photo of {id}")));

        assertThat(keys).hasSize(2).doesNotContain("null").doesNotHaveDuplicates();
    }

    @Test
    void itGivesUpAfterAFewAttemptsWithTheGatewaysOwnMessage() throws Exception {
        AtomicInteger requests = gateway(Integer.MAX_VALUE);

        assertThatThrownBy(() -> client().submitIdentity("0123456789abcdef0123456789abcdef",
                Map.of("prompts", List.of("a photo of {id}"))))
                .isInstanceOf(GatewayException.class)
                .hasMessageContaining("retry the request in a few seconds");
        assertThat(requests).hasValue(GatewayClient.SUBMIT_ATTEMPTS);
    }

    /** A gateway that answers 503 BUSY (Retry-After: 1) to the first {@code busy} submissions, then 202. */
    private AtomicInteger gateway(int busy) throws IOException {
        AtomicInteger requests = new AtomicInteger();
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/v1/jobs", exchange -> {
            exchange.getRequestBody().readAllBytes();
            keys.add(String.valueOf(exchange.getRequestHeaders().getFirst("Idempotency-Key")));
            boolean refuse = requests.incrementAndGet() <= busy;
            byte[] body = (refuse ? BUSY : "{\"jobId\":\"job-1\",\"status\":\"ACCEPTED\"}")
                    .getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().add("Content-Type", "application/json");
            if (refuse) {
                exchange.getResponseHeaders().add("Retry-After", "1");
            }
            exchange.sendResponseHeaders(refuse ? 503 : 202, body.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
            }
        });
        server.start();
        return requests;
    }

    private GatewayClient client() {
        return new GatewayClient(new Connection(URI.create("http://127.0.0.1:" + server.getAddress().getPort()),
                "key"));
    }
}

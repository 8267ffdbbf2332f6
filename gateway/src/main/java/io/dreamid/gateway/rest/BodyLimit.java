package io.dreamid.gateway.rest;

import io.dreamid.common.json.Json;
import io.dreamid.gateway.config.GatewayConfig;
import io.dreamid.gateway.service.JobSubmissions;
import io.quarkus.runtime.configuration.MemorySize;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/**
 * Refuses a request body above {@code quarkus.http.limits.max-body-size} with a JSON 413 that says what to do.
 * Quarkus' own check (route order -2) answers with an empty 413 and closes the connection at once, which a client
 * still sending its upload sees as a reset connection rather than an answer. This one runs first: a client that
 * asked {@code Expect: 100-continue} gets the 413 before it sends anything; any other client's body is read and
 * discarded (up to {@link #DRAIN_LIMIT}) so that it can read the answer.
 */
@ApplicationScoped
public class BodyLimit {
    /** Above this, the body is not drained: the connection is closed after the answer. */
    static final long DRAIN_LIMIT = 512L * 1024 * 1024;

    @ConfigProperty(name = "quarkus.http.limits.max-body-size")
    MemorySize maxBodySize;

    @Inject
    GatewayConfig config;

    @Inject
    JobSubmissions submissions;

    void install(@Observes Router router) {
        router.route().order(-3).handler(this::check);
    }

    private void check(RoutingContext context) {
        HttpServerRequest request = context.request();
        String declared = request.getHeader(HttpHeaders.CONTENT_LENGTH);
        long length;
        try {
            length = declared == null ? -1 : Long.parseLong(declared.strip());
        } catch (NumberFormatException e) {
            length = -1;
        }
        if (length <= maxBodySize.asLongValue()) {
            context.next();
            return;
        }
        if (request.path().startsWith("/v1/jobs")) {
            submissions.countRejected("request_too_large");
        }
        Buffer body = Buffer.buffer(Json.toBytes(new ApiError("REQUEST_TOO_LARGE", "the request is " + length
                + " bytes; photos may be at most " + config.maxImageBytes().asLongValue() / (1024 * 1024)
                + " MiB (whole requests at most " + maxBodySize.asLongValue() / (1024 * 1024)
                + " MiB): send a smaller JPEG or PNG")));
        boolean expectsContinue = "100-continue".equalsIgnoreCase(request.getHeader(HttpHeaders.EXPECT));
        if (expectsContinue || length > DRAIN_LIMIT) {
            context.response().putHeader(HttpHeaders.CONNECTION, "close");
            context.response().endHandler(v -> request.connection().close());
            respond(context, body);
            return;
        }
        request.handler(ignored -> {
        });
        request.endHandler(v -> respond(context, body));
        request.resume();
    }

    private static void respond(RoutingContext context, Buffer body) {
        context.response()
                .setStatusCode(413)
                .putHeader(HttpHeaders.CONTENT_TYPE, "application/json")
                .end(body);
    }
}

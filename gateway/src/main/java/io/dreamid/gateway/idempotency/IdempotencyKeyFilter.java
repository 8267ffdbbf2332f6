package io.dreamid.gateway.idempotency;

import io.dreamid.gateway.rest.ApiError;
import jakarta.inject.Inject;
import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.container.ContainerResponseContext;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import org.jboss.resteasy.reactive.server.ServerRequestFilter;
import org.jboss.resteasy.reactive.server.ServerResponseFilter;

import java.util.Optional;

/**
 * Reads the {@code Idempotency-Key} header of a submission ({@code POST /v1/jobs}, {@code POST /v1/identities},
 * {@code POST /v1/datasets})
 * into {@link SubmissionKey}; a key that is not 1-255 visible ASCII characters is refused with 400. An answer
 * that is the first job of its key carries {@code Idempotent-Replayed: true}.
 */
public class IdempotencyKeyFilter {
    public static final String HEADER = "Idempotency-Key";
    public static final String REPLAYED_HEADER = "Idempotent-Replayed";
    static final int MAX_LENGTH = 255;

    @Inject
    SubmissionKey submissionKey;

    @ServerRequestFilter
    public Optional<Response> read(ContainerRequestContext request) {
        String key = request.getHeaderString(HEADER);
        if (key == null || !"POST".equals(request.getMethod()) || !isSubmission(request.getUriInfo().getPath())) {
            return Optional.empty();
        }
        if (!isValid(key)) {
            return Optional.of(Response.status(Response.Status.BAD_REQUEST)
                    .type(MediaType.APPLICATION_JSON)
                    .entity(new ApiError("BAD_IDEMPOTENCY_KEY", "the " + HEADER + " header must be 1 to " + MAX_LENGTH
                            + " visible ASCII characters (a UUID per submission is a good key)"))
                    .build());
        }
        submissionKey.set(key);
        return Optional.empty();
    }

    @ServerResponseFilter
    public void markReplayed(ContainerRequestContext request, ContainerResponseContext response) {
        if (request.getHeaderString(HEADER) != null && "POST".equals(request.getMethod())
                && isSubmission(request.getUriInfo().getPath()) && submissionKey.replayed()) {
            response.getHeaders().putSingle(REPLAYED_HEADER, "true");
        }
    }

    static boolean isSubmission(String path) {
        String p = path.endsWith("/") ? path.substring(0, path.length() - 1) : path;
        return p.equals("/v1/jobs") || p.equals("/v1/identities") || p.equals("/v1/datasets");
    }

    static boolean isValid(String key) {
        if (key.isEmpty() || key.length() > MAX_LENGTH) {
            return false;
        }
        for (int i = 0; i < key.length(); i++) {
            char c = key.charAt(i);
            if (c < 0x21 || c > 0x7e) {
                return false;
            }
        }
        return true;
    }
}

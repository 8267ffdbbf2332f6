package io.dreamid.face.messaging;

import io.dreamid.common.json.Json;
import io.dreamid.common.messages.FaceMessage;
import io.dreamid.common.messages.JobEvent;
import io.dreamid.face.config.FaceConfig;
import io.smallrye.reactive.messaging.kafka.api.OutgoingKafkaRecordMetadata;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.eclipse.microprofile.reactive.messaging.Channel;
import org.eclipse.microprofile.reactive.messaging.Emitter;
import org.eclipse.microprofile.reactive.messaging.Message;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Produces the stage's outputs keyed by job id and waits for the broker's acknowledgement, so that a job's input
 * is only acknowledged once everything it caused is safely on the broker (at-least-once).
 */
@ApplicationScoped
public class Publisher {
    static final String FACES = "faces";
    static final String EVENTS = "job-events";

    @Inject
    @Channel(FACES)
    Emitter<String> faces;

    @Inject
    @Channel(EVENTS)
    Emitter<String> events;

    @Inject
    FaceConfig config;

    public void face(FaceMessage message) {
        send(faces, message.jobId(), Json.toString(message));
    }

    public void event(JobEvent event) {
        send(events, event.jobId(), Json.toString(event));
    }

    private void send(Emitter<String> emitter, String key, String json) {
        new Retry(config.retry().attempts(), config.retry().backoff()).run("sending to " + key, () -> {
            CompletableFuture<Void> acked = new CompletableFuture<>();
            emitter.send(Message.of(json)
                    .addMetadata(OutgoingKafkaRecordMetadata.<String>builder().withKey(key).build())
                    .withAck(() -> {
                        acked.complete(null);
                        return CompletableFuture.completedFuture(null);
                    })
                    .withNack(e -> {
                        acked.completeExceptionally(e);
                        return CompletableFuture.completedFuture(null);
                    }));
            try {
                acked.get(config.retry().sendTimeout().toMillis(), TimeUnit.MILLISECONDS);
            } catch (ExecutionException e) {
                throw new Retry.TransientException("the broker refused a message for " + key + ": "
                        + e.getCause().getMessage(), e.getCause());
            } catch (TimeoutException e) {
                throw new Retry.TransientException("the broker did not acknowledge a message for " + key + " within "
                        + config.retry().sendTimeout(), e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new Retry.TransientException("interrupted while sending a message for " + key, e);
            }
        });
    }
}

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
import org.jboss.logging.Logger;

import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;

/**
 * Produces the stage's outputs keyed by job id and waits for the broker's acknowledgement, so that a job's input
 * is only acknowledged once everything it caused is safely on the broker (at-least-once). The one exception is
 * the event that says work has started ({@link #started}): it is not awaited, because every way through a job
 * ends with an awaited event on the same topic and key, and the producer keeps a key's records in order, so the
 * broker acknowledging that last event means it has the earlier one too.
 */
@ApplicationScoped
public class Publisher {
    static final String FACES = "faces";
    static final String EVENTS = "job-events";

    private static final Logger LOG = Logger.getLogger(Publisher.class);

    @Inject
    @Channel(FACES)
    Emitter<String> faces;

    @Inject
    @Channel(EVENTS)
    Emitter<String> events;

    @Inject
    FaceConfig config;

    /** The job's face for the encoder and the event that reports it, sent together; returns once both are on the broker. */
    public void handOn(FaceMessage message, JobEvent detected) {
        retry(message.jobId(), () -> List.of(send(faces, message.jobId(), Json.toString(message)),
                send(events, detected.jobId(), Json.toString(detected))));
    }

    /** An event, awaited. */
    public void event(JobEvent event) {
        retry(event.jobId(), () -> List.of(send(events, event.jobId(), Json.toString(event))));
    }

    /** The event that work on a job has started; not awaited (see the class comment). */
    public void started(JobEvent event) {
        send(events, event.jobId(), Json.toString(event)).exceptionally(e -> {
            LOG.warnf("job %s: the broker did not take the event %s: %s", event.jobId(), event.eventId(),
                    e.getMessage());
            return null;
        });
    }

    private CompletableFuture<Void> send(Emitter<String> emitter, String key, String json) {
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
        return acked;
    }

    /** Sends (all of them again on a failure, which the consumers' idempotence allows) until the broker has all. */
    private void retry(String key, Supplier<List<CompletableFuture<Void>>> sends) {
        new Retry(config.retry().attempts(), config.retry().backoff()).run("sending to " + key, () -> {
            try {
                CompletableFuture.allOf(sends.get().toArray(CompletableFuture[]::new))
                        .get(config.retry().sendTimeout().toMillis(), TimeUnit.MILLISECONDS);
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

package io.dreamid.gateway.messaging;

import io.dreamid.common.json.Json;
import io.dreamid.common.messages.CancelRequest;
import io.dreamid.common.messages.DatasetMessage;
import io.dreamid.common.messages.JobEvent;
import io.dreamid.common.messages.JobMessage;
import io.dreamid.gateway.config.GatewayConfig;
import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.TimeoutException;
import io.smallrye.reactive.messaging.MutinyEmitter;
import io.smallrye.reactive.messaging.kafka.KafkaRecord;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.eclipse.microprofile.reactive.messaging.Channel;

/**
 * Publishes the gateway's messages, keyed by job id, and waits until the broker has acknowledged them. Blocks:
 * call from a worker thread.
 */
@ApplicationScoped
public class JobPublisher {
    /** Channel names; their topics are configured under {@code mp.messaging.outgoing.<channel>.topic}. */
    public static final String JOBS = "jobs";
    public static final String JOB_EVENTS = "job-events";
    public static final String CANCELLATIONS = "cancellations";
    public static final String DATASETS = "datasets";

    @Inject
    @Channel(JOBS)
    MutinyEmitter<String> jobs;

    @Inject
    @Channel(JOB_EVENTS)
    MutinyEmitter<String> events;

    @Inject
    @Channel(CANCELLATIONS)
    MutinyEmitter<String> cancellations;

    @Inject
    @Channel(DATASETS)
    MutinyEmitter<String> datasets;

    @Inject
    GatewayConfig config;

    /** The job and its ACCEPTED event, sent together; returns once both are acknowledged. */
    public void publishAccepted(JobMessage job, JobEvent accepted) {
        await(Uni.combine().all()
                .unis(send(jobs, job.jobId(), job), send(events, accepted.jobId(), accepted))
                .discardItems(), "job " + job.jobId());
    }

    /**
     * The job, then (once the broker has it) its ACCEPTED event: for a job whose id a client may send again
     * (Idempotency-Key). If the job is not acknowledged no event is sent, so the job state never shows a job the
     * stages may not get; the job arriving late is folded into the state from {@code dreamid.jobs} all the same.
     */
    public void publishAcceptedInOrder(JobMessage job, JobEvent accepted) {
        await(send(jobs, job.jobId(), job), "job " + job.jobId());
        await(send(events, accepted.jobId(), accepted), "job " + job.jobId());
    }

    /** A dataset build and its ACCEPTED event, sent together; returns once both are acknowledged. */
    public void publishDataset(DatasetMessage build, JobEvent accepted) {
        await(Uni.combine().all()
                .unis(send(datasets, build.datasetId(), build), send(events, accepted.jobId(), accepted))
                .discardItems(), "dataset build " + build.datasetId());
    }

    /** The cancel request and the CANCELLED event; returns once both are acknowledged. */
    public void publishCancelled(CancelRequest request, JobEvent cancelled) {
        await(Uni.combine().all()
                .unis(send(cancellations, request.jobId(), request), send(events, cancelled.jobId(), cancelled))
                .discardItems(), "cancellation of job " + request.jobId());
    }

    /**
     * Withdraws a job whose publication was not acknowledged in time: it may still reach the broker (the connector
     * resends at its deadline), so a cancel request and a CANCELLED event are sent after it, without waiting for
     * them. Whichever parts of the job arrive, it does not run to the end and its view ends CANCELLED.
     */
    public void withdraw(CancelRequest request, JobEvent cancelled) {
        cancellations.sendMessageAndForget(KafkaRecord.of(request.jobId(), Json.toString(request)));
        events.sendMessageAndForget(KafkaRecord.of(cancelled.jobId(), Json.toString(cancelled)));
    }

    private static Uni<Void> send(MutinyEmitter<String> emitter, String key, Object message) {
        return emitter.sendMessage(KafkaRecord.of(key, Json.toString(message)));
    }

    private void await(Uni<Void> sends, String what) {
        try {
            sends.await().atMost(config.publishTimeout());
        } catch (TimeoutException e) {
            throw new PublishException("the message broker did not acknowledge the " + what + " within "
                    + config.publishTimeout().toSeconds() + " s", e);
        } catch (RuntimeException e) {
            throw new PublishException("the message broker refused the " + what + ": " + e.getMessage(), e);
        }
    }

    /** The broker did not take a message; the request can be retried. */
    public static final class PublishException extends RuntimeException {
        public PublishException(String message, Throwable cause) {
            super(message, cause);
        }
    }
}

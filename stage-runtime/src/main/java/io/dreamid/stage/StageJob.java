package io.dreamid.stage;

import io.dreamid.common.messages.ErrorInfo;
import io.dreamid.common.messages.JobEvent;
import io.dreamid.common.messages.JobStatus;
import io.dreamid.common.messages.Stage;
import org.apache.kafka.clients.producer.ProducerRecord;

import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One job in the hands of a stage: its events (typed factories with deterministic ids), its step timings, and
 * what the runtime knows about it while it runs (cancelled, service stopping).
 */
public final class StageJob {
    private final JobRef ref;
    private final Stage stage;
    private final Map<String, Long> timings = new LinkedHashMap<>();
    private final Cancellations cancellations;
    private final Sender sender;
    private final StopSignal stop;

    StageJob(JobRef ref, Stage stage, Long waitedMillis, Cancellations cancellations, Sender sender,
            StopSignal stop) {
        this.ref = ref;
        this.stage = stage;
        this.cancellations = cancellations;
        this.sender = sender;
        this.stop = stop;
        if (waitedMillis != null) {
            timings.put(stage.name().toLowerCase() + ".wait", waitedMillis);
        }
    }

    public String jobId() {
        return ref.jobId();
    }

    public String tenant() {
        return ref.tenant();
    }

    /**
     * The stage's step timings in milliseconds, keyed {@code <stage>.<step>}; filled by the handler, starting with
     * {@code <stage>.wait} (from the record's timestamp to a worker taking it). The FAILED event the runtime sends
     * for a {@link StageFailure} carries them.
     */
    public Map<String, Long> timings() {
        return timings;
    }

    /** A report in the stage's running status; {@code step} null for the report that the stage has started. */
    public JobEvent running(JobStatus status, String step, double progress) {
        return JobEvent.running(jobId(), tenant(), stage, status, step, progress);
    }

    public JobEvent succeeded(List<String> outputs) {
        return JobEvent.succeeded(jobId(), tenant(), stage, outputs).withTimings(timings);
    }

    public JobEvent cancelled(double progress) {
        return JobEvent.cancelled(jobId(), tenant(), stage, progress).withTimings(timings);
    }

    public JobEvent failed(ErrorInfo error) {
        return JobEvent.failed(jobId(), tenant(), stage, error, Map.copyOf(timings), Instant.now());
    }

    /**
     * Sends an event without waiting for the broker (that work has started, progress). Safe because every way
     * through a job ends with an awaited event of the same key, and the producer keeps a key's records in order.
     */
    public void report(JobEvent event) {
        sender.sendAndForget(event);
    }

    /**
     * Sends records of the stage's own making to any topic (a fan-out of jobs, their cancel requests) and returns
     * once the broker has all of them, retried like every awaited send.
     *
     * @throws StageStoppedException the service started to stop before the broker took them
     */
    public void send(List<ProducerRecord<String, String>> records) {
        if (!records.isEmpty()) {
            sender.sendAll(records);
        }
    }

    /** A cancel request for this job has been read (the gateway has already marked it CANCELLED). */
    public boolean cancelled() {
        return cancellations.isCancelled(jobId());
    }

    /** The service is stopping: long work should end at its next step ({@link #checkpoint()}). */
    public boolean stopping() {
        return stop.stopping();
    }

    /** @throws StageStoppedException the service is stopping */
    public void checkpoint() {
        stop.check("job " + jobId());
    }
}

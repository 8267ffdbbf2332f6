package io.dreamid.gateway.state;

import io.dreamid.common.json.Json;
import io.dreamid.common.json.MalformedMessageException;
import io.dreamid.common.messages.JobEvent;
import io.dreamid.common.messages.JobMessage;
import io.dreamid.common.messages.JobStatus;
import io.dreamid.common.messages.SchemaVersions;
import io.dreamid.common.messages.Stage;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.KStream;
import org.apache.kafka.streams.kstream.Produced;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.Stores;
import org.jboss.logging.Logger;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * The Kafka Streams topology of job state. Plain class, so that a test can run a second instance of it.
 * <ol>
 * <li>Job messages ({@code dreamid.jobs}) become ACCEPTED events carrying the spec, so jobs that other systems
 * produce straight to Kafka show up; merged with {@code dreamid.job-events}.</li>
 * <li>Folded per job id with {@link JobView#apply} into {@link #FOLD_STORE} (in memory, restored from its
 * changelog topic). Both topics are keyed by job id and have the same partition count, so a job's records meet in
 * one task without a repartition.</li>
 * <li>Every view that changed goes to the compacted {@code dreamid.job-state} topic; a duplicate (such as the
 * gateway's own ACCEPTED event next to its job message) writes nothing.</li>
 * <li>A global store ({@link #VIEW_STORE}) reads that topic in full on every replica, so any replica answers for
 * any job; its processor tells {@code onChange} about every update (server-sent events, read-your-writes).</li>
 * </ol>
 * Finished jobs are removed once past their {@link Retention}: the fold deletes them from its store and writes a
 * tombstone to the state topic, which compaction then drops and every replica's global store deletes.
 * The fold also tells {@code onFolded} about each view it writes: for the jobs of its own partitions a replica
 * then knows a change one produce-and-consume round trip before its global store does. Both callbacks see each
 * job's views in fold order, but the two may interleave; {@link JobView#isOlderFoldThan} tells which is newer.
 */
public final class JobStateTopology {
    /** The fold's store: one JobView per job of this instance's partitions. */
    public static final String FOLD_STORE = "job-fold";
    /** The global store every replica queries: one JobView per job of all partitions. */
    public static final String VIEW_STORE = "job-views";

    private static final Logger LOG = Logger.getLogger(JobStateTopology.class);

    private final String jobsTopic;
    private final String eventsTopic;
    private final String stateTopic;
    private final Consumer<JobView> onChange;
    private final Consumer<JobView> onFolded;
    private final Retention retention;

    public JobStateTopology(String jobsTopic, String eventsTopic, String stateTopic, Retention retention,
            Consumer<JobView> onChange, Consumer<JobView> onFolded) {
        this.jobsTopic = jobsTopic;
        this.eventsTopic = eventsTopic;
        this.stateTopic = stateTopic;
        this.retention = retention;
        this.onChange = onChange;
        this.onFolded = onFolded;
    }

    /**
     * How long a finished job is kept after its last change ({@code keep}), checked every {@code sweepEvery} of
     * wall-clock time. Jobs that never finish are kept: they are few, and an operator may still want to see them.
     */
    public record Retention(Duration keep, Duration sweepEvery) {
    }

    public Topology build() {
        JsonSerde<JobView> viewSerde = new JsonSerde<>(JobView.class);
        StreamsBuilder builder = new StreamsBuilder();

        KStream<String, FoldInput> accepted = builder
                .stream(jobsTopic, Consumed.with(Serdes.String(), Serdes.ByteArray()))
                .flatMapValues((jobId, bytes) -> acceptedOf(jobId, bytes));
        KStream<String, FoldInput> events = builder
                .stream(eventsTopic, Consumed.with(Serdes.String(), Serdes.ByteArray()))
                .flatMapValues((jobId, bytes) -> eventOf(jobId, bytes));

        builder.addStateStore(Stores.keyValueStoreBuilder(Stores.inMemoryKeyValueStore(FOLD_STORE),
                Serdes.String(), viewSerde));
        accepted.merge(events)
                .process(() -> new Fold(retention, onFolded), FOLD_STORE)
                .to(stateTopic, Produced.with(Serdes.String(), viewSerde));

        builder.addGlobalStore(
                Stores.keyValueStoreBuilder(Stores.inMemoryKeyValueStore(VIEW_STORE), Serdes.String(), viewSerde)
                        .withLoggingDisabled(),
                stateTopic,
                Consumed.with(Serdes.String(), viewSerde),
                () -> new ViewUpdater(onChange));
        return builder.build();
    }

    /** The ACCEPTED event a job message stands for; its id equals the gateway's own ACCEPTED event's id. */
    static List<FoldInput> acceptedOf(String jobId, byte[] bytes) {
        if (jobId == null) {
            return List.of();
        }
        try {
            JobMessage job = JobMessage.read(bytes);
            if (!jobId.equals(job.jobId())) {
                // The services run it under its jobId; folded under the key it would show a second job that stays
                // ACCEPTED for ever.
                LOG.warnf("job %s: ignoring a job message keyed %s but for job %s (messages are keyed by jobId)",
                        job.jobId(), jobId, job.jobId());
                return List.of();
            }
            JobEvent event = new JobEvent(SchemaVersions.CURRENT,
                    JobEvent.eventIdFor(jobId, Stage.GATEWAY, JobStatus.ACCEPTED, null), jobId, job.tenant(),
                    Stage.GATEWAY, JobStatus.ACCEPTED, 0.0, Map.of(), null, List.of(), job.identityId(), job.spec(),
                    job.createdAt());
            return List.of(new FoldInput(event, job.photoRef(), job.photos()));
        } catch (MalformedMessageException e) {
            LOG.warnf("job %s: ignoring a job message that cannot be read: %s", jobId, e.getMessage());
            return List.of();
        }
    }

    static List<FoldInput> eventOf(String jobId, byte[] bytes) {
        if (jobId == null) {
            return List.of();
        }
        try {
            JobEvent event = Json.readMessage(bytes, JobEvent.class);
            if (!jobId.equals(event.jobId())) {
                LOG.warnf("job %s: ignoring an event keyed %s but for job %s (events are keyed by jobId)",
                        event.jobId(), jobId, event.jobId());
                return List.of();
            }
            return event.status() == null ? List.of() : List.of(new FoldInput(event, null, null));
        } catch (MalformedMessageException e) {
            LOG.warnf("job %s: ignoring an event that cannot be read: %s", jobId, e.getMessage());
            return List.of();
        }
    }

    /** One step of the fold: an event, and the photo reference when it came from a job message. */
    public record FoldInput(JobEvent event, String photoRef, Map<String, String> photos) {
    }

    /** One step of the fold per record; writes and forwards only views that changed. */
    static final class Fold implements Processor<String, FoldInput, String, JobView> {
        private final Retention retention;
        private final Consumer<JobView> onFolded;
        private ProcessorContext<String, JobView> context;
        private KeyValueStore<String, JobView> store;

        Fold(Retention retention, Consumer<JobView> onFolded) {
            this.retention = retention;
            this.onFolded = onFolded;
        }

        @Override
        public void init(ProcessorContext<String, JobView> context) {
            this.context = context;
            this.store = context.getStateStore(FOLD_STORE);
            context.schedule(retention.sweepEvery(), PunctuationType.WALL_CLOCK_TIME, this::removeExpired);
        }

        @Override
        public void process(Record<String, FoldInput> record) {
            String jobId = record.key();
            if (jobId == null || record.value() == null) {
                return;
            }
            JobView current = store.get(jobId);
            JobView before = current == null ? JobView.empty(jobId) : current;
            JobView after = before.apply(record.value().event()).withPhotos(record.value().photoRef(),
                    record.value().photos());
            if (after != before) {
                store.put(jobId, after);
                context.forward(record.withValue(after));
                try {
                    onFolded.accept(after);
                } catch (RuntimeException e) {
                    // A listener's failure must never stop the fold.
                    LOG.warnf(e, "job %s: a fold listener failed", jobId);
                }
            }
        }

        /** Deletes the finished jobs of this task whose last change is older than the retention. */
        private void removeExpired(long now) {
            Instant cutoff = Instant.ofEpochMilli(now).minus(retention.keep());
            List<String> expired = new ArrayList<>();
            try (KeyValueIterator<String, JobView> all = store.all()) {
                all.forEachRemaining(entry -> {
                    JobView view = entry.value;
                    if (view != null && view.status() != null && view.status().isTerminal()
                            && view.updatedAt() != null && view.updatedAt().isBefore(cutoff)) {
                        expired.add(entry.key);
                    }
                });
            }
            for (String jobId : expired) {
                store.delete(jobId);
                context.forward(new Record<>(jobId, (JobView) null, now));
            }
            if (!expired.isEmpty()) {
                LOG.infof("removed %d finished jobs last changed before %s", expired.size(), cutoff);
            }
        }
    }

    /** Keeps the global store in step with the state topic and reports each change. */
    static final class ViewUpdater implements Processor<String, JobView, Void, Void> {
        private final Consumer<JobView> onChange;
        private KeyValueStore<String, JobView> store;

        ViewUpdater(Consumer<JobView> onChange) {
            this.onChange = onChange;
        }

        @Override
        public void init(ProcessorContext<Void, Void> context) {
            store = context.getStateStore(VIEW_STORE);
        }

        @Override
        public void process(Record<String, JobView> record) {
            if (record.key() == null) {
                return;
            }
            JobView view = record.value();
            if (view == null) {
                // A tombstone deletes the job; listeners get the empty view, which no one is shown.
                store.delete(record.key());
                view = JobView.empty(record.key());
            } else {
                store.put(record.key(), view);
            }
            try {
                onChange.accept(view);
            } catch (RuntimeException e) {
                // A listener's failure (e.g. a closed stream) must never stop the global thread.
                LOG.warnf(e, "job %s: a change listener failed", record.key());
            }
        }
    }
}

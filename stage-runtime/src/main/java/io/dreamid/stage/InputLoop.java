package io.dreamid.stage;

import io.dreamid.common.ObjectKeys;
import io.dreamid.common.json.Json;
import io.dreamid.common.json.MalformedMessageException;
import io.dreamid.common.messages.ErrorCodes;
import io.dreamid.common.messages.ErrorInfo;
import io.dreamid.common.messages.JobEvent;
import io.dreamid.common.messages.QueueWait;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.jboss.logging.Logger;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * One input of a stage: a consumer thread that polls, hands each record to a worker, pauses the partitions while
 * every worker is busy or a dependency is down, and commits each partition up to its lowest record still in work.
 * The consumer is only touched by its own thread; workers report finished records through a queue.
 */
final class InputLoop<M> {
    private static final Logger LOG = Logger.getLogger(InputLoop.class);

    private final StageHandler<M> handler;
    private final StageConfig.Input input;
    private final String group;
    private final KafkaSettings kafka;
    private final Runtime runtime;
    private final ExecutorService workers;
    private final AtomicInteger inWork = new AtomicInteger();
    private final ConcurrentLinkedQueue<ConsumerRecord<String, String>> finished = new ConcurrentLinkedQueue<>();
    private final Map<TopicPartition, PartitionOffsets> offsets = new HashMap<>();
    private volatile boolean running;
    private volatile boolean polling;
    private KafkaConsumer<String, String> consumer;
    private Thread thread;

    /** What the loops of a service share. */
    record Runtime(Sender sender, Cancellations cancellations, Outages outages, StopSignal stop, StageConfig config,
            JobOutcomes outcomes) {
    }

    InputLoop(StageHandler<M> handler, StageConfig.Input input, KafkaSettings kafka, Runtime runtime) {
        this.handler = handler;
        this.input = input;
        this.group = input.group().orElse("dreamid-" + handler.stage().name().toLowerCase());
        this.kafka = kafka;
        this.runtime = runtime;
        int n = Math.max(1, input.workers());
        AtomicInteger threads = new AtomicInteger();
        this.workers = Executors.newFixedThreadPool(n, r -> {
            Thread t = new Thread(r, "stage-" + handler.input() + "-" + threads.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
    }

    void start() {
        running = true;
        consumer = new KafkaConsumer<>(kafka.with(Map.of(
                ConsumerConfig.GROUP_ID_CONFIG, group,
                ConsumerConfig.CLIENT_ID_CONFIG, group + "-" + handler.input() + "-" + ProcessHandle.current().pid(),
                ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false,
                ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest",
                // No more records than workers: the rest stay on the broker for the other instances.
                ConsumerConfig.MAX_POLL_RECORDS_CONFIG, Math.max(1, input.workers()))),
                new StringDeserializer(), new StringDeserializer());
        thread = new Thread(this::poll, "stage-" + handler.input() + "-consumer");
        thread.setDaemon(true);
        thread.start();
    }

    /** Records of this input in work now. */
    int inWork() {
        return inWork.get();
    }

    /** True while the consumer thread runs. */
    boolean polling() {
        return polling;
    }

    private void poll() {
        polling = true;
        try {
            consumer.subscribe(List.of(input.topic()), new ConsumerRebalanceListener() {
                @Override
                public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
                    commit(partitions, true);
                    partitions.forEach(offsets::remove);
                }

                @Override
                public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
                    LOG.debugf("%s: assigned %s", group, partitions);
                }
            });
            while (running) {
                settleFinished();
                commit(offsets.keySet(), false);
                boolean hold = inWork.get() >= input.workers() || runtime.outages().any() || runtime.stop().stopping();
                if (hold) {
                    consumer.pause(consumer.assignment());
                } else if (!consumer.paused().isEmpty()) {
                    consumer.resume(consumer.paused());
                }
                for (ConsumerRecord<String, String> record : consumer.poll(Duration.ofMillis(100))) {
                    take(record);
                }
            }
        } catch (WakeupException stopping) {
            // stop() ends the loop
        } catch (RuntimeException e) {
            LOG.errorf(e, "%s: the consumer of %s stopped", group, input.topic());
        } finally {
            settleFinished();
            commit(offsets.keySet(), true);
            consumer.close(Duration.ofSeconds(5));
            polling = false;
        }
    }

    private void take(ConsumerRecord<String, String> record) {
        offsets.computeIfAbsent(new TopicPartition(record.topic(), record.partition()), p -> new PartitionOffsets())
                .taken(record.offset());
        inWork.incrementAndGet();
        workers.execute(() -> {
            try {
                if (process(record)) {
                    finished.add(record);
                }
            } finally {
                inWork.decrementAndGet();
            }
        });
    }

    private void settleFinished() {
        for (ConsumerRecord<String, String> r; (r = finished.poll()) != null; ) {
            PartitionOffsets partition = offsets.get(new TopicPartition(r.topic(), r.partition()));
            if (partition != null) {
                partition.done(r.offset());
            }
        }
    }

    private void commit(Collection<TopicPartition> partitions, boolean sync) {
        Map<TopicPartition, OffsetAndMetadata> commits = new HashMap<>();
        for (TopicPartition p : partitions) {
            PartitionOffsets partition = offsets.get(p);
            long next = partition == null ? -1 : partition.toCommit();
            if (next >= 0) {
                commits.put(p, new OffsetAndMetadata(next));
            }
        }
        if (commits.isEmpty()) {
            return;
        }
        try {
            if (sync) {
                consumer.commitSync(commits, Duration.ofSeconds(5));
                markCommitted(commits);
            } else {
                consumer.commitAsync(commits, (done, e) -> {
                    if (e == null) {
                        markCommitted(done);
                    } else {
                        LOG.debugf("%s: commit failed, it is repeated: %s", group, e.getMessage());
                    }
                });
            }
        } catch (RuntimeException e) {
            LOG.warnf("%s: could not commit %s: %s", group, commits, e.getMessage());
        }
    }

    private void markCommitted(Map<TopicPartition, OffsetAndMetadata> commits) {
        commits.forEach((p, o) -> {
            PartitionOffsets partition = offsets.get(p);
            if (partition != null) {
                partition.committed(o.offset());
            }
        });
    }

    /** Works one record; true when it is done with (to be committed), false when abandoned for redelivery. */
    private boolean process(ConsumerRecord<String, String> record) {
        try {
            M message;
            JobRef job;
            try {
                message = handler.read(record.value());
                job = handler.job(message);
                if (job != null && !ObjectKeys.isSafeId(job.jobId())) {
                    throw new MalformedMessageException("jobId \"" + job.jobId() + "\" is not a valid job id"
                            + " (letters, digits, '.', '_', '-'; at most 128 characters)");
                }
            } catch (MalformedMessageException e) {
                deadLetter(record, e);
                return true;
            }
            if (job == null) {
                return true;
            }
            if (runtime.cancellations().isCancelled(job.jobId())) {
                runtime.cancellations().skipped(job.jobId());
                return true;
            }
            send(work(message, job, record));
            return true;
        } catch (StageStoppedException e) {
            LOG.infof("%s: %s", group, e.getMessage());
            return false;
        }
    }

    private List<ProducerRecord<String, String>> work(M message, JobRef ref, ConsumerRecord<String, String> record) {
        Long waited = QueueWait.millis(record.timestamp() > 0 ? Instant.ofEpochMilli(record.timestamp()) : null,
                Instant.now());
        StageJob job = new StageJob(ref, handler.stage(), waited, runtime.cancellations(), runtime.sender(),
                runtime.stop());
        Outcome outcome;
        try {
            outcome = handler.handle(message, job);
        } catch (StageStoppedException e) {
            throw e;
        } catch (StageFailure e) {
            runtime.stop().check("job " + ref.jobId());
            LOG.infof("job %s failed: %s %s", ref.jobId(), e.code(), e.getMessage());
            outcome = Outcome.event(job.failed(e.error()));
        } catch (RuntimeException e) {
            runtime.stop().check("job " + ref.jobId());
            LOG.errorf(e, "job %s: unexpected failure", ref.jobId());
            outcome = Outcome.event(job.failed(ErrorInfo.of(ErrorCodes.INTERNAL, "the " + handler.stage().name()
                    .toLowerCase() + " stage failed on this job: " + e)));
        }
        List<ProducerRecord<String, String>> out = new ArrayList<>(2);
        if (outcome.handOnMessage() != null) {
            String topic = runtime.config().handOnTopic().orElseThrow(() -> new IllegalStateException(
                    "dreamid.stage.hand-on-topic is not set but the " + handler.input() + " handler hands jobs on"));
            out.add(Sender.record(topic, ref.jobId(), Json.toString(outcome.handOnMessage())));
        }
        if (outcome.eventToSend() != null) {
            out.add(runtime.sender().event(outcome.eventToSend()));
            runtime.outcomes().record(handler.stage(), outcome.eventToSend());
        }
        return out;
    }

    private void send(List<ProducerRecord<String, String>> records) {
        if (!records.isEmpty()) {
            runtime.sender().sendAll(records);
        }
    }

    private void deadLetter(ConsumerRecord<String, String> record, MalformedMessageException e) {
        if (!input.deadLetter()) {
            LOG.debugf("skipping an unreadable record of %s (key %s); its owner dead-letters it", input.topic(),
                    record.key());
            return;
        }
        LOG.warnf("unreadable record of %s (key %s) goes to the dead-letter topic: %s", input.topic(), record.key(),
                e.getMessage());
        List<ProducerRecord<String, String>> out = new ArrayList<>(2);
        out.add(DeadLetters.of(record, e));
        if (ObjectKeys.isSafeId(record.key())) {
            JobEvent failed = JobEvent.failed(record.key(), DeadLetters.tenantOf(record.value()),
                    handler.stage(), ErrorInfo.of(ErrorCodes.MALFORMED_MESSAGE, "the " + input.topic()
                            + " message of this job could not be read (" + e.getMessage()
                            + "); it was moved to the dead-letter topic"), Map.of(), Instant.now());
            out.add(runtime.sender().event(failed));
            runtime.outcomes().record(handler.stage(), failed);
        }
        send(out);
    }

    /**
     * Lets the records in work finish (or be abandoned at their next checkpoint) within {@code grace}, then commits
     * what is done and closes the consumer. Call after the {@link StopSignal} is set, so nothing new is taken.
     */
    void stop(Duration grace) {
        workers.shutdown();
        try {
            if (!workers.awaitTermination(grace.toMillis(), TimeUnit.MILLISECONDS)) {
                LOG.warnf("%s: %d jobs still in work after %s; they are left for redelivery", group, inWork.get(),
                        grace);
            }
            running = false;
            if (thread != null) {
                thread.join(10_000);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}

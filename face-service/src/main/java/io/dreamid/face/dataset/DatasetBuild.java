package io.dreamid.face.dataset;

import io.dreamid.common.ObjectKeys;
import io.dreamid.common.image.Png;
import io.dreamid.common.json.Json;
import io.dreamid.common.json.MalformedMessageException;
import io.dreamid.common.messages.CancelRequest;
import io.dreamid.common.messages.JobEvent;
import io.dreamid.common.messages.JobStatus;
import io.dreamid.common.messages.Stage;
import io.dreamid.common.storage.ObjectNotFoundException;
import io.dreamid.common.storage.ObjectStore;
import io.dreamid.face.dataset.DatasetPlan.Generation;
import io.dreamid.face.pipeline.FaceEngine;
import io.dreamid.face.recognize.GeneratedFaces;
import io.dreamid.stage.KafkaSettings;
import io.dreamid.stage.Outcome;
import io.dreamid.stage.StageConfig;
import io.dreamid.stage.StageJob;
import io.dreamid.stage.StageRetry;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndTimestamp;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.jboss.logging.Logger;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * One run of a dataset build, from its plan to {@code datasets/{id}/}:
 * <ol>
 * <li>jobs whose images are all stored are done already (a resumed build);</li>
 * <li>the job events since the build's creation are read up to their current end: a job with a terminal event is
 * done, a job with any event is under way;</li>
 * <li>the jobs neither done nor under way are sent to {@code dreamid.jobs} (all of them on a first run);</li>
 * <li>the events are followed until every job has ended; each job's images are screened as it ends (portraits:
 * exactly one verified face, aligned and described; edited images: the largest verified face, described);</li>
 * <li>pairs are formed and judged ({@link DatasetResult}), and the kept crops, portraits and images, the manifest
 * and the summary are written.</li>
 * </ol>
 * Nothing here is stored between runs: job ids, seeds and keys derive from the message, so a restarted run finds
 * the same jobs, regenerates none whose images are stored, and writes the same manifest.
 */
final class DatasetBuild {
    private static final Logger LOG = Logger.getLogger(DatasetBuild.class);

    /** What every build of the stage uses: the face models, storage, the broker's settings and the configuration. */
    record Services(FaceEngine engine, ObjectStore store, StageRetry retry, KafkaSettings kafka,
            StageConfig stageConfig, DatasetConfig config) {
    }

    private final DatasetPlan plan;
    private final StageJob work;
    private final FaceEngine engine;
    private final ObjectStore store;
    private final StageRetry retry;
    private final KafkaSettings kafka;
    private final StageConfig stageConfig;
    private final DatasetConfig config;
    private final Map<String, Generation> byJob = new LinkedHashMap<>();
    private final Set<String> pending = new LinkedHashSet<>();
    private final DatasetResult result;
    private long screenNanos;

    DatasetBuild(DatasetPlan plan, StageJob work, Services services) {
        this.plan = plan;
        this.work = work;
        this.engine = services.engine();
        this.store = services.store();
        this.retry = services.retry();
        this.kafka = services.kafka();
        this.stageConfig = services.stageConfig();
        this.config = services.config();
        this.result = new DatasetResult(plan);
        for (Generation g : plan.generations()) {
            byJob.put(g.jobId(), g);
            pending.add(g.jobId());
        }
    }

    Outcome run() {
        long t0 = System.nanoTime();
        String id = work.jobId();
        work.report(work.running(JobStatus.GENERATING, null, 0.0));
        int stored = 0;
        for (Generation g : plan.generations()) {
            work.checkpoint();
            if (allStored(g)) {
                stored++;
                succeeded(g);
            }
        }
        int sent;
        try (KafkaConsumer<String, String> events = eventsConsumer()) {
            Set<String> underWay = catchUp(events);
            List<ProducerRecord<String, String>> jobs = new ArrayList<>();
            for (String jobId : pending) {
                if (!underWay.contains(jobId)) {
                    jobs.add(new ProducerRecord<>(config.jobsTopic(), jobId, Json.toString(byJob.get(jobId).job())));
                }
            }
            work.send(jobs);
            sent = jobs.size();
            LOG.infof("dataset %s: %d jobs (%d images): %d with every image stored, %d ended or under way, %d sent",
                    id, byJob.size(), plan.images(), stored, byJob.size() - stored - sent, sent);
            long follow0 = System.nanoTime();
            while (!pending.isEmpty()) {
                work.checkpoint();
                if (work.cancelled()) {
                    return cancel();
                }
                follow(events.poll(config.pollTimeout()));
            }
            work.timings().put("dataset.follow", millis(System.nanoTime() - follow0));
        }
        work.timings().put("dataset.screen", millis(screenNanos));
        long write0 = System.nanoTime();
        String manifest = result.write(store, retry, work);
        work.timings().put("dataset.write", millis(System.nanoTime() - write0));
        work.timings().put("dataset.total", millis(System.nanoTime() - t0));
        Map<String, Object> run = new LinkedHashMap<>();
        run.put("jobs", byJob.size());
        run.put("jobsSent", sent);
        run.put("jobsWithEveryImageStored", stored);
        String summary = result.writeSummary(store, retry, id, work.tenant(), run, work.timings());
        LOG.infof("dataset %s built: %s", id, result.counts());
        return Outcome.event(work.succeeded(List.of(manifest, summary)));
    }

    /** Every image of the job is in storage (PNG writes are whole objects: present means complete). */
    private boolean allStored(Generation g) {
        List<String> keys = retry.call("list " + ObjectKeys.outputPrefix(g.jobId()),
                () -> store.list(ObjectKeys.outputPrefix(g.jobId())));
        return keys.containsAll(g.outputs());
    }

    private KafkaConsumer<String, String> eventsConsumer() {
        Map<String, Object> own = new HashMap<>();
        own.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        own.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        own.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 1000);
        own.put(ConsumerConfig.CLIENT_ID_CONFIG, "dreamid-dataset-" + work.jobId());
        KafkaConsumer<String, String> consumer = new KafkaConsumer<>(kafka.with(own), new StringDeserializer(),
                new StringDeserializer());
        List<TopicPartition> partitions = new ArrayList<>();
        consumer.partitionsFor(stageConfig.eventsTopic()).forEach(p -> partitions.add(
                new TopicPartition(p.topic(), p.partition())));
        consumer.assign(partitions);
        // Every event of the build's jobs comes after the build was created (the lookback covers clock skew).
        long from = plan.message().createdAt().minus(config.eventsLookback()).toEpochMilli();
        Map<TopicPartition, Long> times = new HashMap<>();
        partitions.forEach(p -> times.put(p, from));
        Map<TopicPartition, OffsetAndTimestamp> offsets = consumer.offsetsForTimes(times);
        for (TopicPartition p : partitions) {
            OffsetAndTimestamp at = offsets.get(p);
            if (at == null) {
                consumer.seekToEnd(List.of(p));
            } else {
                consumer.seek(p, at.offset());
            }
        }
        return consumer;
    }

    /** Reads the events up to their current end; returns the jobs that have any (the ended ones are done). */
    private Set<String> catchUp(KafkaConsumer<String, String> events) {
        Map<TopicPartition, Long> end = events.endOffsets(events.assignment());
        Set<String> seen = new HashSet<>();
        while (end.entrySet().stream().anyMatch(e -> events.position(e.getKey()) < e.getValue())) {
            work.checkpoint();
            for (ConsumerRecord<String, String> r : events.poll(config.pollTimeout())) {
                if (byJob.containsKey(r.key())) {
                    seen.add(r.key());
                    take(r);
                }
            }
        }
        return seen;
    }

    private void follow(Iterable<ConsumerRecord<String, String>> records) {
        for (ConsumerRecord<String, String> r : records) {
            if (pending.contains(r.key())) {
                take(r);
            }
        }
    }

    /** A job event of one of the build's jobs: an ended job is screened (or counted failed) once. */
    private void take(ConsumerRecord<String, String> r) {
        if (!pending.contains(r.key()) || r.value() == null) {
            return;
        }
        JobEvent event;
        try {
            event = Json.readMessage(r.value().getBytes(StandardCharsets.UTF_8), JobEvent.class);
        } catch (MalformedMessageException e) {
            return;
        }
        if (event.status() == null || !event.status().isTerminal() || event.stage() == Stage.JUDGE) {
            return;
        }
        Generation g = byJob.get(r.key());
        if (event.status() == JobStatus.SUCCEEDED) {
            succeeded(g);
        } else {
            String why = event.error() == null ? event.status().name() : event.error().code();
            LOG.infof("dataset %s: job %s (%s) ended %s: its images are dropped as failed", work.jobId(), g.jobId(),
                    g.job().spec().prompts().get(0), why);
            result.failed(g, why);
            done(g);
        }
    }

    private void succeeded(Generation g) {
        long t0 = System.nanoTime();
        for (int i = 0; i < g.outputs().size(); i++) {
            work.checkpoint();
            String key = g.outputs().get(i);
            byte[] png;
            try {
                png = retry.call("read " + key, () -> store.get(key));
            } catch (ObjectNotFoundException e) {
                result.failed(g, i, "MISSING_IMAGE");
                continue;
            }
            result.model(modelOf(png));
            GeneratedFaces.Found found = GeneratedFaces.find(engine, png, "dataset " + work.jobId() + ": " + key);
            result.screened(g, i, found);
        }
        screenNanos += System.nanoTime() - t0;
        done(g);
    }

    /** The model named in the image's PNG text chunk (the diffusion stage writes it), null for another image. */
    private static String modelOf(byte[] png) {
        try {
            return Png.text(png).get("model");
        } catch (IllegalArgumentException e) {
            return null;
        }
    }

    private void done(Generation g) {
        if (pending.remove(g.jobId())) {
            int finished = byJob.size() - pending.size();
            work.report(work.running(JobStatus.GENERATING, "jobs-" + finished,
                    0.05 + 0.9 * finished / byJob.size()));
        }
    }

    /** Cancels the build's jobs still running (a cancel request and a CANCELLED event each), then the build. */
    private Outcome cancel() {
        List<ProducerRecord<String, String>> out = new ArrayList<>();
        Instant now = Instant.now();
        for (String jobId : new TreeSet<>(pending)) {
            out.add(new ProducerRecord<>(stageConfig.cancellationsTopic(), jobId,
                    Json.toString(CancelRequest.of(jobId, work.tenant(), now))));
            out.add(new ProducerRecord<>(stageConfig.eventsTopic(), jobId,
                    Json.toString(JobEvent.cancelled(jobId, work.tenant(), Stage.DATASET, 0.0))));
        }
        work.send(out);
        LOG.infof("dataset %s cancelled; %d of its jobs cancelled with it", work.jobId(), pending.size());
        return Outcome.event(work.cancelled(0.05 + 0.9 * (byJob.size() - pending.size()) / byJob.size()));
    }

    private static long millis(long nanos) {
        return Math.round(nanos / 1e6);
    }
}

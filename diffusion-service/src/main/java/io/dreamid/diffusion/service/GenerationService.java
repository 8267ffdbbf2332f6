package io.dreamid.diffusion.service;

import io.dreamid.common.ObjectKeys;
import io.dreamid.common.image.Png;
import io.dreamid.common.image.RgbImage;
import io.dreamid.common.messages.ErrorCodes;
import io.dreamid.common.messages.ErrorInfo;
import io.dreamid.common.messages.JobStatus;
import io.dreamid.common.messages.IdentityMessage;
import io.dreamid.common.messages.JobSpec;
import io.dreamid.common.messages.PersonIdentity;
import io.dreamid.common.messages.Placeholders;
import io.dreamid.common.models.RunGuard;
import io.dreamid.common.storage.ObjectNotFoundException;
import io.dreamid.common.storage.ObjectStore;
import io.dreamid.common.storage.ObjectTooLargeException;
import io.dreamid.common.tensors.Safetensors;
import io.dreamid.common.tensors.SafetensorsFile;
import io.dreamid.diffusion.config.DiffusionConfig;
import io.dreamid.diffusion.pipeline.DenoiseBatcher;
import io.dreamid.diffusion.pipeline.GenerationCancelledException;
import io.dreamid.diffusion.pipeline.GenerationControl;
import io.dreamid.diffusion.pipeline.GenerationException;
import io.dreamid.diffusion.pipeline.GenerationParams;
import io.dreamid.diffusion.pipeline.IdentityEmbedding;
import io.dreamid.diffusion.pipeline.ImageRun;
import io.dreamid.diffusion.pipeline.StableDiffusionPipeline;
import io.dreamid.diffusion.pipeline.TextConditioning;
import io.dreamid.diffusion.pipeline.Timings;
import io.dreamid.stage.Outcome;
import io.dreamid.stage.StageFailure;
import io.dreamid.stage.StageJob;
import io.dreamid.stage.StageRetry;
import jakarta.enterprise.context.ApplicationScoped;
import org.jboss.logging.Logger;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;

/**
 * Runs one job: reads the identity, generates every image of every prompt, stores each PNG under its
 * deterministic key ({@code outputs/{jobId}/{prompt}-{image}.png}) and reports GENERATING progress, then SUCCEEDED,
 * CANCELLED or FAILED. A redelivered job (its worker died or stopped mid-job) keeps the images an earlier delivery
 * stored and generates only the rest; a job whose images are all stored is not generated again.
 */
@ApplicationScoped
public class GenerationService {
    /** The notice of every job whose images come from the built-in random-weight bundle. */
    public static final String TINY_MODEL_NOTICE = "These images come from the built-in tiny test model, which has"
            + " random weights: they are noise by design. Import real Stable Diffusion weights to get real images"
            + " (see the README, 'Real weights').";
    /** Name of the identity tensor in {@code identities/{id}.safetensors} (written by the encoder-service). */
    public static final String IDENTITY_TENSOR = "embedding";
    /**
     * The count (not a duration) in a SUCCEEDED job's timings of the images an earlier delivery of the job had
     * already stored and this one kept.
     */
    public static final String IMAGES_REUSED = "diffusion.images_reused";
    /**
     * A count among the timings, as {@link #IMAGES_REUSED}: the most jobs that shared one UNet run with this job's
     * images (1: this job's images ran alone or only with each other); absent when nothing was generated.
     */
    public static final String JOBS_PER_RUN = "diffusion.jobs_per_run";
    /** A stored output larger than this is not one of ours: it is regenerated, not read. */
    private static final long MAX_STORED_IMAGE_BYTES = 64L << 20;
    private static final Logger LOG = Logger.getLogger(GenerationService.class);

    private final PipelineHolder holder;
    private final ObjectStore store;
    /** Where generation starts in a job's overall progress (the encoder hands on at 0.3). */
    public static final double PROGRESS_STARTED = 0.3;

    private final StageRetry retry;
    private final DiffusionConfig config;

    GenerationService(PipelineHolder holder, ObjectStore store, StageRetry retry, DiffusionConfig config) {
        this.holder = holder;
        this.store = store;
        this.retry = retry;
        this.config = config;
    }

    /**
     * Generates the job's images; the outcome is SUCCEEDED with their keys, CANCELLED, or FAILED.
     *
     * @throws io.dreamid.stage.StageStoppedException the service is stopping; the job is left for redelivery
     */
    public Outcome run(IdentityMessage job, StageJob work) {
        try (RunGuard.Run run = holder.enter(); DenoiseBatcher.Job batching = holder.batcher().job()) {
            return generate(job, work);
        }
    }

    private Outcome generate(IdentityMessage job, StageJob work) {
        String jobId = job.jobId();
        Timings timings = new Timings();
        Long waited = work.timings().remove(Timings.WAIT);
        if (waited != null) {
            timings.add(Timings.WAIT, waited * 1_000_000L);
        }
        work.report(work.running(JobStatus.GENERATING, null, PROGRESS_STARTED).withSpec(job.spec())
                .withIdentity(job.identityId()));
        Progress progress = null;
        try {
            StableDiffusionPipeline pipeline = holder.pipeline();
            JobSpec spec = checkSpec(job);
            long readStart = System.nanoTime();
            Map<String, IdentityEmbedding> people = readPeople(job, pipeline.textWidth());
            if (!people.isEmpty()) {
                timings.add(Timings.IDENTITY, System.nanoTime() - readStart);
            }
            GenerationParams params = new GenerationParams(spec.steps(), spec.guidanceScale(), seedOf(job, spec),
                    spec.width(), spec.height(), spec.scheduler());
            pipeline.checkInputs(params);
            int perImage = pipeline.evaluations(params);
            progress = new Progress(work, spec.prompts().size() * spec.imagesPerPrompt() * spec.bestOf() * perImage);
            List<String> outputs = new ArrayList<>();
            int reused = 0;
            int jobsPerRun = 0;
            for (int p = 0; p < spec.prompts().size(); p++) {
                String prompt = spec.prompts().get(p);
                List<Pending> missing = new ArrayList<>();
                for (int i = 0; i < spec.imagesPerPrompt(); i++) {
                    for (int c = 0; c < spec.bestOf(); c++) {
                        // Candidate 0 has the noise of bestOf 1; the others take indices past the prompt's images.
                        int noiseIndex = i + c * spec.imagesPerPrompt();
                        String key = spec.bestOf() == 1 ? ObjectKeys.output(jobId, p, i)
                                : ObjectKeys.candidate(jobId, p, i, c);
                        Map<String, String> chunks = textChunks(job, spec, prompt, params, noiseIndex);
                        outputs.add(key);
                        if (storedAlready(key, chunks)) {
                            reused++;
                            progress.skipImage(perImage);
                        } else {
                            missing.add(new Pending(key, noiseIndex, chunks));
                        }
                    }
                }
                if (!missing.isEmpty()) {
                    // The prompt is encoded only if one of its images has to be generated; its images are denoised
                    // together (and with other jobs' images waiting for the same size, steps and scheduler), a
                    // batch's worth at a time, each stored as its batch ends: a stopped job keeps what its finished
                    // batches made (with max-images 1, every image).
                    TextConditioning text = pipeline.encodePromptWithPeople(prompt, spec.negativePrompt(), people,
                            params.guided(), timings);
                    int batchSize = holder.batcher().limits().maxImages();
                    for (int from = 0; from < missing.size(); from += batchSize) {
                        List<Pending> batch = missing.subList(from, Math.min(missing.size(), from + batchSize));
                        List<ImageRun> runs = new ArrayList<>();
                        for (Pending image : batch) {
                            runs.add(pipeline.prepare(text, params, image.noiseIndex(), progress, timings));
                        }
                        jobsPerRun = Math.max(jobsPerRun, holder.batcher().denoise(runs));
                        for (ImageRun run : runs) {
                            if (run.cancelled()) {
                                throw run.cancellation();
                            }
                        }
                        for (int k = 0; k < runs.size(); k++) {
                            store(jobId, pipeline.decode(runs.get(k)), batch.get(k), progress, timings);
                        }
                    }
                }
            }
            LOG.infof("job %s: %d images (%d of them stored by an earlier delivery) in %d ms of denoising%s", jobId,
                    outputs.size(), reused, timings.nanos(Timings.DENOISE) / 1_000_000,
                    pipeline.bundle().tiny() ? " (tiny random-weight bundle: the images are noise by design)" : "");
            work.timings().putAll(timings.millis());
            work.timings().put(IMAGES_REUSED, (long) reused);
            if (jobsPerRun > 0) {
                work.timings().put(JOBS_PER_RUN, (long) jobsPerRun);
            }
            // The spec rides along so that the identity judge knows a job's people (spec.people), as it knows a
            // job's one identity from identityId.
            return Outcome.event(work.succeeded(outputs).withIdentity(job.identityId()).withSpec(job.spec())
                    .withNotices(pipeline.bundle().tiny() ? List.of(TINY_MODEL_NOTICE) : List.of()));
        } catch (GenerationCancelledException e) {
            work.checkpoint();
            LOG.infof("job %s cancelled: %s", jobId, e.getMessage());
            work.timings().putAll(timings.millis());
            return Outcome.event(work.cancelled(progress == null ? PROGRESS_STARTED : progress.last));
        } catch (GenerationException e) {
            // A model that fails while the service stops (its runtime going away) is no fault of the job's.
            work.checkpoint();
            LOG.infof("job %s failed (%s): %s", jobId, e.code(), e.getMessage());
            work.timings().putAll(timings.millis());
            return Outcome.event(work.failed(ErrorInfo.of(e.code(), e.getMessage())));
        } catch (StageFailure e) {
            work.timings().putAll(timings.millis());
            throw e;
        }
    }

    /** An image (or bestOf candidate) of a prompt that is not stored yet: its key, noise index and text chunks. */
    private record Pending(String key, int noiseIndex, Map<String, String> chunks) {
    }

    /** Encodes an image as PNG with its text chunks and stores it under its key, unless the job was cancelled. */
    private void store(String jobId, RgbImage image, Pending pending, Progress progress, Timings timings) {
        String key = pending.key();
        long t0 = System.nanoTime();
        byte[] png = Png.encode(image, pending.chunks());
        long t1 = System.nanoTime();
        timings.add(Timings.PNG, t1 - t0);
        if (progress.cancelled()) {
            throw new GenerationCancelledException("before storing " + key);
        }
        retry.run("write " + key, () -> store.put(key, png, "image/png", Map.of("job-id", jobId)));
        timings.add(Timings.STORE, System.nanoTime() - t1);
    }

    private JobSpec checkSpec(IdentityMessage job) {
        if (job.spec() == null) {
            throw new StageFailure(ErrorCodes.BAD_SPEC, "the job carries no spec");
        }
        boolean identity = job.embeddingRef() != null;
        List<String> problems = job.spec().problems(identity);
        if (!problems.isEmpty()) {
            throw new StageFailure(ErrorCodes.BAD_SPEC, String.join("; ", problems));
        }
        return job.spec().withDefaults();
    }

    /**
     * Whether a redelivered job's image is in storage already, complete, and made with the same prompt, parameters
     * and model (its text chunks say so): then it is kept and its generation skipped. A missing, unreadable or
     * different object is generated again and overwritten.
     */
    private boolean storedAlready(String key, Map<String, String> chunks) {
        if (retry.call("look up " + key, () -> store.stat(key)).isEmpty()) {
            return false;
        }
        Map<String, String> stored;
        try {
            stored = Png.text(retry.call("read " + key, () -> store.get(key, MAX_STORED_IMAGE_BYTES)));
        } catch (ObjectNotFoundException | ObjectTooLargeException | IllegalArgumentException e) {
            LOG.infof("%s is stored but is not reusable (%s): generating it again", key, e.getMessage());
            return false;
        }
        Map<String, String> expected = new LinkedHashMap<>();
        chunks.forEach((k, v) -> expected.put(k, v == null ? "" : v));
        return stored.equals(expected);
    }

    /** The job's seed; a job without one (other producers) gets one derived from its id, so redelivery repeats it. */
    private static long seedOf(IdentityMessage job, JobSpec spec) {
        return spec.seed() != null ? spec.seed() : Integer.toUnsignedLong(job.jobId().hashCode());
    }

    /**
     * Each placeholder name's identity: {@code {id}}'s for a job of one person, every {@code {id:NAME}}'s for a job
     * of several, none for a text-only job.
     */
    private Map<String, IdentityEmbedding> readPeople(IdentityMessage job, int textWidth) {
        Map<String, IdentityEmbedding> people = new LinkedHashMap<>();
        if (job.embeddingRef() != null) {
            people.put(Placeholders.ONE, readIdentity(job.embeddingRef(), textWidth));
        }
        if (job.people() != null) {
            for (Map.Entry<String, PersonIdentity> person : job.people().entrySet()) {
                if (person.getValue() == null || person.getValue().embeddingRef() == null) {
                    throw new StageFailure(ErrorCodes.BAD_SPEC, "people." + person.getKey() + " has no embeddingRef");
                }
                people.put(person.getKey(), readIdentity(person.getValue().embeddingRef(), textWidth));
            }
        }
        return people;
    }

    private IdentityEmbedding readIdentity(String ref, int textWidth) {
        byte[] bytes;
        try {
            bytes = retry.call("read " + ref, () -> store.get(ref, config.maxIdentityBytes()));
        } catch (ObjectNotFoundException e) {
            throw new StageFailure(ErrorCodes.IDENTITY_NOT_FOUND, "the identity " + ref + " is not in storage");
        } catch (ObjectTooLargeException e) {
            throw new StageFailure(ErrorCodes.BAD_SPEC, "the identity " + ref + " is larger than "
                    + config.maxIdentityBytes() + " bytes: " + e.getMessage());
        }
        SafetensorsFile file;
        try {
            file = Safetensors.read(bytes);
        } catch (RuntimeException e) {
            throw new StageFailure(ErrorCodes.BAD_SPEC, "the identity " + ref + " is not a safetensors file: "
                    + e.getMessage(), e);
        }
        if (!file.contains(IDENTITY_TENSOR)) {
            throw new StageFailure(ErrorCodes.BAD_SPEC, "the identity " + ref + " has no tensor \"" + IDENTITY_TENSOR
                    + "\" (it has " + file.names() + ")");
        }
        long[] shape = file.shape(IDENTITY_TENSOR);
        if (shape.length != 2) {
            throw new StageFailure(ErrorCodes.BAD_SPEC, "the identity tensor has shape " + Arrays.toString(shape)
                    + "; [words, width] expected");
        }
        if (shape[1] != textWidth) {
            throw new StageFailure(ErrorCodes.BAD_SPEC, "the identity " + ref + " is " + shape[1] + " wide but the"
                    + " model's text encoder takes " + textWidth + ": it was encoded for another model");
        }
        return new IdentityEmbedding(file.floats(IDENTITY_TENSOR), (int) shape[0], (int) shape[1]);
    }

    /** The generation parameters, in PNG text chunks (tEXt, or iTXt for non-Latin-1 prompts). */
    private Map<String, String> textChunks(IdentityMessage job, JobSpec spec, String prompt, GenerationParams params,
            int imageIndex) {
        StableDiffusionPipeline pipeline = holder.pipeline();
        Map<String, String> chunks = new LinkedHashMap<>();
        chunks.put("prompt", prompt);
        chunks.put("negative_prompt", spec.negativePrompt());
        chunks.put("parameters", "steps=" + params.steps() + ", guidance_scale=" + params.guidanceScale()
                + ", seed=" + params.seed() + ", image_index=" + imageIndex + ", noise_seed="
                + (params.seed() + imageIndex) + ", size=" + params.width() + "x" + params.height() + ", scheduler="
                + (params.scheduler() == null ? "bundle default" : params.scheduler()));
        chunks.put("identity", identityText(job));
        chunks.put("model", holder.modelName()
                + (pipeline.bundle().tiny() ? ": " + pipeline.bundle().note() : ""));
        chunks.put("software", "DreamID diffusion-service");
        return chunks;
    }

    /** The identity of a job of one person, or each person's as {@code name=identityId} (sorted by name). */
    private static String identityText(IdentityMessage job) {
        if (job.people() != null && !job.people().isEmpty()) {
            return new TreeMap<>(job.people()).entrySet().stream()
                    .map(p -> p.getKey() + "=" + p.getValue().identityId()).collect(Collectors.joining(", "));
        }
        return job.identityId() == null ? "" : job.identityId();
    }

    /** Cancellation checks and throttled GENERATING events, across all images of the job. */
    private final class Progress implements GenerationControl {
        private final StageJob work;
        private final int total;
        private final long intervalNanos = config.progressInterval().toNanos();
        /** Model evaluations done (or kept from an earlier delivery) over all images of the job. */
        private int done;
        private long lastSentAt = System.nanoTime();
        private double last = PROGRESS_STARTED;

        Progress(StageJob work, int total) {
            this.work = work;
            this.total = Math.max(1, total);
        }

        @Override
        public boolean cancelled() {
            // Stopping the service ends the run at the next step too; run() tells the two apart.
            return work.cancelled() || work.stopping();
        }

        /** An image kept from an earlier delivery: its evaluations count as done. */
        void skipImage(int perImage) {
            done += perImage;
        }

        /** One evaluation of one image done; the images of a prompt step together, each reports its own. */
        @Override
        public void stepDone(int step, int perImage) {
            int overall = ++done;
            double value = PROGRESS_STARTED + (1 - PROGRESS_STARTED) * overall / total;
            long now = System.nanoTime();
            // The last evaluation is reported by SUCCEEDED itself.
            if (overall < total && (now - lastSentAt >= intervalNanos || value - last >= config.progressStep())) {
                work.report(work.running(JobStatus.GENERATING, "step-" + overall, value));
                lastSentAt = now;
                last = value;
            }
        }
    }
}

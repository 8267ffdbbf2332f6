package io.dreamid.diffusion.pipeline;

import io.dreamid.diffusion.TinyBundles;
import io.dreamid.diffusion.bundle.SdBundle;
import io.dreamid.diffusion.onnx.RuntimeOptions;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Jobs handed to the batcher from their own threads at the same time share UNet runs and each gets the images it
 * gets alone; a job cancelled mid-batch stops alone; a memory budget too small for two images splits the batch;
 * images that cannot share runs (other size or steps) are batched apart; with two lanes, a batch of two jobs runs as
 * two UNet batches at once on two threads, each job whole in one, with the same images and the same cancellation.
 */
class DenoiseBatcherTest {
    private static final GenerationParams JOB_A = new GenerationParams(6, 7.5, 3, 64, 64, "euler");
    private static final GenerationParams JOB_B = new GenerationParams(6, 5.0, 1234, 64, 64, "euler");
    private static StableDiffusionPipeline pipeline;

    @BeforeAll
    static void load() {
        pipeline = StableDiffusionPipeline.load(SdBundle.open(TinyBundles.realArchitecture()),
                RuntimeOptions.CPU_DEFAULTS);
    }

    @AfterAll
    static void close() {
        pipeline.close();
    }

    @Test
    void twoJobsWaitingTogetherShareRunsAndKeepTheirImages() throws Exception {
        try (DenoiseBatcher batcher = new DenoiseBatcher(pipeline, limits(8, Long.MAX_VALUE))) {
            List<List<ImageRun>> jobs = together(batcher, job("a cat on a sofa", JOB_A, 2, GenerationControl.NONE),
                    job("a dog in the snow", JOB_B, 1, GenerationControl.NONE));

            for (List<ImageRun> job : jobs) {
                for (ImageRun run : job) {
                    assertThat(run.denoised()).isTrue();
                    assertThat(run.batchImages()).as("images in the shared batch").isEqualTo(3);
                    assertThat(run.latents).isEqualTo(alone(run).latents);
                }
            }
            assertThat(jobs.get(0).get(0).timings().nanos(Timings.QUEUE)).isPositive();
        }
    }

    @Test
    void cancellingOneJobOfABatchStopsOnlyThatJobInOneRunAndInLanes() throws Exception {
        for (int lanes : new int[] {1, 2}) {
            StepCounter counter = new StepCounter(2);
            try (DenoiseBatcher batcher = new DenoiseBatcher(pipeline, lanes(lanes))) {
                List<List<ImageRun>> jobs = together(batcher, job("a cat on a sofa", JOB_A, 2, counter),
                        job("a dog in the snow", JOB_B, 2, GenerationControl.NONE));

                // One run holds both jobs' 4 images; in two lanes each job has a run of its own.
                int imagesPerRun = lanes == 1 ? 4 : 2;
                assertThat(jobs.get(0)).allSatisfy(run -> {
                    assertThat(run.cancelled()).isTrue();
                    assertThat(run.batchImages()).as("images in the run, lanes " + lanes).isEqualTo(imagesPerRun);
                });
                assertThat(counter.steps.get()).as("steps the cancelled job made").isEqualTo(2 * 2);
                for (ImageRun run : jobs.get(1)) {
                    assertThat(run.denoised()).isTrue();
                    assertThat(run.latents).isEqualTo(alone(run).latents);
                }
            }
        }
    }

    @Test
    void aBudgetForOneGuidedImageSplitsTheBatch() throws Exception {
        // 8x8 latents, 2 samples per guided image: room for exactly one image per run.
        long oneImage = 2L * 64;
        try (DenoiseBatcher batcher = new DenoiseBatcher(pipeline, limits(8, oneImage))) {
            List<List<ImageRun>> jobs = together(batcher, job("a cat on a sofa", JOB_A, 2, GenerationControl.NONE));
            for (ImageRun run : jobs.get(0)) {
                assertThat(run.batchImages()).isEqualTo(1);
                assertThat(run.latents).isEqualTo(alone(run).latents);
            }
        }
    }

    @Test
    void imagesOfOtherSizesOrStepsAreBatchedApart() throws Exception {
        try (DenoiseBatcher batcher = new DenoiseBatcher(pipeline, limits(8, Long.MAX_VALUE))) {
            GenerationParams wider = new GenerationParams(6, 7.5, 3, 128, 64, "euler");
            GenerationParams longer = new GenerationParams(7, 7.5, 3, 64, 64, "euler");
            List<List<ImageRun>> jobs = together(batcher, job("a cat", JOB_A, 1, GenerationControl.NONE),
                    job("a cat", wider, 1, GenerationControl.NONE), job("a cat", longer, 1, GenerationControl.NONE));
            for (List<ImageRun> job : jobs) {
                assertThat(job.get(0).batchImages()).isEqualTo(1);
                assertThat(job.get(0).latents).isEqualTo(alone(job.get(0)).latents);
            }
        }
    }

    @Test
    void aJobAloneInHandDoesNotWaitForABatch() throws Exception {
        // A max-wait of a minute: a batch that waited for it would show.
        try (DenoiseBatcher batcher = new DenoiseBatcher(pipeline,
                new DenoiseBatcher.Limits(8, Duration.ofMinutes(1), Long.MAX_VALUE, 1))) {
            List<ImageRun> job = together(batcher, job("a cat", JOB_A, 1, GenerationControl.NONE)).get(0);
            assertThat(job.get(0).denoised()).isTrue();
            assertThat(job.get(0).timings().nanos(Timings.QUEUE)).as("waited for a batch")
                    .isLessThan(Duration.ofSeconds(20).toNanos());
        }
    }

    @Test
    void withTwoLanesTwoJobsRunAtOnceEachInItsOwnRunAndKeepTheirImages() throws Exception {
        ThreadsSeen a = new ThreadsSeen();
        ThreadsSeen b = new ThreadsSeen();
        try (DenoiseBatcher batcher = new DenoiseBatcher(pipeline, lanes(2))) {
            List<List<ImageRun>> jobs = together(batcher, job("a cat on a sofa", JOB_A, 2, a),
                    job("a dog in the snow", JOB_B, 1, b));

            assertThat(jobs.get(0)).allSatisfy(run -> assertThat(run.batchImages()).as("images in A's UNet run")
                    .isEqualTo(2));
            assertThat(jobs.get(1).get(0).batchImages()).as("images in B's UNet run").isEqualTo(1);
            assertThat(a.names).as("threads that ran A's steps").hasSize(1);
            assertThat(b.names).as("threads that ran B's steps").hasSize(1);
            assertThat(a.names).as("A and B in lanes of their own").doesNotContainAnyElementsOf(b.names);
            for (List<ImageRun> job : jobs) {
                for (ImageRun run : job) {
                    assertThat(run.denoised()).isTrue();
                    assertThat(run.latents).isEqualTo(alone(run).latents);
                }
            }
        }
    }

    @Test
    void withTwoLanesThreeJobsShareTwoRunsByTheirSamplesWhateverOrderTheyArriveIn() throws Exception {
        // A (2 images) fills one lane, B and C (1 image each) the other. Handed in A, B, C at once, and B, C, A one
        // after another (the order in which dealing the jobs as they come would put A with B).
        for (boolean aLast : new boolean[] {false, true}) {
            try (DenoiseBatcher batcher = new DenoiseBatcher(pipeline, lanes(2))) {
                List<ImageRun> a = job("a cat on a sofa", JOB_A, 2, GenerationControl.NONE);
                List<ImageRun> b = job("a dog in the snow", JOB_B, 1, GenerationControl.NONE);
                List<ImageRun> c = job("a bird", JOB_B, 1, GenerationControl.NONE);
                List<List<ImageRun>> jobs = aLast ? handIn(batcher, 100, b, c, a) : together(batcher, a, b, c);
                for (List<ImageRun> job : jobs) {
                    for (ImageRun run : job) {
                        assertThat(run.batchImages()).as("images in the run, A last: " + aLast).isEqualTo(2);
                        assertThat(run.latents).isEqualTo(alone(run).latents);
                    }
                }
            }
        }
    }

    @Test
    void withTwoLanesAUnetFailureFailsOnlyTheJobsOfItsLane() throws Exception {
        List<ImageRun> good = job("a dog in the snow", JOB_B, 1, GenerationControl.NONE);
        // Text states half as wide as the UNet's: its run fails in ONNX Runtime.
        TextConditioning text = pipeline.encodePrompt("a cat", "", null, true, new Timings());
        TextConditioning narrow = new TextConditioning(new float[text.hidden().length / 2], text.batch(),
                text.sequence(), text.prompt());
        List<ImageRun> bad = List.of(pipeline.prepare(narrow, JOB_A, 0, GenerationControl.NONE, new Timings()));
        try (DenoiseBatcher batcher = new DenoiseBatcher(pipeline, lanes(2))) {
            CountDownLatch start = new CountDownLatch(1);
            ExecutorService threads = Executors.newFixedThreadPool(2);
            try {
                List<Future<Integer>> done = new ArrayList<>();
                for (List<ImageRun> job : List.of(bad, good)) {
                    DenoiseBatcher.Job registered = batcher.job();
                    done.add(threads.submit(() -> {
                        try (registered) {
                            start.await();
                            return batcher.denoise(job);
                        }
                    }));
                }
                start.countDown();
                assertThatThrownBy(() -> done.get(0).get(60, TimeUnit.SECONDS))
                        .hasCauseInstanceOf(GenerationException.class).hasMessageContaining("the UNet failed");
                assertThat(done.get(1).get(60, TimeUnit.SECONDS)).as("jobs in the good job's run").isEqualTo(1);
            } finally {
                threads.shutdownNow();
            }
        }
        assertThat(good.get(0).denoised()).isTrue();
        assertThat(good.get(0).latents).isEqualTo(alone(good.get(0)).latents);
    }

    @Test
    void aJobAloneUsesOneLane() throws Exception {
        ThreadsSeen seen = new ThreadsSeen();
        try (DenoiseBatcher batcher = new DenoiseBatcher(pipeline, lanes(2))) {
            List<ImageRun> job = together(batcher, job("a cat on a sofa", JOB_A, 2, seen)).get(0);
            assertThat(job).allSatisfy(run -> assertThat(run.batchImages()).isEqualTo(2));
            assertThat(seen.names).containsExactly("diffusion-batches");
        }
    }

    @Test
    void lanesBelowOneAreRefusedWithTheSettingsName() {
        assertThatThrownBy(() -> new DenoiseBatcher.Limits(8, Duration.ofMillis(5), Long.MAX_VALUE, 1, 0))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("dreamid.diffusion.batch.lanes");
    }

    private static DenoiseBatcher.Limits lanes(int lanes) {
        return new DenoiseBatcher.Limits(8, Duration.ofMillis(1500), Long.MAX_VALUE, 1, lanes);
    }

    private static DenoiseBatcher.Limits limits(int maxImages, long budget) {
        // A long wait: the batch starts as soon as it is full or every job in hand has handed in.
        return new DenoiseBatcher.Limits(maxImages, Duration.ofMillis(1500), budget, 1);
    }

    private static List<ImageRun> job(String prompt, GenerationParams p, int images, GenerationControl control) {
        TextConditioning text = pipeline.encodePrompt(prompt, "", null, p.guided(), new Timings());
        Timings timings = new Timings();
        List<ImageRun> runs = new ArrayList<>();
        for (int i = 0; i < images; i++) {
            runs.add(pipeline.prepare(text, p, i, control, timings));
        }
        return runs;
    }

    /** Hands every job in from a thread of its own at the same moment; returns when all are back. */
    @SafeVarargs
    private static List<List<ImageRun>> together(DenoiseBatcher batcher, List<ImageRun>... jobs) throws Exception {
        return handIn(batcher, 0, jobs);
    }

    /**
     * Hands every job in from a thread of its own, {@code apartMillis} after the one before (all registered first,
     * as the stage's worker threads are while they read and encode); returns when all are back.
     */
    @SafeVarargs
    private static List<List<ImageRun>> handIn(DenoiseBatcher batcher, long apartMillis, List<ImageRun>... jobs)
            throws Exception {
        CountDownLatch start = new CountDownLatch(1);
        ExecutorService threads = Executors.newFixedThreadPool(jobs.length);
        try {
            List<Future<?>> done = new ArrayList<>();
            for (int i = 0; i < jobs.length; i++) {
                List<ImageRun> job = jobs[i];
                long delay = i * apartMillis;
                DenoiseBatcher.Job registered = batcher.job();
                done.add(threads.submit(() -> {
                    try (registered) {
                        start.await();
                        Thread.sleep(delay);
                        batcher.denoise(job);
                    }
                    return null;
                }));
            }
            start.countDown();
            for (Future<?> f : done) {
                f.get(60, TimeUnit.SECONDS);
            }
            return List.of(jobs);
        } finally {
            threads.shutdownNow();
        }
    }

    private static ImageRun alone(ImageRun batched) {
        ImageRun run = pipeline.prepare(batched.text, batched.params(), batched.imageIndex(), GenerationControl.NONE,
                new Timings());
        pipeline.denoise(List.of(run));
        return run;
    }

    /** A job's control that records the threads its steps were reported from. */
    private static final class ThreadsSeen implements GenerationControl {
        private final Set<String> names = ConcurrentHashMap.newKeySet();

        @Override
        public boolean cancelled() {
            return false;
        }

        @Override
        public void stepDone(int done, int total) {
            names.add(Thread.currentThread().getName());
        }
    }

    /** A job's control that turns cancelled once each of its images made {@code steps} steps. */
    private static final class StepCounter implements GenerationControl {
        private final int stepsPerImage;
        private final AtomicInteger steps = new AtomicInteger();

        StepCounter(int stepsPerImage) {
            this.stepsPerImage = stepsPerImage;
        }

        @Override
        public boolean cancelled() {
            return steps.get() >= 2 * stepsPerImage;
        }

        @Override
        public void stepDone(int done, int total) {
            steps.incrementAndGet();
        }
    }
}

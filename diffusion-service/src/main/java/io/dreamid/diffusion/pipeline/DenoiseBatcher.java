package io.dreamid.diffusion.pipeline;

import org.jboss.logging.Logger;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.IdentityHashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Puts the images of concurrent jobs through shared UNet runs. Job threads register ({@link #job()}), hand in their
 * images ({@link #denoise}) and wait; one runner thread takes the oldest waiting image, waits at most
 * {@code maxWait} from that image's arrival for others that can share its runs (same latent size and timesteps: same
 * width, height, steps and scheduler grid), only while a registered job has no image queued yet, takes them in
 * arrival order up to {@code maxImages} and the memory budget, and runs the denoising loop for all of them
 * ({@link StableDiffusionPipeline#denoise}). One batch runs at a time, while the job threads decode, encode PNGs and
 * store the previous batch's images.
 *
 * <p>With {@code lanes} above 1 a batch holding several jobs is split by job into up to that many UNet batches that
 * run at the same time, one per thread (the runner's and {@code lanes - 1} of the batcher's own): on a CPU whose
 * ONNX Runtime runs a small model's operators on one core (its intra-op threads cost more than they give there), that
 * is how a batch uses the other cores. A job's images always stay in one lane, so its progress, cancellation checks
 * and timings are called from one thread.
 *
 * <p>Each job keeps its own: a cancelled job's images leave the queue at once or the batch at its next step, the
 * others go on; its progress reaches its own control; a UNet failure fails only the jobs of that batch. An image
 * batched is bit-identical to the image alone ({@code BatchedGenerationTest}).
 */
public final class DenoiseBatcher implements AutoCloseable {
    /** How often a waiting job looks at its own cancellation while its images are still queued. */
    private static final long POLL_NANOS = TimeUnit.MILLISECONDS.toNanos(50);
    private static final Logger LOG = Logger.getLogger(DenoiseBatcher.class);

    /**
     * @param maxImages           images in one batch at most (1: each image alone)
     * @param maxWait             how long the oldest waiting image waits for others to fill its batch
     * @param memoryBudget        bytes a batch's UNet activations may take, estimated as samples x latent pixels x
     *                            {@code bytesPerLatentPixel}; a batch that would exceed it is split (an image alone
     *                            always runs)
     * @param bytesPerLatentPixel the estimate's bytes per UNet sample per latent pixel
     * @param lanes               UNet runs a batch of several jobs may be split into, run at the same time (1: one
     *                            run for the whole batch)
     */
    public record Limits(int maxImages, Duration maxWait, long memoryBudget, long bytesPerLatentPixel, int lanes) {
        public Limits {
            if (maxImages < 1) {
                throw new IllegalArgumentException("dreamid.diffusion.batch.max-images must be at least 1, got "
                        + maxImages);
            }
            if (lanes < 1) {
                throw new IllegalArgumentException("dreamid.diffusion.batch.lanes must be at least 1, got " + lanes);
            }
            if (maxWait.isNegative() || memoryBudget < 1 || bytesPerLatentPixel < 1) {
                throw new IllegalArgumentException("dreamid.diffusion.batch: max-wait must not be negative and"
                        + " memory-budget and bytes-per-latent-pixel must be positive");
            }
        }

        /** One lane: every batch is one UNet run. */
        public Limits(int maxImages, Duration maxWait, long memoryBudget, long bytesPerLatentPixel) {
            this(maxImages, maxWait, memoryBudget, bytesPerLatentPixel, 1);
        }

        /** The estimated memory of a UNet run of {@code samples} samples of {@code latentPixels} each. */
        public long bytes(int samples, long latentPixels) {
            return samples * latentPixels * bytesPerLatentPixel;
        }
    }

    private final StableDiffusionPipeline pipeline;
    private final Limits limits;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition changed = lock.newCondition();
    private final LinkedList<Slot> queue = new LinkedList<>();
    private final Thread runner;
    /** Runs the lanes of a batch past the first (which the runner runs itself); null with one lane. */
    private final ExecutorService laneThreads;
    private boolean closed;
    /** Jobs in hand that may still hand in images ({@link #job()}). */
    private int jobs;

    public DenoiseBatcher(StableDiffusionPipeline pipeline, Limits limits) {
        this.pipeline = pipeline;
        this.limits = limits;
        AtomicInteger laneNumber = new AtomicInteger(1);
        this.laneThreads = limits.lanes() == 1 ? null : Executors.newFixedThreadPool(limits.lanes() - 1, r -> {
            Thread thread = new Thread(r, "diffusion-lane-" + laneNumber.incrementAndGet());
            thread.setDaemon(true);
            return thread;
        });
        this.runner = new Thread(this::runBatches, "diffusion-batches");
        runner.setDaemon(true);
        runner.start();
    }

    public Limits limits() {
        return limits;
    }

    /** A job in hand, from before it hands in its first images until it is done with the batcher. */
    public interface Job extends AutoCloseable {
        @Override
        void close();
    }

    /**
     * Registers a job that may hand in images. The runner waits for more images only while a registered job has
     * none in the queue: with one job in hand (a worker with {@code workers=1}) a batch never waits.
     */
    public Job job() {
        lock.lock();
        try {
            jobs++;
        } finally {
            lock.unlock();
        }
        return () -> {
            lock.lock();
            try {
                jobs--;
                changed.signalAll();
            } finally {
                lock.unlock();
            }
        };
    }

    /**
     * Denoises {@code runs} (prepared by {@link StableDiffusionPipeline#prepare}) in shared batches and returns when
     * each is denoised or cancelled ({@link ImageRun#cancelled()}). The time the images waited for their first batch
     * goes to {@link Timings#QUEUE} of their timings.
     *
     * @return the most jobs that shared a UNet run with these images, theirs included (1: denoised alone; 0: none
     *         started)
     * @throws GenerationException the UNet failed on a batch holding these images
     */
    public int denoise(List<ImageRun> runs) {
        if (runs.isEmpty()) {
            return 0;
        }
        Request request = new Request(runs.size());
        long now = System.nanoTime();
        boolean interrupted = false;
        lock.lock();
        try {
            if (closed) {
                throw new IllegalStateException("the diffusion batcher is closed: the service is stopping");
            }
            for (ImageRun run : runs) {
                queue.add(new Slot(run, request, now));
            }
            changed.signalAll();
            while (request.remaining > 0) {
                if (runs.get(0).control.cancelled()) {
                    withdraw(request, "before step 1 (waiting for a batch)");
                }
                if (request.remaining > 0) {
                    try {
                        changed.awaitNanos(POLL_NANOS);
                    } catch (InterruptedException e) {
                        // The images may be in the runner's hands: wait for them to end, at the next step at latest.
                        interrupted = true;
                    }
                }
            }
        } finally {
            lock.unlock();
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
        if (request.started) {
            runs.get(0).timings.add(Timings.QUEUE, request.startedAt - now);
        }
        if (request.failure != null) {
            throw request.failure;
        }
        return request.mostJobs;
    }

    /** A cancelled job's images still in the queue leave it now; those in a running batch leave at its next step. */
    private void withdraw(Request request, String where) {
        for (Iterator<Slot> it = queue.iterator(); it.hasNext();) {
            Slot slot = it.next();
            if (slot.request == request) {
                it.remove();
                slot.run.cancel(where);
                request.remaining--;
            }
        }
    }

    private void runBatches() {
        while (true) {
            List<List<Slot>> lanes;
            lock.lock();
            try {
                lanes = nextBatch();
                if (lanes == null) {
                    return;
                }
            } finally {
                lock.unlock();
            }
            List<Future<RuntimeException>> others = new ArrayList<>();
            for (List<Slot> lane : lanes.subList(1, lanes.size())) {
                others.add(laneThreads.submit(() -> runLane(lane)));
            }
            List<RuntimeException> failures = new ArrayList<>();
            failures.add(runLane(lanes.get(0)));
            for (Future<RuntimeException> other : others) {
                failures.add(join(other));
            }
            lock.lock();
            try {
                for (int i = 0; i < lanes.size(); i++) {
                    for (Slot slot : lanes.get(i)) {
                        if (failures.get(i) != null && slot.request.failure == null) {
                            slot.request.failure = failures.get(i);
                        }
                        slot.request.remaining--;
                    }
                }
                changed.signalAll();
            } finally {
                lock.unlock();
            }
        }
    }

    /** Denoises one lane of a batch; returns how it failed, or null. */
    private RuntimeException runLane(List<Slot> lane) {
        try {
            List<ImageRun> runs = new ArrayList<>(lane.size());
            for (Slot slot : lane) {
                runs.add(slot.run);
            }
            pipeline.denoise(runs);
            return null;
        } catch (RuntimeException e) {
            LOG.warnf("a batch of %d images failed: %s", lane.size(), e.getMessage());
            return e;
        } catch (Error e) {
            LOG.error("a batch failed", e);
            return new IllegalStateException("the denoising batch failed: " + e, e);
        }
    }

    /** The outcome of a lane run by a lane thread; the lane's own failure, or why it could not be waited for. */
    private static RuntimeException join(Future<RuntimeException> lane) {
        boolean interrupted = false;
        try {
            while (true) {
                try {
                    return lane.get();
                } catch (InterruptedException e) {
                    // Its images are in work: wait for them to end (at the next step at latest once cancelled).
                    interrupted = true;
                } catch (ExecutionException e) {
                    return new IllegalStateException("the denoising lane failed: " + e.getCause(), e.getCause());
                }
            }
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /**
     * Under the lock: waits for the oldest image, then up to {@code maxWait} after its arrival for images that can
     * join it, and takes the batch out of the queue, split into its lanes; null once closed.
     */
    private List<List<Slot>> nextBatch() {
        while (true) {
            if (closed) {
                return null;
            }
            Slot head = queue.peekFirst();
            if (head == null) {
                changed.awaitUninterruptibly();
                continue;
            }
            long left = head.arrivedAt + limits.maxWait().toNanos() - System.nanoTime();
            if (left > 0 && !full(head) && jobs > queuedJobs()) {
                try {
                    changed.awaitNanos(left);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return null;
                }
                continue;
            }
            return take(head);
        }
    }

    /** Whether the images waiting with {@code head} fill a batch already (count or memory). */
    private boolean full(Slot head) {
        int fits = take(head, false).size();
        return fits >= limits.maxImages() || fits < compatible(head);
    }

    /** Jobs with images in the queue. */
    private int queuedJobs() {
        Set<Request> requests = Collections.newSetFromMap(new IdentityHashMap<>());
        for (Slot slot : queue) {
            requests.add(slot.request);
        }
        return requests.size();
    }

    private int compatible(Slot head) {
        int n = 0;
        for (Slot slot : queue) {
            if (StableDiffusionPipeline.batchable(head.run, slot.run)) {
                n++;
            }
        }
        return n;
    }

    /** Takes the batch {@code head} starts out of the queue and splits it into lanes. */
    private List<List<Slot>> take(Slot head) {
        List<List<Slot>> lanes = lanes(take(head, true));
        long now = System.nanoTime();
        for (List<Slot> lane : lanes) {
            Set<Request> jobsInLane = Collections.newSetFromMap(new IdentityHashMap<>());
            for (Slot slot : lane) {
                jobsInLane.add(slot.request);
            }
            for (Slot slot : lane) {
                if (!slot.request.started) {
                    slot.request.started = true;
                    slot.request.startedAt = now;
                }
                slot.request.mostJobs = Math.max(slot.request.mostJobs, jobsInLane.size());
            }
        }
        return lanes;
    }

    /**
     * The batch's jobs dealt out to {@code min(lanes, jobs)} lanes, largest first (most samples; arrival order among
     * equals), each job (all its images) to the lane with the fewest samples so far: the usual greedy for even
     * loads, and the same lanes whatever order the jobs arrived in. Within a lane the images keep arrival order.
     */
    private List<List<Slot>> lanes(List<Slot> batch) {
        Map<Request, List<Slot>> byJob = new LinkedHashMap<>();
        for (Slot slot : batch) {
            byJob.computeIfAbsent(slot.request, r -> new ArrayList<>()).add(slot);
        }
        int count = Math.min(limits.lanes(), byJob.size());
        if (count == 1) {
            return List.of(batch);
        }
        List<List<Slot>> jobs = new ArrayList<>(byJob.values());
        jobs.sort(Comparator.comparingInt(DenoiseBatcher::samples).reversed());
        int[] samples = new int[count];
        Map<Request, Integer> laneOf = new IdentityHashMap<>();
        for (List<Slot> job : jobs) {
            int lightest = 0;
            for (int i = 1; i < count; i++) {
                if (samples[i] < samples[lightest]) {
                    lightest = i;
                }
            }
            laneOf.put(job.get(0).request, lightest);
            samples[lightest] += samples(job);
        }
        List<List<Slot>> lanes = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            lanes.add(new ArrayList<>());
        }
        for (Slot slot : batch) {
            lanes.get(laneOf.get(slot.request)).add(slot);
        }
        return lanes;
    }

    private static int samples(List<Slot> slots) {
        int n = 0;
        for (Slot slot : slots) {
            n += slot.run.samples();
        }
        return n;
    }

    /** The batch {@code head} starts: batchable images in arrival order within the count and the memory budget. */
    private List<Slot> take(Slot head, boolean remove) {
        List<Slot> batch = new ArrayList<>();
        int samples = 0;
        for (Iterator<Slot> it = queue.iterator(); it.hasNext() && batch.size() < limits.maxImages();) {
            Slot slot = it.next();
            if (!StableDiffusionPipeline.batchable(head.run, slot.run)) {
                continue;
            }
            int more = samples + slot.run.samples();
            if (!batch.isEmpty() && limits.bytes(more, head.run.latentPixels()) > limits.memoryBudget()) {
                break;
            }
            batch.add(slot);
            samples = more;
            if (remove) {
                it.remove();
            }
        }
        return batch;
    }

    /** Stops the runner after the batch in hand; called once no job uses the pipeline. */
    @Override
    public void close() {
        lock.lock();
        try {
            closed = true;
            changed.signalAll();
        } finally {
            lock.unlock();
        }
        try {
            runner.join(TimeUnit.SECONDS.toMillis(60));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (laneThreads != null) {
            laneThreads.shutdown();
        }
    }

    /** One job's hand-in: how many of its images are not yet denoised or cancelled, and how it failed. */
    private static final class Request {
        int remaining;
        boolean started;
        long startedAt;
        /** The most requests (jobs) any batch holding this request's images held. */
        int mostJobs;
        RuntimeException failure;

        Request(int images) {
            this.remaining = images;
        }
    }

    private record Slot(ImageRun run, Request request, long arrivedAt) {
    }
}

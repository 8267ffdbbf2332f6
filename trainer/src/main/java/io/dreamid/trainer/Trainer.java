package io.dreamid.trainer;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import io.dreamid.common.image.RgbImage;
import io.dreamid.common.tensors.FloatTensor;
import io.dreamid.common.tensors.Safetensors;
import io.dreamid.diffusion.bundle.SdBundle;
import io.dreamid.diffusion.pipeline.GenerationException;
import io.dreamid.diffusion.pipeline.IdentityEmbedding;
import io.dreamid.diffusion.pipeline.PromptEmbedder;
import io.dreamid.diffusion.scheduler.SchedulerConfig;
import io.dreamid.diffusion.scheduler.TrainSchedule;
import io.dreamid.common.tokenizer.ClipTokenizer;
import io.dreamid.encoder.bundle.BuiltInBundle;
import io.dreamid.encoder.bundle.BundleException;
import io.dreamid.encoder.bundle.EncoderBundle;
import io.dreamid.encoder.bundle.EncoderConfig;
import io.dreamid.encoder.model.M2Encoder;
import io.dreamid.encoder.model.Preprocessor;
import io.dreamid.encoder.model.Projector;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * Self-augmented editability learning of the M² projector (DreamIdentity, Chen et al. 2024): for each pair, the
 * portrait's words replace {@code {id}} in the edit prompt's input embeddings, the frozen text encoder
 * contextualises them, noise is added to the edited image's latents at a random timestep, and the frozen UNet's
 * prediction is compared with the target of the scheduler's prediction type by mean squared error. Only the
 * projector learns; the gradient reaches it through the text encoder.
 *
 * <p>Every random draw of step s (which pairs, timesteps, noise) comes from a generator seeded with (seed, s), and
 * the optimiser state is plain float arrays saved whole, so a run stopped at step k and resumed from its checkpoint
 * computes the same steps as one that never stopped.
 *
 * <p>Data parallel over {@code --devices} (one node, several GPUs): each step's batch is split into contiguous
 * shards, one per device; each device holds its own copy of the frozen modules and gets its own copy of the projector's
 * weights (uploaded from the one set of host arrays, so every copy starts the step equal); each shard's forward and
 * backward runs on its own thread, as DJL's {@code EasyTrain.trainBatch} runs its splits under one gradient collector.
 * A shard's loss is weighted by its share of the batch, so the shards' losses and gradients add up to the mean over
 * the whole batch that one device computes; the gradients are summed in device order on the host, clipped once, and
 * AdamW steps once on the host arrays, which every device uploads at the next step.
 */
public final class Trainer implements AutoCloseable {
    static final AdamW ADAM = new AdamW(0.9, 0.999, 1e-8, 0.0);
    private static final long GOLDEN = 0x9E3779B97F4A7C15L;

    /** K of the built-in starting bundle: the encoder-service's default ({@code dreamid.encoder.built-in-words}). */
    static final int BUILT_IN_WORDS = 2;

    private final TrainingOptions options;
    private final Path baseEncoder;
    private final Preparation preparation;
    private final List<Replica> replicas;
    private final int[] shardSizes;
    private final ExecutorService shardThreads;
    private final FrozenModels frozen;
    private final TrainingBundle pair;
    private final TrainingDataset dataset;
    private final EncoderConfig encoderConfig;
    private final List<PreparedExample> examples;
    private final TrainableProjector projector;
    private final float[] alphasCumprod;
    private final String predictionType;
    private final int latentChannels;
    private final int latentH;
    private final int latentW;
    private final int sequence;
    private final NDManager manager;
    private final PrintStream log;
    private float[][] adamM;
    private float[][] adamV;
    private final List<Float> losses = new ArrayList<>();
    private int step;
    private CheckpointMirror mirror;

    /** One device's copy of the frozen modules, and the manager its step tensors live under. */
    private record Replica(FrozenModels frozen, NDManager manager) {
    }

    private Trainer(TrainingOptions options, Path baseEncoder, List<Replica> replicas, TrainingBundle pair,
            TrainingDataset dataset, EncoderConfig encoderConfig, List<PreparedExample> examples,
            TrainableProjector projector, SchedulerConfig scheduler, int[] latentShape, int sequence,
            Preparation preparation, PrintStream log) {
        this.options = options;
        this.baseEncoder = baseEncoder;
        this.preparation = preparation;
        this.replicas = replicas;
        this.shardSizes = TrainingDevices.shardSizes(options.batch(), replicas.size());
        this.shardThreads = replicas.size() == 1 ? null : Executors.newFixedThreadPool(replicas.size(), r -> {
            Thread t = new Thread(r, "trainer-shard");
            t.setDaemon(true);
            return t;
        });
        this.frozen = replicas.get(0).frozen();
        this.pair = pair;
        this.dataset = dataset;
        this.encoderConfig = encoderConfig;
        this.examples = examples;
        this.projector = projector;
        this.alphasCumprod = TrainSchedule.alphasCumprod(scheduler);
        this.predictionType = scheduler.predictionType();
        this.latentChannels = latentShape[0];
        this.latentH = latentShape[1];
        this.latentW = latentShape[2];
        this.sequence = sequence;
        this.manager = replicas.get(0).manager();
        this.log = log;
        int n = projector.parameters().size();
        this.adamM = new float[n][];
        this.adamV = new float[n][];
        int i = 0;
        for (FloatTensor t : projector.parameters().values()) {
            adamM[i] = new float[t.data().length];
            adamV[i] = new float[t.data().length];
            i++;
        }
    }

    /**
     * Checks the inputs and precomputes the frozen parts: the backbone features of every face, the prompt
     * embeddings and the VAE latents of every edited image (kept in the dataset's latent cache).
     */
    public static Trainer prepare(TrainingOptions options, PrintStream log) {
        return prepare(options, List.of(Device.cpu()), log);
    }

    /**
     * {@link #prepare(TrainingOptions, PrintStream)} with each batch split across {@code devices} (see
     * {@link TrainingDevices}); the first device also computes the preparation.
     */
    public static Trainer prepare(TrainingOptions options, List<Device> devices, PrintStream log) {
        long t0 = System.nanoTime();
        TrainingDevices.shardSizes(options.batch(), devices.size());
        TrainingBundle pair = TrainingBundle.check(options.sdBundle(), options.torchscript());
        SdBundle sd;
        try {
            sd = SdBundle.open(options.sdBundle());
        } catch (RuntimeException e) {
            throw new TrainerException("the SD bundle " + options.sdBundle() + " cannot be opened: " + e.getMessage(), e);
        }
        SchedulerConfig scheduler = SchedulerConfig.fromJson(sd.schedulerConfig());
        if (!scheduler.predictionType().equals("epsilon") && !scheduler.predictionType().equals("v_prediction")) {
            throw new TrainerException("the scheduler's prediction_type is " + scheduler.predictionType()
                    + "; the trainer supports epsilon and v_prediction");
        }
        List<Replica> replicas = loadReplicas(options.torchscript(), devices);
        FrozenModels frozen = replicas.get(0).frozen();
        try {
            Path base = options.baseEncoder() != null ? options.baseEncoder()
                    : builtInBase(options, frozen.width(), log);
            try (M2Encoder encoder = EncoderBundle.load(base, 1)) {
                EncoderConfig config = encoder.config();
                if (config.width() != frozen.width()) {
                    throw new TrainerException("the encoder bundle makes words " + config.width() + " wide but the"
                            + " text encoder's embeddings are " + frozen.width() + " wide: they are for different"
                            + " models");
                }
                TrainingDataset dataset = TrainingDataset.read(options.dataset(), config.crop());
                TrainableProjector projector = TrainableProjector.from(Safetensors.read(base.resolve(Projector.FILE)),
                        config);
                ClipTokenizer tokenizer = ClipTokenizer.fromDirectory(sd.tokenizer());
                PromptEmbedder embedder = new PromptEmbedder(tokenizer, frozen.tokenTable(), frozen.vocabSize(),
                        frozen.width());
                Preprocessor preprocessor = new Preprocessor(config);
                IdentityEmbedding blank = new IdentityEmbedding(new float[config.words() * config.width()],
                        config.words(), config.width());
                LatentCache cache = new LatentCache(options.dataset(),
                        frozen.fileHashes().get(FrozenModels.VAE_ENCODER + ".pt"), log);
                List<PreparedExample> examples = new ArrayList<>();
                int[] latentShape = null;
                long latentNanos = 0;
                for (TrainingDataset.Example ex : dataset.examples()) {
                    float[] features = features(encoder, preprocessor, projector, ex);
                    float[] embeds;
                    int identityStart;
                    try {
                        PromptEmbedder.Embedded embedded = embedder.embed(ex.prompt(), blank);
                        embeds = embedded.embeds();
                        identityStart = embedded.identityStart();
                    } catch (GenerationException e) {
                        throw new TrainerException(TrainingDataset.MANIFEST + " line " + ex.line() + ": "
                                + e.getMessage(), e);
                    }
                    long l0 = System.nanoTime();
                    FloatTensor latent = latent(frozen, devices.get(0), cache, ex);
                    latentNanos += System.nanoTime() - l0;
                    int[] shape = {(int) latent.shape()[1], (int) latent.shape()[2], (int) latent.shape()[3]};
                    if (latentShape == null) {
                        latentShape = shape;
                    } else if (!Arrays.equals(latentShape, shape)) {
                        throw new TrainerException(TrainingDataset.MANIFEST + " line " + ex.line() + ": the image is "
                                + ex.image().width() + "x" + ex.image().height() + " but earlier images are "
                                + latentShape[2] * 8 + "x" + latentShape[1] * 8 + "; all images of a dataset must"
                                + " have one size");
                    }
                    // SD's latents are the VAE mean times the scaling factor (0.18215 for SD 1.x/2.x).
                    float[] scaled = latent.data().clone();
                    for (int i = 0; i < scaled.length; i++) {
                        scaled[i] *= sd.vaeScalingFactor();
                    }
                    examples.add(new PreparedExample(features, embeds, identityStart, scaled));
                }
                Preparation preparation = new Preparation(examples.size(), cache.hits(), cache.misses(),
                        latentNanos / 1_000_000, (System.nanoTime() - t0) / 1_000_000);
                log.printf(Locale.ROOT, "prepared %d pairs in %d ms (models, faces, prompts, latents); VAE latents:"
                        + " %d read from %s, %d computed (%d ms)%n", preparation.pairs(), preparation.totalMillis(),
                        preparation.latentsFromCache(), cache.dir(), preparation.latentsComputed(),
                        preparation.latentMillis());
                return new Trainer(options, base, replicas, pair, dataset, config, examples, projector, scheduler,
                        latentShape, tokenizer.maxLength(), preparation, log);
            }
        } catch (RuntimeException e) {
            closeAll(replicas);
            throw e;
        }
    }

    /**
     * How preparation went: pairs, VAE latents read from the dataset's cache and computed, the time the latents took
     * and the whole preparation (models loaded, faces through the backbone, prompts, latents).
     */
    public record Preparation(int pairs, int latentsFromCache, int latentsComputed, long latentMillis,
            long totalMillis) {
    }

    /**
     * The default starting bundle: the built-in one the encoder-service serves ({@link BuiltInBundle}: dlib's
     * ResNet, untrained projector), written for {@value #BUILT_IN_WORDS} words as wide as the text encoder's
     * embeddings into {@code <checkpoints>/built-in/<version>/}.
     */
    static Path builtInBase(TrainingOptions options, int width, PrintStream log) {
        Path dir;
        try {
            dir = BuiltInBundle.write(options.checkpoints().resolve("built-in"), BUILT_IN_WORDS, width);
        } catch (BundleException e) {
            throw new TrainerException(e.getMessage(), e);
        }
        log.println("base encoder: the built-in bundle " + BuiltInBundle.version(BUILT_IN_WORDS, width)
                + " (written to " + dir + ")");
        return dir;
    }

    /** The face's pooled backbone features [L * D], tap order. */
    private static float[] features(M2Encoder encoder, Preprocessor preprocessor, TrainableProjector projector,
            TrainingDataset.Example ex) {
        float[][] pooled = encoder.backbone().run(preprocessor.apply(ex.face()));
        float[] features = new float[pooled.length * projector.featureWidth()];
        for (int l = 0; l < pooled.length; l++) {
            System.arraycopy(pooled[l], 0, features, l * pooled[l].length, pooled[l].length);
        }
        return features;
    }

    /** The VAE encoder's mean [1, 4, h, w] of the pair's edited image, from the cache or computed and cached. */
    private static FloatTensor latent(FrozenModels frozen, Device device, LatentCache cache,
            TrainingDataset.Example ex) {
        FloatTensor cached = cache.get(ex.imageHash());
        if (cached != null) {
            return cached;
        }
        RgbImage image = ex.image();
        if (image.width() % 16 != 0 || image.height() % 16 != 0) {
            throw new TrainerException(TrainingDataset.MANIFEST + " line " + ex.line() + ": the image is "
                    + image.width() + "x" + image.height() + "; sides must be multiples of 16 (the VAE's"
                    + " factor 8 times the tiny UNet's 2; 64 for real SD)");
        }
        try (NDManager m = NDManager.newBaseManager(device, "PyTorch")) {
            NDArray latent = frozen.encodeImage(m.create(toCenteredChw(image),
                    new Shape(1, 3, image.height(), image.width())));
            FloatTensor computed = new FloatTensor(latent.getShape().getShape(), latent.toFloatArray());
            cache.put(ex.imageHash(), computed);
            return computed;
        }
    }

    /** A copy of the frozen modules per device entry (a device listed twice gets two copies). */
    private static List<Replica> loadReplicas(Path torchscript, List<Device> devices) {
        List<Replica> replicas = new ArrayList<>();
        try {
            for (Device device : devices) {
                FrozenModels models = FrozenModels.load(torchscript, device);
                replicas.add(new Replica(models, NDManager.newBaseManager(device, "PyTorch")));
            }
            return replicas;
        } catch (RuntimeException e) {
            closeAll(replicas);
            throw e;
        }
    }

    private static void closeAll(List<Replica> replicas) {
        for (Replica r : replicas) {
            r.manager().close();
            r.frozen().close();
        }
    }

    /** RGB bytes to [3, H, W] in [-1, 1], the VAE encoder's input. */
    static float[] toCenteredChw(RgbImage image) {
        int hw = image.width() * image.height();
        float[] out = new float[3 * hw];
        byte[] rgb = image.rgb();
        for (int p = 0; p < hw; p++) {
            for (int c = 0; c < 3; c++) {
                out[c * hw + p] = (rgb[p * 3 + c] & 0xFF) / 127.5f - 1f;
            }
        }
        return out;
    }

    /** Also keeps the checkpoints in object storage (uploaded when written, fetched on {@link #resume}). */
    public void mirrorCheckpoints(CheckpointMirror mirror) {
        this.mirror = mirror;
    }

    /**
     * Resumes from the latest checkpoint in the checkpoint folder (or, with a mirror, in object storage if newer) if
     * there is one; returns its step (0 if none).
     */
    public int resume() {
        if (mirror != null) {
            mirror.fetchLatest(options.checkpoints());
        }
        Checkpoints.Restored restored = Checkpoints.latest(options.checkpoints(), fingerprint(),
                List.copyOf(projector.parameters().keySet()));
        if (restored == null) {
            return 0;
        }
        int i = 0;
        for (FloatTensor t : projector.parameters().values()) {
            System.arraycopy(restored.params()[i], 0, t.data(), 0, t.data().length);
            adamM[i] = restored.m()[i];
            adamV[i] = restored.v()[i];
            i++;
        }
        losses.clear();
        for (float l : restored.losses()) {
            losses.add(l);
        }
        step = restored.step();
        log.printf(Locale.ROOT, "resumed from %s at step %d%n", restored.file(), step);
        return step;
    }

    /** Runs steps until {@code steps} (or {@code stopAt}), with progress lines and checkpoints; returns the step. */
    public int train() {
        int end = options.stopAt() > 0 ? options.stopAt() : options.steps();
        LearningRate schedule = new LearningRate(options.learningRate(), options.warmup(), options.steps());
        long started = System.nanoTime();
        int first = step;
        while (step < end) {
            double lr = schedule.at(step);
            StepResult r = step(step, lr);
            losses.add(r.loss());
            step++;
            if (step % options.logEvery() == 0 || step == end) {
                double rate = (step - first) / ((System.nanoTime() - started) / 1e9);
                log.printf(Locale.ROOT, "step %d/%d  loss %.5f  lr %.3e  grad-norm %.4f  %.1f steps/s%n", step,
                        options.steps(), r.loss(), lr, r.gradNorm(), rate);
            }
            if (step % options.checkpointEvery() == 0 || step == end) {
                Path file = Checkpoints.save(options.checkpoints(), step, fingerprint(), projector, adamM, adamV,
                        lossArray());
                if (mirror != null) {
                    mirror.upload(file);
                }
            }
        }
        return step;
    }

    /** Loss and pre-clipping gradient norm of one optimiser step. */
    public record StepResult(float loss, double gradNorm) {
    }

    /** One optimiser step (0-based {@code s}): forward through projector and frozen models, backward, clip, AdamW. */
    public StepResult step(int s, double lr) {
        float[][] grads = new float[projector.parameters().size()][];
        float loss = gradients(batch(s), grads);
        double norm = AdamW.clipGlobalNorm(grads, options.clipNorm());
        AdamW adam = new AdamW(ADAM.beta1(), ADAM.beta2(), ADAM.eps(), options.weightDecay());
        int i = 0;
        for (FloatTensor t : projector.parameters().values()) {
            adam.update(t.data(), grads[i], adamM[i], adamV[i], s + 1L, lr);
            i++;
        }
        return new StepResult(loss, norm);
    }

    /**
     * The loss of {@code b} at the current weights; the projector's gradients go into {@code grads}. With several
     * devices, the sum over the shards of each shard's loss and gradients weighted by its share of the batch.
     */
    float gradients(Batch b, float[][] grads) {
        if (replicas.size() == 1) {
            try (GradientCollector gc = Engine.getEngine("PyTorch").newGradientCollector()) {
                return shardGradients(replicas.get(0), b, 1f, gc, grads);
            }
        }
        int n = b.indices().length;
        float[][][] shardGrads = new float[replicas.size()][grads.length][];
        float[] shardLoss = new float[replicas.size()];
        // DJL allows one gradient collector at a time; the shards' graphs are disjoint, so their backward passes
        // run concurrently under it (as EasyTrain.trainBatch runs its splits).
        try (GradientCollector gc = Engine.getEngine("PyTorch").newGradientCollector()) {
            List<Future<?>> running = new ArrayList<>();
            int from = 0;
            for (int k = 0; k < replicas.size(); k++) {
                int shard = k;
                Batch part = b.slice(from, from + shardSizes[k]);
                float weight = (float) shardSizes[k] / n;
                running.add(shardThreads.submit(() -> {
                    shardLoss[shard] = shardGradients(replicas.get(shard), part, weight, gc, shardGrads[shard]);
                }));
                from += shardSizes[k];
            }
            for (Future<?> f : running) {
                await(f);
            }
        }
        // the all-reduce: the shards' gradients summed in device order, onto the host copy the optimiser updates
        float loss = 0;
        for (int k = 0; k < replicas.size(); k++) {
            loss += shardLoss[k];
            for (int i = 0; i < grads.length; i++) {
                if (k == 0) {
                    grads[i] = shardGrads[0][i];
                } else {
                    float[] sum = grads[i];
                    float[] add = shardGrads[k][i];
                    for (int j = 0; j < sum.length; j++) {
                        sum[j] += add[j];
                    }
                }
            }
        }
        return loss;
    }

    private static void await(Future<?> f) {
        try {
            f.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new TrainerException("interrupted while the shards of a step ran", e);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RuntimeException r) {
                throw r;
            }
            throw new TrainerException("a shard of the step failed: " + e.getCause(), e.getCause());
        }
    }

    /**
     * Forward and backward of {@code b} on one device: the projector's weights uploaded to it, its loss times
     * {@code weight} (the shard's share of the batch; exactly 1 on one device) back-propagated; returns the weighted
     * loss and puts the projector's gradients into {@code grads}.
     */
    private float shardGradients(Replica r, Batch b, float weight, GradientCollector gc, float[][] grads) {
        try (NDManager m = r.manager().newSubManager()) {
            NDList params = projector.upload(m);
            NDArray lossArray = loss(r.frozen(), m, params, b);
            if (weight != 1f) {
                lossArray = lossArray.mul(weight);
            }
            gc.backward(lossArray);
            float loss = lossArray.getFloat();
            for (int i = 0; i < params.size(); i++) {
                grads[i] = params.get(i).getGradient().toFloatArray();
            }
            return loss;
        }
    }

    /**
     * Writes step {@code s}'s inputs and the projector's current weights as safetensors ({@code features},
     * {@code embeds}, {@code starts}, {@code noisy}, {@code timesteps}, {@code target}, {@code param/<name>}), so
     * that an independent implementation can compute the same step (tools/trainer/reference_step.py).
     */
    public void writeBatch(int s, Path file) {
        Batch b = batch(s);
        int n = b.indices().length;
        Map<String, FloatTensor> t = new LinkedHashMap<>();
        t.put("features", new FloatTensor(new long[] {n, projector.layers(), projector.featureWidth()}, b.features()));
        t.put("embeds", new FloatTensor(new long[] {n, sequence, encoderConfig.width()}, b.embeds()));
        float[] starts = new float[n];
        for (int j = 0; j < n; j++) {
            starts[j] = b.starts()[j];
        }
        t.put("starts", new FloatTensor(new long[] {n}, starts));
        long[] latent = {n, latentChannels, latentH, latentW};
        t.put("noisy", new FloatTensor(latent, b.noisy()));
        t.put("timesteps", new FloatTensor(new long[] {n}, b.timesteps()));
        t.put("target", new FloatTensor(latent, b.target()));
        projector.parameters().forEach((name, value) -> t.put("param/" + name, value));
        try {
            Files.write(file, Safetensors.write(t, Map.of("words",
                    Integer.toString(encoderConfig.words()), "layerNormEps", Double.toString(encoderConfig.layerNormEps()),
                    "outputNorm", Boolean.toString(encoderConfig.outputNorm()))));
        } catch (IOException e) {
            throw new TrainerException("cannot write " + file + ": " + e.getMessage(), e);
        }
    }

    /** The loss of a batch on the first device (evaluation). */
    NDArray loss(NDManager m, NDList params, Batch b) {
        return loss(frozen, m, params, b);
    }

    /** The loss of a batch: the method's chain, with autograd recording from the projector's parameters on. */
    private NDArray loss(FrozenModels frozen, NDManager m, NDList params, Batch b) {
        int n = b.indices().length;
        int layers = projector.layers();
        int k = encoderConfig.words();
        int width = encoderConfig.width();
        // portrait features -> K words per pair [B, K, width]
        NDArray words = projector.forward(params, m.create(b.features(), new Shape(n, layers,
                projector.featureWidth())));
        // the words take the K placeholder slots of the edit prompt's input embeddings
        NDArray base = m.create(b.embeds(), new Shape(n, sequence, width));
        NDList rows = new NDList();
        for (int j = 0; j < n; j++) {
            int start = b.starts()[j];
            NDArray row = base.get(j);
            rows.add(NDArrays.concat(new NDList(row.get(":" + start), words.get(j),
                    row.get((start + k) + ":")), 0));
        }
        NDArray hidden = frozen.encodeText(NDArrays.stack(rows));
        Shape latent = new Shape(n, latentChannels, latentH, latentW);
        NDArray pred = frozen.predict(m.create(b.noisy(), latent), m.create(b.timesteps()), hidden);
        return pred.sub(m.create(b.target(), latent)).square().mean();
    }

    /** Inputs of one step, all drawn from (seed, step). */
    record Batch(int[] indices, float[] features, float[] embeds, int[] starts, float[] noisy, float[] timesteps,
            float[] target) {

        /** Pairs {@code from} (inclusive) to {@code to} (exclusive): a shard. */
        Batch slice(int from, int to) {
            int n = indices.length;
            return new Batch(Arrays.copyOfRange(indices, from, to), part(features, n, from, to),
                    part(embeds, n, from, to), Arrays.copyOfRange(starts, from, to), part(noisy, n, from, to),
                    Arrays.copyOfRange(timesteps, from, to), part(target, n, from, to));
        }

        private static float[] part(float[] all, int n, int from, int to) {
            int each = all.length / n;
            return Arrays.copyOfRange(all, from * each, to * each);
        }
    }

    Batch batch(int s) {
        int n = options.batch();
        int[] indices = new int[n];
        for (int j = 0; j < n; j++) {
            // pairs in a seeded permutation per epoch, so every pair is seen once per epoch
            long position = (long) s * n + j;
            int epoch = (int) (position / examples.size());
            indices[j] = permutation(epoch, examples.size())[(int) (position % examples.size())];
        }
        return draw(indices, new SplittableRandom(options.seed() + GOLDEN * (s + 1L)));
    }

    /** The pairs of {@code indices} with a timestep and noise each from {@code rng}, noised to their targets. */
    Batch draw(int[] indices, SplittableRandom rng) {
        int n = indices.length;
        int layers = projector.layers();
        int d = projector.featureWidth();
        int width = encoderConfig.width();
        int latentSize = latentChannels * latentH * latentW;
        float[] features = new float[n * layers * d];
        float[] embeds = new float[n * sequence * width];
        int[] starts = new int[n];
        float[] noisy = new float[n * latentSize];
        float[] timesteps = new float[n];
        float[] target = new float[n * latentSize];
        for (int j = 0; j < n; j++) {
            PreparedExample ex = examples.get(indices[j]);
            System.arraycopy(ex.features(), 0, features, j * layers * d, layers * d);
            System.arraycopy(ex.embeds(), 0, embeds, j * sequence * width, sequence * width);
            starts[j] = ex.identityStart();
            int t = rng.nextInt(alphasCumprod.length);
            timesteps[j] = t;
            double signal = Math.sqrt(alphasCumprod[t]);
            double noiseLevel = Math.sqrt(1.0 - alphasCumprod[t]);
            for (int i = 0; i < latentSize; i++) {
                float x0 = ex.latents()[i];
                float eps = (float) rng.nextGaussian();
                // forward diffusion q(x_t | x_0) (Ho et al. 2020, eq. 4)
                noisy[j * latentSize + i] = (float) (signal * x0 + noiseLevel * eps);
                // epsilon: the noise; v (Salimans and Ho 2022): sqrt(a) eps - sqrt(1 - a) x0
                target[j * latentSize + i] = predictionType.equals("epsilon") ? eps
                        : (float) (signal * eps - noiseLevel * x0);
            }
        }
        return new Batch(indices, features, embeds, starts, noisy, timesteps, target);
    }

    /**
     * The mean loss over {@code draws} fixed (timestep, noise) draws per pair, the same draws on every call: the
     * training loss itself is too noisy (one random timestep per pair and step) to tell progress over a few steps.
     */
    public double evaluate(int draws) {
        SplittableRandom rng = new SplittableRandom(0x5EEDL);
        int[] all = new int[examples.size()];
        for (int i = 0; i < all.length; i++) {
            all[i] = i;
        }
        double sum = 0;
        try (NDManager m = manager.newSubManager()) {
            NDList params = projector.upload(m);
            for (int d = 0; d < draws; d++) {
                sum += loss(m, params, draw(all, rng)).getFloat();
            }
        }
        return sum / draws;
    }

    /**
     * The loss of each pair on its own over {@code draws} fixed draws, where draw d gives every pair the same
     * timestep and noise: pairs that differ only in their portrait or their target are compared on equal terms.
     */
    public double[] evaluateEach(int draws) {
        double[] out = new double[examples.size()];
        try (NDManager m = manager.newSubManager()) {
            NDList params = projector.upload(m);
            for (int i = 0; i < out.length; i++) {
                for (int d = 0; d < draws; d++) {
                    out[i] += loss(m, params, draw(new int[] {i}, new SplittableRandom(0x5EEDL + GOLDEN * d)))
                            .getFloat() / draws;
                }
            }
        }
        return out;
    }

    private int cachedOrderEpoch = -1;
    private int[] cachedOrder;

    private int[] permutation(int epoch, int size) {
        if (cachedOrderEpoch != epoch) {
            SplittableRandom rng = new SplittableRandom(~options.seed() + GOLDEN * (epoch + 1L));
            int[] order = new int[size];
            for (int i = 0; i < size; i++) {
                order[i] = i;
            }
            for (int i = size - 1; i > 0; i--) {
                int j = rng.nextInt(i + 1);
                int tmp = order[i];
                order[i] = order[j];
                order[j] = tmp;
            }
            cachedOrder = order;
            cachedOrderEpoch = epoch;
        }
        return cachedOrder;
    }

    /** What a checkpoint must share with this run to be resumed by it. */
    String fingerprint() {
        StringBuilder s = new StringBuilder();
        s.append("dataset=").append(dataset.hash()).append(";base=").append(encoderConfig.version());
        options.hyperParameters().forEach((k, v) -> s.append(';').append(k).append('=').append(v));
        pair.hashes().forEach((k, v) -> s.append(';').append(k).append('=').append(v));
        return s.toString();
    }

    float[] lossArray() {
        float[] out = new float[losses.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = losses.get(i);
        }
        return out;
    }

    public boolean finished() {
        return step >= options.steps();
    }

    public TrainableProjector projector() {
        return projector;
    }

    public FrozenModels frozen() {
        return frozen;
    }

    /** The frozen modules of every device entry, in {@code --devices} order. */
    public List<FrozenModels> frozenCopies() {
        return replicas.stream().map(Replica::frozen).toList();
    }

    public TrainingDataset dataset() {
        return dataset;
    }

    public TrainingBundle pair() {
        return pair;
    }

    public String predictionType() {
        return predictionType;
    }

    public List<PreparedExample> examples() {
        return examples;
    }

    public TrainingOptions options() {
        return options;
    }

    /** The encoder bundle training started from: {@code --encoder}, or the built-in bundle written for this run. */
    public Path baseEncoder() {
        return baseEncoder;
    }

    public Preparation preparation() {
        return preparation;
    }

    @Override
    public void close() {
        if (shardThreads != null) {
            shardThreads.shutdownNow();
        }
        closeAll(replicas);
    }
}

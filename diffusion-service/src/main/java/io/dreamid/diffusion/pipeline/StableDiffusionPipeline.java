package io.dreamid.diffusion.pipeline;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import io.dreamid.common.image.RgbImage;
import io.dreamid.common.messages.ErrorCodes;
import io.dreamid.common.messages.Placeholders;
import io.dreamid.diffusion.bundle.BundleException;
import io.dreamid.diffusion.bundle.SdBundle;
import io.dreamid.diffusion.onnx.OrtRuntime;
import io.dreamid.diffusion.onnx.RuntimeOptions;
import io.dreamid.diffusion.onnx.TextEncoderRewriter;
import io.dreamid.diffusion.onnx.UnetSession;
import io.dreamid.diffusion.scheduler.GaussianNoise;
import io.dreamid.diffusion.scheduler.Scheduler;
import io.dreamid.diffusion.scheduler.SchedulerConfig;
import io.dreamid.diffusion.scheduler.Schedulers;
import io.dreamid.common.tokenizer.ClipTokenizer;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Stable Diffusion text-to-image with identity-word injection, on ONNX Runtime. Loads a bundle once (the text
 * encoder rewritten to take {@code inputs_embeds}, the token table kept in Java) and then, per image:
 * <ol>
 *   <li>check inputs ({@link #checkInputs});</li>
 *   <li>encode the prompt ({@link #encodePrompt}: tokenize, place S*, run the text encoder; once per prompt);</li>
 *   <li>prepare timesteps (a fresh scheduler per image, set to the step count);</li>
 *   <li>prepare latents (standard normals from {@link GaussianNoise} seeded {@code seed + imageIndex}, times the
 *       scheduler's initial sigma);</li>
 *   <li>denoising loop (classifier-free guidance as a UNet batch of 2 per image: unconditional, conditional; the
 *       images of a prompt, or of several jobs, share one UNet run per step, {@link #denoise});</li>
 *   <li>decode (VAE decoder on latents / scaling factor, then 8-bit RGB).</li>
 * </ol>
 * Given the same bundle, parameters and seed, the output is the same bit for bit on the same machine: every random
 * number comes from the seeded generator and every step runs in the same order.
 * A batched image is bit-identical to the same image alone as long as ONNX Runtime computes each sample of a batch
 * as it computes it alone (checked on CPU for the bundled exports by {@code BatchedGenerationTest}).
 * One pipeline serves one generation at a time per thread of the caller; ONNX Runtime sessions are shared.
 */
public final class StableDiffusionPipeline implements AutoCloseable {
    private static final int LATENT_CHANNELS = 4;
    private static final int VAE_FACTOR = 8;
    /** Thread CPU time separates the loop's own work from time lost to other processes on a busy machine. */
    private static final ThreadMXBean CPU = ManagementFactory.getThreadMXBean();

    private final SdBundle bundle;
    private final OrtSession textEncoder;
    private final UnetSession unet;
    private final OrtSession vaeDecoder;
    private final PromptEmbedder embedder;
    private final SchedulerConfig schedulerConfig;
    private final float scalingFactor;
    /** Whether the text encoder's inputs_embeds and the VAE decoder's latents are float16 (an fp16 export). */
    private final boolean halfText;
    private final boolean halfVae;

    private StableDiffusionPipeline(SdBundle bundle, OrtSession textEncoder, UnetSession unet, OrtSession vaeDecoder,
            PromptEmbedder embedder, SchedulerConfig schedulerConfig, float scalingFactor) throws OrtException {
        this.halfText = OrtRuntime.half(textEncoder, TextEncoderRewriter.INPUTS_EMBEDS);
        this.halfVae = OrtRuntime.half(vaeDecoder, vaeDecoder.getInputNames().iterator().next());
        this.bundle = bundle;
        this.textEncoder = textEncoder;
        this.unet = unet;
        this.vaeDecoder = vaeDecoder;
        this.embedder = embedder;
        this.schedulerConfig = schedulerConfig;
        this.scalingFactor = scalingFactor;
    }

    public static StableDiffusionPipeline load(SdBundle bundle, RuntimeOptions options) {
        OrtRuntime.checkDevice(options);
        ClipTokenizer tokenizer = ClipTokenizer.fromDirectory(bundle.tokenizer());
        SchedulerConfig schedulerConfig = SchedulerConfig.fromJson(bundle.schedulerConfig());
        TextEncoderRewriter.Rewritten text = TextEncoderRewriter.rewrite(bundle.textEncoder());
        OrtSession textSession = null;
        UnetSession unetSession = null;
        OrtSession vaeSession = null;
        try {
            textSession = text.needsFileBase()
                    ? OrtRuntime.open(writeBeside(bundle.textEncoder(), text.model()), options)
                    : OrtRuntime.open(text.model(), options);
            unetSession = new UnetSession(bundle.unet(), options);
            if (unetSession.contextWidth() > 0 && unetSession.contextWidth() != text.width()) {
                throw new BundleException("the UNet takes text states " + unetSession.contextWidth()
                        + " wide but the text encoder makes them " + text.width() + " wide");
            }
            vaeSession = OrtRuntime.open(bundle.vaeDecoder(), options);
            PromptEmbedder embedder = new PromptEmbedder(tokenizer, text.tokenTable(), text.vocabSize(), text.width());
            return new StableDiffusionPipeline(bundle, textSession, unetSession, vaeSession, embedder,
                    schedulerConfig, bundle.vaeScalingFactor());
        } catch (OrtException | RuntimeException e) {
            closeQuietly(textSession, unetSession, vaeSession);
            if (e instanceof OrtException) {
                throw new BundleException("ONNX Runtime cannot load the bundle " + bundle.root() + ": "
                        + e.getMessage(), e);
            }
            throw (RuntimeException) e;
        }
    }

    public SdBundle bundle() {
        return bundle;
    }

    public PromptEmbedder embedder() {
        return embedder;
    }

    /**
     * The models' precision as the bundle declares it: "float32", "float16" or, for a bundle that mixes them (an fp16
     * export with a float32 VAE, say), each model's.
     */
    public String precision() {
        String text = halfText ? "float16" : "float32";
        String unetPrecision = unet.half() ? "float16" : "float32";
        String vae = halfVae ? "float16" : "float32";
        return text.equals(unetPrecision) && unetPrecision.equals(vae) ? text
                : "text encoder " + text + ", UNet " + unetPrecision + ", VAE decoder " + vae;
    }

    /** Whether any of the models runs in float16. */
    public boolean anyHalf() {
        return halfText || unet.half() || halfVae;
    }

    /** The hidden width of the text encoder: the width identity embeddings must have. */
    public int textWidth() {
        return embedder.width();
    }

    /** Step 1: parameters this bundle can run; the messages say what to change. */
    public void checkInputs(GenerationParams p) {
        if (p.width() % VAE_FACTOR != 0 || p.height() % VAE_FACTOR != 0 || p.width() < VAE_FACTOR
                || p.height() < VAE_FACTOR) {
            throw new GenerationException(ErrorCodes.BAD_SPEC, "width and height must be positive multiples of "
                    + VAE_FACTOR + ", got " + p.width() + "x" + p.height());
        }
        if (p.steps() < 1) {
            throw new GenerationException(ErrorCodes.BAD_SPEC, "steps must be at least 1, got " + p.steps());
        }
        if (!(p.guidanceScale() >= 0)) {
            throw new GenerationException(ErrorCodes.BAD_SPEC, "guidanceScale must be zero or positive, got "
                    + p.guidanceScale());
        }
        scheduler(p);
    }

    /**
     * Step 2: the UNet's text conditioning for one prompt, [batch, maxLength, width] with batch 2 (negative
     * prompt, then prompt) when {@code guided}, else 1 (prompt only).
     */
    public TextConditioning encodePrompt(String prompt, String negativePrompt, IdentityEmbedding identity,
            boolean guided, Timings timings) {
        return encodePromptWithPeople(prompt, negativePrompt,
                identity == null ? Map.of() : Map.of(Placeholders.ONE, identity), guided, timings);
    }

    /** Step 2 for a prompt naming people: each placeholder name's identity in {@code people}. */
    public TextConditioning encodePromptWithPeople(String prompt, String negativePrompt,
            Map<String, IdentityEmbedding> people, boolean guided, Timings timings) {
        long t0 = System.nanoTime();
        PromptEmbedder.Embedded cond = embedder.embed(prompt, people);
        PromptEmbedder.Embedded uncond = guided ? embedder.embed(negativePrompt == null ? "" : negativePrompt) : null;
        long t1 = System.nanoTime();
        timings.add(Timings.TOKENIZE, t1 - t0);
        int seq = embedder.maxLength();
        int width = embedder.width();
        float[] embeds = new float[(guided ? 2 : 1) * seq * width];
        if (guided) {
            System.arraycopy(uncond.embeds(), 0, embeds, 0, seq * width);
        }
        System.arraycopy(cond.embeds(), 0, embeds, guided ? seq * width : 0, seq * width);
        float[] hidden = encodeText(embeds, guided ? 2 : 1);
        timings.add(Timings.TEXT_ENCODE, System.nanoTime() - t1);
        return new TextConditioning(hidden, guided ? 2 : 1, seq, cond);
    }

    /** The text encoder on ready input embeddings [batch, maxLength, width]: its {@code last_hidden_state}. */
    public float[] encodeText(float[] embeds, int batch) {
        int seq = embedder.maxLength();
        try (OnnxTensor in = OrtRuntime.floats(embeds, new long[] {batch, seq, embedder.width()}, halfText);
                OrtSession.Result result = textEncoder.run(Map.of(TextEncoderRewriter.INPUTS_EMBEDS, in))) {
            return OrtRuntime.floats((OnnxTensor) result.get(0));
        } catch (OrtException e) {
            throw new GenerationException(ErrorCodes.MODEL_ERROR, "the text encoder failed: " + e.getMessage(), e);
        }
    }

    /** Steps 3 to 6 for image {@code imageIndex} of a prompt, alone in its UNet runs. */
    public RgbImage generate(TextConditioning text, GenerationParams p, int imageIndex, GenerationControl control,
            Timings timings) {
        return generateAll(text, p, new int[] {imageIndex}, control, timings).get(0);
    }

    /**
     * Steps 3 to 6 for images {@code imageIndices} of a prompt, denoised together (one UNet run per step for all of
     * them, unless the export fixes its batch); each image equals what {@link #generate} makes of it alone.
     */
    public List<RgbImage> generateAll(TextConditioning text, GenerationParams p, int[] imageIndices,
            GenerationControl control, Timings timings) {
        List<ImageRun> runs = new ArrayList<>();
        for (int i : imageIndices) {
            runs.add(prepare(text, p, i, control, timings));
        }
        denoise(runs);
        List<RgbImage> images = new ArrayList<>();
        for (ImageRun run : runs) {
            images.add(decode(run));
        }
        return images;
    }

    /** Steps 3 and 4 for image {@code imageIndex} of a prompt: its scheduler and starting latents. */
    public ImageRun prepare(TextConditioning text, GenerationParams p, int imageIndex, GenerationControl control,
            Timings timings) {
        checkInputs(p);
        if (p.guided() != (text.batch() == 2)) {
            throw new IllegalArgumentException("the text conditioning was encoded with guided=" + (text.batch() == 2)
                    + " but the parameters have guidanceScale " + p.guidanceScale());
        }
        long t0 = System.nanoTime();
        Scheduler scheduler = prepareTimesteps(p);
        GaussianNoise noise = new GaussianNoise(p.seed() + imageIndex);
        int h = p.height() / VAE_FACTOR;
        int w = p.width() / VAE_FACTOR;
        float[] latents = prepareLatents(noise, scheduler, h, w);
        timings.add(Timings.DENOISE, System.nanoTime() - t0);
        return new ImageRun(text, p, imageIndex, control, timings, scheduler, noise, h, w, latents);
    }

    /** The batch the UNet export fixes, or -1 when images can share its runs ({@link UnetSession#fixedBatch()}). */
    public int unetFixedBatch() {
        return unet.fixedBatch();
    }

    /** Whether two images can share UNet runs: the same latent size and the same timesteps. */
    public static boolean batchable(ImageRun a, ImageRun b) {
        return a.latentHeight == b.latentHeight && a.latentWidth == b.latentWidth
                && Arrays.equals(a.scheduler.timesteps(), b.scheduler.timesteps());
    }

    /**
     * Step 5 for several images at once. An image whose control is cancelled before a step leaves the batch there
     * ({@link ImageRun#cancelled()}) and the others go on; a UNet failure fails them all. An export with a fixed
     * batch runs each image's loop alone.
     */
    public void denoise(List<ImageRun> runs) {
        for (ImageRun run : runs) {
            if (!batchable(runs.get(0), run)) {
                throw new IllegalArgumentException("images of different sizes or timesteps cannot share UNet runs");
            }
        }
        if (unet.fixedBatch() > 0 && runs.size() > 1) {
            for (ImageRun run : runs) {
                denoiseTogether(List.of(run));
            }
        } else if (!runs.isEmpty()) {
            denoiseTogether(runs);
        }
    }

    /** The denoising loop of a batch, checking every image's cancellation before every UNet run. */
    private void denoiseTogether(List<ImageRun> runs) {
        ImageRun first = runs.get(0);
        int[] timesteps = first.scheduler.timesteps();
        int h = first.latentHeight;
        int w = first.latentWidth;
        int n = LATENT_CHANNELS * h * w;
        List<ImageRun> active = new ArrayList<>(runs);
        long unetNanos = 0;
        long unetCpu = 0;
        long loopStart = System.nanoTime();
        long loopCpuStart = CPU.getCurrentThreadCpuTime();
        UnetSession.Call call = null;
        float[] prediction = null;
        float[] guidedPrediction = new float[n];
        try {
            for (int i = 0; i < timesteps.length && !active.isEmpty(); i++) {
                String where = "before step " + (i + 1) + " of " + timesteps.length;
                boolean changed = active.removeIf(run -> {
                    if (run.control.cancelled()) {
                        run.cancel(where);
                        return true;
                    }
                    return false;
                });
                if (active.isEmpty()) {
                    break;
                }
                if (call == null || changed) {
                    // The batch is the active images' samples in order, each [unconditional, conditional] if guided.
                    if (call != null) {
                        call.close();
                    }
                    call = unet.begin(samples(active), h, w, contexts(active), first.text.sequence());
                    prediction = new float[samples(active) * n];
                    for (ImageRun run : active) {
                        run.batchImages = Math.max(run.batchImages, active.size());
                    }
                }
                List<float[]> inputs = new ArrayList<>(active.size());
                int[] copies = new int[active.size()];
                for (int j = 0; j < active.size(); j++) {
                    ImageRun run = active.get(j);
                    // Some schedulers (Euler) scale x_t by 1/sqrt(sigma^2+1) before the UNet; others return it as is.
                    inputs.add(run.scheduler.scaleModelInput(run.latents, i));
                    copies[j] = run.samples();
                }
                long r0 = System.nanoTime();
                long c0 = CPU.getCurrentThreadCpuTime();
                call.run(inputs, copies, timesteps[i], prediction);
                unetCpu += CPU.getCurrentThreadCpuTime() - c0;
                unetNanos += System.nanoTime() - r0;
                int offset = 0;
                for (ImageRun run : active) {
                    float[] e;
                    if (run.samples() == 2) {
                        // Classifier-free guidance (Ho & Salimans 2022): e = e_u + g (e_c - e_u); the pair is [u, c].
                        float g = (float) run.params.guidanceScale();
                        for (int k = 0; k < n; k++) {
                            float u = prediction[offset + k];
                            guidedPrediction[k] = u + g * (prediction[offset + n + k] - u);
                        }
                        e = guidedPrediction;
                    } else {
                        e = Arrays.copyOfRange(prediction, offset, offset + n);
                    }
                    offset += run.samples() * n;
                    run.latents = run.scheduler.step(e, i, run.latents, run.noise);
                    run.control.stepDone(i + 1, timesteps.length);
                }
            }
        } catch (OrtException e) {
            throw new GenerationException(ErrorCodes.MODEL_ERROR, "the UNet failed: " + e.getMessage(), e);
        } finally {
            if (call != null) {
                call.close();
            }
        }
        for (ImageRun run : active) {
            run.denoised = true;
        }
        long loop = System.nanoTime() - loopStart;
        long javaCpu = CPU.getCurrentThreadCpuTime() - loopCpuStart - unetCpu;
        // Images of one job share its timings: the batch's time counts once per job, as the job waited it once.
        Set<Timings> jobs = Collections.newSetFromMap(new IdentityHashMap<>());
        for (ImageRun run : runs) {
            if (jobs.add(run.timings)) {
                run.timings.add(Timings.DENOISE, loop);
                run.timings.add(Timings.UNET, unetNanos);
                run.timings.add(Timings.STEP_JAVA, loop - unetNanos);
                run.timings.add(Timings.STEP_JAVA_CPU, javaCpu);
                run.timings.add(Timings.STEPS, timesteps.length);
            }
        }
    }

    private static int samples(List<ImageRun> runs) {
        int samples = 0;
        for (ImageRun run : runs) {
            samples += run.samples();
        }
        return samples;
    }

    /** The runs' text states one after another: [samples, sequence, width], matching the sample batch. */
    private static float[] contexts(List<ImageRun> runs) {
        int length = 0;
        for (ImageRun run : runs) {
            length += run.text.hidden().length;
        }
        float[] context = new float[length];
        int at = 0;
        for (ImageRun run : runs) {
            System.arraycopy(run.text.hidden(), 0, context, at, run.text.hidden().length);
            at += run.text.hidden().length;
        }
        return context;
    }

    /** Step 6 for a denoised image; a cancelled one throws its {@link GenerationCancelledException}. */
    public RgbImage decode(ImageRun run) {
        if (run.cancelled()) {
            throw run.cancellation();
        }
        if (!run.denoised) {
            throw new IllegalStateException("image " + run.imageIndex + " has not been denoised");
        }
        if (!finite(run.latents)) {
            // A NaN would decode to a black image that looks like a result; the job fails with the reason instead.
            throw new GenerationException(ErrorCodes.MODEL_ERROR, "the denoised latents of image " + run.imageIndex
                    + " are not finite (NaN or infinity): the UNet overflowed" + (unet.half()
                            ? " in float16 (an fp16 export: try a float32 UNet or a lower guidance scale)" : ""));
        }
        long t1 = System.nanoTime();
        RgbImage image = decode(run.latents, run.latentHeight, run.latentWidth);
        run.timings.add(Timings.DECODE, System.nanoTime() - t1);
        return image;
    }

    private static boolean finite(float[] values) {
        for (float v : values) {
            if (!Float.isFinite(v)) {
                return false;
            }
        }
        return true;
    }

    private Scheduler scheduler(GenerationParams p) {
        try {
            return Schedulers.create(p.scheduler(), schedulerConfig);
        } catch (IllegalArgumentException e) {
            throw new GenerationException(ErrorCodes.BAD_SPEC, "scheduler: " + e.getMessage(), e);
        }
    }

    /** UNet evaluations per image for these parameters (the scheduler's timestep count; PNDM adds one). */
    public int evaluations(GenerationParams p) {
        return prepareTimesteps(p).timesteps().length;
    }

    /** Step 3: a fresh scheduler (multistep ones keep history) set to the requested number of steps. */
    private Scheduler prepareTimesteps(GenerationParams p) {
        Scheduler scheduler = scheduler(p);
        scheduler.setTimesteps(p.steps());
        return scheduler;
    }

    /** Step 4: x_T ~ N(0, sigma_max^2 I); sigma is 1 for DDIM/PNDM and sigma_max for the Karras-style samplers. */
    private static float[] prepareLatents(GaussianNoise noise, Scheduler scheduler, int h, int w) {
        float[] latents = noise.next(LATENT_CHANNELS * h * w);
        float sigma = scheduler.initNoiseSigma();
        for (int i = 0; i < latents.length; i++) {
            latents[i] *= sigma;
        }
        return latents;
    }

    /** Step 6: the VAE decoder on z / scaling_factor, then x in [-1, 1] to 8-bit RGB. */
    private RgbImage decode(float[] latents, int h, int w) {
        float[] z = new float[latents.length];
        for (int i = 0; i < z.length; i++) {
            z[i] = latents[i] / scalingFactor;
        }
        float[] pixels;
        // The decoder's activations are the largest of the job (full image size times its channels) and it runs
        // once per image: its arena chunks are given back after the run instead of staying with the process
        // (with them kept, the service stayed ~75 MB larger after one 512x512 image).
        try (OnnxTensor in = OrtRuntime.floats(z, new long[] {1, LATENT_CHANNELS, h, w}, halfVae);
                OrtSession.RunOptions options = OrtRuntime.shrinkArenaAfterRun();
                OrtSession.Result result = vaeDecoder.run(Map.of(vaeDecoder.getInputNames().iterator().next(), in),
                        options)) {
            pixels = OrtRuntime.floats((OnnxTensor) result.get(0));
            if (!finite(pixels)) {
                throw new GenerationException(ErrorCodes.MODEL_ERROR, "the VAE decoder returned values that are not"
                        + " finite (NaN or infinity)" + (halfVae ? ": it overflowed in float16; export the VAE decoder in"
                        + " float32 (the UNet and text encoder may stay float16)" : ""));
            }
        } catch (OrtException e) {
            throw new GenerationException(ErrorCodes.MODEL_ERROR, "the VAE decoder failed: " + e.getMessage(), e);
        }
        return toRgb(pixels, w * VAE_FACTOR, h * VAE_FACTOR);
    }

    /**
     * Planar [3, height, width] in [-1, 1] to interleaved 8-bit RGB: {@code clamp(x / 2 + 0.5, 0, 1) * 255}, rounded
     * half up ({@code floor(v + 0.5)}; diffusers' numpy rounds half to even, which differs only on exact halves).
     */
    static RgbImage toRgb(float[] planar, int width, int height) {
        int plane = width * height;
        if (planar.length != 3 * plane) {
            throw new GenerationException(ErrorCodes.MODEL_ERROR, "the VAE decoder returned " + planar.length
                    + " values for a " + width + "x" + height + " RGB image");
        }
        byte[] rgb = new byte[3 * plane];
        for (int c = 0; c < 3; c++) {
            for (int i = 0; i < plane; i++) {
                float v = planar[c * plane + i] / 2f + 0.5f;
                v = v < 0f ? 0f : Math.min(v, 1f);
                rgb[3 * i + c] = (byte) (int) (v * 255f + 0.5f);
            }
        }
        return new RgbImage(width, height, rgb);
    }

    private static Path writeBeside(Path original, byte[] model) {
        // External data is resolved relative to the model file, so the rewritten graph must sit in the same folder.
        Path rewritten = original.resolveSibling("model.inputs_embeds.onnx");
        try {
            Files.write(rewritten, model);
            return rewritten;
        } catch (IOException e) {
            throw new UncheckedIOException("the text encoder keeps its weights as external data, so its rewritten"
                    + " graph must be written beside it, but " + rewritten + " is not writable", e);
        }
    }

    private static void closeQuietly(AutoCloseable... resources) {
        for (AutoCloseable r : resources) {
            if (r != null) {
                try {
                    r.close();
                } catch (Exception ignored) {
                    // already failing; the first error is the one to report
                }
            }
        }
    }

    @Override
    public void close() {
        closeQuietly(textEncoder, unet, vaeDecoder);
    }
}

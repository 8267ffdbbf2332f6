package io.dreamid.trainer.bench;

import io.dreamid.common.image.ImageLimits;
import io.dreamid.common.image.Png;
import io.dreamid.common.image.RgbImage;
import io.dreamid.common.image.SafeImageDecoder;
import io.dreamid.diffusion.bundle.SdBundle;
import io.dreamid.diffusion.onnx.RuntimeOptions;
import io.dreamid.diffusion.pipeline.GenerationControl;
import io.dreamid.diffusion.pipeline.GenerationParams;
import io.dreamid.diffusion.pipeline.IdentityEmbedding;
import io.dreamid.diffusion.pipeline.StableDiffusionPipeline;
import io.dreamid.diffusion.pipeline.TextConditioning;
import io.dreamid.diffusion.pipeline.Timings;
import io.dreamid.encoder.bundle.BuiltInBundle;
import io.dreamid.encoder.bundle.EncoderBundle;
import io.dreamid.encoder.model.M2Encoder;
import io.dreamid.trainer.EncoderBundleWriter;
import io.dreamid.trainer.TestModels;
import io.dreamid.trainer.Trainer;
import io.dreamid.trainer.TrainingDataset;
import io.dreamid.trainer.TrainingOptions;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * The learning experiment with two real people (issue 17): trained on augmented variants (crop, flip, colour, small
 * rotation) of the two test photos, with edited images a model made from prompts naming two different people, do
 * held-out variants of each person get words that fit that person's edited images better than the other person's?
 * {@link #run} does it and returns the held-out losses (own and other targets, same fixed draws) through the base and
 * the trained encoder; {@code TwoPeopleLearningTest} runs it on the learning tiny model in every build. The main
 * prints the figures for any model and exits 1 when the criterion does not hold (trainer/README.md, "Learning with
 * two people": it holds on the learning tiny model, not on the random-weight tiny models).
 *
 * <p>Run: {@code DNNL_MAX_CPU_ISA=SSE41 ./mvnw -pl trainer -am test-compile exec:java -Dbench=trainer
 * -Dtrainer.main=io.dreamid.trainer.bench.TwoPeopleLearning -Dai.djl.pytorch.num_threads=1}, with
 * {@code -Dlearning.steps} (200), {@code -Dlearning.lr} (1e-2), {@code -Dlearning.guidance} (7.5, the targets'),
 * {@code -Dlearning.draws} (8), {@code -Dlearning.encoder=dlib} (start from the built-in dlib bundle instead of the
 * tiny test encoder), {@code -Dlearning.sd=DIR -Dlearning.torchscript=DIR} (another model and its twin than the
 * learning tiny model, e.g. the random-weight tiny model's or a real checkpoint's),
 * {@code -Dlearning.ceiling=true} (the bound: one encoder per person, see {@link #ceiling}).
 */
public final class TwoPeopleLearning {
    private static final String[] PEOPLE = {"astronaut", "grace_hopper"};
    /** The names the edited images were generated with, one per person. */
    private static final String[] NAMES = {"Eileen Collins", "Grace Hopper"};
    private static final String[] PROMPTS = {"a photo of {id}", "a portrait of {id} smiling", "{id} in a garden"};
    private static final int TRAIN_VARIANTS = 6;
    private static final int HELD_OUT_VARIANTS = 3;
    private static final int CROP = 48;

    /**
     * One run: {@code model} makes the targets and the words are trained through it; training starts from the
     * encoder bundle {@code base}; {@code guidance} is the targets' classifier-free guidance.
     */
    public record Settings(TestModels.SdModel model, Path base, int steps, double lr, int draws, double guidance) {
    }

    /**
     * What a run measured: per prompt how much the two people's edited images differ (mean absolute difference per
     * channel, of 255), and per person p the mean held-out loss against its own targets ({@code [p][0]}) and the
     * other person's ({@code [p][1]}) through the base and the trained encoder; and what a user sees: per person the
     * mean distance (mean absolute difference per channel, of 255) of the images the serving pipeline generates with
     * the held-out variants' words (each prompt, the targets' seed) to that person's edited images ({@code [p][0]})
     * and to the other's ({@code [p][1]}), through the base and the trained encoder.
     */
    public record Result(double[] targetsDiffer, double[][] before, double[][] after, double[][] imagesBefore,
            double[][] imagesAfter, double trainSeconds) {
        /**
         * The criterion, of losses or of image distances: every person's held-out variants are nearer their own
         * targets than the other's.
         */
        public static boolean holds(double[][] ownOther) {
            for (double[] person : ownOther) {
                if (!(person[0] < person[1])) {
                    return false;
                }
            }
            return true;
        }

        /**
         * The same question asked of each person's targets, which takes out how hard the targets themselves are to
         * denoise (the criterion compares one person's words on two people's targets): by how much the other
         * person's words fit person p's targets worse than p's own words do, per person (positive: own words fit
         * better).
         */
        public static double[] ownWordsMargin(double[][] losses) {
            double[] margin = new double[losses.length];
            for (int p = 0; p < losses.length; p++) {
                margin[p] = losses[1 - p][1] - losses[p][0];
            }
            return margin;
        }
    }

    private TwoPeopleLearning() {
    }

    public static void main(String[] args) throws IOException {
        Path work = Files.createTempDirectory("dreamid-two-people");
        System.out.println("datasets, bundles and targets in " + work);
        TestModels.SdModel model = System.getProperty("learning.sd") == null
                ? TestModels.learningTiny(work.resolve("model"))
                : new TestModels.SdModel(Path.of(System.getProperty("learning.sd")),
                        Path.of(System.getProperty("learning.torchscript", TestModels.torchscript().toString())));
        Path base = "dlib".equals(System.getProperty("learning.encoder", "tiny"))
                ? BuiltInBundle.write(work.resolve("base-dlib"), 2, 32) : TestModels.baseEncoder();
        Settings settings = new Settings(model, base, Integer.getInteger("learning.steps", 200),
                Double.parseDouble(System.getProperty("learning.lr", "1e-2")), Integer.getInteger("learning.draws", 8),
                Double.parseDouble(System.getProperty("learning.guidance", "7.5")));
        if (Boolean.getBoolean("learning.ceiling")) {
            Data data = writeData(settings, work, System.out);
            ceiling(settings, work, data);
            return;
        }
        Result result = run(settings, work, System.out);
        for (int p = 0; p < PEOPLE.length; p++) {
            System.out.printf(Locale.ROOT, "%s held-out loss vs own / other targets: before %.6f / %.6f, after"
                    + " %.6f / %.6f%n", PEOPLE[p], result.before()[p][0], result.before()[p][1], result.after()[p][0],
                    result.after()[p][1]);
        }
        System.out.printf(Locale.ROOT, "own words fit each person's targets better than the other's by %s before,"
                + " %s after training%n", Arrays.toString(Result.ownWordsMargin(result.before())),
                Arrays.toString(Result.ownWordsMargin(result.after())));
        for (int p = 0; p < PEOPLE.length; p++) {
            System.out.printf(Locale.ROOT, "%s: generated images' distance to own / other edited images (of 255):"
                    + " before %.2f / %.2f, after %.2f / %.2f%n", PEOPLE[p], result.imagesBefore()[p][0],
                    result.imagesBefore()[p][1], result.imagesAfter()[p][0], result.imagesAfter()[p][1]);
        }
        boolean met = Result.holds(result.after());
        System.out.println("held-out variants of each person nearer their own targets than the other's: "
                + (met ? "yes" : "no") + " (losses), " + (Result.holds(result.imagesAfter()) ? "yes" : "no")
                + " (generated images)");
        System.exit(met ? 0 : 1);
    }

    /** Writes the data under {@code work}, trains an encoder from the base and evaluates both on the held-out set. */
    public static Result run(Settings settings, Path work, PrintStream log) throws IOException {
        Data data = writeData(settings, work, log);
        long t0 = System.nanoTime();
        TrainingOptions options = new TrainingOptions(data.train(), settings.base(), settings.model().bundle(),
                settings.model().twin(), trainedBundle(work), work.resolve("checkpoints"), settings.steps(), 4,
                settings.lr(), settings.steps() / 10, 0.01, 1.0, 3, settings.steps(), 0, null, 50);
        try (Trainer trainer = Trainer.prepare(options, log)) {
            trainer.train();
            EncoderBundleWriter.write(trainer, options.out());
        }
        double seconds = (System.nanoTime() - t0) / 1e9;
        log.printf(Locale.ROOT, "trained in %.1f s%n", seconds);
        double[][] before = ownVsOther(settings, data.heldOut(), settings.base(), work.resolve("eval-base"), log);
        double[][] after = ownVsOther(settings, data.heldOut(), options.out(), work.resolve("eval-trained"), log);
        double[][] imagesBefore = generatedVsTargets(settings, data.heldOut(), settings.base());
        double[][] imagesAfter = generatedVsTargets(settings, data.heldOut(), options.out());
        return new Result(data.targetsDiffer(), before, after, imagesBefore, imagesAfter, seconds);
    }

    /** Writes the experiment's training set (and held-out set) under {@code work}; returns the training set's folder. */
    public static Path trainingSet(Settings settings, Path work, PrintStream log) throws IOException {
        return writeData(settings, work, log).train();
    }

    /** Where {@link #run} writes the trained encoder bundle. */
    public static Path trainedBundle(Path work) {
        return work.resolve("bundle");
    }

    /** The training and held-out datasets (folders with their manifests) and how much the two targets differ. */
    private record Data(Path train, Path heldOut, List<String> trainLines, double[] targetsDiffer) {
    }

    private static Data writeData(Settings settings, Path work, PrintStream log) throws IOException {
        Path train = Files.createDirectories(work.resolve("train"));
        Path heldOut = Files.createDirectories(work.resolve("held-out"));
        writeTargets(settings, train, heldOut);
        List<String> trainLines = new ArrayList<>();
        List<String> heldOutLines = new ArrayList<>();
        for (int p = 0; p < PEOPLE.length; p++) {
            RgbImage chip = SafeImageDecoder.decode(Files.readAllBytes(
                    TestModels.resource("datasets/two-people/" + PEOPLE[p] + ".png")), ImageLimits.DEFAULT);
            for (int v = 0; v < TRAIN_VARIANTS; v++) {
                String crop = writeVariant(train, chip, p, v, v);
                for (int k = 0; k < PROMPTS.length; k++) {
                    trainLines.add(line(NAMES[p], crop, PROMPTS[k], target(p, k), v));
                }
            }
            // held-out variants (other seeds), each paired with its own person's targets and with the other's
            for (int v = 0; v < HELD_OUT_VARIANTS; v++) {
                String crop = writeVariant(heldOut, chip, p, v, 1000 + v);
                for (int k = 0; k < PROMPTS.length; k++) {
                    for (int q = 0; q < PEOPLE.length; q++) {
                        heldOutLines.add(line(NAMES[p], crop, PROMPTS[k], target(q, k), v));
                    }
                }
            }
        }
        Files.write(train.resolve(TrainingDataset.MANIFEST), trainLines);
        Files.write(heldOut.resolve(TrainingDataset.MANIFEST), heldOutLines);
        log.println("base encoder " + settings.base() + ", model " + settings.model().bundle() + " with its twin "
                + settings.model().twin());
        double[] differ = new double[PROMPTS.length];
        for (int k = 0; k < PROMPTS.length; k++) {
            RgbImage a = SafeImageDecoder.decode(Files.readAllBytes(train.resolve(target(0, k))), ImageLimits.DEFAULT);
            RgbImage b = SafeImageDecoder.decode(Files.readAllBytes(train.resolve(target(1, k))), ImageLimits.DEFAULT);
            differ[k] = distance(a, b);
            log.printf(Locale.ROOT, "prompt %d: the two people's edited images differ by %.2f of 255 per channel on"
                    + " average%n", k, differ[k]);
        }
        return new Data(train, heldOut, trainLines, differ);
    }

    /**
     * The bound of the experiment: an encoder trained on one person's pairs alone learns that person's words with
     * nothing shared. If those words do not fit their own person's held-out targets better than the other person's
     * words do, no projector trained on both people can pass the criterion on this model.
     */
    private static void ceiling(Settings settings, Path work, Data data) throws IOException {
        int steps = settings.steps();
        double[][][] l = new double[PEOPLE.length][][];
        for (int b = 0; b < PEOPLE.length; b++) {
            String name = NAMES[b];
            Files.write(data.train().resolve(TrainingDataset.MANIFEST),
                    data.trainLines().stream().filter(x -> x.contains(name)).toList());
            TrainingOptions options = new TrainingOptions(data.train(), settings.base(), settings.model().bundle(),
                    settings.model().twin(), work.resolve("bundle-" + b), work.resolve("checkpoints-" + b), steps, 4,
                    settings.lr(), steps / 10, 0.01, 1.0, 3, steps, 0, null, 50);
            try (Trainer trainer = Trainer.prepare(options, System.out)) {
                trainer.train();
                EncoderBundleWriter.write(trainer, options.out());
            }
            l[b] = ownVsOther(settings, data.heldOut(), options.out(), work.resolve("eval-" + b), System.out);
        }
        for (int p = 0; p < PEOPLE.length; p++) {
            int q = 1 - p;
            System.out.printf(Locale.ROOT, "target of %s: words of %s alone %.6f, words of %s alone %.6f%n",
                    PEOPLE[p], PEOPLE[p], l[p][p][0], PEOPLE[q], l[q][q][1]);
        }
    }

    /**
     * Mean held-out loss per person against its own targets ([p][0]) and the other's ([p][1]), through the encoder
     * bundle {@code encoder}, on the same fixed draws for every pair.
     */
    static double[][] ownVsOther(Settings settings, Path heldOut, Path encoder, Path work, PrintStream log) {
        TrainingOptions options = new TrainingOptions(heldOut, encoder, settings.model().bundle(),
                settings.model().twin(), work.resolve("bundle"), work.resolve("checkpoints"), 1, 1, 1e-3, 0, 0, 1, 0, 1,
                0, null, 1);
        double[] losses;
        try (Trainer evaluator = Trainer.prepare(options, log)) {
            losses = evaluator.evaluateEach(settings.draws());
        }
        double[][] out = new double[PEOPLE.length][2];
        int i = 0;
        for (int p = 0; p < PEOPLE.length; p++) {
            for (int v = 0; v < HELD_OUT_VARIANTS; v++) {
                for (int k = 0; k < PROMPTS.length; k++) {
                    for (int q = 0; q < PEOPLE.length; q++) {
                        out[p][q == p ? 0 : 1] += losses[i++] / (HELD_OUT_VARIANTS * PROMPTS.length);
                    }
                }
            }
        }
        return out;
    }

    /**
     * The serving path: each held-out variant through the encoder bundle (encoder-service's {@code M2Encoder}), its
     * words in place of {@code {id}} in each prompt (diffusion-service's pipeline, the targets' seed, steps and
     * guidance), and the generated image's distance to the person's own edited image for that prompt and to the
     * other person's, averaged per person.
     */
    static double[][] generatedVsTargets(Settings settings, Path heldOut, Path encoderBundle) throws IOException {
        double[][] out = new double[PEOPLE.length][2];
        try (StableDiffusionPipeline pipeline = StableDiffusionPipeline.load(SdBundle.open(settings.model().bundle()),
                RuntimeOptions.CPU_DEFAULTS);
                M2Encoder encoder = EncoderBundle.load(encoderBundle, 1)) {
            for (int p = 0; p < PEOPLE.length; p++) {
                for (int v = 0; v < HELD_OUT_VARIANTS; v++) {
                    RgbImage crop = SafeImageDecoder.decode(Files.readAllBytes(heldOut.resolve(crop(p, v))),
                            ImageLimits.DEFAULT);
                    IdentityEmbedding words = new IdentityEmbedding(encoder.encode(crop).embedding(),
                            encoder.config().words(), encoder.config().width());
                    for (int k = 0; k < PROMPTS.length; k++) {
                        RgbImage image = generate(pipeline, settings, k, PROMPTS[k], words);
                        for (int q = 0; q < PEOPLE.length; q++) {
                            RgbImage target = SafeImageDecoder.decode(Files.readAllBytes(heldOut.resolve(target(q, k))),
                                    ImageLimits.DEFAULT);
                            out[p][q == p ? 0 : 1] += distance(image, target) / (HELD_OUT_VARIANTS * PROMPTS.length);
                        }
                    }
                }
            }
        }
        return out;
    }

    private static RgbImage generate(StableDiffusionPipeline pipeline, Settings settings, int prompt, String text,
            IdentityEmbedding identity) {
        Timings timings = new Timings();
        TextConditioning conditioning = pipeline.encodePrompt(text, "", identity, true, timings);
        return pipeline.generate(conditioning, new GenerationParams(8, settings.guidance(), 100 + prompt, 64, 64, null),
                0, GenerationControl.NONE, timings);
    }

    /** Mean absolute difference per channel, of 255: how far apart two images of one size are. */
    public static double distance(RgbImage a, RgbImage b) {
        double sum = 0;
        for (int i = 0; i < a.rgb().length; i++) {
            sum += Math.abs((a.rgb()[i] & 0xFF) - (b.rgb()[i] & 0xFF));
        }
        return sum / a.rgb().length;
    }

    /**
     * The edited images: the model's generation (ONNX pipeline, the twin's checkpoint) for every prompt with
     * each person's name in place of {@code {id}}, the same seed per prompt for both people, so the pairs of targets
     * differ by the name only.
     */
    private static void writeTargets(Settings settings, Path... dirs) throws IOException {
        try (StableDiffusionPipeline pipeline = StableDiffusionPipeline.load(SdBundle.open(settings.model().bundle()),
                RuntimeOptions.CPU_DEFAULTS)) {
            for (int p = 0; p < PEOPLE.length; p++) {
                for (int k = 0; k < PROMPTS.length; k++) {
                    RgbImage image = generate(pipeline, settings, k, PROMPTS[k].replace("{id}", NAMES[p]), null);
                    for (Path dir : dirs) {
                        Files.createDirectories(dir.resolve("images"));
                        Files.write(dir.resolve(target(p, k)), Png.encode(image, Map.of()));
                    }
                }
            }
        }
    }

    private static String target(int person, int prompt) {
        return "images/" + PEOPLE[person] + "-" + prompt + ".png";
    }

    private static String crop(int person, int index) {
        return "crops/" + PEOPLE[person] + "-" + index + ".png";
    }

    private static String writeVariant(Path dir, RgbImage chip, int person, int index, long seed) throws IOException {
        String crop = crop(person, index);
        Files.createDirectories(dir.resolve("crops"));
        Files.write(dir.resolve(crop), Png.encode(Augment.variant(chip, CROP, new SplittableRandom(seed * 31 + person)),
                Map.of()));
        return crop;
    }

    private static String line(String name, String crop, String prompt, String image, long seed) {
        // The variants are dlib chips (augmented): the portrait for an aligned-crop encoder and the chip for dlib's.
        return String.format(Locale.ROOT, "{\"name\": \"%s\", \"portrait\": \"%s\", \"chip\": \"%s\", \"prompt\":"
                + " \"%s\", \"image\": \"%s\", \"seed\": %d}", name, crop, crop, prompt, image, seed);
    }
}

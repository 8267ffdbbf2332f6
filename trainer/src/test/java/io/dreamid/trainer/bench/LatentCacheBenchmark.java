package io.dreamid.trainer.bench;

import io.dreamid.common.image.ImageLimits;
import io.dreamid.common.image.Png;
import io.dreamid.common.image.RgbImage;
import io.dreamid.common.image.SafeImageDecoder;
import io.dreamid.trainer.TestModels;
import io.dreamid.trainer.Trainer;
import io.dreamid.trainer.TrainingOptions;

import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Stream;

/**
 * Preparation with and without the latent cache on a dataset of larger images: N pairs whose edited images are the
 * tiny dataset's, scaled to SIZE x SIZE and made distinct (a brightness step per pair), with the tiny test encoder
 * and the tiny SD twin. Prepares twice (the first computes and writes the cache, the second reads it) and prints both
 * times. Asserts nothing. Args: [pairs] [size] (default 16 512). Run:
 * DNNL_MAX_CPU_ISA=SSE41 ./mvnw -pl trainer -am test-compile exec:java -Dbench=trainer
 * -Dtrainer.main=io.dreamid.trainer.bench.LatentCacheBenchmark -Dai.djl.pytorch.num_threads=1
 */
public final class LatentCacheBenchmark {
    private LatentCacheBenchmark() {
    }

    public static void main(String[] args) throws IOException {
        int pairs = args.length > 0 ? Integer.parseInt(args[0]) : 16;
        int size = args.length > 1 ? Integer.parseInt(args[1]) : 512;
        Path work = Files.createTempDirectory("dreamid-latent-bench");
        Path dataset = work.resolve("dataset");
        Path tiny = TestModels.resource("datasets/tiny");
        Files.createDirectories(dataset.resolve("images"));
        Files.createDirectories(dataset.resolve("crops"));
        Files.copy(tiny.resolve("crops/person-a.png"), dataset.resolve("crops/a.png"));
        RgbImage source = SafeImageDecoder.decode(Files.readAllBytes(tiny.resolve("images/ddim.png")),
                ImageLimits.DEFAULT);
        StringBuilder manifest = new StringBuilder();
        for (int i = 0; i < pairs; i++) {
            Files.write(dataset.resolve("images/" + i + ".png"), Png.encode(scaled(source, size, i), Map.of()));
            manifest.append(String.format(Locale.ROOT, "{\"name\": \"a\", \"portrait\": \"crops/a.png\", \"prompt\":"
                    + " \"a photo of {id}\", \"image\": \"images/%d.png\", \"seed\": %d}%n", i, i));
        }
        Files.writeString(dataset.resolve("manifest.jsonl"), manifest);
        TrainingOptions options = new TrainingOptions(dataset, TestModels.baseEncoder(), TestModels.sdBundle(),
                TestModels.torchscript(), work.resolve("out"), work.resolve("checkpoints"), 1, 2, 1e-4, 1, 0.01, 1.0,
                0, 1, 0, null, 1);
        Trainer.Preparation cold;
        Trainer.Preparation warm;
        try (Trainer trainer = Trainer.prepare(options, System.out)) {
            cold = trainer.preparation();
        }
        try (Trainer trainer = Trainer.prepare(options, System.out)) {
            warm = trainer.preparation();
        }
        System.out.printf(Locale.ROOT, "%d pairs, %dx%d images, libtorch threads %s: preparation %d ms without the"
                + " cache (VAE latents %d ms), %d ms with it (latents read in %d ms)%n", pairs, size, size,
                System.getProperty("ai.djl.pytorch.num_threads", "default"), cold.totalMillis(), cold.latentMillis(),
                warm.totalMillis(), warm.latentMillis());
        try (Stream<Path> files = Files.walk(work)) {
            for (Path f : files.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(f);
            }
        }
    }

    /** The image scaled to size x size, brightened by {@code step} levels so each pair's image is its own file. */
    private static RgbImage scaled(RgbImage image, int size, int step) {
        BufferedImage in = new BufferedImage(image.width(), image.height(), BufferedImage.TYPE_INT_RGB);
        byte[] rgb = image.rgb();
        for (int p = 0; p < image.width() * image.height(); p++) {
            in.setRGB(p % image.width(), p / image.width(),
                    (rgb[3 * p] & 0xFF) << 16 | (rgb[3 * p + 1] & 0xFF) << 8 | rgb[3 * p + 2] & 0xFF);
        }
        BufferedImage out = new BufferedImage(size, size, BufferedImage.TYPE_INT_RGB);
        var g = out.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_INTERPOLATION, RenderingHints.VALUE_INTERPOLATION_BILINEAR);
        g.drawImage(in, 0, 0, size, size, null);
        g.dispose();
        RgbImage big = RgbImage.fromBufferedImage(out);
        byte[] shifted = big.rgb().clone();
        for (int i = 0; i < shifted.length; i++) {
            shifted[i] = (byte) Math.min(255, (shifted[i] & 0xFF) + step);
        }
        return new RgbImage(size, size, shifted);
    }
}

package io.dreamid.encoder.bench;

import io.dreamid.common.ObjectKeys;
import io.dreamid.common.image.ImageLimits;
import io.dreamid.common.image.Png;
import io.dreamid.common.image.RgbImage;
import io.dreamid.common.image.SafeImageDecoder;
import io.dreamid.common.storage.ObjectStore;
import io.dreamid.encoder.bundle.BuiltInBundle;
import io.dreamid.encoder.bundle.EncoderBundle;
import io.dreamid.encoder.bundle.EncoderConfig;
import io.dreamid.encoder.model.M2Encoder;
import io.dreamid.encoder.model.Preprocessor;
import io.dreamid.encoder.service.IdentityFile;
import io.dreamid.encoder.service.IdentityIds;
import io.dreamid.testsupport.EmbeddedS3;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Per-identity time split of the encoder stage on this machine, for each bundle folder given (default: the
 * committed tiny bundle, the built-in bundle (dlib's ResNet backbone, K = 2 words of 768), and the real-size random ViT-B/16 bundle at /tmp/dreamid-encoder-vitb16 when present;
 * make it with tools/encoder/make_bundle.py --preset vitb16). Storage is the in-JVM S3 server over HTTP.
 * Prints figures; asserts nothing. Run: {@code ./mvnw -pl encoder-service test-compile exec:java
 * [-Dexec.args="DIR... [--runs N] [--threads T]"]}.
 */
public final class EncoderBenchmark {
    private static final String[] STEPS = {"load crop: S3 GET", "load crop: decode + id", "preprocess", "backbone",
        "projector", "store: serialise", "store: S3 PUT"};

    private EncoderBenchmark() {
    }

    public static void main(String[] args) throws Exception {
        List<Path> bundles = new ArrayList<>();
        int runs = 20;
        int threads = 0;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--runs" -> runs = Integer.parseInt(args[++i]);
                case "--threads" -> threads = Integer.parseInt(args[++i]);
                default -> bundles.add(Path.of(args[i]));
            }
        }
        if (bundles.isEmpty()) {
            bundles.add(Path.of(EncoderBenchmark.class.getResource("/bundles/tiny/encoder.json").toURI()).getParent());
            // The built-in bundle (dlib's ResNet, untrained projector) at SD 1.x size: 2 words of 768.
            bundles.add(BuiltInBundle.write(Files.createTempDirectory("dreamid-encoder-bench"), 2, 768));
            Path real = Path.of("/tmp/dreamid-encoder-vitb16");
            if (Files.isDirectory(real)) {
                bundles.add(real);
            } else {
                System.out.println("(no real-size bundle at " + real + "; make one with /usr/bin/python3 "
                        + "tools/encoder/make_bundle.py --preset vitb16 --out " + real + ")");
            }
        }
        ObjectStore store = EmbeddedS3.store();
        System.out.printf("cores %d, ONNX Runtime intra-op threads %s, %d timed runs after warm-up%n",
                Runtime.getRuntime().availableProcessors(), threads == 0 ? "default" : threads, runs);
        int status = 0;
        try {
            for (Path bundle : bundles) {
                run(bundle, store, runs, threads);
            }
        } catch (RuntimeException e) {
            e.printStackTrace();
            status = 1;
        }
        // the S3 server's and the storage client's threads are not daemons
        System.exit(status);
    }

    private static void run(Path bundle, ObjectStore store, int runs, int threads) {
        long loadStart = System.nanoTime();
        try (M2Encoder encoder = EncoderBundle.load(bundle, threads)) {
            EncoderConfig config = encoder.config();
            System.out.printf("%nbundle %s (%s): input %dx%d, taps %s, tokens %d, feature width %d, projector hidden %d,"
                            + " %d words x %d; loaded in %d ms%n",
                    config.version(), bundle, config.inputSize(), config.inputSize(),
                    Arrays.toString(config.tappedLayers()), encoder.backbone().tokens(),
                    encoder.projector().featureWidth(), encoder.projector().hidden(), config.words(), config.width(),
                    (System.nanoTime() - loadStart) / 1_000_000);
            String cropKey = ObjectKeys.faceCrop("bench-" + config.version());
            store.put(cropKey, Png.encode(syntheticCrop(config.inputSize()), Map.of()), "image/png");
            Preprocessor preprocessor = new Preprocessor(config);

            Map<String, double[]> millis = new LinkedHashMap<>();
            for (String step : STEPS) {
                millis.put(step, new double[runs]);
            }
            int warmup = Math.max(3, runs / 4);
            for (int r = -warmup; r < runs; r++) {
                long t0 = System.nanoTime();
                byte[] png = store.get(cropKey);
                long t1 = System.nanoTime();
                RgbImage crop = SafeImageDecoder.decode(png, ImageLimits.DEFAULT);
                String identityId = IdentityIds.of(crop, config.version());
                long t2 = System.nanoTime();
                float[] pixels = preprocessor.apply(crop);
                long t3 = System.nanoTime();
                float[][] pooled = encoder.backbone().run(pixels);
                long t4 = System.nanoTime();
                float[] embedding = encoder.projector().apply(pooled);
                long t5 = System.nanoTime();
                byte[] file = new IdentityFile(identityId, config.version(), config.words(), config.width(), cropKey,
                        embedding).toBytes();
                long t6 = System.nanoTime();
                store.put(ObjectKeys.identity(identityId), file, "application/octet-stream");
                long t7 = System.nanoTime();
                if (r >= 0) {
                    long[] t = {t0, t1, t2, t3, t4, t5, t6, t7};
                    for (int s = 0; s < STEPS.length; s++) {
                        millis.get(STEPS[s])[r] = (t[s + 1] - t[s]) / 1e6;
                    }
                }
            }
            System.out.printf("  %-24s %10s %10s %10s%n", "step", "median ms", "mean ms", "p90 ms");
            double total = 0;
            for (String step : STEPS) {
                double[] v = millis.get(step);
                total += median(v);
                System.out.printf("  %-24s %10.3f %10.3f %10.3f%n", step, median(v), mean(v), percentile(v, 0.9));
            }
            double backbone = median(millis.get("backbone"));
            double javaSide = median(millis.get("load crop: decode + id")) + median(millis.get("preprocess"))
                    + median(millis.get("projector")) + median(millis.get("store: serialise"));
            double projector = median(millis.get("projector")) + median(millis.get("preprocess"));
            double io = median(millis.get("load crop: S3 GET")) + median(millis.get("store: S3 PUT"));
            System.out.printf("  sum of medians %.3f ms per identity; projector + preprocess = %.2f%% of the backbone,"
                            + " all Java-side work (decode, id, preprocess, projector, serialise) = %.2f%%,"
                            + " storage I/O = %.2f%%%n",
                    total, 100 * projector / backbone, 100 * javaSide / backbone, 100 * io / backbone);
        }
    }

    private static double median(double[] v) {
        return percentile(v, 0.5);
    }

    private static double percentile(double[] v, double p) {
        double[] sorted = v.clone();
        Arrays.sort(sorted);
        return sorted[(int) Math.min(sorted.length - 1, Math.round(p * (sorted.length - 1)))];
    }

    private static double mean(double[] v) {
        return Arrays.stream(v).average().orElse(0);
    }

    /** A deterministic face-sized test pattern; its content does not change the timings of a dense network. */
    private static RgbImage syntheticCrop(int size) {
        byte[] rgb = new byte[size * size * 3];
        for (int y = 0; y < size; y++) {
            for (int x = 0; x < size; x++) {
                int i = 3 * (y * size + x);
                rgb[i] = (byte) (x * 255 / size);
                rgb[i + 1] = (byte) (y * 255 / size);
                rgb[i + 2] = (byte) ((x * y) & 0xff);
            }
        }
        return new RgbImage(size, size, rgb);
    }
}

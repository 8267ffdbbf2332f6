package io.dreamid.encoder.bench;

import io.dreamid.common.ObjectKeys;
import io.dreamid.common.image.ImageLimits;
import io.dreamid.common.image.Png;
import io.dreamid.common.image.RgbImage;
import io.dreamid.common.image.SafeImageDecoder;
import io.dreamid.common.storage.ObjectStore;
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
 * committed tiny bundle, and the real-size random ViT-B/16 bundle at /tmp/dreamid-encoder-vitb16 when present;
 * make it with tools/encoder/make_bundle.py --preset vitb16). Storage is the in-JVM S3 server over HTTP.
 * Prints figures; asserts nothing. Run: {@code ./mvnw -pl encoder-service test-compile exec:java
 * [-Dexec.args="DIR... [--runs N] [--threads T]"]}.
 */
public final class EncoderBenchmark {
    private static final String[] STEPS = {"load crop", "preprocess", "backbone", "projector", "store"};

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
                RgbImage crop = SafeImageDecoder.decode(store.get(cropKey), ImageLimits.DEFAULT);
                String identityId = IdentityIds.of(crop, config.version());
                long t1 = System.nanoTime();
                float[] pixels = preprocessor.apply(crop);
                long t2 = System.nanoTime();
                float[][] pooled = encoder.backbone().run(pixels);
                long t3 = System.nanoTime();
                float[] embedding = encoder.projector().apply(pooled);
                long t4 = System.nanoTime();
                store.put(ObjectKeys.identity(identityId), new IdentityFile(identityId, config.version(),
                        config.words(), config.width(), cropKey, embedding).toBytes(), "application/octet-stream");
                long t5 = System.nanoTime();
                if (r >= 0) {
                    long[] t = {t0, t1, t2, t3, t4, t5};
                    for (int s = 0; s < STEPS.length; s++) {
                        millis.get(STEPS[s])[r] = (t[s + 1] - t[s]) / 1e6;
                    }
                }
            }
            System.out.printf("  %-11s %10s %10s %10s%n", "step", "median ms", "mean ms", "p90 ms");
            double total = 0;
            for (String step : STEPS) {
                double[] v = millis.get(step).clone();
                Arrays.sort(v);
                double mean = Arrays.stream(v).average().orElse(0);
                total += mean;
                System.out.printf("  %-11s %10.3f %10.3f %10.3f%n", step, v[v.length / 2], mean,
                        v[(int) Math.min(v.length - 1, Math.round(0.9 * (v.length - 1)))]);
            }
            double backbone = mean(millis.get("backbone"));
            double javaSide = mean(millis.get("preprocess")) + mean(millis.get("projector"));
            double decode = mean(millis.get("load crop"));
            System.out.printf("  total %.3f ms per identity; preprocess + projector = %.2f%% of the backbone;"
                            + " with crop load (S3 GET + PNG decode + id hash) %.2f%%%n",
                    total, 100 * javaSide / backbone, 100 * (javaSide + decode) / backbone);
        }
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

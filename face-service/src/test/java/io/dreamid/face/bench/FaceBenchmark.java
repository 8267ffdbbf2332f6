package io.dreamid.face.bench;

import ai.djl.engine.Engine;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;
import io.dreamid.common.image.ImageLimits;
import io.dreamid.common.image.Png;
import io.dreamid.common.image.RgbImage;
import io.dreamid.common.image.SafeImageDecoder;
import io.dreamid.common.json.Json;
import io.dreamid.common.messages.FaceChoice;
import io.dreamid.common.storage.ObjectStore;
import io.dreamid.face.align.Affine;
import io.dreamid.face.align.FaceAligner;
import io.dreamid.face.align.Warp;
import io.dreamid.face.detect.BlazeFaceDecoder;
import io.dreamid.face.detect.BlazeFaceModels;
import io.dreamid.face.detect.BlazeFaceVariant;
import io.dreamid.face.detect.Detection;
import io.dreamid.face.detect.DetectionResult;
import io.dreamid.face.detect.DetectorPolicy;
import io.dreamid.face.detect.FaceDetector;
import io.dreamid.face.detect.TestImages;
import io.dreamid.face.pipeline.FacePipeline;
import io.dreamid.testsupport.EmbeddedS3;

import java.nio.FloatBuffer;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

/**
 * Per-image time split (decode, detect, align, encode, storage) and throughput of the face stage for a 512 px and
 * a 2000 px JPEG, and the bare ONNX Runtime run of the 128 model for comparison. Prints figures, asserts nothing.
 * Run: {@code ./mvnw -pl face-service test-compile exec:java}.
 */
public final class FaceBenchmark {
    private static final int WARMUP = 20;

    private FaceBenchmark() {
    }

    public static void main(String[] args) throws Exception {
        Path modelDir = Path.of(args.length > 0 ? args[0] : "target/models");
        int workers = Integer.getInteger("workers", Runtime.getRuntime().availableProcessors());
        System.out.printf("face-service benchmark: %d cores, %d workers, models %s%n",
                Runtime.getRuntime().availableProcessors(), workers, modelDir.toAbsolutePath());
        ObjectStore store = EmbeddedS3.store();
        try (BlazeFaceModels models = new BlazeFaceModels(modelDir, 1);
             FaceDetector detector = new FaceDetector(models, workers, 0.5)) {
            FacePipeline pipeline = new FacePipeline(detector, ImageLimits.DEFAULT);
            bareOnnxRuntime(modelDir, detector);
            if (Boolean.getBoolean("passOnly")) {
                System.exit(0);
            }
            for (int side : new int[] {512, 2000}) {
                byte[] jpeg = TestImages.jpeg(TestImages.scaled(TestImages.image(TestImages.ASTRONAUT),
                        side / 512.0));
                int iterations = side == 512 ? 200 : 40;
                System.out.printf("%n%d x %d JPEG (%d KiB)%n", side, side, jpeg.length / 1024);
                split(jpeg, detector, store, iterations);
                throughput(jpeg, pipeline, store, workers, iterations * 2);
            }
        }
        System.exit(0);
    }

    /** The 128 model alone through ONNX Runtime's Java API, against one detector pass and DJL's own run. */
    private static void bareOnnxRuntime(Path modelDir, FaceDetector detector) throws Exception {
        Engine.getEngine("OnnxRuntime");
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        BlazeFaceVariant front = BlazeFaceVariant.FRONT;
        int n = front.size();
        RgbImage photo = TestImages.rgb(TestImages.image(TestImages.ASTRONAUT));
        Warp warp = new Warp(photo);
        float[] input = new float[n * n * 3];
        Affine letterbox = new Affine(photo.width() / (double) n, 0, 0, 0, photo.height() / (double) n, 0);
        warp.toTensor(letterbox, n, input);
        OrtSession.SessionOptions options = new OrtSession.SessionOptions();
        options.setIntraOpNumThreads(1);
        options.setInterOpNumThreads(1);
        int runs = 500;
        try (OrtSession session = env.createSession(modelDir.resolve(front.fileName()).toString(), options)) {
            double[] bare = new double[runs];
            for (int i = -WARMUP; i < runs; i++) {
                long t = System.nanoTime();
                try (OnnxTensor tensor = OnnxTensor.createTensor(env, FloatBuffer.wrap(input), new long[] {1, n, n, 3});
                     OrtSession.Result r = session.run(Map.of("input:0", tensor))) {
                    r.get(0);
                }
                if (i >= 0) {
                    bare[i] = (System.nanoTime() - t) / 1e6;
                }
            }
            double[] djl = new double[runs];
            for (int i = -WARMUP; i < runs; i++) {
                long t = System.nanoTime();
                detector.run(front, input);
                if (i >= 0) {
                    djl[i] = (System.nanoTime() - t) / 1e6;
                }
            }
            double[] pass = new double[runs];
            for (int i = -WARMUP; i < runs; i++) {
                long t = System.nanoTime();
                detector.wholePhotoPass(new Warp(photo), BlazeFaceVariant.FRONT);
                if (i >= 0) {
                    pass[i] = (System.nanoTime() - t) / 1e6;
                }
            }
            Warp shared = new Warp(photo);
            double[] passShared = new double[runs];
            for (int i = -WARMUP; i < runs; i++) {
                long t = System.nanoTime();
                detector.wholePhotoPass(shared, BlazeFaceVariant.FRONT);
                if (i >= 0) {
                    passShared[i] = (System.nanoTime() - t) / 1e6;
                }
            }
            double[] prepare = new double[runs];
            for (int i = -WARMUP; i < runs; i++) {
                long t = System.nanoTime();
                new Warp(photo).toTensor(letterbox, n, input);
                if (i >= 0) {
                    prepare[i] = (System.nanoTime() - t) / 1e6;
                }
            }
            var raw = detector.run(front, input);
            double[] decode = new double[runs];
            for (int i = -WARMUP; i < runs; i++) {
                long t = System.nanoTime();
                BlazeFaceDecoder.decode(n, raw.scores16(), raw.scores8(), raw.boxes16(), raw.boxes8(), 0.5);
                if (i >= 0) {
                    decode[i] = (System.nanoTime() - t) / 1e6;
                }
            }
            System.out.printf("%nBlazeFace %s, one thread, median of %d runs:%n", front.id(), runs);
            System.out.printf("  bare ONNX Runtime session.run          %6.3f ms%n", median(bare));
            System.out.printf("  DJL predictor (same input)             %6.3f ms  (%.2fx bare)%n", median(djl),
                    median(djl) / median(bare));
            System.out.printf("  detector pass: letterbox + run + decode %6.3f ms  (%.2fx bare)%n", median(pass),
                    median(pass) / median(bare));
            System.out.printf("    of which resampling the %dx%d photo   %6.3f ms%n", photo.width(), photo.height(),
                    median(prepare));
            System.out.printf("  detector pass, pyramid already built   %6.3f ms  (%.2fx bare; every pass after an"
                    + " image's first)%n", median(passShared), median(passShared) / median(bare));
            System.out.printf("    of which decoding + weighted NMS      %6.3f ms%n", median(decode));
        }
    }

    /** One image at a time, each step timed on its own. */
    private static void split(byte[] jpeg, FaceDetector detector, ObjectStore store, int iterations) {
        String photoKey = "bench/photo.jpg";
        store.put(photoKey, jpeg, "image/jpeg");
        // Detection refines every candidate (that is how it tells faces from face-like patterns), so the whole-photo
        // pass and the refinement are one step; the pass alone is the last part of the benchmark.
        String[] steps = {"storage read", "decode", "detect + refine", "align", "encode PNG", "storage write"};
        double[][] ms = new double[steps.length][iterations];
        for (int i = -WARMUP; i < iterations; i++) {
            long[] t = new long[steps.length + 1];
            t[0] = System.nanoTime();
            byte[] bytes = store.get(photoKey);
            t[1] = System.nanoTime();
            RgbImage image = SafeImageDecoder.decode(bytes, ImageLimits.DEFAULT);
            t[2] = System.nanoTime();
            Warp warp = new Warp(image);
            DetectionResult found = detector.detect(warp, DetectorPolicy.AUTO);
            Detection face = found.refined().get(0);
            t[3] = System.nanoTime();
            FaceAligner.AlignedFace aligned = FaceAligner.align(warp, face, 112);
            t[4] = System.nanoTime();
            byte[] png = Png.encode(aligned.crop(), Map.of());
            t[5] = System.nanoTime();
            store.put("bench/aligned.png", png, "image/png");
            store.put("bench/face.json", Json.toBytes(Map.of("score", face.score())), "application/json");
            t[6] = System.nanoTime();
            if (i >= 0) {
                for (int s = 0; s < steps.length; s++) {
                    ms[s][i] = (t[s + 1] - t[s]) / 1e6;
                }
            }
        }
        double total = 0;
        System.out.printf("  per image, one at a time (median of %d):%n", iterations);
        for (int s = 0; s < steps.length; s++) {
            double m = median(ms[s]);
            total += m;
            System.out.printf("    %-22s %8.2f ms%n", steps[s], m);
        }
        System.out.printf("    %-22s %8.2f ms%n", "sum", total);
    }

    /** {@code workers} threads run whole jobs (storage read to storage write) as fast as they can. */
    private static void throughput(byte[] jpeg, FacePipeline pipeline, ObjectStore store, int workers, int images)
            throws Exception {
        String photoKey = "bench/photo.jpg";
        for (int threads : workers > 1 ? new int[] {1, workers} : new int[] {1}) {
            for (boolean withStorage : new boolean[] {false, true}) {
                ExecutorService pool = Executors.newFixedThreadPool(threads);
                Runnable job = () -> {
                    byte[] bytes = withStorage ? store.get(photoKey) : jpeg;
                    var analysis = pipeline.analyse(bytes, FaceChoice.LARGEST, DetectorPolicy.AUTO, 112,
                            new LinkedHashMap<>());
                    if (withStorage) {
                        store.put("bench/aligned.png", analysis.cropPng(), "image/png");
                        store.put("bench/face.json", Json.toBytes(analysis.record()), "application/json");
                    }
                };
                runAll(pool, job, WARMUP);
                long t = System.nanoTime();
                runAll(pool, job, images);
                double seconds = (System.nanoTime() - t) / 1e9;
                pool.shutdown();
                pool.awaitTermination(1, TimeUnit.MINUTES);
                System.out.printf("  throughput, %d worker%s, %-18s %7.1f faces/s%n", threads,
                        threads == 1 ? ", " : "s,", withStorage ? "with storage:" : "without storage:",
                        images / seconds);
            }
        }
    }

    private static void runAll(ExecutorService pool, Runnable job, int count) throws Exception {
        Future<?>[] futures = new Future<?>[count];
        for (int i = 0; i < count; i++) {
            futures[i] = pool.submit(job);
        }
        for (Future<?> f : futures) {
            f.get();
        }
    }

    private static double median(double[] values) {
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        return sorted[sorted.length / 2];
    }
}

package io.dreamid.common.bench;

import io.dreamid.common.image.ImageLimits;
import io.dreamid.common.image.Png;
import io.dreamid.common.image.RgbImage;
import io.dreamid.common.image.SafeImageDecoder;
import io.dreamid.common.tensors.FloatTensor;
import io.dreamid.common.tensors.Safetensors;

import javax.imageio.IIOImage;
import javax.imageio.ImageIO;
import javax.imageio.ImageWriteParam;
import javax.imageio.ImageWriter;
import javax.imageio.stream.MemoryCacheImageOutputStream;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.function.Supplier;
import java.util.stream.Stream;

/**
 * How long common's plumbing takes per call on this machine: image probe and decode (the gateway probes every
 * upload, the face stage decodes it), PNG encoding (every generated image) and safetensors (every identity).
 * Prints median and 90th percentile; asserts nothing.
 *
 * <p>Run: {@code ./mvnw -B -pl common test-compile exec:java}. Optional argument ({@code -Dexec.args=DIR}): a
 * folder of real photos (default: the shared test faces, {@code ../shared/testdata/faces}, when present).
 */
public final class CommonBenchmark {
    private static volatile Object sink;

    private CommonBenchmark() {
    }

    public static void main(String[] args) throws IOException {
        ImageLimits limits = ImageLimits.DEFAULT;
        System.out.printf(Locale.ROOT, "%-44s %10s %10s %8s%n", "operation", "median", "p90", "runs");

        byte[] small = jpeg(photoLike(800, 600), 0.85f);
        byte[] large = jpeg(photoLike(4000, 3000), 0.9f);
        report("probe JPEG 800x600 (" + kb(small) + ")", 2000, () -> SafeImageDecoder.probe(small, limits));
        report("decode JPEG 800x600 (" + kb(small) + ")", 200, () -> SafeImageDecoder.decode(small, limits));
        report("probe JPEG 4000x3000 (" + kb(large) + ")", 500, () -> SafeImageDecoder.probe(large, limits));
        report("decode JPEG 4000x3000 (" + kb(large) + ")", 10, () -> SafeImageDecoder.decode(large, limits));

        // exec:java runs in Maven's JVM, whose working directory is where ./mvnw was started
        Path photos = args.length > 0 ? Path.of(args[0])
                : Stream.of("../shared/testdata/faces", "../../shared/testdata/faces").map(Path::of)
                        .filter(Files::isDirectory).findFirst().orElse(Path.of("../shared/testdata/faces"));
        if (Files.isDirectory(photos)) {
            try (var files = Files.list(photos)) {
                for (Path file : files.filter(f -> f.toString().matches(".*\\.(jpg|jpeg|png)$")).sorted().toList()) {
                    byte[] bytes = Files.readAllBytes(file);
                    report("decode " + file.getFileName() + " (" + kb(bytes) + ")", 50,
                            () -> SafeImageDecoder.decode(bytes, limits));
                }
            }
        }

        RgbImage generated = RgbImage.fromBufferedImage(photoLike(512, 512));
        Map<String, String> parameters = Map.of("parameters", "{\"prompt\":\"a photo of {id} as an astronaut\","
                + "\"steps\":30,\"seed\":42}");
        report("Png.encode 512x512 + tEXt", 100, () -> Png.encode(generated, parameters));

        Random random = new Random(1);
        float[] embedding = new float[2 * 768];
        float[] projection = new float[4 * 1024 * 1024];
        for (int i = 0; i < projection.length; i++) {
            projection[i] = (float) random.nextGaussian();
        }
        Map<String, FloatTensor> identity = Map.of("words", new FloatTensor(new long[] {2, 768}, embedding));
        Map<String, FloatTensor> weights = Map.of("proj", new FloatTensor(new long[] {4096, 1024}, projection));
        byte[] identityFile = Safetensors.write(identity, Map.of("encoder", "tiny-1"));
        byte[] weightsFile = Safetensors.write(weights, null);
        report("safetensors write 2x768 F32", 5000, () -> Safetensors.write(identity, Map.of("encoder", "tiny-1")));
        report("safetensors read 2x768 F32", 5000, () -> Safetensors.read(identityFile).floats("words"));
        report("safetensors read 4096x1024 F32 (16 MB)", 30, () -> Safetensors.read(weightsFile).floats("proj"));
    }

    private static void report(String name, int runs, Supplier<Object> operation) {
        for (int i = 0; i < Math.max(3, runs / 5); i++) {
            sink = operation.get();
        }
        long[] nanos = new long[runs];
        for (int i = 0; i < runs; i++) {
            long start = System.nanoTime();
            sink = operation.get();
            nanos[i] = System.nanoTime() - start;
        }
        Arrays.sort(nanos);
        System.out.printf(Locale.ROOT, "%-44s %10s %10s %8d%n", name, duration(nanos[runs / 2]),
                duration(nanos[(int) (runs * 0.9)]), runs);
    }

    private static String duration(long nanos) {
        return nanos < 1_000_000 ? String.format(Locale.ROOT, "%.0f us", nanos / 1e3)
                : String.format(Locale.ROOT, "%.1f ms", nanos / 1e6);
    }

    private static String kb(byte[] bytes) {
        return bytes.length / 1024 + " KB";
    }

    /** Smooth gradients plus sensor-like noise: compresses about as a photo does. */
    private static BufferedImage photoLike(int w, int h) {
        BufferedImage image = new BufferedImage(w, h, BufferedImage.TYPE_3BYTE_BGR);
        Random random = new Random(42);
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                int r = clamp(128 + 100 * Math.sin(x / 97.0) + random.nextGaussian() * 6);
                int g = clamp(128 + 90 * Math.cos(y / 71.0) + random.nextGaussian() * 6);
                int b = clamp(100 + 80 * Math.sin((x + y) / 131.0) + random.nextGaussian() * 6);
                image.setRGB(x, y, r << 16 | g << 8 | b);
            }
        }
        return image;
    }

    private static int clamp(double v) {
        return (int) Math.max(0, Math.min(255, Math.round(v)));
    }

    private static byte[] jpeg(BufferedImage image, float quality) throws IOException {
        ImageWriter writer = ImageIO.getImageWritersByFormatName("jpeg").next();
        ImageWriteParam param = writer.getDefaultWriteParam();
        param.setCompressionMode(ImageWriteParam.MODE_EXPLICIT);
        param.setCompressionQuality(quality);
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (MemoryCacheImageOutputStream out = new MemoryCacheImageOutputStream(bytes)) {
            writer.setOutput(out);
            writer.write(null, new IIOImage(image, null, null), param);
        } finally {
            writer.dispose();
        }
        return bytes.toByteArray();
    }
}

package io.dreamid.diffusion;

import io.dreamid.common.tensors.Safetensors;
import io.dreamid.common.tensors.SafetensorsFile;
import io.dreamid.common.models.BundleFetcher;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.stream.Stream;

/**
 * The committed tiny bundles, for tests: the built-in real-architecture bundle (main resources) and the toy bundles
 * of tools/diffusion/make_tiny_sd.py with their torch goldens (test resources).
 */
public final class TinyBundles {
    private TinyBundles() {
    }

    /** The service's built-in bundle: a diffusers ONNX export of SD 1.x's real architectures, random weights. */
    public static synchronized Path realArchitecture() {
        return BundleFetcher.fromClasspath("bundles/sd-real-arch-tiny", Path.of("target", "tiny-bundles",
                "sd-real-arch-tiny"));
    }

    /** SD 1.x-like toy: epsilon, PNDM, float32 timestep [batch]; its goldens include torch's injected states. */
    public static synchronized Path sd1() {
        return BundleFetcher.fromClasspath("bundles/tiny-sd1", Path.of("target", "tiny-bundles", "tiny-sd1"));
    }

    /** SD 2.x-like: v-prediction, DDIM trailing, int64 timestep [1], "!" padding; test resource only. */
    public static synchronized Path sd2() {
        return BundleFetcher.fromClasspath("bundles/tiny-sd2", Path.of("target", "tiny-bundles", "tiny-sd2"));
    }

    /** tiny-sd1 converted to float16 by tools/diffusion/make_fp16_bundle.py: an fp16 export's I/O and weights. */
    public static synchronized Path sd1Fp16() {
        return BundleFetcher.fromClasspath("bundles/tiny-sd1-fp16", Path.of("target", "tiny-bundles",
                "tiny-sd1-fp16"));
    }

    public static SafetensorsFile goldens(String variant) {
        return Safetensors.read(Path.of("src", "test", "resources", "goldens", "tiny-" + variant + ".safetensors"));
    }

    /** Copies a bundle folder (or any folder) file by file, replacing what is there: tests that edit a copy. */
    public static void copy(Path from, Path to) throws IOException {
        try (Stream<Path> files = Files.walk(from)) {
            for (Path f : files.toList()) {
                Path target = to.resolve(from.relativize(f).toString());
                if (Files.isDirectory(f)) {
                    Files.createDirectories(target);
                } else {
                    Files.copy(f, target, StandardCopyOption.REPLACE_EXISTING);
                }
            }
        }
    }

    public static double maxAbsDiff(float[] a, float[] b) {
        if (a.length != b.length) {
            throw new AssertionError("lengths differ: " + a.length + " vs " + b.length);
        }
        double max = 0;
        for (int i = 0; i < a.length; i++) {
            max = Math.max(max, Math.abs(a[i] - b[i]));
        }
        return max;
    }
}

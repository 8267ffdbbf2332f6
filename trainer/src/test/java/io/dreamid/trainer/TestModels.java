package io.dreamid.trainer;

import io.dreamid.common.models.BundleManifest;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Set;
import java.util.stream.Stream;

/** Where the tests find the tiny real-architecture models: the TorchScript twin here, the rest in sibling modules. */
public final class TestModels {
    private TestModels() {
    }

    public static Path torchscript() {
        return resource("torchscript");
    }

    /**
     * A folder or file of this module's test resources: from the class path, or from the source tree when the class
     * path has them in a jar (another module's tests using this module's test jar).
     */
    public static Path resource(String name) {
        URL url = TestModels.class.getClassLoader().getResource(name);
        if (url == null || !"file".equals(url.getProtocol())) {
            return sibling("trainer/src/test/resources/" + name);
        }
        try {
            return Path.of(url.toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The ONNX serving bundle the twin was exported with (built into diffusion-service). */
    public static Path sdBundle() {
        return sibling("diffusion-service/src/main/resources/bundles/sd-real-arch-tiny");
    }

    /** The tiny encoder bundle (random projector) that training starts from. */
    public static Path baseEncoder() {
        return sibling("encoder-service/src/test/resources/bundles/tiny");
    }

    /** An ONNX serving bundle and its TorchScript twin. */
    public record SdModel(Path bundle, Path twin) {
    }

    /**
     * The "learning" tiny model (learning-tiny/README.md): the tiny model's text encoder, tokenizer and scheduler
     * with a trained VAE and a UNet fine-tuned to denoise, in which the text decides the image, so that words can be
     * learnt through it. Only the files that differ from the tiny model are committed; this assembles the whole
     * bundle and twin under {@code dir} and checks the bundle against its committed manifest.
     */
    public static SdModel learningTiny(Path dir) {
        Path overlay = resource("learning-tiny");
        Path bundle = dir.resolve("bundle");
        Path twin = dir.resolve("torchscript");
        copyTree(sdBundle(), bundle, Set.of("PROVENANCE.md", "random_weights.txt", "manifest.json"));
        copyTree(overlay.resolve("bundle"), bundle, Set.of());
        BundleManifest.read(bundle).verify(bundle);
        copyTree(torchscript(), twin, Set.of("unet.pt", "vae_encoder.pt", "twin.json", "README.md", "golden"));
        copyTree(overlay.resolve("torchscript"), twin, Set.of());
        return new SdModel(bundle, twin);
    }

    /** Copies the files under {@code from} to {@code to} (replacing), but those whose first path element is in skip. */
    private static void copyTree(Path from, Path to, Set<String> skip) {
        try (Stream<Path> files = Files.walk(from)) {
            for (Path file : (Iterable<Path>) files.filter(Files::isRegularFile)::iterator) {
                Path relative = from.relativize(file);
                if (skip.contains(relative.getName(0).toString())) {
                    continue;
                }
                Path target = to.resolve(relative.toString());
                Files.createDirectories(target.getParent());
                Files.copy(file, target, StandardCopyOption.REPLACE_EXISTING);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot copy " + from + " to " + to, e);
        }
    }

    static Path sibling(String path) {
        Path dir = Path.of("").toAbsolutePath();
        while (dir != null && !Files.exists(dir.resolve(path))) {
            dir = dir.getParent();
        }
        if (dir == null) {
            throw new IllegalStateException(path + " not found above " + Path.of("").toAbsolutePath());
        }
        return dir.resolve(path);
    }
}

package io.dreamid.trainer;

import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Where the tests find the tiny real-architecture models: the TorchScript twin here, the rest in sibling modules. */
public final class TestModels {
    private TestModels() {
    }

    public static Path torchscript() {
        return resource("torchscript");
    }

    public static Path resource(String name) {
        try {
            return Path.of(TestModels.class.getClassLoader().getResource(name).toURI());
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

    static Path sibling(String path) {
        Path dir = Path.of("").toAbsolutePath();
        while (dir != null && !Files.isDirectory(dir.resolve(path))) {
            dir = dir.getParent();
        }
        if (dir == null) {
            throw new IllegalStateException(path + " not found above " + Path.of("").toAbsolutePath());
        }
        return dir.resolve(path);
    }
}

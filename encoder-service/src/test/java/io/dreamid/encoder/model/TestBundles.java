package io.dreamid.encoder.model;

import java.nio.file.Path;

/** Where the committed tiny bundle and its torch goldens live (written by tools/encoder/make_bundle.py). */
public final class TestBundles {
    public static final Path TINY = Path.of("src/test/resources/bundles/tiny");
    public static final Path TINY_GOLDENS = Path.of("src/test/resources/goldens/tiny");

    private TestBundles() {
    }
}

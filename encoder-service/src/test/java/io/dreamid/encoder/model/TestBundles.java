package io.dreamid.encoder.model;

import java.nio.file.Path;

/**
 * Where the committed test bundles and their torch goldens live: the tiny random bundle written by
 * tools/encoder/make_bundle.py, and the bundle that tools/encoder/export_face_vit.py exports from its synthetic
 * checkpoint in arcface_torch's ViT layout.
 */
public final class TestBundles {
    public static final Path TINY = Path.of("src/test/resources/bundles/tiny");
    public static final Path TINY_GOLDENS = Path.of("src/test/resources/goldens/tiny");
    public static final Path FACE_VIT = Path.of("src/test/resources/bundles/face-vit-tiny");
    public static final Path FACE_VIT_GOLDENS = Path.of("src/test/resources/goldens/face-vit-tiny");

    private TestBundles() {
    }
}

package io.dreamid.encoder.model;

import io.dreamid.encoder.bundle.EncoderBundle;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.TestInstance;

import java.io.IOException;
import java.nio.file.Path;

/** A committed bundle loaded through the production loader once per test class, with the goldens made for it. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
abstract class GoldenBundleTest {
    private final Path bundle;
    private final Path goldensDir;
    protected M2Encoder encoder;
    protected Goldens goldens;

    GoldenBundleTest(Path bundle, Path goldensDir) {
        this.bundle = bundle;
        this.goldensDir = goldensDir;
    }

    @BeforeAll
    void load() throws IOException {
        encoder = EncoderBundle.load(bundle, 1);
        goldens = Goldens.read(goldensDir);
    }

    @AfterAll
    void close() {
        encoder.close();
    }
}

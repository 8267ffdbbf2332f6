package io.dreamid.encoder.bundle;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.dreamid.common.image.ImageLimits;
import io.dreamid.common.image.RgbImage;
import io.dreamid.common.image.SafeImageDecoder;
import io.dreamid.encoder.model.M2Encoder;
import io.dreamid.encoder.model.Preprocessor;
import io.dreamid.facerec.DlibWeights;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/**
 * The built-in bundle: its backbone is dlib's pretrained network (with the encoder's own preprocessing it gives
 * face-api.js's descriptors), and out of the box, with the projector untrained, the words of one person's photos
 * are nearer each other than to any of the other person's.
 */
class BuiltInBundleTest {
    private static final List<String> ASTRONAUT = List.of("astronaut", "astronaut_mirrored", "astronaut_rotated_30");
    private static final List<String> HOPPER = List.of("grace_hopper", "grace_hopper_grey", "grace_hopper_scaled_0.3");

    @TempDir
    static Path dir;
    private static Path bundle;
    private static M2Encoder encoder;

    @BeforeAll
    static void load() {
        bundle = BuiltInBundle.write(dir, 2, 32);
        encoder = EncoderBundle.load(bundle, 1);
    }

    @AfterAll
    static void close() {
        encoder.close();
    }

    @Test
    void itSaysItIsUntrainedAndReadsDlibChips() throws IOException {
        assertThat(bundle.getFileName().toString()).isEqualTo("dlib-resnet-v1-untrained-1-k2-w32");
        assertThat(encoder.config().version()).contains("untrained");
        assertThat(encoder.config().crop()).isEqualTo(EncoderConfig.CROP_DLIB_CHIP);
        assertThat(encoder.config().inputSize()).isEqualTo(150);
        assertThat(encoder.config().tappedLayers()).containsExactly(1, 2, 3, 4, 5);
        byte[] projector = Files.readAllBytes(bundle.resolve("projection.safetensors"));
        Path again = BuiltInBundle.write(dir.resolve("again"), 2, 32);
        assertThat(Files.readAllBytes(again.resolve("projection.safetensors"))).as("the same on every start")
                .isEqualTo(projector);
    }

    @Test
    void itsBackboneIsDlibsNetworkAsFaceApiJsRunsIt() throws IOException {
        JsonNode goldens = new ObjectMapper().readTree(resource("golden_descriptors.json")).get("descriptors");
        float[] fc = DlibWeights.fromClasspath().get("fc").values();
        Preprocessor preprocessor = new Preprocessor(encoder.config());
        for (String name : concat(ASTRONAUT, HOPPER)) {
            float[][] pooled = encoder.backbone().run(preprocessor.apply(chip(name)));
            assertThat(pooled).hasNumberOfRows(5);
            for (int c = 32; c < 256; c++) {
                assertThat(pooled[0][c]).as("the first stage's 32 channels are widened with zeros").isZero();
            }
            // descriptor = pool_2 x fc [256, 128]: the last tap is the vector face-api.js's descriptor comes from.
            JsonNode golden = goldens.get(name);
            for (int j = 0; j < 128; j++) {
                double d = 0;
                for (int i = 0; i < 256; i++) {
                    d += pooled[4][i] * fc[i * 128 + j];
                }
                assertThat(d).as("%s descriptor[%d]", name, j).isCloseTo(golden.get(j).asDouble(), within(1e-4));
            }
        }
    }

    @Test
    void outOfTheBoxOnePersonsWordsAreNearerEachOtherThanAnotherPersons() throws IOException {
        Map<String, float[]> words = new LinkedHashMap<>();
        for (String name : concat(ASTRONAUT, HOPPER)) {
            words.put(name, encoder.encode(chip(name)).embedding());
        }
        double farthestSame = 0;
        double nearestOther = Double.MAX_VALUE;
        for (List<String> person : List.of(ASTRONAUT, HOPPER)) {
            for (String a : person) {
                for (String b : person) {
                    farthestSame = Math.max(farthestSame, distance(words.get(a), words.get(b)));
                }
                for (String b : person == ASTRONAUT ? HOPPER : ASTRONAUT) {
                    nearestOther = Math.min(nearestOther, distance(words.get(a), words.get(b)));
                }
            }
        }
        assertThat(farthestSame).isGreaterThan(0).isLessThan(nearestOther);
    }

    private static double distance(float[] a, float[] b) {
        double sum = 0;
        for (int i = 0; i < a.length; i++) {
            sum += (a[i] - b[i]) * (double) (a[i] - b[i]);
        }
        return Math.sqrt(sum);
    }

    private static RgbImage chip(String name) throws IOException {
        return SafeImageDecoder.decode(resource("chips/" + name + ".png"), ImageLimits.DEFAULT);
    }

    private static byte[] resource(String path) throws IOException {
        try (InputStream in = BuiltInBundleTest.class.getResourceAsStream("/face-recognition/" + path)) {
            return in.readAllBytes();
        }
    }

    private static List<String> concat(List<String> a, List<String> b) {
        List<String> all = new ArrayList<>(a);
        all.addAll(b);
        return all;
    }
}

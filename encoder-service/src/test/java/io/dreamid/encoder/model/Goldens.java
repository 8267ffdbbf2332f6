package io.dreamid.encoder.model;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.dreamid.common.image.ImageLimits;
import io.dreamid.common.image.RgbImage;
import io.dreamid.common.image.SafeImageDecoder;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/**
 * A folder of golden crops and {@code goldens.json} (the torch model's float64 outputs for them, written by
 * {@code tools/encoder/make_bundle.py} or {@code export_face_vit.py}), and the element-wise comparisons the golden
 * tests make. The comparisons return the largest absolute difference they saw, so tests can report it.
 */
final class Goldens {
    static final double TOLERANCE = 1e-4;

    private final Path dir;
    private final JsonNode root;

    private Goldens(Path dir, JsonNode root) {
        this.dir = dir;
        this.root = root;
    }

    static Goldens read(Path dir) throws IOException {
        return new Goldens(dir, new ObjectMapper().readTree(dir.resolve("goldens.json").toFile()));
    }

    JsonNode root() {
        return root;
    }

    Iterable<JsonNode> cases() {
        return root.get("cases");
    }

    /** The case's crop, decoded by the production decoder, with its size checked against the golden. */
    RgbImage crop(JsonNode c) throws IOException {
        RgbImage crop = SafeImageDecoder.decode(Files.readAllBytes(dir.resolve(c.get("crop").asText())),
                ImageLimits.DEFAULT);
        assertThat(crop.width()).as("width of %s", c.get("crop").asText()).isEqualTo(c.get("width").asInt());
        assertThat(crop.height()).as("height of %s", c.get("crop").asText()).isEqualTo(c.get("height").asInt());
        return crop;
    }

    /** A K x width embedding (row-major, word k at k * width) against the golden's K rows. */
    static double assertEmbedding(float[] actual, JsonNode expected, int words, int width, String label) {
        assertThat(actual).as("%s embedding", label).hasSize(words * width);
        assertThat(expected).as("%s golden words", label).hasSize(words);
        double worst = 0;
        for (int k = 0; k < words; k++) {
            assertThat(expected.get(k)).as("%s golden word %d", label, k).hasSize(width);
            for (int d = 0; d < width; d++) {
                double want = expected.get(k).get(d).asDouble();
                assertThat((double) actual[k * width + d]).as("%s word %d dim %d", label, k, d)
                        .isCloseTo(want, within(TOLERANCE));
                worst = Math.max(worst, Math.abs(actual[k * width + d] - want));
            }
        }
        return worst;
    }

    /** Pooled backbone features, one vector per tapped layer, against the golden's. */
    static double assertPooled(float[][] actual, JsonNode expected, String label) {
        assertThat(actual.length).as("%s taps", label).isEqualTo(expected.size());
        double worst = 0;
        for (int l = 0; l < actual.length; l++) {
            assertThat(actual[l]).as("%s tap %d", label, l).hasSize(expected.get(l).size());
            for (int d = 0; d < actual[l].length; d++) {
                double want = expected.get(l).get(d).asDouble();
                assertThat((double) actual[l][d]).as("%s tap %d dim %d", label, l, d)
                        .isCloseTo(want, within(TOLERANCE));
                worst = Math.max(worst, Math.abs(actual[l][d] - want));
            }
        }
        return worst;
    }
}

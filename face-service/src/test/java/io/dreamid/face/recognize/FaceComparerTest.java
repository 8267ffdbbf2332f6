package io.dreamid.face.recognize;

import io.dreamid.common.image.ImageLimits;
import io.dreamid.common.messages.FaceChoice;
import io.dreamid.face.detect.DetectorPolicy;
import io.dreamid.face.detect.TestImages;
import io.dreamid.face.detect.TestModels;
import io.dreamid.face.pipeline.FacePipeline;
import org.junit.jupiter.api.Test;

import java.awt.image.BufferedImage;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Issue 14's acceptance on the comparison itself: every variant of each portrait a user might send is the same
 * person as its original, and no astronaut variant is the same person as a Grace Hopper variant. Prints the
 * distance distributions the README reports.
 */
class FaceComparerTest {
    private static final FacePipeline PIPELINE = new FacePipeline(TestModels.detector(), ImageLimits.DEFAULT);
    private static final FaceComparer COMPARER = new FaceComparer(PIPELINE, TestRecognizer.get());

    @Test
    void variantsMatchTheirOriginalAndNeverTheOtherPerson() {
        Map<String, FaceEmbedding> astronaut = embeddings(TestImages.ASTRONAUT);
        Map<String, FaceEmbedding> hopper = embeddings(TestImages.HOPPER);

        List<Double> same = new ArrayList<>();
        for (Map<String, FaceEmbedding> person : List.of(astronaut, hopper)) {
            FaceEmbedding original = person.get("original");
            person.forEach((name, e) -> {
                if (!name.equals("original")) {
                    double d = original.distanceTo(e);
                    same.add(d);
                    System.out.printf("same person   %-14s %.3f%n", name, d);
                    assertThat(FaceComparer.Comparison.of(d).samePerson()).as(name + " distance " + d).isTrue();
                }
            });
        }
        List<Double> different = new ArrayList<>();
        astronaut.forEach((na, ea) -> hopper.forEach((nh, eh) -> {
            double d = ea.distanceTo(eh);
            different.add(d);
            if (d < 0.63) {
                System.out.printf("different     %-14s vs %-14s %.3f%n", na, nh, d);
            }
            assertThat(FaceComparer.Comparison.of(d).samePerson()).as(na + " vs " + nh + " distance " + d).isFalse();
        }));
        System.out.println("same person (" + same.size() + " variants vs original): " + summary(same));
        System.out.println("astronaut vs Grace Hopper (" + different.size() + " pairs): " + summary(different));
    }

    @Test
    void samePictureIsDistanceZero() {
        byte[] photo = TestImages.bytes(TestImages.HOPPER);
        FaceComparer.Comparison c = COMPARER.compare(photo, photo, FaceChoice.parse(null), DetectorPolicy.AUTO);
        assertThat(c.distance()).isLessThan(1e-6);
        assertThat(c.similarity()).isCloseTo(1.0, org.assertj.core.data.Offset.offset(1e-6));
        assertThat(c.samePerson()).isTrue();
        assertThat(c.threshold()).isEqualTo(0.6);
    }

    private static Map<String, FaceEmbedding> embeddings(String photo) {
        BufferedImage image = TestImages.image(photo);
        Map<String, FaceEmbedding> out = new LinkedHashMap<>();
        for (Map.Entry<String, Function<BufferedImage, byte[]>> v : CompareVariants.of(photo).entrySet()) {
            out.put(v.getKey(), COMPARER.embed("a", v.getValue().apply(image), FaceChoice.parse(null),
                    DetectorPolicy.AUTO));
        }
        return out;
    }

    private static String summary(List<Double> values) {
        List<Double> s = new ArrayList<>(values);
        s.sort(null);
        return String.format("min %.3f, median %.3f, max %.3f", s.get(0), s.get(s.size() / 2), s.get(s.size() - 1));
    }
}

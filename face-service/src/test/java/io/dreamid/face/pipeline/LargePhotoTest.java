package io.dreamid.face.pipeline;

import io.dreamid.common.image.ImageLimits;
import io.dreamid.common.messages.FaceChoice;
import io.dreamid.face.detect.DetectorPolicy;
import io.dreamid.face.detect.TestImages;
import io.dreamid.face.detect.TestModels;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.awt.image.BufferedImage;
import java.util.LinkedHashMap;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * A photo larger than the decode budget is decoded with every n-th pixel, and what the service reports is still in
 * the photo's own pixels: the same face, keypoints and alignment as a decode of every pixel finds (the reference).
 */
class LargePhotoTest {
    /** Grace Hopper three times over: 1536 x 1800, 2.8 megapixels, a face about 290 px wide. */
    private static final double SCALE = 3.0;

    @ParameterizedTest(name = "EXIF orientation {0}")
    @ValueSource(ints = {1, 6})
    void aSampledPhotoIsReportedInItsOwnPixels(int orientation) {
        BufferedImage big = TestImages.scaled(TestImages.image(TestImages.HOPPER), SCALE);
        byte[] bytes = orientation == 6 ? TestImages.jpegWithExifOrientation6(big) : TestImages.jpeg(big);

        FacePipeline whole = new FacePipeline(TestModels.detector(), ImageLimits.DEFAULT, 8_000_000);
        FacePipeline budget = new FacePipeline(TestModels.detector(), ImageLimits.DEFAULT, 1_000_000);
        FaceRecord reference = analyse(whole, bytes).record();
        FaceAnalysis sampled = analyse(budget, bytes);
        FaceRecord record = sampled.record();

        assertThat(sampled.detections().faces()).hasSize(1);
        assertThat(record.image()).isEqualTo(new FaceRecord.ImageSize(big.getWidth(), big.getHeight()))
                .isEqualTo(reference.image());
        assertThat(sampled.width()).isEqualTo(big.getWidth());
        double faceWidth = reference.chosen().box().width();
        assertThat(faceWidth).isGreaterThan(200);
        assertThat(Math.abs(record.chosen().box().left() - reference.chosen().box().left()))
                .as("box left, photo px").isLessThan(0.03 * faceWidth);
        assertThat(Math.abs(record.chosen().box().width() - faceWidth)).as("box width, photo px")
                .isLessThan(0.03 * faceWidth);
        for (int i = 0; i < reference.chosen().keypoints().size(); i++) {
            FaceRecord.Keypoint expected = reference.chosen().keypoints().get(i);
            FaceRecord.Keypoint actual = record.chosen().keypoints().get(i);
            assertThat(Math.hypot(actual.x() - expected.x(), actual.y() - expected.y()))
                    .as("%s, photo px", expected.name()).isLessThan(0.03 * faceWidth);
            // Both transforms take a photo point to (nearly) the same crop point.
            double[] viaSampled = apply(record.transform().matrix(), expected.x(), expected.y());
            double[] viaWhole = apply(reference.transform().matrix(), expected.x(), expected.y());
            assertThat(Math.hypot(viaSampled[0] - viaWhole[0], viaSampled[1] - viaWhole[1]))
                    .as("%s in the crop, crop px", expected.name()).isLessThan(2.0);
        }
        assertThat(record.transform().scale()).isCloseTo(reference.transform().scale(),
                org.assertj.core.data.Percentage.withPercentage(3));
    }

    @Test
    void noFaceNamesThePhotosOwnSize() {
        BufferedImage blank = new BufferedImage(1500, 1000, BufferedImage.TYPE_3BYTE_BGR);
        FacePipeline budget = new FacePipeline(TestModels.detector(), ImageLimits.DEFAULT, 1_000_000);

        assertThatThrownBy(() -> analyse(budget, TestImages.png(blank)))
                .isInstanceOf(FaceFailure.class)
                .hasMessageContaining("no face found in the 1500x1000 photo");
    }

    @Test
    void aBudgetBelowOneMegapixelIsRefused() {
        assertThatThrownBy(() -> new FacePipeline(TestModels.detector(), ImageLimits.DEFAULT, 999_999))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("dreamid.face.max-decoded-pixels");
    }

    private static FaceAnalysis analyse(FacePipeline pipeline, byte[] bytes) {
        return pipeline.analyse(bytes, FaceChoice.FAIL_IF_SEVERAL, DetectorPolicy.AUTO, 112, new LinkedHashMap<>());
    }

    private static double[] apply(double[][] m, double x, double y) {
        return new double[] {m[0][0] * x + m[0][1] * y + m[0][2], m[1][0] * x + m[1][1] * y + m[1][2]};
    }
}

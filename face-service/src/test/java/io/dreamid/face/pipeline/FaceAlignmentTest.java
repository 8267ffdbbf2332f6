package io.dreamid.face.pipeline;

import io.dreamid.common.image.ImageLimits;
import io.dreamid.common.image.RgbImage;
import io.dreamid.common.image.SafeImageDecoder;
import io.dreamid.common.messages.ErrorCodes;
import io.dreamid.common.messages.FaceChoice;
import io.dreamid.face.align.Affine;
import io.dreamid.face.align.FaceAligner;
import io.dreamid.face.align.Warp;
import io.dreamid.face.detect.BlazeFaceVariant;
import io.dreamid.face.detect.Detection;
import io.dreamid.face.detect.DetectionResult;
import io.dreamid.face.detect.DetectorPolicy;
import io.dreamid.face.detect.FaceDetector;
import io.dreamid.face.detect.Landmark;
import io.dreamid.face.detect.TestImages;
import io.dreamid.face.detect.TestModels;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.function.Function;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The acceptance of issue 6 on the two public-domain portraits and variants made from them: one face each, an
 * upright aligned crop, and all six keypoints found again on the crop where the alignment put them.
 *
 * <p><b>"Padded if the detector needs context".</b> BlazeFace's short-range model needs it: it was trained on whole
 * selfie frames, where a face has its head, hair and neck around it, and it places the ears from the outline of the
 * head. The tight ArcFace crop cuts that outline off a few pixels beyond the ears, so the crop is padded. The
 * padding is the photo's own surroundings: the photo read through the very transform that made the crop, over a
 * canvas {@link #PAD} pixels larger on each side ({@link FaceAligner#withContext}); the canvas's centre is the crop
 * pixel for pixel (asserted below), so detecting on it is detecting on the aligned crop, seen with the context a
 * detector needs. A black border is not the crop's context but a new picture, a face cut off at the ears, which the
 * model never saw in training: on it the ears come out up to about 3.5 px off (eyes, nose and mouth, which lie well
 * inside the crop, are not affected much); see the face-service README, "Refinement noise".
 *
 * <p>What the check then shows is the point of the refinement: the alignment is a fixed point of the detector. The
 * detection again is the service's whole detection run anew (a whole-canvas pass and its own refinement from the
 * canvas's coarse keypoints), on pixels that went through one more bilinear resampling than the service's own
 * close-ups; it agrees with the keypoints the alignment used, mapped into the crop, within 2 px of the 112 crop.
 */
class FaceAlignmentTest {
    /** Eye line of the aligned crop, degrees from level. */
    static final double MAX_ROLL = 3.0;
    /** Re-detected keypoints vs mapped ones, in pixels of the 112 crop. */
    static final double MAX_KEYPOINT_DISTANCE = 2.0;
    /** Context around the crop when detecting again: half a crop on each side. */
    static final int PAD = 56;

    static FacePipeline pipeline;
    static FaceDetector detector;

    @BeforeAll
    static void load() {
        detector = TestModels.detector();
        pipeline = new FacePipeline(detector, ImageLimits.DEFAULT);
    }

    static Stream<Arguments> variants() {
        List<Arguments> all = new ArrayList<>();
        for (String photo : List.of(TestImages.ASTRONAUT, TestImages.HOPPER)) {
            TestImages.acceptanceVariants(photo).forEach((name, make) -> all.add(Arguments.of(photo.substring(photo.lastIndexOf('/') + 1), name, make)));
        }
        return all.stream();
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("variants")
    void findsOneFaceAndAlignsItUpright(String photo, String variant, Function<BufferedImage, byte[]> make) {
        byte[] bytes = make.apply(TestImages.image("/faces/" + photo));

        FaceAnalysis analysis = pipeline.analyse(bytes, FaceChoice.FAIL_IF_SEVERAL, DetectorPolicy.AUTO, 112,
                new LinkedHashMap<>());

        assertThat(analysis.detections().faces()).hasSize(1);
        assertThat(analysis.aligned().crop().width()).isEqualTo(112);

        Detection again = detectOnCropWithContext(bytes, analysis);
        Detection mapped = analysis.chosen().mapped(analysis.aligned().photoToCrop());
        assertThat(Math.abs(again.rollDegrees())).as("eye line of the aligned crop, degrees").isLessThan(MAX_ROLL);
        for (Landmark l : Landmark.values()) {
            double distance = Math.hypot(again.x(l) - mapped.x(l), again.y(l) - mapped.y(l));
            assertThat(distance).as("%s found again on the crop vs mapped through the transform, px", l)
                    .isLessThan(MAX_KEYPOINT_DISTANCE);
        }
    }

    @Test
    void exifOrientationIsAppliedBeforeDetection() {
        BufferedImage upright = TestImages.image(TestImages.HOPPER);
        FaceAnalysis analysis = pipeline.analyse(TestImages.jpegWithExifOrientation6(upright), FaceChoice.LARGEST,
                DetectorPolicy.AUTO, 112, new LinkedHashMap<>());
        // Stored sideways, shown upright: the decoded photo is as tall as the original and the face upright.
        assertThat(analysis.width()).isEqualTo(upright.getWidth());
        assertThat(analysis.height()).isEqualTo(upright.getHeight());
        assertThat(Math.abs(analysis.chosen().rollDegrees())).isLessThan(15);
    }

    @ParameterizedTest(name = "rotated {0}")
    @ValueSource(ints = {-40, 90, 150, 180})
    void facesTurnedFarBeyondThirtyDegreesAreFoundAndTurnedUpright(int degrees) {
        byte[] bytes = TestImages.png(TestImages.rotated(TestImages.image(TestImages.HOPPER), degrees));
        FaceAnalysis analysis = pipeline.analyse(bytes, FaceChoice.FAIL_IF_SEVERAL, DetectorPolicy.AUTO, 112,
                new LinkedHashMap<>());
        double upright = TestImages.uprightRoll(analysis.chosen().rollDegrees(), degrees);
        assertThat(Math.abs(upright)).as("eye line after undoing the rotation, degrees").isLessThan(10);
        Detection again = detectOnCropWithContext(bytes, analysis);
        assertThat(Math.abs(again.rollDegrees())).as("eye line of the aligned crop, degrees").isLessThan(MAX_ROLL);
    }

    static Stream<Arguments> fullCircle() {
        List<Arguments> all = new ArrayList<>();
        for (String photo : List.of(TestImages.ASTRONAUT, TestImages.HOPPER)) {
            for (int degrees = -160; degrees <= 180; degrees += 20) {
                all.add(Arguments.of(photo.substring(photo.lastIndexOf('/') + 1), degrees));
            }
        }
        return all.stream();
    }

    /**
     * Phones deliver photos at any roll. Every 20 degrees over the full circle, both portraits give exactly one face
     * (face-like patterns of a rotated suit are not counted, see FaceDetector#detect) and it is aligned upright.
     * Before candidates were verified on their close-ups, the astronaut came out wrong at -160, -140, -120, -100,
     * -80 and 160 degrees: the suit's folds were found as larger "faces", or (at -160) her face not at all.
     */
    @ParameterizedTest(name = "{0} rotated {1}")
    @MethodSource("fullCircle")
    void photosTurnedAnyWayRoundGiveTheirOneFaceUpright(String photo, int degrees) {
        byte[] bytes = TestImages.png(TestImages.rotated(TestImages.image("/faces/" + photo), degrees));
        FaceAnalysis analysis = pipeline.analyse(bytes, FaceChoice.FAIL_IF_SEVERAL, DetectorPolicy.AUTO, 112,
                new LinkedHashMap<>());
        double upright = TestImages.uprightRoll(analysis.chosen().rollDegrees(), degrees);
        // Both portraits' eye lines are 2-3 degrees from level when upright; the rotation must not add to that.
        assertThat(Math.abs(upright)).as("eye line after undoing the rotation, degrees").isLessThan(MAX_ROLL + 1);
    }

    @Test
    void astronautMatchesTheKnownDetection() {
        FaceAnalysis analysis = pipeline.analyse(TestImages.bytes(TestImages.ASTRONAUT), FaceChoice.LARGEST,
                DetectorPolicy.FRONT, 112, new LinkedHashMap<>());
        // Known facts of the 128 model on this photo (testdata PROVENANCE.md): score ~0.92, box centre ~(225,127),
        // size ~93 px, right eye ~(205,100), nose tip ~(224,124).
        Detection face = analysis.detections().faces().get(0);
        assertThat(face.score()).isBetween(0.90, 0.94);
        assertThat(face.box().centerX()).isBetween(220.0, 230.0);
        assertThat(face.box().centerY()).isBetween(122.0, 132.0);
        assertThat(face.box().width()).isBetween(88.0, 98.0);
        assertThat(face.x(Landmark.RIGHT_EYE)).isBetween(200.0, 210.0);
        assertThat(face.y(Landmark.NOSE_TIP)).isBetween(119.0, 129.0);
    }

    @Test
    void theBackModelFindsTheSameFace() {
        byte[] bytes = TestImages.bytes(TestImages.HOPPER);
        FaceAnalysis front = pipeline.analyse(bytes, FaceChoice.LARGEST, DetectorPolicy.FRONT, 112,
                new LinkedHashMap<>());
        FaceAnalysis back = pipeline.analyse(bytes, FaceChoice.LARGEST, DetectorPolicy.BACK, 112,
                new LinkedHashMap<>());
        assertThat(back.detections().model()).isEqualTo(BlazeFaceVariant.BACK);
        assertThat(back.detections().faces()).hasSize(1);
        Detection f = front.detections().faces().get(0);
        Detection b = back.detections().faces().get(0);
        assertThat(Math.hypot(b.box().centerX() - f.box().centerX(), b.box().centerY() - f.box().centerY()))
                .as("box centres of the two models, px").isLessThan(0.1 * f.box().width());
    }

    @Test
    void aSmallFaceInALargePhotoFallsBackToTheBackModel() {
        // The astronaut at half size in a 1000 px black photo: her face is ~50 px, about 6 px of the 128 model's
        // input (too small for it) and 13 px of the 256 model's.
        BufferedImage small = TestImages.scaled(TestImages.image(TestImages.ASTRONAUT), 0.5);
        BufferedImage canvas = new BufferedImage(1000, 1000, BufferedImage.TYPE_3BYTE_BGR);
        Graphics2D g = canvas.createGraphics();
        g.drawImage(small, 200, 300, null);
        g.dispose();
        FaceAnalysis analysis = pipeline.analyse(TestImages.png(canvas), FaceChoice.LARGEST, DetectorPolicy.AUTO,
                112, new LinkedHashMap<>());
        assertThat(analysis.detections().model()).isEqualTo(BlazeFaceVariant.BACK);
        assertThat(analysis.detections().faces()).hasSize(1);
        // Known face centre in the original, ~(225, 127), halved and moved by (200, 300).
        Detection face = analysis.detections().faces().get(0);
        assertThat(face.box().centerX()).isBetween(307.0, 318.0);
        assertThat(face.box().centerY()).isBetween(358.0, 369.0);
    }

    @Test
    void cropOf224IsTheSameAlignmentAtTwiceTheScale() {
        byte[] bytes = TestImages.bytes(TestImages.HOPPER);
        FaceAnalysis small = pipeline.analyse(bytes, FaceChoice.LARGEST, DetectorPolicy.AUTO, 112,
                new LinkedHashMap<>());
        FaceAnalysis large = pipeline.analyse(bytes, FaceChoice.LARGEST, DetectorPolicy.AUTO, 224,
                new LinkedHashMap<>());
        assertThat(large.aligned().crop().width()).isEqualTo(224);
        assertThat(large.aligned().photoToCrop().scale() / small.aligned().photoToCrop().scale())
                .isBetween(1.999, 2.001);
    }

    @Test
    void photoWithoutAFaceFailsWithNoFace() {
        // The lower right of the astronaut portrait: suit, flag and background, no face.
        BufferedImage noFace = TestImages.cropped(TestImages.image(TestImages.ASTRONAUT), 300, 300, 200, 200);
        assertThatThrownBy(() -> pipeline.analyse(TestImages.png(noFace), FaceChoice.LARGEST, DetectorPolicy.AUTO,
                112, new LinkedHashMap<>()))
                .isInstanceOfSatisfying(FaceFailure.class, e -> assertThat(e.code()).isEqualTo(ErrorCodes.NO_FACE))
                .hasMessageContaining("no face");
    }

    @Test
    void twoFacesGiveTheLargerByDefaultAndFailIfSeveralWhenAsked() {
        // Astronaut at full height on the left (face ~93 px), Hopper at a third of her height on the right.
        BufferedImage two = TestImages.sideBySide(TestImages.image(TestImages.ASTRONAUT), 512,
                TestImages.image(TestImages.HOPPER), 240);
        byte[] bytes = TestImages.png(two);

        FaceAnalysis analysis = pipeline.analyse(bytes, FaceChoice.LARGEST, DetectorPolicy.AUTO, 112,
                new LinkedHashMap<>());
        assertThat(analysis.detections().faces()).hasSize(2);
        assertThat(analysis.chosen().box().centerX()).as("the astronaut's face, on the left").isLessThan(512);

        FaceAnalysis right = pipeline.analyse(bytes, FaceChoice.parse("index:1"), DetectorPolicy.AUTO, 112,
                new LinkedHashMap<>());
        assertThat(right.chosen().box().centerX()).as("Hopper's face, on the right").isGreaterThan(512);

        assertThatThrownBy(() -> pipeline.analyse(bytes, FaceChoice.FAIL_IF_SEVERAL, DetectorPolicy.AUTO, 112,
                new LinkedHashMap<>()))
                .isInstanceOfSatisfying(FaceFailure.class,
                        e -> assertThat(e.code()).isEqualTo(ErrorCodes.SEVERAL_FACES))
                .hasMessageContaining("found 2 faces");
        assertThatThrownBy(() -> pipeline.analyse(bytes, FaceChoice.parse("index:2"), DetectorPolicy.AUTO, 112,
                new LinkedHashMap<>()))
                .isInstanceOfSatisfying(FaceFailure.class,
                        e -> assertThat(e.code()).isEqualTo(ErrorCodes.FACE_INDEX_OUT_OF_RANGE));
    }

    @Test
    void aJpegWithoutItsEndMarkerFailsWithBadImageAsAnUploadWould() {
        byte[] photo = TestImages.bytes(TestImages.HOPPER);
        byte[] withoutEnd = java.util.Arrays.copyOf(photo, photo.length - 2);
        assertThatThrownBy(() -> pipeline.analyse(withoutEnd, FaceChoice.LARGEST, DetectorPolicy.AUTO, 112,
                new LinkedHashMap<>()))
                .isInstanceOfSatisfying(FaceFailure.class, e -> assertThat(e.code()).isEqualTo(ErrorCodes.BAD_IMAGE))
                .hasMessageContaining("no end-of-image marker");
    }

    @Test
    void undecodableBytesFailWithBadImage() {
        assertThatThrownBy(() -> pipeline.analyse("not an image".getBytes(), FaceChoice.LARGEST, DetectorPolicy.AUTO,
                112, new LinkedHashMap<>()))
                .isInstanceOfSatisfying(FaceFailure.class, e -> assertThat(e.code()).isEqualTo(ErrorCodes.BAD_IMAGE));
    }

    /**
     * Detects again on the aligned crop with {@link #PAD} pixels of the photo around it, in crop pixels. The
     * canvas may show other faces of the photo, so the face taken is the one nearest its centre, where the crop's
     * face is.
     */
    private static Detection detectOnCropWithContext(byte[] bytes, FaceAnalysis analysis) {
        Warp photo = new Warp(SafeImageDecoder.decode(bytes, ImageLimits.DEFAULT));
        RgbImage canvas = FaceAligner.withContext(photo, analysis.aligned().photoToCrop(), 112, PAD);
        RgbImage crop = analysis.aligned().crop();
        for (int y = 0; y < crop.height(); y++) {
            byte[] row = Arrays.copyOfRange(crop.rgb(), y * crop.width() * 3, (y + 1) * crop.width() * 3);
            int from = ((y + PAD) * canvas.width() + PAD) * 3;
            assertThat(Arrays.copyOfRange(canvas.rgb(), from, from + row.length))
                    .as("row %d of the canvas's centre is the crop's", y).isEqualTo(row);
        }
        Warp warp = new Warp(canvas);
        DetectionResult found = detector.detect(warp, DetectorPolicy.AUTO);
        double centre = canvas.width() / 2.0;
        Detection face = found.refined().stream()
                .min(Comparator.comparingDouble(d -> Math.hypot(d.box().centerX() - centre,
                        d.box().centerY() - centre)))
                .orElseThrow(() -> new AssertionError("no face found again on the aligned crop"));
        return face.mapped(new Affine(1, 0, -PAD, 0, 1, -PAD));
    }
}

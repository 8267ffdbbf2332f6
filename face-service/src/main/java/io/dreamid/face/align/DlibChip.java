package io.dreamid.face.align;

import io.dreamid.common.image.RgbImage;
import io.dreamid.face.detect.Detection;

/**
 * Aligns a face onto the 150x150 chip dlib's face recognition network was trained on: dlib's
 * {@code get_face_chip_details(shape, 150, 0.25)} places its 68-point mean face ({@code mean_face_shape_x/y} of
 * dlib's {@code image_transforms/interpolation.h}) at {@code (0.25 + m) / 1.5 * 150}. BlazeFace gives four of the
 * points that mean face defines, so the template is the mean face's
 * <ul>
 *   <li>eye centres: the mean of each eye's six contour points (landmarks 36-41 and 42-47):
 *       (0.225492, 0.215990) and (0.754761, 0.215990);</li>
 *   <li>nose tip: landmark 30, (0.490127, 0.515625);</li>
 *   <li>mouth centre: the mean of the eight inner-lip points (60-67), (0.490127, 0.799073);</li>
 * </ul>
 * which in chip pixels (dlib's index convention) is right eye (47.55, 46.60), left eye (100.48, 46.60), nose tip
 * (74.01, 76.56), mouth centre (74.01, 104.91). The same least-squares similarity as {@link FaceAligner}, bilinear
 * sampling, black outside the photo.
 */
public final class DlibChip {
    public static final int SIZE = 150;
    private static final double PADDING = 0.25;
    /** Mean-face coordinates (0-1) of the subject's right eye, left eye, nose tip and mouth centre. */
    static final double[] MEAN_FACE = {
        0.225492, 0.215990,
        0.754761, 0.215990,
        0.490127, 0.515625,
        0.490127, 0.799073,
    };

    private DlibChip() {
    }

    /** The template in continuous chip coordinates (pixel i covers [i, i+1)). */
    public static double[] template() {
        double[] t = new double[MEAN_FACE.length];
        for (int i = 0; i < t.length; i++) {
            t[i] = (PADDING + MEAN_FACE[i]) / (2 * PADDING + 1) * SIZE + 0.5;
        }
        return t;
    }

    public static FaceAligner.AlignedFace align(Warp photo, Detection face) {
        double[] src = FaceAligner.alignmentPoints(face);
        double[] dst = template();
        Affine photoToChip = SimilarityTransform.estimate(src, dst);
        RgbImage chip = photo.toImage(photoToChip.inverse(), SIZE, SIZE);
        return new FaceAligner.AlignedFace(chip, photoToChip, SimilarityTransform.rmsError(photoToChip, src, dst));
    }
}

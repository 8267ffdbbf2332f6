package io.dreamid.face.align;

import io.dreamid.common.image.RgbImage;
import io.dreamid.face.detect.Detection;
import io.dreamid.face.detect.Landmark;

/**
 * Aligns a face onto the ArcFace template: the least-squares similarity that maps the eyes, the nose tip and the
 * mouth centre onto the template's eyes, nose tip and mean of its two mouth corners, then bilinear sampling of
 * the crop through its inverse. Parts of the crop that fall outside the photo are black.
 */
public final class FaceAligner {
    /** Size of the ArcFace template's own crop. */
    public static final int REFERENCE_SIZE = 112;
    /** Crop sizes the encoder accepts. */
    public static final int[] SUPPORTED_SIZES = {112, 224};

    /** ArcFace 112x112 template (insightface), in its pixel-index convention (pixel i centred at i). */
    static final double[] ARCFACE_112 = {
        38.2946, 51.6963, // subject's right eye
        73.5318, 51.5014, // subject's left eye
        56.0252, 71.7366, // nose tip
        (41.5493 + 70.7299) / 2, (92.3655 + 92.2041) / 2, // mean of the mouth corners
    };

    private FaceAligner() {
    }

    /** The four template points for a crop of {@code size} pixels, in continuous coordinates. */
    public static double[] template(int size) {
        requireSupported(size);
        double k = size / 112.0;
        double[] t = new double[ARCFACE_112.length];
        for (int i = 0; i < t.length; i++) {
            // Scaled in the index convention, then shifted half a pixel to where that pixel's centre lies here.
            t[i] = ARCFACE_112[i] * k + 0.5;
        }
        return t;
    }

    /** The four detected points that are matched to the template. */
    public static double[] alignmentPoints(Detection face) {
        return new double[] {
            face.x(Landmark.RIGHT_EYE), face.y(Landmark.RIGHT_EYE),
            face.x(Landmark.LEFT_EYE), face.y(Landmark.LEFT_EYE),
            face.x(Landmark.NOSE_TIP), face.y(Landmark.NOSE_TIP),
            face.x(Landmark.MOUTH_CENTER), face.y(Landmark.MOUTH_CENTER),
        };
    }

    public static AlignedFace align(Warp photo, Detection face, int size) {
        double[] src = alignmentPoints(face);
        double[] dst = template(size);
        Affine photoToCrop = SimilarityTransform.estimate(src, dst);
        RgbImage crop = photo.toImage(photoToCrop.inverse(), size, size);
        return new AlignedFace(crop, photoToCrop, SimilarityTransform.rmsError(photoToCrop, src, dst));
    }

    /**
     * The aligned crop with {@code margin} pixels of the photo's own surroundings on each side: the photo read
     * through the same photo-to-crop transform into a canvas of {@code size + 2 * margin} pixels, so that the
     * canvas's centre {@code size x size} pixels are the crop, pixel for pixel. This is the aligned face as a
     * detector wants to see it, with the head, hair and ears around it rather than a border; parts outside the
     * photo are black, as in the crop.
     */
    public static RgbImage withContext(Warp photo, Affine photoToCrop, int size, int margin) {
        if (margin < 0) {
            throw new IllegalArgumentException("margin must not be negative, got " + margin);
        }
        Affine canvasToCrop = new Affine(1, 0, -margin, 0, 1, -margin);
        return photo.toImage(photoToCrop.inverse().after(canvasToCrop), size + 2 * margin, size + 2 * margin);
    }

    public static void requireSupported(int size) {
        for (int s : SUPPORTED_SIZES) {
            if (s == size) {
                return;
            }
        }
        throw new IllegalArgumentException("crop size must be 112 or 224, got " + size);
    }

    /**
     * @param crop        the aligned face, {@code size x size}
     * @param photoToCrop maps photo pixels to crop pixels
     * @param rmsErrorPx  how far the four points land from the template, in crop pixels
     */
    public record AlignedFace(RgbImage crop, Affine photoToCrop, double rmsErrorPx) {
    }
}

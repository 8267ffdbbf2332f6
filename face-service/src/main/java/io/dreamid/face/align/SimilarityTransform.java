package io.dreamid.face.align;

/**
 * Least-squares similarity transform (rotation, uniform scale, translation; no reflection) between point sets:
 * Umeyama, "Least-squares estimation of transformation parameters between two point patterns", IEEE PAMI 1991.
 *
 * <p>In two dimensions Umeyama's SVD solution has a closed form: writing points as complex numbers, the best
 * map is {@code y = z*x + t} with {@code z = sum(conj(x_c) * y_c) / sum(|x_c|^2)} over the centred points, i.e.
 * {@code a = sum(x_c . y_c) / n2} and {@code b = sum(x_c cross y_c) / n2}; the rotation is proper by
 * construction, which is the case Umeyama's sign correction selects.
 */
public final class SimilarityTransform {

    private SimilarityTransform() {
    }

    /**
     * The similarity that maps {@code src[i]} closest to {@code dst[i]} in the least-squares sense.
     *
     * @param src points as {x0, y0, x1, y1, ...}
     * @param dst the same number of points
     */
    public static Affine estimate(double[] src, double[] dst) {
        if (src.length != dst.length || src.length < 4 || src.length % 2 != 0) {
            throw new IllegalArgumentException("need two equally long lists of at least 2 points, got "
                    + src.length / 2 + " and " + dst.length / 2);
        }
        int n = src.length / 2;
        double sx = 0;
        double sy = 0;
        double dx = 0;
        double dy = 0;
        for (int i = 0; i < n; i++) {
            sx += src[2 * i];
            sy += src[2 * i + 1];
            dx += dst[2 * i];
            dy += dst[2 * i + 1];
        }
        sx /= n;
        sy /= n;
        dx /= n;
        dy /= n;
        double dot = 0;
        double cross = 0;
        double norm = 0;
        for (int i = 0; i < n; i++) {
            double px = src[2 * i] - sx;
            double py = src[2 * i + 1] - sy;
            double qx = dst[2 * i] - dx;
            double qy = dst[2 * i + 1] - dy;
            dot += px * qx + py * qy;
            cross += px * qy - py * qx;
            norm += px * px + py * py;
        }
        if (norm < 1e-12) {
            throw new IllegalArgumentException("the source points coincide; no transform can be estimated");
        }
        double a = dot / norm;
        double b = cross / norm;
        return new Affine(a, -b, dx - (a * sx - b * sy), b, a, dy - (b * sx + a * sy));
    }

    /** Root-mean-square distance between {@code transform(src[i])} and {@code dst[i]}. */
    public static double rmsError(Affine transform, double[] src, double[] dst) {
        double sum = 0;
        int n = src.length / 2;
        for (int i = 0; i < n; i++) {
            double ex = transform.applyX(src[2 * i], src[2 * i + 1]) - dst[2 * i];
            double ey = transform.applyY(src[2 * i], src[2 * i + 1]) - dst[2 * i + 1];
            sum += ex * ex + ey * ey;
        }
        return Math.sqrt(sum / n);
    }
}

package io.dreamid.face.align;

/**
 * A 2-D affine map {@code x' = a*x + b*y + tx, y' = c*x + d*y + ty} between continuous pixel coordinates, where
 * pixel (i, j) covers [i, i+1) x [j, j+1) and has its centre at (i + 0.5, j + 0.5).
 */
public record Affine(double a, double b, double tx, double c, double d, double ty) {

    public static final Affine IDENTITY = new Affine(1, 0, 0, 0, 1, 0);

    public double applyX(double x, double y) {
        return a * x + b * y + tx;
    }

    public double applyY(double x, double y) {
        return c * x + d * y + ty;
    }

    /** {@code this} after {@code first}: maps p to this(first(p)). */
    public Affine after(Affine first) {
        return new Affine(
                a * first.a + b * first.c, a * first.b + b * first.d, a * first.tx + b * first.ty + tx,
                c * first.a + d * first.c, c * first.b + d * first.d, c * first.tx + d * first.ty + ty);
    }

    public Affine inverse() {
        double det = a * d - b * c;
        if (Math.abs(det) < 1e-12) {
            throw new IllegalStateException("affine map is singular (determinant " + det + ")");
        }
        double ia = d / det;
        double ib = -b / det;
        double ic = -c / det;
        double id = a / det;
        return new Affine(ia, ib, -(ia * tx + ib * ty), ic, id, -(ic * tx + id * ty));
    }

    /** The uniform scale of a similarity (geometric mean of the axes' scales for a general map). */
    public double scale() {
        return Math.sqrt(Math.abs(a * d - b * c));
    }

    /** Rotation angle in degrees, from the image of the x axis. */
    public double rotationDegrees() {
        return Math.toDegrees(Math.atan2(c, a));
    }

    /** Row-major 2x3 matrix, as stored in face records. */
    public double[][] matrix() {
        return new double[][] {{a, b, tx}, {c, d, ty}};
    }
}

package io.dreamid.face.detect;

/** An axis-aligned rectangle in continuous pixel coordinates. */
public record Box(double left, double top, double width, double height) {

    public static Box centered(double cx, double cy, double width, double height) {
        return new Box(cx - width / 2, cy - height / 2, width, height);
    }

    public double centerX() {
        return left + width / 2;
    }

    public double centerY() {
        return top + height / 2;
    }

    public double area() {
        return Math.max(0, width) * Math.max(0, height);
    }

    /** Intersection over union, 0 when the boxes do not overlap. */
    public double iou(Box other) {
        double ix = Math.min(left + width, other.left + other.width) - Math.max(left, other.left);
        double iy = Math.min(top + height, other.top + other.height) - Math.max(top, other.top);
        if (ix <= 0 || iy <= 0) {
            return 0;
        }
        double inter = ix * iy;
        double union = area() + other.area() - inter;
        return union <= 0 ? 0 : inter / union;
    }
}

package io.dreamid.common.image;

/**
 * EXIF orientation (TIFF tag 0x0112): how the stored pixels must be turned to be shown upright. Values 5..8 swap
 * width and height.
 */
final class Orientation {
    private Orientation() {
    }

    static boolean swapsAxes(int orientation) {
        return orientation >= 5 && orientation <= 8;
    }

    /** The stored image turned upright; orientation 1 (or an invalid value) returns it unchanged. */
    static RgbImage apply(RgbImage stored, int orientation) {
        if (orientation < 2 || orientation > 8) {
            return stored;
        }
        int w = stored.width();
        int h = stored.height();
        int outW = swapsAxes(orientation) ? h : w;
        int outH = swapsAxes(orientation) ? w : h;
        byte[] src = stored.rgb();
        byte[] dst = new byte[src.length];
        int o = 0;
        for (int y = 0; y < outH; y++) {
            for (int x = 0; x < outW; x++) {
                // (sx, sy): the stored pixel shown at (x, y)
                int sx;
                int sy;
                switch (orientation) {
                    case 2 -> { sx = w - 1 - x; sy = y; }             // mirrored left-right
                    case 3 -> { sx = w - 1 - x; sy = h - 1 - y; }     // turned 180
                    case 4 -> { sx = x; sy = h - 1 - y; }             // mirrored top-bottom
                    case 5 -> { sx = y; sy = x; }                     // transposed
                    case 6 -> { sx = y; sy = h - 1 - x; }             // shown turned 90 clockwise
                    case 7 -> { sx = w - 1 - y; sy = h - 1 - x; }     // transversed
                    default -> { sx = w - 1 - y; sy = x; }            // 8: shown turned 90 counter-clockwise
                }
                int s = (sy * w + sx) * 3;
                dst[o++] = src[s];
                dst[o++] = src[s + 1];
                dst[o++] = src[s + 2];
            }
        }
        return new RgbImage(outW, outH, dst);
    }
}

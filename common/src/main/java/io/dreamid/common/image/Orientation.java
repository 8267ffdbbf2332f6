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

    /**
     * The stored pixel shown at {@code (x, y)} of the upright image, for a stored image of {@code w x h}
     * (pixel indices).
     */
    static int[] storedIndex(int x, int y, int w, int h, int orientation) {
        return switch (orientation) {
            case 2 -> new int[] {w - 1 - x, y};
            case 3 -> new int[] {w - 1 - x, h - 1 - y};
            case 4 -> new int[] {x, h - 1 - y};
            case 5 -> new int[] {y, x};
            case 6 -> new int[] {y, h - 1 - x};
            case 7 -> new int[] {w - 1 - y, h - 1 - x};
            case 8 -> new int[] {w - 1 - y, x};
            default -> new int[] {x, y};
        };
    }

    /** Where the stored pixel {@code (sx, sy)} of a {@code w x h} stored image is shown upright (the inverse). */
    static int[] shownIndex(int sx, int sy, int w, int h, int orientation) {
        return switch (orientation) {
            case 2 -> new int[] {w - 1 - sx, sy};
            case 3 -> new int[] {w - 1 - sx, h - 1 - sy};
            case 4 -> new int[] {sx, h - 1 - sy};
            case 5 -> new int[] {sy, sx};
            case 6 -> new int[] {h - 1 - sy, sx};
            case 7 -> new int[] {h - 1 - sy, w - 1 - sx};
            case 8 -> new int[] {sy, w - 1 - sx};
            default -> new int[] {sx, sy};
        };
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

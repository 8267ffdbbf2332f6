package io.dreamid.common.image;

/**
 * What an uploaded image may be at most, checked before its pixels are decoded.
 *
 * @param maxBytes  size of the encoded file
 * @param maxWidth  width as displayed (after EXIF orientation)
 * @param maxHeight height as displayed (after EXIF orientation)
 * @param maxPixels width x height; bounds the memory a decode takes (about 4 bytes per pixel while decoding and
 *                  3 for the result)
 */
public record ImageLimits(long maxBytes, int maxWidth, int maxHeight, long maxPixels) {

    /** 20 MiB, 8192 x 8192, 40 megapixels: every phone photo fits, a decompression bomb does not. */
    public static final ImageLimits DEFAULT = new ImageLimits(20L * 1024 * 1024, 8192, 8192, 40_000_000L);

    public ImageLimits {
        if (maxBytes <= 0 || maxWidth <= 0 || maxHeight <= 0 || maxPixels <= 0) {
            throw new IllegalArgumentException("image limits must be positive, got maxBytes=" + maxBytes
                    + ", maxWidth=" + maxWidth + ", maxHeight=" + maxHeight + ", maxPixels=" + maxPixels);
        }
    }
}

package io.dreamid.common.image;

import java.awt.image.BufferedImage;
import java.awt.image.DataBufferByte;
import java.util.Arrays;

/**
 * An 8-bit sRGB image without alpha: the one pixel format every stage works on.
 *
 * @param rgb interleaved R, G, B bytes, row-major from the top-left pixel, {@code width * height * 3} long
 */
public record RgbImage(int width, int height, byte[] rgb) {

    public RgbImage {
        if (width <= 0 || height <= 0) {
            throw new IllegalArgumentException("image size must be positive, got " + width + "x" + height);
        }
        if (rgb == null || rgb.length != (long) width * height * 3) {
            throw new IllegalArgumentException("expected " + (long) width * height * 3 + " RGB bytes for " + width + "x"
                    + height + ", got " + (rgb == null ? "null" : rgb.length));
        }
    }

    /** The pixel at (x, y) as {@code 0xRRGGBB}. */
    public int rgbAt(int x, int y) {
        if (x < 0 || x >= width || y < 0 || y >= height) {
            throw new IndexOutOfBoundsException("pixel (" + x + ", " + y + ") is outside " + width + "x" + height);
        }
        int i = (y * width + x) * 3;
        return (rgb[i] & 0xFF) << 16 | (rgb[i + 1] & 0xFF) << 8 | rgb[i + 2] & 0xFF;
    }

    /** A copy as a {@link BufferedImage#TYPE_3BYTE_BGR} image (for drawing or ImageIO). */
    public BufferedImage toBufferedImage() {
        BufferedImage image = new BufferedImage(width, height, BufferedImage.TYPE_3BYTE_BGR);
        byte[] bgr = ((DataBufferByte) image.getRaster().getDataBuffer()).getData();
        for (int i = 0; i < rgb.length; i += 3) {
            bgr[i] = rgb[i + 2];
            bgr[i + 1] = rgb[i + 1];
            bgr[i + 2] = rgb[i];
        }
        return image;
    }

    /** Equal when size and every pixel are (a record's default would compare the arrays by identity). */
    @Override
    public boolean equals(Object other) {
        return other instanceof RgbImage o && width == o.width && height == o.height && Arrays.equals(rgb, o.rgb);
    }

    @Override
    public int hashCode() {
        return 31 * (31 * width + height) + Arrays.hashCode(rgb);
    }

    @Override
    public String toString() {
        return "RgbImage[" + width + "x" + height + "]";
    }

    /**
     * Any {@link BufferedImage} as 8-bit sRGB: other colour spaces are converted, grey samples are taken as
     * already gamma-encoded (as viewers show them), and transparent pixels are composited on white.
     */
    public static RgbImage fromBufferedImage(BufferedImage image) {
        return RgbConversion.toRgb(image);
    }
}

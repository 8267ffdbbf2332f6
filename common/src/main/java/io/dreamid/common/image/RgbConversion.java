package io.dreamid.common.image;

import java.awt.color.ColorSpace;
import java.awt.image.BufferedImage;
import java.awt.image.ColorConvertOp;
import java.awt.image.ColorModel;
import java.awt.image.ComponentColorModel;
import java.awt.image.ComponentSampleModel;
import java.awt.image.DataBufferByte;
import java.awt.image.Raster;

/** Any decoded image to 8-bit sRGB RGB, alpha composited on white. */
final class RgbConversion {
    /** Rows converted per ColorConvertOp call: bounds the temporary memory for large non-sRGB images. */
    private static final int STRIP_ROWS = 256;

    private RgbConversion() {
    }

    static RgbImage toRgb(BufferedImage image) {
        return toRgb(image, false);
    }

    /**
     * @param consume the image is not used afterwards: a plain B, G, R image (a decoded JPEG) is then turned into
     *                R, G, B in its own pixel array, without a second copy of the pixels
     */
    static RgbImage toRgb(BufferedImage image, boolean consume) {
        int width = image.getWidth();
        int height = image.getHeight();
        if (consume && isPlainBgr(image)) {
            byte[] pixels = ((DataBufferByte) image.getRaster().getDataBuffer()).getData();
            if (pixels.length == (long) width * height * 3) {
                swapRedAndBlue(pixels);
                return new RgbImage(width, height, pixels);
            }
        }
        byte[] out = new byte[Math.multiplyExact(Math.multiplyExact(width, height), 3)];
        ColorModel cm = image.getColorModel();
        ColorSpace cs = cm.getColorSpace();
        if (isPlainBgr(image)) {
            copyBgr(image, out);
        } else if (cs.getType() == ColorSpace.TYPE_GRAY && cm instanceof ComponentColorModel
                && !cm.isAlphaPremultiplied()) {
            copyGray(image, out);
        } else if (cs.isCS_sRGB()) {
            copyArgb(image, out);
        } else {
            convertToSrgb(image, out);
        }
        return new RgbImage(width, height, out);
    }

    /** The common case of a decoded JPEG: bytes already in B, G, R order with no padding. */
    private static boolean isPlainBgr(BufferedImage image) {
        if (image.getType() != BufferedImage.TYPE_3BYTE_BGR) {
            return false;
        }
        Raster raster = image.getRaster();
        return raster.getSampleModelTranslateX() == 0 && raster.getSampleModelTranslateY() == 0
                && raster.getSampleModel() instanceof ComponentSampleModel sm
                && sm.getPixelStride() == 3 && sm.getScanlineStride() == image.getWidth() * 3
                && raster.getDataBuffer().getOffset() == 0;
    }

    private static void copyBgr(BufferedImage image, byte[] out) {
        byte[] bgr = ((DataBufferByte) image.getRaster().getDataBuffer()).getData();
        for (int i = 0; i < out.length; i += 3) {
            out[i] = bgr[i + 2];
            out[i + 1] = bgr[i + 1];
            out[i + 2] = bgr[i];
        }
    }

    private static void swapRedAndBlue(byte[] pixels) {
        for (int i = 0; i < pixels.length; i += 3) {
            byte blue = pixels[i];
            pixels[i] = pixels[i + 2];
            pixels[i + 2] = blue;
        }
    }

    /**
     * Grey samples are copied (rescaled to 8 bits), not colour-managed: Java's grey colour space is linear, but the
     * samples of grey PNGs and JPEGs are gamma-encoded like sRGB, and viewers show them as such. Converting through
     * Java's colour model would brighten mid-greys (128 would become about 186).
     */
    private static void copyGray(BufferedImage image, byte[] out) {
        Raster raster = image.getRaster();
        ColorModel cm = image.getColorModel();
        int width = image.getWidth();
        int grayMax = (1 << cm.getComponentSize(0)) - 1;
        boolean alpha = cm.hasAlpha() && raster.getNumBands() > 1;
        int alphaMax = alpha ? (1 << cm.getComponentSize(1)) - 1 : 0;
        int[] gray = new int[width];
        int[] opacity = alpha ? new int[width] : null;
        int x0 = raster.getMinX();
        int y0 = raster.getMinY();
        for (int y = 0; y < image.getHeight(); y++) {
            raster.getSamples(x0, y0 + y, width, 1, 0, gray);
            if (alpha) {
                raster.getSamples(x0, y0 + y, width, 1, 1, opacity);
            }
            int o = y * width * 3;
            for (int x = 0; x < width; x++) {
                int v = scale(gray[x], grayMax);
                if (alpha) {
                    v = onWhite(v, scale(opacity[x], alphaMax));
                }
                out[o++] = (byte) v;
                out[o++] = (byte) v;
                out[o++] = (byte) v;
            }
        }
    }

    private static void copyArgb(BufferedImage image, byte[] out) {
        int width = image.getWidth();
        boolean alpha = image.getColorModel().hasAlpha();
        int[] row = new int[width];
        for (int y = 0; y < image.getHeight(); y++) {
            image.getRGB(0, y, width, 1, row, 0, width);
            putRow(row, width, alpha, out, y * width * 3);
        }
    }

    /** CMYK, YCCK left unconverted, ICC-profiled RGB: colour-managed to sRGB in strips of rows. */
    private static void convertToSrgb(BufferedImage image, byte[] out) {
        int width = image.getWidth();
        boolean alpha = image.getColorModel().hasAlpha();
        ColorConvertOp op = new ColorConvertOp(ColorSpace.getInstance(ColorSpace.CS_sRGB), null);
        int[] row = new int[width];
        for (int top = 0; top < image.getHeight(); top += STRIP_ROWS) {
            int rows = Math.min(STRIP_ROWS, image.getHeight() - top);
            BufferedImage strip = new BufferedImage(width, rows,
                    alpha ? BufferedImage.TYPE_INT_ARGB : BufferedImage.TYPE_INT_RGB);
            op.filter(image.getSubimage(0, top, width, rows), strip);
            for (int y = 0; y < rows; y++) {
                strip.getRGB(0, y, width, 1, row, 0, width);
                putRow(row, width, alpha, out, (top + y) * width * 3);
            }
        }
    }

    private static void putRow(int[] argb, int width, boolean alpha, byte[] out, int offset) {
        int o = offset;
        for (int x = 0; x < width; x++) {
            int p = argb[x];
            int r = p >> 16 & 0xFF;
            int g = p >> 8 & 0xFF;
            int b = p & 0xFF;
            if (alpha) {
                int a = p >>> 24;
                r = onWhite(r, a);
                g = onWhite(g, a);
                b = onWhite(b, a);
            }
            out[o++] = (byte) r;
            out[o++] = (byte) g;
            out[o++] = (byte) b;
        }
    }

    /** A sample of {@code bits} bits to 0..255, rounded. */
    private static int scale(int sample, int max) {
        return max == 255 ? sample : (int) ((sample * 255L + max / 2) / max);
    }

    /** Straight (not premultiplied) colour {@code c} with opacity {@code a} over white, both 0..255. */
    static int onWhite(int c, int a) {
        return a == 255 ? c : (c * a + 255 * (255 - a) + 127) / 255;
    }
}

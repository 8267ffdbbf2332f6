package io.dreamid.face.detect;

import io.dreamid.common.image.ImageLimits;
import io.dreamid.common.image.RgbImage;
import io.dreamid.common.image.SafeImageDecoder;

import javax.imageio.ImageIO;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.geom.AffineTransform;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Function;

/**
 * Test photos and their variants, made with Java2D (independent of the service's own warping code).
 */
public final class TestImages {
    public static final String ASTRONAUT = "/faces/astronaut.png";
    public static final String HOPPER = "/faces/grace_hopper.jpg";

    /**
     * The variants issue 6's acceptance names, by name: each makes the photo's bytes from the decoded portrait
     * ({@code photo} is its resource, for the untouched original and the EXIF variant).
     */
    public static Map<String, Function<BufferedImage, byte[]>> acceptanceVariants(String photo) {
        Map<String, Function<BufferedImage, byte[]>> v = new LinkedHashMap<>();
        v.put("original", i -> bytes(photo));
        v.put("rotated +30", i -> png(rotated(i, 30)));
        v.put("rotated -30", i -> png(rotated(i, -30)));
        v.put("scaled 0.3", i -> png(scaled(i, 0.3)));
        v.put("scaled 2.5", i -> jpeg(scaled(i, 2.5)));
        v.put("mirrored", i -> png(mirrored(i)));
        v.put("grayscale", i -> png(grayscale(i)));
        v.put("EXIF orientation 6", TestImages::jpegWithExifOrientation6);
        return v;
    }

    private TestImages() {
    }

    public static byte[] bytes(String resource) {
        try (InputStream in = TestImages.class.getResourceAsStream(resource)) {
            if (in == null) {
                throw new IllegalArgumentException("no test resource " + resource);
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static BufferedImage image(String resource) {
        return SafeImageDecoder.decode(bytes(resource), ImageLimits.DEFAULT).toBufferedImage();
    }

    public static RgbImage rgb(BufferedImage image) {
        return RgbImage.fromBufferedImage(image);
    }

    /** Rotated by {@code degrees} (clockwise on screen) on a canvas large enough to keep every pixel. */
    public static BufferedImage rotated(BufferedImage src, double degrees) {
        double r = Math.toRadians(degrees);
        double cos = Math.abs(Math.cos(r));
        double sin = Math.abs(Math.sin(r));
        int w = (int) Math.ceil(src.getWidth() * cos + src.getHeight() * sin - 1e-6);
        int h = (int) Math.ceil(src.getWidth() * sin + src.getHeight() * cos - 1e-6);
        BufferedImage out = new BufferedImage(w, h, BufferedImage.TYPE_3BYTE_BGR);
        Graphics2D g = out.createGraphics();
        g.setColor(Color.BLACK);
        g.fillRect(0, 0, w, h);
        g.setRenderingHint(RenderingHints.KEY_INTERPOLATION, RenderingHints.VALUE_INTERPOLATION_BILINEAR);
        AffineTransform t = new AffineTransform();
        t.translate(w / 2.0, h / 2.0);
        t.rotate(r);
        t.translate(-src.getWidth() / 2.0, -src.getHeight() / 2.0);
        g.drawImage(src, t, null);
        g.dispose();
        return out;
    }

    /** A roll measured on a photo rotated by {@code degrees}, turned back, in (-180, 180]. */
    public static double uprightRoll(double roll, double degrees) {
        double r = (roll - degrees) % 360;
        if (r > 180) {
            r -= 360;
        } else if (r <= -180) {
            r += 360;
        }
        return r;
    }

    public static BufferedImage scaled(BufferedImage src, double factor) {
        int w = (int) Math.round(src.getWidth() * factor);
        int h = (int) Math.round(src.getHeight() * factor);
        BufferedImage out = new BufferedImage(w, h, BufferedImage.TYPE_3BYTE_BGR);
        Graphics2D g = out.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_INTERPOLATION, RenderingHints.VALUE_INTERPOLATION_BICUBIC);
        g.setRenderingHint(RenderingHints.KEY_RENDERING, RenderingHints.VALUE_RENDER_QUALITY);
        if (factor < 1) {
            // Java2D's bicubic does not prefilter; the progressive halving avoids aliasing like a real resize.
            BufferedImage current = src;
            while (current.getWidth() / 2 >= w) {
                current = scaledOnce(current, current.getWidth() / 2, current.getHeight() / 2);
            }
            g.drawImage(current, 0, 0, w, h, null);
        } else {
            g.drawImage(src, 0, 0, w, h, null);
        }
        g.dispose();
        return out;
    }

    private static BufferedImage scaledOnce(BufferedImage src, int w, int h) {
        BufferedImage out = new BufferedImage(w, h, BufferedImage.TYPE_3BYTE_BGR);
        Graphics2D g = out.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_INTERPOLATION, RenderingHints.VALUE_INTERPOLATION_BILINEAR);
        g.drawImage(src, 0, 0, w, h, null);
        g.dispose();
        return out;
    }

    public static BufferedImage mirrored(BufferedImage src) {
        BufferedImage out = new BufferedImage(src.getWidth(), src.getHeight(), BufferedImage.TYPE_3BYTE_BGR);
        Graphics2D g = out.createGraphics();
        g.drawImage(src, src.getWidth(), 0, -src.getWidth(), src.getHeight(), null);
        g.dispose();
        return out;
    }

    public static BufferedImage grayscale(BufferedImage src) {
        BufferedImage out = new BufferedImage(src.getWidth(), src.getHeight(), BufferedImage.TYPE_BYTE_GRAY);
        Graphics2D g = out.createGraphics();
        g.drawImage(src, 0, 0, null);
        g.dispose();
        return out;
    }

    /** A part of the photo, e.g. a region without a face. */
    public static BufferedImage cropped(BufferedImage src, int x, int y, int w, int h) {
        BufferedImage out = new BufferedImage(w, h, BufferedImage.TYPE_3BYTE_BGR);
        Graphics2D g = out.createGraphics();
        g.drawImage(src.getSubimage(x, y, w, h), 0, 0, null);
        g.dispose();
        return out;
    }

    /** Two photos side by side on one canvas, each scaled to the given height, top-aligned, black elsewhere. */
    public static BufferedImage sideBySide(BufferedImage left, int leftHeight, BufferedImage right, int rightHeight) {
        BufferedImage l = scaled(left, (double) leftHeight / left.getHeight());
        BufferedImage r = scaled(right, (double) rightHeight / right.getHeight());
        BufferedImage out = new BufferedImage(l.getWidth() + r.getWidth(), Math.max(l.getHeight(), r.getHeight()),
                BufferedImage.TYPE_3BYTE_BGR);
        Graphics2D g = out.createGraphics();
        g.drawImage(l, 0, 0, null);
        g.drawImage(r, l.getWidth(), 0, null);
        g.dispose();
        return out;
    }

    public static byte[] png(BufferedImage image) {
        return encode(image, "png");
    }

    public static byte[] jpeg(BufferedImage image) {
        return encode(image, "jpg");
    }

    private static byte[] encode(BufferedImage image, String format) {
        try {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            if (!ImageIO.write(image, format, out)) {
                throw new IllegalStateException("no ImageIO writer for " + format);
            }
            return out.toByteArray();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * A JPEG as a camera held on its side writes it: the pixels stored rotated 90 degrees counter-clockwise and an
     * EXIF orientation of 6 ("rotate 90 clockwise to display") so that viewers show the photo upright.
     */
    public static byte[] jpegWithExifOrientation6(BufferedImage upright) {
        byte[] stored = jpeg(rotated(upright, -90));
        // TIFF header (big-endian), one IFD with one entry: Orientation (0x0112), SHORT, count 1, value 6.
        ByteBuffer tiff = ByteBuffer.allocate(26).order(ByteOrder.BIG_ENDIAN);
        tiff.put((byte) 'M').put((byte) 'M').putShort((short) 42).putInt(8);
        tiff.putShort((short) 1);
        tiff.putShort((short) 0x0112).putShort((short) 3).putInt(1).putShort((short) 6).putShort((short) 0);
        tiff.putInt(0);
        byte[] exifHeader = {'E', 'x', 'i', 'f', 0, 0};
        int segmentLength = 2 + exifHeader.length + tiff.capacity();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(stored, 0, 2);
        out.write(0xFF);
        out.write(0xE1);
        out.write(segmentLength >> 8);
        out.write(segmentLength & 0xFF);
        out.write(exifHeader, 0, exifHeader.length);
        out.write(tiff.array(), 0, tiff.capacity());
        out.write(stored, 2, stored.length - 2);
        return out.toByteArray();
    }
}

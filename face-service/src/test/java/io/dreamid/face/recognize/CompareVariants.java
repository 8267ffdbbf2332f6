package io.dreamid.face.recognize;

import com.twelvemonkeys.imageio.color.ColorSpaces;
import io.dreamid.face.detect.TestImages;

import java.awt.Transparency;
import java.awt.color.ColorSpace;
import java.awt.image.BufferedImage;
import java.awt.image.ComponentColorModel;
import java.awt.image.DataBuffer;
import java.awt.image.WritableRaster;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Function;

import javax.imageio.IIOImage;
import javax.imageio.ImageIO;
import javax.imageio.ImageWriter;
import javax.imageio.stream.MemoryCacheImageOutputStream;

/**
 * The variants of a portrait that issue 14's acceptance names, made with Java2D and ImageIO (independent of the
 * service's decoding and warping): issue 6's set plus rotations of ±35°, CMYK JPEG, 16-bit PNG and PNG with alpha.
 */
final class CompareVariants {
    private CompareVariants() {
    }

    static Map<String, Function<BufferedImage, byte[]>> of(String photo) {
        Map<String, Function<BufferedImage, byte[]>> v = new LinkedHashMap<>(TestImages.acceptanceVariants(photo));
        v.put("rotated +35", i -> TestImages.png(TestImages.rotated(i, 35)));
        v.put("rotated -35", i -> TestImages.png(TestImages.rotated(i, -35)));
        v.put("CMYK JPEG", CompareVariants::cmykJpeg);
        v.put("16-bit PNG", CompareVariants::png16);
        v.put("alpha PNG", CompareVariants::alphaPng);
        return v;
    }

    /** Naive ink separation (C = 255 - R, ..., no black ink) under the generic CMYK profile, as a CMYK JPEG. */
    static byte[] cmykJpeg(BufferedImage rgb) {
        ComponentColorModel cm = new ComponentColorModel(ColorSpaces.getColorSpace(ColorSpaces.CS_GENERIC_CMYK),
                false, false, Transparency.OPAQUE, DataBuffer.TYPE_BYTE);
        WritableRaster raster = cm.createCompatibleWritableRaster(rgb.getWidth(), rgb.getHeight());
        for (int y = 0; y < rgb.getHeight(); y++) {
            for (int x = 0; x < rgb.getWidth(); x++) {
                int p = rgb.getRGB(x, y);
                raster.setPixel(x, y, new int[] {255 - (p >> 16 & 255), 255 - (p >> 8 & 255), 255 - (p & 255), 0});
            }
        }
        ImageWriter writer = ImageIO.getImageWritersByFormatName("jpeg").next();
        try {
            ByteArrayOutputStream bytes = new ByteArrayOutputStream();
            try (MemoryCacheImageOutputStream out = new MemoryCacheImageOutputStream(bytes)) {
                writer.setOutput(out);
                writer.write(null, new IIOImage(new BufferedImage(cm, raster, false, null), null, null), null);
            }
            return bytes.toByteArray();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } finally {
            writer.dispose();
        }
    }

    /** 16 bits per sample, each 8-bit value v stored as v * 257. */
    static byte[] png16(BufferedImage rgb) {
        ComponentColorModel cm = new ComponentColorModel(ColorSpace.getInstance(ColorSpace.CS_sRGB), false, false,
                Transparency.OPAQUE, DataBuffer.TYPE_USHORT);
        WritableRaster raster = cm.createCompatibleWritableRaster(rgb.getWidth(), rgb.getHeight());
        for (int y = 0; y < rgb.getHeight(); y++) {
            for (int x = 0; x < rgb.getWidth(); x++) {
                int p = rgb.getRGB(x, y);
                raster.setPixel(x, y, new int[] {(p >> 16 & 255) * 257, (p >> 8 & 255) * 257, (p & 255) * 257});
            }
        }
        return TestImages.png(new BufferedImage(cm, raster, false, null));
    }

    /** RGBA: opaque, but a 32 px border fully transparent and the top quarter half transparent. */
    static byte[] alphaPng(BufferedImage rgb) {
        int w = rgb.getWidth();
        int h = rgb.getHeight();
        BufferedImage argb = new BufferedImage(w, h, BufferedImage.TYPE_INT_ARGB);
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                int alpha = x < 32 || y < 32 || x >= w - 32 || y >= h - 32 ? 0 : y < h / 4 ? 128 : 255;
                argb.setRGB(x, y, alpha << 24 | (rgb.getRGB(x, y) & 0xFFFFFF));
            }
        }
        return TestImages.png(argb);
    }
}

package io.dreamid.common.image;

import com.drew.imaging.ImageMetadataReader;
import com.drew.imaging.jpeg.JpegMetadataReader;
import com.drew.metadata.Metadata;
import com.drew.metadata.exif.ExifIFD0Directory;
import com.drew.metadata.exif.ExifReader;
import com.twelvemonkeys.imageio.stream.ByteArrayImageInputStream;

import javax.imageio.ImageIO;
import javax.imageio.ImageReadParam;
import javax.imageio.ImageReader;
import javax.imageio.spi.IIORegistry;
import javax.imageio.stream.ImageInputStream;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;

/**
 * Decodes untrusted image bytes without letting them take the service down. In this order: the byte size is
 * checked, the format is recognised from its magic bytes (anything else, e.g. a text file named {@code .jpg}, is
 * refused), the dimensions are read from the header alone and checked against the {@link ImageLimits}, and only
 * then are the pixels decoded (a JPEG without its end-of-image marker is refused first: it is not the whole file).
 * A PNG whose header declares 30000 x 30000 pixels is therefore refused after reading
 * a few dozen bytes, without allocating its pixels.
 *
 * <p>Formats: JPEG (including CMYK and YCCK, through TwelveMonkeys), PNG (grey, palette, 16-bit, alpha), BMP, GIF
 * (the first frame), and WebP when an ImageIO WebP reader is on the classpath (none is by default). The EXIF
 * orientation (all eight values) is applied. Every image comes out as 8-bit sRGB RGB: other colour spaces are
 * converted, grey is replicated, and transparency is composited on white (a transparent background shows as
 * white, as on a web page).
 *
 * <p>Thread-safe: each call uses its own reader.
 */
public final class SafeImageDecoder {
    private static final String ACCEPTED = "JPEG, PNG, BMP or GIF";

    static {
        // TwelveMonkeys registers itself through ServiceLoader only for the class loader that first touches ImageIO;
        // under Quarkus that may not be ours, so register explicitly. Without it CMYK/YCCK JPEGs cannot be read.
        IIORegistry.getDefaultInstance()
                .registerServiceProvider(new com.twelvemonkeys.imageio.plugins.jpeg.JPEGImageReaderSpi());
    }

    private SafeImageDecoder() {
    }

    /** The format, displayed size and orientation of an image, read from its header only; checks the limits. */
    public static ImageHeader probe(byte[] bytes, ImageLimits limits) {
        Opened opened = open(bytes, limits);
        try {
            return header(bytes, limits, opened);
        } finally {
            opened.reader().dispose();
        }
    }

    /** The image, upright, as 8-bit sRGB; checks the limits before any pixel is decoded. */
    public static RgbImage decode(byte[] bytes, ImageLimits limits) {
        Decoded decoded = read(bytes, limits, null);
        return Orientation.apply(RgbConversion.toRgb(decoded.image(), true), decoded.header().orientation());
    }

    /**
     * The image, upright, as 8-bit sRGB, with at most {@code maxPixels} pixels: a larger image is read with only
     * every n-th pixel of every n-th row (the smallest n that fits), so that the memory a decode takes is bounded
     * by {@code maxPixels} rather than by the largest photo the limits accept. The whole file is still decoded, so
     * a damaged one is refused as by {@link #decode}.
     */
    public static SampledImage decodeAtMost(byte[] bytes, ImageLimits limits, long maxPixels) {
        if (maxPixels <= 0) {
            throw new IllegalArgumentException("maxPixels must be positive, got " + maxPixels);
        }
        Decoded decoded = read(bytes, limits, maxPixels);
        ImageHeader header = decoded.header();
        RgbImage image = Orientation.apply(RgbConversion.toRgb(decoded.image(), true), header.orientation());
        int step = decoded.step();
        if (step == 1) {
            return new SampledImage(image, header, 1, 0, 0);
        }
        // Shown pixel (x, y) of the result is shown pixel (step * x + cx, step * y + cy) of the photo: find (cx, cy)
        // from the shown pixel (0, 0) through the stored pixels of both, then move to pixel centres.
        int orientation = header.orientation();
        boolean swaps = Orientation.swapsAxes(orientation);
        int storedWidth = swaps ? header.height() : header.width();
        int storedHeight = swaps ? header.width() : header.height();
        int[] stored = Orientation.storedIndex(0, 0, decoded.image().getWidth(), decoded.image().getHeight(),
                orientation);
        int[] shown = Orientation.shownIndex(step * stored[0], step * stored[1], storedWidth, storedHeight,
                orientation);
        double centre = (step - 1) / 2.0;
        return new SampledImage(image, header, step, shown[0] - centre, shown[1] - centre);
    }

    /**
     * Decodes every pixel to prove the image is intact (which a header cannot show: a truncated or corrupt file),
     * without converting them to RGB; for a service that accepts a photo and leaves its use to another. Returns
     * the header. Only a sample of at most {@value #VERIFY_PIXELS} pixels is kept, so that checking the largest
     * accepted photo takes a few megabytes.
     */
    public static ImageHeader verify(byte[] bytes, ImageLimits limits) {
        return read(bytes, limits, VERIFY_PIXELS).header();
    }

    /** Pixels kept while {@link #verify} decodes an image. */
    static final long VERIFY_PIXELS = 1_000_000;

    private record Decoded(ImageHeader header, BufferedImage image, int step) {
    }

    /** Decodes the image; with {@code maxPixels}, only every n-th pixel and row, the smallest n that fits. */
    private static Decoded read(byte[] bytes, ImageLimits limits, Long maxPixels) {
        Opened opened = open(bytes, limits);
        ImageReader reader = opened.reader();
        try {
            ImageHeader header = header(bytes, limits, opened);
            // One rule for every way a photo arrives (an upload, a job produced straight to Kafka): a JPEG
            // without its end-of-image marker is not the whole file, even when it decodes.
            if (opened.format() == Format.JPEG && !JpegEnd.isComplete(bytes)) {
                throw new BadImageException("the JPEG image is truncated (it has no end-of-image marker);"
                        + " send the complete file");
            }
            List<String> warnings = new ArrayList<>();
            reader.addIIOReadWarningListener((source, warning) -> warnings.add(warning));
            int step = maxPixels == null ? 1 : step(header.width(), header.height(), maxPixels);
            ImageReadParam param = reader.getDefaultReadParam();
            if (step > 1) {
                param.setSourceSubsampling(step, step, 0, 0);
            }
            BufferedImage image;
            try {
                image = reader.read(0, param);
            } catch (IOException | RuntimeException e) {
                throw new BadImageException("cannot decode the " + opened.format().label
                        + " image, it may be damaged or truncated: " + reason(e), e);
            }
            // A file damaged inside (its end marker intact) decodes with a warning and grey rows instead of an error.
            for (String warning : warnings) {
                if (warning != null && warning.toLowerCase(Locale.ROOT).contains("premature end")) {
                    throw new BadImageException("the " + opened.format().label + " image is truncated or damaged ("
                            + warning + "); send the complete file");
                }
            }
            return new Decoded(header, image, step);
        } finally {
            reader.dispose();
        }
    }

    /** The smallest n for which every n-th pixel of every n-th row of a w x h image is at most maxPixels. */
    static int step(int width, int height, long maxPixels) {
        int n = (int) Math.max(1, Math.ceil(Math.sqrt((double) width * height / maxPixels)));
        while (n < Math.max(width, height) && (long) ceilDiv(width, n) * ceilDiv(height, n) > maxPixels) {
            n++;
        }
        return n;
    }

    private static int ceilDiv(int a, int b) {
        return (a + b - 1) / b;
    }

    private record Opened(Format format, ImageReader reader) {
    }

    private static Opened open(byte[] bytes, ImageLimits limits) {
        if (bytes == null || bytes.length == 0) {
            throw new BadImageException("the image is empty (0 bytes)");
        }
        if (bytes.length > limits.maxBytes()) {
            throw new BadImageException("the image is " + megabytes(bytes.length) + "; at most "
                    + megabytes(limits.maxBytes()) + " is accepted");
        }
        Format format = Format.sniff(bytes);
        ImageReader reader = readerFor(format);
        ImageInputStream in = new ByteArrayImageInputStream(bytes);
        // Seek forward only and ignore metadata: the reader keeps nothing it does not need for the first image.
        reader.setInput(in, true, true);
        return new Opened(format, reader);
    }

    private static ImageHeader header(byte[] bytes, ImageLimits limits, Opened opened) {
        Format format = opened.format();
        ImageReader reader = opened.reader();
        int width;
        int height;
        try {
            width = reader.getWidth(0);
            height = reader.getHeight(0);
        } catch (IOException | RuntimeException e) {
            throw new BadImageException("cannot read the " + format.label + " header, the file may be damaged or "
                    + "truncated: " + reason(e), e);
        }
        if (width <= 0 || height <= 0) {
            throw new BadImageException("the " + format.label + " header declares an empty image (" + width + "x"
                    + height + ")");
        }
        long pixels = (long) width * height;
        if (pixels > limits.maxPixels()) {
            throw new BadImageException("the image is " + width + "x" + height + " pixels ("
                    + megapixels(pixels) + "); at most " + megapixels(limits.maxPixels())
                    + " are accepted: scale it down");
        }
        int orientation = format.hasExif ? orientation(bytes, format) : 1;
        int shownWidth = Orientation.swapsAxes(orientation) ? height : width;
        int shownHeight = Orientation.swapsAxes(orientation) ? width : height;
        if (shownWidth > limits.maxWidth() || shownHeight > limits.maxHeight()) {
            throw new BadImageException("the image is " + shownWidth + "x" + shownHeight + " pixels; at most "
                    + limits.maxWidth() + "x" + limits.maxHeight() + " are accepted: scale it down");
        }
        return new ImageHeader(format.name, shownWidth, shownHeight, orientation, format.mimeType, format.extension);
    }

    private static ImageReader readerFor(Format format) {
        List<ImageReader> readers = new ArrayList<>();
        for (Iterator<ImageReader> it = ImageIO.getImageReadersByFormatName(format.name); it.hasNext(); ) {
            readers.add(it.next());
        }
        if (readers.isEmpty()) {
            throw new BadImageException(format.label + " images are not supported here; send a " + ACCEPTED);
        }
        // The JDK's own JPEG reader cannot read CMYK/YCCK; TwelveMonkeys' can.
        ImageReader chosen = readers.stream()
                .filter(r -> r.getClass().getName().startsWith("com.twelvemonkeys."))
                .findFirst()
                .orElse(readers.get(0));
        readers.stream().filter(r -> r != chosen).forEach(ImageReader::dispose);
        return chosen;
    }

    /**
     * The EXIF orientation, 1 when absent. Damaged metadata is ignored rather than refused, as image viewers do:
     * the pixels are what matters.
     */
    private static int orientation(byte[] bytes, Format format) {
        try {
            Metadata metadata = format == Format.JPEG
                    ? JpegMetadataReader.readMetadata(new ByteArrayInputStream(bytes), List.of(new ExifReader()))
                    : ImageMetadataReader.readMetadata(new ByteArrayInputStream(bytes), bytes.length);
            ExifIFD0Directory exif = metadata.getFirstDirectoryOfType(ExifIFD0Directory.class);
            if (exif != null && exif.containsTag(ExifIFD0Directory.TAG_ORIENTATION)) {
                int value = exif.getInt(ExifIFD0Directory.TAG_ORIENTATION);
                if (value >= 1 && value <= 8) {
                    return value;
                }
            }
        } catch (Exception e) {
            return 1;
        }
        return 1;
    }

    private static String reason(Throwable e) {
        String message = e.getMessage();
        return message == null || message.isBlank() ? e.getClass().getSimpleName() : message;
    }

    private static String megabytes(long bytes) {
        return String.format(Locale.ROOT, "%.1f MB", bytes / (1024.0 * 1024.0));
    }

    private static String megapixels(long pixels) {
        return String.format(Locale.ROOT, "%.1f megapixels", pixels / 1e6);
    }

    /** The formats recognised by their first bytes. */
    enum Format {
        JPEG("jpeg", "JPEG", "image/jpeg", "jpg", true),
        PNG("png", "PNG", "image/png", "png", true),
        BMP("bmp", "BMP", "image/bmp", "bmp", false),
        GIF("gif", "GIF", "image/gif", "gif", false),
        WEBP("webp", "WebP", "image/webp", "webp", true);

        final String name;
        final String label;
        final String mimeType;
        final String extension;
        final boolean hasExif;

        Format(String name, String label, String mimeType, String extension, boolean hasExif) {
            this.name = name;
            this.label = label;
            this.mimeType = mimeType;
            this.extension = extension;
            this.hasExif = hasExif;
        }

        static Format sniff(byte[] b) {
            if (startsWith(b, 0, 0xFF, 0xD8, 0xFF)) {
                return JPEG;
            }
            if (startsWith(b, 0, 0x89, 'P', 'N', 'G', 0x0D, 0x0A, 0x1A, 0x0A)) {
                return PNG;
            }
            if (startsWith(b, 0, 'G', 'I', 'F', '8') && b.length > 5 && (b[4] == '7' || b[4] == '9') && b[5] == 'a') {
                return GIF;
            }
            if (startsWith(b, 0, 'B', 'M') && b.length >= 26) {
                return BMP;
            }
            if (startsWith(b, 0, 'R', 'I', 'F', 'F') && startsWith(b, 8, 'W', 'E', 'B', 'P')) {
                return WEBP;
            }
            throw new BadImageException(unrecognised(b));
        }

        private static String unrecognised(byte[] b) {
            if (startsWith(b, 4, 'f', 't', 'y', 'p')) {
                return "HEIC/HEIF/AVIF images are not supported here; export the photo as JPEG (a " + ACCEPTED
                        + " is accepted)";
            }
            if (startsWith(b, 0, 'I', 'I', 42, 0) || startsWith(b, 0, 'M', 'M', 0, 42)) {
                return "TIFF images are not supported here; send a " + ACCEPTED;
            }
            if (looksLikeText(b)) {
                String start = new String(b, 0, Math.min(b.length, 24), java.nio.charset.StandardCharsets.UTF_8)
                        .replaceAll("\\s+", " ").strip();
                return "not an image: the data is text (it starts with \"" + start + "\"); send a " + ACCEPTED;
            }
            return "not an image in a supported format (expected a " + ACCEPTED + "; the data starts with "
                    + hex(b) + ")";
        }

        private static boolean looksLikeText(byte[] b) {
            int n = Math.min(b.length, 512);
            for (int i = 0; i < n; i++) {
                int c = b[i] & 0xFF;
                if (c < 0x09 || (c > 0x0D && c < 0x20) || c == 0x7F) {
                    return false;
                }
            }
            return true;
        }

        private static String hex(byte[] b) {
            StringBuilder s = new StringBuilder();
            for (int i = 0; i < Math.min(b.length, 8); i++) {
                s.append(String.format(Locale.ROOT, "%02X ", b[i] & 0xFF));
            }
            return s.toString().strip();
        }

        private static boolean startsWith(byte[] b, int offset, int... expected) {
            if (b.length < offset + expected.length) {
                return false;
            }
            return Arrays.equals(Arrays.copyOfRange(b, offset, offset + expected.length),
                    toBytes(expected));
        }

        private static byte[] toBytes(int[] values) {
            byte[] bytes = new byte[values.length];
            for (int i = 0; i < values.length; i++) {
                bytes[i] = (byte) values[i];
            }
            return bytes;
        }
    }
}

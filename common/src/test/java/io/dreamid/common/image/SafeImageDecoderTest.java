package io.dreamid.common.image;

import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import javax.imageio.IIOImage;
import javax.imageio.ImageIO;
import javax.imageio.ImageWriter;
import javax.imageio.stream.MemoryCacheImageOutputStream;
import java.awt.Transparency;
import java.awt.color.ColorSpace;
import java.awt.image.BufferedImage;
import java.awt.image.ComponentColorModel;
import java.awt.image.DataBuffer;
import java.awt.image.IndexColorModel;
import java.awt.image.WritableRaster;
import java.io.ByteArrayOutputStream;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;

import static io.dreamid.common.image.TestImages.BLUE;
import static io.dreamid.common.image.TestImages.GREEN;
import static io.dreamid.common.image.TestImages.RED;
import static io.dreamid.common.image.TestImages.WHITE;
import static io.dreamid.common.image.TestImages.near;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Untrusted bytes become upright 8-bit RGB with the colours they were made with, or a clear refusal. */
class SafeImageDecoderTest {
    private static final ImageLimits LIMITS = ImageLimits.DEFAULT;

    @Test
    void decodesAJpegToItsColours() {
        RgbImage image = SafeImageDecoder.decode(TestImages.jpeg(TestImages.quadrants(64, 32)), LIMITS);

        assertThat(image.width()).isEqualTo(64);
        assertThat(image.height()).isEqualTo(32);
        assertCorners(image, RED, GREEN, BLUE, WHITE);
    }

    /**
     * Expected corners from the EXIF 2.3 definitions ("the 0th row is the visual top/right/bottom/left, the 0th
     * column is the visual left/right/top/bottom") applied to a 64x32 image with red, green, blue and white
     * quadrants (top-left, top-right, bottom-left, bottom-right).
     */
    @ParameterizedTest(name = "orientation {0}")
    @CsvSource({
            "1, 64, 32, RED,   GREEN, BLUE,  WHITE",
            "2, 64, 32, GREEN, RED,   WHITE, BLUE",
            "3, 64, 32, WHITE, BLUE,  GREEN, RED",
            "4, 64, 32, BLUE,  WHITE, RED,   GREEN",
            "5, 32, 64, RED,   BLUE,  GREEN, WHITE",
            "6, 32, 64, BLUE,  RED,   WHITE, GREEN",
            "7, 32, 64, WHITE, GREEN, BLUE,  RED",
            "8, 32, 64, GREEN, WHITE, RED,   BLUE"})
    void appliesEveryExifOrientation(int orientation, int width, int height, String topLeft, String topRight,
            String bottomLeft, String bottomRight) {
        byte[] jpeg = TestImages.withExifOrientation(TestImages.jpeg(TestImages.quadrants(64, 32)), orientation);

        ImageHeader header = SafeImageDecoder.probe(jpeg, LIMITS);
        RgbImage image = SafeImageDecoder.decode(jpeg, LIMITS);

        assertThat(header).isEqualTo(new ImageHeader("jpeg", width, height, orientation, "image/jpeg", "jpg"));
        assertThat(image.width()).isEqualTo(width);
        assertThat(image.height()).isEqualTo(height);
        assertCorners(image, colour(topLeft), colour(topRight), colour(bottomLeft), colour(bottomRight));
    }

    @Test
    void readsCmykJpegsThroughTheirColourProfile() {
        byte[] jpeg = TestImages.cmykJpeg(32, 16);
        assertThat(new String(jpeg, 6, 5, StandardCharsets.ISO_8859_1)).as("Adobe APP14 marker").isEqualTo("Adobe");

        RgbImage image = SafeImageDecoder.decode(jpeg, LIMITS);

        int cyanInk = image.rgbAt(4, 8);
        int noInk = image.rgbAt(28, 8);
        assertThat(cyanInk >> 16 & 0xFF).as("red of cyan ink").isLessThan(90);
        assertThat(cyanInk >> 8 & 0xFF).as("green of cyan ink").isGreaterThan(130);
        assertThat(cyanInk & 0xFF).as("blue of cyan ink").isGreaterThan(190);
        assertThat(near(noInk, WHITE, 16)).as("paper white, got %06X", noInk).isTrue();
    }

    @Test
    void scales16BitGreyTo8BitWithoutChangingTheTone() {
        BufferedImage grey = new BufferedImage(5, 1, BufferedImage.TYPE_USHORT_GRAY);
        int[] samples = {0x0000, 0x0101, 0x7FFF, 0x8080, 0xFFFF};
        grey.getRaster().setSamples(0, 0, 5, 1, 0, samples);
        byte[] png = TestImages.encode(grey, "png");
        assertThat(png[24]).as("IHDR bit depth").isEqualTo((byte) 16);
        assertThat(png[25]).as("IHDR colour type grey").isEqualTo((byte) 0);

        RgbImage image = SafeImageDecoder.decode(png, LIMITS);

        // 8-bit value = round(sample * 255 / 65535), the same grey repeated in R, G and B
        assertThat(pixels(image)).containsExactly(0x000000, 0x010101, 0x7F7F7F, 0x808080, 0xFFFFFF);
    }

    @Test
    void keepsEightBitGreyAsStored() {
        BufferedImage grey = new BufferedImage(3, 1, BufferedImage.TYPE_BYTE_GRAY);
        grey.getRaster().setSamples(0, 0, 3, 1, 0, new int[] {0, 128, 255});
        byte[] png = TestImages.encode(grey, "png");
        assertThat(png[24]).as("IHDR bit depth").isEqualTo((byte) 8);
        assertThat(png[25]).as("IHDR colour type grey").isEqualTo((byte) 0);

        assertThat(pixels(SafeImageDecoder.decode(png, LIMITS))).containsExactly(0x000000, 0x808080, 0xFFFFFF);
    }

    @Test
    void compositesTransparencyOnWhite() {
        BufferedImage rgba = new BufferedImage(3, 1, BufferedImage.TYPE_INT_ARGB);
        rgba.setRGB(0, 0, 0xFFFF0000);   // opaque red
        rgba.setRGB(1, 0, 0x00000000);   // fully transparent black
        rgba.setRGB(2, 0, 0x800000FF);   // blue at alpha 128/255
        byte[] png = TestImages.encode(rgba, "png");
        assertThat(png[25]).as("IHDR colour type RGBA").isEqualTo((byte) 6);

        // c * a/255 + 255 * (1 - a/255): 255 * 127/255 = 127 for red and green of the half-transparent blue
        assertThat(pixels(SafeImageDecoder.decode(png, LIMITS))).containsExactly(0xFF0000, 0xFFFFFF, 0x7F7FFF);
    }

    @Test
    void compositesGreyWithAlphaOnWhite() {
        ComponentColorModel cm = new ComponentColorModel(ColorSpace.getInstance(ColorSpace.CS_GRAY), true, false,
                Transparency.TRANSLUCENT, DataBuffer.TYPE_BYTE);
        WritableRaster raster = cm.createCompatibleWritableRaster(3, 1);
        raster.setPixel(0, 0, new int[] {200, 255});
        raster.setPixel(1, 0, new int[] {0, 128});
        raster.setPixel(2, 0, new int[] {0, 0});
        byte[] png = TestImages.encode(new BufferedImage(cm, raster, false, null), "png");
        assertThat(png[25]).as("IHDR colour type grey + alpha").isEqualTo((byte) 4);

        // grey kept as stored where opaque; 0 at alpha 128 over white = 255 * 127/255 = 127
        assertThat(pixels(SafeImageDecoder.decode(png, LIMITS))).containsExactly(0xC8C8C8, 0x7F7F7F, 0xFFFFFF);
    }

    @Test
    void reads16BitRgbaPngs() {
        ComponentColorModel cm = new ComponentColorModel(ColorSpace.getInstance(ColorSpace.CS_sRGB), true, false,
                Transparency.TRANSLUCENT, DataBuffer.TYPE_USHORT);
        WritableRaster raster = cm.createCompatibleWritableRaster(2, 1);
        raster.setPixel(0, 0, new int[] {0xFFFF, 0x8080, 0x0000, 0xFFFF});
        raster.setPixel(1, 0, new int[] {0x0000, 0x0000, 0x0000, 0x0000});
        byte[] png = TestImages.encode(new BufferedImage(cm, raster, false, null), "png");
        assertThat(png[24]).as("IHDR bit depth").isEqualTo((byte) 16);
        assertThat(png[25]).as("IHDR colour type RGBA").isEqualTo((byte) 6);

        assertThat(pixels(SafeImageDecoder.decode(png, LIMITS))).containsExactly(0xFF8000, 0xFFFFFF);
    }

    @Test
    void readsPalettePngsWithATransparentEntry() {
        byte[] reds = {(byte) 255, 0, 0, 0};
        byte[] greens = {0, (byte) 255, 0, 0};
        byte[] blues = {0, 0, (byte) 255, 0};
        IndexColorModel palette = new IndexColorModel(2, 4, reds, greens, blues, 3);
        BufferedImage indexed = new BufferedImage(4, 1, BufferedImage.TYPE_BYTE_BINARY, palette);
        indexed.getRaster().setSamples(0, 0, 4, 1, 0, new int[] {0, 1, 2, 3});
        byte[] png = TestImages.encode(indexed, "png");
        assertThat(png[25]).as("IHDR colour type palette").isEqualTo((byte) 3);

        assertThat(pixels(SafeImageDecoder.decode(png, LIMITS))).containsExactly(RED, GREEN, BLUE, WHITE);
    }

    @Test
    void readsBmp() {
        byte[] bmp = TestImages.encode(TestImages.quadrants(16, 8), "bmp");

        RgbImage image = SafeImageDecoder.decode(bmp, LIMITS);

        assertThat(SafeImageDecoder.probe(bmp, LIMITS)).isEqualTo(new ImageHeader("bmp", 16, 8, 1, "image/bmp", "bmp"));
        assertThat(image.rgbAt(0, 0)).isEqualTo(RED);
        assertThat(image.rgbAt(15, 0)).isEqualTo(GREEN);
        assertThat(image.rgbAt(0, 7)).isEqualTo(BLUE);
        assertThat(image.rgbAt(15, 7)).isEqualTo(WHITE);
    }

    @Test
    void readsTheFirstFrameOfAnAnimatedGif() throws Exception {
        ImageWriter writer = ImageIO.getImageWritersByFormatName("gif").next();
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (MemoryCacheImageOutputStream out = new MemoryCacheImageOutputStream(bytes)) {
            writer.setOutput(out);
            writer.prepareWriteSequence(null);
            writer.writeToSequence(new IIOImage(solid(8, 8, RED), null, null), null);
            writer.writeToSequence(new IIOImage(solid(8, 8, GREEN), null, null), null);
            writer.endWriteSequence();
        } finally {
            writer.dispose();
        }

        RgbImage image = SafeImageDecoder.decode(bytes.toByteArray(), LIMITS);

        assertThat(image.width()).isEqualTo(8);
        assertThat(pixels(image)).containsOnly(RED);
    }

    @Test
    void refusesATextFileNamedJpg() {
        byte[] text = "Dear team,\nthe photo is attached.\n".getBytes(StandardCharsets.UTF_8);

        assertThatThrownBy(() -> SafeImageDecoder.decode(text, LIMITS))
                .isInstanceOf(BadImageException.class)
                .hasMessageContaining("not an image")
                .hasMessageContaining("text")
                .hasMessageContaining("JPEG, PNG");
    }

    @Test
    void refusesUnknownBinaryData() {
        byte[] noise = {0x00, 0x01, 0x02, 0x03, (byte) 0xFE, 0x10, 0x11, 0x12, 0x13};

        assertThatThrownBy(() -> SafeImageDecoder.probe(noise, LIMITS))
                .isInstanceOf(BadImageException.class)
                .hasMessageContaining("not an image in a supported format")
                .hasMessageContaining("00 01 02 03");
    }

    @Test
    void namesFormatsItDoesNotRead() {
        byte[] heic = {0, 0, 0, 0x18, 'f', 't', 'y', 'p', 'h', 'e', 'i', 'c', 0, 0, 0, 0};
        byte[] webp = {'R', 'I', 'F', 'F', 0x24, 0, 0, 0, 'W', 'E', 'B', 'P', 'V', 'P', '8', ' '};

        assertThatThrownBy(() -> SafeImageDecoder.probe(heic, LIMITS)).hasMessageContaining("HEIC");
        boolean webpReader = ImageIO.getImageReadersByFormatName("webp").hasNext();
        if (!webpReader) {
            assertThatThrownBy(() -> SafeImageDecoder.probe(webp, LIMITS))
                    .isInstanceOf(BadImageException.class)
                    .hasMessageContaining("WebP images are not supported");
        }
    }

    @Test
    void refusesEmptyInput() {
        assertThatThrownBy(() -> SafeImageDecoder.decode(new byte[0], LIMITS))
                .isInstanceOf(BadImageException.class)
                .hasMessageContaining("empty");
    }

    @Test
    void refusesTooManyBytesBeforeLookingAtThem() {
        byte[] big = new byte[21 * 1024 * 1024];
        byte[] jpeg = TestImages.jpeg(TestImages.quadrants(16, 16));
        System.arraycopy(jpeg, 0, big, 0, jpeg.length);

        assertThatThrownBy(() -> SafeImageDecoder.decode(big, LIMITS))
                .isInstanceOf(BadImageException.class)
                .hasMessageContaining("21.0 MB")
                .hasMessageContaining("at most 20.0 MB");
    }

    @Test
    void refusesA30000SquarePngFromItsHeaderWithoutAllocatingPixels() {
        byte[] bomb = TestImages.pngDeclaring(30000, 30000);
        com.sun.management.ThreadMXBean threads =
                (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        SafeImageDecoder.probe(TestImages.pngDeclaring(10, 10), LIMITS); // loads the classes first
        long before = threads.getCurrentThreadAllocatedBytes();

        assertThatThrownBy(() -> SafeImageDecoder.decode(bomb, LIMITS))
                .isInstanceOf(BadImageException.class)
                .hasMessageContaining("30000x30000 pixels")
                .hasMessageContaining("900.0 megapixels")
                .hasMessageContaining("at most 40.0 megapixels");

        long allocated = threads.getCurrentThreadAllocatedBytes() - before;
        // The pixels alone would be 2.7 GB; refusing from the header costs reader set-up only.
        assertThat(allocated).as("bytes allocated while refusing").isLessThan(8L * 1024 * 1024);
    }

    @Test
    void refusesAnImageWiderThanTheLimitEvenWithFewPixels() {
        byte[] wide = TestImages.pngDeclaring(9000, 10);

        assertThatThrownBy(() -> SafeImageDecoder.probe(wide, LIMITS))
                .isInstanceOf(BadImageException.class)
                .hasMessageContaining("9000x10 pixels")
                .hasMessageContaining("at most 8192x8192");
    }

    @Test
    void checksWidthAndHeightAsDisplayed() {
        ImageLimits portraitOnly = new ImageLimits(1 << 20, 100, 200, 1_000_000);
        byte[] stored = TestImages.jpeg(TestImages.quadrants(160, 80));

        assertThatThrownBy(() -> SafeImageDecoder.probe(stored, portraitOnly))
                .hasMessageContaining("160x80 pixels; at most 100x200");
        ImageHeader turned = SafeImageDecoder.probe(TestImages.withExifOrientation(stored, 6), portraitOnly);
        assertThat(turned.width()).isEqualTo(80);
        assertThat(turned.height()).isEqualTo(160);
    }

    @Test
    void refusesATruncatedHeader() {
        byte[] jpeg = TestImages.jpeg(TestImages.quadrants(64, 32));
        byte[] cut = Arrays.copyOf(jpeg, 100);

        assertThatThrownBy(() -> SafeImageDecoder.decode(cut, LIMITS))
                .isInstanceOf(BadImageException.class)
                .hasMessageContaining("JPEG")
                .hasMessageContaining("damaged or truncated");
    }

    @Test
    void refusesAJpegCutOffInItsPixelData() {
        byte[] jpeg = TestImages.jpeg(noise(256, 256));
        byte[] cut = cutKeepingTheEndMarker(jpeg, jpeg.length * 6 / 10);

        assertThatThrownBy(() -> SafeImageDecoder.decode(cut, LIMITS))
                .isInstanceOf(BadImageException.class)
                .hasMessageContaining("JPEG image is truncated or damaged")
                .hasMessageContaining("send the complete file");
    }

    /** Pixel data lost in the middle of the file, its end-of-image marker intact: only decoding can tell. */
    private static byte[] cutKeepingTheEndMarker(byte[] jpeg, int length) {
        byte[] cut = Arrays.copyOf(jpeg, length + 2);
        cut[length] = (byte) 0xFF;
        cut[length + 1] = (byte) 0xD9;
        return cut;
    }

    @Test
    void refusesAJpegWithoutItsEndMarkerEvenThoughItDecodes() {
        byte[] jpeg = TestImages.jpeg(TestImages.quadrants(64, 32));
        assertThat(jpeg[jpeg.length - 1]).as("EOI marker").isEqualTo((byte) 0xD9);
        byte[] withoutEnd = Arrays.copyOf(jpeg, jpeg.length - 2);

        for (ThrowingCallable call : List.<ThrowingCallable>of(
                () -> SafeImageDecoder.decode(withoutEnd, LIMITS),
                () -> SafeImageDecoder.verify(withoutEnd, LIMITS),
                () -> SafeImageDecoder.decodeAtMost(withoutEnd, LIMITS, 100))) {
            assertThatThrownBy(call)
                    .isInstanceOf(BadImageException.class)
                    .hasMessageContaining("no end-of-image marker")
                    .hasMessageContaining("send the complete file");
        }
        assertCorners(SafeImageDecoder.decode(jpeg, LIMITS), RED, GREEN, BLUE, WHITE);
    }

    @Test
    void anEndMarkerInsideAnExifThumbnailDoesNotCountForTheImage() {
        byte[] thumbnail = TestImages.jpeg(TestImages.quadrants(16, 8));
        byte[] jpeg = TestImages.jpeg(noise(64, 64));
        // APP1 segment holding a whole JPEG (with its own scan and end marker) right after SOI, as EXIF does.
        byte[] withThumbnail = new byte[jpeg.length + thumbnail.length + 4];
        withThumbnail[0] = (byte) 0xFF;
        withThumbnail[1] = (byte) 0xD8;
        withThumbnail[2] = (byte) 0xFF;
        withThumbnail[3] = (byte) 0xE1;
        int segmentLength = thumbnail.length + 2;
        withThumbnail[4] = (byte) (segmentLength >> 8);
        withThumbnail[5] = (byte) segmentLength;
        System.arraycopy(thumbnail, 0, withThumbnail, 6, thumbnail.length);
        System.arraycopy(jpeg, 2, withThumbnail, 6 + thumbnail.length, jpeg.length - 2);

        assertThat(SafeImageDecoder.verify(withThumbnail, LIMITS).width()).isEqualTo(64);
        byte[] cut = Arrays.copyOf(withThumbnail, withThumbnail.length - 2);
        assertThatThrownBy(() -> SafeImageDecoder.verify(cut, LIMITS))
                .isInstanceOf(BadImageException.class)
                .hasMessageContaining("no end-of-image marker");
    }

    @Test
    void refusesTruncatedPngPixelData() {
        byte[] png = TestImages.encode(noise(64, 64), "png");
        byte[] cut = Arrays.copyOf(png, png.length / 2);

        assertThatThrownBy(() -> SafeImageDecoder.decode(cut, LIMITS))
                .isInstanceOf(BadImageException.class)
                .hasMessageContaining("damaged or truncated");
    }

    @Test
    void verifyReadsEveryPixelButReturnsOnlyTheHeader() {
        byte[] jpeg = TestImages.withExifOrientation(TestImages.jpeg(noise(64, 32)), 6);
        assertThat(SafeImageDecoder.verify(jpeg, LIMITS)).isEqualTo(SafeImageDecoder.probe(jpeg, LIMITS));

        byte[] noisyJpeg = TestImages.jpeg(noise(256, 256));
        byte[] cutInPixels = cutKeepingTheEndMarker(noisyJpeg, noisyJpeg.length * 6 / 10);
        assertThat(SafeImageDecoder.probe(cutInPixels, LIMITS).width()).as("the header alone looks fine").isEqualTo(256);
        assertThatThrownBy(() -> SafeImageDecoder.verify(cutInPixels, LIMITS))
                .isInstanceOf(BadImageException.class)
                .hasMessageContaining("JPEG image is truncated or damaged");
        byte[] png = TestImages.encode(noise(64, 64), "png");
        assertThatThrownBy(() -> SafeImageDecoder.verify(Arrays.copyOf(png, png.length / 2), LIMITS))
                .isInstanceOf(BadImageException.class)
                .hasMessageContaining("damaged or truncated");
        assertThatThrownBy(() -> SafeImageDecoder.verify(new byte[0], LIMITS))
                .isInstanceOf(BadImageException.class).hasMessageContaining("empty");
    }

    @Test
    void decodeAtMostKeepsAnImageThatFitsWhole() {
        byte[] jpeg = TestImages.jpeg(noise(120, 80));

        SampledImage sampled = SafeImageDecoder.decodeAtMost(jpeg, LIMITS, 120 * 80);

        assertThat(sampled.step()).isEqualTo(1);
        assertThat(sampled.image()).isEqualTo(SafeImageDecoder.decode(jpeg, LIMITS));
        assertThat(sampled.photoX(10.25)).isEqualTo(10.25);
        assertThat(sampled.header()).isEqualTo(SafeImageDecoder.probe(jpeg, LIMITS));
    }

    /**
     * Every pixel of a sampled decode is the photo's pixel at the place it claims, for every EXIF orientation and
     * for sizes that the step does not divide (the expected pixels come from decoding the whole photo).
     */
    @ParameterizedTest(name = "orientation {0}")
    @CsvSource({"1", "2", "3", "4", "5", "6", "7", "8"})
    void aSampledDecodeSaysWhereEachOfItsPixelsLies(int orientation) {
        byte[] jpeg = TestImages.withExifOrientation(TestImages.jpeg(noise(301, 203)), orientation);
        RgbImage whole = SafeImageDecoder.decode(jpeg, LIMITS);

        SampledImage sampled = SafeImageDecoder.decodeAtMost(jpeg, LIMITS, 301 * 203 / 9);

        assertThat(sampled.step()).as("the smallest step that fits").isEqualTo(4);
        assertThat((long) sampled.image().width() * sampled.image().height()).isLessThanOrEqualTo(301 * 203 / 9);
        assertThat(sampled.header().width()).isEqualTo(whole.width());
        assertThat(sampled.header().height()).isEqualTo(whole.height());
        for (int y = 0; y < sampled.image().height(); y++) {
            for (int x = 0; x < sampled.image().width(); x++) {
                // The centre of the sampled pixel is the centre of the photo pixel it was taken from.
                double px = sampled.photoX(x + 0.5) - 0.5;
                double py = sampled.photoY(y + 0.5) - 0.5;
                assertThat(px).isEqualTo(Math.rint(px));
                assertThat(py).isEqualTo(Math.rint(py));
                assertThat(sampled.image().rgbAt(x, y)).as("pixel (%d, %d) from (%s, %s)", x, y, px, py)
                        .isEqualTo(whole.rgbAt((int) px, (int) py));
            }
        }
    }

    @Test
    void theStepIsTheSmallestThatFits() {
        assertThat(SafeImageDecoder.step(4000, 3000, 12_000_000)).isEqualTo(1);
        assertThat(SafeImageDecoder.step(4000, 3000, 11_999_999)).isEqualTo(2);
        assertThat(SafeImageDecoder.step(6300, 6300, 8_000_000)).isEqualTo(3);
        // ceil(301/3) x ceil(203/3) = 101 x 68 = 6868 > 6789: the square-root estimate alone would be short.
        assertThat(SafeImageDecoder.step(301, 203, 6789)).isEqualTo(4);
        assertThat(SafeImageDecoder.step(10, 10, 1)).isEqualTo(10);
    }

    @Test
    void aSampledDecodeStillRefusesADamagedFile() {
        byte[] jpeg = TestImages.jpeg(noise(1200, 1000));
        byte[] cut = cutKeepingTheEndMarker(jpeg, jpeg.length * 6 / 10);

        assertThatThrownBy(() -> SafeImageDecoder.decodeAtMost(cut, LIMITS, 100_000))
                .isInstanceOf(BadImageException.class)
                .hasMessageContaining("JPEG image is truncated or damaged");
        assertThatThrownBy(() -> SafeImageDecoder.verify(cut, LIMITS))
                .as("verify samples a 1.2-megapixel image too")
                .isInstanceOf(BadImageException.class)
                .hasMessageContaining("JPEG image is truncated or damaged");
        byte[] png = TestImages.encode(noise(1200, 1000), "png");
        assertThatThrownBy(() -> SafeImageDecoder.verify(Arrays.copyOf(png, png.length * 9 / 10), LIMITS))
                .isInstanceOf(BadImageException.class)
                .hasMessageContaining("damaged or truncated");
    }

    @Test
    void probeDoesNotNeedThePixels() {
        byte[] png = TestImages.encode(noise(64, 48), "png");
        byte[] headerOnly = Arrays.copyOf(png, 64);

        assertThat(SafeImageDecoder.probe(headerOnly, LIMITS))
                .isEqualTo(new ImageHeader("png", 64, 48, 1, "image/png", "png"));
    }

    private static void assertCorners(RgbImage image, int topLeft, int topRight, int bottomLeft, int bottomRight) {
        int right = image.width() - 5;
        int bottom = image.height() - 5;
        int[][] expected = {{4, 4, topLeft}, {right, 4, topRight}, {4, bottom, bottomLeft}, {right, bottom, bottomRight}};
        for (int[] e : expected) {
            int actual = image.rgbAt(e[0], e[1]);
            assertThat(near(actual, e[2], 24))
                    .as("pixel (%d, %d) is %06X, expected about %06X", e[0], e[1], actual, e[2])
                    .isTrue();
        }
    }

    private static int colour(String name) {
        return switch (name) {
            case "RED" -> RED;
            case "GREEN" -> GREEN;
            case "BLUE" -> BLUE;
            case "WHITE" -> WHITE;
            default -> throw new IllegalArgumentException(name);
        };
    }

    private static int[] pixels(RgbImage image) {
        int[] out = new int[image.width() * image.height()];
        for (int y = 0; y < image.height(); y++) {
            for (int x = 0; x < image.width(); x++) {
                out[y * image.width() + x] = image.rgbAt(x, y);
            }
        }
        return out;
    }

    private static BufferedImage solid(int w, int h, int rgb) {
        BufferedImage image = new BufferedImage(w, h, BufferedImage.TYPE_3BYTE_BGR);
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                image.setRGB(x, y, rgb);
            }
        }
        return image;
    }

    private static BufferedImage noise(int w, int h) {
        BufferedImage image = new BufferedImage(w, h, BufferedImage.TYPE_3BYTE_BGR);
        java.util.Random random = new java.util.Random(7);
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                image.setRGB(x, y, random.nextInt(0x1000000));
            }
        }
        return image;
    }
}

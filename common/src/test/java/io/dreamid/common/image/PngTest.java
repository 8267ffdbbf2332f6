package io.dreamid.common.image;

import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.CRC32;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Generated images are lossless PNGs that carry their parameters in standard text chunks. */
class PngTest {

    @Test
    void roundTripsPixelsExactly() {
        RgbImage image = RgbImage.fromBufferedImage(TestImages.quadrants(20, 10));

        RgbImage back = SafeImageDecoder.decode(Png.encode(image, Map.of()), ImageLimits.DEFAULT);

        assertThat(back.width()).isEqualTo(20);
        assertThat(back.rgb()).isEqualTo(image.rgb());
    }

    @Test
    void writesParametersAsTextChunksAFileReaderFinds() {
        Map<String, String> text = new LinkedHashMap<>();
        text.put("parameters", "{\"steps\":30,\"seed\":42}");
        text.put("prompt", "ein Foto von {id} als Astronaut, Ümlaut");
        text.put("Title", "写真の {id}");

        byte[] png = Png.encode(RgbImage.fromBufferedImage(TestImages.quadrants(8, 8)), text);

        List<Chunk> chunks = chunks(png);
        assertThat(chunks).allSatisfy(c -> assertThat(c.crcOk).as("CRC of " + c.type).isTrue());
        assertThat(chunks.stream().filter(c -> c.type.equals("tEXt")).map(c -> latin1(c.data)))
                .containsExactly("parameters\0{\"steps\":30,\"seed\":42}",
                        "prompt\0ein Foto von {id} als Astronaut, Ümlaut");
        // iTXt: keyword, NUL, compression flag 0, method 0, empty language tag, NUL, empty translation, NUL, UTF-8
        Chunk itxt = chunks.stream().filter(c -> c.type.equals("iTXt")).findFirst().orElseThrow();
        byte[] prefix = "Title\0\0\0\0\0".getBytes(StandardCharsets.ISO_8859_1);
        assertThat(ByteBuffer.wrap(itxt.data, 0, prefix.length)).isEqualTo(ByteBuffer.wrap(prefix));
        assertThat(new String(itxt.data, prefix.length, itxt.data.length - prefix.length, StandardCharsets.UTF_8))
                .isEqualTo("写真の {id}");
        assertThat(chunks.get(0).type).isEqualTo("IHDR");
        assertThat(chunks.get(chunks.size() - 1).type).isEqualTo("IEND");
    }

    @Test
    void setsTextChunksWithoutTouchingThePixelChunks() {
        Map<String, String> text = new LinkedHashMap<>();
        text.put("prompt", "a photo of {id}");
        text.put("identity_score", "faceFound=false");
        text.put("seed", "42");
        byte[] png = Png.encode(RgbImage.fromBufferedImage(TestImages.quadrants(64, 48)), text);

        byte[] scored = Png.withText(png, Map.of("identity_score", "faceFound=true, distance=0.3123",
                "Title", "写真の {id}"));

        // An independent reader (ImageIO's) finds the new score and the new keyword, and the rest unchanged.
        assertThat(Png.text(scored)).containsOnly(Map.entry("prompt", "a photo of {id}"),
                Map.entry("identity_score", "faceFound=true, distance=0.3123"), Map.entry("seed", "42"),
                Map.entry("Title", "写真の {id}"));
        List<Chunk> before = chunks(png);
        List<Chunk> after = chunks(scored);
        // The earlier score is replaced where it stood; the new keyword goes last, before IEND.
        assertThat(after.stream().filter(c -> c.type.endsWith("Xt")).map(c -> latin1(c.data).split("\0")[0]))
                .containsExactly("prompt", "identity_score", "seed", "Title");
        assertThat(after).allSatisfy(c -> assertThat(c.crcOk).as("CRC of " + c.type).isTrue());
        assertThat(after.stream().filter(c -> !c.type.endsWith("Xt")).map(c -> c.type + new String(c.data,
                StandardCharsets.ISO_8859_1))).as("every other chunk, byte for byte")
                .containsExactlyElementsOf(before.stream().filter(c -> !c.type.endsWith("Xt"))
                        .map(c -> c.type + new String(c.data, StandardCharsets.ISO_8859_1)).toList());
        assertThat(after.get(after.size() - 1).type).isEqualTo("IEND");
        assertThat(SafeImageDecoder.decode(scored, ImageLimits.DEFAULT).rgb())
                .isEqualTo(SafeImageDecoder.decode(png, ImageLimits.DEFAULT).rgb());
        // Setting it again gives the same bytes: a redelivered judge writes the same file.
        assertThat(Png.withText(scored, Map.of("identity_score", "faceFound=true, distance=0.3123",
                "Title", "写真の {id}"))).isEqualTo(scored);
    }

    @Test
    void settingTextRefusesWhatIsNoCompletePng() {
        byte[] png = Png.encode(RgbImage.fromBufferedImage(TestImages.quadrants(16, 16)), Map.of("seed", "1"));
        Map<String, String> score = Map.of("identity_score", "faceFound=false");

        byte[] flipped = png.clone();
        flipped[png.length / 2] ^= 0x10;
        assertThatThrownBy(() -> Png.withText(flipped, score)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("fails its CRC");
        byte[] truncated = java.util.Arrays.copyOf(png, png.length - 20);
        assertThatThrownBy(() -> Png.withText(truncated, score)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("not a complete PNG");
        assertThatThrownBy(() -> Png.withText("GIF89a....".getBytes(StandardCharsets.ISO_8859_1), score))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("no PNG signature");
        assertThatThrownBy(() -> Png.withText(png, Map.of(" bad keyword", "x")))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("not a valid PNG text keyword");
    }

    @Test
    void readsBackTheTextOfACompleteImageAndRefusesABrokenOne() {
        Map<String, String> text = new LinkedHashMap<>();
        text.put("prompt", "a photo of {id}, Ümlaut");
        text.put("Title", "写真の {id}");
        text.put("negative_prompt", "");
        byte[] png = Png.encode(RgbImage.fromBufferedImage(TestImages.quadrants(64, 48)), text);

        assertThat(Png.text(png)).isEqualTo(text);

        byte[] truncated = java.util.Arrays.copyOf(png, png.length / 2);
        assertThatThrownBy(() -> Png.text(truncated)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("not a readable PNG");
        assertThatThrownBy(() -> Png.text("GIF89a".getBytes(StandardCharsets.US_ASCII)))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void refusesInvalidKeywords() {
        RgbImage image = RgbImage.fromBufferedImage(TestImages.quadrants(8, 8));

        assertThatThrownBy(() -> Png.encode(image, Map.of("", "x")))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("keyword");
        assertThatThrownBy(() -> Png.encode(image, Map.of("k".repeat(80), "x")))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("1-79");
        assertThatThrownBy(() -> Png.encode(image, Map.of("prompt", "a\0b")))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("NUL");
    }

    private record Chunk(String type, byte[] data, boolean crcOk) {
    }

    /** Walks the chunk list per the PNG specification (length, type, data, CRC over type and data). */
    private static List<Chunk> chunks(byte[] png) {
        ByteBuffer in = ByteBuffer.wrap(png);
        in.position(8);
        List<Chunk> chunks = new ArrayList<>();
        while (in.hasRemaining()) {
            int length = in.getInt();
            byte[] type = new byte[4];
            in.get(type);
            byte[] data = new byte[length];
            in.get(data);
            CRC32 crc = new CRC32();
            crc.update(type);
            crc.update(data);
            boolean ok = (int) crc.getValue() == in.getInt();
            chunks.add(new Chunk(new String(type, StandardCharsets.US_ASCII), data, ok));
        }
        return chunks;
    }

    private static String latin1(byte[] data) {
        return new String(data, StandardCharsets.ISO_8859_1);
    }
}

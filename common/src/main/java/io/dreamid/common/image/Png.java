package io.dreamid.common.image;

import javax.imageio.IIOImage;
import javax.imageio.ImageIO;
import javax.imageio.ImageTypeSpecifier;
import javax.imageio.ImageReader;
import javax.imageio.ImageWriteParam;
import javax.imageio.ImageWriter;
import javax.imageio.metadata.IIOInvalidTreeException;
import javax.imageio.metadata.IIOMetadata;
import javax.imageio.metadata.IIOMetadataNode;
import javax.imageio.stream.ImageInputStream;
import javax.imageio.stream.ImageOutputStream;
import javax.imageio.stream.MemoryCacheImageOutputStream;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.zip.CRC32;
import org.w3c.dom.NamedNodeMap;
import org.w3c.dom.Node;

/** PNG encoding of generated images, with their generation parameters in text chunks. */
public final class Png {
    private static final String NATIVE_FORMAT = "javax_imageio_png_1.0";
    private static final byte[] SIGNATURE = {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};

    private Png() {
    }

    /**
     * An 8-bit RGB PNG of {@code image} with one text chunk per entry of {@code textChunks}, in the map's
     * iteration order (the {@code tEXt} chunks first). A value that Latin-1 can hold goes in a {@code tEXt} chunk
     * (what most tools show); any other value (e.g. a prompt in Japanese) goes in an uncompressed UTF-8
     * {@code iTXt} chunk, as the PNG specification requires.
     *
     * @throws IllegalArgumentException if a keyword is not a valid PNG keyword (1-79 Latin-1 printable characters,
     *                                  no leading, trailing or double spaces) or a value contains a NUL character
     */
    public static byte[] encode(RgbImage image, Map<String, String> textChunks) {
        BufferedImage buffered = image.toBufferedImage();
        ImageWriter writer = ImageIO.getImageWritersByFormatName("png").next();
        try {
            ImageWriteParam param = writer.getDefaultWriteParam();
            IIOMetadata metadata = writer.getDefaultImageMetadata(
                    ImageTypeSpecifier.createFromRenderedImage(buffered), param);
            if (textChunks != null && !textChunks.isEmpty()) {
                metadata.mergeTree(NATIVE_FORMAT, textNodes(textChunks));
            }
            ByteArrayOutputStream bytes = new ByteArrayOutputStream(image.rgb().length / 2 + 1024);
            try (ImageOutputStream out = new MemoryCacheImageOutputStream(bytes)) {
                writer.setOutput(out);
                writer.write(null, new IIOImage(buffered, null, metadata), param);
            }
            return bytes.toByteArray();
        } catch (IIOInvalidTreeException e) {
            throw new IllegalArgumentException("cannot put the text chunks in the PNG: " + e.getMessage(), e);
        } catch (IOException e) {
            throw new UncheckedIOException("PNG encoding failed", e);
        } finally {
            writer.dispose();
        }
    }

    /**
     * The text chunks ({@code tEXt} and uncompressed or compressed {@code iTXt}) of a PNG whose image decodes in
     * full: a truncated or corrupt file is refused, so a caller can tell a complete stored image from a broken one.
     *
     * @throws IllegalArgumentException if the bytes are not a PNG whose pixels can be read
     */
    public static Map<String, String> text(byte[] png) {
        ImageReader reader = ImageIO.getImageReadersByFormatName("png").next();
        try (ImageInputStream in = ImageIO.createImageInputStream(new ByteArrayInputStream(png))) {
            reader.setInput(in, true, false);
            reader.read(0);
            Node root = reader.getImageMetadata(0).getAsTree(NATIVE_FORMAT);
            Map<String, String> text = new LinkedHashMap<>();
            for (Node chunk = root.getFirstChild(); chunk != null; chunk = chunk.getNextSibling()) {
                boolean latin1 = chunk.getNodeName().equals("tEXt");
                if (latin1 || chunk.getNodeName().equals("iTXt")) {
                    for (Node entry = chunk.getFirstChild(); entry != null; entry = entry.getNextSibling()) {
                        NamedNodeMap a = entry.getAttributes();
                        text.put(a.getNamedItem("keyword").getNodeValue(),
                                a.getNamedItem(latin1 ? "value" : "text").getNodeValue());
                    }
                }
            }
            return text;
        } catch (IOException | RuntimeException e) {
            throw new IllegalArgumentException("not a readable PNG: " + e.getMessage(), e);
        } finally {
            reader.dispose();
        }
    }

    /**
     * {@code png} with the text chunks of {@code textChunks} set, without decoding or re-encoding its pixels: a
     * text chunk ({@code tEXt}, {@code iTXt} or {@code zTXt}) with the same keyword is replaced where it stands (and
     * any further ones with that keyword dropped), a new keyword's chunk goes before {@code IEND}. Values are written
     * as {@link #encode} writes them ({@code tEXt} for Latin-1, uncompressed UTF-8 {@code iTXt} otherwise); every
     * other chunk is kept byte for byte.
     *
     * @throws IllegalArgumentException if {@code png} is not a complete PNG (signature, chunk lengths and CRCs,
     *                                  IHDR first, IEND last), or a keyword or value is invalid as in {@link #encode}
     */
    public static byte[] withText(byte[] png, Map<String, String> textChunks) {
        Map<String, byte[]> pending = new LinkedHashMap<>();
        for (Map.Entry<String, String> entry : textChunks.entrySet()) {
            pending.put(checkKeyword(entry.getKey()), textChunk(entry.getKey(), entry.getValue()));
        }
        Set<String> written = new HashSet<>();
        ByteArrayOutputStream out = new ByteArrayOutputStream(png.length + 256);
        if (png.length < SIGNATURE.length || !Arrays.equals(png, 0, SIGNATURE.length, SIGNATURE, 0,
                SIGNATURE.length)) {
            throw new IllegalArgumentException("not a PNG: no PNG signature");
        }
        out.write(png, 0, SIGNATURE.length);
        int at = SIGNATURE.length;
        boolean first = true;
        while (true) {
            if (at + 12 > png.length) {
                throw new IllegalArgumentException("not a complete PNG: it ends inside a chunk header at byte " + at);
            }
            long length = readInt(png, at) & 0xffffffffL;
            String type = new String(png, at + 4, 4, StandardCharsets.ISO_8859_1);
            if (length > png.length - at - 12L) {
                throw new IllegalArgumentException("not a complete PNG: chunk " + type + " at byte " + at + " is "
                        + length + " bytes long, past the end");
            }
            int end = at + 12 + (int) length;
            CRC32 crc = new CRC32();
            crc.update(png, at + 4, 4 + (int) length);
            if ((int) crc.getValue() != readInt(png, end - 4)) {
                throw new IllegalArgumentException("not a complete PNG: chunk " + type + " at byte " + at
                        + " fails its CRC");
            }
            if (first && !type.equals("IHDR")) {
                throw new IllegalArgumentException("not a PNG: its first chunk is " + type + ", not IHDR");
            }
            first = false;
            if (type.equals("IEND")) {
                if (end != png.length) {
                    throw new IllegalArgumentException("not a PNG: " + (png.length - end) + " bytes after IEND");
                }
                for (Map.Entry<String, byte[]> chunk : pending.entrySet()) {
                    if (!written.contains(chunk.getKey())) {
                        out.writeBytes(chunk.getValue());
                    }
                }
                out.write(png, at, end - at);
                return out.toByteArray();
            }
            String keyword = type.equals("tEXt") || type.equals("iTXt") || type.equals("zTXt")
                    ? keywordOf(png, at + 8, (int) length) : null;
            if (keyword != null && pending.containsKey(keyword)) {
                if (written.add(keyword)) {
                    out.writeBytes(pending.get(keyword));
                }
            } else {
                out.write(png, at, end - at);
            }
            at = end;
        }
    }

    /** A whole chunk (length, type, data, CRC) holding one text entry, as {@link #encode} would write it. */
    private static byte[] textChunk(String keyword, String value) {
        String v = value == null ? "" : value;
        if (v.indexOf('\0') >= 0) {
            throw new IllegalArgumentException("PNG text for \"" + keyword + "\" must not contain NUL characters");
        }
        ByteArrayOutputStream data = new ByteArrayOutputStream();
        String type;
        data.writeBytes(keyword.getBytes(StandardCharsets.ISO_8859_1));
        data.write(0);
        if (StandardCharsets.ISO_8859_1.newEncoder().canEncode(v)) {
            type = "tEXt";
            data.writeBytes(v.getBytes(StandardCharsets.ISO_8859_1));
        } else {
            type = "iTXt";
            // Not compressed, method 0, no language tag, no translated keyword.
            data.writeBytes(new byte[] {0, 0, 0, 0});
            data.writeBytes(v.getBytes(StandardCharsets.UTF_8));
        }
        byte[] body = data.toByteArray();
        ByteArrayOutputStream chunk = new ByteArrayOutputStream(body.length + 12);
        writeInt(chunk, body.length);
        byte[] typeBytes = type.getBytes(StandardCharsets.ISO_8859_1);
        chunk.writeBytes(typeBytes);
        chunk.writeBytes(body);
        CRC32 crc = new CRC32();
        crc.update(typeBytes);
        crc.update(body);
        writeInt(chunk, (int) crc.getValue());
        return chunk.toByteArray();
    }

    /** The keyword of a text chunk's data (Latin-1, up to its NUL), or null if it has none. */
    private static String keywordOf(byte[] png, int from, int length) {
        for (int i = 0; i < Math.min(length, 80); i++) {
            if (png[from + i] == 0) {
                return new String(png, from, i, StandardCharsets.ISO_8859_1);
            }
        }
        return null;
    }

    private static int readInt(byte[] b, int at) {
        return (b[at] & 0xff) << 24 | (b[at + 1] & 0xff) << 16 | (b[at + 2] & 0xff) << 8 | (b[at + 3] & 0xff);
    }

    private static void writeInt(ByteArrayOutputStream out, int v) {
        out.write(v >>> 24);
        out.write(v >>> 16);
        out.write(v >>> 8);
        out.write(v);
    }

    private static IIOMetadataNode textNodes(Map<String, String> textChunks) {
        IIOMetadataNode root = new IIOMetadataNode(NATIVE_FORMAT);
        IIOMetadataNode text = new IIOMetadataNode("tEXt");
        IIOMetadataNode international = new IIOMetadataNode("iTXt");
        for (Map.Entry<String, String> entry : textChunks.entrySet()) {
            String keyword = checkKeyword(entry.getKey());
            String value = entry.getValue() == null ? "" : entry.getValue();
            if (value.indexOf('\0') >= 0) {
                throw new IllegalArgumentException("PNG text for \"" + keyword + "\" must not contain NUL characters");
            }
            if (StandardCharsets.ISO_8859_1.newEncoder().canEncode(value)) {
                IIOMetadataNode node = new IIOMetadataNode("tEXtEntry");
                node.setAttribute("keyword", keyword);
                node.setAttribute("value", value);
                text.appendChild(node);
            } else {
                IIOMetadataNode node = new IIOMetadataNode("iTXtEntry");
                node.setAttribute("keyword", keyword);
                node.setAttribute("compressionFlag", "FALSE");
                node.setAttribute("compressionMethod", "0");
                node.setAttribute("languageTag", "");
                node.setAttribute("translatedKeyword", "");
                node.setAttribute("text", value);
                international.appendChild(node);
            }
        }
        if (text.getLength() > 0) {
            root.appendChild(text);
        }
        if (international.getLength() > 0) {
            root.appendChild(international);
        }
        return root;
    }

    private static String checkKeyword(String keyword) {
        boolean valid = keyword != null && !keyword.isEmpty() && keyword.length() <= 79
                && !keyword.startsWith(" ") && !keyword.endsWith(" ") && !keyword.contains("  ");
        if (valid) {
            for (char c : keyword.toCharArray()) {
                if (!(c >= 32 && c <= 126 || c >= 161 && c <= 255)) {
                    valid = false;
                    break;
                }
            }
        }
        if (!valid) {
            throw new IllegalArgumentException("not a valid PNG text keyword: \"" + keyword
                    + "\" (1-79 printable Latin-1 characters, no leading, trailing or double spaces)");
        }
        return keyword;
    }
}

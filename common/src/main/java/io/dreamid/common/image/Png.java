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
import java.util.LinkedHashMap;
import java.util.Map;
import org.w3c.dom.NamedNodeMap;
import org.w3c.dom.Node;

/** PNG encoding of generated images, with their generation parameters in text chunks. */
public final class Png {
    private static final String NATIVE_FORMAT = "javax_imageio_png_1.0";

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

package io.dreamid.testsupport;

import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.metadata.IIOMetadata;
import javax.imageio.stream.ImageInputStream;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.HashMap;
import java.util.Map;

/** The text chunks (tEXt, iTXt) of a PNG, read back with ImageIO's own PNG reader: what a user's viewer shows. */
public final class PngText {
    private PngText() {
    }

    public static Map<String, String> read(byte[] png) {
        Map<String, String> text = new HashMap<>();
        try (ImageInputStream in = ImageIO.createImageInputStream(new ByteArrayInputStream(png))) {
            ImageReader reader = ImageIO.getImageReadersByFormatName("png").next();
            reader.setInput(in);
            IIOMetadata metadata = reader.getImageMetadata(0);
            org.w3c.dom.Node root = metadata.getAsTree("javax_imageio_png_1.0");
            for (org.w3c.dom.Node n = root.getFirstChild(); n != null; n = n.getNextSibling()) {
                if (n.getNodeName().equals("tEXt") || n.getNodeName().equals("iTXt")) {
                    for (org.w3c.dom.Node e = n.getFirstChild(); e != null; e = e.getNextSibling()) {
                        org.w3c.dom.NamedNodeMap a = e.getAttributes();
                        org.w3c.dom.Node value = a.getNamedItem(n.getNodeName().equals("tEXt") ? "value" : "text");
                        text.put(a.getNamedItem("keyword").getNodeValue(), value.getNodeValue());
                    }
                }
            }
            reader.dispose();
        } catch (IOException e) {
            throw new UncheckedIOException("not a readable PNG", e);
        }
        return text;
    }
}

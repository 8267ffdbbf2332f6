package io.dreamid.e2e;

import javax.imageio.ImageIO;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;

/** The test face photo and its mirror image: two photos whose aligned crops, hence identities, differ. */
final class FacePhotos {
    private FacePhotos() {
    }

    /** {@code /faces/grace_hopper.jpg} (public domain, provenance next to it). */
    static byte[] graceHopper() throws IOException {
        try (InputStream in = FacePhotos.class.getResourceAsStream("/faces/grace_hopper.jpg")) {
            return in.readAllBytes();
        }
    }

    /** The photo flipped left to right, as a PNG. */
    static byte[] mirrored(byte[] photo) throws IOException {
        BufferedImage image = ImageIO.read(new ByteArrayInputStream(photo));
        BufferedImage flipped = new BufferedImage(image.getWidth(), image.getHeight(), BufferedImage.TYPE_INT_RGB);
        Graphics2D g = flipped.createGraphics();
        g.drawImage(image, image.getWidth(), 0, -image.getWidth(), image.getHeight(), null);
        g.dispose();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ImageIO.write(flipped, "png", out);
        return out.toByteArray();
    }
}

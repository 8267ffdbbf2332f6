package io.dreamid.face.recognize;

import io.dreamid.common.image.Png;
import io.dreamid.common.image.RgbImage;
import io.dreamid.face.align.DlibChip;
import io.dreamid.face.align.Warp;
import io.dreamid.face.detect.DetectionResult;
import io.dreamid.face.detect.DetectorPolicy;
import io.dreamid.face.detect.TestImages;
import io.dreamid.face.detect.TestModels;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Writes the 150x150 chips the golden descriptors are computed from (the inputs of
 * {@code tools/face-recognition/golden_descriptors.mjs}): each test photo and a few of its variants, aligned by the
 * service's detection and {@link DlibChip}. Run from face-service/:
 * {@code java -cp ... io.dreamid.face.recognize.GoldenChips src/test/resources/face-recognition/chips}.
 */
public final class GoldenChips {
    private GoldenChips() {
    }

    static Map<String, BufferedImage> photos() {
        Map<String, BufferedImage> p = new LinkedHashMap<>();
        BufferedImage astronaut = TestImages.image(TestImages.ASTRONAUT);
        BufferedImage hopper = TestImages.image(TestImages.HOPPER);
        p.put("astronaut", astronaut);
        p.put("astronaut_mirrored", TestImages.mirrored(astronaut));
        p.put("astronaut_rotated_30", TestImages.rotated(astronaut, 30));
        p.put("grace_hopper", hopper);
        p.put("grace_hopper_grey", TestImages.grayscale(hopper));
        p.put("grace_hopper_scaled_0.3", TestImages.scaled(hopper, 0.3));
        return p;
    }

    public static void main(String[] args) throws IOException {
        Path out = Path.of(args[0]);
        Files.createDirectories(out);
        for (Map.Entry<String, BufferedImage> e : photos().entrySet()) {
            RgbImage rgb = RgbImage.fromBufferedImage(e.getValue());
            Warp warp = new Warp(rgb);
            DetectionResult found = TestModels.detector().detect(warp, DetectorPolicy.AUTO);
            RgbImage chip = DlibChip.align(warp, found.refined().get(0)).crop();
            Files.write(out.resolve(e.getKey() + ".png"), Png.encode(chip, Map.of()));
            System.out.println(e.getKey() + ": " + found.faces().size() + " face(s)");
        }
        System.exit(0);
    }
}

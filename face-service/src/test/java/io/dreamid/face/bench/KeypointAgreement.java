package io.dreamid.face.bench;

import io.dreamid.common.image.ImageLimits;
import io.dreamid.common.image.RgbImage;
import io.dreamid.common.image.SafeImageDecoder;
import io.dreamid.common.messages.FaceChoice;
import io.dreamid.face.align.Affine;
import io.dreamid.face.align.FaceAligner;
import io.dreamid.face.align.Warp;
import io.dreamid.face.detect.BlazeFaceModels;
import io.dreamid.face.detect.Detection;
import io.dreamid.face.detect.DetectionResult;
import io.dreamid.face.detect.DetectorPolicy;
import io.dreamid.face.detect.FaceDetector;
import io.dreamid.face.detect.Landmark;
import io.dreamid.face.detect.TestImages;
import io.dreamid.face.pipeline.FaceAnalysis;
import io.dreamid.face.pipeline.FacePipeline;

import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;
import java.util.function.Function;

/**
 * How far each keypoint found again on the aligned 112 crop lands from the keypoint the alignment used, mapped into
 * the crop, with the crop framed two ways: by a black border, and by the photo's own surroundings ({@link
 * FaceAligner#withContext}), both 56 px on each side. Prints a row per photo variant and the largest and mean
 * distance per keypoint; asserts nothing. The 16 variants of {@code FaceAlignmentTest}, and with {@code -Dwide=true}
 * 120 more (rotations from -45 to 60 degrees, scales from 0.25 to 3.5, random mixes of rotation, scale, mirror and
 * grey, and a shifted crop). Run: {@code ./mvnw -pl face-service test-compile exec:java
 * -Dexec.mainClass=io.dreamid.face.bench.KeypointAgreement [-Dwide=true]}.
 */
public final class KeypointAgreement {
    private static final int PAD = 56;
    private static final String[] FRAMES = {"black border", "photo context"};

    private KeypointAgreement() {
    }

    public static void main(String[] args) {
        Path modelDir = Path.of(args.length > 0 ? args[0] : "target/models");
        boolean wide = Boolean.getBoolean("wide");
        double[][] max = new double[2][Landmark.COUNT];
        double[][] sum = new double[2][Landmark.COUNT];
        int[][] over = new int[2][Landmark.COUNT];
        int n = 0;
        try (BlazeFaceModels models = new BlazeFaceModels(modelDir, 1);
             FaceDetector detector = new FaceDetector(models, 1, 0.5)) {
            FacePipeline pipeline = new FacePipeline(detector, ImageLimits.DEFAULT);
            System.out.printf("%-36s %-14s %s%n", "variant", "frame",
                    "rightEye leftEye noseTip mouth rightEar leftEar (px of the 112 crop)");
            for (String photo : new String[] {TestImages.ASTRONAUT, TestImages.HOPPER}) {
                String name = photo.substring(photo.lastIndexOf('/') + 1);
                for (var e : variants(photo, wide).entrySet()) {
                    byte[] bytes = e.getValue().apply(TestImages.image(photo));
                    FaceAnalysis a = pipeline.analyse(bytes, FaceChoice.LARGEST, DetectorPolicy.AUTO, 112,
                            new LinkedHashMap<>());
                    Detection mapped = a.chosen().mapped(a.aligned().photoToCrop());
                    Warp warp = new Warp(SafeImageDecoder.decode(bytes, ImageLimits.DEFAULT));
                    RgbImage[] canvases = {blackBorder(a.aligned().crop()),
                        FaceAligner.withContext(warp, a.aligned().photoToCrop(), 112, PAD)};
                    n++;
                    for (int f = 0; f < 2; f++) {
                        Detection again = detectAgain(detector, canvases[f]);
                        StringBuilder row = new StringBuilder(String.format("%-36s %-14s", name + " " + e.getKey(),
                                FRAMES[f]));
                        for (Landmark l : Landmark.values()) {
                            double d = again == null ? Double.POSITIVE_INFINITY
                                    : Math.hypot(again.x(l) - mapped.x(l), again.y(l) - mapped.y(l));
                            max[f][l.ordinal()] = Math.max(max[f][l.ordinal()], d);
                            sum[f][l.ordinal()] += d;
                            over[f][l.ordinal()] += d < 2 ? 0 : 1;
                            row.append(String.format(" %7.2f", d));
                        }
                        System.out.println(row);
                    }
                }
            }
        }
        System.out.printf("%n%d variants          rightEye leftEye noseTip mouth rightEar leftEar%n", n);
        for (int f = 0; f < 2; f++) {
            StringBuilder line = new StringBuilder(String.format("  %-13s largest", FRAMES[f]));
            for (double d : max[f]) {
                line.append(String.format(" %7.2f", d));
            }
            line.append(String.format("%n  %-13s mean   ", FRAMES[f]));
            for (double d : sum[f]) {
                line.append(String.format(" %7.2f", d / n));
            }
            line.append(String.format("%n  %-13s >= 2 px", FRAMES[f]));
            for (int c : over[f]) {
                line.append(String.format(" %7d", c));
            }
            System.out.println(line);
        }
        System.exit(0);
    }

    private static Map<String, Function<BufferedImage, byte[]>> variants(String photo, boolean wide) {
        Map<String, Function<BufferedImage, byte[]>> v = new LinkedHashMap<>(TestImages.acceptanceVariants(photo));
        if (!wide) {
            return v;
        }
        for (int d : new int[] {-45, -40, -35, -25, -20, -15, -10, -5, 5, 10, 15, 20, 25, 35, 40, 45, 60}) {
            v.put("rotated " + d, i -> TestImages.png(TestImages.rotated(i, d)));
        }
        Random random = new Random(7);
        for (int r = 0; r < 24; r++) {
            double degrees = random.nextDouble() * 70 - 35;
            double scale = Math.exp(Math.log(0.3) + random.nextDouble() * Math.log(10));
            boolean mirror = random.nextBoolean();
            boolean grey = random.nextInt(4) == 0;
            v.put(String.format("rotated %.0f scaled %.2f%s%s", degrees, scale, mirror ? " mirrored" : "",
                    grey ? " grey" : ""), i -> {
                        BufferedImage x = TestImages.rotated(TestImages.scaled(i, scale), degrees);
                        x = mirror ? TestImages.mirrored(x) : x;
                        return TestImages.jpeg(grey ? TestImages.grayscale(x) : x);
                    });
        }
        for (double s : new double[] {0.25, 0.35, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.1, 1.3, 1.5, 1.7, 2.0, 3.0, 3.5}) {
            v.put("scaled " + s, i -> TestImages.jpeg(TestImages.scaled(i, s)));
        }
        v.put("rotated 20 scaled 0.5", i -> TestImages.png(TestImages.rotated(TestImages.scaled(i, 0.5), 20)));
        v.put("rotated -25 scaled 1.8 mirrored", i -> TestImages.jpeg(TestImages.mirrored(
                TestImages.rotated(TestImages.scaled(i, 1.8), -25))));
        v.put("grey rotated 12 scaled 0.7", i -> TestImages.png(TestImages.grayscale(
                TestImages.rotated(TestImages.scaled(i, 0.7), 12))));
        v.put("cropped off-centre", i -> TestImages.png(TestImages.cropped(i, 60, 20, i.getWidth() - 60,
                i.getHeight() - 20)));
        return v;
    }

    private static RgbImage blackBorder(RgbImage crop) {
        int side = crop.width() + 2 * PAD;
        BufferedImage padded = new BufferedImage(side, side, BufferedImage.TYPE_3BYTE_BGR);
        Graphics2D g = padded.createGraphics();
        g.drawImage(crop.toBufferedImage(), PAD, PAD, null);
        g.dispose();
        return RgbImage.fromBufferedImage(padded);
    }

    /** The face nearest the canvas centre, detected and refined as the service does, in crop pixels; or null. */
    private static Detection detectAgain(FaceDetector detector, RgbImage canvas) {
        Warp warp = new Warp(canvas);
        DetectionResult found = detector.detect(warp, DetectorPolicy.AUTO);
        double c = canvas.width() / 2.0;
        return found.refined().stream()
                .min(Comparator.comparingDouble(d -> Math.hypot(d.box().centerX() - c, d.box().centerY() - c)))
                .map(d -> d.mapped(new Affine(1, 0, -PAD, 0, 1, -PAD)))
                .orElse(null);
    }
}

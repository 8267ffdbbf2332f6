package io.dreamid.face.bench;

import io.dreamid.common.image.ImageLimits;
import io.dreamid.common.messages.FaceChoice;
import io.dreamid.face.detect.BlazeFaceModels;
import io.dreamid.face.detect.Detection;
import io.dreamid.face.detect.DetectionResult;
import io.dreamid.face.detect.DetectorPolicy;
import io.dreamid.face.detect.FaceDetector;
import io.dreamid.face.detect.TestImages;
import io.dreamid.face.pipeline.FaceAnalysis;
import io.dreamid.face.pipeline.FaceFailure;
import io.dreamid.face.pipeline.FacePipeline;

import java.nio.file.Path;
import java.util.LinkedHashMap;

/**
 * Both test portraits rotated every {@code -Dstep=10} degrees over the full circle, through the service's whole
 * detection: per angle, whether the chosen face is upright after undoing the rotation, the time the detection takes
 * (median of 5), and every face kept (score, box side and centre from the whole-photo pass; score and eye line after
 * refinement). Asserts nothing. Run: {@code ./mvnw -pl face-service test-compile exec:java
 * -Dexec.mainClass=io.dreamid.face.bench.RotationSweep [-Dstep=10] [-Donly=astronaut]}.
 */
public final class RotationSweep {
    private RotationSweep() {
    }

    /** Median of 5 runs of the whole detection (passes and refinements), the photo decoded once. */
    private static double detectMillis(FaceDetector detector, byte[] bytes) {
        var image = io.dreamid.common.image.SafeImageDecoder.decode(bytes, ImageLimits.DEFAULT);
        double[] ms = new double[5];
        for (int i = 0; i < ms.length; i++) {
            long t = System.nanoTime();
            detector.detect(new io.dreamid.face.align.Warp(image), DetectorPolicy.AUTO);
            ms[i] = (System.nanoTime() - t) / 1e6;
        }
        java.util.Arrays.sort(ms);
        return ms[ms.length / 2];
    }

    public static void main(String[] args) {
        Path modelDir = Path.of(args.length > 0 ? args[0] : "target/models");
        int step = Integer.getInteger("step", 10);
        String only = System.getProperty("only", "");
        try (BlazeFaceModels models = new BlazeFaceModels(modelDir, 1);
             FaceDetector detector = new FaceDetector(models, 1, 0.5)) {
            FacePipeline pipeline = new FacePipeline(detector, ImageLimits.DEFAULT);
            for (String photo : new String[] {TestImages.ASTRONAUT, TestImages.HOPPER}) {
                if (!photo.contains(only)) {
                    continue;
                }
                String name = photo.substring(photo.lastIndexOf('/') + 1);
                int wrong = 0;
                for (int degrees = -180 + step; degrees <= 180; degrees += step) {
                    byte[] bytes = TestImages.png(TestImages.rotated(TestImages.image(photo), degrees));
                    StringBuilder line = new StringBuilder(String.format("%-16s %5d  ", name, degrees));
                    try {
                        FaceAnalysis a = pipeline.analyse(bytes, FaceChoice.LARGEST, DetectorPolicy.AUTO, 112,
                                new LinkedHashMap<>());
                        double upright = TestImages.uprightRoll(a.chosen().rollDegrees(), degrees);
                        boolean ok = Math.abs(upright) < 10;
                        wrong += ok ? 0 : 1;
                        line.append(String.format("%-5s upright %7.1f  detect %5.1f ms  chosen %d score %.3f  %s"
                                + "  faces:", ok ? "ok" : "WRONG", upright, detectMillis(detector, bytes),
                                a.chosenIndex(), a.chosen().score(), a.detections().model().id()));
                        DetectionResult found = a.detections();
                        for (int i = 0; i < found.faces().size(); i++) {
                            Detection d = found.faces().get(i);
                            Detection r = found.refined().get(i);
                            line.append(String.format(" [%.3f side %.0f at (%.0f,%.0f) refined score %.3f roll %.0f]",
                                    d.score(), Math.sqrt(d.box().area()), d.box().centerX(), d.box().centerY(),
                                    r.score(), TestImages.uprightRoll(r.rollDegrees(), degrees)));
                        }
                    } catch (FaceFailure e) {
                        wrong++;
                        line.append("FAIL ").append(e.code());
                    }
                    System.out.println(line);
                }
                System.out.printf("%s: %d wrong of %d%n", name, wrong, 360 / step);
            }
        }
    }
}

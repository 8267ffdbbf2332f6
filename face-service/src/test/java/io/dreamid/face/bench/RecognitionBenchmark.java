package io.dreamid.face.bench;

import io.dreamid.common.image.ImageLimits;
import io.dreamid.common.image.RgbImage;
import io.dreamid.common.image.SafeImageDecoder;
import io.dreamid.common.messages.FaceChoice;
import io.dreamid.common.messages.IdentityScore;
import io.dreamid.face.detect.DetectorPolicy;
import io.dreamid.face.detect.TestImages;
import io.dreamid.face.detect.TestModels;
import io.dreamid.face.messaging.JudgeHandler;
import io.dreamid.face.pipeline.FacePipeline;
import io.dreamid.face.recognize.FaceComparer;
import io.dreamid.face.recognize.FaceEmbedding;
import io.dreamid.face.recognize.FaceRecognizer;

import java.util.Arrays;

/**
 * Times dlib's face recognition network (one thread): one 150x150 chip, the chip with its mirror image (what a
 * comparison runs per face), one 512 px photo described, the identity judge's whole work on a 512x512 image but
 * storage (detect, align, describe, compare, rewrite the PNG with its score), and a whole
 * comparison of two 512 px photos (decode, detect, align, describe).
 * Prints figures, asserts nothing. Run: {@code ./mvnw -pl face-service -am test-compile exec:java
 * -Dbench=face-service -Dexec.mainClass=io.dreamid.face.bench.RecognitionBenchmark}.
 */
public final class RecognitionBenchmark {
    private RecognitionBenchmark() {
    }

    public static void main(String[] args) {
        try (FaceRecognizer recognizer = new FaceRecognizer(1)) {
            RgbImage chip = SafeImageDecoder.decode(TestImages.bytes("/face-recognition/chips/astronaut.png"),
                    ImageLimits.DEFAULT);
            int runs = 100;
            System.out.printf("network, one chip:              median %.2f ms (%d runs, 1 thread)%n",
                    median(runs, () -> recognizer.describe(chip)), runs);
            System.out.printf("network, chip + mirror (batch): median %.2f ms%n",
                    median(runs, () -> FaceComparer.describeWithMirror(recognizer, chip)));
            FaceComparer comparer = new FaceComparer(new FacePipeline(TestModels.detector(), ImageLimits.DEFAULT),
                    recognizer);
            byte[] a = TestImages.bytes(TestImages.ASTRONAUT);
            byte[] b = TestImages.bytes(TestImages.HOPPER);
            System.out.printf("one 512x512 photo (decode, detect, align, chip + mirror; a judge's work per image):"
                    + " median %.2f ms (%d runs)%n",
                    median(20, () -> comparer.embed("a", a, FaceChoice.LARGEST, DetectorPolicy.AUTO)), 20);
            // The judge's work on one 512x512 generated image, storage aside (JudgeHandler: find a face, align,
            // describe the chip and its mirror, compare with the input face, rewrite the PNG with identity_score).
            FaceEmbedding input = FaceComparer.describeWithMirror(recognizer, chip);
            System.out.printf("judge, one 512x512 image (detect, align, chip + mirror, compare, PNG rewrite):"
                    + " median %.2f ms (%d runs)%n", median(20, () -> {
                        FaceComparer.Comparison c = FaceComparer.Comparison.of(
                                comparer.embed("image", a, FaceChoice.LARGEST, DetectorPolicy.AUTO).distanceTo(input));
                        JudgeHandler.withScore(a, new IdentityScore(true, c.distance(), c.similarity(),
                                c.samePerson()));
                    }), 20);
            System.out.printf("compare astronaut.png with grace_hopper.jpg: median %.2f ms (%d runs)%n",
                    median(20, () -> comparer.compare(a, b, FaceChoice.LARGEST, DetectorPolicy.AUTO)), 20);
        }
        System.exit(0);
    }

    private static double median(int runs, Runnable r) {
        for (int i = 0; i < 5; i++) {
            r.run();
        }
        double[] t = new double[runs];
        for (int i = 0; i < runs; i++) {
            long t0 = System.nanoTime();
            r.run();
            t[i] = (System.nanoTime() - t0) / 1e6;
        }
        Arrays.sort(t);
        return t[runs / 2];
    }

}

package io.dreamid.trainer;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.dreamid.trainer.bench.TwoPeopleLearning;

import java.nio.file.Path;
import java.util.Arrays;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 17's learning test: the trainer learns, from the two test photos (augmented by crops, flips, colour and small
 * rotations) and edited images the learning tiny model made from two name prompts, words that tell the two people
 * apart: held-out variants of each person fit their own person's edited images better than the other's, which the
 * untrained projector does not; and each person's targets are fit better by their own person's words than by the
 * other's, by a margin training at least doubles; and the images the serving pipeline generates with a held-out
 * variant's words are nearer that person's edited images than the other's. Through the learning tiny model (learning-tiny/README.md), whose UNet denoises and
 * listens to the text; on the random-weight tiny models no person-specific learning is measurable (trainer/README.md,
 * "Learning with two people").
 */
class TwoPeopleLearningTest {
    @TempDir
    Path work;

    @Test
    void heldOutVariantsOfEachPersonFitTheirOwnTargetsAfterTraining() throws Exception {
        TwoPeopleLearning.Settings settings = new TwoPeopleLearning.Settings(
                TestModels.learningTiny(work.resolve("model")), TestModels.baseEncoder(), 200, 1e-2, 8, 7.5);
        TwoPeopleLearning.Result result = TwoPeopleLearning.run(settings, work, System.out);

        String figures = "targets differ by " + Arrays.toString(result.targetsDiffer()) + " of 255; held-out loss own"
                + " / other per person, before " + Arrays.deepToString(result.before()) + ", after "
                + Arrays.deepToString(result.after());
        System.out.println(figures);
        // the model must make the names matter, or the test would measure nothing
        for (double differ : result.targetsDiffer()) {
            assertTrue(differ > 10, figures);
        }
        assertFalse(TwoPeopleLearning.Result.holds(result.before()), "the untrained projector already tells the two"
                + " people apart, so the test cannot show learning: " + figures);
        assertTrue(TwoPeopleLearning.Result.holds(result.after()), figures);
        // and asked per target (which takes out how hard each person's targets are to denoise): each person's
        // targets are fit better by their own person's words than by the other's, by more than before training
        double[] before = TwoPeopleLearning.Result.ownWordsMargin(result.before());
        double[] after = TwoPeopleLearning.Result.ownWordsMargin(result.after());
        for (int p = 0; p < after.length; p++) {
            assertTrue(after[p] > 0 && after[p] > 2 * before[p], "own-words margins before " + Arrays.toString(before)
                    + ", after " + Arrays.toString(after));
        }
        // what a user sees: the images the serving pipeline generates with a held-out variant's words look more like
        // that person's edited images than like the other's (not so with the untrained projector)
        String images = "generated images' distance to own / other edited images per person, before "
                + Arrays.deepToString(result.imagesBefore()) + ", after " + Arrays.deepToString(result.imagesAfter());
        System.out.println(images);
        assertFalse(TwoPeopleLearning.Result.holds(result.imagesBefore()), images);
        assertTrue(TwoPeopleLearning.Result.holds(result.imagesAfter()), images);
    }
}

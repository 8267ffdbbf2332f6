package io.dreamid.trainer.bench;

import io.dreamid.trainer.LossCurve;
import io.dreamid.trainer.TestDatasets;
import io.dreamid.trainer.TestModels;
import io.dreamid.trainer.Trainer;
import io.dreamid.trainer.TrainingOptions;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

/**
 * The README's loss curve: trains the fixed tiny dataset (4 pairs, the tiny encoder and SD models) and after every
 * {@code -Dcurve.every} steps (25) measures the mean loss on fixed draws ({@link Trainer#evaluateEach}: the same
 * timesteps and noise at every point), so the curve shows what training changes rather than each step's random
 * draws, which move a step's loss by +-10 % on these models. The run is one run, stopped and resumed at each point
 * (resume is exact). Prints the points and writes the PNG to the first argument (default
 * {@code target/fixed-draw-curve.png}). Figures only.
 *
 * <p>Run: {@code DNNL_MAX_CPU_ISA=SSE41 ./mvnw -pl trainer -am test-compile exec:java -Dbench=trainer
 * -Dtrainer.main=io.dreamid.trainer.bench.FixedDrawCurve -Dai.djl.pytorch.num_threads=1
 * -Dexec.args=trainer/docs/fixed-draw-curve.png}, with {@code -Dcurve.steps} (300), {@code -Dcurve.every} (25),
 * {@code -Dcurve.lr} (1e-2, TrainerTest's), {@code -Dcurve.draws} (16), {@code -Dcurve.model=learning} (the learning
 * tiny model and the two-people experiment's 36 training pairs, batch 4, instead of the tiny models and dataset).
 */
public final class FixedDrawCurve {
    private FixedDrawCurve() {
    }

    public static void main(String[] args) throws IOException {
        int steps = Integer.getInteger("curve.steps", 300);
        int every = Integer.getInteger("curve.every", 25);
        double lr = Double.parseDouble(System.getProperty("curve.lr", "1e-2"));
        int draws = Integer.getInteger("curve.draws", 16);
        Path png = Path.of(args.length > 0 ? args[0] : "target/fixed-draw-curve.png").toAbsolutePath();
        Path work = Files.createTempDirectory("dreamid-curve");
        boolean learning = "learning".equals(System.getProperty("curve.model", "tiny"));
        TestModels.SdModel model = learning ? TestModels.learningTiny(work.resolve("model"))
                : new TestModels.SdModel(TestModels.sdBundle(), TestModels.torchscript());
        // the learning tiny model with the two-people experiment's training set, or the tiny models with the tiny set
        Path dataset = learning
                ? TwoPeopleLearning.trainingSet(new TwoPeopleLearning.Settings(model, TestModels.baseEncoder(), steps,
                        lr, draws, 7.5), work.resolve("two-people"), System.out)
                : TestDatasets.tinyCopy(Files.createDirectories(work.resolve("dataset")));
        int batch = learning ? 4 : 2;
        int points = steps / every + 1;
        int[] at = new int[points];
        float[] loss = new float[points];
        for (int p = 0; p < points; p++) {
            at[p] = p * every;
            TrainingOptions options = new TrainingOptions(dataset, TestModels.baseEncoder(), model.bundle(),
                    model.twin(), work.resolve("bundle"), work.resolve("checkpoints"), steps, batch, lr,
                    steps / 10, 0.01, 1.0, 0, every, at[p], null, steps);
            try (Trainer trainer = Trainer.prepare(options, System.out)) {
                trainer.resume();
                if (at[p] > 0) {
                    trainer.train();
                }
                double[] each = trainer.evaluateEach(draws);
                double mean = 0;
                for (double l : each) {
                    mean += l / each.length;
                }
                loss[p] = (float) mean;
            }
            System.out.printf(Locale.ROOT, "CURVE step %d: fixed-draw loss %.6f%n", at[p], loss[p]);
        }
        Files.createDirectories(png.getParent());
        LossCurve.writeFixedDraws(at, loss, draws, png);
        System.out.println("wrote " + png);
    }
}

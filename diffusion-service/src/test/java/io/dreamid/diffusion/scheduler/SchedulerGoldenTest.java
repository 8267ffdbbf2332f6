package io.dreamid.diffusion.scheduler;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Proves every scheduler, prediction type and spacing follows the independent numpy reference
 * (tools/diffusion/reference/schedulers_ref.py) over full trajectories, within 1e-5 relative at every step.
 */
class SchedulerGoldenTest {

    private static final double TOLERANCE = 1e-5;
    private static JsonNode golden;

    @BeforeAll
    static void load() throws IOException {
        try (InputStream in = SchedulerGoldenTest.class.getResourceAsStream("/scheduler/scheduler-golden.json")) {
            golden = new ObjectMapper().readTree(in);
        }
    }

    @Test
    void noiseStreamIsTheDocumentedGenerator() {
        JsonNode expected = golden.get("noise");
        float[] actual = new GaussianNoise(golden.get("seed").asLong()).next(expected.size());
        for (int i = 0; i < actual.length; i++) {
            assertThat(actual[i]).as("noise[%d]", i).isEqualTo((float) expected.get(i).asDouble());
        }
    }

    @Test
    void everyCaseFollowsTheReferenceTrajectory() {
        List<String> covered = new ArrayList<>();
        for (JsonNode c : golden.get("cases")) {
            String label = label(c);
            SchedulerConfig config = SchedulerConfig.fromJson(c.get("config").toString());
            Scheduler scheduler = Schedulers.create(null, config);
            scheduler.setTimesteps(c.get("steps").asInt());

            JsonNode expectedTimesteps = c.get("timesteps");
            float[] values = scheduler.timestepValues();
            int[] ints = scheduler.timesteps();
            assertThat(values).as("timesteps of %s", label).hasSize(expectedTimesteps.size());
            for (int i = 0; i < values.length; i++) {
                float expected = (float) expectedTimesteps.get(i).asDouble();
                assertThat(values[i]).as("timestep %d of %s", i, label).isEqualTo(expected);
                assertThat(ints[i]).as("int timestep %d of %s", i, label).isEqualTo((int) expected);
            }
            float initSigma = (float) c.get("init_noise_sigma").asDouble();
            assertThat(scheduler.initNoiseSigma()).as("init_noise_sigma of %s", label)
                    .isCloseTo(initSigma, within(initSigma * 1e-6f));

            GaussianNoise noise = new GaussianNoise(golden.get("seed").asLong());
            float[] sample = noise.next(golden.get("size").asInt());
            float sigma = scheduler.initNoiseSigma();
            for (int i = 0; i < sample.length; i++) {
                sample[i] = sample[i] * sigma;
            }
            JsonNode trajectory = c.get("trajectory");
            assertThat(trajectory).hasSize(ints.length);
            for (int step = 0; step < ints.length; step++) {
                float[] modelInput = scheduler.scaleModelInput(sample, step);
                float[] modelOutput = fakeModel(modelInput, values[step]);
                sample = scheduler.step(modelOutput, step, sample, noise);
                assertClose(sample, trajectory.get(step), label + " step " + step);
            }
            covered.add(label);
        }
        assertThat(covered).hasSizeGreaterThanOrEqualTo(50);
        for (String name : Schedulers.NAMES) {
            for (String spacing : List.of("leading", "trailing", "linspace")) {
                for (String prediction : List.of("epsilon", "v_prediction")) {
                    assertThat(covered).as("coverage").anyMatch(
                            l -> l.startsWith(name + " " + prediction + " " + spacing + " "));
                }
            }
        }
    }

    /** The reference's stand-in UNet: output[i] = 0.1 x[i] + sin(t / 100 + 0.05 i), in double, then float. */
    static float[] fakeModel(float[] x, float t) {
        float[] out = new float[x.length];
        for (int i = 0; i < x.length; i++) {
            out[i] = (float) (0.1 * x[i] + Math.sin(t / 100.0 + 0.05 * i));
        }
        return out;
    }

    private static void assertClose(float[] actual, JsonNode expected, String where) {
        assertThat(actual).as(where).hasSize(expected.size());
        for (int i = 0; i < actual.length; i++) {
            float want = (float) expected.get(i).asDouble();
            double error = Math.abs(actual[i] - want);
            assertThat(error).as("%s element %d: java %s, reference %s", where, i, actual[i], want)
                    .isLessThanOrEqualTo(TOLERANCE * Math.max(1.0, Math.abs(want)));
        }
    }

    private static String label(JsonNode c) {
        JsonNode cfg = c.get("config");
        return c.get("scheduler").asText() + " " + cfg.get("prediction_type").asText() + " "
                + cfg.get("timestep_spacing").asText() + " " + cfg.get("beta_schedule").asText()
                + " steps=" + c.get("steps").asInt() + " " + cfg;
    }
}

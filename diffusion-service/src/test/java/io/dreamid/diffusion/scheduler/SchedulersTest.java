package io.dreamid.diffusion.scheduler;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Proves config parsing, scheduler selection and the refusals behave as a bundle author would expect. */
class SchedulersTest {

    /** Stable Diffusion 1.5's scheduler/scheduler_config.json, as published. */
    private static final String SD15 = """
            {"_class_name": "PNDMScheduler", "_diffusers_version": "0.6.0", "beta_end": 0.012,
             "beta_schedule": "scaled_linear", "beta_start": 0.00085, "num_train_timesteps": 1000,
             "set_alpha_to_one": false, "skip_prk_steps": true, "steps_offset": 1, "trained_betas": null,
             "clip_sample": false}""";

    /** Stable Diffusion 2.1's (768 px, v-prediction). */
    private static final String SD21 = """
            {"_class_name": "DDIMScheduler", "_diffusers_version": "0.8.0", "beta_end": 0.012,
             "beta_schedule": "scaled_linear", "beta_start": 0.00085, "clip_sample": false,
             "num_train_timesteps": 1000, "prediction_type": "v_prediction", "set_alpha_to_one": false,
             "skip_prk_steps": true, "steps_offset": 1, "trained_betas": null}""";

    @Test
    void stableDiffusionConfigsAreReadWithTheirClassDefaults(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("scheduler_config.json");
        Files.writeString(file, SD15);
        SchedulerConfig sd15 = SchedulerConfig.fromJson(file);
        assertThat(sd15.className()).isEqualTo("PNDMScheduler");
        assertThat(sd15.predictionType()).isEqualTo("epsilon");
        assertThat(sd15.timestepSpacing()).isNull();
        assertThat(sd15.trainedBetas()).isNull();
        assertThat(sd15.stepsOffset()).isEqualTo(1);

        // PLMS: 50 steps give 51 model evaluations from 951 down, the second timestep repeated.
        Scheduler plms = Schedulers.create(null, sd15);
        plms.setTimesteps(50);
        assertThat(plms.timesteps()).hasSize(51).startsWith(981, 961, 961, 941).endsWith(21, 1);

        // Euler's own default spacing ("linspace") applies when the file has none, as in diffusers' from_config.
        Scheduler euler = Schedulers.create("euler", sd15);
        euler.setTimesteps(20);
        assertThat(euler.timesteps()).startsWith(999, 946, 893).endsWith(0);
        assertThat(euler.timestepValues()[1]).isEqualTo(946.4211f);
        // The well-known Stable Diffusion sigma_max: sqrt((1 - a_999) / a_999) = 14.6146.
        assertThat(euler.initNoiseSigma()).isCloseTo(14.6146f, within(1e-4f));

        SchedulerConfig sd21 = SchedulerConfig.fromJson(SD21);
        Scheduler ddim = Schedulers.create(null, sd21);
        ddim.setTimesteps(50);
        assertThat(ddim.timesteps()).startsWith(981, 961).endsWith(1);
        assertThat(ddim.initNoiseSigma()).isEqualTo(1.0f);
        assertThat(sd21.predictionType()).isEqualTo("v_prediction");

        Scheduler dpm = Schedulers.create("dpmpp-2m", sd21);
        dpm.setTimesteps(25);
        assertThat(dpm.timesteps()).as("DPM-Solver's default spacing is linspace").hasSize(25).startsWith(999, 959)
                .endsWith(80, 40);
    }

    @Test
    void everyNameAndClassNameCreatesAWorkingScheduler() {
        SchedulerConfig config = SchedulerConfig.stableDiffusion();
        for (String name : Schedulers.NAMES) {
            Scheduler scheduler = Schedulers.create(name, config);
            scheduler.setTimesteps(10);
            GaussianNoise noise = new GaussianNoise(1);
            float[] sample = noise.next(64);
            for (int i = 0; i < sample.length; i++) {
                sample[i] *= scheduler.initNoiseSigma();
            }
            float[] original = sample.clone();
            for (int i = 0; i < scheduler.timesteps().length; i++) {
                float[] input = scheduler.scaleModelInput(sample, i);
                float[] next = scheduler.step(SchedulerGoldenTest.fakeModel(input, scheduler.timestepValues()[i]), i,
                        sample, noise);
                assertThat(next).as(name).isNotSameAs(sample).hasSize(64);
                sample = next;
            }
            assertThat(sample).as(name + " moved away from the noise").isNotEqualTo(original);
            for (float v : sample) {
                assertThat(Float.isFinite(v)).as(name).isTrue();
            }
        }
        for (String className : new String[] {"DDIMScheduler", "EulerDiscreteScheduler",
                "EulerAncestralDiscreteScheduler", "DPMSolverMultistepScheduler", "PNDMScheduler"}) {
            SchedulerConfig config2 = SchedulerConfig.fromJson(SD15.replace("PNDMScheduler", className));
            assertThat(Schedulers.create(null, config2)).isNotNull();
        }
    }

    @Test
    void unsupportedSettingsAreRefusedNamingTheKey() {
        assertThatThrownBy(() -> SchedulerConfig.fromJson(SD15.replace("\"clip_sample\": false",
                "\"use_karras_sigmas\": true")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("use_karras_sigmas=true")
                .hasMessageContaining("set it to false");
        assertThatThrownBy(() -> SchedulerConfig.fromJson(SD15.replace("scaled_linear", "sigmoid")))
                .hasMessageContaining("beta_schedule must be one of [linear, scaled_linear, squaredcos_cap_v2]");
        assertThatThrownBy(() -> SchedulerConfig.fromJson(SD21.replace("v_prediction", "x0")))
                .hasMessageContaining("prediction_type must be one of");
        assertThatThrownBy(() -> SchedulerConfig.fromJson("{\"timestep_spacing\": \"even\"}"))
                .hasMessageContaining("timestep_spacing must be one of [leading, linspace, trailing]");
        assertThatThrownBy(() -> SchedulerConfig.fromJson("{\"thresholding\": true}"))
                .hasMessageContaining("thresholding=true is not supported");
        assertThatThrownBy(() -> SchedulerConfig.fromJson("{\"num_train_timesteps\": \"many\"}"))
                .hasMessageContaining("num_train_timesteps must be an integer");
        assertThatThrownBy(() -> SchedulerConfig.fromJson("{\"trained_betas\": [0.1, 0.2]}"))
                .hasMessageContaining("trained_betas has 2 values, num_train_timesteps is 1000");
        assertThat(SchedulerConfig.fromJson("{\"lambda_min_clipped\": -Infinity}").solverOrder())
                .as("diffusers writes -Infinity into DPM-Solver configs").isEqualTo(2);
        assertThatThrownBy(() -> SchedulerConfig.fromJson("{\"lambda_min_clipped\": -5.1}"))
                .hasMessageContaining("lambda_min_clipped -5.1 is not supported");
        assertThatThrownBy(() -> SchedulerConfig.fromJson("{\"use_flow_sigmas\": true}"))
                .hasMessageContaining("use_flow_sigmas=true is not supported");
        assertThatThrownBy(() -> SchedulerConfig.fromJson("{\"final_sigmas_type\": \"one\"}"))
                .hasMessageContaining("final_sigmas_type must be \"zero\" or \"sigma_min\"");
        assertThatThrownBy(() -> SchedulerConfig.fromJson("[1, 2"))
                .hasMessageStartingWith("scheduler config: not valid JSON");

        SchedulerConfig sd15 = SchedulerConfig.fromJson(SD15);
        assertThatThrownBy(() -> Schedulers.create("lms", sd15))
                .hasMessageContaining("unknown scheduler \"lms\"")
                .hasMessageContaining("dpmpp-2m");
        assertThatThrownBy(() -> Schedulers.create(null, SchedulerConfig.fromJson("{\"_class_name\": \"LMSDiscreteScheduler\"}")))
                .hasMessageContaining("scheduler class \"LMSDiscreteScheduler\" is not supported");
        assertThatThrownBy(() -> Schedulers.create(null, SchedulerConfig.fromJson("{}")))
                .hasMessageContaining("has no _class_name");
        assertThatThrownBy(() -> Schedulers.create(null, SchedulerConfig.fromJson(
                "{\"_class_name\": \"PNDMScheduler\"}")))
                .hasMessageContaining("skip_prk_steps");
        assertThat(Schedulers.create("pndm", SchedulerConfig.fromJson("{\"_class_name\": \"PNDMScheduler\"}")))
                .as("asked for by name, pndm is PLMS").isNotNull();
        assertThatThrownBy(() -> Schedulers.create(null, SchedulerConfig.fromJson(
                "{\"_class_name\": \"DPMSolverMultistepScheduler\", \"solver_order\": 3}")))
                .hasMessageContaining("solver_order 3 is not supported");
        assertThatThrownBy(() -> Schedulers.create(null, SchedulerConfig.fromJson(
                "{\"_class_name\": \"DPMSolverMultistepScheduler\", \"algorithm_type\": \"sde-dpmsolver++\"}")))
                .hasMessageContaining("algorithm_type \"sde-dpmsolver++\" is not supported");
        assertThatThrownBy(() -> Schedulers.create("euler-ancestral", SchedulerConfig.fromJson(
                "{\"prediction_type\": \"sample\"}")))
                .hasMessageContaining("\"sample\" is not supported by euler-ancestral");
        assertThatThrownBy(() -> Schedulers.create("ddim", SchedulerConfig.fromJson("{\"clip_sample\": true}")))
                .hasMessageContaining("clip_sample=true");
    }

    @Test
    void misuseIsReportedClearly() {
        SchedulerConfig config = SchedulerConfig.stableDiffusion();
        Scheduler dpm = Schedulers.create("dpmpp-2m", config);
        assertThatThrownBy(dpm::timesteps).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("setTimesteps");
        assertThatThrownBy(() -> dpm.setTimesteps(0)).hasMessageContaining("steps must lie in [1, 1000]");
        dpm.setTimesteps(5);
        float[] sample = new float[8];
        assertThatThrownBy(() -> dpm.step(new float[8], 1, sample, null))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("expected step 0, got 1");
        assertThatThrownBy(() -> dpm.step(new float[7], 0, sample, null))
                .hasMessageContaining("model output has 7 values but the sample has 8");
        assertThatThrownBy(() -> dpm.step(new float[8], 5, sample, null))
                .hasMessageContaining("stepIndex must lie in [0, 5)");

        Scheduler ancestral = Schedulers.create("euler-ancestral", config);
        ancestral.setTimesteps(5);
        assertThatThrownBy(() -> ancestral.step(new float[8], 0, sample, null))
                .hasMessageContaining("pass a GaussianNoise");

        Scheduler ddim = Schedulers.create("ddim", SchedulerConfig.fromJson("{\"steps_offset\": 999,"
                + " \"timestep_spacing\": \"leading\"}"));
        assertThatThrownBy(() -> ddim.setTimesteps(2)).hasMessageContaining("falls outside [0, 1000)");
    }

    @Test
    void aSchedulerCanBeReusedForANewRun() {
        SchedulerConfig config = SchedulerConfig.stableDiffusion();
        Scheduler pndm = Schedulers.create("pndm", config);
        float[][] finals = new float[2][];
        for (int run = 0; run < 2; run++) {
            pndm.setTimesteps(8);
            float[] sample = new GaussianNoise(7).next(16);
            for (int i = 0; i < pndm.timesteps().length; i++) {
                sample = pndm.step(SchedulerGoldenTest.fakeModel(sample, pndm.timestepValues()[i]), i, sample, null);
            }
            finals[run] = sample;
        }
        assertThat(finals[1]).containsExactly(finals[0]);
    }
}

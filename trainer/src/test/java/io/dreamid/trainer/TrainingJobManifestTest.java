package io.dreamid.trainer;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The Kubernetes training Job's arguments (deploy/k8s/components/training/training-job.yaml) are a command line this
 * trainer accepts: its own option parser reads them, {@code --devices} gives one device per GPU the pod is given, and
 * every GPU gets pairs. (deploy/local's manifest tests check the rest of the Job; they cannot load the trainer.)
 */
class TrainingJobManifestTest {

    @Test
    void theJobsArgumentsAreACommandLineTheTrainerAccepts() throws IOException {
        JsonNode job = new YAMLMapper().readTree(TestModels.sibling("deploy/k8s/components/training")
                .resolve("training-job.yaml").toFile());
        JsonNode container = job.at("/spec/template/spec/containers/0");
        List<String> args = new ArrayList<>();
        container.path("args").forEach(a -> args.add(a.asText()));
        int gpus = container.at("/resources/limits/nvidia.com~1gpu").asInt();

        TrainingOptions options = TrainerMain.parse(args.toArray(String[]::new));
        String devices = args.get(args.indexOf("--devices") + 1);
        assertThat(TrainingDevices.parse(devices, gpus)).hasSize(gpus);
        assertThat(TrainingDevices.shardSizes(options.batch(), gpus)).hasSize(gpus).doesNotContain(0);
        assertThat(options.steps()).isGreaterThan(options.checkpointEvery());
        assertThat(args).contains("--dataset-id", "--run-id", "--publish");
        assertThat(options.dataset().getFileName().toString()).isEqualTo(args.get(args.indexOf("--dataset-id") + 1));
    }
}

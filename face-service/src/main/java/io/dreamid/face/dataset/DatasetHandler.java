package io.dreamid.face.dataset;

import io.dreamid.common.messages.DatasetMessage;
import io.dreamid.common.messages.Stage;
import io.dreamid.common.storage.ObjectStore;
import io.dreamid.face.pipeline.FaceEngine;
import io.dreamid.stage.JobRef;
import io.dreamid.stage.KafkaSettings;
import io.dreamid.stage.Outcome;
import io.dreamid.stage.StageConfig;
import io.dreamid.stage.StageHandler;
import io.dreamid.stage.StageInput;
import io.dreamid.stage.StageJob;
import io.dreamid.stage.StageRetry;
import jakarta.enterprise.context.ApplicationScoped;

import java.nio.charset.StandardCharsets;

/**
 * The dataset builder (issue 16): a stage of the face-service on {@code dreamid.datasets} (group
 * {@code dreamid-dataset}). A build holds its record for as long as it runs; when the service stops, the record is
 * left uncommitted and redelivered, and the build resumes from what storage and the job events say
 * ({@link DatasetBuild}).
 */
@ApplicationScoped
@StageInput(stage = Stage.DATASET, name = "datasets", message = DatasetMessage.class)
public class DatasetHandler implements StageHandler<DatasetMessage> {
    private final DatasetBuild.Services services;

    DatasetHandler(FaceEngine engine, ObjectStore store, StageRetry retry, KafkaSettings kafka,
            StageConfig stageConfig, DatasetConfig config) {
        this.services = new DatasetBuild.Services(engine, store, retry, kafka, stageConfig, config);
    }

    /** Build messages have their own reader: it checks the build's id, tenant, creation time, seed and spec. */
    @Override
    public DatasetMessage read(String value) {
        return DatasetMessage.read(value == null ? null : value.getBytes(StandardCharsets.UTF_8));
    }

    @Override
    public JobRef job(DatasetMessage message) {
        return new JobRef(message.datasetId(), message.tenant());
    }

    @Override
    public Outcome handle(DatasetMessage message, StageJob work) {
        return new DatasetBuild(DatasetPlan.of(message), work, services).run();
    }
}

package io.dreamid.diffusion.messaging;

import io.dreamid.common.ObjectKeys;
import io.dreamid.common.Topics;
import io.dreamid.common.json.Json;
import io.dreamid.common.messages.IdentityMessage;
import io.dreamid.common.messages.JobSpec;
import io.dreamid.common.messages.SchemaVersions;
import io.dreamid.common.storage.ObjectStore;
import io.dreamid.common.tensors.FloatTensor;
import io.dreamid.common.tensors.Safetensors;
import io.dreamid.diffusion.service.GenerationService;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;

import java.time.Instant;
import java.util.Map;

/** The identity the diffusion-service ITs generate with (2 words of width 32, the tiny bundle's), and its jobs. */
final class IdentityJobs {
    static final String IDENTITY_ID = "it-identity";
    static final String TENANT = "acme";

    private IdentityJobs() {
    }

    /** Stores the identity's words (fixed values, as the encoder stage would store them). */
    static void storeIdentity(ObjectStore store) {
        float[] embedding = new float[2 * 32];
        for (int i = 0; i < embedding.length; i++) {
            embedding[i] = (float) Math.sin(0.3 * i);
        }
        store.put(ObjectKeys.identity(IDENTITY_ID), Safetensors.write(
                Map.of(GenerationService.IDENTITY_TENSOR, new FloatTensor(new long[] {2, 32}, embedding)),
                Map.of("format", "dreamid-identity/1", "words", "2", "width", "32")), "application/octet-stream");
    }

    /** Sends the job's identity message, as the encoder stage hands a job on. */
    static void send(KafkaProducer<String, String> producer, String jobId, JobSpec spec) {
        producer.send(new ProducerRecord<>(Topics.IDENTITIES, jobId, Json.toString(new IdentityMessage(
                SchemaVersions.CURRENT, jobId, TENANT, Instant.now(), spec, IDENTITY_ID,
                ObjectKeys.identity(IDENTITY_ID), "tiny-random-1", 2, 32, false))));
        producer.flush();
    }
}

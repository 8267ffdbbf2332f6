package io.dreamid.encoder.service;

import io.dreamid.common.messages.ErrorCodes;
import io.dreamid.common.storage.StorageRetry;
import io.dreamid.encoder.config.EncoderServiceConfig;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;

/** The stage's storage retries: attempts and backoff from config; running out ends the job STORAGE_ERROR. */
@ApplicationScoped
class StorageRetries {

    @Produces
    @Singleton
    StorageRetry storageRetry(EncoderServiceConfig config) {
        return new StorageRetry(config.storageAttempts(), config.storageBackoff(),
                (message, cause) -> new StageFailure(ErrorCodes.STORAGE_ERROR, message, cause));
    }
}

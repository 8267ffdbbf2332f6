package io.dreamid.diffusion.service;

import io.dreamid.common.messages.ErrorCodes;
import io.dreamid.common.storage.StorageRetry;
import io.dreamid.diffusion.config.DiffusionConfig;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;

/** The stage's storage retries: attempts and backoff from config; running out ends the job STORAGE_ERROR. */
@ApplicationScoped
class StorageRetries {

    @Produces
    @Singleton
    StorageRetry storageRetry(DiffusionConfig config) {
        return new StorageRetry(config.storageAttempts(), config.storageBackoff(),
                (message, cause) -> new StageFailure(ErrorCodes.STORAGE_ERROR, message, cause));
    }
}

package io.dreamid.common.storage;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Produces;

/** Gives every service one {@link ObjectStore} built from {@link StorageConfig}. */
@ApplicationScoped
public class ObjectStoreProducer {

    @Produces
    @ApplicationScoped
    ObjectStore objectStore(StorageConfig config) {
        ObjectStore store = ObjectStore.from(config);
        if (config.createBucket()) {
            store.ensureBucket();
        }
        return store;
    }
}

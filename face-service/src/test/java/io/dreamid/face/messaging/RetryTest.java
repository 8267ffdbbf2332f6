package io.dreamid.face.messaging;

import io.dreamid.common.storage.ObjectNotFoundException;
import io.dreamid.common.storage.StorageException;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Storage and broker hiccups are tried again with a growing pause; other failures are not. */
class RetryTest {
    private final Retry retry = new Retry(3, Duration.ofMillis(1));

    @Test
    void aHiccupIsRetriedUntilItPasses() {
        AtomicInteger calls = new AtomicInteger();
        String result = retry.call("reading", () -> {
            if (calls.incrementAndGet() < 3) {
                throw new StorageException("connection reset", null);
            }
            return "photo";
        });
        assertThat(result).isEqualTo("photo");
        assertThat(calls).hasValue(3);
    }

    @Test
    void theLastFailureSurfacesAfterEveryAttempt() {
        AtomicInteger calls = new AtomicInteger();
        assertThatThrownBy(() -> retry.run("writing", () -> {
            calls.incrementAndGet();
            throw new Retry.TransientException("broker did not acknowledge", null);
        })).isInstanceOf(Retry.TransientException.class);
        assertThat(calls).hasValue(3);
    }

    @Test
    void aMissingObjectIsNotRetried() {
        AtomicInteger calls = new AtomicInteger();
        assertThatThrownBy(() -> retry.call("reading", () -> {
            calls.incrementAndGet();
            throw new ObjectNotFoundException("inputs/x/photo.jpg");
        })).isInstanceOf(ObjectNotFoundException.class);
        assertThat(calls).hasValue(1);
    }
}

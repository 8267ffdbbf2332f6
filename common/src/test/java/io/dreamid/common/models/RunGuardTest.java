package io.dreamid.common.models;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Models are closed only once no run is inside them. */
class RunGuardTest {

    @Test
    void closingWaitsForTheRunInProgressThenRefusesNewRuns() throws Exception {
        RunGuard guard = new RunGuard("test models");
        CountDownLatch inside = new CountDownLatch(1);
        CountDownLatch finish = new CountDownLatch(1);
        AtomicBoolean closedDuringRun = new AtomicBoolean();
        AtomicBoolean closed = new AtomicBoolean();
        Thread run = new Thread(() -> {
            try (RunGuard.Run r = guard.enter()) {
                inside.countDown();
                finish.await();
                closedDuringRun.set(closed.get());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        run.start();
        assertThat(inside.await(10, TimeUnit.SECONDS)).isTrue();

        AtomicReference<Boolean> result = new AtomicReference<>();
        Thread closer = new Thread(() -> result.set(guard.closeWhenIdle(Duration.ofSeconds(30), () -> closed.set(true))));
        closer.start();
        closer.join(200);
        assertThat(closer.isAlive()).as("close waits for the run").isTrue();
        assertThat(closed).isFalse();

        finish.countDown();
        closer.join(10_000);
        run.join(10_000);
        assertThat(result.get()).isTrue();
        assertThat(closed).isTrue();
        assertThat(closedDuringRun).isFalse();
        assertThatThrownBy(guard::enter).isInstanceOf(IllegalStateException.class).hasMessageContaining("stopping");
    }

    @Test
    void aRunThatOutlastsTheWaitLeavesTheModelsOpen() {
        RunGuard guard = new RunGuard("test models");
        RunGuard.Run stuck = guard.enter();
        AtomicBoolean closed = new AtomicBoolean();

        assertThat(guard.closeWhenIdle(Duration.ofMillis(50), () -> closed.set(true))).isFalse();
        assertThat(closed).isFalse();
        assertThat(guard.inFlight()).isEqualTo(1);
        stuck.close();
        assertThat(guard.inFlight()).isZero();
    }
}

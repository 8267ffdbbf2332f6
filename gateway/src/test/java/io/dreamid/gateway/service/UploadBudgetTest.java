package io.dreamid.gateway.service;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class UploadBudgetTest {

    private static UploadBudget budget(long bytes) {
        UploadBudget budget = new UploadBudget();
        budget.metrics = new SimpleMeterRegistry();
        budget.configure(bytes, Duration.ofMillis(50));
        return budget;
    }

    @Test
    void photosShareTheBudgetUntilTheirReservationsAreClosed() {
        UploadBudget budget = budget(10 * 1024 * 1024);

        UploadBudget.Reservation first = budget.reserve(6 * 1024 * 1024);
        assertThat(budget.reservedBytes()).isEqualTo(6 * 1024 * 1024);
        assertThatThrownBy(() -> budget.reserve(5 * 1024 * 1024))
                .isInstanceOf(UploadBudget.UploadBudgetException.class)
                .hasMessageContaining("10 MiB of uploads at once");
        assertThat(budget.metrics.counter("dreamid.gateway.upload.refused").count()).isEqualTo(1);
        try (UploadBudget.Reservation second = budget.reserve(4 * 1024 * 1024)) {
            assertThat(budget.reservedBytes()).isEqualTo(10 * 1024 * 1024);
        }
        first.close();
        first.close();
        assertThat(budget.reservedBytes()).as("closing twice frees once").isZero();
    }

    @Test
    void aPhotoLargerThanTheWholeBudgetTakesAllOfItRatherThanWaitingForever() {
        UploadBudget budget = budget(1024 * 1024);

        try (UploadBudget.Reservation all = budget.reserve(50L * 1024 * 1024)) {
            assertThat(budget.reservedBytes()).isEqualTo(1024 * 1024);
        }
        try (UploadBudget.Reservation all = budget.reserve(Long.MAX_VALUE)) {
            assertThat(budget.reservedBytes()).isEqualTo(1024 * 1024);
        }
        assertThat(budget.reservedBytes()).isZero();
        try (UploadBudget.Reservation tiny = budget.reserve(1)) {
            assertThat(budget.reservedBytes()).as("at least 1 KiB").isEqualTo(1024);
        }
    }
}

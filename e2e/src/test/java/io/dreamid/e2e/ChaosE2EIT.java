package io.dreamid.e2e;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The CI-sized chaos run: 20 jobs while the diffusion worker is killed (SIGKILL), object storage is unreachable
 * for 15 s, and the face-service is killed: every job SUCCEEDED with exactly its images, none lost or duplicated.
 */
class ChaosE2EIT {

    @Test
    void everyJobSucceedsOnceWithItsImagesThroughKillsAndAStorageOutage() throws Exception {
        Platform platform = Platform.shared();
        Chaos.Report report = Chaos.run(platform, new Chaos.Plan(20, 2, Duration.ofSeconds(2),
                List.of("diffusion-service", Chaos.STORAGE, "face-service"), Duration.ofSeconds(4),
                Duration.ofSeconds(15), false, Duration.ofMinutes(4)), System.out);
        System.out.println(report.summary());

        assertThat(report.problems()).as(report.summary()).isEmpty();
        assertThat(report.succeeded()).isEqualTo(20);
        assertThat(report.failed()).isZero();
        assertThat(report.lost()).isZero();
        assertThat(report.duplicated()).isZero();
        assertThat(report.kills()).hasSize(3);
    }
}

package io.dreamid.stage;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The FAILED event of a message that cannot be read carries the tenant it names when there is one, so that the
 * failure shows at the gateway to whoever sent it (a job of an unsupported schema version, say).
 */
class DeadLettersTest {

    @Test
    void theTenantOfAReadableButUnsupportedMessageIsKept() {
        assertThat(DeadLetters.tenantOf("{\"schemaVersion\":9,\"jobId\":\"j\",\"tenant\":\"acme\"}")).isEqualTo("acme");
    }

    @Test
    void noTenantIsMadeUp() {
        assertThat(DeadLetters.tenantOf("hello")).isNull();
        assertThat(DeadLetters.tenantOf(null)).isNull();
        assertThat(DeadLetters.tenantOf("{\"tenant\":42}")).isNull();
        assertThat(DeadLetters.tenantOf("{\"tenant\":\" \"}")).isNull();
        assertThat(DeadLetters.tenantOf("[1,2]")).isNull();
    }
}

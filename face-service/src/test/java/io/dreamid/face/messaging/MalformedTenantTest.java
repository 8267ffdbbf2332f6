package io.dreamid.face.messaging;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The FAILED event of a job message that cannot be read carries the tenant it names when there is one, so that the
 * failure shows at the gateway to whoever sent it (a job of an unsupported schema version, say).
 */
class MalformedTenantTest {

    @Test
    void theTenantOfAReadableButUnsupportedMessageIsKept() {
        assertThat(JobHandler.tenantOf("{\"schemaVersion\":9,\"jobId\":\"j\",\"tenant\":\"acme\"}")).isEqualTo("acme");
    }

    @Test
    void noTenantIsMadeUp() {
        assertThat(JobHandler.tenantOf("hello")).isNull();
        assertThat(JobHandler.tenantOf(null)).isNull();
        assertThat(JobHandler.tenantOf("{\"tenant\":42}")).isNull();
        assertThat(JobHandler.tenantOf("{\"tenant\":\" \"}")).isNull();
        assertThat(JobHandler.tenantOf("[1,2]")).isNull();
    }
}

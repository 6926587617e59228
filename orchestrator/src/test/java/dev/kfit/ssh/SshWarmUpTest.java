package dev.kfit.ssh;

import static org.assertj.core.api.Assertions.assertThatCode;

import org.junit.jupiter.api.Test;

class SshWarmUpTest {
    @Test
    void theWarmUpLogsInAndRunsACommandThroughKfitsOwnClient() {
        // It swallows its failures in production (it only saves time), so this is where one shows.
        assertThatCode(SshWarmUp::run).doesNotThrowAnyException();
    }
}

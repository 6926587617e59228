package dev.kfit.guest;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class ClockDriftTest {
    @Test
    void aGuestThatKeptTheHostsTimeIsTrusted() {
        // 40 s of scenario, the guest 0.3 s behind: SSH round trips and rounding.
        assertThat(new ClockDrift("target", 40.0, 0.3).wrong()).isFalse();
        assertThat(new ClockDrift("target", 2.0, -0.9).wrong()).isFalse();
    }

    @Test
    void aGuestWhoseClockRanFiftyTimesTooFastIsNot() {
        // What a loaded test host's guest did after "tsc: PIT calibration deviates from HPET: 49205 2594759":
        // the writer's 24 s were over after 1.6 s of the host's.
        ClockDrift d = new ClockDrift("initiator", 1.6, 1.6 - 24.0);
        assertThat(d.wrong()).isTrue();
        assertThat(d.guestElapsedS()).isEqualTo(24.0, org.assertj.core.data.Offset.offset(1e-9));
        assertThat(d.describe()).contains("guest initiator's clock ran 24.0 s while the host's ran 1.6 s (rate 15.00)");
    }

    @Test
    void aGuestClockThatStoodStillIsNotTrustedEither() {
        assertThat(new ClockDrift("peer", 60.0, 30.0).wrong()).isTrue();
        assertThat(new ClockDrift("peer", 60.0, 6.5).wrong()).isFalse();
    }
}

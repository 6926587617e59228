package dev.kfit.guest;

import java.util.Map;

/**
 * How far a guest's CLOCK_MONOTONIC moved from the host's since kfit mapped one onto the other.
 * Under TCG the guest's clock is the host's TSC at the rate the guest kernel calibrated at boot; a
 * starved boot can calibrate it far off ("tsc: PIT calibration deviates from HPET"), and then every
 * duration the guest measured (the unbind, a traffic run's seconds) is wrong by that factor.
 *
 * @param hostElapsedS host seconds between the calibration and this check
 * @param driftS       host elapsed minus guest elapsed over the same interval
 */
public record ClockDrift(String guest, double hostElapsedS, double driftS) {
    /** Slack for SSH round trips and rounding, in seconds. */
    static final double SLACK_S = 1.0;
    /** A guest clock that ran more than this far from the host's rate did not measure in seconds. */
    static final double RATE_TOLERANCE = 0.1;

    public double guestElapsedS() {
        return hostElapsedS - driftS;
    }

    /** True when the guest's durations cannot be trusted. */
    public boolean wrong() {
        return Math.abs(driftS) > SLACK_S + RATE_TOLERANCE * hostElapsedS;
    }

    public String describe() {
        return String.format("guest %s's clock ran %.1f s while the host's ran %.1f s (rate %.2f): "
                + "its measurements are not in seconds", guest, guestElapsedS(), hostElapsedS,
                hostElapsedS > 0 ? guestElapsedS() / hostElapsedS : Double.NaN);
    }

    public Map<String, Object> toHistory() {
        return Map.of("guest", guest, "host_elapsed_s", hostElapsedS, "guest_elapsed_s", guestElapsedS(),
                "wrong", wrong());
    }
}

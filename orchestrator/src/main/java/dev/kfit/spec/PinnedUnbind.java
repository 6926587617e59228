package dev.kfit.spec;

import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * Pin device memory (p2pdma pages registered for RDMA), unbind the device while the pin is held,
 * release the pin and see whether the unbind completes or hangs.
 *
 * @param hold            how long the pin is held
 * @param unbindDelay     when the unbind starts, counted from the registration
 * @param hungTaskTimeout the guest's {@code hung_task_timeout_secs}
 * @param grace           how long after the release the unbind may still take before the verdict is HUNG
 * @param pinBytes        how much memory is pinned, a multiple of the 4 KiB page size
 */
public record PinnedUnbind(String name, Duration hold, Duration unbindDelay, Duration hungTaskTimeout,
                           Duration grace, long pinBytes) implements ScenarioSpec {
    public static final String TYPE = "pinned-unbind";
    static final Duration DEFAULT_HOLD = Duration.ofSeconds(20);
    static final Duration DEFAULT_UNBIND_DELAY = Duration.ofSeconds(3);
    static final Duration DEFAULT_HUNG_TASK_TIMEOUT = Duration.ofSeconds(5);
    static final Duration DEFAULT_GRACE = Duration.ofSeconds(30);
    static final long DEFAULT_PIN_BYTES = 2 * SpecValues.MIB;
    static final long PAGE = 4096;
    static final List<String> KEYS = List.of("hold", "unbind_delay", "hung_task_timeout", "grace", "pin_size");

    public PinnedUnbind {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(hold, "hold");
        Objects.requireNonNull(unbindDelay, "unbindDelay");
        Objects.requireNonNull(hungTaskTimeout, "hungTaskTimeout");
        Objects.requireNonNull(grace, "grace");
    }

    @Override
    public String type() {
        return TYPE;
    }

    /** Reads and checks the parameters; {@code m}'s keys were already checked against {@link #KEYS}. */
    static PinnedUnbind parse(String name, SpecMap m) {
        Duration hold = m.duration("hold", DEFAULT_HOLD);
        Duration unbindDelay = m.duration("unbind_delay", DEFAULT_UNBIND_DELAY);
        Duration hungTaskTimeout = m.duration("hung_task_timeout", DEFAULT_HUNG_TASK_TIMEOUT);
        Duration grace = m.duration("grace", DEFAULT_GRACE);
        long pinBytes = m.value("pin_size", DEFAULT_PIN_BYTES, SpecValues::size);

        if (hold.isZero()) {
            throw m.error("hold", "hold must be greater than 0");
        }
        // The unbind has to start while the pin is held, or there is nothing to race against.
        if (unbindDelay.compareTo(hold) >= 0) {
            throw m.error(m.has("unbind_delay") ? "unbind_delay" : "hold", "unbind_delay ("
                    + SpecValues.format(unbindDelay) + ") must be less than hold (" + SpecValues.format(hold) + ")");
        }
        // The kernel's hung_task_timeout_secs takes whole seconds, and 0 disables the detector.
        if (hungTaskTimeout.compareTo(Duration.ofSeconds(1)) < 0) {
            throw m.error("hung_task_timeout", "hung_task_timeout must be at least 1s, got "
                    + SpecValues.format(hungTaskTimeout));
        }
        if (hungTaskTimeout.toNanos() % 1_000_000_000L != 0) {
            throw m.error("hung_task_timeout", "hung_task_timeout must be whole seconds"
                    + " (the kernel's hung_task_timeout_secs), got " + SpecValues.format(hungTaskTimeout));
        }
        if (grace.isZero()) {
            throw m.error("grace", "grace must be greater than 0");
        }
        if (pinBytes <= 0 || pinBytes % PAGE != 0) {
            throw m.error("pin_size", "pin_size must be a positive multiple of 4096, got '"
                    + m.string("pin_size") + "'");
        }
        return new PinnedUnbind(name, hold, unbindDelay, hungTaskTimeout, grace, pinBytes);
    }
}

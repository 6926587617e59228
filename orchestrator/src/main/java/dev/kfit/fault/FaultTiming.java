package dev.kfit.fault;

/**
 * When a fault happened on the host's timeline (System.nanoTime; guest times mapped onto it) and
 * how long the injection took, measured where it ran (in the guest for sysfs writes).
 *
 * @param startedHostNs  when the injection started (null: not yet)
 * @param returnedHostNs when it returned (null: still blocked or never observed)
 * @param latencyMs      start to return
 * @param ok             whether it returned without error
 * @param healedHostNs   when the heal finished (null: not healed)
 * @param healOk         whether the heal worked (null: not attempted)
 * @param detail         errno text or what was seen
 */
public record FaultTiming(Long startedHostNs, Long returnedHostNs, Double latencyMs, boolean ok,
                          Long healedHostNs, Boolean healOk, String detail) {
    public static final FaultTiming NOT_STARTED = new FaultTiming(null, null, null, false, null, null, null);

    public FaultTiming healed(long at, boolean healWorked, String what) {
        return new FaultTiming(startedHostNs, returnedHostNs, latencyMs, ok, at, healWorked, what);
    }
}

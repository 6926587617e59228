package dev.kfit.verdict;

import java.util.Arrays;

/**
 * The classification of one cell. Each verdict knows which of three kinds it is, and this is the
 * one place that says so (reports, compare, exit codes and retries ask here):
 * <ul>
 *   <li>a <em>finding</em>: the kernel did something a user would not want ({@link #isFinding()});</li>
 *   <li>a kernel verdict that is not a finding: the kernel behaved ({@link #isKernelVerdict()});</li>
 *   <li>kfit's own error: says nothing about the kernel ({@link #isKfitError()}), never a pass.</li>
 * </ul>
 * results.json stores the name; {@link #of(String)} reads it back, a name this kfit does not know
 * (a newer run) as null, which the string helpers treat as neither a finding nor kfit's error.
 */
public enum Verdict {
    /** Registering the P2P memory failed (errno kept); the unbind was still performed and timed. */
    PIN_REFUSED(Kind.KERNEL_OK, "The kernel refused to register (pin) the P2P memory, so nothing held it; the unbind was still timed."),
    /** The unbind returned only after the pin holder released the memory. */
    BLOCKED_UNTIL_RELEASE(Kind.FINDING, "The unbind waited until the holder released the memory: a user can hold a device unbind hostage."),
    /** The unbind (or a traffic fault) had not returned a grace period after the release. */
    HUNG(Kind.FINDING, "The unbind (or a fault) had still not returned a grace period after the memory was released."),
    /** The unbind returned while the pin was still held. */
    PROMPT(Kind.KERNEL_OK, "The unbind returned while the memory was still pinned."),
    /** Traffic ran (with its faults, if any) and every fault returned: the figures are in the measurements. */
    TRAFFIC_OK(Kind.KERNEL_OK, "RDMA traffic ran and every injected fault returned; the figures are in the measurements."),
    /**
     * The unbind returned promptly and every access through the holder's old mapping, registration or
     * import failed afterwards: the design revokes the memory instead of waiting for its users.
     */
    REVOKED(Kind.KERNEL_OK, "The unbind returned promptly and every later access through the old mapping, registration or import failed."),
    /**
     * The unbind returned while the device memory was still reachable through the holder's mapping,
     * registration or import (a read, a peer's RDMA write or a re-import worked afterwards).
     */
    REACHABLE_AFTER_UNBIND(Kind.FINDING, "The unbind returned but the device memory could still be read or written through the holder's mapping, registration or import."),
    /**
     * The unbind asked the holder to let go through VFIO's request channel and returned once it did:
     * the cooperative protocol working.
     */
    RELEASED_ON_REQUEST(Kind.KERNEL_OK, "The unbind asked the holder to let go through VFIO's request channel and returned once it did."),
    /**
     * The kernel lacks the mechanism the scenario exercises (rxe without ODP, no VFIO dma-buf export):
     * a statement about the kernel, not an error; the cell's notes give the reason the guest saw.
     */
    UNSUPPORTED(Kind.KERNEL_OK, "The kernel lacks the mechanism the scenario exercises; the cell's notes say why."),
    /** The kernel panicked, oopsed or hit BUG, on any guest, whatever the scenario type. */
    CRASH(Kind.FINDING, "The kernel panicked, oopsed or hit BUG on a guest."),
    /** kfit's own failure (boot, SSH, QEMU, no observation): never counted as a kernel finding. */
    INFRA_ERROR(Kind.KFIT_ERROR, "kfit could not run or observe the cell (boot, SSH, QEMU): says nothing about the kernel."),
    /**
     * The scenario's checker threw on the stored evidence: a bug in kfit, never a kernel verdict and
     * never a pass. The evidence stays in the cell directory, so {@code kfit report} can judge again
     * once the checker is fixed. Not retried: the same evidence would make it throw again.
     */
    CHECKER_ERROR(Kind.KFIT_ERROR, "kfit's checker failed on the stored evidence: a kfit bug, not a kernel verdict; kfit report judges again once fixed.");

    private enum Kind { FINDING, KERNEL_OK, KFIT_ERROR }

    private final Kind kind;
    private final String meaning;

    Verdict(Kind kind, String meaning) {
        this.kind = kind;
        this.meaning = meaning;
    }

    /** One sentence for a reader of the report's legend: what happened in a cell with this verdict. */
    public String meaning() {
        return meaning;
    }

    /** The kernel did something a user would not want: a failure in JUnit, FAIL in KCIDB, a regression when new. */
    public boolean isFinding() {
        return kind == Kind.FINDING;
    }

    /** kfit's own failure (infrastructure or checker): says nothing about the kernel. */
    public boolean isKfitError() {
        return kind == Kind.KFIT_ERROR;
    }

    /** A statement about the kernel, a finding or not. */
    public boolean isKernelVerdict() {
        return kind != Kind.KFIT_ERROR;
    }

    /** The verdict named in results.json, or null for a name this kfit does not know. */
    public static Verdict of(String name) {
        return Arrays.stream(values()).filter(v -> v.name().equals(name)).findFirst().orElse(null);
    }

    /** {@link #isFinding()} of a verdict as results.json stores it; false for an unknown name. */
    public static boolean isFinding(String name) {
        Verdict v = of(name);
        return v != null && v.isFinding();
    }

    /** {@link #isKfitError()} of a verdict as results.json stores it; false for an unknown name. */
    public static boolean isKfitError(String name) {
        Verdict v = of(name);
        return v != null && v.isKfitError();
    }
}

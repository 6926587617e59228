package dev.kfit.verdict;

/** The classification of one cell. Only INFRA_ERROR is kfit's own failure; the rest are kernel findings. */
public enum Verdict {
    /** Registering the P2P memory failed (errno kept); the unbind was still performed and timed. */
    PIN_REFUSED,
    /** The unbind returned only after the pin holder released the memory. */
    BLOCKED_UNTIL_RELEASE,
    /** The unbind had not returned a grace period after the release. */
    HUNG,
    /** The unbind returned while the pin was still held. */
    PROMPT,
    /** The kernel panicked, oopsed or hit BUG. */
    CRASH,
    /** kfit's own failure (boot, SSH, QEMU): never counted as a kernel finding. */
    INFRA_ERROR;

    public boolean isKernelVerdict() {
        return this != INFRA_ERROR;
    }
}

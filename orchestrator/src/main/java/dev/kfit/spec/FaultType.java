package dev.kfit.spec;

import java.util.Arrays;

/**
 * The faults an {@code rdma-traffic} scenario can inject: the one list of them, with what each needs
 * from the guest it hits.
 *
 * @param yamlName       as written in the spec's {@code type:}
 * @param needsNvme      acts on the guest's NVMe device, so the guest needs a CMB
 * @param needsLink      acts on one of the guest's network links
 * @param onServerByDefault without {@code guest:}, hits the scenario's server (else its client)
 * @param onLink         acts on the link between two guests, named by {@code link:} rather than {@code guest:}
 *                       (done by the link's relay, kfit-link)
 * @param healable       has something to heal, so {@code heal_after} means something
 */
public enum FaultType {
    UNBIND("unbind", true, false, true, false, true),
    PCI_REMOVE("pci-remove", true, false, true, false, true),
    HOT_UNPLUG("hot-unplug", true, false, true, false, true),
    KILL_PIN_HOLDER("kill-pin-holder", false, false, true, false, false),
    LINK_DOWN("link-down", false, true, false, false, true),
    RDMA_LINK_DELETE("rdma-link-delete", false, false, false, false, true),
    /** The relay drops all of the link's traffic, both ways; heal: it forwards again. */
    PARTITION("partition", false, false, false, true, true),
    /** The relay delays, loses, duplicates or reorders the link's frames ({@link Netem}); heal: no impairment. */
    NETEM("netem", false, false, false, true, true),
    /** Every guest on the host running the guest dies at once, as in a power loss; they stay down. */
    HOST_CRASH("host-crash", false, false, true, false, false);

    private final String yamlName;
    private final boolean needsNvme;
    private final boolean needsLink;
    private final boolean onServerByDefault;
    private final boolean onLink;
    private final boolean healable;

    FaultType(String yamlName, boolean needsNvme, boolean needsLink, boolean onServerByDefault, boolean onLink,
              boolean healable) {
        this.yamlName = yamlName;
        this.needsNvme = needsNvme;
        this.needsLink = needsLink;
        this.onServerByDefault = onServerByDefault;
        this.onLink = onLink;
        this.healable = healable;
    }

    public boolean onLink() {
        return onLink;
    }

    public boolean healable() {
        return healable;
    }

    public String yamlName() {
        return yamlName;
    }

    public boolean needsNvme() {
        return needsNvme;
    }

    public boolean needsLink() {
        return needsLink;
    }

    public boolean onServerByDefault() {
        return onServerByDefault;
    }

    /** The type written {@code yamlName} in the spec, or null. */
    public static FaultType byName(String yamlName) {
        return Arrays.stream(values()).filter(t -> t.yamlName.equals(yamlName)).findFirst().orElse(null);
    }

    static String names() {
        return String.join(", ", Arrays.stream(values()).map(FaultType::yamlName).toList());
    }
}

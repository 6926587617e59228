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
 */
public enum FaultType {
    UNBIND("unbind", true, false, true),
    PCI_REMOVE("pci-remove", true, false, true),
    HOT_UNPLUG("hot-unplug", true, false, true),
    KILL_PIN_HOLDER("kill-pin-holder", false, false, true),
    LINK_DOWN("link-down", false, true, false),
    RDMA_LINK_DELETE("rdma-link-delete", false, false, false);

    private final String yamlName;
    private final boolean needsNvme;
    private final boolean needsLink;
    private final boolean onServerByDefault;

    FaultType(String yamlName, boolean needsNvme, boolean needsLink, boolean onServerByDefault) {
        this.yamlName = yamlName;
        this.needsNvme = needsNvme;
        this.needsLink = needsLink;
        this.onServerByDefault = onServerByDefault;
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

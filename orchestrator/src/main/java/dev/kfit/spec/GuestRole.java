package dev.kfit.spec;

import java.util.List;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * One guest of a topology.
 *
 * @param name  unique within the topology; also the guest's hostname and QEMU id
 * @param cmbMb the emulated NVMe controller memory buffer in MiB; 0 means the guest has no NVMe device
 * @param host  the inventory host it must run on ({@code host:}), or null for wherever the placement puts it
 * @param iommu whether the guest has an emulated IOMMU (QEMU's intel-iommu): VFIO and iommufd need one
 */
public record GuestRole(String name, int cmbMb, String host, boolean iommu) {
    /** A hostname label and a QEMU id at once: lower case, no dots or underscores. */
    static final Pattern NAME = Pattern.compile("[a-z][a-z0-9-]{0,30}");
    static final int MAX_CMB_MB = 4096;
    static final List<String> KEYS = List.of("name", "cmb", "host", "iommu");

    public GuestRole {
        Objects.requireNonNull(name, "name");
    }

    public GuestRole(String name, int cmbMb) {
        this(name, cmbMb, null, false);
    }

    public GuestRole(String name, int cmbMb, String host) {
        this(name, cmbMb, host, false);
    }

    /** Whether the guest has the NVMe device whose CMB is the P2P memory. */
    public boolean hasNvme() {
        return cmbMb > 0;
    }

    static GuestRole parse(SpecMap m) {
        String name = m.value("name", GuestRole::name);
        int cmbMb = m.value("cmb", 0, GuestRole::cmb);
        // Checked against the inventory when a run has one (--hosts): the spec alone does not know the hosts.
        String host = m.has("host") ? m.value("host", t -> SpecLoader.label("host name", t)) : null;
        boolean iommu = m.has("iommu") && m.value("iommu", GuestRole::bool);
        return new GuestRole(name, cmbMb, host, iommu);
    }

    private static boolean bool(String text) {
        return switch (text) {
            case "true", "yes", "on" -> true;
            case "false", "no", "off" -> false;
            default -> throw new SpecProblem("iommu must be true or false, got '" + text + "'");
        };
    }

    private static String name(String text) {
        if (!NAME.matcher(text).matches()) {
            throw new SpecProblem("invalid guest name '" + text + "' (must match " + NAME.pattern()
                    + ": it becomes a hostname and a QEMU id)");
        }
        return text;
    }

    /** Like the guest's {@code cmb}, but 0 (no NVMe device) is allowed. */
    private static int cmb(String text) {
        if (SpecValues.size(text) == 0) {
            return 0;
        }
        int mb = SpecValues.sizeMb("cmb", text);
        if (mb > MAX_CMB_MB) {
            throw new SpecProblem("cmb must be at most " + MAX_CMB_MB + "M, got '" + text + "'");
        }
        return mb;
    }
}

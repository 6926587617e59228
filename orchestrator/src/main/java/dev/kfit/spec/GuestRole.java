package dev.kfit.spec;

import java.util.ArrayList;
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
 * @param kernelArgs words added to the guest's kernel command line ({@code kernel_args:}), after kfit's own,
 *                   e.g. a built-in driver's parameter such as {@code nvme.planted_fault=warn}
 */
public record GuestRole(String name, int cmbMb, String host, boolean iommu, List<String> kernelArgs) {
    /** A hostname label and a QEMU id at once: lower case, no dots or underscores. */
    static final Pattern NAME = Pattern.compile("[a-z][a-z0-9-]{0,30}");
    static final int MAX_CMB_MB = 4096;
    static final List<String> KEYS = List.of("name", "cmb", "host", "iommu", "kernel_args");
    /**
     * One word of a kernel command line: no blanks (the kernel splits there) and no quotes (the kernel
     * groups words by them), so that a word stays one parameter.
     */
    static final Pattern KERNEL_ARG = Pattern.compile("[A-Za-z0-9_.,:=/+-]+");
    /** Parameters kfit sets itself: the guest would not boot or not be watched as kfit expects without them. */
    static final Pattern KFIT_OWN_ARG = Pattern.compile("(?:console|root|rw|rootwait|init|panic|printk\\.time|kfit\\..*)(?:=.*)?");

    public GuestRole {
        Objects.requireNonNull(name, "name");
        kernelArgs = List.copyOf(kernelArgs);
    }

    public GuestRole(String name, int cmbMb, String host, boolean iommu) {
        this(name, cmbMb, host, iommu, List.of());
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
        List<String> kernelArgs = new ArrayList<>();
        for (YamlNode item : m.list("kernel_args", false)) {
            kernelArgs.add(SpecMap.item(m.file(), "kernel_args", item, GuestRole::kernelArg));
        }
        return new GuestRole(name, cmbMb, host, iommu, kernelArgs);
    }

    private static boolean bool(String text) {
        return switch (text) {
            case "true", "yes", "on" -> true;
            case "false", "no", "off" -> false;
            default -> throw new SpecProblem("iommu must be true or false, got '" + text + "'");
        };
    }

    private static String kernelArg(String text) {
        if (!KERNEL_ARG.matcher(text).matches()) {
            throw new SpecProblem("kernel argument '" + text + "' must be one word of " + KERNEL_ARG.pattern());
        }
        if (KFIT_OWN_ARG.matcher(text).matches()) {
            throw new SpecProblem("kernel argument '" + text + "' is one kfit sets itself (console, root, rw, rootwait,"
                    + " init, panic, printk.time, kfit.*)");
        }
        return text;
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

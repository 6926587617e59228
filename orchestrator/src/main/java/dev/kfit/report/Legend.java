package dev.kfit.report;

import java.util.Map;

/** What the report's legend says about the errnos a refused registration can give (the PIN column). */
public final class Legend {
    private Legend() {
    }

    /** An errno as the PIN column shows it ({@code errno 14}), with its name and what it means there. */
    public record Errno(int number, String name, String meaning) {
    }

    /**
     * The errnos a registration (ibv_reg_mr), a VFIO map or a dma-buf import is seen to fail with,
     * and what each means for this test. Numbers are Linux x86-64's.
     */
    private static final Map<Integer, Errno> KNOWN = Map.ofEntries(
            errno(1, "EPERM", "the operation was not permitted (a missing capability or a locked-memory limit)"),
            errno(5, "EIO", "the device failed the operation"),
            errno(12, "ENOMEM", "the kernel could not allocate or lock the memory (also the RLIMIT_MEMLOCK limit)"),
            errno(13, "EACCES", "access to the memory or the device was denied"),
            errno(14, "EFAULT", "the kernel refused to pin the P2P memory for a long-term registration "
                    + "(FOLL_LONGTERM pinning of P2PDMA pages, which kernels without the P2PDMA userspace-RDMA series refuse)"),
            errno(16, "EBUSY", "the device or memory was in use"),
            errno(19, "ENODEV", "the device was gone or does not support the operation"),
            errno(22, "EINVAL", "the kernel rejected the call's arguments (access flags, address or length)"),
            errno(25, "ENOTTY", "the kernel does not know the ioctl (the feature is missing)"),
            errno(38, "ENOSYS", "the kernel does not implement the call"),
            errno(95, "EOPNOTSUPP", "the device or kernel does not support the operation (for example on-demand paging)"));

    private static Map.Entry<Integer, Errno> errno(int n, String name, String meaning) {
        return Map.entry(n, new Errno(n, name, meaning));
    }

    /** What {@code errno n} means; for one not in the table, its number and where to look it up. */
    public static Errno errno(int n) {
        Errno e = KNOWN.get(n);
        return e != null ? e : new Errno(n, "errno " + n, "not one kfit explains: see errno(3) and the cell's history");
    }
}

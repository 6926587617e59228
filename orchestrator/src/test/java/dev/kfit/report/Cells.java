package dev.kfit.report;

import java.util.List;

/** Realistic cells shared by the report tests. */
final class Cells {
    private Cells() {
    }

    static CellResult blocked() {
        return new CellResult("k61-pinned-unbind-r1", "k61", "6.1.0-kfit", "debian:linux-source-6.1", List.of("0001-p2p.patch"),
                "pinned-unbind", 1, "BLOCKED_UNTIL_RELEASE", new CellResult.Pin(true, null), 17050.0, 50.0,
                List.of(new CellResult.SplatResult("HUNG_TASK", "INFO: task tee blocked for more than N seconds", 145.123,
                        "[  145.123000] INFO: task tee:312 blocked for more than 120 seconds.", "target")),
                List.of(), null, java.util.Map.of(),
                "cells/k61-pinned-unbind-r1/console.log", java.util.Map.of("target", "cells/k61-pinned-unbind-r1/console.log"), "cells/k61-pinned-unbind-r1/history.jsonl", null,
                "2024-05-01T10:00:00Z", 61.5, 1);
    }

    static CellResult refused() {
        return new CellResult("k61-pinned-unbind-r2", "k61", "6.1.0-kfit", "debian:linux-source-6.1", List.of(),
                "pinned-unbind", 2, "PIN_REFUSED", new CellResult.Pin(false, 14), 120.4, null, List.of(),
                List.of(), null, java.util.Map.of(),
                "cells/k61-pinned-unbind-r2/console.log", java.util.Map.of("target", "cells/k61-pinned-unbind-r2/console.log"), "cells/k61-pinned-unbind-r2/history.jsonl", null,
                "2024-05-01T10:01:00Z", 30.0, 1);
    }

    static CellResult infra() {
        // No printk time on the splat's first line: timestamp is NaN.
        return new CellResult("k66-pinned-unbind-r1", "k66", null, "tar:abc", List.of(),
                "pinned-unbind", 1, "INFRA_ERROR", new CellResult.Pin(null, null), null, null,
                List.of(new CellResult.SplatResult("WARNING", "WARNING in nvme_dev_disable", Double.NaN, "WARNING: ...", "target")),
                List.of(), null, java.util.Map.of(),
                "cells/k66-pinned-unbind-r1/console.log", java.util.Map.of("target", "cells/k66-pinned-unbind-r1/console.log"), "cells/k66-pinned-unbind-r1/history.jsonl",
                "SshException: connection refused by 127.0.0.1:40022\n\tat dev.kfit.ssh.SshSession.connect",
                "2024-05-01T10:02:00Z", 300.25, 1);
    }

    static Results results(CellResult... cells) {
        return new Results(new Results.RunInfo("examples/pinned-unbind.yaml", "2024-05-01T10:00:00Z", "lab1",
                "QEMU emulator version 8.2.2", "TCG",
                List.of(new Results.KernelInfo("k61", "6.1.0-kfit", "debian:linux-source-6.1", List.of("0001-p2p.patch"),
                        "gcc (Debian 12.2.0-14) 12.2.0", "ab12cd", true, 0.0, "cache/kernels/ab12cd/build.log")),
                "guest-images/debian.ext4"), List.of(cells));
    }
}

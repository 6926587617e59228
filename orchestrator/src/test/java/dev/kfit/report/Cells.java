package dev.kfit.report;

import java.util.List;

/** Realistic cells shared by the report tests. */
final class Cells {
    private Cells() {
    }

    static CellResult blocked() {
        return CellResult.builder()
                .id("k61-pinned-unbind-r1").kernel("k61").kernelVersion("6.1.0-kfit")
                .kernelSource("debian:linux-source-6.1").patches(List.of("0001-p2p.patch")).scenario("pinned-unbind")
                .repetition(1).verdict("BLOCKED_UNTIL_RELEASE").pin(new CellResult.Pin(true, null)).unbindMs(17050.0)
                .blockedAfterReleaseMs(50.0)
                .splats(List.of(new CellResult.SplatResult("HUNG_TASK", "INFO: task tee blocked for more than N seconds", 145.123,
                        "[  145.123000] INFO: task tee:312 blocked for more than 120 seconds.", "target")))
                .faults(List.of()).recovery(java.util.Map.of()).console("cells/k61-pinned-unbind-r1/console.log")
                .consoles(java.util.Map.of("target", "cells/k61-pinned-unbind-r1/console.log"))
                .history("cells/k61-pinned-unbind-r1/history.jsonl").startedAt("2024-05-01T10:00:00Z").durationS(61.5)
                .attempts(1)
                .build();
    }

    static CellResult refused() {
        return CellResult.builder()
                .id("k61-pinned-unbind-r2").kernel("k61").kernelVersion("6.1.0-kfit")
                .kernelSource("debian:linux-source-6.1").patches(List.of()).scenario("pinned-unbind").repetition(2)
                .verdict("PIN_REFUSED").pin(new CellResult.Pin(false, 14)).unbindMs(120.4).splats(List.of())
                .faults(List.of()).recovery(java.util.Map.of()).console("cells/k61-pinned-unbind-r2/console.log")
                .consoles(java.util.Map.of("target", "cells/k61-pinned-unbind-r2/console.log"))
                .history("cells/k61-pinned-unbind-r2/history.jsonl").startedAt("2024-05-01T10:01:00Z").durationS(30.0)
                .attempts(1)
                .build();
    }

    static CellResult infra() {
        // No printk time on the splat's first line: timestamp is NaN.
        return CellResult.builder()
                .id("k66-pinned-unbind-r1").kernel("k66").kernelSource("tar:abc").patches(List.of())
                .scenario("pinned-unbind").repetition(1).verdict("INFRA_ERROR").pin(new CellResult.Pin(null, null))
                .splats(List.of(new CellResult.SplatResult("WARNING", "WARNING in nvme_dev_disable", Double.NaN, "WARNING: ...", "target")))
                .faults(List.of()).recovery(java.util.Map.of()).console("cells/k66-pinned-unbind-r1/console.log")
                .consoles(java.util.Map.of("target", "cells/k66-pinned-unbind-r1/console.log"))
                .history("cells/k66-pinned-unbind-r1/history.jsonl")
                .error("SshException: connection refused by 127.0.0.1:40022\n\tat dev.kfit.ssh.SshSession.connect")
                .startedAt("2024-05-01T10:02:00Z").durationS(300.25).attempts(1)
                .build();
    }

    static Results results(CellResult... cells) {
        return new Results(new Results.RunInfo("examples/pinned-unbind.yaml", "2024-05-01T10:00:00Z", "lab1",
                "QEMU emulator version 8.2.2", "TCG",
                List.of(new Results.KernelInfo("k61", "6.1.0-kfit", "debian:linux-source-6.1", List.of("0001-p2p.patch"),
                        "gcc (Debian 12.2.0-14) 12.2.0", "ab12cd", true, 0.0, "cache/kernels/ab12cd/build.log")),
                "guest-images/debian.ext4"), List.of(cells));
    }
}

package dev.kfit.topology;

import dev.kfit.host.Host;
import dev.kfit.image.GuestImage;
import dev.kfit.kernel.KernelBuild;
import dev.kfit.spec.GuestSpec;
import dev.kfit.vm.qemu.Accel;

import java.nio.file.Path;
import java.util.function.Function;

/**
 * What a testbed boots with besides its topology and placement.
 *
 * @param accel       the accelerator of each host (probed per host: a remote host may lack KVM)
 * @param relayBinary the link relay's path on a host, staged there on first use
 * @param relayAll    put every link through a relay, also within one host (a scenario with link faults)
 */
public record BootContext(KernelBuild kernel, GuestImage image, GuestSpec sizes, Function<Host, Accel> accel,
                          Function<Host, Path> relayBinary, boolean relayAll) {
}

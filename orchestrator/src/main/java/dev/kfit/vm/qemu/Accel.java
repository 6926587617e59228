package dev.kfit.vm.qemu;

/** QEMU accelerator. TCG always works; KVM only after a probe guest boots with it. */
public enum Accel {
    TCG("tcg", "max"),
    KVM("kvm", "host");

    private final String qemuName;
    private final String cpu;

    Accel(String qemuName, String cpu) {
        this.qemuName = qemuName;
        this.cpu = cpu;
    }

    public String qemuName() {
        return qemuName;
    }

    public String cpuModel() {
        return cpu;
    }
}

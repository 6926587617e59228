package dev.kfit.spec;

import java.util.List;

/** The test guest's size; {@code cmbMb} is the emulated NVMe controller memory buffer (the p2pdma memory). */
public record GuestSpec(int cpus, int memoryMb, int cmbMb) {
    public static final GuestSpec DEFAULT = new GuestSpec(2, 1024, 64);
    static final List<String> KEYS = List.of("cpus", "memory", "cmb");

    /** Absent keys keep their defaults. */
    static GuestSpec parse(SpecMap m) {
        int cpus = m.value("cpus", DEFAULT.cpus(), t -> SpecValues.integer("cpus", t, 1, 256));
        int memoryMb = m.value("memory", DEFAULT.memoryMb(), t -> SpecValues.sizeMb("memory", t));
        int cmbMb = m.value("cmb", DEFAULT.cmbMb(), t -> SpecValues.sizeMb("cmb", t));
        return new GuestSpec(cpus, memoryMb, cmbMb);
    }
}

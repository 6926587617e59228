package dev.kfit.fault;

import dev.kfit.guest.Guest;

import java.util.Objects;

/** What every fault has: its spec name and the guest it is done to (in the guest or by its hypervisor). */
abstract class GuestFault implements Fault {
    protected final String type;
    protected final Guest guest;

    GuestFault(String type, Guest guest) {
        this.type = Objects.requireNonNull(type, "type");
        this.guest = Objects.requireNonNull(guest, "guest");
    }

    @Override
    public final String type() {
        return type;
    }

    @Override
    public final String guest() {
        return guest.name();
    }
}

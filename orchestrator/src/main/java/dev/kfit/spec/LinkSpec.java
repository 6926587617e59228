package dev.kfit.spec;

import java.util.Objects;

/** A network link between two guests of a topology, written {@code [target, initiator]}; undirected. */
public record LinkSpec(String a, String b) {
    public LinkSpec {
        Objects.requireNonNull(a, "a");
        Objects.requireNonNull(b, "b");
    }

    public boolean touches(String guest) {
        return a.equals(guest) || b.equals(guest);
    }

    /** The same two guests, in either order. */
    public boolean sameAs(LinkSpec other) {
        return a.equals(other.a) && b.equals(other.b) || a.equals(other.b) && b.equals(other.a);
    }

    /** As written in the spec: {@code [target, initiator]}. */
    public String describe() {
        return "[" + a + ", " + b + "]";
    }
}

package dev.kfit.spec;

/**
 * A value in the spec is wrong. Thrown by the value parsers, which do not know where the value came
 * from; the loader catches it and rethrows it as a {@code BadInputException} at the value's line.
 */
public final class SpecProblem extends RuntimeException {
    public SpecProblem(String problem) {
        super(problem, null, false, false);
    }
}

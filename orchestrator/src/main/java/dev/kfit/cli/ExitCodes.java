package dev.kfit.cli;

import dev.kfit.error.BadInputException;
import dev.kfit.error.InfraException;

/** kfit's exit statuses, and the one place that maps errors to them. */
public final class ExitCodes {
    /** Every cell got a kernel verdict (a hang found is a result, not an error). */
    public static final int OK = 0;
    /** Reserved for comparisons: a regression was found. */
    public static final int REGRESSION = 1;
    /** Bad input: spec, patch, path, address. */
    public static final int BAD_INPUT = 2;
    /** kfit's own failure, or a cell ended in INFRA_ERROR. */
    public static final int INFRA = 3;

    private ExitCodes() {
    }

    public static int of(Throwable e) {
        if (e instanceof BadInputException) {
            return BAD_INPUT;
        }
        if (e instanceof InfraException) {
            return INFRA;
        }
        return INFRA;
    }
}

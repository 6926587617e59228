package dev.kfit.verdict;

/** How one operation ended. A timeout is INDETERMINATE: we do not know whether it happened. */
public enum Outcome {
    OK, FAILED, INDETERMINATE
}

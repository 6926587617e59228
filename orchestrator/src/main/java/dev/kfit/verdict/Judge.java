package dev.kfit.verdict;

import dev.kfit.monitor.Splat;

import java.util.List;

/**
 * The generic part of judging a cell, the same for every scenario type, around the type's own
 * {@link Checker}: a crash on any console is CRASH whatever else went wrong; kfit's own failure
 * during the run, or no observation at all, is INFRA_ERROR; a checker that throws gives
 * CHECKER_ERROR with its message. Otherwise the checker's judgement stands.
 */
public final class Judge {
    static final String NO_OBSERVATION = "scenario ended without an observation";

    private Judge() {
    }

    /**
     * @param observation null when the scenario did not get far enough to observe anything
     * @param infraError  kfit's own failure during the run, or null
     */
    public static Judgement judge(Observation observation, List<Splat> splats, String infraError, Checker checker) {
        Judgement checked = null;
        String checkerError = null;
        if (observation != null) {
            try {
                checked = checker.judge(observation, splats);
                if (checked == null) {
                    checkerError = checker.getClass().getName() + " returned no judgement";
                }
            } catch (RuntimeException e) {
                checkerError = "checker " + checker.getClass().getName() + " failed: " + e;
            }
        }
        Judgement figures = checked != null ? checked
                : new Judgement(Verdict.INFRA_ERROR, NO_OBSERVATION, List.of(), Judgement.Columns.NONE);
        // A crashed kernel explains any infrastructure symptom that followed it (lost SSH, dead QEMU).
        if (splats.stream().anyMatch(s -> s.type().isCrash())) {
            return figures.as(Verdict.CRASH, null);
        }
        if (infraError != null) {
            return figures.as(Verdict.INFRA_ERROR, infraError);
        }
        if (observation == null) {
            return figures.as(Verdict.INFRA_ERROR, NO_OBSERVATION);
        }
        if (checkerError != null) {
            return Judgement.kfitError(Verdict.CHECKER_ERROR, checkerError, List.of(), Judgement.Columns.NONE);
        }
        return checked;
    }
}

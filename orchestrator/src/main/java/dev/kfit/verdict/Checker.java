package dev.kfit.verdict;

import dev.kfit.monitor.Splat;

import java.util.List;

/**
 * A scenario type's judge: turns its observation (and the splats of every console) into a verdict
 * and named measurements. Pure, so {@code kfit report} could judge a stored run again. It need
 * not look for crashes ({@link Judge} does that for every type), and when it throws, the cell is
 * {@link Verdict#CHECKER_ERROR}, never a pass.
 */
@FunctionalInterface
public interface Checker {
    /**
     * @param observation what the scenario of this checker's type observed; never null
     * @param splats      what the consoles printed, any guest
     */
    Judgement judge(Observation observation, List<Splat> splats);
}

package dev.kfit.e2e;

import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;

/** The same spec on Debian's linux-source-7.2 gives the same two verdicts. */
@Order(9)
class Reproduce72IT {
    @Test
    void sameVerdictsOnLinux72() throws Exception {
        Path run = Kfit.runDir("reproduce-7.2");
        Kfit.Result r = Kfit.run(Duration.ofMinutes(60), "run", "examples/reproduce-7.2.yaml", "--out", run.toString());
        assertThat(r.exit()).as(r.toString()).isZero();
        ReproduceIT.assertReproduced(run, r, "7.2", "7.2-series", "7.2.");
    }
}

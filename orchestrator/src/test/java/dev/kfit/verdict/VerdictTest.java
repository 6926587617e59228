package dev.kfit.verdict;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class VerdictTest {
    @Test
    void kfitsOwnErrorsAreNeitherKernelVerdictsNorFindings() {
        for (Verdict v : Verdict.values()) {
            boolean own = v == Verdict.INFRA_ERROR || v == Verdict.CHECKER_ERROR;
            assertThat(v.isKfitError()).as(v.name()).isEqualTo(own);
            assertThat(v.isKernelVerdict()).as(v.name()).isEqualTo(!own);
            if (own) {
                assertThat(v.isFinding()).as(v.name()).isFalse();
            }
        }
    }

    @Test
    void theFindingsAreTheOnesAUserWouldNotWant() {
        assertThat(Verdict.values()).filteredOn(Verdict::isFinding)
                .containsExactlyInAnyOrder(Verdict.BLOCKED_UNTIL_RELEASE, Verdict.HUNG, Verdict.REACHABLE_AFTER_UNBIND,
                        Verdict.CRASH);
    }

    @Test
    void namesFromResultsJsonReadBackAndAnUnknownOneIsNeither() {
        assertThat(Verdict.of("HUNG")).isEqualTo(Verdict.HUNG);
        assertThat(Verdict.isFinding("CRASH")).isTrue();
        assertThat(Verdict.isKfitError("CHECKER_ERROR")).isTrue();
        assertThat(Verdict.of("SOMETHING_NEWER")).isNull();
        assertThat(Verdict.isFinding("SOMETHING_NEWER")).isFalse();
        assertThat(Verdict.isKfitError("SOMETHING_NEWER")).isFalse();
    }
}

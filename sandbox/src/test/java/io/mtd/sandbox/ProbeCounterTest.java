package io.mtd.sandbox;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class ProbeCounterTest {

    @Test
    void aReadinessProbeStartsFailedAndPassesAfterSuccessThresholdSuccessesInARow() {
        ProbeCounter readiness = new ProbeCounter(false, 2, 3);

        assertThat(readiness.result()).isFalse();
        assertThat(readiness.record(true)).isFalse();
        assertThat(readiness.record(false)).isFalse();
        assertThat(readiness.record(true)).isFalse();
        assertThat(readiness.record(true)).isTrue();
    }

    @Test
    void aPassingProbeFailsOnlyAfterFailureThresholdFailuresInARow() {
        ProbeCounter liveness = new ProbeCounter(true, 1, 3);

        assertThat(liveness.record(false)).isTrue();
        assertThat(liveness.record(false)).isTrue();
        assertThat(liveness.record(true)).isTrue();
        assertThat(liveness.record(false)).isTrue();
        assertThat(liveness.record(false)).isTrue();
        assertThat(liveness.record(false)).isFalse();
        assertThat(liveness.record(true)).isTrue();
    }

    @Test
    void missingOrInvalidThresholdsTakeKubernetesDefaults() {
        ProbeCounter counter = new ProbeCounter(true, null, 0);

        assertThat(counter.record(false)).isTrue();
        assertThat(counter.record(false)).isTrue();
        assertThat(counter.record(false)).as("failureThreshold defaults to 3").isFalse();
        assertThat(counter.record(true)).as("successThreshold defaults to 1").isTrue();
    }

    @Test
    void aStartupProbesResultIsDecidedOnlyByACompleteRun() {
        ProbeCounter startup = new ProbeCounter(false, 1, 3);

        assertThat(startup.decided()).isFalse();
        startup.record(false);
        startup.record(false);
        assertThat(startup.decided()).isFalse();
        startup.record(true);
        assertThat(startup.decided()).isTrue();
        assertThat(startup.result()).isTrue();
    }

    @Test
    void resetStartsCountingAfreshAndKeepsTheResult() {
        ProbeCounter counter = new ProbeCounter(true, 1, 2);
        counter.record(false);
        counter.reset();

        assertThat(counter.record(false)).as("the failure before the reset does not count").isTrue();
        assertThat(counter.record(false)).isFalse();
    }
}

package io.mtd.sandbox;

import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class RolloutBoundsTest {

    private static IntOrString of(String value) {
        return new IntOrString(value);
    }

    @Test
    void percentagesRoundSurgeUpAndUnavailableDown() {
        assertThat(RolloutBounds.of(of("25%"), of("25%"), 10)).isEqualTo(new RolloutBounds(3, 2));
        assertThat(RolloutBounds.of(of("10%"), of("90%"), 3)).isEqualTo(new RolloutBounds(1, 2));
        assertThat(RolloutBounds.of(of("100%"), of("100%"), 4)).isEqualTo(new RolloutBounds(4, 4));
    }

    @Test
    void integersAreTakenAsTheyAre() {
        assertThat(RolloutBounds.of(new IntOrString(2), new IntOrString(0), 5)).isEqualTo(new RolloutBounds(2, 0));
        assertThat(RolloutBounds.of(new IntOrString(0), new IntOrString(7), 5)).isEqualTo(new RolloutBounds(0, 7));
    }

    @Test
    void bothZeroLetOnePodBeUnavailableSoThatTheRolloutCanProgress() {
        assertThat(RolloutBounds.of(new IntOrString(0), new IntOrString(0), 3)).isEqualTo(new RolloutBounds(0, 1));
        // 25% of 2 rounds down to 0 unavailable but up to 1 surge: not both zero
        assertThat(RolloutBounds.of(null, null, 2)).isEqualTo(new RolloutBounds(1, 0));
        // no surge, and 10% of 1 rounds down to 0 unavailable: both zero again
        assertThat(RolloutBounds.of(of("0%"), of("10%"), 1)).isEqualTo(new RolloutBounds(0, 1));
    }

    @Test
    void theDefaultIsTwentyFivePercentEachAndAValueTheApiServerWouldRefuseCountsAsIt() {
        var deployment = new DeploymentBuilder().withNewSpec().withReplicas(8).endSpec().build();

        assertThat(RolloutBounds.of(deployment, 8)).isEqualTo(new RolloutBounds(2, 2));
        assertThat(RolloutBounds.of(of("lots"), of("-5%"), 8)).isEqualTo(new RolloutBounds(2, 2));
    }

    @Test
    void theBoundsGiveTheMostPodsWantedAndTheFewestKeptAvailable() {
        RolloutBounds bounds = new RolloutBounds(2, 1);

        assertThat(bounds.maxTotal(4)).isEqualTo(6);
        assertThat(bounds.minAvailable(4)).isEqualTo(3);
        assertThat(new RolloutBounds(0, 9).minAvailable(4)).isZero();
    }
}

package io.mtd.sandbox;

import io.fabric8.kubernetes.api.model.IntOrString;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;

class RolloutStepTest {

    private static RolloutStep.Counts rs(String name, int replicas, int available) {
        return new RolloutStep.Counts(name, replicas, available, replicas);
    }

    private static RolloutStep.Scale scale(String name, int replicas) {
        return new RolloutStep.Scale(name, replicas);
    }

    @Test
    void theNewReplicaSetGrowsFirstAsFarAsMaxSurgeAllows() {
        List<RolloutStep.Scale> step = RolloutStep.rolling(4, new RolloutBounds(2, 0), rs("new", 0, 0),
                List.of(rs("old", 4, 4)));

        assertThat(step).containsExactly(scale("new", 2));
    }

    @Test
    void oldReplicaSetsShrinkOnlyAsFarAsMaxUnavailableAllows() {
        RolloutBounds bounds = new RolloutBounds(1, 0);

        assertThat(RolloutStep.rolling(3, bounds, rs("new", 1, 0), List.of(rs("old", 3, 3))))
                .as("the new Pod is not available yet: nothing may go").isEmpty();
        assertThat(RolloutStep.rolling(3, bounds, rs("new", 1, 1), List.of(rs("old", 3, 3))))
                .containsExactly(scale("old", 2));
    }

    @Test
    void unavailableOldPodsGoFirstAndOldestReplicaSetsBeforeNewerOnes() {
        List<RolloutStep.Scale> step = RolloutStep.rolling(4, new RolloutBounds(0, 1), rs("new", 2, 2),
                List.of(rs("oldest", 1, 0), rs("older", 2, 2)));

        // 5 wanted, 4 available: the unhealthy one goes, then one available (4 - 3 allowed)
        assertThat(step).containsExactly(scale("oldest", 0), scale("older", 1));
    }

    @Test
    void aNewReplicaSetAboveTheDesiredCountIsScaledDown() {
        assertThat(RolloutStep.rolling(2, new RolloutBounds(1, 0), rs("new", 5, 5), List.of()))
                .containsExactly(scale("new", 2));
    }

    @Test
    void recreateScalesOldToZeroThenWaitsForTheirPodsToEndBeforeScalingUp() {
        assertThat(RolloutStep.recreate(3, rs("new", 0, 0), List.of(rs("old", 3, 3)))).containsExactly(scale("old", 0));
        assertThat(RolloutStep.recreate(3, rs("new", 0, 0), List.of(new RolloutStep.Counts("old", 0, 0, 2))))
                .as("two old Pods still terminating").isEmpty();
        assertThat(RolloutStep.recreate(3, rs("new", 0, 0), List.of(rs("old", 0, 0)))).containsExactly(scale("new", 3));
        assertThat(RolloutStep.recreate(3, rs("new", 3, 1), List.of(rs("old", 0, 0)))).isEmpty();
    }

    private static IntOrString randomBound(Random random) {
        return random.nextBoolean() ? new IntOrString(random.nextInt(4)) : new IntOrString(random.nextInt(101) + "%");
    }

    /**
     * Seeded and bounded: for random ReplicaSets (their Pods available or not), one step never wants more than
     * {@code desired + maxSurge} Pods unless they were wanted already, and never takes the Pods that stay available
     * (each ReplicaSet's available ones, at most its new count, since its controller deletes unavailable Pods first)
     * below {@code desired - maxUnavailable} unless they were below already.
     */
    @Test
    void noStepCrossesTheBoundsOnAnyInput() {
        Random random = new Random(26);
        for (int round = 0; round < 20_000; round++) {
            int desired = random.nextInt(8);
            RolloutBounds bounds = RolloutBounds.of(randomBound(random), randomBound(random), desired);
            int newReplicas = random.nextInt(desired + 2);
            RolloutStep.Counts current = rs("new", newReplicas, random.nextInt(newReplicas + 1));
            List<RolloutStep.Counts> old = new ArrayList<>();
            for (int i = random.nextInt(3); i > 0; i--) {
                int replicas = random.nextInt(desired + 1);
                old.add(rs("old" + i, replicas, random.nextInt(replicas + 1)));
            }
            List<RolloutStep.Counts> all = new ArrayList<>(old);
            all.add(current);
            int wantedBefore = all.stream().mapToInt(RolloutStep.Counts::replicas).sum();
            int availableBefore = all.stream().mapToInt(RolloutStep.Counts::available).sum();

            List<RolloutStep.Scale> step = RolloutStep.rolling(desired, bounds, current, old);

            Map<String, Integer> after = new HashMap<>();
            all.forEach(c -> after.put(c.name(), c.replicas()));
            step.forEach(s -> after.put(s.name(), s.replicas()));
            int wantedAfter = after.values().stream().mapToInt(Integer::intValue).sum();
            int availableAfter = all.stream().mapToInt(c -> Math.min(c.available(), after.get(c.name()))).sum();
            String input = "desired " + desired + ", " + bounds + ", new " + current + ", old " + old + " -> " + step;
            assertThat(wantedAfter).as(input).isLessThanOrEqualTo(Math.max(wantedBefore, bounds.maxTotal(desired)));
            assertThat(availableAfter).as(input).isGreaterThanOrEqualTo(Math.min(availableBefore, bounds.minAvailable(desired)));
            assertThat(step).as(input).allSatisfy(s -> assertThat(s.replicas()).isNotNegative());
        }
    }
}

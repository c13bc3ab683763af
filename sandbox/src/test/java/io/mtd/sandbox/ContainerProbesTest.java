package io.mtd.sandbox;

import io.fabric8.kubernetes.api.model.Probe;
import io.fabric8.kubernetes.api.model.ProbeBuilder;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

class ContainerProbesTest {

    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor();
    private final ExecutorService workers = Executors.newCachedThreadPool();
    private final List<String> events = new CopyOnWriteArrayList<>();
    private final Map<String, AtomicInteger> attempts = new ConcurrentHashMap<>();

    @AfterEach
    void stop() {
        timer.shutdownNow();
        workers.shutdownNow();
    }

    /** A probe called {@code name} (its exec command) every second, with the given thresholds. */
    private static Probe probe(String name, int successThreshold, int failureThreshold) {
        return new ProbeBuilder().withNewExec().withCommand(name).endExec().withPeriodSeconds(1)
                .withSuccessThreshold(successThreshold).withFailureThreshold(failureThreshold).build();
    }

    /** Probes whose n-th attempt of the probe named {@code name} answers {@code results.get(name)[n]} (the last one after). */
    private ContainerProbes probes(Probe startup, Probe readiness, Probe liveness, Map<String, boolean[]> results) {
        return new ContainerProbes(startup, readiness, liveness, probe -> {
            String name = probe.getExec().getCommand().get(0);
            return () -> {
                int n = attempts.computeIfAbsent(name, k -> new AtomicInteger()).getAndIncrement();
                boolean[] answers = results.get(name);
                return answers[Math.min(n, answers.length - 1)] ? ProbeAction.Result.ok() : ProbeAction.Result.failure("no");
            };
        }, timer, workers, new ContainerProbes.Listener() {
            @Override
            public void readiness(boolean ready) {
                events.add("ready=" + ready);
            }

            @Override
            public void unhealthy(String message) {
                events.add(message);
            }
        });
    }

    private int attempts(String name) {
        return attempts.getOrDefault(name, new AtomicInteger()).get();
    }

    @Test
    void withoutAReadinessProbeTheContainerIsReadyAtOnce() {
        probes(null, null, null, Map.of()).start();

        assertThat(events).containsExactly("ready=true");
    }

    @Test
    void readinessIsReportedOnlyWhenItChanges() {
        probes(null, probe("ready", 1, 1), null, Map.of("ready", new boolean[] {false, true, true, false})).start();

        await().atMost(Duration.ofSeconds(20)).until(() -> events.size() == 2);
        assertThat(events).containsExactly("ready=true", "ready=false");
    }

    @Test
    void aStartupProbeHoldsBackReadinessAndLivenessUntilItPasses() {
        probes(probe("startup", 1, 3), probe("ready", 1, 1), probe("alive", 1, 1),
                Map.of("startup", new boolean[] {false, false, true}, "ready", new boolean[] {true},
                        "alive", new boolean[] {true})).start();

        await().atMost(Duration.ofSeconds(20)).until(() -> events.contains("ready=true"));
        assertThat(attempts("startup")).isEqualTo(3);
        await().atMost(Duration.ofSeconds(20)).until(() -> attempts("alive") >= 1);
        assertThat(attempts("startup")).as("a passed startup probe stops").isEqualTo(3);
    }

    @Test
    void aStartupProbeThatNeverPassesMakesTheContainerUnhealthy() {
        probes(probe("startup", 1, 2), probe("ready", 1, 1), null,
                Map.of("startup", new boolean[] {false}, "ready", new boolean[] {true})).start();

        await().atMost(Duration.ofSeconds(20)).until(() -> events.contains("Startup probe failed"));
        assertThat(attempts("ready")).isZero();
    }

    @Test
    void aFailedLivenessProbeIsReportedOnceAndStopsWhileReadinessGoesOn() {
        probes(null, probe("ready", 1, 1), probe("alive", 1, 2),
                Map.of("ready", new boolean[] {true}, "alive", new boolean[] {true, false, false, false})).start();

        await().atMost(Duration.ofSeconds(20)).until(() -> events.contains("Liveness probe failed"));
        int livenessAttempts = attempts("alive");
        int readinessAttempts = attempts("ready");
        await().atMost(Duration.ofSeconds(20)).until(() -> attempts("ready") >= readinessAttempts + 2);

        assertThat(livenessAttempts).isEqualTo(3);
        assertThat(attempts("alive")).isEqualTo(3);
        assertThat(events).containsExactly("ready=true", "Liveness probe failed");
    }
}

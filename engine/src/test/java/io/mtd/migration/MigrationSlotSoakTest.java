package io.mtd.migration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.mtd.KillableEngine;
import io.mtd.MigrateThenDeploy;
import io.mtd.RecordingListener;
import io.mtd.SandboxFixture;
import io.mtd.plan.Environment;
import io.mtd.plan.Migration;
import io.mtd.plan.Plan;
import io.mtd.report.RunOutcome;
import io.mtd.report.RunReport;
import io.mtd.sandbox.Fault;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * A randomised, seeded and bounded soak of the migration slot: 30 runs of two apps (a web service and its worker) that
 * migrate one database in one environment, with random images
 * (some repeated, some that cannot be pulled), cancelled or killed at random moments, each on a machine whose clock is
 * up to two minutes off, while the API server drops its watches and fails Lease updates now and then. The plans trust a
 * succeeded Job's record ({@code skipWhenSucceeded}), so that a repeated image is skipped, not run again. The invariants:
 * never two migration containers at once in the namespace, whatever their app, every image's migration command started
 * at most once, every run that succeeded has its image's Job complete, and every run that
 * ended has its stages' start and finish events in pairs.
 *
 * <p>The seed is printed; {@code -Dmtd.soak.seed=N} runs the same choices again (timings still vary).
 */
class MigrationSlotSoakTest {

    private static final int RUNS = 30;
    private static final String NS = "soak";

    @Test
    void thirtyInterruptedRunsOfTwoAppsOnOneDatabaseNeverMigrateTwiceAtOnce() throws Exception {
        long seed = Long.getLong("mtd.soak.seed", System.nanoTime());
        System.out.println("MigrationSlotSoakTest seed " + seed + " (reproduce with -Dmtd.soak.seed=" + seed + ")");
        Random random = new Random(seed);
        long began = System.nanoTime();
        ScheduledExecutorService chaos = Executors.newSingleThreadScheduledExecutor();
        try (SandboxFixture cluster = new SandboxFixture()) {
            cluster.sandbox.kubelet().injectFault("soak-broken", Fault.IMAGE_PULL_BACKOFF);
            cluster.secret(NS, "shop-db", Map.of("DATABASE_URL", "postgres://db/shop"));
            List<KillableEngine> engines = new ArrayList<>();
            List<CompletableFuture<RunReport>> reports = new ArrayList<>();
            List<String> images = new ArrayList<>();
            List<String> apps = new ArrayList<>();
            Set<String> killed = new LinkedHashSet<>();
            Map<String, String> actions = new java.util.LinkedHashMap<>();
            Map<String, RecordingListener> listeners = new java.util.LinkedHashMap<>();
            Random faults = new Random(seed ^ 0x5DEECE66DL);
            Random clocks = new Random(seed * 31 + 7);
            Map<String, String> skews = new java.util.LinkedHashMap<>();
            scheduleChaos(chaos, cluster, faults);
            for (int i = 0; i < RUNS; i++) {
                // each app its own repository: a Job record is the skip's evidence for its own app only
                String app = random.nextBoolean() ? "shop" : "shop-worker";
                String image = random.nextInt(8) == 0 ? "soak-broken:" + i : "soak-" + app + ":" + random.nextInt(12);
                int work = 100 + random.nextInt(500);
                Migration m = Migration.builder().command("sh", "-c", "echo migrating " + image + "; sleep "
                        + work / 1000.0 + "; echo migrated").timeout("1m").envFromSecret(List.of("shop-db"))
                        .lock(new Migration.Lock("4s", "3m")).skipWhenSucceeded(true).build();
                Plan plan = new Plan(app, image, null, m, null, List.of(Environment.of(NS, NS, List.of())));
                String runId = "soak-" + i;
                RecordingListener listener = new RecordingListener();
                listeners.put(runId, listener);
                // each run's machine has its own clock: up to two minutes ahead or behind
                Duration skew = Duration.ofSeconds(clocks.nextInt(241) - 120);
                skews.put(runId, skew.toSeconds() + "s");
                KillableEngine engine = new KillableEngine(cluster, listener, runId,
                        b -> b.clock(Clock.offset(Clock.systemUTC(), skew)));
                MigrateThenDeploy.Run run = engine.engine().start(plan);
                engines.add(engine);
                images.add(image);
                apps.add(app);
                reports.add(run.report());
                int action = random.nextInt(100);
                long at = random.nextInt(1500);
                if (action < 15) {
                    actions.put(runId, "cancel@" + at + "ms");
                    chaos.schedule(() -> run.cancel("soak cancel"), at, TimeUnit.MILLISECONDS);
                } else if (action < 25) {
                    actions.put(runId, "kill@" + at + "ms");
                    killed.add(runId);
                    // the process dies: nothing released, nobody renews its lease or watches its Job
                    chaos.schedule(engine::kill, at, TimeUnit.MILLISECONDS);
                }
                Thread.sleep(random.nextInt(400)); // pacing: runs arrive at random moments
            }
            Map<RunOutcome, Integer> outcomes = new EnumMap<>(RunOutcome.class);
            for (int i = 0; i < RUNS; i++) {
                String runId = "soak-" + i;
                if (killed.contains(runId)) {
                    continue;
                }
                RunReport report = reports.get(i).get(4, TimeUnit.MINUTES);
                outcomes.merge(report.outcome(), 1, Integer::sum);
                assertStagesPaired(runId, seed, report, listeners.get(runId));
                if (report.outcome() == RunOutcome.SUCCEEDED) {
                    Job job = cluster.client.batch().v1().jobs().inNamespace(NS)
                            .withName(MigrationJob.nameFor(apps.get(i), NS, images.get(i))).get();
                    assertThat(job).as("the Job of successful run %s", runId).isNotNull();
                    assertThat(JobStatus.condition(job, JobConditionType.COMPLETE)).as("run %s succeeded", runId).isPresent();
                }
            }
            chaos.shutdownNow();
            cluster.sandbox.clearRequestFaults();
            // what killed runs left behind ends by itself (or stays stuck, never started)
            await().atMost(Duration.ofMinutes(2)).until(() -> cluster.sandbox.kubelet().runningMigrationsIn(NS) == 0
                    && cluster.client.batch().v1().jobs().inNamespace(NS).list().getItems().stream().allMatch(j ->
                    JobStatus.ended(j) || Boolean.TRUE.equals(j.getSpec().getSuspend())
                            || j.getSpec().getTemplate().getSpec().getContainers().get(0).getImage().startsWith("soak-broken")));
            System.out.println("MigrationSlotSoakTest seed " + seed + ": " + outcomes + ", killed " + killed + ", actions "
                    + actions + ", clocks " + skews + ", in " + Duration.ofNanos(System.nanoTime() - began).toSeconds() + "s");

            assertThat(cluster.sandbox.kubelet().maxConcurrentMigrationsIn(NS))
                    .as(() -> "seed " + seed + "\n" + String.join("\n", cluster.sandbox.kubelet().migrationHistoryIn(NS))
                            + "\n" + transcript(listeners)).isEqualTo(1);
            for (String image : new LinkedHashSet<>(images)) {
                assertThat(cluster.sandbox.kubelet().migrationStarts(image)).as("starts of %s, seed %d", image, seed)
                        .isLessThanOrEqualTo(image.startsWith("soak-broken") ? 0 : 1);
            }
            assertThat(outcomes.getOrDefault(RunOutcome.SUCCEEDED, 0)).as("seed %d", seed).isPositive();
            engines.forEach(KillableEngine::close);
        } finally {
            chaos.shutdownNow();
        }
    }

    /**
     * The pipeline's promise, whatever interrupted the run: stages run one after another, and each one that started
     * finished once, before the run's report completed.
     */
    private static void assertStagesPaired(String runId, long seed, RunReport report, RecordingListener events) {
        List<String> stages = events.stages();
        String why = "stage events of " + runId + " (" + report.outcome() + "), seed " + seed + ": " + stages;
        assertThat(stages).as(why).hasSizeGreaterThanOrEqualTo(2);
        assertThat(stages.size() % 2).as(why).isZero();
        for (int i = 0; i < stages.size(); i += 2) {
            assertThat(stages.get(i)).as(why).startsWith("started ");
            assertThat(stages.get(i + 1)).as(why).startsWith("finished " + stages.get(i).substring("started ".length()) + " ");
        }
        if (report.outcome() == RunOutcome.SUCCEEDED) {
            assertThat(stages).as(why).containsAnyOf("finished MIGRATION " + NS + " SUCCEEDED", "finished MIGRATION " + NS + " SKIPPED");
        }
    }

    private static String transcript(Map<String, RecordingListener> listeners) {
        StringBuilder b = new StringBuilder();
        listeners.forEach((run, l) -> b.append("== ").append(run).append('\n').append(l.text()).append('\n'));
        return b.toString();
    }

    /** Every 200-800 ms: drop every watch, or fail Lease updates for a moment (now and then longer than a lease). */
    private static void scheduleChaos(ScheduledExecutorService chaos, SandboxFixture cluster, Random faults) {
        chaos.schedule(() -> {
            int what = faults.nextInt(10);
            if (what < 3) {
                cluster.sandbox.dropWatches();
            } else if (what < 6) {
                // mostly shorter than a renewal period; now and then longer than the lease, so that locks are lost
                long window = what == 5 && faults.nextInt(3) == 0 ? 4_500 : 300;
                cluster.sandbox.failRequests("PUT", "/apis/coordination.k8s.io/v1/namespaces/" + NS + "/leases/.*", 500);
                chaos.schedule(cluster.sandbox::clearRequestFaults, window, TimeUnit.MILLISECONDS);
            }
            scheduleChaos(chaos, cluster, faults);
        }, 200 + faults.nextInt(600), TimeUnit.MILLISECONDS);
    }
}

package io.mtd.migration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.api.model.coordination.v1.LeaseBuilder;
import io.mtd.KillableEngine;
import io.mtd.MigrateThenDeploy;
import io.mtd.RecordingListener;
import io.mtd.SandboxExtension;
import io.mtd.SandboxFixture;
import io.mtd.kube.Labels;
import io.mtd.plan.Environment;
import io.mtd.plan.Migration;
import io.mtd.plan.Plan;
import io.mtd.report.RunOutcome;
import io.mtd.report.RunReport;
import io.mtd.sandbox.SandboxKubelet;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * "Never twice at once" for what is migrated, not for an app: two apps that migrate one database (the same Secret, or
 * the same {@code migration.lock.key}) share one slot, whichever app's Job occupies it, in one namespace or several;
 * two databases do not wait for each other. The sandbox kubelet counts the migration containers that ran at once in a
 * namespace, whatever their app.
 */
@ExtendWith(SandboxExtension.class)
class SharedSlotTest {

    /** One sandbox cluster for the class's tests: {@link SandboxExtension} starts and closes it. */
    private static SandboxFixture cluster;

    @TempDir
    Path dir;

    /** A migration that prints started-NAME, waits until {@code gate} exists, then prints done-NAME. */
    private static Migration gated(String name, Path gate, Migration.Builder b) {
        return b.command("sh", "-c", "echo started-" + name + "; while [ ! -f '" + gate + "' ]; do sleep 0.05; done; echo done-" + name)
                .timeout("2m").build();
    }

    private static Plan plan(String app, String ns, Migration m) {
        return new Plan(app, app + ":" + ns, null, m, null, List.of(Environment.of(ns, ns, List.of())));
    }

    private static void open(Path gate) {
        try {
            Files.createFile(gate);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static Migration.Lock key(String key, String namespace) {
        return new Migration.Lock("30s", "2m", key, namespace);
    }

    @Test
    void twoAppsReadingOneSecretMigrateOneAfterTheOtherAndTheWaitNamesTheOtherRun() throws Exception {
        String ns = "shared-secret";
        cluster.secret(ns, "shop-db", Map.of("DATABASE_URL", "postgres://db/shop"));
        Path gate = dir.resolve("gate");
        Plan web = plan("shop", ns, gated("web", gate, Migration.builder().envFromSecret(List.of("shop-db"))));
        Plan worker = plan("shop-worker", ns, gated("worker", gate, Migration.builder()
                .secretEnv(List.of(new Migration.SecretEnv("DATABASE_URL", "shop-db", "DATABASE_URL")))));
        String webJob = MigrationJob.nameFor("shop", ns, web.image());
        RecordingListener a = new RecordingListener();
        RecordingListener b = new RecordingListener();
        try (MigrateThenDeploy ea = cluster.engine(a, "run-web"); MigrateThenDeploy eb = cluster.engine(b, "run-worker")) {
            MigrateThenDeploy.Run runA = ea.start(web);
            await().atMost(20, TimeUnit.SECONDS).until(() -> a.logLines().contains("started-web"));
            MigrateThenDeploy.Run runB = eb.start(worker);
            // the web's run holds the slot's Lease while its Job runs: the worker's run waits for that lock, named by its run
            SlotKey key = SlotKey.of(web, web.environments().get(0));
            await().atMost(20, TimeUnit.SECONDS).untilAsserted(() -> assertThat(b.text()).contains("waiting for the migration"
                    + " lock '" + key.leaseName() + "', held by run-web of app shop ("));
            assertThat(key).isEqualTo(SlotKey.of(worker, worker.environments().get(0)));
            assertThat(cluster.jobs(ns)).as("the worker's Job waits to be created").extracting(j -> j.getMetadata().getName())
                    .containsExactly(webJob);
            assertThat(b.text()).contains("migration slot '" + ns + "/secret/shop-db' (derived from the secret/shop-db");
            open(gate);
            assertThat(runA.report().get(30, TimeUnit.SECONDS).outcome()).isEqualTo(RunOutcome.SUCCEEDED);
            assertThat(runB.report().get(30, TimeUnit.SECONDS).outcome()).isEqualTo(RunOutcome.SUCCEEDED);
        }
        assertThat(a.logLines()).containsSubsequence("started-web", "done-web");
        assertThat(b.logLines()).containsSubsequence("started-worker", "done-worker");
        assertThat(cluster.sandbox.kubelet().maxConcurrentMigrationsIn(ns)).isEqualTo(1);
    }

    @Test
    void twoAppsWithDifferentSecretsAndTheSameKeyShareOneSlot() throws Exception {
        String ns = "shared-key";
        cluster.secret(ns, "shop-db", Map.of("DATABASE_URL", "postgres://db/orders"));
        cluster.secret(ns, "billing-db", Map.of("DATABASE_URL", "postgres://db/orders"));
        Path gate = dir.resolve("gate");
        Plan shop = plan("shop", ns, gated("shop", gate, Migration.builder().envFromSecret(List.of("shop-db"))
                .lock(key("orders-db", null))));
        Plan billing = plan("billing", ns, gated("billing", gate, Migration.builder().envFromSecret(List.of("billing-db"))
                .lock(key("orders-db", null))));
        RecordingListener a = new RecordingListener();
        RecordingListener b = new RecordingListener();
        try (MigrateThenDeploy ea = cluster.engine(a, "run-shop"); MigrateThenDeploy eb = cluster.engine(b, "run-billing")) {
            MigrateThenDeploy.Run runA = ea.start(shop);
            MigrateThenDeploy.Run runB = eb.start(billing);
            await().atMost(20, TimeUnit.SECONDS).until(() -> a.logLines().contains("started-shop")
                    || b.logLines().contains("started-billing"));
            RecordingListener waiting = a.logLines().contains("started-shop") ? b : a;
            String holder = waiting == b ? "run-shop of app shop" : "run-billing of app billing";
            await().atMost(20, TimeUnit.SECONDS).untilAsserted(() -> assertThat(waiting.text()).contains("waiting for the"
                    + " migration lock '" + SlotKey.of(shop, shop.environments().get(0)).leaseName() + "', held by " + holder));
            open(gate);
            assertThat(runA.report().get(30, TimeUnit.SECONDS).outcome()).isEqualTo(RunOutcome.SUCCEEDED);
            assertThat(runB.report().get(30, TimeUnit.SECONDS).outcome()).isEqualTo(RunOutcome.SUCCEEDED);
        }
        assertThat(a.text()).contains("migration slot 'orders-db' (named by migration.lock.key)");
        assertThat(cluster.sandbox.kubelet().maxConcurrentMigrationsIn(ns)).isEqualTo(1);
    }

    @Test
    void differentKeysOnDifferentDatabasesMigrateAtOnce() throws Exception {
        String ns = "shared-none";
        cluster.secret(ns, "shop-db", Map.of("DATABASE_URL", "postgres://db/shop"));
        cluster.secret(ns, "orders-db", Map.of("DATABASE_URL", "postgres://db/orders"));
        Path gate = dir.resolve("gate");
        RecordingListener a = new RecordingListener();
        RecordingListener b = new RecordingListener();
        try (MigrateThenDeploy ea = cluster.engine(a, "run-shop"); MigrateThenDeploy eb = cluster.engine(b, "run-orders")) {
            MigrateThenDeploy.Run runA = ea.start(plan("shop", ns, gated("shop", gate, Migration.builder()
                    .envFromSecret(List.of("shop-db")))));
            MigrateThenDeploy.Run runB = eb.start(plan("orders", ns, gated("orders", gate, Migration.builder()
                    .envFromSecret(List.of("orders-db")))));
            // both started before either may end: neither waited for the other
            await().atMost(30, TimeUnit.SECONDS).until(() -> a.logLines().contains("started-shop")
                    && b.logLines().contains("started-orders"));
            open(gate);
            assertThat(runA.report().get(30, TimeUnit.SECONDS).outcome()).isEqualTo(RunOutcome.SUCCEEDED);
            assertThat(runB.report().get(30, TimeUnit.SECONDS).outcome()).isEqualTo(RunOutcome.SUCCEEDED);
        }
        assertThat(cluster.sandbox.kubelet().maxConcurrentMigrationsIn(ns)).isEqualTo(2);
        assertThat(a.text() + b.text()).doesNotContain("waiting for the migration");
    }

    @Test
    void appsInTwoNamespacesWithOneKeyShareTheLeaseInTheLockNamespaceAndWaitForEachOthersJob() throws Exception {
        Path gate = dir.resolve("gate");
        cluster.secret("orders-a", "db", Map.of("DATABASE_URL", "postgres://db/orders"));
        cluster.secret("orders-b", "db", Map.of("DATABASE_URL", "postgres://db/orders"));
        Plan first = plan("orders-api", "orders-a", gated("api", gate, Migration.builder().envFromSecret(List.of("db"))
                .lock(key("orders-db", "db-locks"))));
        Plan second = plan("orders-jobs", "orders-b", gated("jobs", gate, Migration.builder().envFromSecret(List.of("db"))
                .lock(key("orders-db", "db-locks"))));
        String firstJob = MigrationJob.nameFor("orders-api", "orders-a", first.image());
        RecordingListener a = new RecordingListener();
        RecordingListener b = new RecordingListener();
        try (MigrateThenDeploy ea = cluster.engine(a, "run-api"); MigrateThenDeploy eb = cluster.engine(b, "run-jobs")) {
            MigrateThenDeploy.Run runA = ea.start(first);
            await().atMost(20, TimeUnit.SECONDS).until(() -> a.logLines().contains("started-api"));
            SlotKey key = SlotKey.of(first, first.environments().get(0));
            Lease lease = cluster.client.leases().inNamespace("db-locks").withName(key.leaseName()).get();
            assertThat(lease.getMetadata().getAnnotations()).containsEntry(Labels.ANNOTATION_OCCUPANT, "orders-a/" + firstJob)
                    .containsEntry(Labels.ANNOTATION_HOLDER_APP, "orders-api");
            // the second run takes the Lease over only after the first gives it back: kill its wait by expiring nothing
            MigrateThenDeploy.Run runB = eb.start(second);
            await().atMost(20, TimeUnit.SECONDS).untilAsserted(() -> assertThat(b.text())
                    .contains("held by run-api of app orders-api ("));
            assertThat(cluster.jobs("orders-b")).isEmpty();
            open(gate);
            assertThat(runA.report().get(30, TimeUnit.SECONDS).outcome()).isEqualTo(RunOutcome.SUCCEEDED);
            assertThat(runB.report().get(30, TimeUnit.SECONDS).outcome()).isEqualTo(RunOutcome.SUCCEEDED);
        }
        assertThat(b.logLines()).containsExactly("started-jobs", "done-jobs");
        assertThat(cluster.client.leases().inNamespace("orders-a").list().getItems()).isEmpty();
        // given back, the Lease names no app: a holder that writes none later is not taken for the last one's app
        Lease released = cluster.client.leases().inNamespace("db-locks").withName(SlotKey.of(first, first.environments().get(0))
                .leaseName()).get();
        assertThat(released.getSpec().getHolderIdentity()).isNull();
        assertThat(released.getMetadata().getAnnotations()).doesNotContainKey(Labels.ANNOTATION_HOLDER_APP);
    }

    @Test
    void aJobOfAnotherAppInTheLockNamespacesRecordIsWaitedForAfterItsRunDied() throws Exception {
        Path gate = dir.resolve("gate");
        cluster.secret("billing-a", "db", Map.of("DATABASE_URL", "postgres://db/billing"));
        cluster.secret("billing-b", "db", Map.of("DATABASE_URL", "postgres://db/billing"));
        Plan first = plan("billing-api", "billing-a", gated("api", gate, Migration.builder().envFromSecret(List.of("db"))
                .lock(new Migration.Lock("1s", "2m", "billing-db", "billing-locks"))));
        Plan second = plan("billing-jobs", "billing-b", gated("jobs", gate, Migration.builder().envFromSecret(List.of("db"))
                .lock(new Migration.Lock("1s", "2m", "billing-db", "billing-locks"))));
        String firstJob = MigrationJob.nameFor("billing-api", "billing-a", first.image());
        RecordingListener a = new RecordingListener();
        MigrateThenDeploy killed = cluster.engine(a, "run-api");
        killed.start(first);
        await().atMost(20, TimeUnit.SECONDS).until(() -> a.logLines().contains("started-api"));
        killed.close(); // the process dies: its lease expires, its Job in the other namespace runs on

        RecordingListener b = new RecordingListener();
        try (MigrateThenDeploy eb = cluster.engine(b, "run-jobs")) {
            MigrateThenDeploy.Run runB = eb.start(second);
            await().atMost(20, TimeUnit.SECONDS).untilAsserted(() -> assertThat(b.text()).contains("waiting for the migration Job "
                    + firstJob + " (image billing-api:billing-a, started by run run-api) to end before this run migrates: it"
                    + " is app billing-api's, in namespace billing-a"));
            assertThat(cluster.jobs("billing-b")).isEmpty();
            open(gate);
            assertThat(runB.report().get(30, TimeUnit.SECONDS).outcome()).as(b::text).isEqualTo(RunOutcome.SUCCEEDED);
        }
        assertThat(b.logLines()).containsSubsequence("started-api", "done-api", "started-jobs", "done-jobs");
    }

    @Test
    void theFirstRunAfterTheUpgradeSaysHowItsSlotIsKeyedNowAndTheNextDoesNot() throws Exception {
        String ns = "shared-upgrade";
        cluster.secret(ns, "shop-db", Map.of("DATABASE_URL", "postgres://db/shop"));
        String earlier = MigrationStage.lockName("shop", ns);
        cluster.client.leases().inNamespace(ns).resource(new LeaseBuilder().withNewMetadata().withName(earlier)
                .withNamespace(ns).endMetadata().withNewSpec().withLeaseDurationSeconds(30).endSpec().build()).create();
        Migration m = Migration.builder().command("sh", "-c", "echo migrated").envFromSecret(List.of("shop-db")).timeout("2m").build();
        RecordingListener first = new RecordingListener();
        try (MigrateThenDeploy engine = cluster.engine(first, "run-1")) {
            assertThat(engine.start(plan("shop", ns, m)).report().get(30, TimeUnit.SECONDS).outcome()).isEqualTo(RunOutcome.SUCCEEDED);
        }
        assertThat(first.text()).contains("the app shop's migrations in " + ns + " were serialised by the Lease " + earlier
                + ", keyed by the app's name, until this version of mtd; the slot is now keyed by what is migrated: "
                + ns + "/secret/shop-db (derived from the secret/shop-db").contains("upgrade every pipeline");
        SlotKey key = SlotKey.of(plan("shop", ns, m), Environment.of(ns, ns, List.of()));
        assertThat(cluster.client.leases().inNamespace(ns).withName(earlier).get().getMetadata().getAnnotations())
                .containsEntry(Labels.ANNOTATION_SUPERSEDED_BY, ns + "/" + key.leaseName());

        RecordingListener second = new RecordingListener();
        try (MigrateThenDeploy engine = cluster.engine(second, "run-2")) {
            engine.start(plan("shop", ns, m)).report().get(30, TimeUnit.SECONDS);
        }
        assertThat(second.text()).doesNotContain("were serialised by the Lease").contains("migration slot '" + ns + "/secret/shop-db'");
    }

    @Test
    void aJobInAnotherSlotThatReadsTheSameSecretIsNamedSoThatTwoKeysOverOneDatabaseDoNotGoUnsaid() throws Exception {
        String ns = "shared-evident";
        cluster.secret(ns, "shop-db", Map.of("DATABASE_URL", "postgres://db/shop"));
        cluster.secret(ns, "worker-extra", Map.of("QUEUE", "jobs"));
        Plan worker = plan("shop-worker", ns, Migration.builder().command("sh", "-c", "echo worker")
                .envFromSecret(List.of("shop-db", "worker-extra")).timeout("2m").build());
        try (MigrateThenDeploy engine = cluster.engine(new RecordingListener(), "run-worker")) {
            assertThat(engine.start(worker).report().get(30, TimeUnit.SECONDS).outcome()).isEqualTo(RunOutcome.SUCCEEDED);
        }
        RecordingListener web = new RecordingListener();
        try (MigrateThenDeploy engine = cluster.engine(web, "run-web")) {
            assertThat(engine.start(plan("shop", ns, Migration.builder().command("sh", "-c", "echo web")
                    .envFromSecret(List.of("shop-db")).timeout("2m").build())).report().get(30, TimeUnit.SECONDS).outcome())
                    .isEqualTo(RunOutcome.SUCCEEDED);
        }
        assertThat(web.text()).contains("the migration Job " + MigrationJob.nameFor("shop-worker", ns, worker.image())
                + " of app shop-worker reads the Secret shop-db too, but its slot is '" + ns
                + "/secret/shop-db+secret/worker-extra', not this run's '" + ns + "/secret/shop-db': if both migrate one"
                + " database, name it with the same migration.lock.key in both plans");
    }

    /**
     * The seeded, bounded soak of issues 22 and 27: twelve runs of as many apps that migrate one database, half of them
     * killed as a SIGKILL would (no release, no delete, no renewal): one in ten while it waits or checks, four in ten
     * just after it created its Job; images take seconds to pull (a killed run's up to three start windows) and some
     * runs read a Secret that appears only later. Invariants: never two migration containers at once in the namespace;
     * every image migrated at most once; a run that was not killed succeeded, or failed fast on its missing Secret
     * without starting anything, or lost its lock (a loaded machine may miss a renewal), or was superseded; and no
     * killed run's Job starts its container later than its start window (one lease duration) after the kill, plus the
     * Job controller's granularity, also where no later run of its slot comes to delete it.
     *
     * <p>The seed is printed; {@code -Dmtd.soak.seed=N} makes the same choices again (timings still vary).
     */
    @Test
    void killedRunsOfTwoAppsOnOneDatabaseLeaveNoJobThatStartsAfterItsWindowAndNeverMigrateTwiceAtOnce() throws Exception {
        long seed = Long.getLong("mtd.soak.seed", System.nanoTime());
        System.out.println("SharedSlotTest orphan soak seed " + seed + " (reproduce with -Dmtd.soak.seed=" + seed + ")");
        Random random = new Random(seed);
        String ns = "orphans";
        int runs = Integer.getInteger("mtd.soak.runs", 12);
        Duration lease = Duration.ofSeconds(4);
        // the window's bound: the deadline is whole seconds (up to 1 s more) and the Job controller and kubelet act on it
        // within a second
        Duration slack = Duration.ofMillis(2_500);
        String lonely = "orphans-alone";
        cluster.secret(ns, "shop-db", Map.of("DATABASE_URL", "postgres://db/shop"));
        cluster.secret(lonely, "shop-db", Map.of("DATABASE_URL", "postgres://db/alone"));
        ScheduledExecutorService chaos = Executors.newSingleThreadScheduledExecutor();
        Map<String, KillableEngine> engines = new LinkedHashMap<>();
        Map<String, RecordingListener> listeners = new LinkedHashMap<>();
        Map<String, MigrateThenDeploy.Run> started = new LinkedHashMap<>();
        Map<String, String> actions = new LinkedHashMap<>();
        List<String> late = new ArrayList<>();
        Map<RunOutcome, Integer> outcomes = new java.util.EnumMap<>(RunOutcome.class);
        try {
            for (int i = 0; i < runs; i++) {
                String image = "orphan-" + i + ":1";
                String runId = "orphan-" + i;
                int kill = random.nextInt(10);
                long at = random.nextInt(1_500);
                // a run killed after its Job's creation pulls for up to three windows (an orphan that nothing bounded
                // would start its container long after the kill); the others up to three seconds
                long pull = kill >= 1 && kill < 6 ? 4_000 + random.nextInt(8_000) : random.nextInt(3_000);
                cluster.sandbox.kubelet().pullDelay(SandboxKubelet.repositoryOf(image), Duration.ofMillis(pull));
                // half of those on a database of their own: no later run deletes their orphan, only its window bounds it
                boolean alone = kill >= 1 && kill < 6 && random.nextBoolean();
                String namespace = alone ? lonely : ns;
                Migration.Builder m = Migration.builder().command("sh", "-c", "echo migrating " + image + "; sleep 0.2; echo migrated")
                        .timeout("1m").envFromSecret(List.of("shop-db"))
                        .lock(new Migration.Lock(lease.toSeconds() + "s", "2m", alone ? "alone-" + i : "orphan-db", null));
                StringBuilder action = new StringBuilder((alone ? "alone " : "") + "pull " + pull + "ms ");
                if (random.nextInt(4) == 0) { // a Secret that appears later: the run fails fast, or finds it and migrates
                    String secret = "late-" + i;
                    m.secretEnv(List.of(new Migration.SecretEnv("TOKEN", secret, "token")));
                    long appears = random.nextInt(3_000);
                    late.add(runId);
                    action.append("secret@").append(appears).append("ms ");
                    chaos.schedule(() -> cluster.secret(namespace, secret, Map.of("token", "t")), appears, TimeUnit.MILLISECONDS);
                }
                // an app per run (a web service's and a worker's releases, say), all on one database: no run supersedes
                // another (issue 24 stops an older release of the same app), so each one reaches the slot
                Plan plan = new Plan((i % 2 == 0 ? "shop-" : "shop-worker-") + i, image, null, m.build(), null,
                        List.of(Environment.of(namespace, namespace, List.of())));
                RecordingListener listener = new RecordingListener();
                KillableEngine engine = new KillableEngine(cluster, listener, runId);
                engines.put(runId, engine);
                listeners.put(runId, listener);
                started.put(runId, engine.engine().start(plan));
                if (kill < 1) { // while it waits for the slot or checks what its Pod needs
                    action.append("kill@").append(at).append("ms");
                    chaos.schedule(engine::kill, at, TimeUnit.MILLISECONDS);
                } else if (kill < 6) { // around its Job's resume, the image's pull and the container's start
                    action.append("kill@created+").append(at).append("ms");
                    killAfterCreation(chaos, listener, engine, at);
                }
                actions.put(runId, action.toString().trim());
                Thread.sleep(random.nextInt(600)); // runs arrive at random moments
            }
            for (Map.Entry<String, MigrateThenDeploy.Run> e : started.entrySet()) {
                String runId = e.getKey();
                KillableEngine engine = engines.get(runId);
                // a killed run never reports; one whose kill waits for a Job it never creates (its Secret was missing) does
                await().atMost(Duration.ofMinutes(3)).until(() -> engine.killedAt() >= 0 || e.getValue().report().isDone());
                if (engine.killedAt() >= 0) {
                    continue;
                }
                RunReport report = e.getValue().report().get();
                String image = runId + ":1";
                outcomes.merge(report.outcome(), 1, Integer::sum);
                if (report.outcome() == RunOutcome.LOCK_LOST || report.outcome() == RunOutcome.SUPERSEDED) {
                    // a machine this loaded may miss a renewal; a later run of the same app may have passed this one
                    // (issue 24): either way the run stops, and the invariants below still hold
                    continue;
                }
                if (report.outcome() != RunOutcome.SUCCEEDED) {
                    assertThat(late).as("run %s (%s), seed %d: %s", runId, report.outcome(), seed, listeners.get(runId).text())
                            .contains(runId);
                    assertThat(cluster.sandbox.kubelet().migrationStarts(image)).as("run %s failed fast, seed %d", runId, seed)
                            .isZero();
                } else {
                    assertThat(cluster.sandbox.kubelet().migrationStarts(image)).as("run %s, seed %d", runId, seed).isEqualTo(1);
                }
            }
            // what killed runs left behind ends by itself (its window passed) or stays suspended, never started
            await().atMost(Duration.ofMinutes(1)).until(() -> cluster.sandbox.kubelet().runningMigrationsIn(ns) == 0
                    && cluster.sandbox.kubelet().runningMigrationsIn(lonely) == 0
                    && java.util.stream.Stream.concat(cluster.jobs(ns).stream(), cluster.jobs(lonely).stream())
                    .allMatch(j -> JobStatus.ended(j) || Boolean.TRUE.equals(j.getSpec().getSuspend())));
            Thread.sleep(lease.plus(slack).toMillis()); // a start that could still come after its window would come by now
        } finally {
            chaos.shutdownNow();
            engines.values().forEach(KillableEngine::close);
        }
        String transcript = "seed " + seed + ", actions " + actions + "\n"
                + String.join("\n", cluster.sandbox.kubelet().migrationHistoryIn(ns));
        long latest = Long.MIN_VALUE;
        int afterKill = 0;
        for (SandboxKubelet.ContainerStart start : cluster.sandbox.kubelet().migrationStarts()) {
            if (!start.namespace().equals(ns) && !start.namespace().equals(lonely)) {
                continue;
            }
            String runId = start.image().substring(0, start.image().indexOf(':'));
            long killedAt = engines.get(runId).killedAt();
            assertThat(cluster.sandbox.kubelet().migrationStarts(start.image())).as("starts of %s, %s", start.image(), transcript)
                    .isEqualTo(1);
            if (killedAt >= 0) {
                long after = start.nanos() - killedAt;
                latest = Math.max(latest, after);
                afterKill += after > 0 ? 1 : 0;
                assertThat(Duration.ofNanos(after)).as("%s started %d ms after its run was killed, %s", start.job(),
                        after / 1_000_000, transcript).isLessThanOrEqualTo(lease.plus(slack));
            }
        }
        System.out.println("SharedSlotTest orphan soak seed " + seed + ": " + actions + "; runs not killed " + outcomes + "; "
                + afterKill
                + " containers started after their run was killed (within its window), the latest: "
                + (latest == Long.MIN_VALUE ? "none" : latest / 1_000_000 + " ms"));
        assertThat(cluster.sandbox.kubelet().maxConcurrentMigrationsIn(ns)).as(transcript).isEqualTo(1);
        assertThat(actions.values()).as("seed %d killed some run", seed).anyMatch(a -> a.contains("kill"));
        assertThat(outcomes.getOrDefault(RunOutcome.SUCCEEDED, 0)).as("seed %d: %s", seed, outcomes).isPositive();
    }

    /** Kills {@code engine} {@code delay} ms after it noted that it created its Job (never, when it creates none). */
    private static void killAfterCreation(ScheduledExecutorService chaos, RecordingListener listener, KillableEngine engine,
            long delay) {
        long created = listener.firstArrival(e -> e instanceof io.mtd.progress.ProgressEvent.Note n
                && n.message().startsWith("created Job "));
        if (created >= 0) {
            long due = Math.max(0, delay - (System.nanoTime() - created) / 1_000_000);
            chaos.schedule(engine::kill, due, TimeUnit.MILLISECONDS);
        } else {
            chaos.schedule(() -> killAfterCreation(chaos, listener, engine, delay), 20, TimeUnit.MILLISECONDS);
        }
    }
}

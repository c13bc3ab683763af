package io.mtd.run;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.mtd.KillableEngine;
import io.mtd.MigrateThenDeploy;
import io.mtd.RecordingListener;
import io.mtd.SandboxExtension;
import io.mtd.SandboxFixture;
import io.mtd.migration.JobStatus;
import io.mtd.plan.DatabaseJob;
import io.mtd.plan.Environment;
import io.mtd.plan.Migration;
import io.mtd.plan.Plan;
import io.mtd.progress.ProgressEvent;
import io.mtd.report.RunOutcome;
import io.mtd.report.RunReport;
import io.mtd.sandbox.PostgresImage;
import io.mtd.sandbox.SandboxDatabase;
import io.mtd.sandbox.SandboxKubelet;
import io.mtd.schema.SnapshotOutput;
import io.mtd.schema.SnapshotStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Releases of one app with schema snapshots and a backup, killed (as a SIGKILLed process: {@link KillableEngine}) or
 * cancelled at random moments across snapshot, backup, migration and snapshot-after, against the real PostgreSQL
 * (seeded: {@code -Dmtd.soak.seed=N} replays a run, {@code -Dmtd.soak.runs=N} sets how many). The cluster's record
 * says afterwards: nothing of an interrupted run started after a bound, every migration ran right after its own run's
 * backup succeeded with nothing of another run in between, no two Jobs of the environment ran at once, and the last
 * run kept the schema the database has.
 */
@ExtendWith(SandboxExtension.class)
class DriftSoakTest {

    private static SandboxFixture cluster;
    /** Started and closed by the extension. */
    private static SandboxDatabase db;

    @TempDir
    Path dir;

    @BeforeAll
    static void clientBinaries() {
        assumeTrue(PostgresImage.clientBinaries().isPresent(), "pg_dump and psql are not installed (Debian: postgresql-client)");
    }

    /** What the chaos does to a run: nothing, kill or cancel, after its {@code job}-th Job's creation (1 to 4). */
    private record Interruption(String what, int job, long delayMillis) {
        @Override
        public String toString() {
            return what.equals("none") ? "none" : what + "@job" + job + "+" + delayMillis + "ms";
        }
    }

    @Test
    void runsKilledOrCancelledAcrossSnapshotBackupAndMigrationLeaveNothingActingLateAndNeverMigrateWithoutTheirBackup()
            throws Exception {
        long seed = Long.getLong("mtd.soak.seed", System.nanoTime());
        System.out.println("DriftSoakTest seed " + seed + " (reproduce with -Dmtd.soak.seed=" + seed + ")");
        Random random = new Random(seed);
        int runs = Integer.getInteger("mtd.soak.runs", 6);
        String ns = "drift-soak";
        String database = "drift_soak";
        db.createDatabase(database);
        cluster.secret(ns, "db", db.secretValues(database));
        Path journal = Files.createFile(dir.resolve("journal"));
        Duration lease = Duration.ofSeconds(3);
        // the start window's bound, as SharedSlotTest measures it: whole-second deadlines, and the controllers act within one
        Duration slack = Duration.ofMillis(2_500);
        ScheduledExecutorService chaos = Executors.newSingleThreadScheduledExecutor();
        Map<String, KillableEngine> engines = new LinkedHashMap<>();
        Map<String, MigrateThenDeploy.Run> started = new LinkedHashMap<>();
        Map<String, Interruption> actions = new LinkedHashMap<>();
        Map<String, Long> interruptedAt = new java.util.concurrent.ConcurrentHashMap<>();
        Map<RunOutcome, Integer> outcomes = new EnumMap<>(RunOutcome.class);
        Map<String, String> took = new java.util.concurrent.ConcurrentSkipListMap<>();
        String last = "soak" + (runs - 1);
        try {
            for (int i = 0; i < runs; i++) {
                String run = "soak" + i;
                int r = random.nextInt(5);
                Interruption action = i == runs - 1 || r == 4 ? new Interruption("none", 0, 0)
                        : new Interruption(r < 2 ? "kill" : "cancel", 1 + random.nextInt(4), random.nextInt(400));
                actions.put(run, action);
                RecordingListener listener = new RecordingListener();
                KillableEngine engine = new KillableEngine(cluster, listener, run);
                engines.put(run, engine);
                MigrateThenDeploy.Run started1 = engine.engine().start(plan(run, i, journal));
                started.put(run, started1);
                long began = System.nanoTime();
                started1.report().whenComplete((rep, err) -> took.put(run, (System.nanoTime() - began) / 1_000_000
                        + " ms " + (rep == null ? err : rep.outcome())));
                if (!action.what().equals("none")) {
                    interruptAfterJob(chaos, listener, action, () -> {
                        interruptedAt.putIfAbsent(run, System.nanoTime());
                        if (action.what().equals("kill")) {
                            engine.kill();
                        } else {
                            started1.cancel("the soak cancels it");
                        }
                    });
                }
                Thread.sleep(random.nextInt(1_500)); // releases arrive at random moments, some while another runs
            }
            for (Map.Entry<String, MigrateThenDeploy.Run> e : started.entrySet()) {
                KillableEngine engine = engines.get(e.getKey());
                await().atMost(Duration.ofMinutes(2)).until(() -> engine.killedAt() >= 0 || e.getValue().report().isDone());
                if (engine.killedAt() < 0) {
                    outcomes.merge(e.getValue().report().get().outcome(), 1, Integer::sum);
                }
            }
            // what interrupted runs left ends by itself or stays suspended; a start still due would come within the bound
            await().atMost(Duration.ofMinutes(1)).until(() -> cluster.sandbox.kubelet().runningMigrationsIn(ns) == 0
                    && cluster.jobs(ns).stream().allMatch(j -> JobStatus.ended(j) || Boolean.TRUE.equals(j.getSpec().getSuspend())));
            Thread.sleep(lease.plus(slack).toMillis());
        } finally {
            chaos.shutdownNow();
            engines.values().forEach(KillableEngine::close);
        }
        List<SandboxKubelet.ContainerStart> starts = cluster.sandbox.kubelet().migrationStarts().stream()
                .filter(s -> s.namespace().equals(ns)).toList();
        List<String> lines = Files.readAllLines(journal);
        String transcript = "seed " + seed + ", actions " + actions + ", runs took " + took + "\nstarts "
                + starts.stream().map(s -> s.image() + " " + s.job()).toList() + "\njournal " + lines + "\n"
                + String.join("\n", cluster.sandbox.kubelet().migrationHistoryIn(ns));

        // no two Jobs of the environment (snapshot, backup, migration; of any run) ran at once
        assertThat(cluster.sandbox.kubelet().maxConcurrentMigrationsIn(ns)).as(transcript).isEqualTo(1);
        long latest = Long.MIN_VALUE;
        for (int k = 0; k < starts.size(); k++) {
            SandboxKubelet.ContainerStart start = starts.get(k);
            String run = runOf(start.image());
            Long at = interruptedAt.get(run);
            if (at != null) { // nothing of an interrupted run starts after its start window
                latest = Math.max(latest, start.nanos() - at);
                assertThat(Duration.ofNanos(start.nanos() - at)).as("%s started %d ms after %s, %s", start.job(),
                        (start.nanos() - at) / 1_000_000, actions.get(run), transcript).isLessThanOrEqualTo(lease.plus(slack));
            }
            if (start.image().equals(run + ":1")) {
                // a migration: right after its own run's backup (no other Job in between: the same holding of the lock),
                // which succeeded before it started
                assertThat(k).as("migration of %s with no Job before it, %s", run, transcript).isPositive();
                assertThat(starts.get(k - 1).image()).as("the Job before %s's migration, %s", run, transcript)
                        .isEqualTo("postgres:backup-" + run);
                int migrated = lines.indexOf("migrate-start " + run);
                assertThat(migrated).as(transcript).isNotNegative();
                assertThat(lines.subList(0, migrated)).as("%s's backup succeeded before its migration, %s", run, transcript)
                        .contains("backup-done " + run);
            }
        }
        // the last release, never interrupted, completes and keeps the schema the database has
        assertThat(outcomes.getOrDefault(RunOutcome.SUCCEEDED, 0)).as(transcript).isPositive();
        RunReport finalReport = started.get(last).report().get();
        assertThat(finalReport.outcome()).as("%s: %s", finalReport.failure(), transcript).isEqualTo(RunOutcome.SUCCEEDED);
        SnapshotStore.KeptSnapshot kept = SnapshotStore.read(cluster.client, ns, "shop", "staging").orElseThrow();
        assertThat(kept.run()).isEqualTo(last);
        assertThat(kept.after().fingerprint()).as("the kept schema is the database's, %s", transcript)
                .isEqualTo(freshSnapshotFingerprint(database));
        System.out.println("DriftSoakTest seed " + seed + ": " + actions + "; outcomes of runs not killed " + outcomes
                + "; runs took " + took + "; latest start after an interruption: " + (latest == Long.MIN_VALUE ? "none" : latest / 1_000_000 + " ms"));
    }

    /**
     * Release {@code i} of the app: a snapshot, a backup and a migration, each from an image of its own run (so that the
     * kubelet's record names the run), writing to {@code journal} what the backup finished and the migration began.
     */
    private static Plan plan(String run, int i, Path journal) {
        DatabaseJob snapshot = new DatabaseJob("postgres:snap-" + run, null, null, null, "1m", null, null);
        DatabaseJob backup = new DatabaseJob("postgres:backup-" + run, List.of("sh", "-c", "pg_dump -Fc -f /backup/" + run
                + ".dump && echo 'backup-done " + run + "' >> '" + journal + "'"), null, null, "1m", null,
                new DatabaseJob.Volume("soak-backups", "/backup"));
        Migration m = Migration.builder().command("sh", "-c", "echo 'migrate-start " + run + "' >> '" + journal + "'; psql -v"
                        + " ON_ERROR_STOP=1 -c 'CREATE TABLE IF NOT EXISTS release_" + i + " (id int)'")
                .envFromSecret(List.of("db")).timeout("1m").lock(new Migration.Lock("3s", "2m", "soak-db", null))
                .snapshot(snapshot).backup(backup).build();
        return new Plan("shop", run + ":1", null, m, null, List.of(Environment.of("staging", "drift-soak", List.of())));
    }

    private static String runOf(String image) {
        int colon = image.indexOf(':');
        return image.startsWith("postgres:") ? image.substring(image.indexOf('-') + 1) : image.substring(0, colon);
    }

    /** Runs {@code interrupt} {@code action.delayMillis()} after the run's {@code action.job()}-th Job was created. */
    private static void interruptAfterJob(ScheduledExecutorService chaos, RecordingListener listener, Interruption action,
            Runnable interrupt) {
        long created = listener.events.stream().filter(e -> e instanceof ProgressEvent.Note n
                && n.message().startsWith("created Job ")).count();
        if (created >= action.job()) {
            chaos.schedule(interrupt, action.delayMillis(), TimeUnit.MILLISECONDS);
        } else {
            chaos.schedule(() -> interruptAfterJob(chaos, listener, action, interrupt), 10, TimeUnit.MILLISECONDS);
        }
    }

    /** The schema's fingerprint now, by the same pg_dump and reading the snapshot Jobs use. */
    private static String freshSnapshotFingerprint(String database) throws Exception {
        ProcessBuilder pb = new ProcessBuilder(PostgresImage.clientBinaries().orElseThrow().resolve("pg_dump").toString(),
                "--schema-only", "--no-owner", "--no-privileges", "--no-comments");
        db.secretValues(database).forEach((k, v) -> {
            if (k.startsWith("PG")) {
                pb.environment().put(k, v);
            }
        });
        Process p = pb.redirectError(ProcessBuilder.Redirect.INHERIT).start();
        List<String> dump = new ArrayList<>(List.of(new String(p.getInputStream().readAllBytes()).split("\n")));
        assertThat(p.waitFor()).isZero();
        return SnapshotOutput.read(dump).fingerprint();
    }
}

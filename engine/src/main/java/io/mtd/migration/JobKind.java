package io.mtd.migration;

import io.mtd.plan.Compatibility;
import io.mtd.plan.DatabaseJob;
import io.mtd.plan.Environment;
import io.mtd.plan.Migration;
import io.mtd.plan.Plan;
import io.mtd.plan.PostRollout;
import io.mtd.progress.Stage;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What a Job under an environment's migration lock is for. The kind decides what the Job runs (its settings, derived
 * from the plan's migration), names it (each kind of one release has a name of its own, found again by a re-run), and
 * tells its container which phase it runs in. Every kind runs the same way under the slot (lock, occupying Jobs,
 * cancel, never-started deletion, log, report): a new kind of Job is a new constant here, not a new waiter.
 */
public enum JobKind {

    /** The plan's migration, before the rollout, while the previous version still serves (expand). */
    MIGRATION(null, false, false) {
        @Override
        public Plan plan(Plan plan) {
            return plan;
        }
    },

    /**
     * The contract phase ({@code migration.postRollout}): after the environment's rollout is complete and healthy, the
     * post-rollout command or Flyway locations with the migration's other settings.
     */
    POST_ROLLOUT("post-rollout", false, false) {
        @Override
        public Plan plan(Plan plan) {
            Migration m = plan.migration();
            PostRollout p = m.postRollout();
            Map<String, String> env = new LinkedHashMap<>(m.env());
            if (m.flyway() != null) {
                // the post-rollout history table starts on a schema that is not empty: begin it below its first version
                env.putIfAbsent("FLYWAY_BASELINE_ON_MIGRATE", "true");
                env.putIfAbsent("FLYWAY_BASELINE_VERSION", "0");
            }
            return with(plan, m.toBuilder().command(m.flyway() == null ? p.command() : null)
                    .flyway(m.flyway() == null ? null : p.flywayFrom(m.flyway())).env(env).lint(null).postRollout(null).build());
        }
    },

    /** Prints the SQL the migration will run ({@code migration.lint.sqlCommand}), for the expand/contract check. */
    PRINT_SQL("print-sql", true, false) {
        @Override
        public Plan plan(Plan plan) {
            return printing(plan, plan.migration().lintOrDefaults().sqlCommand());
        }
    },

    /** Prints the SQL of the contract phase ({@code migration.postRollout.sqlCommand}), checked with the rest. */
    PRINT_POST_ROLLOUT_SQL("print-sql", true, false) {
        @Override
        public Plan plan(Plan plan) {
            return printing(plan, plan.migration().postRollout().sqlCommand());
        }
    },

    /**
     * A snapshot of the environment's database schema ({@code migration.snapshot}), before and after its migration, from
     * a database client's image (the Target's): its output is read by the engine, not shown in the run's log.
     */
    SNAPSHOT("snapshot", false, true) {
        @Override
        public Plan plan(Plan plan) {
            DatabaseJob s = plan.migration().snapshot();
            return with(plan, s.asMigration(plan.migration(), s.snapshotCommand(), SNAPSHOT_TIMEOUT));
        }

        @Override
        String jobWord() {
            return "snapshot";
        }

        @Override
        public boolean readsOutput() {
            return true;
        }
    },

    /**
     * The backup right before the environment's migration ({@code environments[].backup}, else {@code migration.backup}),
     * from its own image (the Target's), its volume mounted.
     */
    BACKUP("backup", false, true) {
        @Override
        public Plan plan(Plan plan) {
            throw new IllegalStateException("a backup's settings depend on its environment: use plan(plan, environment)");
        }

        @Override
        public Plan plan(Plan plan, Environment environment) {
            DatabaseJob b = environment.backupOr(plan.migration());
            return with(plan, b.asMigration(plan.migration(), b.command(), BACKUP_TIMEOUT));
        }

        @Override
        String jobWord() {
            return "backup";
        }

        @Override
        DatabaseJob.Volume volume(Plan plan, Environment environment) {
            return environment.backupOr(plan.migration()).volume();
        }
    },

    /**
     * The compatibility check ({@code migration.compatibility}): its command, from the image a version runs (the target's
     * image), with the migration's Secrets and environment. Each run tries its own schema, so each run has its own Job;
     * a check nobody waits for any more is deleted (it only reads, or writes in a transaction it rolls back).
     */
    COMPATIBILITY("compatibility", false, true) {
        @Override
        public Plan plan(Plan plan) {
            Migration m = plan.migration();
            Compatibility c = m.compatibility();
            Map<String, String> env = new LinkedHashMap<>(m.env());
            env.putAll(c.env());
            List<String> secrets = new ArrayList<>(c.hasOwnSecrets() ? c.envFromSecret() : m.envFromSecret());
            if (!c.hasOwnSecrets() && m.flyway() != null && m.flyway().secret() != null && !secrets.contains(m.flyway().secret())) {
                secrets.add(m.flyway().secret()); // the app's check reads the database Flyway migrated, from the same Secret
            }
            return with(plan, m.toBuilder().command(c.command()).flyway(null).env(env).envFromSecret(secrets)
                    .secretEnv(c.hasOwnSecrets() ? c.secretEnv() : m.secretEnv())
                    .timeout(c.timeoutOrDefault().toSeconds() + "s").backoffLimit(0).retry(false).onCancel("delete")
                    .lint(null).postRollout(null).compatibility(null).build());
        }
    };

    /** The stage of the run whose log this kind's notes and output belong to: a snapshot's notes read "snapshot", not "migration". */
    public Stage stage() {
        return switch (this) {
            case MIGRATION, POST_ROLLOUT -> Stage.MIGRATION;
            case PRINT_SQL, PRINT_POST_ROLLOUT_SQL -> Stage.LINT;
            case SNAPSHOT -> Stage.SNAPSHOT;
            case BACKUP -> Stage.BACKUP;
            case COMPATIBILITY -> Stage.COMPATIBILITY;
        };
    }

    static final Duration SNAPSHOT_TIMEOUT = Duration.ofMinutes(5);
    static final Duration BACKUP_TIMEOUT = Duration.ofMinutes(30);

    /** The variable the container reads its phase from, where the kind has one (documented for the post-rollout Job). */
    public static final String PHASE_VARIABLE = "MTD_MIGRATION_PHASE";

    private final String phase;
    private final boolean printsSql;
    private final boolean everyRun;

    JobKind(String phase, boolean printsSql, boolean everyRun) {
        this.phase = phase;
        this.printsSql = printsSql;
        this.everyRun = everyRun;
    }

    /** The plan whose migration this kind of Job runs (the same image, environment and lock as {@code plan}'s). */
    public abstract Plan plan(Plan plan);

    /** The plan whose migration this kind of Job runs in {@code environment} (where its settings depend on it). */
    public Plan plan(Plan plan, Environment environment) {
        return plan(plan);
    }

    /** The word in the Job's name after the app and environment ({@code shop-staging-migrate-...}). */
    String jobWord() {
        return "migrate";
    }

    /**
     * Whether the engine reads what the Job prints instead of showing it: its log is kept as written (for the engine
     * only, masked before anything of it is shown) and not streamed into the run's log.
     */
    public boolean readsOutput() {
        return false;
    }

    /** The volume mounted into this kind of Job's container in {@code environment}, or null. */
    DatabaseJob.Volume volume(Plan plan, Environment environment) {
        return null;
    }

    /** The value of {@link #PHASE_VARIABLE} in the Job's container, or null for none. */
    public String phase() {
        return phase;
    }

    /**
     * Whether the Job prints the SQL the run checks: its output is what counts, so one that succeeded before for the
     * image is not simply skipped, its log is read again (and it runs again when that log is gone).
     */
    public boolean printsSql() {
        return printsSql;
    }

    /**
     * Whether each run gets a Job of its own: what it checks is this run's schema, so it is never skipped as already done
     * or attached to, even by a second run of the same process.
     */
    public boolean everyRun() {
        return everyRun;
    }

    /** What the Job's name is made of besides the app, environment and image, so that kinds never share a name. */
    String nameKey() {
        return switch (this) {
            case MIGRATION -> "";
            case POST_ROLLOUT, PRINT_SQL, COMPATIBILITY, SNAPSHOT, BACKUP -> "#" + phase;
            case PRINT_POST_ROLLOUT_SQL -> "#print-post-rollout-sql";
        };
    }

    private static Plan printing(Plan plan, List<String> sqlCommand) {
        // a printing changes nothing: one that failed for the image is replaced, never reported as "failed before"
        Migration print = plan.migration().toBuilder().command(sqlCommand).flyway(null).backoffLimit(0).retry(true)
                .onCancel("delete").lint(null).postRollout(null).build();
        return with(plan, print);
    }

    private static Plan with(Plan plan, Migration migration) {
        return new Plan(plan.app(), plan.image(), plan.build(), migration, plan.rollout(), plan.environments());
    }
}

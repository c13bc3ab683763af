package io.mtd.migration;

import io.mtd.plan.Migration;
import io.mtd.plan.Plan;
import io.mtd.plan.PostRollout;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * The contract phase as a migration of its own: the plan's migration settings with the post-rollout command or Flyway
 * locations, run by the same {@link MigrationStage} (same lock, slot, log streaming and report) after the rollout.
 */
public final class PostRolloutMigration {

    /** Set in the post-rollout Job's container, so that the command can tell which phase it runs in. */
    public static final String PHASE_VARIABLE = "MTD_MIGRATION_PHASE";
    public static final String PHASE = "post-rollout";

    private PostRolloutMigration() {}

    /** The plan whose migration is the post-rollout phase. */
    public static Plan plan(Plan plan) {
        Migration m = plan.migration();
        PostRollout p = m.postRollout();
        Map<String, String> env = new LinkedHashMap<>(m.env());
        env.put(PHASE_VARIABLE, PHASE);
        if (m.flyway() != null) {
            // the post-rollout history table starts on a schema that is not empty: begin it below its first version
            env.putIfAbsent("FLYWAY_BASELINE_ON_MIGRATE", "true");
            env.putIfAbsent("FLYWAY_BASELINE_VERSION", "0");
        }
        Migration post = m.toBuilder().command(m.flyway() == null ? p.command() : null)
                .flyway(m.flyway() == null ? null : p.flywayFrom(m.flyway())).env(env).lint(null).postRollout(null).build();
        return new Plan(plan.app(), plan.image(), plan.build(), post, plan.rollout(), plan.environments());
    }

    /** The phase of the Job that prints a command migration's SQL for the lint. */
    public static final String PRINT_SQL = "print-sql";

    /** The variable that tells one SQL-printing Job from another. */
    static final String PRINT_SQL_ID_VARIABLE = "MTD_PRINT_SQL_ID";

    /**
     * The plan whose migration prints the SQL of {@code plan}'s migration with {@code sqlCommand} (from the same image, with
     * the same settings), so that the lint checks what will really run.
     */
    public static Plan printSql(Plan plan, List<String> sqlCommand) {
        Migration m = plan.migration();
        Map<String, String> env = new LinkedHashMap<>(m.env());
        env.put(PHASE_VARIABLE, PRINT_SQL);
        // each printing is its own Job: its output is what gets checked, so it must never be skipped as already done, even
        // by a second run of the same process (the run identity names the process, not the run)
        env.put(PRINT_SQL_ID_VARIABLE, UUID.randomUUID().toString());
        Migration print = m.toBuilder().command(sqlCommand).flyway(null).env(env).backoffLimit(0).retry(false)
                .onCancel("delete").lint(null).postRollout(null).build();
        return new Plan(plan.app(), plan.image(), plan.build(), print, plan.rollout(), plan.environments());
    }

    /**
     * Keeps the post-rollout Job's name apart from the pre-rollout one of the same image, and gives each run its own
     * SQL-printing Job (its output is what gets checked, so it is never skipped as already done).
     */
    static String jobKeySuffix(Migration m, String runId) {
        String phase = m.env().get(PHASE_VARIABLE);
        if (PHASE.equals(phase)) {
            return "#" + PHASE;
        }
        return PRINT_SQL.equals(phase) ? "#" + PRINT_SQL + "#" + m.env().getOrDefault(PRINT_SQL_ID_VARIABLE, runId) : "";
    }
}

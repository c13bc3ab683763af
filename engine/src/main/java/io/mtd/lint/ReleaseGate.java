package io.mtd.lint;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.mtd.flyway.DatabaseAccess;
import io.mtd.plan.Environment;
import io.mtd.plan.Flyway;
import io.mtd.plan.Plan;
import io.mtd.progress.ProgressEvent;
import io.mtd.progress.ProgressListener;
import io.mtd.progress.Stage;
import java.nio.file.Path;
import java.util.Optional;
import java.util.function.Function;

/**
 * The expand/contract check at the start of a run: before any image is built, Job created or lock taken, the release's
 * SQL is linted; an error nobody acknowledged stops the run.
 */
public final class ReleaseGate {

    private ReleaseGate() {}

    /**
     * Lints the release, printing the summary to {@code events}; throws {@link LintFailedException} on an unacknowledged
     * error. For a Flyway plan the pending scripts are read from the schema history of the last environment (the one
     * furthest behind), reached read-only through its Secret; when that fails, every script is checked.
     */
    public static LintReport check(Plan plan, Path workspace, ProgressListener events, Function<Environment, KubernetesClient> clients) {
        Optional<DatabaseAccess> database = Optional.empty();
        Flyway f = plan.migration().flyway();
        if (f != null && f.shipsFromWorkspace() && f.secret() != null && !plan.environments().isEmpty()) {
            Environment last = plan.environments().get(plan.environments().size() - 1);
            try {
                database = Optional.of(DatabaseAccess.fromSecret(clients.apply(last), last.namespaceOrDefault(), f));
            } catch (RuntimeException e) {
                events.on(new ProgressEvent.Note(Stage.LINT, null, "the schema history of " + last.name()
                        + " could not be read (" + e.getMessage() + "); checking every script"));
            }
        }
        ReleaseSql.Gathered sql = ReleaseSql.offline(plan, workspace, database);
        sql.notes().forEach(n -> events.on(new ProgressEvent.Note(Stage.LINT, null, n)));
        LintReport report = lint(plan, sql, null, events);
        if (!report.passed()) {
            throw new LintFailedException(report);
        }
        return report;
    }

    /** Lints {@code sql}, printing the summary to {@code events} as {@code environment}'s (null: the run's) notes. */
    public static LintReport lint(Plan plan, ReleaseSql.Gathered sql, String environment, ProgressListener events) {
        LintReport report = ReleaseLint.check(plan, sql);
        for (String line : LintOutput.summary(report).split("\n")) {
            events.on(new ProgressEvent.Note(Stage.LINT, environment, line));
        }
        return report;
    }
}

package io.mtd.command;

import io.mtd.lint.LintReport;
import io.mtd.lint.ReleaseLint;
import io.mtd.lint.ReleaseSql;
import io.mtd.lint.ReleaseVerify;
import io.mtd.lint.ThrowawayServer;
import io.mtd.plan.Plan;
import java.nio.file.Path;
import java.sql.SQLException;
import java.util.Optional;

/**
 * The expand/contract check of a release without a cluster ({@code mtd lint}), and with {@code --verify} on a scratch
 * database. Wraps the lint's own entry points; what they check and report is theirs.
 */
public final class ReleaseCheck {

    private ReleaseCheck() {}

    /**
     * Lints the release's SQL that can be gathered offline; for a Flyway plan with {@code currentVersion} (the version the
     * database is at), only the scripts after it.
     */
    public static LintReport lint(Plan plan, Path workspace, String currentVersion) {
        return currentVersion != null && plan.migration().flyway() != null
                ? ReleaseLint.check(plan, ReleaseSql.after(plan, workspace, currentVersion))
                : ReleaseLint.check(plan, workspace, Optional.empty());
    }

    /** Why {@code currentVersion} cannot be the version a Flyway plan's database is at, if it cannot. */
    public static Optional<String> currentVersionProblem(Plan plan, Path workspace, String currentVersion) {
        return ReleaseSql.currentVersionProblem(plan, workspace, currentVersion);
    }

    /**
     * Loads a database of {@code server} with a Flyway plan's scripts up to {@code currentVersion} ("0": none), then lints
     * the pending ones and runs them as Flyway does, reporting the locks they took, rewrites and schema changes.
     */
    public static LintReport verify(Plan plan, Path workspace, String currentVersion, ThrowawayServer server) throws SQLException {
        return ReleaseVerify.run(plan, workspace, currentVersion, server);
    }
}

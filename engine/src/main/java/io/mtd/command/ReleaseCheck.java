package io.mtd.command;

import io.mtd.flyway.DatabaseAccess;
import io.mtd.flyway.FlywayJob;
import io.mtd.flyway.FlywayPreflight;
import io.mtd.lint.LintReport;
import io.mtd.lint.ReleaseLint;
import io.mtd.lint.ReleaseSql;
import io.mtd.lint.Verifier;
import io.mtd.plan.Flyway;
import io.mtd.plan.Plan;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.Optional;

/**
 * The expand/contract check of a release without a cluster ({@code mtd lint}), and with {@code --verify} on a scratch
 * database. Wraps the lint's own entry points; what they check and report is theirs.
 */
public final class ReleaseCheck {

    /** A throwaway PostgreSQL database the check may fill and change (its changes are rolled back). */
    public record ScratchDatabase(String jdbcUrl, String user, String password) {}

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

    /**
     * Loads {@code database} with a Flyway plan's scripts up to {@code currentVersion} ("0": none), then lints the pending
     * ones and runs them in a transaction that is rolled back, reporting the locks they took, rewrites and schema changes.
     */
    public static LintReport verify(Plan plan, Path workspace, String currentVersion, ScratchDatabase database) throws SQLException {
        Flyway f = plan.migration().flyway();
        // the plan's own configuration: the applied scripts' history goes to its table, where the check looks for it
        var config = FlywayPreflight.configuration(f, f.locations().stream().map(l -> FlywayJob.locationDir(workspace, l)).toList())
                .dataSource(database.jdbcUrl(), database.user(), database.password());
        if (!"0".equals(currentVersion)) {
            config.target(currentVersion).load().migrate();
        }
        ReleaseSql.Gathered pending = ReleaseSql.offline(plan, workspace,
                Optional.of(new DatabaseAccess(database.jdbcUrl(), database.user(), database.password())));
        LintReport lint = ReleaseLint.check(plan, pending);
        try (Connection c = DriverManager.getConnection(database.jdbcUrl(), database.user(), database.password())) {
            return Verifier.verify(lint, pending.sources(), c);
        }
    }
}

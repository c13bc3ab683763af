package io.mtd.cli;

import io.mtd.flyway.DatabaseAccess;
import io.mtd.flyway.FlywayJob;
import io.mtd.flyway.FlywayPreflight;
import io.mtd.lint.LintReport;
import io.mtd.lint.ReleaseLint;
import io.mtd.lint.ReleaseSql;
import io.mtd.lint.Verifier;
import io.mtd.plan.Flyway;
import io.mtd.plan.Plan;
import io.mtd.sandbox.SandboxDatabase;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.Optional;

/**
 * {@code mtd lint --verify}: a throwaway embedded PostgreSQL gets the schema of the already-applied migrations (Flyway,
 * up to the current version), then the pending SQL runs in a transaction that is rolled back.
 */
final class Verify {

    private Verify() {}

    /** The lint of the scripts after {@code currentVersion}, with what they did on the throwaway database. */
    static LintReport run(Plan plan, Path workspace, String currentVersion) throws SQLException {
        Flyway f = plan.migration().flyway();
        try (SandboxDatabase pg = SandboxDatabase.start()) {
            pg.createDatabase("mtd_verify");
            String url = pg.jdbcUrl("mtd_verify");
            // the plan's own configuration: the applied scripts' history goes to its table, where the check looks for it
            var config = FlywayPreflight.configuration(f, f.locations().stream().map(l -> FlywayJob.locationDir(workspace, l)).toList())
                    .dataSource(url, pg.user(), pg.password());
            if (!"0".equals(currentVersion)) {
                config.target(currentVersion).load().migrate();
            }
            ReleaseSql.Gathered pending = ReleaseSql.offline(plan, workspace, Optional.of(new DatabaseAccess(url, pg.user(), pg.password())));
            LintReport lint = ReleaseLint.check(plan, pending);
            try (Connection c = DriverManager.getConnection(url, pg.user(), pg.password())) {
                return Verifier.verify(lint, pending.sources(), c);
            }
        }
    }
}

package io.mtd.lint;

import io.mtd.flyway.DatabaseAccess;
import io.mtd.flyway.FlywayPreflight;
import io.mtd.plan.Flyway;
import io.mtd.plan.Plan;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Optional;

/**
 * {@code mtd lint --verify}: a throwaway PostgreSQL gets the schema of the already-applied migrations (Flyway, up to the
 * current version, with the plan's own configuration), then the pending scripts run on it as Flyway runs them.
 */
public final class ReleaseVerify {

    /** The database the release runs on, on the throwaway server. */
    static final String DATABASE = "mtd_verify";

    private ReleaseVerify() {}

    /**
     * The lint of the Flyway scripts after {@code currentVersion} (0: an empty database), with what they did on
     * {@code server}, an empty PostgreSQL of the plan's {@code migration.lint.postgresVersion}.
     */
    public static LintReport run(Plan plan, Path workspace, String currentVersion, ThrowawayServer server) throws SQLException {
        Flyway f = plan.migration().flyway();
        try (Connection admin = connect(server.database("postgres")); Statement s = admin.createStatement()) {
            s.execute("CREATE DATABASE " + DATABASE);
        }
        DatabaseAccess db = server.database(DATABASE);
        if (!"0".equals(currentVersion)) {
            // the plan's own configuration: the applied scripts' history goes to its table, where the check looks for it
            FlywayPreflight.configuration(f, f.locations().stream().map(l -> Flyway.locationDir(workspace, l)).toList())
                    .dataSource(db.url(), db.user(), db.password()).target(currentVersion).load().migrate();
        }
        ReleaseSql.Gathered pending = ReleaseSql.offline(plan, workspace, Optional.of(db));
        LintReport lint = ReleaseLint.check(plan, pending);
        return Verifier.verify(lint, pending.sources(), server, DATABASE, new Linter(plan.migration().lintOrDefaults().allow()));
    }

    private static Connection connect(DatabaseAccess access) throws SQLException {
        return DriverManager.getConnection(access.url(), access.user(), access.password());
    }
}

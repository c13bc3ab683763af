package io.mtd.cli;

import io.mtd.CheckedPlan;
import io.mtd.MigrateThenDeploy;
import io.mtd.command.ReleaseCheck;
import io.mtd.lint.LintReport;
import io.mtd.sandbox.SandboxDatabase;
import java.sql.SQLException;

/**
 * {@code mtd lint --verify}: a throwaway embedded PostgreSQL for the engine's {@link MigrateThenDeploy#verify}, which
 * gives it the schema of the already-applied migrations, then runs the pending SQL in a transaction rolled back.
 */
final class Verify {

    private Verify() {}

    /** The lint of the scripts after {@code currentVersion}, with what they did on the throwaway database. */
    static LintReport run(MigrateThenDeploy engine, CheckedPlan plan, String currentVersion) throws SQLException {
        try (SandboxDatabase pg = SandboxDatabase.start()) {
            pg.createDatabase("mtd_verify");
            return engine.verify(plan, currentVersion,
                    new ReleaseCheck.ScratchDatabase(pg.jdbcUrl("mtd_verify"), pg.user(), pg.password()));
        }
    }
}

package io.mtd.cli;

import io.mtd.CheckedPlan;
import io.mtd.MigrateThenDeploy;
import io.mtd.flyway.DatabaseAccess;
import io.mtd.lint.LintReport;
import io.mtd.lint.ThrowawayServer;
import io.mtd.sandbox.PostgresBinaries;
import io.mtd.sandbox.SandboxDatabase;
import java.sql.SQLException;

/**
 * {@code mtd lint --verify}: an embedded PostgreSQL of the plan's major version for the engine's
 * {@link MigrateThenDeploy#verify}, thrown away afterwards.
 */
final class Verify {

    private Verify() {}

    /** The lint of the scripts after {@code currentVersion}, with what they did on the throwaway database. */
    static LintReport run(MigrateThenDeploy engine, CheckedPlan plan, String currentVersion) throws SQLException {
        try (SandboxDatabase pg = SandboxDatabase.start(new PostgresBinaries(ThrowawayServer.major(plan.plan())))) {
            return engine.verify(plan, currentVersion, name -> new DatabaseAccess(pg.jdbcUrl(name), pg.user(), pg.password()));
        }
    }
}

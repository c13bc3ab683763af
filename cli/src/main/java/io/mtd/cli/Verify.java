package io.mtd.cli;

import io.mtd.flyway.DatabaseAccess;
import io.mtd.lint.LintReport;
import io.mtd.lint.ReleaseVerify;
import io.mtd.lint.ThrowawayServer;
import io.mtd.plan.Plan;
import io.mtd.sandbox.PostgresBinaries;
import io.mtd.sandbox.SandboxDatabase;
import java.nio.file.Path;
import java.sql.SQLException;

/** {@code mtd lint --verify}: an embedded PostgreSQL of the plan's major version, thrown away afterwards. */
final class Verify {

    private Verify() {}

    /** The lint of the scripts after {@code currentVersion}, with what they did on the throwaway database. */
    static LintReport run(Plan plan, Path workspace, String currentVersion) throws SQLException {
        try (SandboxDatabase pg = SandboxDatabase.start(new PostgresBinaries(ThrowawayServer.major(plan)))) {
            return ReleaseVerify.run(plan, workspace, currentVersion, name -> new DatabaseAccess(pg.jdbcUrl(name), pg.user(), pg.password()));
        }
    }
}

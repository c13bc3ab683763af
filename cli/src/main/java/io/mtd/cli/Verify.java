package io.mtd.cli;

import io.mtd.lint.LintReport;
import io.mtd.plan.Plan;
import java.nio.file.Path;

/** {@code mtd lint --verify}: the pending SQL applied to a throwaway embedded PostgreSQL. */
final class Verify {

    private Verify() {}

    static LintReport run(Plan plan, Path workspace, LintReport report) {
        System.out.println("--verify: not available yet");
        return report;
    }
}

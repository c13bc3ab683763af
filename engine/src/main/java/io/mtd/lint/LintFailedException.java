package io.mtd.lint;

import io.mtd.plan.InvalidPlanException;
import io.mtd.plan.PlanError;

/** The release's SQL breaks an expand/contract rule nobody acknowledged: the run stops before anything is touched. */
public final class LintFailedException extends InvalidPlanException {

    private static final long serialVersionUID = 1L;

    private final transient LintReport report;

    public LintFailedException(LintReport report) {
        super(report.blocking().stream()
                .map(f -> new PlanError(f.source() + ":" + f.line(), f.rule() + ": " + f.message() + ". Safe way: " + f.recipe()
                        + " (or acknowledge it: -- mtd:allow " + f.rule() + ": reason)"))
                .toList());
        this.report = report;
    }

    public LintReport report() {
        return report;
    }
}

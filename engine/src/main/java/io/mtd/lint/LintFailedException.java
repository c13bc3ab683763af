package io.mtd.lint;

import io.mtd.plan.InvalidPlanException;
import io.mtd.plan.PlanError;
import java.util.stream.Collectors;

/**
 * The release's SQL breaks an expand/contract rule nobody acknowledged: the run stops before anything is touched. It is
 * an {@link InvalidPlanException} for callers that only need to know that nothing was touched; its message says it is a
 * veto, not a plan error.
 */
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

    @Override
    public String getMessage() {
        int n = errors().size();
        return "The expand/contract check vetoed the release (" + n + " unacknowledged error" + (n == 1 ? "" : "s") + "):\n"
                + errors().stream().map(e -> "  - " + e).collect(Collectors.joining("\n"));
    }

    public LintReport report() {
        return report;
    }
}

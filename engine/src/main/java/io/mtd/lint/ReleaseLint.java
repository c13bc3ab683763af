package io.mtd.lint;

import io.mtd.flyway.DatabaseAccess;
import io.mtd.plan.InvalidPlanException;
import io.mtd.plan.Plan;
import io.mtd.plan.PlanError;
import io.mtd.plan.PostRollout;
import java.util.List;
import java.nio.file.Path;
import java.util.Optional;

/** The expand/contract check of one release: gathers its SQL and lints it with the plan's acknowledgements. */
public final class ReleaseLint {

    private ReleaseLint() {}

    /** Checks the release's SQL that can be gathered without a cluster ({@code database} tells Flyway's pending scripts). */
    public static LintReport check(Plan plan, Path workspace, Optional<DatabaseAccess> database) {
        return check(plan, ReleaseSql.offline(plan, workspace, database));
    }

    /** Lints gathered SQL; a plan whose post-rollout phase or acknowledgements are given wrongly is invalid. */
    public static LintReport check(Plan plan, ReleaseSql.Gathered sql) {
        List<PlanError> errors = planErrors(plan);
        if (!errors.isEmpty()) {
            throw new InvalidPlanException(errors);
        }
        return new Linter(plan.migration().lintOrDefaults().allow()).lint(sql.sources(), sql.notChecked(), sql.pendingKnown());
    }

    /**
     * What is wrong in the plan's post-rollout phase, its acknowledgements (unknown rules, missing reasons) and the
     * PostgreSQL version {@code --verify} runs on.
     */
    public static List<PlanError> planErrors(Plan plan) {
        List<PlanError> errors = new java.util.ArrayList<>(PostRollout.errors(plan.migration()));
        List<io.mtd.plan.Lint.Allow> allow = plan.migration().lintOrDefaults().allow();
        for (int i = 0; i < allow.size(); i++) {
            io.mtd.plan.Lint.Allow a = allow.get(i);
            if (a.rule() == null || Rule.byId(a.rule()).isEmpty()) {
                errors.add(new PlanError("migration.lint.allow[" + i + "].rule", "'" + a.rule() + "' is not a rule: use one of "
                        + Rule.ids()));
            }
            if (a.reason() == null || a.reason().isBlank()) {
                errors.add(new PlanError("migration.lint.allow[" + i + "].reason", "missing: say why the change is safe here"
                        + " (it is printed and kept in the report)"));
            }
        }
        ThrowawayServer.check(plan).ifPresent(errors::add);
        return errors;
    }
}

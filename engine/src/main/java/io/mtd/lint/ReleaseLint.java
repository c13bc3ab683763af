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

    /** Lints gathered SQL; a plan whose post-rollout phase is given wrongly is invalid. */
    public static LintReport check(Plan plan, ReleaseSql.Gathered sql) {
        List<PlanError> errors = PostRollout.errors(plan.migration());
        if (!errors.isEmpty()) {
            throw new InvalidPlanException(errors);
        }
        return new Linter(plan.migration().lintOrDefaults().allow()).lint(sql.sources(), sql.notChecked(), sql.pendingKnown());
    }
}

package io.mtd.plan;

import java.util.List;
import java.util.stream.Collectors;

/** A plan that cannot run, with every error found in it (not just the first). */
public class InvalidPlanException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    private final List<PlanError> errors;

    public InvalidPlanException(List<PlanError> errors) {
        super(describe(errors));
        this.errors = List.copyOf(errors);
    }

    public List<PlanError> errors() {
        return errors;
    }

    private static String describe(List<PlanError> errors) {
        return "The plan is invalid (" + errors.size() + (errors.size() == 1 ? " error" : " errors") + "):\n"
                + errors.stream().map(e -> "  - " + e).collect(Collectors.joining("\n"));
    }
}

package io.mtd.plan;

/**
 * One thing wrong with a plan: the field's path ({@code environments[1].namespace}), what is wrong and how to fix it,
 * and where it is in the plan file (line and column from 1; 0 when the plan did not come from a file).
 */
public record PlanError(String path, String message, int line, int column) {

    public PlanError(String path, String message) {
        this(path, message, 0, 0);
    }

    /** The same error, placed at {@code line} and {@code column} of the plan file. */
    public PlanError at(int atLine, int atColumn) {
        return new PlanError(path, message, atLine, atColumn);
    }

    @Override
    public String toString() {
        return (path == null || path.isEmpty() ? "plan" : path) + (line > 0 ? " (line " + line + ", column " + column + ")" : "")
                + ": " + message;
    }
}

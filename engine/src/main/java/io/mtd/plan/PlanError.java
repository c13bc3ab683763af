package io.mtd.plan;

/**
 * One thing wrong with a plan: where ({@code environments[1].name}) and what to do about it.
 *
 * @param path the field's path in the plan, as it is written in YAML or JSON
 * @param message what is wrong and how to fix it
 */
public record PlanError(String path, String message) {

    @Override
    public String toString() {
        return (path == null || path.isEmpty() ? "plan" : path) + ": " + message;
    }
}

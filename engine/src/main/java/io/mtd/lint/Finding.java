package io.mtd.lint;

import com.fasterxml.jackson.annotation.JsonInclude;

/**
 * One rule that a statement breaks.
 *
 * @param rule the rule id
 * @param severity its severity in this phase (contract rules are INFO after the rollout)
 * @param source the script (or command output) it is in
 * @param line the 1-based line of the statement
 * @param statement the statement, shortened
 * @param message what this statement does, naming the table and column
 * @param why why it breaks the running version or blocks traffic
 * @param recipe the safe expand/contract way
 * @param phase the phase the statement runs in
 * @param acknowledged the acknowledgement that lets it pass, if any
 * @param verified what {@code --verify} observed for it, if it ran
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record Finding(
        String rule,
        Severity severity,
        String source,
        int line,
        String statement,
        String message,
        String why,
        String recipe,
        Phase phase,
        Allowance acknowledged,
        Verification verified) {

    /** What a run on a throwaway database said about a static finding. */
    public enum Verification {
        /** The statement did what the finding says (took the lock, rewrote the table, dropped the column). */
        CONFIRMED,
        /** The statement ran, its own effects were observed, and they do not include what the finding says. */
        DISPROVED,
        /** No evidence either way: the statement failed, was not run, or an earlier statement already held the lock. */
        NOT_MEASURED
    }

    /** Whether it stops the run: an error nobody acknowledged. */
    public boolean blocking() {
        return severity == Severity.ERROR && acknowledged == null;
    }

    public Finding acknowledge(Allowance allowance) {
        return new Finding(rule, severity, source, line, statement, message, why, recipe, phase, allowance, verified);
    }

    public Finding verify(Verification v) {
        return new Finding(rule, severity, source, line, statement, message, why, recipe, phase, acknowledged, v);
    }
}

package io.mtd.lint;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.List;

/**
 * What the expand/contract check found in the SQL a release will apply.
 *
 * @param findings every finding, acknowledged or not, in script order
 * @param acknowledgements every acknowledgement that let a finding pass, with its reason
 * @param notChecked migrations or statements whose SQL was not checked, and why
 * @param problems acknowledgements written wrongly (no rule or no reason), which let nothing pass
 * @param scripts how many scripts (or command outputs) were checked
 * @param statements how many statements were checked
 * @param rollback whether rolling the code back after the pre-rollout migrations is safe
 * @param verify what {@code --verify} saw on a throwaway database, when it ran
 * @param verifiedOn the server {@code --verify} ran on: PostgreSQL version and time zone, when it ran
 */
@JsonInclude(JsonInclude.Include.NON_EMPTY)
public record LintReport(
        List<Finding> findings,
        List<Allowance> acknowledgements,
        List<String> notChecked,
        List<String> problems,
        int scripts,
        int statements,
        Rollback rollback,
        List<VerifiedStatement> verify,
        String verifiedOn) {

    /** Whether the previous version can run against the schema the pre-rollout migrations leave behind. */
    public enum Rollback {
        /** Every pre-rollout change is expand-only: the previous version keeps working. */
        SAFE,
        /** A pre-rollout change breaks the previous version (dropped, renamed or retyped columns, required fields). */
        UNSAFE,
        /** Some pre-rollout SQL was not checked. */
        UNKNOWN
    }

    public LintReport {
        findings = findings == null ? List.of() : List.copyOf(findings);
        acknowledgements = acknowledgements == null ? List.of() : List.copyOf(acknowledgements);
        notChecked = notChecked == null ? List.of() : List.copyOf(notChecked);
        problems = problems == null ? List.of() : List.copyOf(problems);
        verify = verify == null ? List.of() : List.copyOf(verify);
    }

    public LintReport(List<Finding> findings, List<Allowance> acknowledgements, List<String> notChecked, List<String> problems,
            int scripts, int statements, Rollback rollback, List<VerifiedStatement> verify) {
        this(findings, acknowledgements, notChecked, problems, scripts, statements, rollback, verify, null);
    }

    /** Findings that stop the run: errors nobody acknowledged. */
    @JsonIgnore
    public List<Finding> blocking() {
        return findings.stream().filter(Finding::blocking).toList();
    }

    /** Warnings nobody acknowledged: they are reported but do not stop the run. */
    @JsonIgnore
    public List<Finding> warnings() {
        return findings.stream().filter(f -> f.severity() == Severity.WARNING && f.acknowledged() == null).toList();
    }

    /** Whether the run may go on. */
    @JsonIgnore
    public boolean passed() {
        return blocking().isEmpty();
    }

    /**
     * This report after {@code --verify}: its findings marked and those it added, their acknowledgements, what each
     * statement did, and the server it ran on.
     */
    public LintReport withVerify(List<Finding> verifiedFindings, List<Allowance> moreAcknowledgements, List<VerifiedStatement> observed,
            String server) {
        List<Allowance> all = new java.util.ArrayList<>(acknowledgements);
        all.addAll(moreAcknowledgements);
        return new LintReport(verifiedFindings, all, notChecked, problems, scripts, statements, Linter.rollback(verifiedFindings, notChecked),
                observed, server);
    }
}

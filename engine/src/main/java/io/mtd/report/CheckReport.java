package io.mtd.report;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.mtd.lint.LintReport;
import java.util.ArrayList;
import java.util.List;

/**
 * One check an environment's release went through, as every page shows checks alike: a verdict, a title and the
 * details behind it. The expand/contract check is one; schema drift and the compatibility check add theirs the same way.
 *
 * @param id what kind of check it is, stable for tools ({@code lint}, {@code drift}, {@code compatibility})
 * @param title what was checked, for people
 * @param details one line per fact behind the verdict
 */
@JsonInclude(JsonInclude.Include.NON_EMPTY)
public record CheckReport(String id, Verdict verdict, String title, List<String> details) {

    /** A check's verdict. */
    public enum Verdict {
        PASSED("passed"),
        /** Passed, with something a person should read. */
        WARNING("passed with warnings"),
        FAILED("failed"),
        /** Could not be checked (nothing to check it with, or it was not asked for). */
        NOT_CHECKED("not checked");

        private final String words;

        Verdict(String words) {
            this.words = words;
        }

        /** The verdict as a page or summary says it. */
        public String words() {
            return words;
        }
    }

    public CheckReport {
        details = details == null ? List.of() : List.copyOf(details);
    }

    /** The expand/contract check's verdict on the SQL an environment's migration applies. */
    public static CheckReport lint(LintReport lint) {
        Verdict verdict = !lint.passed() ? Verdict.FAILED
                : lint.rollback() == LintReport.Rollback.UNKNOWN && lint.statements() == 0 ? Verdict.NOT_CHECKED
                : !lint.warnings().isEmpty() || lint.rollback() != LintReport.Rollback.SAFE ? Verdict.WARNING
                : Verdict.PASSED;
        List<String> details = new ArrayList<>();
        details.add(lint.statements() + (lint.statements() == 1 ? " statement" : " statements") + " in " + lint.scripts()
                + (lint.scripts() == 1 ? " script" : " scripts") + ": " + lint.blocking().size() + " errors, " + lint.warnings().size()
                + " warnings, " + lint.acknowledgements().size() + " acknowledged");
        details.add("code rollback " + switch (lint.rollback() == null ? LintReport.Rollback.UNKNOWN : lint.rollback()) {
            case SAFE -> "safe: every change before the rollout is expand-only";
            case UNSAFE -> "NOT safe: a change before the rollout breaks the previous version";
            case UNKNOWN -> "unknown: some SQL was not checked";
        });
        lint.notChecked().forEach(n -> details.add("not checked: " + n));
        return new CheckReport("lint", verdict, "Expand/contract check", details);
    }
}

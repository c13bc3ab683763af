package io.mtd.plan;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.List;

/**
 * How the migration's SQL is checked for expand/contract safety before anything runs.
 *
 * @param sqlCommand for a command migration: a command run from the application image that prints the SQL the
 *     migration will apply (e.g. {@code [sh, -c, "python manage.py sqlmigrate ..."]}); without it the migration is reported
 *     as not checked
 * @param allow rules acknowledged for this plan, each with its reason
 * @param postgresVersion the PostgreSQL major version {@code mtd lint --verify} runs the scripts on (the production
 *     database's); null for the newest the embedded binaries offer
 */
@JsonInclude(JsonInclude.Include.NON_EMPTY)
public record Lint(List<String> sqlCommand, List<Allow> allow, String postgresVersion) {

    public Lint {
        sqlCommand = sqlCommand == null ? List.of() : List.copyOf(sqlCommand);
        allow = allow == null ? List.of() : List.copyOf(allow);
    }

    public Lint(List<String> sqlCommand, List<Allow> allow) {
        this(sqlCommand, allow, null);
    }

    /**
     * An acknowledged rule.
     *
     * @param rule the rule id, e.g. {@code ban-drop-column}
     * @param script the script it applies to (file name, e.g. {@code V5__drop_fax.sql}); every script when left out
     * @param reason why it is safe (required)
     */
    @JsonInclude(JsonInclude.Include.NON_EMPTY)
    public record Allow(String rule, String script, String reason) {}
}

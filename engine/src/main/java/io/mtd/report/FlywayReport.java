package io.mtd.report;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.List;

/** What Flyway did: schema version before and after, each migration applied, and the one that failed. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record FlywayReport(
        String schemaVersionBefore,
        String schemaVersionAfter,
        List<AppliedMigration> applied,
        AppliedMigration failed,
        String error) {

    /** One migration script as Flyway ran it. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record AppliedMigration(String version, String description, String script, Long executionTimeMillis) {}
}

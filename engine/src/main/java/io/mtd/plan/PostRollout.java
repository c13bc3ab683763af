package io.mtd.plan;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.List;

/**
 * The contract phase: migrations run per environment only after its rollout is complete and healthy, as their own Job
 * under the same migration slot (for example dropping a column the previous version still read).
 *
 * @param locations for a Flyway migration: the post-rollout locations (e.g. {@code db/post}), with the same settings
 * @param command for a command migration: the post-rollout command (e.g. {@code [python, manage.py, migrate, --database, post]})
 * @param sqlCommand for a command migration: a command that prints the post-rollout SQL, to check it
 * @param table for Flyway: the schema history table of the post-rollout scripts (default {@value #DEFAULT_TABLE}), kept
 *     apart from the pre-rollout one so that neither run sees the other's scripts as missing
 */
@JsonInclude(JsonInclude.Include.NON_EMPTY)
public record PostRollout(List<String> locations, List<String> command, List<String> sqlCommand, String table) {

    public static final String DEFAULT_TABLE = "flyway_schema_history_post";

    public PostRollout {
        locations = locations == null ? List.of() : List.copyOf(locations);
        command = command == null ? List.of() : List.copyOf(command);
        sqlCommand = sqlCommand == null ? List.of() : List.copyOf(sqlCommand);
    }

    public String tableOrDefault() {
        return table == null || table.isBlank() ? DEFAULT_TABLE : table;
    }

    /** The Flyway settings of this phase: the plan's, with these locations and this history table. */
    public Flyway flywayFrom(Flyway f) {
        return new Flyway(locations, f.image(), f.source(), f.imagePath(), f.secret(), f.urlKey(), f.userKey(), f.passwordKey(),
                f.schemas(), f.baselineOnMigrate(), tableOrDefault());
    }

    /** What is wrong with {@code migration.postRollout} of {@code m}, field by field. */
    public static List<PlanError> errors(Migration m) {
        List<PlanError> errors = new java.util.ArrayList<>();
        PostRollout p = m.postRollout();
        if (p == null) {
            return errors;
        }
        if (m.flyway() != null && !p.command().isEmpty()) {
            errors.add(new PlanError("migration.postRollout.command", "a Flyway migration's post-rollout phase is Flyway too:"
                    + " give postRollout.locations (e.g. [db/post]) instead"));
        }
        if (m.flyway() == null && !p.locations().isEmpty()) {
            errors.add(new PlanError("migration.postRollout.locations", "locations are for a Flyway migration: give"
                    + " postRollout.command for a command migration"));
        }
        if (p.isEmpty()) {
            errors.add(new PlanError("migration.postRollout", "empty: give locations (Flyway, e.g. [db/post]) or command"));
        }
        return errors;
    }

    public boolean isEmpty() {
        return locations.isEmpty() && command.isEmpty();
    }
}

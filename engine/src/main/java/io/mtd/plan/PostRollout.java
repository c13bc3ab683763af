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
 */
@JsonInclude(JsonInclude.Include.NON_EMPTY)
public record PostRollout(List<String> locations, List<String> command, List<String> sqlCommand) {

    public PostRollout {
        locations = locations == null ? List.of() : List.copyOf(locations);
        command = command == null ? List.of() : List.copyOf(command);
        sqlCommand = sqlCommand == null ? List.of() : List.copyOf(sqlCommand);
    }

    public boolean isEmpty() {
        return locations.isEmpty() && command.isEmpty();
    }
}

package io.mtd.flyway;

import java.util.List;
import java.util.Optional;

/**
 * What the Flyway pre-flight found before any Job was created.
 *
 * @param errors problems that would make the migration fail, each naming the script or field and the fix
 * @param pending the migrations the Job will apply, when the database could be asked; empty when unknown
 * @param note what was checked and, when the database could not be asked, why
 */
public record Preflight(List<String> errors, Optional<List<PendingMigration>> pending, String note) {

    public Preflight {
        errors = List.copyOf(errors);
        pending = pending.map(List::copyOf);
    }

    public boolean ok() {
        return errors.isEmpty();
    }
}

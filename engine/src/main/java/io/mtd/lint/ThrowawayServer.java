package io.mtd.lint;

import io.mtd.flyway.DatabaseAccess;
import io.mtd.plan.InvalidPlanException;
import io.mtd.plan.Plan;
import io.mtd.plan.PlanError;
import java.util.List;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * A PostgreSQL server that {@code --verify} may change and throw away: it creates, copies and drops databases on it.
 * Its major version is the plan's choice ({@code migration.lint.postgresVersion}), one of {@link #MAJORS}.
 */
@FunctionalInterface
public interface ThrowawayServer {

    /** The PostgreSQL major versions whose embedded binaries {@code --verify} runs on, oldest first. */
    List<Integer> MAJORS = List.of(13, 14, 15, 16, 17, 18);

    /** Access to database {@code name} on the server, as its superuser (the database need not exist yet). */
    DatabaseAccess database(String name);

    /**
     * The major version the plan asks for, by default the newest of {@link #MAJORS}.
     *
     * @throws InvalidPlanException when it asks for one that is not offered
     */
    static int major(Plan plan) {
        check(plan).ifPresent(e -> {
            throw new InvalidPlanException(List.of(e));
        });
        String v = plan.migration().lintOrDefaults().postgresVersion();
        return v == null || v.isBlank() ? MAJORS.get(MAJORS.size() - 1) : Integer.parseInt(v.strip());
    }

    /** What is wrong with the plan's {@code migration.lint.postgresVersion}, if anything. */
    static Optional<PlanError> check(Plan plan) {
        String v = plan.migration().lintOrDefaults().postgresVersion();
        if (v == null || v.isBlank() || (v.strip().matches("\\d{1,3}") && MAJORS.contains(Integer.parseInt(v.strip())))) {
            return Optional.empty();
        }
        return Optional.of(new PlanError("migration.lint.postgresVersion", "'" + v + "' is not a PostgreSQL major version --verify"
                + " can run on: use one of " + MAJORS.stream().map(String::valueOf).collect(Collectors.joining(", "))
                + " (your production database's; left out, the newest)"));
    }
}

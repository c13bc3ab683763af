package io.mtd.lint;

import io.mtd.flyway.DatabaseAccess;
import io.mtd.flyway.FlywayPreflight;
import io.mtd.flyway.PendingMigration;
import io.mtd.flyway.Preflight;
import io.mtd.plan.Flyway;
import io.mtd.plan.Migration;
import io.mtd.plan.Plan;
import io.mtd.plan.InvalidPlanException;
import io.mtd.plan.PlanError;
import java.io.IOException;
import java.io.Reader;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CoderResult;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.flywaydb.core.api.MigrationVersion;

/**
 * The SQL a release will apply, gathered for the lint: a Flyway plan's pending scripts (before and after the rollout),
 * and, for a command migration, what its SQL command printed; what cannot be gathered is named as not checked.
 */
public final class ReleaseSql {

    /**
     * What was gathered.
     *
     * @param sources the SQL, in the order it runs
     * @param notChecked migrations whose SQL is not here, and why
     * @param notes how the pending scripts were determined
     * @param pendingKnown whether the sources are exactly what is pending (else: every script, history unknown)
     */
    public record Gathered(List<SqlSource> sources, List<String> notChecked, List<String> notes, boolean pendingKnown) {}

    private ReleaseSql() {}

    /**
     * Gathers without any cluster: Flyway's pending scripts per the schema history when {@code database} is given and
     * reachable, else every script of the locations; a command migration's SQL is not available here.
     */
    public static Gathered offline(Plan plan, Path workspace, Optional<DatabaseAccess> database) {
        return gather(plan, workspace, database, Optional.empty(), Optional.empty(), Optional.empty());
    }

    /**
     * Gathers without any database: the versioned scripts newer than {@code currentVersion} (the last one in the schema
     * history) and every repeatable one.
     */
    public static Gathered after(Plan plan, Path workspace, String currentVersion) {
        return gather(plan, workspace, Optional.empty(), Optional.of(MigrationVersion.fromVersion(currentVersion)), Optional.empty(),
                Optional.empty());
    }

    /**
     * Why {@code currentVersion} cannot be the version a Flyway plan's database is at, if it cannot: not a version, or
     * neither 0 nor the version of one of the plan's scripts (a schema history only records versions the scripts have).
     */
    public static Optional<String> currentVersionProblem(Plan plan, Path workspace, String currentVersion) {
        String fix = "give the last version in the database's flyway_schema_history, or 0 for an empty database";
        MigrationVersion given;
        try {
            given = MigrationVersion.fromVersion(currentVersion.strip());
        } catch (RuntimeException e) {
            return Optional.of("'" + currentVersion + "' is not a Flyway version (digits and dots, e.g. 3 or 1.4): " + fix);
        }
        Flyway f = plan.migration().flyway();
        if (f == null || !f.shipsFromWorkspace() || given.equals(MigrationVersion.fromVersion("0"))) {
            return Optional.empty();
        }
        List<MigrationVersion> versions = new ArrayList<>();
        for (String location : f.locations()) {
            try {
                scripts(Flyway.locationDir(workspace, location)).stream().map(ReleaseSql::version)
                        .filter(v -> v != MigrationVersion.EMPTY).forEach(versions::add);
            } catch (IllegalArgumentException | UncheckedIOException e) {
                return Optional.empty(); // the plan's validation reports the location
            }
        }
        if (versions.contains(given)) {
            return Optional.empty();
        }
        String known = versions.isEmpty() ? "the plan has no versioned script"
                : "the plan's scripts have versions " + versions.stream().sorted().map(MigrationVersion::toString)
                        .collect(Collectors.joining(", "));
        return Optional.of("no script of " + String.join(", ", f.locations()) + " has version " + given + " (" + known + "): " + fix);
    }

    /**
     * Gathers with the SQL a command migration's {@code migration.lint.sqlCommand} (and the post-rollout one) printed,
     * when they were run.
     */
    public static Gathered gather(Plan plan, Path workspace, Optional<DatabaseAccess> database, Optional<String> printedSql,
            Optional<String> printedPostSql) {
        return gather(plan, workspace, database, Optional.empty(), printedSql, printedPostSql);
    }

    private static Gathered gather(Plan plan, Path workspace, Optional<DatabaseAccess> database, Optional<MigrationVersion> current,
            Optional<String> printedSql, Optional<String> printedPostSql) {
        List<SqlSource> sources = new ArrayList<>();
        List<String> notChecked = new ArrayList<>();
        List<String> notes = new ArrayList<>();
        boolean known = true;
        Migration m = plan.migration();
        Flyway f = m.flyway();
        if (f != null) {
            if (!f.shipsFromWorkspace()) {
                notChecked.add("migration.flyway: the scripts are inside the application image (source: image), so they were"
                        + " not checked; ship them from the workspace to check them");
            } else {
                known &= flyway(f, workspace, database, current, Phase.PRE_ROLLOUT, sources, notes);
                if (m.hasPostRollout() && !m.postRollout().locations().isEmpty()) {
                    known &= flyway(m.postRollout().flywayFrom(f), workspace, database, Optional.empty(), Phase.POST_ROLLOUT, sources, notes);
                }
            }
        } else {
            command("migration", m.command(), m.lintOrDefaults().sqlCommand(), "migration.lint.sqlCommand", printedSql,
                    Phase.PRE_ROLLOUT, sources, notChecked);
            if (m.hasPostRollout() && !m.postRollout().command().isEmpty()) {
                command("post-rollout migration", m.postRollout().command(), m.postRollout().sqlCommand(),
                        "migration.postRollout.sqlCommand", printedPostSql, Phase.POST_ROLLOUT, sources, notChecked);
            }
        }
        return new Gathered(sources, notChecked, notes, known);
    }

    private static void command(String what, List<String> command, List<String> sqlCommand, String field, Optional<String> printed,
            Phase phase, List<SqlSource> sources, List<String> notChecked) {
        String shown = String.join(" ", command);
        if (sqlCommand.isEmpty()) {
            notChecked.add((phase == Phase.POST_ROLLOUT ? "post-rollout: " : "") + what + " '" + shown
                    + "' was not checked: set " + field + " to a command that prints the SQL it will run (e.g. Django's"
                    + " sqlmigrate for each pending migration)");
        } else if (printed.isEmpty()) {
            notChecked.add((phase == Phase.POST_ROLLOUT ? "post-rollout: " : "") + what + " '" + shown + "' is checked later: "
                    + field + " prints its SQL in a Job from the image before each environment's migration (mtd run)");
        } else {
            // the printed SQL opens its own transactions (BEGIN; ... COMMIT;) where the tool uses them
            sources.add(new SqlSource(field + " output", printed.get(), phase, false));
        }
    }

    /** Adds the location's pending scripts; returns whether the pending ones were known (else all were added). */
    private static boolean flyway(Flyway f, Path workspace, Optional<DatabaseAccess> database, Optional<MigrationVersion> current,
            Phase phase, List<SqlSource> sources, List<String> notes) {
        Optional<Set<String>> pending = Optional.empty();
        String where = phase == Phase.POST_ROLLOUT ? "post-rollout " : "";
        if (database.isPresent()) {
            Preflight p = FlywayPreflight.check(f, workspace, database);
            pending = p.pending().map(list -> list.stream().map(PendingMigration::script).map(ReleaseSql::fileName)
                    .collect(Collectors.toSet()));
            notes.add(where + "Flyway: " + p.note());
        }
        if (pending.isEmpty() && current.isPresent()) {
            notes.add(where + "Flyway: the scripts after version " + current.get() + " (the current version given) were checked");
        } else if (pending.isEmpty()) {
            notes.add(where + "Flyway: the schema history was not read, so every script of " + String.join(", ", f.locations())
                    + " was checked");
        }
        Path root = workspace.toAbsolutePath().normalize();
        for (String location : f.locations()) {
            Path dir;
            try {
                dir = Flyway.locationDir(workspace, location);
            } catch (IllegalArgumentException e) {
                continue; // the plan's validation reports it
            }
            for (Path script : scripts(dir)) {
                String file = script.getFileName().toString();
                if (pending.isPresent() && !pending.get().contains(file)) {
                    continue;
                }
                if (pending.isEmpty() && current.isPresent() && file.startsWith("V") && version(script).compareTo(current.get()) <= 0) {
                    continue;
                }
                String name = root.relativize(script.toAbsolutePath().normalize()).toString().replace('\\', '/');
                sources.add(new SqlSource(name, readUtf8(script, name), phase, executesInTransaction(script)));
            }
        }
        return pending.isPresent() || current.isPresent();
    }

    /**
     * The script's text, read as Flyway reads it (UTF-8); a script in another encoding is an error naming it and where its
     * first byte that is not UTF-8 is.
     */
    static String readUtf8(Path script, String name) {
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(script);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + script + ": " + e.getMessage(), e);
        }
        ByteBuffer in = ByteBuffer.wrap(bytes);
        CharBuffer out = CharBuffer.allocate(bytes.length);
        CoderResult result = StandardCharsets.UTF_8.newDecoder().decode(in, out, true);
        if (result.isError()) {
            int at = in.position();
            int line = 1;
            for (int k = 0; k < at; k++) {
                line += bytes[k] == '\n' ? 1 : 0;
            }
            throw new InvalidPlanException(List.of(new PlanError(name, String.format(Locale.ROOT, "is not UTF-8: byte 0x%02X on line %d"
                    + " (offset %d) is not valid UTF-8 (a Latin-1 or Windows-1252 character?); Flyway reads scripts as UTF-8,"
                    + " so save it as UTF-8", bytes[at] & 0xff, line, at))));
        }
        out.flip();
        return out.toString();
    }

    /** V scripts by version, then R scripts by description: the order Flyway applies them in. */
    static List<Path> scripts(Path dir) {
        try (Stream<Path> walk = Files.walk(dir)) {
            return walk.filter(Files::isRegularFile)
                    .filter(p -> p.getFileName().toString().endsWith(".sql"))
                    .filter(p -> p.getFileName().toString().startsWith("V") || p.getFileName().toString().startsWith("R"))
                    .filter(p -> p.getFileName().toString().contains("__"))
                    .sorted(Comparator.comparing((Path p) -> p.getFileName().toString().startsWith("R"))
                            .thenComparing(ReleaseSql::version)
                            .thenComparing(p -> p.getFileName().toString()))
                    .toList();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list " + dir + ": " + e.getMessage(), e);
        }
    }

    private static MigrationVersion version(Path p) {
        String name = p.getFileName().toString();
        if (!name.startsWith("V")) {
            return MigrationVersion.EMPTY;
        }
        try {
            return MigrationVersion.fromVersion(name.substring(1, name.indexOf("__")).replace('_', '.'));
        } catch (RuntimeException e) {
            return MigrationVersion.EMPTY;
        }
    }

    /** Flyway's per-script configuration ({@code V5__x.sql.conf}) can run a script outside a transaction. */
    private static boolean executesInTransaction(Path script) {
        Path conf = script.resolveSibling(script.getFileName() + ".conf");
        if (!Files.isRegularFile(conf)) {
            return true;
        }
        Properties p = new Properties();
        try (Reader r = Files.newBufferedReader(conf)) {
            p.load(r);
        } catch (IOException e) {
            return true;
        }
        return !"false".equalsIgnoreCase(p.getProperty("executeInTransaction", "true").strip());
    }

    private static String fileName(String script) {
        if (script == null) {
            return "";
        }
        String s = script.replace('\\', '/');
        return s.substring(s.lastIndexOf('/') + 1);
    }
}

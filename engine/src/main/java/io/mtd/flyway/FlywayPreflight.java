package io.mtd.flyway;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.mtd.plan.Flyway;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.Driver;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.ServiceLoader;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.flywaydb.core.api.CoreErrorCode;
import org.flywaydb.core.api.FlywayException;
import org.flywaydb.core.api.MigrationInfo;
import org.flywaydb.core.api.MigrationInfoService;
import org.flywaydb.core.api.MigrationVersion;
import org.flywaydb.core.api.configuration.FluentConfiguration;
import org.flywaydb.core.api.output.ValidateOutput;
import org.flywaydb.core.api.output.ValidateResult;
import org.flywaydb.core.internal.resource.ResourceName;
import org.flywaydb.core.internal.resource.ResourceNameParser;

/**
 * Checks a Flyway migration with flyway-core before any Job is created: the workspace's scripts offline (names,
 * duplicate versions), and, when the database can be reached from here, against its schema history (scripts changed
 * after they were applied) and which migrations are pending.
 */
public final class FlywayPreflight {

    /** Seconds to wait for the database: one that does not answer quickly is treated as out of reach. */
    private static final String CONNECT_TIMEOUT_SECONDS = "5";

    private FlywayPreflight() {}

    /** Reads the database access from the plan's Secret in {@code namespace}, then checks as below. */
    public static Preflight check(Flyway flyway, Path workspace, KubernetesClient client, String namespace) {
        if (!flyway.shipsFromWorkspace()) {
            return check(flyway, workspace, Optional.empty());
        }
        DatabaseAccess access;
        try {
            access = DatabaseAccess.fromSecret(client, namespace, flyway);
        } catch (IllegalArgumentException e) {
            Preflight offline = check(flyway, workspace, Optional.empty());
            List<String> errors = new ArrayList<>(offline.errors());
            errors.add(e.getMessage());
            return new Preflight(errors, Optional.empty(), offline.note());
        } catch (KubernetesClientException e) {
            Preflight offline = check(flyway, workspace, Optional.empty());
            return new Preflight(offline.errors(), Optional.empty(), "pending migrations unknown: the Secret '" + flyway.secret()
                    + "' could not be read from here (HTTP " + e.getCode() + "); the scripts were checked offline only");
        }
        return check(flyway, workspace, Optional.of(access));
    }

    /**
     * Checks the scripts under the plan's locations in {@code workspace}, and against the database when {@code database}
     * is given and reachable. An unreachable database leaves the pending migrations unknown; it is not an error.
     */
    public static Preflight check(Flyway flyway, Path workspace, Optional<DatabaseAccess> database) {
        if (!flyway.shipsFromWorkspace()) {
            return new Preflight(List.of(), Optional.empty(), "pending migrations unknown: the scripts are in the application image"
                    + " at " + flyway.imagePath() + ", so only the migration Job sees them");
        }
        List<String> errors = new ArrayList<>();
        List<Path> locations = new ArrayList<>();
        for (String location : flyway.locations()) {
            try {
                locations.add(Flyway.locationDir(workspace, location));
            } catch (IllegalArgumentException e) {
                errors.add(e.getMessage());
            }
        }
        FluentConfiguration config = configuration(flyway, locations);
        errors.addAll(offlineErrors(config, locations));
        if (!errors.isEmpty()) {
            return new Preflight(errors, Optional.empty(), "pending migrations unknown: the scripts have errors, so the database was not asked");
        }
        if (database.isEmpty()) {
            return new Preflight(errors, Optional.empty(), "pending migrations unknown: no database access given; the scripts were checked offline only");
        }
        return online(config, database.get(), flyway);
    }

    /**
     * Flyway as the plan configures it (schemas, history table, baseline), reading the scripts in {@code locations}; no
     * data source yet.
     */
    public static FluentConfiguration configuration(Flyway flyway, List<Path> locations) {
        // the engine's own class loader finds Flyway's database support and the JDBC driver, whatever the thread's
        // context class loader is (inside Jenkins, the plugin's loader is not the one DriverManager searches)
        FluentConfiguration config = org.flywaydb.core.Flyway.configure(FlywayPreflight.class.getClassLoader())
                .locations(locations.stream().map(p -> "filesystem:" + p).toArray(String[]::new))
                .validateMigrationNaming(true)
                // pending ones are what the Job is for; future ones (applied by a newer release) are fine as in migrate
                .ignoreMigrationPatterns("*:pending", "*:future")
                .connectRetries(0);
        if (!flyway.schemas().isEmpty()) {
            config.schemas(flyway.schemas().toArray(String[]::new));
        }
        if (Boolean.TRUE.equals(flyway.baselineOnMigrate())) {
            config.baselineOnMigrate(true);
        }
        if (flyway.table() != null && !flyway.table().isBlank()) {
            config.table(flyway.table());
        }
        return config;
    }

    /** Names Flyway would reject and versions (or repeatable descriptions) given twice, without a database. */
    private static List<String> offlineErrors(FluentConfiguration config, List<Path> locations) {
        List<String> errors = new ArrayList<>();
        ResourceNameParser parser = new ResourceNameParser(config);
        Map<MigrationVersion, List<String>> versions = new LinkedHashMap<>();
        Map<String, List<String>> repeatables = new LinkedHashMap<>();
        int count = 0;
        for (Path dir : locations) {
            for (Path file : sqlFiles(dir, config.getSqlMigrationSuffixes())) {
                count++;
                String shown = dir.getFileName() + "/" + dir.relativize(file).toString().replace('\\', '/');
                ResourceName name = parser.parse(file.getFileName().toString());
                if (!name.isValid()) {
                    errors.add(shown + ": " + name.getValidityMessage() + "; name it V<version>__<description>.sql (two underscores),"
                            + " e.g. V2__add_email.sql");
                } else if (name.getType() != null && name.getType().isVersioned() && name.getVersion() != null
                        && "V".equals(name.getPrefix())) {
                    versions.computeIfAbsent(name.getVersion(), v -> new ArrayList<>()).add(shown);
                } else if (config.getRepeatableSqlMigrationPrefix().equals(name.getPrefix())) {
                    repeatables.computeIfAbsent(name.getDescription(), d -> new ArrayList<>()).add(shown);
                }
            }
        }
        versions.forEach((version, files) -> {
            if (files.size() > 1) {
                errors.add("version " + version + " is given by more than one script: " + String.join(", ", files)
                        + "; give each versioned migration its own version");
            }
        });
        repeatables.forEach((description, files) -> {
            if (files.size() > 1) {
                errors.add("repeatable migration '" + description + "' is given by more than one script: " + String.join(", ", files)
                        + "; give each repeatable migration its own description");
            }
        });
        if (count == 0 && !locations.isEmpty()) {
            errors.add("migration.flyway.locations: no migration scripts (*" + String.join(", *", config.getSqlMigrationSuffixes())
                    + ") in " + locations.stream().map(Path::toString).collect(Collectors.joining(", ")));
        }
        return errors;
    }

    private static List<Path> sqlFiles(Path dir, String[] suffixes) {
        try (Stream<Path> walk = Files.walk(dir)) {
            return walk.filter(Files::isRegularFile)
                    .filter(p -> Stream.of(suffixes).anyMatch(s -> p.getFileName().toString().endsWith(s)))
                    .sorted()
                    .collect(Collectors.toList());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list migration scripts in " + dir + ": " + e.getMessage(), e);
        }
    }

    private static Preflight online(FluentConfiguration config, DatabaseAccess db, Flyway plan) {
        Optional<String> unreachable = probe(db, plan);
        if (unreachable.isPresent()) {
            return new Preflight(List.of(), Optional.empty(), unreachable.get());
        }
        org.flywaydb.core.Flyway flyway = config.dataSource(db.url(), db.user(), db.password()).load();
        try {
            List<String> errors = new ArrayList<>();
            ValidateResult validation = flyway.validateWithResult();
            if (!validation.validationSuccessful) {
                for (ValidateOutput invalid : validation.invalidMigrations) {
                    errors.add(db.mask(invalidMessage(invalid)));
                }
                if (errors.isEmpty() && validation.errorDetails != null) {
                    errors.add(db.mask(validation.errorDetails.errorMessage));
                }
            }
            MigrationInfoService info = flyway.info();
            List<PendingMigration> pending = new ArrayList<>();
            for (MigrationInfo m : info.pending()) {
                pending.add(new PendingMigration(m.getVersion() == null ? null : m.getVersion().getVersion(), m.getDescription(), m.getScript()));
            }
            MigrationInfo current = info.current();
            String version = current == null || current.getVersion() == null ? "empty" : "at version " + current.getVersion();
            return new Preflight(errors, Optional.of(pending), "database " + version + ", " + pending.size() + " pending migration"
                    + (pending.size() == 1 ? "" : "s"));
        } catch (FlywayException e) {
            return new Preflight(List.of(), Optional.empty(), "pending migrations unknown: Flyway could not read the schema history: "
                    + db.mask(firstLine(e.getMessage())));
        }
    }

    private static String invalidMessage(ValidateOutput invalid) {
        String script = invalid.filepath == null || invalid.filepath.isEmpty() ? "" : Path.of(invalid.filepath).getFileName().toString();
        String what = (script.isEmpty() ? "migration" : script) + (invalid.version == null || invalid.version.isEmpty() ? "" : " (version " + invalid.version + ")");
        if (invalid.errorDetails != null && invalid.errorDetails.errorCode == CoreErrorCode.CHECKSUM_MISMATCH) {
            return what + " was changed after it was applied to the database: its checksum differs from the one in the schema"
                    + " history. Restore it as it was applied and put the change in a new migration";
        }
        String message = invalid.errorDetails == null ? "is invalid" : firstLine(invalid.errorDetails.errorMessage);
        return what + ": " + message;
    }

    /** Why the database cannot be asked from here, if it cannot; connects once with a short timeout. */
    private static Optional<String> probe(DatabaseAccess db, Flyway plan) {
        Properties props = new Properties();
        if (db.user() != null) {
            props.setProperty("user", db.user());
        }
        if (db.password() != null) {
            props.setProperty("password", db.password());
        }
        props.setProperty("connectTimeout", CONNECT_TIMEOUT_SECONDS);
        props.setProperty("loginTimeout", CONNECT_TIMEOUT_SECONDS);
        try {
            Driver driver = driver(db.url()).orElse(null);
            if (driver == null) {
                return Optional.of("pending migrations unknown: no JDBC driver here accepts the database URL in Secret '"
                        + plan.secret() + "' (" + db.mask(scheme(db.url())) + "); the scripts were checked offline only");
            }
            Connection connection = driver.connect(db.url(), props);
            if (connection == null) {
                return Optional.of("pending migrations unknown: the JDBC driver " + driver.getClass().getName()
                        + " did not accept the database URL in Secret '" + plan.secret() + "'; the scripts were checked offline only");
            }
            connection.close();
            return Optional.empty();
        } catch (SQLException e) {
            String state = e.getSQLState() == null ? "" : e.getSQLState();
            if (state.startsWith("28")) {
                return Optional.of("pending migrations unknown: the database refused the user and password in Secret '" + plan.secret()
                        + "' (SQL State " + state + "); the migration Job will fail the same way unless it reaches another database");
            }
            return Optional.of("pending migrations unknown: the database is not reachable from here (" + db.mask(firstLine(e.getMessage()))
                    + (state.isEmpty() ? "" : ", SQL State " + state) + "); the scripts were checked offline only");
        }
    }

    /**
     * The JDBC driver for {@code url} among those this class's loader provides. Not {@link java.sql.DriverManager}: it
     * only offers drivers visible to the system class loader or already registered, which inside a Jenkins plugin holds
     * pgjdbc only by chance.
     */
    static Optional<Driver> driver(String url) {
        for (Driver d : ServiceLoader.load(Driver.class, FlywayPreflight.class.getClassLoader())) {
            try {
                if (d.acceptsURL(url)) {
                    return Optional.of(d);
                }
            } catch (SQLException e) {
                // a driver that cannot tell is not the one
            }
        }
        return Optional.empty();
    }

    private static String scheme(String url) {
        if (url == null) {
            return "no URL";
        }
        int second = url.indexOf(':', url.indexOf(':') + 1);
        return second < 0 ? url : url.substring(0, second + 1) + "...";
    }

    private static String firstLine(String s) {
        if (s == null) {
            return "";
        }
        int nl = s.indexOf('\n');
        return (nl < 0 ? s : s.substring(0, nl)).strip();
    }
}

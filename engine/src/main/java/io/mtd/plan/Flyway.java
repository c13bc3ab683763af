package io.mtd.plan;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Flyway as the migration engine: the Job runs a Flyway image instead of an application command.
 *
 * @param locations migration locations, relative to the workspace for {@code source: workspace}
 * @param image the Flyway image (default {@link #DEFAULT_IMAGE})
 * @param source {@code workspace} (default: shipped in ConfigMaps the engine creates) or {@code image}
 *     (baked into the application image at {@code imagePath})
 * @param imagePath where the migrations are inside the application image for {@code source: image}
 * @param secret Secret holding the database URL, user and password
 * @param urlKey key of the URL in the Secret (default FLYWAY_URL)
 * @param userKey key of the user in the Secret (default FLYWAY_USER)
 * @param passwordKey key of the password in the Secret (default FLYWAY_PASSWORD)
 * @param schemas schemas Flyway manages
 * @param baselineOnMigrate baseline a non-empty schema with no history table
 * @param table the schema history table (default Flyway's {@code flyway_schema_history})
 */
@JsonInclude(JsonInclude.Include.NON_EMPTY)
public record Flyway(
        List<String> locations,
        String image,
        String source,
        String imagePath,
        String secret,
        String urlKey,
        String userKey,
        String passwordKey,
        List<String> schemas,
        Boolean baselineOnMigrate,
        String table) {

    public static final String DEFAULT_IMAGE = "flyway/flyway:11";

    public Flyway {
        locations = locations == null ? List.of() : List.copyOf(locations);
        schemas = schemas == null ? List.of() : List.copyOf(schemas);
    }

    /** Flyway settings with the default schema history table (the form before {@code table} existed). */
    public Flyway(List<String> locations, String image, String source, String imagePath, String secret, String urlKey,
            String userKey, String passwordKey, List<String> schemas, Boolean baselineOnMigrate) {
        this(locations, image, source, imagePath, secret, urlKey, userKey, passwordKey, schemas, baselineOnMigrate, null);
    }

    public String imageOrDefault() {
        return image == null || image.isBlank() ? DEFAULT_IMAGE : image;
    }

    public boolean shipsFromWorkspace() {
        return source == null || source.isBlank() || "workspace".equals(source);
    }

    public String urlKeyOrDefault() {
        return urlKey == null ? "FLYWAY_URL" : urlKey;
    }

    public String userKeyOrDefault() {
        return userKey == null ? "FLYWAY_USER" : userKey;
    }

    public String passwordKeyOrDefault() {
        return passwordKey == null ? "FLYWAY_PASSWORD" : passwordKey;
    }

    /**
     * The directory of plan location {@code location} in {@code workspace}, which it must not leave: where the Job, the
     * pre-flight and the lint read the scripts from.
     */
    public static Path locationDir(Path workspace, String location) {
        Path root = workspace.toAbsolutePath().normalize();
        Path dir = root.resolve(location).normalize();
        if (!dir.startsWith(root)) {
            throw new IllegalArgumentException("migration.flyway.locations: '" + location + "' leaves the workspace " + root
                    + "; give a directory inside it, e.g. db/migration");
        }
        if (!Files.isDirectory(dir)) {
            throw new IllegalArgumentException("migration.flyway.locations: '" + location + "' is not a directory in the workspace "
                    + root + "; give the directory that holds the migration scripts, e.g. db/migration");
        }
        return dir;
    }

}

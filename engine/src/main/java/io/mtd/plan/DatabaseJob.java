package io.mtd.plan;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * A short Job from a database client's image against an environment's database, under its migration lock: the schema
 * snapshot ({@code migration.snapshot}) or the backup before the migration ({@code migration.backup},
 * {@code environments[].backup}). Its connection comes from a Secret: libpq's {@code PGHOST}, {@code PGPORT},
 * {@code PGUSER}, {@code PGPASSWORD} and {@code PGDATABASE} keys become its environment, and {@code urlKey} names a key
 * holding a {@code postgresql://} URL instead, given to the container as {@value #URL_VARIABLE}.
 *
 * @param image the image (default {@value #DEFAULT_IMAGE}, the official image whose {@code pg_dump} reads every older server)
 * @param command the container's command; for a snapshot, what prints the schema as SQL (default: {@code pg_dump
 *     --schema-only}, compressed), for a backup required
 * @param secret the Secret with the connection (default: the migration's: {@code flyway.secret}, or its only Secret)
 * @param urlKey the Secret's key that holds a {@code postgresql://} URL (default none: the {@code PG*} keys)
 * @param timeout how long the Job may run (its activeDeadlineSeconds; default {@code 5m} for a snapshot, {@code 30m} for
 *     a backup)
 * @param runAsUser the user the container runs as (default 999, the {@code postgres} user, for the {@code postgres}
 *     image, which runs as root unless told; the image's own user for any other)
 * @param volume a PersistentVolumeClaim mounted into the container (a backup's destination)
 */
@JsonInclude(JsonInclude.Include.NON_EMPTY)
public record DatabaseJob(String image, List<String> command, String secret, String urlKey, String timeout, Long runAsUser,
        Volume volume) {

    public static final String DEFAULT_IMAGE = "postgres:18";
    /** The container variable {@code urlKey}'s value is given as. */
    public static final String URL_VARIABLE = "MTD_DATABASE_URL";
    /** The line the built-in snapshot command prints before the compressed dump. */
    public static final String COMPRESSED_MARKER = "mtd-snapshot: gzip+base64";
    /** The user of the official {@code postgres} image (Debian and Alpine variants alike). */
    static final long POSTGRES_USER = 999;

    /**
     * The built-in snapshot: {@code pg_dump --schema-only} without owners, privileges or comments, gzip'd and base64'd
     * after a marker line so that a large schema stays a few log lines; the Job fails when {@code pg_dump} does (POSIX
     * {@code sh} has no {@code pipefail}: its status travels on a descriptor of its own).
     */
    static final String BUILT_IN_SNAPSHOT = "exec 4>&1; echo '" + COMPRESSED_MARKER + "'; "
            + "rc=$( { { pg_dump --schema-only --no-owner --no-privileges --no-comments"
            + " ${" + URL_VARIABLE + ":+\"--dbname=$" + URL_VARIABLE + "\"}; echo $? >&3; } | gzip -c | base64 >&4; } 3>&1 ); exit $rc";

    public DatabaseJob {
        command = command == null ? List.of() : List.copyOf(command);
    }

    /** A PersistentVolumeClaim mounted at {@code mountPath}. */
    @JsonInclude(JsonInclude.Include.NON_EMPTY)
    public record Volume(String claim, String mountPath) {}

    public String imageOrDefault() {
        return image == null || image.isBlank() ? DEFAULT_IMAGE : image;
    }

    /** Whether this snapshot runs the built-in {@code pg_dump} command. */
    public boolean builtInCommand() {
        return command.isEmpty();
    }

    /** The snapshot's command: the plan's, or the built-in {@code pg_dump}. */
    public List<String> snapshotCommand() {
        return builtInCommand() ? List.of("sh", "-c", BUILT_IN_SNAPSHOT) : command;
    }

    public Duration timeoutOr(Duration fallback) {
        return Durations.parseOr(timeout, fallback);
    }

    /** The user the container runs as: the plan's, 999 for the {@code postgres} image, else the image's own (null). */
    public Long runAsUserOrDefault() {
        if (runAsUser != null) {
            return runAsUser;
        }
        String repository = imageOrDefault().replaceFirst("@.*$", "").replaceFirst(":[^:/]*$", "");
        return List.of("postgres", "library/postgres", "docker.io/postgres", "docker.io/library/postgres").contains(repository)
                ? POSTGRES_USER : null;
    }

    /** The Secret with the connection: this Job's own, else the migration's (null when it cannot tell which). */
    public String secretOr(Migration m) {
        if (secret != null && !secret.isBlank()) {
            return secret;
        }
        return m.databaseSecret();
    }

    /**
     * The migration settings of this Job, derived from the plan's migration {@code m}: its command, the connection's
     * Secret, its timeout and user; the migration's service account and Job retention. Never retried, and deleted when
     * the run stops waiting for it (it changes nothing, and nothing must start it later).
     */
    public Migration asMigration(Migration m, List<String> command, Duration defaultTimeout) {
        String from = secretOr(m);
        List<Migration.SecretEnv> url = urlKey == null || urlKey.isBlank() || from == null ? List.of()
                : List.of(new Migration.SecretEnv(URL_VARIABLE, from, urlKey));
        Migration.PodSecurity security = m.podSecurity();
        Migration.PodSecurity own = new Migration.PodSecurity(security == null ? null : security.runAsNonRoot(),
                runAsUserOrDefault(), null, null, null, null, security == null ? null : security.seccompProfile());
        return Migration.builder().command(command).envFromSecret(from == null ? List.of() : List.of(from)).secretEnv(url)
                .timeout(Durations.format(timeoutOr(defaultTimeout))).backoffLimit(0).retry(false).onCancel("delete")
                .ttlAfterFinished(m.ttlAfterFinished()).serviceAccount(m.serviceAccount()).podSecurity(own).lock(m.lock())
                .build();
    }

    /** What is wrong with this Job's fields at {@code path} ({@code migration.snapshot}, ...), given the plan's migration. */
    List<PlanError> errors(String path, Migration m, boolean commandRequired) {
        List<PlanError> errors = new ArrayList<>();
        if (commandRequired && command.isEmpty()) {
            errors.add(new PlanError(path + ".command", "missing: give the command that takes the backup, e.g. [sh, -c,"
                    + " \"pg_dump -Fc -f /backup/$(date +%Y%m%d%H%M%S).dump\"]"));
        }
        for (int i = 0; i < command.size(); i++) {
            if (command.get(i) == null || command.get(i).isEmpty()) {
                errors.add(new PlanError(path + ".command[" + i + "]", "empty argument: remove it or give its value"));
            }
        }
        if (secretOr(m) == null) {
            errors.add(new PlanError(path + ".secret", "missing: the migration takes its connection from several Secrets (or"
                    + " none): name the one with the database's PGHOST, PGUSER, ... keys, e.g. secret: shop-db"));
        }
        if (urlKey != null && !urlKey.matches("[-._a-zA-Z0-9]+")) {
            errors.add(new PlanError(path + ".urlKey", "'" + urlKey + "' is not a Secret key: use letters, digits, '-', '_' and '.'"));
        }
        if (runAsUser != null && runAsUser < 0) {
            errors.add(new PlanError(path + ".runAsUser", "must be 0 or more"));
        }
        if (volume != null) {
            if (volume.claim() == null || !KubeNames.isSubdomain(volume.claim())) {
                errors.add(new PlanError(path + ".volume.claim", volume.claim() == null
                        ? "missing: name the PersistentVolumeClaim to mount, e.g. claim: shop-backups"
                        : "'" + volume.claim() + "' is not a valid PersistentVolumeClaim name: use lower-case letters, digits, '-' and '.'"));
            }
            if (volume.mountPath() == null || !volume.mountPath().startsWith("/")) {
                errors.add(new PlanError(path + ".volume.mountPath", "give an absolute path to mount it at, e.g. mountPath: /backup"));
            }
        }
        return errors;
    }
}

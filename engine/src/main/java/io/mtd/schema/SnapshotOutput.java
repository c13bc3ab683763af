package io.mtd.schema;

import io.mtd.migration.MigrationStage;
import io.mtd.plan.DatabaseJob;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import java.util.regex.Pattern;
import java.util.zip.GZIPInputStream;

/**
 * What a snapshot Job printed, read back: the built-in command's compressed dump (gzip and base64 after
 * {@value DatabaseJob#COMPRESSED_MARKER}), any output that starts the same way without the marker, or plain SQL; then
 * read into a {@link SchemaSnapshot}.
 */
public final class SnapshotOutput {

    private static final Pattern BASE64 = Pattern.compile("[A-Za-z0-9+/=]+");
    /** How base64 of gzip data begins (the magic bytes 1f 8b 08). */
    private static final String GZIP_BASE64 = "H4sI";

    private SnapshotOutput() {}

    /** Thrown when a Job's output is not a schema dump that can be read whole. */
    public static final class Unreadable extends RuntimeException {
        Unreadable(String message) {
            super(message);
        }
    }

    /**
     * The snapshot in the log of a Job, {@code log} as written (not masked: a secret's value in a table's name, or
     * inside the compressed text, would change what is read).
     *
     * @throws Unreadable when the compressed dump is cut or corrupt, or the log was too long to be kept whole
     */
    public static SchemaSnapshot read(List<String> log) {
        return DumpReader.read(dump(log));
    }

    /** The dump's SQL text in {@code log}. */
    static String dump(List<String> log) {
        int start = -1;
        for (int i = 0; i < log.size() && start < 0; i++) {
            String line = log.get(i).strip();
            if (line.equals(DatabaseJob.COMPRESSED_MARKER)) {
                start = i + 1;
            } else if (line.startsWith(GZIP_BASE64) && BASE64.matcher(line).matches()) {
                start = i;
            }
        }
        if (start < 0) {
            if (log.size() >= MigrationStage.LOG_LINES_KEPT) {
                throw new Unreadable("the dump is longer than the " + MigrationStage.LOG_LINES_KEPT + " lines a Job's log is kept"
                        + " for: print it compressed (gzip | base64), as the built-in snapshot command does");
            }
            return String.join("\n", log);
        }
        StringBuilder base64 = new StringBuilder();
        for (int i = start; i < log.size(); i++) {
            String line = log.get(i).strip();
            if (line.isEmpty()) {
                continue;
            }
            if (!BASE64.matcher(line).matches()) {
                break; // what a container prints after the dump (a shell's message) is no part of it
            }
            base64.append(line);
        }
        try (GZIPInputStream in = new GZIPInputStream(new ByteArrayInputStream(Base64.getMimeDecoder().decode(base64.toString())))) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException | IllegalArgumentException e) {
            throw new Unreadable("the compressed dump in the Job's log is cut or corrupt (" + e.getMessage() + ")"
                    + (log.size() >= MigrationStage.LOG_LINES_KEPT ? ": it is longer than the " + MigrationStage.LOG_LINES_KEPT
                            + " lines a Job's log is kept for (a schema of some 8,000 tables); narrow migration.snapshot.command"
                            + " to the schemas the app migrates, e.g. [sh, -c, \"pg_dump --schema-only -n SCHEMA | gzip | base64\"]"
                            : ""));
        }
    }

    /** The lines of {@code log} that are no part of a compressed dump (what a failed {@code pg_dump} said), the last few. */
    public static List<String> messages(List<String> log, int last) {
        List<String> said = log.stream().filter(l -> !l.strip().equals(DatabaseJob.COMPRESSED_MARKER)
                && !(BASE64.matcher(l.strip()).matches() && l.strip().length() >= 40)).toList();
        return said.subList(Math.max(0, said.size() - last), said.size());
    }
}

package io.mtd.flyway;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.mtd.report.FlywayReport;
import io.mtd.report.FlywayReport.AppliedMigration;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.flywaydb.core.Flyway;
import org.flywaydb.core.internal.resource.ResourceName;
import org.flywaydb.core.internal.resource.ResourceNameParser;

/**
 * Reads what the Flyway command line printed with {@code -outputType=json} (its MigrateResult, MigrateErrorResult or
 * ErrorOutput) out of a Pod log into a {@link FlywayReport}.
 */
public final class FlywayOutput {

    private static final ObjectMapper MAPPER = new ObjectMapper();
    /** Flyway's SQL failure text has a "Message    : ..." section up to the "Location   :" line. */
    private static final Pattern DATABASE_MESSAGE = Pattern.compile("(?s)\\nMessage\\s*:\\s*(.*?)\\n(?:Location|Line|Statement)\\s*:");
    /** Where FlywayJob mounts each location; the script's name as Flyway records it is the rest of the path. */
    private static final Pattern LOCATION_DIR = Pattern.compile(".*/" + FlywayJob.LOCATION_DIR_PREFIX + "\\d+/");

    private FlywayOutput() {}

    /**
     * The report of the last migrate (or error) result in {@code podLog}; empty when the log holds none, e.g. when the
     * container was killed before Flyway finished. Lines before and after the JSON are ignored.
     */
    public static Optional<FlywayReport> parse(String podLog) {
        return lastResult(podLog).map(FlywayOutput::report);
    }

    /** As {@link #parse(String)}, over the log's lines. */
    public static Optional<FlywayReport> parse(List<String> podLogLines) {
        return parse(podLogLines == null ? null : String.join("\n", podLogLines));
    }

    private static Optional<JsonNode> lastResult(String log) {
        if (log == null) {
            return Optional.empty();
        }
        JsonNode last = null;
        int from = 0;
        while (from < log.length()) {
            int start = log.indexOf('{', from);
            if (start < 0) {
                break;
            }
            // the CLI prints its result as the first thing on a line; a brace mid-line is part of some log message
            if (start > 0 && log.charAt(start - 1) != '\n') {
                from = start + 1;
                continue;
            }
            int end = start + 1;
            try (JsonParser parser = MAPPER.getFactory().createParser(log.substring(start))) {
                JsonNode node = MAPPER.readTree(parser);
                end = start + (int) parser.currentLocation().getCharOffset();
                JsonNode result = migrateResult(node);
                if (result != null) {
                    last = result;
                }
            } catch (IOException notJson) {
                // a log line that merely starts with a brace
            }
            from = Math.max(end, start + 1);
        }
        return Optional.ofNullable(last);
    }

    /** The migrate result within {@code node}: itself, or the last migrate step of a multi-command CompositeResult. */
    private static JsonNode migrateResult(JsonNode node) {
        if (node == null || !node.isObject()) {
            return null;
        }
        if (node.has("individualResults")) {
            JsonNode found = null;
            for (JsonNode r : node.get("individualResults")) {
                JsonNode m = migrateResult(r);
                if (m != null) {
                    found = m;
                }
            }
            return found;
        }
        boolean migrate = "migrate".equals(node.path("operation").asText()) || node.has("migrationsExecuted");
        return migrate || node.has("error") ? node : null;
    }

    private static FlywayReport report(JsonNode result) {
        String before = text(result, "initialSchemaVersion");
        String after = text(result, "targetSchemaVersion");
        List<AppliedMigration> applied = new ArrayList<>();
        for (JsonNode m : result.path("migrations")) {
            applied.add(new AppliedMigration(
                    text(m, "version"),
                    text(m, "description"),
                    script(text(m, "filepath")),
                    m.hasNonNull("executionTime") ? m.get("executionTime").asLong() : null));
        }
        JsonNode error = result.path("error");
        if (error.isMissingNode() || error.isNull()) {
            // Flyway leaves targetSchemaVersion null when there was nothing to migrate
            return new FlywayReport(before, after != null ? after : before, applied, null, null);
        }
        AppliedMigration failed = failedMigration(error);
        String lastApplied = applied.isEmpty() ? before : applied.get(applied.size() - 1).version();
        return new FlywayReport(before, after != null ? after : lastApplied, applied, failed, errorText(error));
    }

    private static AppliedMigration failedMigration(JsonNode error) {
        String path = text(error, "path");
        if (path == null) {
            return null;
        }
        String script = script(path);
        String fileName = path.substring(path.lastIndexOf('/') + 1);
        ResourceName name = new ResourceNameParser(Flyway.configure()).parse(fileName);
        if (!name.isValid()) {
            return new AppliedMigration(null, null, script, null);
        }
        String version = name.getVersion() == null ? null : name.getVersion().getVersion();
        return new AppliedMigration(version, name.getDescription(), script, null);
    }

    /** The database's own message with its SQL state and line, or Flyway's message when it is not an SQL failure. */
    private static String errorText(JsonNode error) {
        String message = text(error, "message");
        if (message == null) {
            return "Flyway failed (" + text(error, "errorCode") + ") without a message";
        }
        Matcher m = DATABASE_MESSAGE.matcher(message);
        if (!m.find()) {
            return message.strip();
        }
        StringBuilder s = new StringBuilder(m.group(1).strip());
        List<String> where = new ArrayList<>();
        if (text(error, "sqlState") != null) {
            where.add("SQL State " + text(error, "sqlState"));
        }
        if (error.hasNonNull("lineNumber")) {
            where.add("line " + error.get("lineNumber").asInt());
        }
        if (!where.isEmpty()) {
            s.append(" (").append(String.join(", ", where)).append(')');
        }
        return s.toString();
    }

    /** The script's path within its location, as Flyway records it in the schema history. */
    static String script(String filepath) {
        if (filepath == null || filepath.isEmpty()) {
            return null;
        }
        String unix = filepath.replace('\\', '/');
        Matcher m = LOCATION_DIR.matcher(unix);
        if (m.lookingAt()) {
            return unix.substring(m.end());
        }
        return unix.substring(unix.lastIndexOf('/') + 1);
    }

    private static String text(JsonNode node, String field) {
        JsonNode v = node.get(field);
        return v == null || v.isNull() ? null : v.asText();
    }
}

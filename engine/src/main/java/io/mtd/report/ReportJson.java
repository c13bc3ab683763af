package io.mtd.report;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/** Writes and reads {@link RunReport}s as JSON: ISO-8601 times and durations, so any tool can read them. */
public final class ReportJson {

    private static final ObjectMapper MAPPER = JsonMapper.builder()
            .addModule(new JavaTimeModule())
            .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS)
            .disable(SerializationFeature.WRITE_DURATIONS_AS_TIMESTAMPS)
            .enable(SerializationFeature.INDENT_OUTPUT)
            .build();

    private ReportJson() {}

    public static String write(RunReport report) {
        try {
            return MAPPER.writeValueAsString(report);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static void write(RunReport report, Path file) {
        writeFile(write(report), file, "the report to " + file);
    }

    /** Writes {@code content} and a newline to {@code file}, creating its directories; {@code what} names it in the error. */
    public static void writeFile(String content, Path file, String what) {
        try {
            Path parent = file.toAbsolutePath().getParent();
            if (parent != null) {
                Files.createDirectories(parent);
            }
            Files.writeString(file, content + "\n");
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + what + ": " + e.getMessage(), e);
        }
    }

    public static RunReport read(String json) {
        try {
            return MAPPER.readValue(json, RunReport.class);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The report as nested maps and lists (for the Jenkins step's return value). */
    @SuppressWarnings("unchecked")
    public static Map<String, Object> toMap(RunReport report) {
        return MAPPER.convertValue(report, Map.class);
    }
}

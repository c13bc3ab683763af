package io.mtd.schema;

import io.mtd.plan.KubeNames;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.GZIPInputStream;
import java.util.zip.GZIPOutputStream;

/**
 * A database schema in canonical form: one line per object ({@code kind name}, a tab, its definition), sorted, so that
 * two databases with the same schema have the same lines, and the same {@link #fingerprint()}.
 *
 * @param lines the objects' lines, sorted and distinct
 */
public record SchemaSnapshot(List<String> lines) {

    /** The length of the fingerprint's short form, as logs and summaries show it. */
    public static final int SHORT = 12;

    public SchemaSnapshot {
        lines = lines.stream().sorted().distinct().toList();
    }

    /** The SHA-256 of the lines, in hex: equal schemas, equal fingerprints. */
    public String fingerprint() {
        return KubeNames.sha256Hex(String.join("\n", lines));
    }

    /** The first {@value #SHORT} characters of the fingerprint. */
    public String shortFingerprint() {
        return fingerprint().substring(0, SHORT);
    }

    /** How many objects it has. */
    public int objects() {
        return lines.size();
    }

    /** Each object's definition by its key ({@code kind name}). */
    Map<String, String> definitions() {
        Map<String, String> byKey = new LinkedHashMap<>();
        for (String line : lines) {
            int tab = line.indexOf('\t');
            String key = tab < 0 ? line : line.substring(0, tab);
            String definition = tab < 0 ? "" : line.substring(tab + 1);
            byKey.merge(key, definition, (a, b) -> a + " | " + b); // the same object twice: both definitions count
        }
        return byKey;
    }

    /** The lines, gzip'd: how a snapshot is kept in a ConfigMap. */
    public byte[] compressed() {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (GZIPOutputStream gzip = new GZIPOutputStream(bytes)) {
            gzip.write(String.join("\n", lines).getBytes(StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }

    /** The snapshot {@link #compressed()} wrote. */
    public static SchemaSnapshot uncompressed(byte[] gzipped) {
        try (GZIPInputStream in = new GZIPInputStream(new ByteArrayInputStream(gzipped))) {
            String text = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            return new SchemaSnapshot(text.isEmpty() ? List.of() : List.of(text.split("\n", -1)));
        } catch (IOException e) {
            throw new UncheckedIOException("the kept snapshot is not readable: " + e.getMessage(), e);
        }
    }

    /** A snapshot of objects given as {@code key -> definition}. */
    static SchemaSnapshot of(Map<String, String> definitions) {
        List<String> lines = new ArrayList<>();
        definitions.forEach((key, definition) -> lines.add(key + "\t" + definition));
        return new SchemaSnapshot(lines);
    }
}

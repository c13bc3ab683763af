package io.mtd.schema;

import io.mtd.plan.KubeNames;
import io.mtd.report.SchemaReport;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * How one schema differs from the one it should be: objects added (only in the actual one), missing (only in the
 * expected one) and changed (in both, defined otherwise), each as its canonical line.
 *
 * @param added {@code kind name: definition} of each object only the actual schema has
 * @param missing the same of each object only the expected schema has
 * @param changed each object both have, defined otherwise: {@code kind name: expected -> actual}
 */
public record SchemaDiff(List<String> added, List<String> missing, List<String> changed) {

    /** How long a definition may be in an excerpt before it is cut. */
    private static final int LINE = 160;

    public SchemaDiff {
        added = List.copyOf(added);
        missing = List.copyOf(missing);
        changed = List.copyOf(changed);
    }

    /** How {@code actual} differs from {@code expected}. */
    public static SchemaDiff between(SchemaSnapshot expected, SchemaSnapshot actual) {
        Map<String, String> want = expected.definitions();
        Map<String, String> have = actual.definitions();
        List<String> added = new ArrayList<>();
        List<String> missing = new ArrayList<>();
        List<String> changed = new ArrayList<>();
        for (Map.Entry<String, String> e : have.entrySet()) {
            String before = want.get(e.getKey());
            if (before == null) {
                added.add(line(e.getKey(), e.getValue()));
            } else if (!before.equals(e.getValue())) {
                changed.add(e.getKey() + ": " + before + " -> " + e.getValue());
            }
        }
        want.forEach((key, definition) -> {
            if (!have.containsKey(key)) {
                missing.add(line(key, definition));
            }
        });
        return new SchemaDiff(added, missing, changed);
    }

    private static String line(String key, String definition) {
        return definition.isEmpty() ? key : key + ": " + definition;
    }

    public boolean isEmpty() {
        return added.isEmpty() && missing.isEmpty() && changed.isEmpty();
    }

    /** How many objects differ. */
    public int size() {
        return added.size() + missing.size() + changed.size();
    }

    /** Every difference, one a line: {@code + added}, {@code - missing}, {@code ~ changed}. */
    public List<String> lines() {
        List<String> lines = new ArrayList<>();
        added.forEach(a -> lines.add("+ " + a));
        missing.forEach(m -> lines.add("- " + m));
        changed.forEach(c -> lines.add("~ " + c));
        return lines;
    }

    /** The SHA-256 of {@link #lines()}: this very difference, as an acceptance of it records it. */
    public String fingerprint() {
        return KubeNames.sha256Hex(String.join("\n", lines()));
    }

    public String shortFingerprint() {
        return fingerprint().substring(0, SchemaSnapshot.SHORT);
    }

    /** {@code 1 added, 2 missing, 0 changed}. */
    public String counts() {
        return added.size() + " added, " + missing.size() + " missing, " + changed.size() + " changed";
    }

    /**
     * At most {@code max} lines to read: a table added or missing as one line with its columns, constraints, indexes
     * and triggers counted, long definitions cut, and a last line saying how many more the report has.
     */
    public List<String> excerpt(int max) {
        List<String> lines = new ArrayList<>();
        lines.addAll(folded("+ ", added));
        lines.addAll(folded("- ", missing));
        changed.forEach(c -> lines.add("~ " + cut(c)));
        if (lines.size() <= max) {
            return lines;
        }
        List<String> shown = new ArrayList<>(lines.subList(0, max - 1));
        shown.add("... and " + (lines.size() - max + 1) + " more (every difference is in the report)");
        return shown;
    }

    /** The lines of {@code objects}, those of a table's own objects folded into the table's line. */
    private static List<String> folded(String sign, List<String> objects) {
        Map<String, Map<String, Integer>> parts = new LinkedHashMap<>();
        for (String o : objects) {
            if (o.startsWith("table ")) {
                parts.put(name(o), new TreeMap<>());
            }
        }
        List<String> out = new ArrayList<>();
        List<String> rest = new ArrayList<>();
        for (String o : objects) {
            String kind = o.substring(0, Math.max(0, o.indexOf(' ')));
            String owner = kind.equals("table") ? null : tableOf(name(o), parts);
            if (owner != null) {
                parts.get(owner).merge(kind, 1, Integer::sum);
            } else {
                rest.add(o);
            }
        }
        for (String o : rest) {
            Map<String, Integer> own = o.startsWith("table ") ? parts.get(name(o)) : null;
            String with = own == null || own.isEmpty() ? "" : " (with " + String.join(", ", own.entrySet().stream()
                    .map(e -> e.getValue() + " " + e.getKey() + (e.getValue() == 1 ? "" : "s")).toList()) + ")";
            out.add(sign + cut(o) + with);
        }
        return out;
    }

    /** The table among {@code tables} whose object {@code name} is ({@code public.t} for {@code public.t.c}), or null. */
    private static String tableOf(String name, Map<String, ?> tables) {
        int dot = name.lastIndexOf('.');
        return dot > 0 && tables.containsKey(name.substring(0, dot)) ? name.substring(0, dot) : null;
    }

    /** The name in {@code kind name: definition}. */
    private static String name(String line) {
        int space = line.indexOf(' ');
        int colon = line.indexOf(": ", space + 1);
        return line.substring(space + 1, colon < 0 ? line.length() : colon);
    }

    private static String cut(String line) {
        return line.length() <= LINE ? line : line.substring(0, LINE - 1) + "…";
    }

    /** The difference a report gives ({@link #report()}), read back to show its lines. */
    public static SchemaDiff of(SchemaReport.Diff reported) {
        return new SchemaDiff(reported.added(), reported.missing(), reported.changed());
    }

    /** The report's form of this difference: every line, and its fingerprint. */
    public SchemaReport.Diff report() {
        return new SchemaReport.Diff(shortFingerprint(), fingerprint(), added, missing, changed);
    }
}

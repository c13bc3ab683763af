package io.mtd.lint;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.mtd.report.ReportJson;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/** The lint report as a human summary, as JSON, and as SARIF 2.1.0 for Warnings Next Generation and code scanning. */
public final class LintOutput {

    private static final ObjectMapper MAPPER = JsonMapper.builder().enable(SerializationFeature.INDENT_OUTPUT).build();
    static final String SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json";

    private LintOutput() {}

    /** The findings, acknowledgements and what was not checked, for a terminal or a build log. */
    public static String summary(LintReport r) {
        return summary(r, false);
    }

    /**
     * The findings grouped by rule: each rule's why and fix once, then one line per finding; acknowledgements, what was
     * not checked, what {@code --verify} saw, and a table of counts per rule at the end.
     *
     * @param quiet only what stops the run (unacknowledged errors, one line each) and the counts
     */
    public static String summary(LintReport r, boolean quiet) {
        StringBuilder b = new StringBuilder();
        long errors = r.blocking().size();
        long warnings = r.warnings().size();
        b.append(String.format(Locale.ROOT, "Expand/contract check: %d script%s, %d statement%s: %d error%s, %d warning%s, %d acknowledged%n",
                r.scripts(), plural(r.scripts()), r.statements(), plural(r.statements()), errors, plural(errors), warnings, plural(warnings),
                r.acknowledgements().size()));
        Map<Rule, List<Finding>> open = new TreeMap<>();
        Map<Rule, int[]> counts = new TreeMap<>(); // errors, warnings, notes, acknowledged
        List<Finding> acknowledged = new ArrayList<>();
        for (Finding f : r.findings()) {
            Rule rule = Rule.byId(f.rule()).orElse(Rule.NOT_CHECKED);
            int[] c = counts.computeIfAbsent(rule, k -> new int[4]);
            if (f.acknowledged() != null) {
                acknowledged.add(f);
                c[3]++;
            } else {
                c[f.severity().ordinal()]++;
                if (!quiet || f.blocking()) {
                    open.computeIfAbsent(rule, k -> new ArrayList<>()).add(f);
                }
            }
        }
        for (Severity severity : Severity.values()) {
            open.forEach((rule, fs) -> {
                List<Finding> these = fs.stream().filter(f -> f.severity() == severity).toList();
                if (these.isEmpty()) {
                    return;
                }
                long scripts = these.stream().map(Finding::source).distinct().count();
                b.append('\n').append(severity).append(' ').append(rule.id()).append(" (").append(these.size())
                        .append(these.size() == scripts ? "" : " in " + scripts + " script" + plural(scripts)).append(")\n");
                if (!quiet && severity != Severity.INFO) {
                    b.append("  why: ").append(rule.why()).append('\n');
                    b.append("  fix: ").append(rule.recipe()).append('\n');
                }
                for (Finding f : these) {
                    b.append("  ").append(f.source()).append(':').append(f.line()).append("  ").append(f.message()).append(verified(f)).append('\n');
                }
            });
        }
        if (!quiet) {
            if (!acknowledged.isEmpty()) {
                b.append("\nACKNOWLEDGED (").append(acknowledged.size()).append(")\n");
                for (Finding f : acknowledged) {
                    b.append("  ").append(f.source()).append(':').append(f.line()).append("  [").append(f.rule()).append("] ").append(f.message())
                            .append(verified(f)).append("\n    acknowledged at ").append(f.acknowledged().where()).append(": ")
                            .append(f.acknowledged().reason()).append('\n');
                }
            }
            if (!r.problems().isEmpty()) {
                b.append("\nACKNOWLEDGEMENTS THAT LET NOTHING PASS (").append(r.problems().size()).append(")\n");
                r.problems().forEach(p -> b.append("  ").append(p).append('\n'));
            }
            if (!r.notChecked().isEmpty()) {
                b.append("\nNOT CHECKED (").append(r.notChecked().size()).append(")\n");
                r.notChecked().forEach(n -> b.append("  ").append(n).append('\n'));
            }
            verify(r, b);
        }
        if (!counts.isEmpty()) {
            b.append('\n').append(String.format(Locale.ROOT, "  %-46s %7s %9s %6s %13s%n", "rule", "errors", "warnings", "notes", "acknowledged"));
            counts.forEach((rule, c) -> b.append(String.format(Locale.ROOT, "  %-46s %7d %9d %6d %13d%n", rule.id(), c[0], c[1], c[2], c[3])));
        }
        b.append("  code rollback after the pre-rollout migrations: ").append(switch (r.rollback()) {
            case SAFE -> "safe (every change before the rollout is expand-only)";
            case UNSAFE -> "NOT safe (a change before the rollout breaks the previous version)";
            case UNKNOWN -> "unknown (some SQL was not checked)";
        }).append('\n');
        return b.toString();
    }

    private static String verified(Finding f) {
        if (f.verified() == null) {
            return "";
        }
        return switch (f.verified()) {
            case CONFIRMED -> " (confirmed by --verify)";
            case DISPROVED -> " (disproved by --verify)";
            case NOT_MEASURED -> " (not measured by --verify)";
        };
    }

    private static void verify(LintReport r, StringBuilder b) {
        if (r.verify().isEmpty()) {
            return;
        }
        b.append("\nVERIFIED on ").append(r.verifiedOn() == null ? "a throwaway database" : r.verifiedOn()).append('\n');
        long quiet = 0;
        for (VerifiedStatement v : r.verify()) {
            if (!v.notable()) {
                quiet++;
                continue;
            }
            b.append("  ").append(v.source()).append(':').append(v.line()).append("  ");
            if (v.error() != null) {
                b.append("failed: ").append(v.error());
            } else if (v.note() != null && v.note().startsWith("not run")) {
                b.append(v.note());
            } else {
                b.append("locks ").append(v.locks().isEmpty() ? "none on existing relations" : String.join(", ", v.locks()));
                if (!v.held().isEmpty()) {
                    b.append(" (already held by its transaction: ").append(String.join(", ", v.held())).append(')');
                }
                if (!v.rewritten().isEmpty()) {
                    b.append("; rewrote ").append(String.join(", ", v.rewritten()));
                }
                if (!v.schemaChanges().isEmpty()) {
                    b.append("; ").append(String.join(", ", v.schemaChanges()));
                }
                if (v.note() != null) {
                    b.append("; ").append(v.note());
                }
            }
            b.append('\n');
        }
        if (quiet > 0) {
            b.append("  ").append(quiet).append(" more statement").append(plural(quiet))
                    .append(" ran without locking, rewriting or changing a relation that existed before the release\n");
        }
    }

    private static String plural(long n) {
        return n == 1 ? "" : "s";
    }

    public static String json(LintReport r) {
        try {
            return MAPPER.writeValueAsString(r);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The findings as a SARIF 2.1.0 log: one run of the tool {@code mtd-lint}, one result per finding, on its line. */
    public static String sarif(LintReport r) {
        ObjectNode log = MAPPER.createObjectNode();
        log.put("$schema", SARIF_SCHEMA);
        log.put("version", "2.1.0");
        ObjectNode run = log.putArray("runs").addObject();
        ObjectNode driver = run.putObject("tool").putObject("driver");
        driver.put("name", "mtd-lint");
        driver.put("informationUri", "https://github.com/jenkinsci/migrate-then-deploy-plugin#expandcontract-checks");
        ArrayNode rules = driver.putArray("rules");
        Map<String, Integer> index = new LinkedHashMap<>();
        for (Rule rule : Rule.values()) {
            index.put(rule.id(), index.size());
            ObjectNode d = rules.addObject();
            d.put("id", rule.id());
            d.putObject("shortDescription").put("text", rule.why());
            d.putObject("help").put("text", rule.recipe());
            d.putObject("defaultConfiguration").put("level", level(rule.severity()));
        }
        ArrayNode results = run.putArray("results");
        for (Finding f : r.findings()) {
            ObjectNode res = results.addObject();
            res.put("ruleId", f.rule());
            if (index.containsKey(f.rule())) {
                res.put("ruleIndex", index.get(f.rule()));
            }
            res.put("level", level(f.severity()));
            res.putObject("message").put("text", f.message() + ". " + f.why() + ". Safe way: " + f.recipe());
            if (f.source().endsWith(".sql")) {
                ObjectNode physical = res.putArray("locations").addObject().putObject("physicalLocation");
                physical.putObject("artifactLocation").put("uri", f.source());
                physical.putObject("region").put("startLine", Math.max(1, f.line()));
            }
            if (f.acknowledged() != null) {
                ObjectNode s = res.putArray("suppressions").addObject();
                s.put("kind", f.acknowledged().where().startsWith("plan") ? "external" : "inSource");
                s.put("justification", f.acknowledged().reason());
            }
        }
        try {
            return MAPPER.writeValueAsString(log);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String level(Severity s) {
        return switch (s) {
            case ERROR -> "error";
            case WARNING -> "warning";
            case INFO -> "note";
        };
    }

    public static void write(String content, Path file) {
        ReportJson.writeFile(content, file, file.toString());
    }
}

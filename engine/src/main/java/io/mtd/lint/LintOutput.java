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
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/** The lint report as a human summary, as JSON, and as SARIF 2.1.0 for Warnings Next Generation and code scanning. */
public final class LintOutput {

    private static final ObjectMapper MAPPER = JsonMapper.builder().enable(SerializationFeature.INDENT_OUTPUT).build();
    static final String SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json";

    private LintOutput() {}

    /** The findings, acknowledgements and what was not checked, for a terminal or a build log. */
    public static String summary(LintReport r) {
        StringBuilder b = new StringBuilder();
        long errors = r.blocking().size();
        long warnings = r.warnings().size();
        b.append(String.format(Locale.ROOT, "Expand/contract check: %d script%s, %d statement%s: %d error%s, %d warning%s, %d acknowledged%n",
                r.scripts(), r.scripts() == 1 ? "" : "s", r.statements(), r.statements() == 1 ? "" : "s", errors, errors == 1 ? "" : "s",
                warnings, warnings == 1 ? "" : "s", r.acknowledgements().size()));
        for (Finding f : r.findings()) {
            String mark = f.acknowledged() != null ? "ok  " : switch (f.severity()) {
                case ERROR -> "ERR ";
                case WARNING -> "WARN";
                case INFO -> "info";
            };
            b.append("  ").append(mark).append(' ').append(f.source()).append(':').append(f.line()).append(" [").append(f.rule())
                    .append("] ").append(f.message());
            if (f.verified() != null) {
                b.append(" (").append(f.verified() == Finding.Verification.CONFIRMED ? "confirmed" : "disproved").append(" by --verify)");
            }
            b.append('\n');
            if (f.acknowledged() != null) {
                b.append("         acknowledged at ").append(f.acknowledged().where()).append(": ").append(f.acknowledged().reason()).append('\n');
            } else if (f.severity() != Severity.INFO) {
                b.append("         why: ").append(f.why()).append('\n');
                b.append("         fix: ").append(f.recipe()).append('\n');
            }
        }
        r.problems().forEach(p -> b.append("  WARN ").append(p).append('\n'));
        r.notChecked().forEach(n -> b.append("  not checked: ").append(n).append('\n'));
        for (VerifiedStatement v : r.verify()) {
            b.append("  verified ").append(v.source()).append(':').append(v.line()).append(": ");
            b.append(v.note() != null ? v.note() : v.error() != null ? "failed: " + v.error()
                    : "locks " + (v.locks().isEmpty() ? "none on existing tables" : String.join(", ", v.locks())));
            if (!v.rewritten().isEmpty()) {
                b.append("; rewrote ").append(String.join(", ", v.rewritten()));
            }
            if (!v.schemaChanges().isEmpty()) {
                b.append("; ").append(String.join(", ", v.schemaChanges()));
            }
            b.append('\n');
        }
        b.append("  code rollback after the pre-rollout migrations: ").append(switch (r.rollback()) {
            case SAFE -> "safe (every change before the rollout is expand-only)";
            case UNSAFE -> "NOT safe (a change before the rollout breaks the previous version)";
            case UNKNOWN -> "unknown (some SQL was not checked)";
        }).append('\n');
        return b.toString();
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

package io.mtd.cli;

import io.mtd.flyway.FlywayOutput;
import io.mtd.plan.Durations;
import io.mtd.progress.ProgressEvent;
import io.mtd.progress.ProgressListener;
import io.mtd.progress.Stage;
import io.mtd.report.FlywayReport;
import java.io.PrintStream;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/** Prints a run's events as a readable log: stage banners, live migration output, progress notes, outcomes. */
final class ConsoleProgress implements ProgressListener {

    private final PrintStream out;
    private final Clock clock;
    private final Instant start;
    /** Flyway JSON results not yet whole, by where their log goes (the environment, else the log's source). */
    private final Map<String, Buffered> flywayJson = new HashMap<>();

    /** A Flyway JSON result being collected, and the environment whose stage end prints it if it never completes. */
    private record Buffered(String environment, List<String> lines) {}

    ConsoleProgress(PrintStream out) {
        this(out, Clock.systemUTC());
    }

    ConsoleProgress(PrintStream out, Clock clock) {
        this.out = out;
        this.clock = clock;
        this.start = clock.instant();
    }

    @Override
    public synchronized void on(ProgressEvent e) {
        String where = e.environment() == null ? e.stage().label() : e.environment() + " " + e.stage().label();
        if (e instanceof ProgressEvent.StageStarted s) {
            out.printf("%s ==> %s: %s%n", stamp(), where, s.detail());
        } else if (e instanceof ProgressEvent.Note n) {
            out.printf("%s     %s: %s%n", stamp(), where, n.message());
        } else if (e instanceof ProgressEvent.LogLine l) {
            StringBuilder text = new StringBuilder();
            line(e.environment(), e.environment() == null ? l.source() : e.environment(), l.line(), stamp(), text);
            out.print(text);
        } else if (e instanceof ProgressEvent.StageFinished f) {
            // an image build's log has no environment and goes by its source: found by the environment it came with
            for (var it = flywayJson.entrySet().iterator(); it.hasNext();) {
                Map.Entry<String, Buffered> unfinished = it.next();
                if (Objects.equals(unfinished.getValue().environment(), e.environment())) {
                    it.remove();
                    unfinished.getValue().lines().forEach(line -> out.print(logLine(stamp(), unfinished.getKey(), line)));
                }
            }
            String mark = f.outcome().ok() ? "<==" : "!!!";
            out.printf("%s %s %s: %s (%s)%s%n", stamp(), mark, where, f.outcome().words(),
                    f.duration() == null ? "-" : Durations.format(f.duration()), f.detail() == null ? "" : " " + f.detail());
        }
        out.flush();
    }

    /** A migration's log arrives in batches: printed in one write, not one flush per line. */
    @Override
    public synchronized void onLines(Stage stage, String environment, String source, List<String> lines) {
        String where = environment == null ? source : environment;
        String stamp = stamp();
        StringBuilder text = new StringBuilder();
        for (String line : lines) {
            line(environment, where, line, stamp, text);
        }
        out.print(text);
        out.flush();
    }

    /** One line of a migration's log, except that Flyway's result (one JSON document) is kept until it is whole. */
    private void line(String environment, String where, String line, String stamp, StringBuilder text) {
        Buffered json = flywayJson.get(where);
        if (json == null && "{".equals(line)) {
            // Flyway's result (-outputType=json) comes as one JSON document: shown as what it applied (the report keeps it)
            flywayJson.put(where, new Buffered(environment, new ArrayList<>(List.of(line))));
        } else if (json != null) {
            json.lines().add(line);
            if ("}".equals(line)) {
                flywayJson.remove(where);
                summarize(where, json.lines(), text);
            }
        } else {
            text.append(logLine(stamp, where, line));
        }
    }

    /** One line of a log as printed: when, where it comes from, the line. */
    private static String logLine(String stamp, String where, String line) {
        return String.format("%s     %s | %s%n", stamp, where, line);
    }

    /** Flyway's JSON result as the shop demo's log reads: one line per migration applied, or the one that failed. */
    private void summarize(String source, List<String> json, StringBuilder text) {
        Optional<FlywayReport> report = FlywayOutput.parse(json);
        if (report.isEmpty()) {
            json.forEach(line -> text.append(logLine(stamp(), source, line)));
            return;
        }
        FlywayReport r = report.get();
        List<FlywayReport.AppliedMigration> applied = r.applied() == null ? List.of() : r.applied();
        text.append(String.format("%s     %s | Flyway: schema %s -> %s, %d migration(s) applied%n", stamp(), source,
                r.schemaVersionBefore() == null ? "empty" : r.schemaVersionBefore(),
                r.schemaVersionAfter() == null ? "unchanged" : r.schemaVersionAfter(), applied.size()));
        for (FlywayReport.AppliedMigration m : applied) {
            text.append(String.format("%s     %s |   Applied V%s %s%s%n", stamp(), source, m.version(), m.description(),
                    m.executionTimeMillis() == null ? "" : " in " + m.executionTimeMillis() + " ms"));
        }
        if (r.failed() != null || r.error() != null) {
            text.append(String.format("%s     %s |   FAILED%s%s%n", stamp(), source,
                    r.failed() == null ? "" : " V" + r.failed().version() + " " + r.failed().description(),
                    r.error() == null ? "" : ": " + r.error()));
        }
    }

    private String stamp() {
        Duration d = Duration.between(start, clock.instant());
        return String.format(Locale.ROOT, "[%3d.%01ds]", d.toSeconds(), d.toMillisPart() / 100);
    }
}

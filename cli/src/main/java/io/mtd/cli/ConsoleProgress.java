package io.mtd.cli;

import io.mtd.plan.Durations;
import io.mtd.progress.ProgressEvent;
import io.mtd.progress.ProgressListener;
import io.mtd.progress.Stage;
import io.mtd.progress.StageOutcome;
import java.io.PrintStream;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Locale;

/** Prints a run's events as a readable log: stage banners, live migration output, progress notes, outcomes. */
final class ConsoleProgress implements ProgressListener {

    private final PrintStream out;
    private final Clock clock;
    private final Instant start;

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
            out.printf("%s     %s | %s%n", stamp(), e.environment() == null ? l.source() : e.environment(), l.line());
        } else if (e instanceof ProgressEvent.StageFinished f) {
            String mark = f.outcome() == StageOutcome.SUCCEEDED || f.outcome() == StageOutcome.SKIPPED ? "<==" : "!!!";
            out.printf("%s %s %s: %s (%s)%s%n", stamp(), mark, where, f.outcome().name().toLowerCase(Locale.ROOT).replace('_', ' '),
                    f.duration() == null ? "-" : Durations.format(f.duration()), f.detail() == null ? "" : " " + f.detail());
        }
        out.flush();
    }

    /** A migration's log arrives in batches: printed in one write, not one flush per line. */
    @Override
    public synchronized void onLines(Stage stage, String environment, String source, List<String> lines) {
        String stamp = stamp();
        String where = environment == null ? source : environment;
        StringBuilder text = new StringBuilder();
        for (String line : lines) {
            text.append(stamp).append("     ").append(where).append(" | ").append(line).append(System.lineSeparator());
        }
        out.print(text);
        out.flush();
    }

    private String stamp() {
        Duration d = Duration.between(start, clock.instant());
        return String.format(Locale.ROOT, "[%3d.%01ds]", d.toSeconds(), d.toMillisPart() / 100);
    }
}

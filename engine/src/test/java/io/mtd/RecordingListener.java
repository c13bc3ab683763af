package io.mtd;

import io.mtd.progress.ProgressEvent;
import io.mtd.progress.ProgressListener;
import io.mtd.progress.Stage;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Collectors;

/** Keeps every event a run sends, for assertions; {@link #text()} renders them the way a log would show them. */
public final class RecordingListener implements ProgressListener {

    public final List<ProgressEvent> events = new CopyOnWriteArrayList<>();
    /** When each event arrived ({@link System#nanoTime()}), in the order of {@link #events}. */
    private final List<Long> arrivals = new CopyOnWriteArrayList<>();

    @Override
    public synchronized void on(ProgressEvent event) {
        arrivals.add(System.nanoTime());
        events.add(event);
    }

    /** When the first event that {@code matches} arrived ({@link System#nanoTime()}), or -1 when none did. */
    public synchronized long firstArrival(java.util.function.Predicate<ProgressEvent> matches) {
        for (int i = 0; i < events.size(); i++) {
            if (matches.test(events.get(i))) {
                return arrivals.get(i);
            }
        }
        return -1;
    }

    public List<String> logLines() {
        return events.stream().filter(e -> e instanceof ProgressEvent.LogLine)
                .map(e -> ((ProgressEvent.LogLine) e).line()).toList();
    }

    /** The first start of {@code stage}. */
    public ProgressEvent.StageStarted started(Stage stage) {
        return events.stream().filter(e -> e instanceof ProgressEvent.StageStarted s && s.stage() == stage)
                .map(e -> (ProgressEvent.StageStarted) e).findFirst().orElseThrow();
    }

    /** The first finish of {@code stage}. */
    public ProgressEvent.StageFinished finished(Stage stage) {
        return events.stream().filter(e -> e instanceof ProgressEvent.StageFinished f && f.stage() == stage)
                .map(e -> (ProgressEvent.StageFinished) e).findFirst().orElseThrow();
    }

    /** The stage starts and finishes in order, one a line, as "started IMAGE -" or "finished MIGRATION staging FAILED". */
    public List<String> stages() {
        return events.stream().map(e -> e instanceof ProgressEvent.StageStarted s
                        ? "started " + s.stage() + " " + (s.environment() == null ? "-" : s.environment())
                        : e instanceof ProgressEvent.StageFinished f
                                ? "finished " + f.stage() + " " + (f.environment() == null ? "-" : f.environment()) + " " + f.outcome()
                                : null)
                .filter(java.util.Objects::nonNull).toList();
    }

    /** Everything shown to the user, one event a line (to check, for example, that no secret is in it). */
    public String text() {
        return events.stream().map(Object::toString).collect(Collectors.joining("\n"));
    }
}

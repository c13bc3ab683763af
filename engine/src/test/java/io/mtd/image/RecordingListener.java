package io.mtd.image;

import io.mtd.progress.ProgressEvent;
import io.mtd.progress.ProgressListener;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/** Keeps every event, for assertions on what a run reported. */
final class RecordingListener implements ProgressListener {

    final List<ProgressEvent> events = new CopyOnWriteArrayList<>();

    @Override
    public void on(ProgressEvent event) {
        events.add(event);
    }

    List<String> logLines() {
        return events.stream().filter(e -> e instanceof ProgressEvent.LogLine)
                .map(e -> ((ProgressEvent.LogLine) e).line()).toList();
    }

    ProgressEvent.StageFinished finished() {
        return events.stream().filter(e -> e instanceof ProgressEvent.StageFinished)
                .map(e -> (ProgressEvent.StageFinished) e).reduce((a, b) -> b).orElseThrow();
    }

    /** Everything shown to the user, to check that no secret is in it. */
    String allText() {
        StringBuilder out = new StringBuilder();
        for (ProgressEvent e : events) {
            out.append(e).append('\n');
        }
        return out.toString();
    }
}

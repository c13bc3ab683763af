package io.mtd;

import io.mtd.progress.ProgressEvent;
import io.mtd.progress.ProgressListener;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Collectors;

/** Keeps every event a run sends, for assertions; {@link #text()} renders them the way a log would show them. */
public final class RecordingListener implements ProgressListener {

    public final List<ProgressEvent> events = new CopyOnWriteArrayList<>();

    @Override
    public void on(ProgressEvent event) {
        events.add(event);
    }

    public List<String> logLines() {
        return events.stream().filter(e -> e instanceof ProgressEvent.LogLine)
                .map(e -> ((ProgressEvent.LogLine) e).line()).toList();
    }

    public String text() {
        return events.stream().map(Object::toString).collect(Collectors.joining("\n"));
    }
}

package io.mtd.bench;

import io.mtd.progress.ProgressEvent;
import io.mtd.progress.ProgressListener;

/** The engine's listener for the whole benchmark, handing events to whichever measurement runs now. */
final class EngineEvents implements ProgressListener {

    private volatile ProgressListener current = ProgressListener.NONE;

    /** Sends every following event to {@code listener}. */
    void route(ProgressListener listener) {
        current = listener;
    }

    @Override
    public void on(ProgressEvent event) {
        current.on(event);
    }

    /** Whether {@code event} says the engine attached to a Job that already existed, i.e. it now waits on it. */
    static boolean isAttach(ProgressEvent event) {
        return event instanceof ProgressEvent.Note note && note.message().startsWith("attaching to");
    }
}

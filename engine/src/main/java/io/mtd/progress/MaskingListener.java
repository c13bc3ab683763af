package io.mtd.progress;

import java.util.List;

/** Passes events on with every secret value masked; the engine wraps every listener it is given in one. */
public final class MaskingListener implements ProgressListener {

    private final ProgressListener delegate;
    private final SecretMasker masker;

    public MaskingListener(ProgressListener delegate, SecretMasker masker) {
        this.delegate = delegate;
        this.masker = masker;
    }

    public SecretMasker masker() {
        return masker;
    }

    @Override
    public void on(ProgressEvent event) {
        delegate.on(masked(event));
    }

    @Override
    public void onLines(Stage stage, String environment, String source, List<String> lines) {
        delegate.onLines(stage, environment, source, masker.maskLines(lines));
    }

    private ProgressEvent masked(ProgressEvent event) {
        if (event instanceof ProgressEvent.StageStarted s) {
            return new ProgressEvent.StageStarted(s.stage(), s.environment(), masker.mask(s.detail()));
        }
        if (event instanceof ProgressEvent.Note n) {
            return new ProgressEvent.Note(n.stage(), n.environment(), masker.mask(n.message()));
        }
        if (event instanceof ProgressEvent.LogLine l) {
            return new ProgressEvent.LogLine(l.stage(), l.environment(), l.source(), masker.mask(l.line()));
        }
        ProgressEvent.StageFinished f = (ProgressEvent.StageFinished) event;
        return new ProgressEvent.StageFinished(f.stage(), f.environment(), f.outcome(), f.duration(), masker.mask(f.detail()));
    }
}

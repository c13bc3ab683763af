package io.mtd.image;

/** The image could not be built or pushed; the message names the failing step or the missing tool. No cluster was touched. */
public class ImageBuildException extends RuntimeException {

    private final String failedStep;

    public ImageBuildException(String message, String failedStep) {
        super(message);
        this.failedStep = failedStep;
    }

    public ImageBuildException(String message) {
        this(message, null);
    }

    /** The build step that failed as the builder printed it (e.g. {@code STEP 2/3: RUN make}), or null when none was reached. */
    public String failedStep() {
        return failedStep;
    }
}

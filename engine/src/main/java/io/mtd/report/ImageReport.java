package io.mtd.report;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.time.Duration;

/**
 * The image every environment ran.
 *
 * @param reference the plan's reference (usually a tag)
 * @param pinned the reference every environment used, {@code repository@sha256:...} where the digest is known
 * @param digest the manifest digest, or null when it could not be resolved
 * @param built whether this run built and pushed it
 * @param buildDuration how long the build and push took, when built
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record ImageReport(String reference, String pinned, String digest, boolean built, Duration buildDuration) {

    public static ImageReport unresolved(String reference) {
        return new ImageReport(reference, reference, null, false, null);
    }
}

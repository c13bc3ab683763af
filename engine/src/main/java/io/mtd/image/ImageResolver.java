package io.mtd.image;

import io.mtd.plan.Plan;
import io.mtd.progress.ProgressListener;
import io.mtd.report.ImageReport;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/** Turns the plan's image into the one reference every environment runs: built and pushed if asked, pinned by digest. */
public interface ImageResolver {

    /** Uses the plan's reference as it is written, for clusters whose registry the engine cannot reach (the sandbox). */
    ImageResolver AS_WRITTEN = new ImageResolver() {
        @Override
        public String describe(Plan plan) {
            return "Using " + plan.image() + " as written, without pinning it by digest";
        }

        @Override
        public CompletionStage<ImageReport> resolve(Plan plan, ProgressListener listener) {
            return CompletableFuture.completedFuture(ImageReport.unresolved(plan.image()));
        }
    };

    /** The image stage's start line: what this resolver is about to do with the plan's image. */
    default String describe(Plan plan) {
        return plan.build() == null ? "Resolving the digest of " + plan.image() : "Building " + plan.image();
    }

    /**
     * Completes with the image report whose {@link ImageReport#pinned()} reference the Jobs and rollouts use; one whose
     * digest is null was left as written. The stage's start and finish are the pipeline's to send, not the resolver's.
     */
    CompletionStage<ImageReport> resolve(Plan plan, ProgressListener listener);
}

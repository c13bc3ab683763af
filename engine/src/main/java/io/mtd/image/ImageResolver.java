package io.mtd.image;

import io.mtd.plan.Plan;
import io.mtd.progress.ProgressListener;
import io.mtd.report.ImageReport;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/** Turns the plan's image into the one reference every environment runs: built and pushed if asked, pinned by digest. */
@FunctionalInterface
public interface ImageResolver {

    /** Uses the plan's reference as it is written, for clusters whose registry the engine cannot reach (the sandbox). */
    ImageResolver AS_WRITTEN = (plan, listener) -> CompletableFuture.completedFuture(ImageReport.unresolved(plan.image()));

    /** Completes with the image report whose {@link ImageReport#pinned()} reference the Jobs and rollouts use. */
    CompletionStage<ImageReport> resolve(Plan plan, ProgressListener listener);
}

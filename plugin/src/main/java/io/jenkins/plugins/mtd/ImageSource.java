package io.jenkins.plugins.mtd;

import hudson.AbortException;
import hudson.FilePath;
import hudson.model.TaskListener;
import hudson.remoting.VirtualChannel;
import io.mtd.concurrent.DaemonThreads;
import io.mtd.image.CredentialSource;
import io.mtd.image.ImageResolver;
import io.mtd.image.ImageStage;
import io.mtd.plan.Build;
import io.mtd.plan.Plan;
import io.mtd.progress.ProgressEvent;
import io.mtd.progress.ProgressListener;
import io.mtd.report.ImageReport;
import java.io.File;
import java.io.IOException;
import java.io.PrintStream;
import java.io.Serializable;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.function.Consumer;
import jenkins.MasterToSlaveFileCallable;

/**
 * How a build's run gets the one image reference every environment uses: built and pushed on the agent that holds the
 * workspace, then pinned by digest there; for a prebuilt image, pinned by the registry's digest from the controller (no
 * workspace needed); or as written when digest pinning is off. A reference pinned earlier in the same build (before a
 * restart, or by an earlier {@code migrateDatabase} stage) is used again, so later stages cannot run another image.
 */
final class ImageSource implements ImageResolver {

    private final PinnedImage known;
    private final FilePath workspace;
    private final Map<String, String> agentEnv;
    private final boolean resolveDigest;
    private final TaskListener log;
    private final Consumer<PinnedImage> pinned;
    private volatile Thread building;

    /**
     * @param known the image pinned earlier for the plan's reference, or null
     * @param workspace where the plan's build context is (on an agent or the controller), or null outside {@code node}
     * @param agentEnv the step's environment on that node: its PATH finds the builder, as for {@code sh}
     * @param pinned told of the image this source resolved, to be recorded for later stages and restarts
     */
    ImageSource(PinnedImage known, FilePath workspace, Map<String, String> agentEnv, boolean resolveDigest,
            TaskListener log, Consumer<PinnedImage> pinned) {
        this.known = known;
        this.workspace = workspace;
        this.agentEnv = agentEnv == null ? Map.of() : Map.copyOf(agentEnv);
        this.resolveDigest = resolveDigest;
        this.log = log;
        this.pinned = pinned;
    }

    /** Fails before anything starts when the plan builds an image but the step has no workspace to build it from. */
    static void checkBuildable(Plan plan, FilePath workspace) throws AbortException {
        if (plan.build() != null && workspace == null) {
            throw new AbortException(Messages.ImageSource_BuildNeedsWorkspace(plan.image()));
        }
    }

    @Override
    public String describe(Plan plan) {
        if (reusesKnown(plan)) {
            return Messages.ImageSource_PinnedEarlier(known.pinned());
        }
        return plan.build() == null && !resolveDigest ? ImageResolver.AS_WRITTEN.describe(plan) : ImageResolver.super.describe(plan);
    }

    @Override
    public CompletionStage<ImageReport> resolve(Plan plan, ProgressListener listener) {
        if (reusesKnown(plan)) {
            return CompletableFuture.completedFuture(known.reused().toReport());
        }
        if (plan.build() == null && !resolveDigest) {
            return ImageResolver.AS_WRITTEN.resolve(plan, listener);
        }
        CompletableFuture<ImageReport> result = new CompletableFuture<>();
        // a build or a registry call blocks for its whole length: a thread of its own, as the engine's ImageStage does
        Thread t = DaemonThreads.factory("mtd-image " + plan.app(), ImageSource.class.getClassLoader()).newThread(() -> {
            try {
                ImageReport report = plan.build() != null ? buildOnAgent(plan, listener) : pinFromController(plan, listener);
                pinned.accept(PinnedImage.of(report));
                result.complete(report);
            } catch (InterruptedException e) {
                result.completeExceptionally(new CompletionException(new AbortException(Messages.ImageSource_Interrupted())));
            } catch (Throwable e) {
                result.completeExceptionally(e);
            } finally {
                building = null;
            }
        });
        building = t;
        t.start();
        return result;
    }

    /** Whether the plan's image was pinned earlier in this build, so that later stages run exactly it. */
    private boolean reusesKnown(Plan plan) {
        return known != null && known.reference().equals(plan.image()) && (plan.build() == null || known.built());
    }

    /** Interrupts a build in progress: the agent's builder process is stopped. */
    void cancelBuilds() {
        Thread t = building;
        if (t != null) {
            t.interrupt();
        }
    }

    private ImageReport pinFromController(Plan plan, ProgressListener listener) throws IOException {
        // a prebuilt image: resolving its digest is a registry call, which needs no workspace
        Path scratch = Files.createTempDirectory("mtd-image");
        try {
            return new ImageStage(scratch).resolveNow(plan, listener);
        } finally {
            Files.deleteIfExists(scratch);
        }
    }

    private ImageReport buildOnAgent(Plan plan, ProgressListener listener) throws IOException, InterruptedException {
        Build b = plan.build();
        listener.on(new ProgressEvent.Note(io.mtd.progress.Stage.IMAGE, null, Messages.ImageSource_BuildingOn(
                workspace.isRemote() ? Messages.ImageSource_TheAgent() : Messages.ImageSource_TheController(),
                workspace.getRemote())));
        PinnedImage built = workspace.act(new BuildOnAgent(plan.app(), plan.image(), b.context(), b.dockerfile(),
                new HashMap<>(b.args()), b.target(), b.builder(), b.authFile(), b.tlsVerify(), new HashMap<>(agentEnv), log));
        return built.toReport();
    }

    /**
     * Runs the engine's image stage on the node that holds the workspace: the builder (buildah, podman, docker) found on
     * the step's PATH there builds from the workspace and pushes, and the pushed image is pinned by its registry digest.
     * Its output goes to the build log as it comes.
     */
    private static final class BuildOnAgent extends MasterToSlaveFileCallable<PinnedImage> {
        private static final long serialVersionUID = 1L;

        private final String app;
        private final String image;
        private final String context;
        private final String dockerfile;
        private final HashMap<String, String> args;
        private final String target;
        private final String builder;
        private final String authFile;
        private final Boolean tlsVerify;
        private final HashMap<String, String> env;
        private final TaskListener listener;

        BuildOnAgent(String app, String image, String context, String dockerfile, HashMap<String, String> args, String target,
                String builder, String authFile, Boolean tlsVerify, HashMap<String, String> env, TaskListener listener) {
            this.app = app;
            this.image = image;
            this.context = context;
            this.dockerfile = dockerfile;
            this.args = args;
            this.target = target;
            this.builder = builder;
            this.authFile = authFile;
            this.tlsVerify = tlsVerify;
            this.env = env;
            this.listener = listener;
        }

        @Override
        public PinnedImage invoke(File workspace, VirtualChannel channel) throws IOException, InterruptedException {
            Plan plan = new Plan(app, image, new Build(context, dockerfile, args, target, builder, authFile, tlsVerify), null,
                    null, null);
            PrintStream out = listener.getLogger();
            ProgressListener log = event -> {
                synchronized (out) {
                    out.println(BuildLog.format(event));
                }
            };
            Map<String, String> environment = env.isEmpty() ? System.getenv() : env;
            ImageStage stage = new ImageStage(workspace.toPath(), CredentialSource.NONE, environment,
                    Path.of(System.getProperty("user.home")));
            try {
                return PinnedImage.of(stage.resolveNow(plan, log));
            } catch (RuntimeException e) {
                if (Thread.interrupted()) {
                    throw new InterruptedException(e.getMessage());
                }
                // the engine's message names the step that failed and the fix; the stack trace would only hide it
                throw new AbortException(e.getMessage());
            }
        }
    }

    /** An image reference as pinned for a build: kept with the step's state and the build, so it outlives a restart. */
    static final class PinnedImage implements Serializable {
        private static final long serialVersionUID = 1L;

        private final String reference;
        private final String pinned;
        private final String digest;
        private final boolean built;
        /** How long the build and push took, or -1 when this run did not build. */
        private final long buildMillis;

        PinnedImage(String reference, String pinned, String digest, boolean built, long buildMillis) {
            this.reference = reference;
            this.pinned = pinned;
            this.digest = digest;
            this.built = built;
            this.buildMillis = buildMillis;
        }

        static PinnedImage of(ImageReport r) {
            return new PinnedImage(r.reference(), r.pinned(), r.digest(), r.built(),
                    r.buildDuration() == null ? -1 : r.buildDuration().toMillis());
        }

        /** The same image, as reused by a later stage or after a restart: not built by that run. */
        PinnedImage reused() {
            return new PinnedImage(reference, pinned, digest, built, -1);
        }

        String reference() {
            return reference;
        }

        String pinned() {
            return pinned;
        }

        boolean built() {
            return built;
        }

        ImageReport toReport() {
            // "built" in a report means built by that run: a reused image was built (if at all) by an earlier one
            return new ImageReport(reference, pinned, digest, built && buildMillis >= 0,
                    buildMillis < 0 ? null : Duration.ofMillis(buildMillis));
        }
    }
}

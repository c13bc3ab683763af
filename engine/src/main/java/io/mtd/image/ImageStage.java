package io.mtd.image;

import io.mtd.concurrent.DaemonThreads;
import io.mtd.plan.Build;
import io.mtd.plan.Plan;
import io.mtd.progress.ProgressEvent;
import io.mtd.progress.ProgressListener;
import io.mtd.progress.Stage;
import io.mtd.report.ImageReport;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import java.util.function.Consumer;

/**
 * The run's first stage: builds and pushes the plan's image when it has a {@code build}, then pins the image by the
 * manifest digest the registry serves, so every environment runs exactly the same bytes even if the tag moves later.
 *
 * <p>Call it once per run: the {@link ImageReport#pinned()} reference it returns is what every migration Job and
 * rollout must use. Nothing here touches a cluster, so a failed build or an unreachable registry stops the run
 * before any environment is changed.
 */
public final class ImageStage implements ImageResolver {

    private final Path workspace;
    private final CredentialSource callerCredentials;
    private final Map<String, String> env;
    private final Path home;
    private final Executor executor;

    /** A stage reading the machine's registry credentials, with plan paths relative to {@code workspace}. */
    public ImageStage(Path workspace) {
        this(workspace, CredentialSource.NONE);
    }

    /** A stage where {@code callerCredentials} (e.g. Jenkins credentials) win over the machine's credential files. */
    public ImageStage(Path workspace, CredentialSource callerCredentials) {
        this(workspace, callerCredentials, System.getenv(), Path.of(System.getProperty("user.home")));
    }

    /**
     * A stage with an explicit environment: its PATH finds the builder, its REGISTRY_AUTH_FILE, DOCKER_CONFIG and
     * XDG_RUNTIME_DIR (with {@code home}) find the credential files, and the builder runs with it.
     */
    public ImageStage(Path workspace, CredentialSource callerCredentials, Map<String, String> env, Path home) {
        this.workspace = workspace.toAbsolutePath().normalize();
        this.callerCredentials = Objects.requireNonNull(callerCredentials, "callerCredentials");
        this.env = Map.copyOf(env);
        this.home = home;
        // a build can take many minutes of blocking process I/O: it gets its own thread, not a shared pool's
        this.executor = task -> DaemonThreads.start("mtd-image", task);
    }

    /**
     * Resolves on a thread of its own. The stage fails with an {@link ImageBuildException} or a
     * {@link RegistryException} (wrapped in a {@link java.util.concurrent.CompletionException}).
     */
    @Override
    public CompletionStage<ImageReport> resolve(Plan plan, ProgressListener listener) {
        return CompletableFuture.supplyAsync(() -> resolveNow(plan, listener), executor);
    }

    /**
     * Builds, pushes and pins on the calling thread.
     *
     * @throws ImageBuildException when the builder is missing or the build or push fails
     * @throws RegistryException when the registry cannot be reached, refuses access or lacks the image
     * @throws IllegalArgumentException when the plan's image is not a valid reference
     */
    public ImageReport resolveNow(Plan plan, ProgressListener listener) {
        long started = System.nanoTime();
        ImageReference image = ImageReference.parse(plan.image());
        Build build = plan.build();
        return build == null ? pinPrebuilt(plan, image) : buildPushAndPin(plan, image, build, listener, started);
    }

    private ImageReport pinPrebuilt(Plan plan, ImageReference image) {
        RegistryClient registry = new RegistryClient(callerCredentials.orElse(CredentialSource.machineDefaults(env, home)));
        // a prebuilt image has no build.tlsVerify: like docker, allow plain HTTP to a registry on this machine only
        String digest = registry.manifestDigest(image, !image.loopbackRegistry());
        return new ImageReport(plan.image(), image.pinnedTo(digest).toString(), digest, false, null);
    }

    private ImageReport buildPushAndPin(Plan plan, ImageReference image, Build build, ProgressListener listener, long started) {
        if (image.digest() != null) {
            throw new ImageBuildException("The plan's image " + plan.image() + " names a digest, but a built image needs a tag"
                    + " to be pushed to; write it as " + image.registry() + "/" + image.repository() + ":<tag>");
        }
        Path context = workspace.resolve(build.contextOrDefault()).normalize();
        if (!Files.isDirectory(context)) {
            throw new ImageBuildException("build.context '" + build.contextOrDefault() + "' is not a directory (" + context
                    + "); it is relative to the workspace " + workspace);
        }
        Path dockerfile = context.resolve(build.dockerfileOrDefault()).normalize();
        if (!Files.isRegularFile(dockerfile)) {
            throw new ImageBuildException("build.dockerfile '" + build.dockerfileOrDefault() + "' does not exist (" + dockerfile
                    + "); it is relative to build.context");
        }
        Path planAuthFile = null;
        if (build.authFile() != null && !build.authFile().isBlank()) {
            planAuthFile = workspace.resolve(build.authFile()).normalize();
            if (!Files.isRegularFile(planAuthFile)) {
                throw new ImageBuildException("build.authFile '" + build.authFile() + "' does not exist (" + planAuthFile
                        + "); it is relative to the workspace " + workspace);
            }
        }
        ImageBuilder builder = ImageBuilders.select(build.builderOrDefault(), env);
        Consumer<String> log = line -> listener.on(new ProgressEvent.LogLine(Stage.IMAGE, null, builder.name(), line));
        BuildRequest request = new BuildRequest(image, context, dockerfile, build.args(), build.target(), planAuthFile,
                build.verifiesTls());
        listener.on(new ProgressEvent.Note(Stage.IMAGE, null, "Building " + image + " with " + builder.name() + " from " + context));
        builder.build(request, log);

        listener.on(new ProgressEvent.Note(Stage.IMAGE, null, "Pushing " + image));
        Optional<RegistryCredentials> given = callerCredentials.lookup(image.registry());
        Optional<String> pushed;
        Path tempAuthDir = null;
        try {
            BuildRequest pushRequest = request;
            if (given.isPresent()) {
                tempAuthDir = Files.createTempDirectory("mtd-auth-", PosixFilePermissions.asFileAttribute(
                        PosixFilePermissions.fromString("rwx------")));
                Path tempAuthFile = tempAuthDir.resolve("auth.json");
                AuthFile.write(tempAuthFile, image.registry(), given.get());
                pushRequest = new BuildRequest(image, context, dockerfile, build.args(), build.target(), tempAuthFile,
                        build.verifiesTls());
            }
            pushed = builder.push(pushRequest, log);
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot write the registry credentials for the push to a temporary file", e);
        } finally {
            deleteQuietly(tempAuthDir);
        }
        Duration buildDuration = Duration.ofNanos(System.nanoTime() - started);

        CredentialSource files = planAuthFile != null ? AuthFile.read(planAuthFile) : CredentialSource.machineDefaults(env, home);
        RegistryClient registry = new RegistryClient(callerCredentials.orElse(files));
        // where the tool says what it pushed, ask for exactly that: a tag someone moved meanwhile cannot slip in
        ImageReference pushedImage = pushed.map(d -> new ImageReference(image.registry(), image.repository(), image.tag(), d))
                .orElse(image);
        String digest = registry.manifestDigest(pushedImage, build.verifiesTls());
        return new ImageReport(plan.image(), image.pinnedTo(digest).toString(), digest, true, buildDuration);
    }

    private static void deleteQuietly(Path dir) {
        if (dir == null) {
            return;
        }
        try {
            Files.deleteIfExists(dir.resolve("auth.json"));
            Files.deleteIfExists(dir);
        } catch (IOException e) {
            // an owner-only directory under the temporary directory; the OS cleans it up
        }
    }
}

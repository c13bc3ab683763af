package io.mtd.image;

import io.mtd.RecordingListener;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.mtd.plan.Build;
import io.mtd.plan.Plan;
import io.mtd.progress.ProgressEvent;
import io.mtd.progress.Stage;
import io.mtd.report.ImageReport;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The image stage with real buildah and a real registry (Debian's buildah and docker-registry packages). */
class ImageStageBuildahTest {

    private static LocalRegistry registry;
    private static final java.util.Set<String> BUILT = java.util.concurrent.ConcurrentHashMap.newKeySet();

    @TempDir
    static Path registryDir;

    @TempDir
    Path workspace;

    /** Checked before each test, not once for the class, so that every skipped test is reported with the reason. */
    @BeforeEach
    void requireBuildahAndRegistry() throws Exception {
        assumeTrue(ImageBuilders.onPath("buildah", System.getenv()).isPresent(),
                "buildah is not installed (apt-get install -y buildah): skipping the real image build tests");
        assumeTrue(LocalRegistry.executable().isPresent(),
                "docker-registry is not installed (apt-get install -y docker-registry): skipping the real registry tests");
        synchronized (ImageStageBuildahTest.class) {
            if (registry == null) {
                registry = LocalRegistry.start(registryDir);
            }
        }
    }

    @AfterAll
    static void stopRegistryAndRemoveTheImages() throws Exception {
        if (registry == null) {
            return;
        }
        registry.close();
        // the builds left their images in buildah's local storage; only the tags this class built are removed
        java.util.List<String> command = new java.util.ArrayList<>(java.util.List.of(
                ImageBuilders.onPath("buildah", System.getenv()).orElseThrow().toString(), "rmi", "--force"));
        command.addAll(BUILT);
        new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start().waitFor();
    }

    private static String uniqueRepository() {
        return "mtd-test/app-" + UUID.randomUUID().toString().substring(0, 8);
    }

    /** A build context with a text file and a Containerfile copying it into an image from scratch. */
    private Path context(String name, String text, String... extraInstructions) throws Exception {
        Path dir = Files.createDirectories(workspace.resolve(name));
        Files.writeString(dir.resolve("hello.txt"), text);
        StringBuilder file = new StringBuilder("FROM scratch\nCOPY hello.txt /hello.txt\n");
        for (String instruction : extraInstructions) {
            file.append(instruction).append('\n');
        }
        Files.writeString(dir.resolve("Containerfile"), file.toString());
        return dir;
    }

    private static Plan builtPlan(String image, String context) {
        BUILT.add(image);
        return new Plan("shop", image, new Build(context, "Containerfile", Map.of("VERSION", "1"), null, "buildah", null, false),
                null, null, null);
    }

    private static Plan prebuiltPlan(String image) {
        return new Plan("shop", image, null, null, null, null);
    }

    private ImageStage stage() {
        return new ImageStage(workspace, CredentialSource.NONE, System.getenv(), workspace.resolve("home"));
    }

    @Test
    void buildsPushesAndPinsByTheDigestTheRegistryServes() throws Exception {
        String repository = uniqueRepository();
        String image = registry.address() + "/" + repository + ":1.0";
        context("app", "version one\n");
        RecordingListener listener = new RecordingListener();

        ImageReport report = stage().resolve(builtPlan(image, "app"), listener).toCompletableFuture().join();

        String served = registry.digestOf(repository, "1.0").orElseThrow();
        assertThat(report.digest()).isEqualTo(served).matches("sha256:[0-9a-f]{64}");
        assertThat(report.pinned()).isEqualTo(registry.address() + "/" + repository + "@" + served);
        assertThat(report.reference()).isEqualTo(image);
        assertThat(report.built()).isTrue();
        assertThat(report.buildDuration()).isPositive();

        assertThat(listener.logLines()).contains("STEP 1/2: FROM scratch", "STEP 2/2: COPY hello.txt /hello.txt");
        assertThat(listener.events).allSatisfy(e -> {
            assertThat(e.stage()).isEqualTo(Stage.IMAGE);
            assertThat(e.environment()).isNull();
        });
        assertThat(listener.events.stream().filter(e -> e instanceof ProgressEvent.LogLine)
                .map(e -> ((ProgressEvent.LogLine) e).source())).containsOnly("buildah");
        assertThat(listener.stages()).as("the pipeline announces the stage (PinnedImageRunTest), not the resolver").isEmpty();
    }

    @Test
    void aTagMovedAfterResolutionDoesNotChangeWhatTheRunPinned() throws Exception {
        String repository = uniqueRepository();
        String image = registry.address() + "/" + repository + ":stable";
        context("v1", "version one\n");
        context("v2", "version two\n");

        ImageReport staging = stage().resolveNow(builtPlan(image, "v1"), new RecordingListener());
        ImageReport prebuiltBefore = stage().resolveNow(prebuiltPlan(image), new RecordingListener());
        assertThat(prebuiltBefore.digest()).isEqualTo(staging.digest());
        assertThat(prebuiltBefore.built()).isFalse();

        // someone else pushes other content to the same tag, e.g. between staging and production
        ImageReport moved = stage().resolveNow(builtPlan(image, "v2"), new RecordingListener());

        assertThat(moved.digest()).isNotEqualTo(staging.digest());
        assertThat(registry.digestOf(repository, "stable")).contains(moved.digest());
        // the report resolved once for the run still names the first image, and the registry still serves it by digest
        assertThat(staging.pinned()).isEqualTo(registry.address() + "/" + repository + "@" + staging.digest());
        assertThat(registry.digestOf(repository, staging.digest())).contains(staging.digest());
        // a new run resolves the tag again and gets the new image
        ImageReport nextRun = stage().resolveNow(prebuiltPlan(image), new RecordingListener());
        assertThat(nextRun.digest()).isEqualTo(moved.digest());
        assertThat(nextRun.pinned()).isEqualTo(registry.address() + "/" + repository + "@" + moved.digest());
    }

    @Test
    void aFailingRunStepIsNamedAndNothingIsPushed() throws Exception {
        String repository = uniqueRepository();
        context("broken", "text\n", "RUN false");
        RecordingListener listener = new RecordingListener();

        assertThatThrownBy(() -> stage().resolveNow(builtPlan(registry.address() + "/" + repository + ":1", "broken"), listener))
                .isInstanceOf(ImageBuildException.class)
                .hasMessageStartingWith("Building " + registry.address() + "/" + repository + ":1 with buildah failed at STEP 3/3: RUN false")
                .hasMessageContaining("buildah exited with")
                .satisfies(e -> assertThat(((ImageBuildException) e).failedStep()).isEqualTo("STEP 3/3: RUN false"));

        assertThat(listener.logLines()).contains("STEP 3/3: RUN false");
        assertThat(registry.digestOf(repository, "1")).isEmpty();
    }

    /** A context whose image has the host's /bin/sh and its libraries, so that RUN steps really run. */
    private Path contextWithShell(String name, String... instructions) throws Exception {
        Path dir = Files.createDirectories(workspace.resolve(name));
        Path rootfs = dir.resolve("rootfs");
        Process ldd = new ProcessBuilder("ldd", "/bin/sh").redirectErrorStream(true).start();
        String libraries = new String(ldd.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        assumeTrue(ldd.waitFor() == 0, "ldd /bin/sh failed, cannot assemble a shell image: " + libraries);
        java.util.List<Path> files = new java.util.ArrayList<>(java.util.List.of(Path.of("/bin/sh")));
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("(/\\S+)").matcher(libraries);
        while (m.find()) {
            files.add(Path.of(m.group(1)));
        }
        for (Path file : files) {
            Path target = rootfs.resolve(file.toString().substring(1));
            Files.createDirectories(target.getParent());
            Files.copy(file, target, java.nio.file.StandardCopyOption.COPY_ATTRIBUTES);
        }
        Files.writeString(dir.resolve("Containerfile"), "FROM scratch\nCOPY rootfs/ /\n" + String.join("\n", instructions) + "\n");
        return dir;
    }

    @Test
    void runStepsRunAndAFailingOneIsNamedWithItsExitCode() throws Exception {
        String repository = uniqueRepository();
        contextWithShell("shell", "RUN echo built > /built.txt", "RUN echo compiling && exit 3");
        RecordingListener listener = new RecordingListener();

        assertThatThrownBy(() -> stage().resolveNow(builtPlan(registry.address() + "/" + repository + ":1", "shell"), listener))
                .isInstanceOf(ImageBuildException.class)
                .hasMessageContaining("failed at STEP 4/4: RUN echo compiling && exit 3 (buildah exited with 3)")
                .satisfies(e -> assertThat(((ImageBuildException) e).failedStep()).isEqualTo("STEP 4/4: RUN echo compiling && exit 3"));
        // the output of the RUN step itself came through, line by line: the chroot isolation really ran it
        assertThat(listener.logLines()).containsSubsequence("STEP 3/4: RUN echo built > /built.txt",
                "STEP 4/4: RUN echo compiling && exit 3", "compiling");
        assertThat(registry.digestOf(repository, "1")).isEmpty();
    }

    @Test
    void anUnknownInstructionIsNamed() throws Exception {
        context("unknown", "text\n", "FROBNICATE now");

        assertThatThrownBy(() -> stage().resolveNow(builtPlan(registry.address() + "/" + uniqueRepository() + ":1", "unknown"),
                        new RecordingListener()))
                .isInstanceOf(ImageBuildException.class)
                .hasMessageContaining("failed at STEP 3/3: FROBNICATE now")
                .hasMessageContaining("Unknown instruction");
    }

    @Test
    void aPushToARegistryThatIsNotRunningFailsBeforeAnythingElse() throws Exception {
        context("app", "text\n");
        String absent = "127.0.0.1:" + LocalRegistry.freePort();
        RecordingListener listener = new RecordingListener();

        assertThatThrownBy(() -> stage().resolveNow(builtPlan(absent + "/" + uniqueRepository() + ":1", "app"), listener))
                .isInstanceOf(ImageBuildException.class)
                .hasMessageStartingWith("Pushing " + absent + "/")
                .hasMessageContaining("connection refused");
    }

    @Test
    void theCallersCredentialsReachThePushInAFileThatIsRemovedAfterwards() throws Exception {
        // a buildah that keeps a copy of the credentials file it is given for the push, then does the real work
        Path bin = Files.createDirectories(workspace.resolve("bin"));
        Path captured = workspace.resolve("captured-auth.json");
        Path givenPath = workspace.resolve("given-path.txt");
        String realBuildah = ImageBuilders.onPath("buildah", System.getenv()).orElseThrow().toString();
        Path wrapper = bin.resolve("buildah");
        Files.writeString(wrapper, String.join("\n",
                "#!/bin/sh",
                "prev=''",
                "for a in \"$@\"; do",
                "  if [ \"$prev\" = --authfile ]; then cp \"$a\" " + captured + "; echo \"$a\" > " + givenPath + "; fi",
                "  prev=\"$a\"",
                "done",
                "exec " + realBuildah + " \"$@\"",
                ""));
        assertThat(wrapper.toFile().setExecutable(true)).isTrue();
        Map<String, String> env = new HashMap<>(System.getenv());
        env.put("PATH", bin + ":" + env.get("PATH"));
        RegistryCredentials jenkins = new RegistryCredentials("jenkins", "pa55-from-jenkins");
        context("app", "text\n");
        RecordingListener listener = new RecordingListener();

        ImageReport report = new ImageStage(workspace, CredentialSource.of(registry.address(), jenkins), env, workspace.resolve("home"))
                .resolveNow(builtPlan(registry.address() + "/" + uniqueRepository() + ":1", "app"), listener);

        assertThat(report.built()).isTrue();
        assertThat(AuthFile.read(captured).lookup(registry.address())).contains(jenkins);
        assertThat(Path.of(Files.readString(givenPath).strip())).doesNotExist();
        assertThat(listener.text()).doesNotContain("pa55-from-jenkins", jenkins.basicToken());
    }

    @Test
    void verifyingTlsAgainstThePlainHttpRegistryFailsNamingTheSetting() throws Exception {
        String repository = uniqueRepository();
        context("app", "text\n");
        stage().resolveNow(builtPlan(registry.address() + "/" + repository + ":1", "app"), new RecordingListener());

        assertThatThrownBy(() -> new RegistryClient(CredentialSource.NONE)
                        .manifestDigest(ImageReference.parse(registry.address() + "/" + repository + ":1"), true))
                .isInstanceOf(RegistryException.class)
                .hasMessageContaining("TLS with registry " + registry.address())
                .hasMessageContaining("build.tlsVerify: false");
    }

    @Test
    void fallsBackToVfsStorageWhereTheDefaultStorageCannotBeOpened() throws Exception {
        // a buildah whose default (overlay) storage fails to open, as on hosts without overlay support; it keeps its
        // own storage root so that vfs never meets the machine's overlay store
        Path bin = Files.createDirectories(workspace.resolve("bin"));
        Path store = workspace.resolve("store");
        String realBuildah = ImageBuilders.onPath("buildah", System.getenv()).orElseThrow().toString();
        Path wrapper = bin.resolve("buildah");
        Files.writeString(wrapper, String.join("\n",
                "#!/bin/sh",
                "case \" $* \" in *\" --storage-driver vfs \"*) exec " + realBuildah + " --root " + store + "/root --runroot "
                        + store + "/run \"$@\";; esac",
                "echo 'Error: kernel does not support overlay fs: overlay: the backing xfs filesystem is formatted without d_type support' >&2",
                "exit 125",
                ""));
        assertThat(wrapper.toFile().setExecutable(true)).isTrue();
        Map<String, String> env = new HashMap<>(System.getenv());
        env.remove("STORAGE_DRIVER");
        env.put("PATH", bin + ":" + env.get("PATH"));
        String repository = uniqueRepository();
        context("app", "on vfs\n");
        RecordingListener listener = new RecordingListener();

        ImageReport report = new ImageStage(workspace, CredentialSource.NONE, env, workspace.resolve("home"))
                .resolveNow(builtPlan(registry.address() + "/" + repository + ":vfs", "app"), listener);

        assertThat(report.digest()).isEqualTo(registry.digestOf(repository, "vfs").orElseThrow());
        assertThat(listener.logLines()).anySatisfy(line -> assertThat(line)
                .startsWith("buildah: the default storage cannot be used here").endsWith("using --storage-driver vfs"));
        assertThat(Files.isDirectory(store.resolve("root/vfs"))).isTrue();
    }
}

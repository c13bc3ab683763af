package io.mtd.image;

import io.mtd.RecordingListener;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.mtd.plan.Build;
import io.mtd.plan.Plan;
import io.mtd.report.ImageReport;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.CompletionException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What the image stage decides before and around the tools: prebuilt pinning, credentials, checks of the plan. */
class ImageStageTest {

    @TempDir
    Path workspace;

    private TokenRegistryServer server;
    private Path emptyBin;

    @BeforeEach
    void start() throws Exception {
        server = new TokenRegistryServer();
        emptyBin = Files.createDirectories(workspace.resolve("empty-bin"));
    }

    @AfterEach
    void stop() {
        server.close();
    }

    private ImageStage stage(CredentialSource caller, Map<String, String> env) {
        return new ImageStage(workspace, caller, env, workspace.resolve("home"));
    }

    private static Plan prebuilt(String image) {
        return new Plan("shop", image, null, null, null, null);
    }

    private static Plan built(String image, Build build) {
        return new Plan("shop", image, build, null, null, null);
    }

    private static Build build(String context, String dockerfile, String builder, String authFile) {
        return new Build(context, dockerfile, Map.of(), null, builder, authFile, false);
    }

    @Test
    void pinsAPrebuiltImageThroughTheRegistrysTokenChallengeWithTheCallersCredentials() {
        RecordingListener listener = new RecordingListener();
        String image = server.registry + "/team/shop:1.0";

        ImageReport report = stage(CredentialSource.of(server.registry, TokenRegistryServer.CI), Map.of())
                .resolve(prebuilt(image), listener).toCompletableFuture().join();

        assertThat(report).isEqualTo(new ImageReport(image, server.registry + "/team/shop@" + TokenRegistryServer.DIGEST,
                TokenRegistryServer.DIGEST, false, null));
        assertThat(listener.stages()).as("the pipeline announces the stage (PromotionTest), not the resolver").isEmpty();
        assertThat(listener.text()).doesNotContain(TokenRegistryServer.TOKEN, TokenRegistryServer.CI.password());
    }

    @Test
    void readsTheMachinesDockerConfigWhenTheCallerGivesNoCredentials() throws Exception {
        Path config = workspace.resolve("home/.docker/config.json");
        Files.createDirectories(config.getParent());
        Files.writeString(config, "{\"auths\":{\"" + server.registry + "\":{\"auth\":\"" + TokenRegistryServer.CI.basicToken() + "\"}}}");

        ImageReport report = stage(CredentialSource.NONE, Map.of()).resolveNow(prebuilt(server.registry + "/team/shop:1.0"),
                new RecordingListener());

        assertThat(report.digest()).isEqualTo(TokenRegistryServer.DIGEST);
    }

    @Test
    void aPrebuiltImageOnAnUnreachableRegistryFailsTheStage() throws Exception {
        String absent = "127.0.0.1:" + LocalRegistry.freePort();
        RecordingListener listener = new RecordingListener();

        assertThatThrownBy(() -> stage(CredentialSource.NONE, Map.of()).resolve(prebuilt(absent + "/team/shop:1.0"), listener)
                        .toCompletableFuture().join())
                .isInstanceOf(CompletionException.class)
                .cause()
                .isInstanceOf(RegistryException.class)
                .hasMessageContaining("Cannot reach registry " + absent)
                .hasMessageContaining("connection refused");
        assertThat(listener.stages()).isEmpty();
    }

    @Test
    void aMissingPrebuiltTagFailsTheStage() {
        assertThatThrownBy(() -> stage(CredentialSource.of(server.registry, TokenRegistryServer.CI), Map.of())
                        .resolveNow(prebuilt(server.registry + "/team/shop:9.9"), new RecordingListener()))
                .isInstanceOf(RegistryException.class)
                .hasMessageContaining("manifest '9.9' not found");
    }

    @Test
    void aNamedBuilderThatIsNotInstalledIsNamedWithTheFix() throws Exception {
        Files.createDirectories(workspace.resolve("app"));
        Files.writeString(workspace.resolve("app/Dockerfile"), "FROM scratch\n");
        RecordingListener listener = new RecordingListener();

        assertThatThrownBy(() -> stage(CredentialSource.NONE, Map.of("PATH", emptyBin.toString()))
                        .resolveNow(built(server.registry + "/team/shop:2.0", build("app", null, "podman", null)), listener))
                .isInstanceOf(ImageBuildException.class)
                .hasMessageContaining("build.builder is podman but no 'podman' executable is on the PATH (" + emptyBin + ")")
                .hasMessageContaining("install it or set build.builder");
        assertThat(listener.stages()).isEmpty();
    }

    @Test
    void autoWithNoToolInstalledSaysWhatToInstall() throws Exception {
        Files.createDirectories(workspace.resolve("app"));
        Files.writeString(workspace.resolve("app/Dockerfile"), "FROM scratch\n");

        assertThatThrownBy(() -> stage(CredentialSource.NONE, Map.of("PATH", emptyBin.toString()))
                        .resolveNow(built(server.registry + "/team/shop:2.0", build("app", null, null, null)), new RecordingListener()))
                .isInstanceOf(ImageBuildException.class)
                .hasMessageContaining("none of buildah, podman, docker is on the PATH")
                .hasMessageContaining("apt-get install buildah");
    }

    @Test
    void autoPrefersBuildahThenPodmanThenDocker() throws Exception {
        Path bin = Files.createDirectories(workspace.resolve("bin"));
        for (String tool : new String[] {"docker", "podman"}) {
            Path exe = Files.writeString(bin.resolve(tool), "#!/bin/sh\nexit 0\n");
            assertThat(exe.toFile().setExecutable(true)).isTrue();
        }
        Map<String, String> env = Map.of("PATH", bin.toString());
        assertThat(ImageBuilders.select("auto", env).name()).isEqualTo("podman");
        assertThat(ImageBuilders.select("docker", env).name()).isEqualTo("docker");

        Path buildah = Files.writeString(bin.resolve("buildah"), "#!/bin/sh\nexit 0\n");
        assertThat(buildah.toFile().setExecutable(true)).isTrue();
        assertThat(ImageBuilders.select(null, env).name()).isEqualTo("buildah");
        assertThatThrownBy(() -> ImageBuilders.select("kaniko", env))
                .hasMessage("build.builder 'kaniko' is not supported; use auto, buildah, podman, docker");
    }

    @Test
    void pathsAreCheckedAgainstTheWorkspaceBeforeAnyToolRuns() throws Exception {
        ImageStage stage = stage(CredentialSource.NONE, Map.of("PATH", emptyBin.toString()));
        String image = server.registry + "/team/shop:2.0";

        assertThatThrownBy(() -> stage.resolveNow(built(image, build("nope", null, null, null)), new RecordingListener()))
                .isInstanceOf(ImageBuildException.class)
                .hasMessageContaining("build.context 'nope' is not a directory (" + workspace.resolve("nope") + ")");

        Files.createDirectories(workspace.resolve("app"));
        assertThatThrownBy(() -> stage.resolveNow(built(image, build("app", "Containerfile", null, null)), new RecordingListener()))
                .hasMessageContaining("build.dockerfile 'Containerfile' does not exist (" + workspace.resolve("app/Containerfile") + ")");

        Files.writeString(workspace.resolve("app/Dockerfile"), "FROM scratch\n");
        assertThatThrownBy(() -> stage.resolveNow(built(image, build("app", null, null, "secrets/auth.json")), new RecordingListener()))
                .hasMessageContaining("build.authFile 'secrets/auth.json' does not exist");

        assertThatThrownBy(() -> stage.resolveNow(built(server.registry + "/team/shop@" + TokenRegistryServer.DIGEST,
                        build("app", null, null, null)), new RecordingListener()))
                .hasMessageContaining("names a digest, but a built image needs a tag");
    }

    @Test
    void anInvalidImageReferenceIsRejected() {
        assertThatThrownBy(() -> stage(CredentialSource.NONE, Map.of()).resolveNow(prebuilt("Shop:1"), new RecordingListener()))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("repository 'library/Shop' must be lower-case");
    }
}

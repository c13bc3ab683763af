package io.mtd.image;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.mtd.MigrateThenDeploy;
import io.mtd.RecordingListener;
import io.mtd.SandboxFixture;
import io.mtd.plan.Build;
import io.mtd.plan.Environment;
import io.mtd.plan.Migration;
import io.mtd.plan.Plan;
import io.mtd.progress.ProgressEvent;
import io.mtd.progress.Stage;
import io.mtd.promotion.ApprovalGate;
import io.mtd.promotion.RunIdentity;
import io.mtd.report.RunOutcome;
import io.mtd.report.RunReport;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A whole run with a real build: the image is built once, pushed to a real registry, and every environment's migration
 * Job runs it by digest, even when someone moves the tag between staging and production.
 */
class PinnedImageRunTest {

    @TempDir
    Path workspace;

    @Test
    void everyEnvironmentRunsTheDigestBuiltOnceEvenAfterTheTagMoved() throws Exception {
        assumeTrue(ImageBuilders.onPath("buildah", System.getenv()).isPresent(),
                "buildah is not installed (apt-get install -y buildah): skipping the pinned image run");
        assumeTrue(LocalRegistry.executable().isPresent(),
                "docker-registry is not installed (apt-get install -y docker-registry): skipping the pinned image run");
        try (LocalRegistry registry = LocalRegistry.start(Files.createDirectories(workspace.resolve("registry")));
                SandboxFixture cluster = new SandboxFixture()) {
            String repository = "mtd-test/pinned-" + UUID.randomUUID().toString().substring(0, 8);
            String image = registry.address() + "/" + repository + ":1.0";
            context("app", "release one\n");
            context("moved", "someone else's build\n");
            ImageStage images = new ImageStage(workspace, CredentialSource.NONE, System.getenv(), workspace.resolve("home"));

            // production's approval is the moment between the environments: move the tag to another image right then
            ApprovalGate moveTagThenApprove = request -> CompletableFuture.supplyAsync(() -> {
                images.resolveNow(new Plan("other", image, build("moved"), null, null, null), new RecordingListener());
                return ApprovalGate.Decision.approved("test");
            });
            Plan plan = new Plan("shop", image, build("app"),
                    Migration.ofCommand(List.of("sh", "-c", "echo migrated")), null,
                    List.of(Environment.of("staging", "pin-staging", List.of()),
                            new Environment("production", null, null, null, null, "pin-production", List.of(), null, true, null)));
            RunReport report;
            RecordingListener events = new RecordingListener();
            try (MigrateThenDeploy engine = MigrateThenDeploy.builder().clusters(env -> cluster.sandbox.client())
                    .images(images).approvals(moveTagThenApprove).workspace(workspace)
                    .identity(new RunIdentity("pinned", null)).listener(events).build()) {
                report = engine.start(plan).report().orTimeout(120, TimeUnit.SECONDS).join();
            } finally {
                new ProcessBuilder(ImageBuilders.onPath("buildah", System.getenv()).orElseThrow().toString(), "rmi", "--force", image)
                        .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start().waitFor();
            }

            assertThat(report.outcome()).as(String.valueOf(report.failure())).isEqualTo(RunOutcome.SUCCEEDED);
            String pinned = report.image().pinned();
            assertThat(pinned).startsWith(registry.address() + "/" + repository + "@sha256:");
            assertThat(registry.digestOf(repository, "1.0").orElseThrow()).isNotEqualTo(report.image().digest());
            assertThat(jobImage(cluster, "pin-staging")).isEqualTo(pinned);
            assertThat(jobImage(cluster, "pin-production")).isEqualTo(pinned);
            // the pipeline announces the image stage once, around the whole build, push and pin
            assertThat(events.stages()).startsWith("started IMAGE -", "finished IMAGE - SUCCEEDED");
            assertThat(events.events.stream().filter(e -> e instanceof ProgressEvent.StageStarted).findFirst())
                    .contains(new ProgressEvent.StageStarted(Stage.IMAGE, null, "Building " + image));
            assertThat(events.events.stream().filter(e -> e instanceof ProgressEvent.StageFinished f && f.stage() == Stage.IMAGE)
                    .map(e -> ((ProgressEvent.StageFinished) e).detail())).containsExactly("Pinned " + pinned);
        }
    }

    private static String jobImage(SandboxFixture cluster, String namespace) {
        List<Job> jobs = cluster.client.batch().v1().jobs().inNamespace(namespace).list().getItems();
        assertThat(jobs).hasSize(1);
        return jobs.get(0).getSpec().getTemplate().getSpec().getContainers().get(0).getImage();
    }

    private static Build build(String context) {
        return new Build(context, "Containerfile", Map.of(), null, "buildah", null, false);
    }

    private void context(String name, String text) throws Exception {
        Path dir = Files.createDirectories(workspace.resolve(name));
        Files.writeString(dir.resolve("hello.txt"), text);
        Files.writeString(dir.resolve("Containerfile"), "FROM scratch\nCOPY hello.txt /hello.txt\n");
    }
}

package io.mtd.sandbox;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerBuilder;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

class ContainerProcessTest {

    @TempDir
    Path dir;

    private static final Map<String, String> HOST = Map.of("PATH", "/usr/bin:/bin", "HOME", "/home/ci", "SECRET_OF_THE_HOST", "x");

    @Test
    void theCommandAndArgsAreExpandedFromTheEnvironmentAndRewrittenToMounts() throws Exception {
        Container container = new ContainerBuilder().withName("c").withImage("x/y:1")
                .withCommand("sh", "-c").withArgs("cat /sql/$(FILE)").build();

        var launch = ContainerProcess.Launch.of(container, null, Map.of("FILE", "V1.sql", "DIR", "/sql/in"),
                Map.of("/sql", Path.of("/host/sql")), dir, HOST);

        assertThat(launch.argv()).containsExactly("sh", "-c", "cat /host/sql/V1.sql");
        assertThat(launch.environment()).containsEntry("DIR", "/host/sql/in").containsEntry("PATH", "/usr/bin:/bin")
                .containsEntry("HOME", "/home/ci").doesNotContainKey("SECRET_OF_THE_HOST");
        assertThat(launch.workingDir()).isEqualTo(dir.resolve("work"));
    }

    @Test
    void withoutACommandTheImagesEntrypointRunsWithTheArgsInTheImagesDirectoryAndEnvironment() throws Exception {
        SandboxImage image = new SandboxImage(dir.resolve("app"), List.of("java", "Manage.java"),
                Map.of("CLASSPATH", "/drivers/pg.jar", "HOME", "/app-home"));
        Container container = new ContainerBuilder().withName("c").withImage("x/y:1").withArgs("migrate")
                .addNewEnv().withName("HOME").withValue("/from-pod").endEnv().build();

        var launch = ContainerProcess.Launch.of(container, image, Map.of("HOME", "/from-pod"), Map.of(), dir, HOST);

        assertThat(launch.argv()).containsExactly("java", "Manage.java", "migrate");
        assertThat(launch.workingDir()).isEqualTo(dir.resolve("app"));
        assertThat(launch.environment()).containsEntry("CLASSPATH", "/drivers/pg.jar").containsEntry("HOME", "/from-pod");
    }

    @Test
    void theContainersWorkingDirWinsAndIsRewrittenToItsVolume() throws Exception {
        SandboxImage image = new SandboxImage(dir.resolve("app"), List.of(), Map.of());
        Container container = new ContainerBuilder().withName("c").withCommand("true").withWorkingDir("/scratch").build();

        var launch = ContainerProcess.Launch.of(container, image, Map.of(), Map.of("/scratch", Path.of("/host/scratch")), dir, HOST);

        assertThat(launch.workingDir()).isEqualTo(Path.of("/host/scratch"));
    }

    @Test
    void aCommandIsLookedUpOnTheContainersPathWhenTheImageSetsItsOwn() throws Exception {
        Path bin = Files.createDirectories(dir.resolve("image-bin"));
        Path tool = Files.writeString(bin.resolve("migrate-tool"), "#!/bin/sh\necho from-image\n");
        Files.setPosixFilePermissions(tool, PosixFilePermissions.fromString("rwxr-xr-x"));
        SandboxImage image = new SandboxImage(null, List.of(), Map.of("PATH", bin + ":/usr/bin:/bin"));
        Container container = new ContainerBuilder().withName("c").withCommand("migrate-tool").build();

        var launch = ContainerProcess.Launch.of(container, image, Map.of(), Map.of(), dir, HOST);

        assertThat(launch.argv()).containsExactly(tool.toString());
    }

    @Test
    void noCommandAndNoRegisteredImageCannotStart() {
        Container container = new ContainerBuilder().withName("c").withImage("x/unknown:1").build();

        assertThatThrownBy(() -> ContainerProcess.Launch.of(container, null, Map.of(), Map.of(), dir, HOST))
                .isInstanceOf(ContainerProcess.StartError.class)
                .hasMessageContaining("no command and image \"x/unknown:1\" is not registered");
    }

    @Test
    void aProgramThatDoesNotExistIsAStartError() {
        var launch = new ContainerProcess.Launch(List.of(dir.resolve("nope").toString()), Map.of(), dir);

        assertThatThrownBy(() -> ContainerProcess.start(launch, "migrate"))
                .isInstanceOf(ContainerProcess.StartError.class).hasMessageStartingWith("failed to start container \"migrate\": ");
    }

    @Test
    void theProcessRunsWithExactlyItsEnvironmentAndItsMergedOutputIsReadLineByLine() throws Exception {
        var launch = new ContainerProcess.Launch(List.of("/bin/sh", "-c", "echo out; echo err >&2; echo $GREETING; pwd; exit 3"),
                Map.of("GREETING", "hello"), dir.resolve("work"));
        List<String> lines = new CopyOnWriteArrayList<>();

        ContainerProcess process = ContainerProcess.start(launch, "c");
        process.drain(lines::add);

        assertThat(process.waitFor()).isEqualTo(3);
        assertThat(lines).containsExactlyInAnyOrder("out", "err", "hello", dir.resolve("work").toRealPath().toString());
    }

    @Test
    void aKillEndsTheProcessAndWhatItStarted() throws Exception {
        Path alive = dir.resolve("alive");
        var launch = new ContainerProcess.Launch(List.of("/bin/sh", "-c",
                "(while true; do touch " + alive + "; sleep 0.05; done) & wait"), Map.of(), dir);
        ContainerProcess process = ContainerProcess.start(launch, "c");
        await().atMost(Duration.ofSeconds(10)).until(() -> Files.exists(alive));

        process.kill();

        // the shell may see its child die first and exit by itself: what counts is that nothing keeps running
        process.waitFor();
        await().atMost(Duration.ofSeconds(10)).until(() -> {
            Files.deleteIfExists(alive);
            Thread.sleep(200);
            return !Files.exists(alive);
        });
    }

    @Test
    void aStoppingProcessStillWritesItsOutputAfterSigterm() throws Exception {
        Path trapped = dir.resolve("trapped");
        // as a graceful server logs while it drains: the output must still be read after SIGTERM, not end in EPIPE
        var launch = new ContainerProcess.Launch(List.of("/bin/sh", "-c", "trap 'sleep 0.2; echo draining; echo done; exit 0' TERM; "
                + "touch " + trapped + "; while :; do sleep 0.05; done"), Map.of(), dir);
        ContainerProcess process = ContainerProcess.start(launch, "c");
        List<String> lines = new CopyOnWriteArrayList<>();
        Thread reader = new Thread(() -> process.drain(lines::add));
        reader.start();
        await().atMost(Duration.ofSeconds(10)).until(() -> Files.exists(trapped));

        process.terminate();

        assertThat(process.awaitExit(10_000)).isTrue();
        assertThat(process.waitFor()).isZero();
        reader.join(10_000);
        assertThat(lines).containsExactly("draining", "done");
    }
}

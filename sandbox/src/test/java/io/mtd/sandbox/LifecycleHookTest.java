package io.mtd.sandbox;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerBuilder;
import io.fabric8.kubernetes.api.model.IntOrString;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

class LifecycleHookTest {

    @TempDir
    Path work;

    private LifecycleHook hook(Container container) {
        return LifecycleHook.of(LifecycleHook.Phase.PRE_STOP, container, PodPorts.none(), Map.of("GREETING", "bye"), work);
    }

    private static long inSeconds(long seconds) {
        return System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
    }

    @Test
    void aContainerWithoutPreStopHasNoHook() {
        assertThat(hook(new ContainerBuilder().withName("web").build())).isNull();
        assertThat(hook(new ContainerBuilder().withName("web").withNewLifecycle().withNewPostStart().withNewSleep(1L)
                .endPostStart().endLifecycle().build())).isNull();
    }

    @Test
    void anExecHookRunsItsCommandInTheContainersEnvironmentAndDirectory() throws Exception {
        LifecycleHook hook = hook(new ContainerBuilder().withName("web").withNewLifecycle().withNewPreStop().withNewExec()
                .withCommand("sh", "-c", "echo $GREETING > said").endExec().endPreStop().endLifecycle().build());

        assertThat(hook.run(inSeconds(10))).isNull();
        assertThat(Files.readString(work.resolve("said")).strip()).isEqualTo("bye");
    }

    @Test
    void aFailingExecHookSaysWhy() throws Exception {
        LifecycleHook hook = hook(new ContainerBuilder().withName("web").withNewLifecycle().withNewPreStop().withNewExec()
                .withCommand("sh", "-c", "echo draining failed; exit 3").endExec().endPreStop().endLifecycle().build());

        assertThat(hook.run(inSeconds(10))).contains("exited with 3").contains("draining failed");
    }

    @Test
    void aSleepHookSleepsItsSecondsButNotPastTheDeadline() throws Exception {
        LifecycleHook hook = hook(new ContainerBuilder().withName("web").withNewLifecycle().withNewPreStop().withNewSleep(1L)
                .endPreStop().endLifecycle().build());
        long start = System.nanoTime();
        assertThat(hook.run(inSeconds(10))).isNull();
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isGreaterThanOrEqualTo(Duration.ofSeconds(1));

        LifecycleHook overlong = hook(new ContainerBuilder().withName("web").withNewLifecycle().withNewPreStop()
                .withNewSleep(600L).endPreStop().endLifecycle().build());
        start = System.nanoTime();
        assertThat(overlong.run(System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(300))).contains("the preStop sleep of 600 s outlasted its time");
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(10));
        assertThat(overlong.run(System.nanoTime() - 1)).contains("no time left for the preStop hook");
    }

    @Test
    void aTcpSocketHookDoesNothingAsTheKubeletsDoes() throws Exception {
        LifecycleHook hook = hook(new ContainerBuilder().withName("web").withNewLifecycle().withNewPreStop().withNewTcpSocket()
                .withPort(new IntOrString(8000)).endTcpSocket().endPreStop().endLifecycle().build());

        assertThat(hook.run(inSeconds(10))).isNull();
    }
}

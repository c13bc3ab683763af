package io.mtd.sandbox;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodCondition;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.atomic.AtomicBoolean;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

class FaultHooksTest {

    private final List<Pod> written = new CopyOnWriteArrayList<>();
    private final PodStatusReport report = new PodStatusReport(PodStatusReportTest.pod(), update -> {
        written.add(update);
        return true;
    });
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor();

    @AfterEach
    void stopTimer() {
        timer.shutdownNow();
    }

    private Pod last() {
        return written.get(written.size() - 1);
    }

    private static String waitingReason(Pod pod) {
        return pod.getStatus().getContainerStatuses().get(0).getState().getWaiting().getReason();
    }

    @Test
    void withoutAFaultThePodIsScheduledPulledAndItsSimulatedContainerRunsReady() {
        FaultHooks hooks = new FaultHooks(null);

        assertThat(hooks.schedule(report)).isTrue();
        assertThat(waitingReason(last())).isEqualTo("ContainerCreating");
        assertThat(hooks.pull(report, "x/y:1")).isTrue();
        hooks.simulate(report, () -> false);

        assertThat(last().getStatus().getPhase()).isEqualTo("Running");
        assertThat(last().getStatus().getContainerStatuses().get(0).getReady()).isTrue();
    }

    @Test
    void anUnschedulablePodIsNeverScheduled() {
        assertThat(new FaultHooks(Fault.UNSCHEDULABLE).schedule(report)).isFalse();

        PodCondition scheduled = last().getStatus().getConditions().get(0);
        assertThat(scheduled.getType()).isEqualTo("PodScheduled");
        assertThat(scheduled.getStatus()).isEqualTo("False");
        assertThat(scheduled.getReason()).isEqualTo("Unschedulable");
        assertThat(last().getStatus().getPhase()).isEqualTo("Pending");
    }

    @Test
    void anImageThatCannotBePulledGoesFromErrImagePullToImagePullBackOff() {
        assertThat(new FaultHooks(Fault.IMAGE_PULL_BACKOFF).pull(report, "x/y@sha256:abc")).isFalse();

        assertThat(written).extracting(FaultHooksTest::waitingReason).containsExactly("ErrImagePull", "ImagePullBackOff");
        assertThat(last().getStatus().getContainerStatuses().get(0).getState().getWaiting().getMessage())
                .isEqualTo("Back-off pulling image \"x/y@sha256:abc\"");
    }

    @Test
    void oomKilledAndEvictedKillAStartedProcessWithTheirReason() {
        List<String> kills = new CopyOnWriteArrayList<>();

        new FaultHooks(Fault.OOM_KILLED).started(timer, kills::add);
        new FaultHooks(Fault.EVICTED).started(timer, kills::add);
        new FaultHooks(Fault.NEVER_READY).started(timer, kills::add);

        await().atMost(Duration.ofSeconds(5)).until(() -> kills.size() == 2);
        assertThat(kills).containsExactlyInAnyOrder(FaultHooks.OOM_KILLED, FaultHooks.EVICTED);
    }

    @Test
    void anEvictedDeploymentPodFails() {
        new FaultHooks(Fault.EVICTED).simulate(report, () -> false);

        assertThat(last().getStatus().getPhase()).isEqualTo("Failed");
        assertThat(last().getStatus().getReason()).isEqualTo("Evicted");
        assertThat(last().getStatus().getContainerStatuses().get(0).getState().getTerminated().getExitCode()).isEqualTo(137);
    }

    @Test
    void aNeverReadyDeploymentPodRunsUnready() {
        new FaultHooks(Fault.NEVER_READY).simulate(report, () -> false);

        assertThat(last().getStatus().getPhase()).isEqualTo("Running");
        assertThat(last().getStatus().getContainerStatuses().get(0).getReady()).isFalse();
    }

    @Test
    void aCrashLoopingDeploymentPodRestartsUntilItIsStopped() {
        AtomicBoolean stopped = new AtomicBoolean();
        Thread loop = new Thread(() -> new FaultHooks(Fault.CRASH_LOOP).simulate(report, stopped::get));
        loop.start();

        await().atMost(Duration.ofSeconds(10)).until(() -> written.size() >= 3);
        stopped.set(true);
        await().atMost(Duration.ofSeconds(5)).until(() -> !loop.isAlive());

        assertThat(written).extracting(p -> p.getStatus().getContainerStatuses().get(0).getRestartCount())
                .startsWith(0, 1, 2);
        assertThat(waitingReason(last())).isEqualTo("CrashLoopBackOff");
        assertThat(last().getStatus().getContainerStatuses().get(0).getLastState().getTerminated().getReason()).isEqualTo("Error");
    }

    @Test
    void aStoppedDeploymentPodReportsNothingMore() {
        new FaultHooks(null).simulate(report, () -> true);

        assertThat(written).isEmpty();
    }
}

package io.mtd.sandbox;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.PodCondition;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class PodStatusReportTest {

    private final List<Pod> written = new ArrayList<>();
    private boolean podExists = true;
    private final PodStatusReport report = new PodStatusReport(pod(), update -> {
        written.add(update);
        return podExists;
    });

    static Pod pod() {
        return new PodBuilder().withNewMetadata().withName("migrate-abcde").withNamespace("shop").withUid("u-1").endMetadata()
                .withNewSpec().addNewContainer().withName("migrate").withImage("registry.example.com/shop:1").endContainer()
                .endSpec().build();
    }

    private Pod last() {
        return written.get(written.size() - 1);
    }

    private static PodCondition condition(Pod pod, String type) {
        return pod.getStatus().getConditions().stream().filter(c -> type.equals(c.getType())).findFirst().orElseThrow();
    }

    @Test
    void aWaitingContainerIsPendingNotReadyAndHasNoPodIp() {
        report.scheduled();
        report.waiting("CreateContainerConfigError", "secret \"shop-db\" not found");

        assertThat(report.publish()).isTrue();

        Pod pod = last();
        assertThat(pod.getKind()).isEqualTo("Pod");
        assertThat(pod.getMetadata().getName()).isEqualTo("migrate-abcde");
        assertThat(pod.getMetadata().getNamespace()).isEqualTo("shop");
        assertThat(pod.getStatus().getPhase()).isEqualTo("Pending");
        assertThat(pod.getStatus().getPodIP()).isNull();
        assertThat(pod.getStatus().getHostIP()).isEqualTo("127.0.0.1");
        var waiting = pod.getStatus().getContainerStatuses().get(0).getState().getWaiting();
        assertThat(waiting.getReason()).isEqualTo("CreateContainerConfigError");
        assertThat(waiting.getMessage()).isEqualTo("secret \"shop-db\" not found");
        assertThat(pod.getStatus().getContainerStatuses().get(0).getName()).isEqualTo("migrate");
        assertThat(condition(pod, "PodScheduled").getStatus()).isEqualTo("True");
        assertThat(condition(pod, "Ready").getStatus()).isEqualTo("False");
        assertThat(condition(pod, "Ready").getMessage()).isEqualTo("containers with unready status: [migrate]");
    }

    @Test
    void aRunningReadyContainerHasAPodIpAndReadyConditions() {
        report.scheduled();
        report.running(true);
        report.publish();

        Pod pod = last();
        assertThat(pod.getStatus().getPhase()).isEqualTo("Running");
        assertThat(pod.getStatus().getPodIP()).isEqualTo("127.0.0.1");
        assertThat(pod.getStatus().getContainerStatuses().get(0).getReady()).isTrue();
        assertThat(pod.getStatus().getContainerStatuses().get(0).getState().getRunning().getStartedAt()).isNotNull();
        assertThat(condition(pod, "Ready").getStatus()).isEqualTo("True");
        assertThat(condition(pod, "ContainersReady").getStatus()).isEqualTo("True");
    }

    @Test
    void aTerminatedContainerKeepsWhenItStartedAndEndsThePodByItsExitCode() {
        report.running(true);
        String startedAt = report.containerStatus().getState().getRunning().getStartedAt();
        report.terminated(3, "Error", null);
        report.publish();

        Pod pod = last();
        assertThat(pod.getStatus().getPhase()).isEqualTo("Failed");
        var terminated = pod.getStatus().getContainerStatuses().get(0).getState().getTerminated();
        assertThat(terminated.getExitCode()).isEqualTo(3);
        assertThat(terminated.getReason()).isEqualTo("Error");
        assertThat(terminated.getStartedAt()).isEqualTo(startedAt);
        assertThat(condition(pod, "Ready").getReason()).isEqualTo("PodCompleted");
    }

    @Test
    void nothingIsPublishedAfterATerminalStatus() {
        report.terminated(0, "Completed", null);
        report.publish();
        report.waiting("CreateContainerConfigError", "late");

        report.publish();

        assertThat(written).hasSize(1);
        assertThat(written.get(0).getStatus().getPhase()).isEqualTo("Succeeded");
    }

    @Test
    void aSilencedReportPublishesNothing() {
        report.silence();
        report.running(true);

        assertThat(report.publish()).isTrue();
        assertThat(written).isEmpty();
    }

    @Test
    void publishSaysWhenThePodIsGone() {
        podExists = false;
        report.scheduled();

        assertThat(report.publish()).isFalse();
    }

    @Test
    void aConditionKeepsItsTransitionTimeWhileItsStatusStays() throws Exception {
        report.scheduled();
        report.waiting("ContainerCreating", null);
        report.publish();
        String since = condition(last(), "Ready").getLastTransitionTime();
        Thread.sleep(1100);

        report.waiting("CreateContainerConfigError", "secret \"x\" not found");
        report.publish();
        assertThat(condition(last(), "Ready").getLastTransitionTime()).isEqualTo(since);

        report.running(true);
        report.publish();
        assertThat(condition(last(), "Ready").getLastTransitionTime()).isNotEqualTo(since);
    }

    @Test
    void aPodReasonAndAFailureWithoutContainerAreTheKubeletsDeadlineFailure() {
        report.podReason("DeadlineExceeded", "Pod was active on the node longer than the specified deadline");
        report.failedWithoutContainer();
        report.publish();

        Pod pod = last();
        assertThat(pod.getStatus().getPhase()).isEqualTo("Failed");
        assertThat(pod.getStatus().getReason()).isEqualTo("DeadlineExceeded");
        assertThat(pod.getStatus().getMessage()).isEqualTo("Pod was active on the node longer than the specified deadline");
        assertThat(condition(pod, "Ready").getReason()).isEqualTo("PodFailed");
    }

    @Test
    void aCrashLoopingContainerShowsItsRestartsAndLastTermination() {
        report.crashLooping(3, true);
        report.publish();

        var status = last().getStatus().getContainerStatuses().get(0);
        assertThat(status.getRestartCount()).isEqualTo(3);
        assertThat(status.getState().getWaiting().getReason()).isEqualTo("CrashLoopBackOff");
        assertThat(status.getState().getWaiting().getMessage())
                .isEqualTo("back-off 80s restarting failed container=migrate pod=migrate-abcde_shop(u-1)");
        assertThat(status.getLastState().getTerminated().getReason()).isEqualTo("OOMKilled");
        assertThat(status.getLastState().getTerminated().getExitCode()).isEqualTo(137);
        assertThat(last().getStatus().getPhase()).isEqualTo("Running");
    }
}

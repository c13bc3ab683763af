package io.mtd.sandbox;

import io.fabric8.kubernetes.api.model.ContainerState;
import io.fabric8.kubernetes.api.model.ContainerStateBuilder;
import io.fabric8.kubernetes.api.model.ContainerStatus;
import io.fabric8.kubernetes.api.model.ContainerStatusBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.PodCondition;
import io.fabric8.kubernetes.api.model.PodConditionBuilder;
import io.fabric8.kubernetes.api.model.PodStatus;
import io.fabric8.kubernetes.api.model.PodStatusBuilder;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;

/**
 * The status of one Pod as its kubelet reports it (phase, conditions, the first container's state), written whole
 * through the API server on {@link #publish}. Succeeded and Failed are final: nothing published after either revives
 * the Pod, and nothing is published once the Pod was deleted or is gone.
 */
final class PodStatusReport {

    private final String namespace;
    private final String name;
    private final String uid;
    private final String containerName;
    private final String image;
    private final Predicate<Pod> put;
    private final String startTime = ApiTime.now();
    private final List<PodCondition> conditions = new ArrayList<>();
    private String phase = "Pending";
    private String reason;
    private String message;
    private ContainerStatus containerStatus;
    private int restartCount;
    private ContainerState lastState;
    private boolean terminal;
    private boolean silenced;

    /** A report for {@code pod}'s first container, written by {@code put}, which answers false when the Pod is gone. */
    PodStatusReport(Pod pod, Predicate<Pod> put) {
        this.namespace = pod.getMetadata().getNamespace();
        this.name = pod.getMetadata().getName();
        this.uid = pod.getMetadata().getUid();
        this.containerName = pod.getSpec().getContainers().get(0).getName();
        this.image = pod.getSpec().getContainers().get(0).getImage();
        this.put = put;
    }

    synchronized void scheduled() {
        condition("PodScheduled", "True", null, null);
    }

    synchronized void unschedulable(String why) {
        condition("PodScheduled", "False", "Unschedulable", why);
    }

    /** The container waits to be created (ContainerCreating, ErrImagePull, CreateContainerConfigError...). */
    synchronized void waiting(String waitingReason, String waitingMessage) {
        containerStatus = new ContainerStatusBuilder(base(false)).withStarted(false)
                .withState(new ContainerStateBuilder().withNewWaiting().withReason(waitingReason).withMessage(waitingMessage)
                        .endWaiting().build())
                .build();
        notReady();
    }

    /** The container runs since now; {@code ready} says whether its readiness probe passes. */
    synchronized void running(boolean ready) {
        phase = "Running";
        containerStatus = new ContainerStatusBuilder(base(ready)).withStarted(true)
                .withState(new ContainerStateBuilder().withNewRunning().withStartedAt(ApiTime.now()).endRunning().build()).build();
        if (ready) {
            readiness(true, null, null);
        } else {
            notReady();
        }
    }

    /** The running container's readiness probe passed ({@code ready}) or failed; nothing changes for one not running. */
    synchronized void ready(boolean ready) {
        if (containerStatus == null || containerStatus.getState() == null || containerStatus.getState().getRunning() == null
                || "Succeeded".equals(phase) || "Failed".equals(phase)) {
            return;
        }
        containerStatus = new ContainerStatusBuilder(containerStatus).withReady(ready).build();
        if (ready) {
            readiness(true, null, null);
        } else {
            notReady();
        }
    }

    /**
     * The container ended with {@code exitCode} and waits {@code backoffMillis} in CrashLoopBackOff to be started
     * again, as a container of a Pod whose restartPolicy is Always: its restart count grows and its last state is the
     * run that ended.
     */
    synchronized void restarting(int exitCode, String terminatedReason, long backoffMillis) {
        String started = containerStatus != null && containerStatus.getState() != null
                && containerStatus.getState().getRunning() != null ? containerStatus.getState().getRunning().getStartedAt() : ApiTime.now();
        restartCount++;
        lastState = new ContainerStateBuilder().withNewTerminated().withExitCode(exitCode).withReason(terminatedReason)
                .withStartedAt(started).withFinishedAt(ApiTime.now()).endTerminated().build();
        containerStatus = new ContainerStatusBuilder(base(false)).withStarted(false)
                .withState(new ContainerStateBuilder().withNewWaiting().withReason("CrashLoopBackOff")
                        .withMessage("back-off " + Math.max(1, (backoffMillis + 999) / 1000) + "s restarting failed container="
                                + containerName + " pod=" + name + "_" + namespace + "(" + uid + ")")
                        .endWaiting().build())
                .build();
        notReady();
    }

    /** The container keeps crashing: waiting in CrashLoopBackOff after {@code restarts} restarts. */
    synchronized void crashLooping(int restarts, boolean oomKilled) {
        phase = "Running";
        containerStatus = new ContainerStatusBuilder(base(false)).withRestartCount(restarts)
                .withState(new ContainerStateBuilder().withNewWaiting().withReason("CrashLoopBackOff")
                        .withMessage("back-off " + (10 << Math.min(restarts, 5)) + "s restarting failed container="
                                + containerName + " pod=" + name + "_" + namespace + "(" + uid + ")")
                        .endWaiting().build())
                .withLastState(new ContainerStateBuilder().withNewTerminated().withExitCode(oomKilled ? 137 : 1)
                        .withReason(oomKilled ? "OOMKilled" : "Error")
                        .withStartedAt(ApiTime.now()).withFinishedAt(ApiTime.now()).endTerminated().build())
                .build();
        notReady();
    }

    /** The container ended: the Pod Succeeded with exit code 0, else Failed. */
    synchronized void terminated(int exitCode, String terminatedReason, String terminatedMessage) {
        String started = containerStatus != null && containerStatus.getState() != null
                && containerStatus.getState().getRunning() != null ? containerStatus.getState().getRunning().getStartedAt() : ApiTime.now();
        phase = exitCode == 0 ? "Succeeded" : "Failed";
        containerStatus = new ContainerStatusBuilder(base(false)).withStarted(false)
                .withState(new ContainerStateBuilder().withNewTerminated().withExitCode(exitCode).withReason(terminatedReason)
                        .withMessage(terminatedMessage).withStartedAt(started).withFinishedAt(ApiTime.now()).endTerminated().build())
                .build();
        readiness(false, "PodCompleted", null);
    }

    /** The Pod failed before its container ever ran (say its active deadline passed). */
    synchronized void failedWithoutContainer() {
        phase = "Failed";
        readiness(false, "PodFailed", null);
    }

    /** The Pod-level reason and message (Evicted, DeadlineExceeded), as the kubelet sets when it ends a Pod. */
    synchronized void podReason(String podReason, String podMessage) {
        reason = podReason;
        message = podMessage;
    }

    /** Publishes nothing from now on: the Pod was deleted, or its node stopped. */
    synchronized void silence() {
        silenced = true;
    }

    synchronized String phase() {
        return phase;
    }

    synchronized ContainerStatus containerStatus() {
        return containerStatus;
    }

    /**
     * Writes the whole status; returns false when the Pod is gone. A terminal status is written once, and nothing after
     * it.
     */
    synchronized boolean publish() {
        if (silenced || terminal) {
            return true;
        }
        terminal = "Succeeded".equals(phase) || "Failed".equals(phase);
        PodStatus podStatus = new PodStatusBuilder().withPhase(phase).withReason(reason).withMessage(message)
                .withConditions(new ArrayList<>(conditions)).withHostIP("127.0.0.1").withStartTime(startTime)
                .withQosClass("BestEffort")
                .withContainerStatuses(containerStatus == null ? List.of() : List.of(containerStatus))
                .build();
        if (!"Pending".equals(phase) || containerStatus != null && containerStatus.getState() != null
                && containerStatus.getState().getRunning() != null) {
            podStatus.setPodIP("127.0.0.1");
        }
        Pod update = new PodBuilder().withNewMetadata().withName(name).withNamespace(namespace).endMetadata()
                .withStatus(podStatus).build();
        update.setKind("Pod");
        update.setApiVersion("v1");
        return put.test(update);
    }

    private ContainerStatus base(boolean ready) {
        return new ContainerStatusBuilder().withName(containerName).withImage(image)
                .withImageID(image).withReady(ready).withRestartCount(restartCount).withLastState(lastState).build();
    }

    private void notReady() {
        readiness(false, "ContainersNotReady", "containers with unready status: [" + containerName + "]");
    }

    private void readiness(boolean ready, String notReadyReason, String notReadyMessage) {
        condition("Initialized", "True", null, null);
        condition("ContainersReady", ready ? "True" : "False", ready ? null : notReadyReason, ready ? null : notReadyMessage);
        condition("Ready", ready ? "True" : "False", ready ? null : notReadyReason, ready ? null : notReadyMessage);
    }

    /** Sets a condition, keeping its last transition time while its status stays the same. */
    private void condition(String type, String value, String conditionReason, String conditionMessage) {
        for (int i = 0; i < conditions.size(); i++) {
            PodCondition existing = conditions.get(i);
            if (existing.getType().equals(type)) {
                String since = value.equals(existing.getStatus()) ? existing.getLastTransitionTime() : ApiTime.now();
                conditions.set(i, new PodConditionBuilder().withType(type).withStatus(value).withReason(conditionReason)
                        .withMessage(conditionMessage).withLastTransitionTime(since).build());
                return;
            }
        }
        conditions.add(new PodConditionBuilder().withType(type).withStatus(value).withReason(conditionReason)
                .withMessage(conditionMessage).withLastTransitionTime(ApiTime.now()).build());
    }
}

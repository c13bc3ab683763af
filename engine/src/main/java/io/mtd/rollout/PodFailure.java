package io.mtd.rollout;

import io.fabric8.kubernetes.api.model.ContainerStateTerminated;
import io.fabric8.kubernetes.api.model.ContainerStateWaiting;
import io.fabric8.kubernetes.api.model.ContainerStatus;
import io.fabric8.kubernetes.api.model.Pod;
import io.mtd.kube.ContainerFailure;
import java.util.Collection;
import java.util.Optional;

/**
 * A new Pod that will not become available without someone fixing something, found from its container statuses.
 *
 * @param pod the Pod's name
 * @param container the failing container
 * @param reason the Kubernetes reason, e.g. {@code ImagePullBackOff}
 * @param detail the kubelet's message, or the last exit code of a crashing container
 * @param hint what to check
 */
public record PodFailure(String pod, String container, String reason, String detail, String hint) {

    static final String CRASH_LOOP = "CrashLoopBackOff";

    /** The first failure among {@code pods}, where a container that restarted {@code crashLoopThreshold} times fails. */
    public static Optional<PodFailure> find(Collection<Pod> pods, String namespace, int crashLoopThreshold) {
        for (Pod pod : pods) {
            Optional<PodFailure> failure = of(pod, namespace, crashLoopThreshold);
            if (failure.isPresent()) {
                return failure;
            }
        }
        return Optional.empty();
    }

    static Optional<PodFailure> of(Pod pod, String namespace, int crashLoopThreshold) {
        if (pod.getStatus() == null) {
            return Optional.empty();
        }
        String name = pod.getMetadata().getName();
        for (ContainerStatus status : ContainerFailure.statuses(pod)) {
            Optional<PodFailure> failure = of(name, namespace, status, crashLoopThreshold);
            if (failure.isPresent()) {
                return failure;
            }
        }
        if ("Failed".equals(pod.getStatus().getPhase())) {
            String reason = pod.getStatus().getReason() == null ? "Failed" : pod.getStatus().getReason();
            return Optional.of(new PodFailure(name, null, reason, pod.getStatus().getMessage(),
                    "see kubectl describe pod -n " + namespace + " " + name));
        }
        return Optional.empty();
    }

    private static Optional<PodFailure> of(String pod, String namespace, ContainerStatus status, int crashLoopThreshold) {
        ContainerStateWaiting waiting = status.getState() == null ? null : status.getState().getWaiting();
        String waitingReason = waiting == null ? null : waiting.getReason();
        String container = status.getName();
        // a container the runtime could not start (RunContainerError) restarts: the restart count below catches it
        ContainerFailure kind = ContainerFailure.of(waitingReason, waiting == null ? null : waiting.getMessage()).orElse(null);
        if (kind == ContainerFailure.IMAGE_PULL) {
            return Optional.of(new PodFailure(pod, container, waitingReason, waiting.getMessage(),
                    "check the image name and tag or digest (" + status.getImage() + "), that the registry is reachable "
                            + "from the cluster, and the pull credentials (the Pod's imagePullSecrets)"));
        }
        if (kind == ContainerFailure.NON_ROOT) {
            return Optional.of(new PodFailure(pod, container, ContainerFailure.RUN_AS_NON_ROOT, waiting.getMessage(),
                    "the image runs as root and the Pod's security context has runAsNonRoot: set a numeric runAsUser in the"
                            + " Deployment's securityContext, or USER in the image's Dockerfile"));
        }
        if (kind == ContainerFailure.CONFIG) {
            return Optional.of(new PodFailure(pod, container, waitingReason, waiting.getMessage(),
                    "check that every Secret and ConfigMap the container references exists in namespace " + namespace
                            + " and has the keys it names"));
        }
        int restarts = status.getRestartCount() == null ? 0 : status.getRestartCount();
        if (restarts >= crashLoopThreshold && restarts > 0) {
            String reason = kind == ContainerFailure.CRASH_LOOP ? CRASH_LOOP : "restarted " + restarts + " times";
            return Optional.of(new PodFailure(pod, container, reason, lastExit(status, restarts),
                    "the container keeps exiting; see its logs: kubectl logs -n " + namespace + " " + pod + " -c "
                            + container + " --previous"));
        }
        return Optional.empty();
    }

    private static String lastExit(ContainerStatus status, int restarts) {
        ContainerStateTerminated last = status.getLastState() == null ? null : status.getLastState().getTerminated();
        StringBuilder detail = new StringBuilder().append(restarts).append(" restarts");
        if (last != null) {
            detail.append(", last exit code ").append(last.getExitCode());
            if (last.getReason() != null) {
                detail.append(" (").append(last.getReason()).append(')');
            }
        }
        return detail.toString();
    }

    /** E.g. {@code Pod shop-web-5d8f-x2 (container web): ImagePullBackOff: <message>; check ...}. */
    public String describe() {
        StringBuilder text = new StringBuilder("Pod ").append(pod);
        if (container != null) {
            text.append(" (container ").append(container).append(')');
        }
        text.append(": ").append(reason);
        if (detail != null && !detail.isBlank()) {
            text.append(": ").append(detail);
        }
        return text.append("; ").append(hint).toString();
    }
}

package io.mtd.migration;

import io.fabric8.kubernetes.api.model.ContainerStateTerminated;
import io.fabric8.kubernetes.api.model.ContainerStateWaiting;
import io.fabric8.kubernetes.api.model.ContainerStatus;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodCondition;
import java.time.Duration;
import io.mtd.kube.ContainerFailure;
import java.util.List;
import java.util.Optional;

/**
 * Reads a Pod's status for the reasons a migration can never succeed, so the engine fails within seconds with the
 * real reason and a hint, instead of waiting out the Job's deadline as {@code kubectl wait} does.
 */
public final class PodDiagnosis {

    /** What to do when the kubelet refuses the migration container for runAsNonRoot (the image runs as root). */
    static final String NON_ROOT_HINT = "the image runs as root (no USER, or USER root or a name), which runAsNonRoot (the"
            + " migration's default) forbids: set a numeric user for it, migration.podSecurity: {runAsUser: 1000} (any"
            + " non-zero id the image's files allow), or USER 1000 in its Dockerfile; or, if it must run as root,"
            + " migration.podSecurity: {runAsNonRoot: false}";

    private PodDiagnosis() {}

    /** A reason why a migration Pod cannot succeed. */
    public record Problem(String reason, String message, String hint) {
        public String describe() {
            return reason + (message == null || message.isBlank() ? "" : ": " + message) + (hint == null ? "" : " (" + hint + ")");
        }
    }

    /**
     * A problem the Pod is stuck in right now (it will not get better by waiting), if any; an unschedulable Pod is stuck
     * once it has been seen so for {@code unschedulableGrace} ({@code unschedulableFor}, as the caller observed it: never
     * by comparing the API server's timestamps with this machine's clock).
     */
    public static Optional<Problem> stuck(Pod pod, Duration unschedulableFor, Duration unschedulableGrace) {
        for (ContainerStatus cs : containerStatuses(pod)) {
            ContainerStateWaiting waiting = cs.getState() == null ? null : cs.getState().getWaiting();
            if (waiting == null || waiting.getReason() == null) {
                continue;
            }
            String reason = waiting.getReason();
            Optional<ContainerFailure> kind = ContainerFailure.of(reason, waiting.getMessage()).filter(ContainerFailure::beforeStart);
            if (kind.isEmpty()) {
                continue;
            }
            if (kind.get() == ContainerFailure.NON_ROOT) {
                return Optional.of(new Problem(ContainerFailure.RUN_AS_NON_ROOT, waiting.getMessage(), NON_ROOT_HINT));
            }
            if (kind.get() == ContainerFailure.IMAGE_PULL) {
                return Optional.of(new Problem(reason, waiting.getMessage(),
                        "check that the image " + cs.getImage() + " exists and that the cluster may pull it"
                                + " (imagePullSecrets, registry credentials)"));
            }
            return Optional.of(new Problem(reason, waiting.getMessage(), configHint(waiting.getMessage())));
        }
        for (PodCondition c : conditions(pod)) {
            if (isUnschedulable(c) && unschedulableFor.compareTo(unschedulableGrace) >= 0) {
                return Optional.of(new Problem("Unschedulable", c.getMessage(),
                        "no node can run the Pod: lower migration.resources, or free capacity in the cluster"));
            }
        }
        return Optional.empty();
    }

    /** Whether the scheduler has found no node for the Pod (yet). */
    public static boolean isUnschedulable(Pod pod) {
        return conditions(pod).stream().anyMatch(PodDiagnosis::isUnschedulable);
    }

    private static boolean isUnschedulable(PodCondition c) {
        return "PodScheduled".equals(c.getType()) && "False".equals(c.getStatus()) && "Unschedulable".equals(c.getReason());
    }

    /** Why a Pod that ended did so, when it ended badly. */
    public static Optional<Problem> ended(Pod pod) {
        if (pod.getStatus() == null) {
            return Optional.empty();
        }
        if ("Evicted".equals(pod.getStatus().getReason())) {
            return Optional.of(new Problem("Evicted", pod.getStatus().getMessage(),
                    "the node ran short of resources; the migration may have stopped half way, check the database"));
        }
        ContainerStateTerminated t = terminated(pod);
        if (t == null || t.getExitCode() == null || t.getExitCode() == 0) {
            return "Failed".equals(pod.getStatus().getPhase())
                    ? Optional.of(new Problem(orElse(pod.getStatus().getReason(), "PodFailed"), pod.getStatus().getMessage(), null))
                    : Optional.empty();
        }
        if (ContainerFailure.OUT_OF_MEMORY.matches(t.getReason())) {
            return Optional.of(new Problem("OOMKilled", "the migration container ran out of memory (exit code "
                    + t.getExitCode() + ")", "raise migration.resources.memory"));
        }
        return Optional.of(new Problem("Error", "the migration exited with code " + t.getExitCode(),
                "see its log above"));
    }

    /** The exit code of the Pod's migration container, if it ended. */
    public static Integer exitCode(Pod pod) {
        ContainerStateTerminated t = terminated(pod);
        return t == null ? null : t.getExitCode();
    }

    /** Whether the migration container runs or ran, so its log can be read. */
    public static boolean hasStarted(Pod pod) {
        for (ContainerStatus cs : containerStatuses(pod)) {
            if (cs.getState() != null && (cs.getState().getRunning() != null || cs.getState().getTerminated() != null)) {
                return true;
            }
        }
        return pod.getStatus() != null && ("Succeeded".equals(pod.getStatus().getPhase()));
    }

    /** Whether the Pod is finished (succeeded or failed). */
    public static boolean isTerminal(Pod pod) {
        String phase = pod.getStatus() == null ? null : pod.getStatus().getPhase();
        return "Succeeded".equals(phase) || "Failed".equals(phase);
    }

    private static ContainerStateTerminated terminated(Pod pod) {
        for (ContainerStatus cs : containerStatuses(pod)) {
            if (cs.getState() != null && cs.getState().getTerminated() != null) {
                return cs.getState().getTerminated();
            }
        }
        return null;
    }

    private static String configHint(String message) {
        if (message != null && message.contains("not found")) {
            return "create the Secret or ConfigMap it names in the migration's namespace, or fix its name in the plan";
        }
        if (message != null && message.contains("couldn't find key")) {
            return "add the key to the Secret or ConfigMap, or fix migration.secretEnv";
        }
        return "check the migration's env, envFromSecret and envFromConfigMap";
    }

    private static List<ContainerStatus> containerStatuses(Pod pod) {
        return ContainerFailure.statuses(pod);
    }

    private static List<PodCondition> conditions(Pod pod) {
        return pod.getStatus() == null || pod.getStatus().getConditions() == null ? List.of() : pod.getStatus().getConditions();
    }

    private static String orElse(String s, String fallback) {
        return s == null ? fallback : s;
    }
}

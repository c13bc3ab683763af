package io.mtd.migration;

import java.util.Objects;

/**
 * Why a migration ended as it did: one of the engine's own reasons, or one Kubernetes gave (a Job condition's or a Pod's
 * reason, passed on as written). Reports carry {@link #value()}; the engine's decisions switch over {@link Engine}.
 */
public sealed interface MigrationReason permits MigrationReason.Engine, MigrationReason.Kubernetes {

    /** The reason as reports, logs and the JSON report write it. */
    String value();

    /** The reason {@code value} names: the engine's own when it is one of them, else a Kubernetes reason; null for null. */
    static MigrationReason of(String value) {
        if (value == null) {
            return null;
        }
        for (Engine e : Engine.values()) {
            if (e.value.equals(value)) {
                return e;
            }
        }
        return new Kubernetes(value);
    }

    /** The reasons the engine itself decides on. */
    enum Engine implements MigrationReason {
        /** The run was cancelled while it waited. */
        CANCELLED("Cancelled"),
        /** The engine stopped waiting for the Job (its own bound, not the Job's deadline). */
        WAIT_TIMEOUT("WaitTimeout"),
        /** Another run held the migration lock longer than the plan waits. */
        LOCK_TIMEOUT("LockTimeout"),
        /** The lock was lost while held. */
        LOCK_LOST("LockLost"),
        /** The Kubernetes API answered with an error. */
        KUBERNETES_ERROR("KubernetesError"),
        /** The engine failed (a bug, or state it could not read). */
        ENGINE_ERROR("EngineError"),
        /** The Job was deleted while the engine waited for it. */
        JOB_DELETED("JobDeleted"),
        /** A Flyway plan's scripts cannot be shipped. */
        INVALID_MIGRATIONS("InvalidMigrations"),
        /** The Flyway pre-flight found problems before a Job was created. */
        PREFLIGHT_FAILED("PreflightFailed"),
        /** The Job for this image had already succeeded: nothing ran. */
        ALREADY_SUCCEEDED("AlreadySucceeded");

        private final String value;

        Engine(String value) {
            this.value = value;
        }

        @Override
        public String value() {
            return value;
        }

        @Override
        public String toString() {
            return value;
        }
    }

    /** A reason Kubernetes gave, as written. */
    record Kubernetes(String value) implements MigrationReason {
        /** The Job ran past its activeDeadlineSeconds. */
        public static final Kubernetes DEADLINE_EXCEEDED = new Kubernetes("DeadlineExceeded");
        /** The Job's last allowed Pod failed. */
        public static final Kubernetes BACKOFF_LIMIT_EXCEEDED = new Kubernetes("BackoffLimitExceeded");
        /** No node can run the Pod (a PodScheduled condition's reason). */
        public static final Kubernetes UNSCHEDULABLE = new Kubernetes("Unschedulable");
        /**
         * The kubelet refused the container for {@code runAsNonRoot}: its CreateContainerConfigError, named apart from a
         * missing Secret because the fix is the Pod's security context, not its env.
         */
        public static final Kubernetes RUN_AS_NON_ROOT = new Kubernetes(io.mtd.kube.ContainerFailure.RUN_AS_NON_ROOT);

        public Kubernetes {
            Objects.requireNonNull(value, "value");
        }

        @Override
        public String toString() {
            return value;
        }
    }
}

package io.mtd.kube;

/** The labels and annotations the engine puts on what it creates, so that it can find them again. */
public final class Labels {

    public static final String MANAGED_BY = "app.kubernetes.io/managed-by";
    public static final String MANAGER = "migrate-then-deploy";
    public static final String NAME = "app.kubernetes.io/name";
    public static final String INSTANCE = "app.kubernetes.io/instance";
    public static final String COMPONENT = "app.kubernetes.io/component";
    public static final String ENVIRONMENT = "migrate-then-deploy.io/environment";

    /** Label Kubernetes' Job controller puts on a Job's Pods (both spellings exist across versions). */
    public static final String JOB_NAME = "job-name";
    public static final String BATCH_JOB_NAME = "batch.kubernetes.io/job-name";

    public static final String ANNOTATION_APP = "migrate-then-deploy.io/app";
    public static final String ANNOTATION_ENVIRONMENT = "migrate-then-deploy.io/environment";
    public static final String ANNOTATION_IMAGE = "migrate-then-deploy.io/image";
    public static final String ANNOTATION_RUN = "migrate-then-deploy.io/run-id";
    public static final String ANNOTATION_RUN_URL = "migrate-then-deploy.io/run-url";
    /** On a migration Job: the run that held the migration lock when it was created, and the Lease's transition count. */
    public static final String ANNOTATION_LOCK_HOLDER = "migrate-then-deploy.io/lock-holder";
    public static final String ANNOTATION_LOCK_TRANSITIONS = "migrate-then-deploy.io/lock-transitions";

    /**
     * On a Job whose output the engine reads (a schema snapshot): {@value #LOG_READ_BY_ENGINE}, so that no run streams it
     * into its log, also one that waits for it as another run's.
     */
    public static final String ANNOTATION_LOG = "migrate-then-deploy.io/log";
    public static final String LOG_READ_BY_ENGINE = "read-by-engine";

    private Labels() {}
}

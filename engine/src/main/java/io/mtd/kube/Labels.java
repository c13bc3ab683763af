package io.mtd.kube;

/** The labels and annotations the engine puts on what it creates, so that it can find them again. */
public final class Labels {

    public static final String MANAGED_BY = "app.kubernetes.io/managed-by";
    public static final String MANAGER = "migrate-then-deploy";
    public static final String NAME = "app.kubernetes.io/name";
    public static final String INSTANCE = "app.kubernetes.io/instance";
    public static final String COMPONENT = "app.kubernetes.io/component";
    public static final String ENVIRONMENT = "migrate-then-deploy.io/environment";
    /** On a migration Job, its Pods and its slot's Lease: the slot's key, hashed (what is migrated, not the app). */
    public static final String SLOT = "migrate-then-deploy.io/slot";
    /** On a migration Job and its Pods: the Job's first name, shared by every attempt of one release's Job. */
    public static final String RELEASE = "migrate-then-deploy.io/release";

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
     * On a slot's Lease, written with its holder identity: the app whose run holds it, so that a run of another app
     * waiting on the same slot can say whose run it waits for.
     */
    public static final String ANNOTATION_HOLDER_APP = "migrate-then-deploy.io/holder-app";
    /** On a migration Job and its slot's Lease: the slot's whole key. */
    public static final String ANNOTATION_SLOT_KEY = "migrate-then-deploy.io/slot-key";
    /** On a migration Job: which run of its release's Job it is (1 for the first; a re-run after a success is the next). */
    public static final String ANNOTATION_ATTEMPT = "migrate-then-deploy.io/attempt";
    /**
     * On a migration Job: how long its Pods may take to start the container after its creator was last seen alive; the
     * Job is created suspended and its deadline is kept that short until the container started.
     */
    public static final String ANNOTATION_START_WINDOW = "migrate-then-deploy.io/start-window";
    /** On a slot's Lease whose namespace is not the Jobs': the last Job created under it, as namespace/name. */
    public static final String ANNOTATION_OCCUPANT = "migrate-then-deploy.io/occupant";
    /** On the Lease of an app and environment from before slots were keyed by what is migrated: the slot's Lease now. */
    public static final String ANNOTATION_SUPERSEDED_BY = "migrate-then-deploy.io/superseded-by";

    /**
     * On a Job whose output the engine reads (a schema snapshot): {@value #LOG_READ_BY_ENGINE}, so that no run streams it
     * into its log, also one that waits for it as another run's.
     */
    public static final String ANNOTATION_LOG = "migrate-then-deploy.io/log";
    public static final String LOG_READ_BY_ENGINE = "read-by-engine";

    private Labels() {}
}

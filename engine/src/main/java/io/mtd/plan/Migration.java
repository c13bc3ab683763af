package io.mtd.plan;

import com.fasterxml.jackson.annotation.JsonFormat;
import com.fasterxml.jackson.annotation.JsonInclude;
import java.time.Duration;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The migration that runs as a one-off Kubernetes Job from the application image: a command, or Flyway.
 *
 * @param command the container command (exclusive with {@code flyway})
 * @param flyway Flyway settings (exclusive with {@code command})
 * @param env plain environment variables
 * @param envFromSecret Secrets whose keys all become environment variables
 * @param envFromConfigMap ConfigMaps whose keys all become environment variables
 * @param secretEnv single variables taken from one key of a Secret
 * @param timeout how long the Job may run (its activeDeadlineSeconds), e.g. {@code 10m}
 * @param backoffLimit how many failed Pods the Job retries (0: none)
 * @param retry replace a Job that failed for the same image instead of reporting its failure again
 * @param ttlAfterFinished how long Kubernetes keeps the finished Job and its Pod (and so its log)
 * @param onCancel {@code leave} (default: let a running migration finish) or {@code delete} when waiting stops
 * @param serviceAccount service account the Pod runs as
 * @param resources container resource requests and limits
 * @param podSecurity overrides of the restricted Pod Security defaults
 * @param lock the migration slot: its key (what is migrated), its Lease's namespace and timings
 * @param lint how the migration's SQL is checked for expand/contract safety
 * @param postRollout the contract phase: migrations run after each environment's rollout
 * @param compatibility the check that the running version works against the migrated schema, before each rollout
 * @param snapshot the schema snapshots taken before and after each environment's migration (none: no snapshots)
 * @param drift {@code block} (default) or {@code warn}: what a schema that differs from the one staging was tested on
 *     does to the run
 * @param backup the backup Job run right before each environment's migration (unless an environment has its own)
 * @param skipWhenSucceeded skip a command migration whose Job for the same image already succeeded, on the strength of
 *     that Job's record alone (default false: the command runs again, as framework migrate commands are no-ops when the
 *     database is up to date)
 */
@JsonInclude(JsonInclude.Include.NON_EMPTY)
public record Migration(
        List<String> command,
        Flyway flyway,
        Map<String, String> env,
        @JsonFormat(with = JsonFormat.Feature.ACCEPT_SINGLE_VALUE_AS_ARRAY) List<String> envFromSecret,
        @JsonFormat(with = JsonFormat.Feature.ACCEPT_SINGLE_VALUE_AS_ARRAY) List<String> envFromConfigMap,
        List<SecretEnv> secretEnv,
        String timeout,
        Integer backoffLimit,
        Boolean retry,
        String ttlAfterFinished,
        String onCancel,
        String serviceAccount,
        Resources resources,
        PodSecurity podSecurity,
        Lock lock,
        Lint lint,
        PostRollout postRollout,
        Compatibility compatibility,
        DatabaseJob snapshot,
        String drift,
        DatabaseJob backup,
        Boolean skipWhenSucceeded) {

    public static final Duration DEFAULT_TIMEOUT = Duration.ofMinutes(30);
    public static final Duration DEFAULT_TTL = Duration.ofDays(1);

    public Migration {
        command = command == null ? List.of() : List.copyOf(command);
        env = env == null ? Map.of() : Map.copyOf(env);
        envFromSecret = envFromSecret == null ? List.of() : List.copyOf(envFromSecret);
        envFromConfigMap = envFromConfigMap == null ? List.of() : List.copyOf(envFromConfigMap);
        secretEnv = secretEnv == null ? List.of() : List.copyOf(secretEnv);
    }

    /** Drift from the reference schema stops the run ({@code block}, the default) or is only reported ({@code warn}). */
    public boolean driftBlocks() {
        return !"warn".equals(drift);
    }

    /** Whether schema snapshots are taken before and after each environment's migration. */
    public boolean takesSnapshots() {
        return snapshot != null;
    }

    /**
     * The Secret the migration reaches its database with: Flyway's, else the only Secret it reads (all keys or single
     * ones); null when there is none or more than one.
     */
    public String databaseSecret() {
        if (flyway != null && flyway.secret() != null) {
            return flyway.secret();
        }
        java.util.Set<String> secrets = new java.util.LinkedHashSet<>(envFromSecret);
        secretEnv.forEach(s -> secrets.add(s.secret()));
        return secrets.size() == 1 ? secrets.iterator().next() : null;
    }

    /** The lint settings, or none. */
    public Lint lintOrDefaults() {
        return lint == null ? new Lint(null, null) : lint;
    }

    /** The Secrets the migration's Job reads, as written: {@code envFromSecret}, {@code secretEnv}'s, then Flyway's. */
    public Set<String> secretNames() {
        Set<String> names = new LinkedHashSet<>(envFromSecret);
        secretEnv.forEach(s -> names.add(s.secret()));
        if (flyway != null && flyway.secret() != null) {
            names.add(flyway.secret());
        }
        return names;
    }

    /** Whether the plan names migrations to run after each environment's rollout. */
    public boolean hasPostRollout() {
        return postRollout != null && !postRollout.isEmpty();
    }

    /** Whether the plan asks for the running version to be tried against the migrated schema. */
    public boolean hasCompatibility() {
        return compatibility != null;
    }

    /** A command migration with defaults for everything else. */
    public static Migration ofCommand(List<String> command) {
        return builder().command(command).build();
    }

    public Duration timeoutOrDefault() {
        return Durations.parseOr(timeout, DEFAULT_TIMEOUT);
    }

    public Duration ttlOrDefault() {
        return Durations.parseOr(ttlAfterFinished, DEFAULT_TTL);
    }

    public int backoffLimitOrDefault() {
        return backoffLimit == null ? 0 : backoffLimit;
    }

    public boolean retries() {
        return retry != null && retry;
    }

    /** Whether the plan trusts a succeeded Job's record over asking the database (see {@code skipWhenSucceeded}). */
    public boolean trustsJobRecord() {
        return Boolean.TRUE.equals(skipWhenSucceeded);
    }

    /** Whether a Job still running when waiting stops (timeout, cancel) is deleted rather than left to finish. */
    public boolean deletesOnCancel() {
        return "delete".equals(onCancel);
    }

    public Lock lockOrDefaults() {
        return lock == null ? Lock.DEFAULTS : lock;
    }

    public PodSecurity podSecurityOrDefaults() {
        return podSecurity == null ? PodSecurity.RESTRICTED : podSecurity.overRestricted();
    }

    /** A migration to build, every setting left out at its default. */
    public static Builder builder() {
        return new Builder();
    }

    /** This migration's settings, to change some and build another. */
    public Builder toBuilder() {
        return new Builder().command(command).flyway(flyway).env(env).envFromSecret(envFromSecret)
                .envFromConfigMap(envFromConfigMap).secretEnv(secretEnv).timeout(timeout).backoffLimit(backoffLimit)
                .retry(retry).ttlAfterFinished(ttlAfterFinished).onCancel(onCancel).serviceAccount(serviceAccount)
                .resources(resources).podSecurity(podSecurity).lock(lock).lint(lint).postRollout(postRollout)
                .compatibility(compatibility).snapshot(snapshot).drift(drift).backup(backup)
                .skipWhenSucceeded(skipWhenSucceeded);
    }

    /** Builds a {@link Migration}; each setting is as in the plan file, null for its default. */
    public static final class Builder {
        private List<String> command;
        private Flyway flyway;
        private Map<String, String> env;
        private List<String> envFromSecret;
        private List<String> envFromConfigMap;
        private List<SecretEnv> secretEnv;
        private String timeout;
        private Integer backoffLimit;
        private Boolean retry;
        private String ttlAfterFinished;
        private String onCancel;
        private String serviceAccount;
        private Resources resources;
        private PodSecurity podSecurity;
        private Lock lock;
        private Lint lint;
        private PostRollout postRollout;
        private Compatibility compatibility;
        private DatabaseJob snapshot;
        private String drift;
        private DatabaseJob backup;
        private Boolean skipWhenSucceeded;

        private Builder() {}

        public Builder command(List<String> command) {
            this.command = command;
            return this;
        }

        public Builder command(String... command) {
            return command(List.of(command));
        }

        public Builder flyway(Flyway flyway) {
            this.flyway = flyway;
            return this;
        }

        public Builder env(Map<String, String> env) {
            this.env = env;
            return this;
        }

        public Builder envFromSecret(List<String> envFromSecret) {
            this.envFromSecret = envFromSecret;
            return this;
        }

        public Builder envFromConfigMap(List<String> envFromConfigMap) {
            this.envFromConfigMap = envFromConfigMap;
            return this;
        }

        public Builder secretEnv(List<SecretEnv> secretEnv) {
            this.secretEnv = secretEnv;
            return this;
        }

        public Builder timeout(String timeout) {
            this.timeout = timeout;
            return this;
        }

        public Builder backoffLimit(Integer backoffLimit) {
            this.backoffLimit = backoffLimit;
            return this;
        }

        public Builder retry(Boolean retry) {
            this.retry = retry;
            return this;
        }

        public Builder ttlAfterFinished(String ttlAfterFinished) {
            this.ttlAfterFinished = ttlAfterFinished;
            return this;
        }

        public Builder onCancel(String onCancel) {
            this.onCancel = onCancel;
            return this;
        }

        public Builder serviceAccount(String serviceAccount) {
            this.serviceAccount = serviceAccount;
            return this;
        }

        public Builder resources(Resources resources) {
            this.resources = resources;
            return this;
        }

        public Builder podSecurity(PodSecurity podSecurity) {
            this.podSecurity = podSecurity;
            return this;
        }

        public Builder lock(Lock lock) {
            this.lock = lock;
            return this;
        }

        public Builder lint(Lint lint) {
            this.lint = lint;
            return this;
        }

        public Builder postRollout(PostRollout postRollout) {
            this.postRollout = postRollout;
            return this;
        }

        public Builder snapshot(DatabaseJob snapshot) {
            this.snapshot = snapshot;
            return this;
        }

        public Builder drift(String drift) {
            this.drift = drift;
            return this;
        }

        public Builder backup(DatabaseJob backup) {
            this.backup = backup;
            return this;
        }

        public Builder compatibility(Compatibility compatibility) {
            this.compatibility = compatibility;
            return this;
        }

        public Builder skipWhenSucceeded(Boolean skipWhenSucceeded) {
            this.skipWhenSucceeded = skipWhenSucceeded;
            return this;
        }

        public Migration build() {
            return new Migration(command, flyway, env, envFromSecret, envFromConfigMap, secretEnv, timeout, backoffLimit, retry,
                    ttlAfterFinished, onCancel, serviceAccount, resources, podSecurity, lock, lint, postRollout, compatibility,
                    snapshot, drift, backup, skipWhenSucceeded);
        }
    }

    /** A variable taken from one key of a Secret. */
    @JsonInclude(JsonInclude.Include.NON_EMPTY)
    public record SecretEnv(String name, String secret, String key) {}

    /** Container resources, as Kubernetes quantities (e.g. {@code 256Mi}, {@code 500m}). */
    @JsonInclude(JsonInclude.Include.NON_EMPTY)
    public record Resources(String cpu, String memory, String cpuLimit, String memoryLimit) {}

    /**
     * Pod and container security settings; each one left out keeps the restricted Pod Security default.
     *
     * @param runAsNonRoot default true
     * @param runAsUser default unset (the image's user, which must not be root)
     * @param runAsGroup default unset
     * @param allowPrivilegeEscalation default false
     * @param readOnlyRootFilesystem default false
     * @param dropAllCapabilities default true
     * @param seccompProfile default {@code RuntimeDefault}
     */
    @JsonInclude(JsonInclude.Include.NON_EMPTY)
    public record PodSecurity(
            Boolean runAsNonRoot,
            Long runAsUser,
            Long runAsGroup,
            Boolean allowPrivilegeEscalation,
            Boolean readOnlyRootFilesystem,
            Boolean dropAllCapabilities,
            String seccompProfile) {

        public static final PodSecurity RESTRICTED = new PodSecurity(true, null, null, false, false, true, "RuntimeDefault");

        PodSecurity overRestricted() {
            return new PodSecurity(
                    runAsNonRoot != null ? runAsNonRoot : RESTRICTED.runAsNonRoot,
                    runAsUser,
                    runAsGroup,
                    allowPrivilegeEscalation != null ? allowPrivilegeEscalation : RESTRICTED.allowPrivilegeEscalation,
                    readOnlyRootFilesystem != null ? readOnlyRootFilesystem : RESTRICTED.readOnlyRootFilesystem,
                    dropAllCapabilities != null ? dropAllCapabilities : RESTRICTED.dropAllCapabilities,
                    seccompProfile != null ? seccompProfile : RESTRICTED.seccompProfile);
        }
    }

    /**
     * The migration slot: one Lease and the unfinished Jobs of one key serialise every migration of what is migrated.
     *
     * @param leaseDuration how long the lease stays valid without renewal; a crashed holder's lease is taken over after it
     * @param waitTimeout how long to wait for another pipeline's migration before giving up
     * @param key names what is migrated (say {@code orders-db}): plans that name the same key share one slot whatever
     *     their apps and Secrets; without it the key is derived from the migration's connection source
     * @param namespace where the slot's Lease lives (default: the environment's namespace); plans in several namespaces
     *     that share a key name the same one
     */
    @JsonInclude(JsonInclude.Include.NON_EMPTY)
    public record Lock(String leaseDuration, String waitTimeout, String key, String namespace) {
        public static final Lock DEFAULTS = new Lock(null, null, null, null);

        /** Timings only: the key derived from the connection source, the Lease in the environment's namespace. */
        public Lock(String leaseDuration, String waitTimeout) {
            this(leaseDuration, waitTimeout, null, null);
        }

        public Duration leaseDurationOrDefault() {
            return Durations.parseOr(leaseDuration, Duration.ofSeconds(30));
        }

        public Duration waitOrDefault() {
            return Durations.parseOr(waitTimeout, Duration.ofMinutes(30));
        }
    }
}

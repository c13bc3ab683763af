package io.mtd.plan;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/** Checks a whole {@link Plan} before anything touches a cluster or a database; every error names its field and the fix. */
public final class PlanValidator {

    /** [registry[:port]/]path[:tag][@sha256:hex], the shape of a container image reference. */
    private static final Pattern IMAGE = Pattern.compile(
            "(?:[a-zA-Z0-9.-]+(?::[0-9]+)?/)?[a-z0-9]+(?:[._-][a-z0-9]+)*(?:/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*"
                    + "(?::[\\w][\\w.-]{0,127})?(?:@sha256:[a-f0-9]{64})?");
    private static final Pattern QUANTITY = Pattern.compile("[0-9]+(\\.[0-9]+)?(m|k|M|G|T|Ki|Mi|Gi|Ti)?");
    private static final Set<String> BUILDERS = Set.of("auto", "buildah", "podman", "docker");

    private final List<PlanError> errors = new ArrayList<>();

    private PlanValidator() {}

    /** Every error in {@code plan}; empty when it can run. */
    public static List<PlanError> validate(Plan plan) {
        PlanValidator v = new PlanValidator();
        v.check(plan);
        return List.copyOf(v.errors);
    }

    /** Throws {@link InvalidPlanException} with every error when {@code plan} cannot run. */
    public static Plan requireValid(Plan plan) {
        List<PlanError> errors = validate(plan);
        if (!errors.isEmpty()) {
            throw new InvalidPlanException(errors);
        }
        return plan;
    }

    private void check(Plan plan) {
        if (blank(plan.app())) {
            error("app", "missing: name the application, e.g. app: shop");
        } else {
            label("app", plan.app());
        }
        if (blank(plan.image())) {
            error("image", "missing: give the image to migrate and deploy, e.g. image: registry.example.com/shop:1.4.0");
        } else {
            image("image", plan.image());
        }
        if (plan.build() != null) {
            build(plan.build());
        }
        if (plan.migration() == null) {
            error("migration", "missing: give the migration command, e.g. migration: {command: [python, manage.py, migrate]},"
                    + " or flyway: {locations: [db/migration]}");
        } else {
            migration(plan.migration());
        }
        if (plan.rollout() != null) {
            rollout(plan.rollout());
        }
        environments(plan.environments(), plan.migration());
    }

    private void build(Build b) {
        if (b.builder() != null && !BUILDERS.contains(b.builder())) {
            error("build.builder", "'" + b.builder() + "' is not a builder: use auto, buildah, podman or docker");
        }
        if (b.context() != null && b.context().isBlank()) {
            error("build.context", "empty: give the build context directory, e.g. '.'");
        }
        for (String arg : b.args().keySet()) {
            if (!KubeNames.isEnvVarName(arg)) {
                error("build.args." + arg, "not a valid build argument name: use letters, digits and '_'");
            }
        }
    }

    private void migration(Migration m) {
        boolean hasCommand = !m.command().isEmpty();
        if (hasCommand && m.flyway() != null) {
            error("migration", "give either command or flyway, not both");
        } else if (!hasCommand && m.flyway() == null) {
            error("migration.command", "empty: give the command that migrates, e.g. [python, manage.py, migrate, --noinput],"
                    + " or use flyway: {locations: [db/migration]}");
        }
        for (int i = 0; i < m.command().size(); i++) {
            if (m.command().get(i) == null || m.command().get(i).isEmpty()) {
                error("migration.command[" + i + "]", "empty argument: remove it or give its value");
            }
        }
        if (m.flyway() != null) {
            flyway(m.flyway());
        }
        for (Map.Entry<String, String> e : m.env().entrySet()) {
            if (!KubeNames.isEnvVarName(e.getKey())) {
                error("migration.env." + e.getKey(), "not a valid environment variable name: use letters, digits and '_'");
            }
        }
        for (int i = 0; i < m.envFromConfigMap().size(); i++) {
            subdomain("migration.envFromConfigMap[" + i + "]", m.envFromConfigMap().get(i), "ConfigMap");
        }
        secrets("migration", m.envFromSecret(), m.secretEnv());
        duration("migration.timeout", m.timeout(), true);
        duration("migration.ttlAfterFinished", m.ttlAfterFinished(), false);
        if (m.backoffLimit() != null && (m.backoffLimit() < 0 || m.backoffLimit() > 10)) {
            error("migration.backoffLimit", m.backoffLimit() + " is out of range: use 0 (no retry, the default) to 10");
        }
        if (m.onCancel() != null && !Set.of("leave", "delete").contains(m.onCancel())) {
            error("migration.onCancel", "'" + m.onCancel() + "' is not allowed: use leave (let the migration finish)"
                    + " or delete (stop it)");
        }
        if (m.serviceAccount() != null) {
            subdomain("migration.serviceAccount", m.serviceAccount(), "ServiceAccount");
        }
        if (m.resources() != null) {
            quantity("migration.resources.cpu", m.resources().cpu());
            quantity("migration.resources.memory", m.resources().memory());
            quantity("migration.resources.cpuLimit", m.resources().cpuLimit());
            quantity("migration.resources.memoryLimit", m.resources().memoryLimit());
        }
        if (m.podSecurity() != null) {
            Migration.PodSecurity ps = m.podSecurity();
            if (ps.seccompProfile() != null && !Set.of("RuntimeDefault", "Unconfined", "Localhost").contains(ps.seccompProfile())) {
                error("migration.podSecurity.seccompProfile", "'" + ps.seccompProfile()
                        + "' is not a seccomp profile type: use RuntimeDefault, Localhost or Unconfined");
            }
            if (ps.runAsUser() != null && ps.runAsUser() < 0) {
                error("migration.podSecurity.runAsUser", "must be 0 or more");
            }
            if (Boolean.TRUE.equals(ps.runAsNonRoot()) && ps.runAsUser() != null && ps.runAsUser() == 0) {
                error("migration.podSecurity.runAsUser", "0 is root, which runAsNonRoot forbids: use a non-zero user id,"
                        + " or set runAsNonRoot: false");
            }
        }
        if (m.lock() != null) {
            duration("migration.lock.leaseDuration", m.lock().leaseDuration(), true);
            duration("migration.lock.waitTimeout", m.lock().waitTimeout(), false);
        }
        if (m.compatibility() != null) {
            errors.addAll(Compatibility.errors(m.compatibility()));
            duration("migration.compatibility.timeout", m.compatibility().timeout(), true);
            secrets("migration.compatibility", m.compatibility().envFromSecret(), m.compatibility().secretEnv());
        }
        schemaJobs(m);
    }

    /** The Secrets a Job's container reads, at {@code path}.envFromSecret and {@code path}.secretEnv. */
    private void secrets(String path, List<String> envFromSecret, List<Migration.SecretEnv> secretEnv) {
        for (int i = 0; i < envFromSecret.size(); i++) {
            subdomain(path + ".envFromSecret[" + i + "]", envFromSecret.get(i), "Secret");
        }
        for (int i = 0; i < secretEnv.size(); i++) {
            Migration.SecretEnv s = secretEnv.get(i);
            String p = path + ".secretEnv[" + i + "]";
            if (s == null) {
                error(p, "empty: give name, secret and key");
                continue;
            }
            if (!KubeNames.isEnvVarName(s.name())) {
                error(p + ".name", s.name() == null ? "missing: the variable's name, e.g. DATABASE_URL"
                        : "'" + s.name() + "' is not a valid environment variable name: use letters, digits and '_'");
            }
            subdomain(p + ".secret", s.secret(), "Secret");
            if (blank(s.key())) {
                error(p + ".key", "missing: the key in the Secret, e.g. url");
            }
        }
    }

    /** The snapshot, the drift policy and the backups: Jobs from a database client's image under the lock. */
    private void schemaJobs(Migration m) {
        if (m.snapshot() != null) {
            databaseJob("migration.snapshot", m.snapshot(), m, false);
            if (m.snapshot().volume() != null) {
                error("migration.snapshot.volume", "a snapshot prints the schema to its log and writes nowhere: remove the volume");
            }
        }
        if (m.drift() != null && !Set.of("block", "warn").contains(m.drift())) {
            error("migration.drift", "'" + m.drift() + "' is not allowed: use block (drift stops the run until someone accepts it)"
                    + " or warn (drift is reported and the run goes on)");
        } else if (m.drift() != null && m.snapshot() == null) {
            error("migration.drift", "drift is found by schema snapshots: add migration.snapshot (e.g. snapshot: {secret: shop-db})");
        }
        if (m.backup() != null) {
            databaseJob("migration.backup", m.backup(), m, true);
        }
    }

    private void databaseJob(String path, DatabaseJob job, Migration m, boolean commandRequired) {
        errors.addAll(job.errors(path, m, commandRequired));
        if (job.image() != null) {
            image(path + ".image", job.image());
        }
        if (job.secret() != null) {
            subdomain(path + ".secret", job.secret(), "Secret");
        }
        duration(path + ".timeout", job.timeout(), true);
    }

    private void flyway(Flyway f) {
        if (f.shipsFromWorkspace() && f.locations().isEmpty()) {
            error("migration.flyway.locations", "empty: give the directories of the migration scripts, e.g. [db/migration]");
        }
        if (f.source() != null && !Set.of("workspace", "image").contains(f.source())) {
            error("migration.flyway.source", "'" + f.source() + "' is not allowed: use workspace (ship the scripts)"
                    + " or image (they are in the application image)");
        }
        if (!f.shipsFromWorkspace() && blank(f.imagePath())) {
            error("migration.flyway.imagePath", "missing: with source: image, give where the scripts are in the image,"
                    + " e.g. /app/db/migration");
        }
        if (f.image() != null) {
            image("migration.flyway.image", f.image());
        }
        if (blank(f.secret())) {
            error("migration.flyway.secret", "missing: name the Secret that holds the database URL, user and password");
        } else {
            subdomain("migration.flyway.secret", f.secret(), "Secret");
        }
    }

    private void rollout(Rollout r) {
        duration("rollout.timeout", r.timeout(), true);
        duration("rollout.approvalTimeout", r.approvalTimeout(), true);
        if (r.crashLoopThreshold() != null && r.crashLoopThreshold() < 1) {
            error("rollout.crashLoopThreshold", "must be 1 or more (container restarts before the rollout fails)");
        }
    }

    private void environments(List<Environment> envs, Migration migration) {
        if (envs.isEmpty()) {
            error("environments", "empty: list at least one environment, e.g. [{name: staging, namespace: shop-staging}]");
            return;
        }
        Set<String> seen = new HashSet<>();
        for (int i = 0; i < envs.size(); i++) {
            Environment e = envs.get(i);
            String p = "environments[" + i + "]";
            if (e == null) {
                error(p, "empty: give at least a name");
                continue;
            }
            if (blank(e.name())) {
                error(p + ".name", "missing: name the environment, e.g. staging");
            } else {
                label(p + ".name", e.name());
                if (!seen.add(e.name())) {
                    error(p + ".name", "'" + e.name() + "' is used by an earlier environment: each environment needs its own name");
                }
            }
            if (e.namespace() != null) {
                label(p + ".namespace", e.namespace());
            }
            for (int d = 0; d < e.deployments().size(); d++) {
                subdomain(p + ".deployments[" + d + "]", e.deployments().get(d), "Deployment");
            }
            if (e.container() != null) {
                label(p + ".container", e.container());
            }
            if (e.backup() != null && migration != null) {
                databaseJob(p + ".backup", e.backup(), migration, true);
            }
            if (e.serverUrl() != null && !e.serverUrl().matches("https?://\\S+")) {
                error(p + ".serverUrl", "'" + e.serverUrl() + "' is not a URL: give the API server as https://host:port");
            }
        }
    }

    private void label(String path, String value) {
        if (!KubeNames.isLabel(value)) {
            error(path, "'" + value + "' is not a valid Kubernetes name: use at most 63 lower-case letters, digits and '-',"
                    + " starting and ending with a letter or digit (e.g. '" + KubeNames.suggestLabel(value) + "')");
        }
    }

    private void subdomain(String path, String value, String kind) {
        if (blank(value)) {
            error(path, "missing: name the " + kind);
        } else if (!KubeNames.isSubdomain(value)) {
            error(path, "'" + value + "' is not a valid " + kind + " name: use lower-case letters, digits, '-' and '.'"
                    + " (e.g. '" + KubeNames.suggestLabel(value) + "')");
        }
    }

    private void image(String path, String value) {
        if (!IMAGE.matcher(value).matches()) {
            error(path, "'" + value + "' is not an image reference: write it as [registry/]repository[:tag][@sha256:digest],"
                    + " e.g. registry.example.com/shop:1.4.0");
        }
    }

    private void duration(String path, String value, boolean positive) {
        if (value == null) {
            return;
        }
        try {
            if (positive && Durations.parse(value).isZero()) {
                error(path, "must be longer than zero, e.g. 10m");
            }
        } catch (IllegalArgumentException e) {
            error(path, e.getMessage());
        }
    }

    private void quantity(String path, String value) {
        if (value != null && !QUANTITY.matcher(value).matches()) {
            error(path, "'" + value + "' is not a Kubernetes quantity: write e.g. 500m (CPU) or 256Mi (memory)");
        }
    }

    private static boolean blank(String s) {
        return s == null || s.isBlank();
    }

    private void error(String path, String message) {
        errors.add(new PlanError(path, message));
    }
}

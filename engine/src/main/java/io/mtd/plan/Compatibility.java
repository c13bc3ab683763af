package io.mtd.plan;

import com.fasterxml.jackson.annotation.JsonFormat;
import com.fasterxml.jackson.annotation.JsonInclude;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * The compatibility check: a command that fails when the version it ships with cannot work against the database's
 * schema. After each environment's migration and before its rollout, it runs as a Job from the image the environment's
 * Deployments run now (the version that keeps serving while the new one rolls out); after the post-rollout migration,
 * from the new image. It gets the migration's Secrets and environment.
 *
 * @param command the check, run from the running image (e.g. {@code [python3, manage.py, check_compatibility]})
 * @param timeout how long one check may run (its Job's activeDeadlineSeconds), default 5m
 * @param env environment variables added to (or replacing) the migration's
 * @param envFromSecret Secrets whose keys all become environment variables, instead of the migration's (and a Flyway
 *     plan's Secret); say, one with a read-only database user
 * @param secretEnv single variables from a Secret's key, instead of the migration's
 */
@JsonInclude(JsonInclude.Include.NON_EMPTY)
public record Compatibility(
        List<String> command,
        String timeout,
        Map<String, String> env,
        @JsonFormat(with = JsonFormat.Feature.ACCEPT_SINGLE_VALUE_AS_ARRAY) List<String> envFromSecret,
        List<Migration.SecretEnv> secretEnv) {

    public static final Duration DEFAULT_TIMEOUT = Duration.ofMinutes(5);

    public Compatibility {
        command = command == null ? List.of() : List.copyOf(command);
        env = env == null ? Map.of() : Map.copyOf(env);
        envFromSecret = envFromSecret == null ? List.of() : List.copyOf(envFromSecret);
        secretEnv = secretEnv == null ? List.of() : List.copyOf(secretEnv);
    }

    /** A check of {@code command} with the migration's Secrets and environment. */
    public Compatibility(List<String> command, String timeout, Map<String, String> env) {
        this(command, timeout, env, null, null);
    }

    /** Whether the check takes its database access from Secrets of its own rather than the migration's. */
    public boolean hasOwnSecrets() {
        return !envFromSecret.isEmpty() || !secretEnv.isEmpty();
    }

    public Duration timeoutOrDefault() {
        return Durations.parseOr(timeout, DEFAULT_TIMEOUT);
    }

    /** What is wrong with {@code migration.compatibility}, field by field. */
    static List<PlanError> errors(Compatibility c) {
        List<PlanError> errors = new java.util.ArrayList<>();
        String p = "migration.compatibility";
        if (c.command().isEmpty()) {
            errors.add(new PlanError(p + ".command", "empty: give the command that tries the running version against the"
                    + " schema, e.g. [python3, manage.py, check_compatibility]"));
        }
        for (int i = 0; i < c.command().size(); i++) {
            if (c.command().get(i) == null || c.command().get(i).isEmpty()) {
                errors.add(new PlanError(p + ".command[" + i + "]", "empty argument: remove it or give its value"));
            }
        }
        for (String name : c.env().keySet()) {
            if (!KubeNames.isEnvVarName(name)) {
                errors.add(new PlanError(p + ".env." + name, "not a valid environment variable name: use letters, digits and '_'"));
            }
        }
        return errors;
    }
}

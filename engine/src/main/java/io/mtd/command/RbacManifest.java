package io.mtd.command;

import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import io.mtd.kube.Permissions;
import io.mtd.plan.Environment;
import io.mtd.plan.Plan;
import java.util.ArrayList;
import java.util.List;

/**
 * The least-privilege access a plan's runs need ({@code mtd rbac}): per environment, the RBAC rules the engine's
 * {@link Permissions} list gives, and the namespaced Role and RoleBinding that grant them, as YAML for
 * {@code kubectl apply -f -}.
 *
 * @param role the name of the Role (and RoleBinding) in every environment's namespace
 */
public record RbacManifest(String role, List<Grant> environments) {

    public RbacManifest {
        environments = List.copyOf(environments);
    }

    /**
     * One environment's grant (or, where the plan puts the migration slot's Lease in a namespace of its own, the grant
     * there).
     *
     * @param secrets the rule to read Secrets (masking their values in logs), or null when left out
     * @param yaml the Role and the RoleBinding
     * @param checks what the run reads, optionally, to check before it creates the Job that its Pod can start
     */
    public record Grant(String environment, String namespace, List<Permissions.Rule> rules, Permissions.Rule secrets,
            String yaml, List<Permissions.Rule> checks) {

        public Grant {
            rules = List.copyOf(rules);
            checks = List.copyOf(checks);
        }
    }

    /**
     * The grants for {@code serviceAccount} (in {@code serviceAccountNamespace}, or each environment's own when null);
     * without {@code readSecrets}, runs work but cannot mask the migration's Secret values.
     */
    public static RbacManifest of(Plan plan, String serviceAccount, String serviceAccountNamespace, boolean readSecrets) {
        KubernetesSerialization yaml = new KubernetesSerialization();
        String role = plan.app() + "-mtd";
        List<Grant> grants = new ArrayList<>();
        java.util.Set<String> lockNamespaces = new java.util.HashSet<>();
        for (Environment env : plan.environments()) {
            grants.add(new Grant(env.name(), env.namespaceOrDefault(), Permissions.required(plan, env),
                    readSecrets ? Permissions.secrets() : null,
                    yaml.asYaml(Permissions.role(plan, env, role, readSecrets))
                            + yaml.asYaml(Permissions.binding(env, role, serviceAccount, serviceAccountNamespace)),
                    Permissions.checks(plan, env)));
            Permissions.lockRole(plan, env, role).filter(r -> lockNamespaces.add(r.getMetadata().getNamespace()))
                    .ifPresent(r -> grants.add(new Grant(env.name() + " (the migration slot's Lease)", r.getMetadata().getNamespace(),
                            Permissions.requiredForLock(plan, env), null, yaml.asYaml(r) + yaml.asYaml(Permissions.binding(
                                    r.getMetadata().getNamespace(), role, serviceAccount,
                                    serviceAccountNamespace == null ? env.namespaceOrDefault() : serviceAccountNamespace)),
                            List.of())));
        }
        return new RbacManifest(role, grants);
    }
}

package io.mtd.kube;

import io.fabric8.kubernetes.api.model.rbac.PolicyRule;
import io.fabric8.kubernetes.api.model.rbac.PolicyRuleBuilder;
import io.fabric8.kubernetes.api.model.rbac.Role;
import io.fabric8.kubernetes.api.model.rbac.RoleBinding;
import io.fabric8.kubernetes.api.model.rbac.RoleBindingBuilder;
import io.fabric8.kubernetes.api.model.rbac.RoleBuilder;
import io.fabric8.kubernetes.api.model.authentication.SelfSubjectReview;
import io.fabric8.kubernetes.api.model.authentication.SelfSubjectReviewBuilder;
import io.fabric8.kubernetes.api.model.authorization.v1.SelfSubjectAccessReview;
import io.fabric8.kubernetes.api.model.authorization.v1.SelfSubjectAccessReviewBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.mtd.plan.Environment;
import io.mtd.plan.Plan;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The one list of what the engine does in an environment's namespace, as RBAC rules: what {@code mtd rbac} grants and
 * what the tests hold the engine to (a run with exactly these succeeds, and without any one verb fails saying so).
 */
public final class Permissions {

    /** One RBAC rule and why the engine needs it. */
    public record Rule(String apiGroup, String resource, List<String> verbs, String why) {
        public Rule {
            verbs = List.copyOf(verbs);
        }

        PolicyRule policy() {
            return new PolicyRuleBuilder().withApiGroups(apiGroup).withResources(resource).withVerbs(verbs).build();
        }
    }

    private static final String RBAC_COMMAND = "`mtd rbac PLAN --service-account NAME`";

    /** What to tell a user whose account was refused something. */
    public static final String HINT = RBAC_COMMAND + " prints the Role and RoleBinding that grant exactly what mtd needs";

    /** How a refusal ends: the fix, in the same words wherever the engine finds one. */
    private static final String GRANT = "grant it with the Role that " + RBAC_COMMAND + " prints";

    /** The API server's own words for a refusal: who may not do what to which resource, where. */
    private static final java.util.regex.Pattern FORBIDDEN = java.util.regex.Pattern.compile(
            "User \"([^\"]+)\" cannot (\\w+) resource \"([^\"]+)\" in API group \"([^\"]*)\""
                    + "(?: in the namespace \"([^\"]+)\"| at the cluster scope)");

    private Permissions() {}

    /**
     * A failure caused by a 403, said in one line: where the run stopped, the verb, the resource, the namespace and the
     * account, and how to grant what is missing; any other failure as it is.
     */
    public static String explainForbidden(String failure) {
        java.util.regex.Matcher m = FORBIDDEN.matcher(failure);
        if (!m.find()) {
            return failure;
        }
        // "staging: rollout failed: ..." -> "staging: rollout failed"
        String[] parts = failure.split(": ", 3);
        String where = parts.length >= 3 ? parts[0] + ": " + parts[1] : parts[0];
        String resource = (m.group(4).isEmpty() ? "" : m.group(4) + "/") + m.group(3);
        return where + ": forbidden: the account " + m.group(1) + " may not " + m.group(2) + " " + resource
                + (m.group(5) == null ? " at the cluster scope" : " in namespace " + m.group(5))
                + " (the API server answered 403): " + GRANT;
    }

    /** The rules the engine needs to run {@code plan} in one environment, without which the run fails. */
    public static List<Rule> required(Plan plan, Environment env) {
        List<Rule> rules = new ArrayList<>();
        // delete is needed by every plan: a Job whose container never started is deleted (fail fast, or a stuck occupant of
        // the slot) so that it cannot migrate later unattended; also retry and onCancel: delete
        rules.add(new Rule("batch", "jobs", List.of("get", "list", "watch", "create", "delete"),
                "the migration Job: find the environment's unfinished ones, create it, watch it, delete one that never started"));
        // deletecollection: a never-started Job's Pods are deleted by label in one request
        rules.add(new Rule("", "pods", List.of("list", "watch", "deletecollection"),
                "the migration Job's Pods and their state; those of a Job that never started are deleted"));
        rules.add(new Rule("", "pods/log", List.of("get"), "the migration's log, streamed into the run's log"));
        rules.add(new Rule("coordination.k8s.io", "leases", List.of("get", "list", "watch", "create", "update", "patch"),
                "the migration lock: one migration per app and environment at a time, waited on by watch"));
        // every environment records which release it is at (get, create, update with its resourceVersion)
        if (plan.migration().flyway() != null && plan.migration().flyway().shipsFromWorkspace()) {
            rules.add(new Rule("", "configmaps", List.of("get", "create", "update", "patch"),
                    "the environment's release record; Flyway's scripts, shipped to the Job in ConfigMaps"));
        } else {
            rules.add(new Rule("", "configmaps", List.of("get", "create", "update"),
                    "the environment's release record: which run took it to which image, so that an older run stops"));
        }
        if (plan.migration().takesSnapshots()) {
            rules.add(new Rule("", "configmaps", List.of("get", "create", "update"),
                    "the schema kept after each successful run, for the next run's comparison (migration.snapshot)"));
        }
        if (!env.deployments().isEmpty()) {
            rules.add(new Rule("apps", "deployments", List.of("get", "list", "watch", "patch"),
                    "the rollout: set the new image, wait until available, undo on failure"));
            rules.add(new Rule("apps", "replicasets", List.of("list", "watch"), "the rollout's progress and its undo"));
        }
        return rules;
    }

    /**
     * Reading the migration's Secrets: only to mask their values in logs (and, for Flyway, to check the schema history
     * before the Job runs). Without it the run still works, and says which values cannot be masked.
     */
    public static Rule secrets() {
        return new Rule("", "secrets", List.of("get"), "mask the migration's Secret values in logs (optional)");
    }

    /**
     * Asks the API server (SelfSubjectAccessReview) whether this client may do everything {@code plan} needs in
     * {@code env}, before anything is touched; empty when it may, or when the server cannot say.
     */
    public static Optional<String> refused(KubernetesClient client, Plan plan, Environment env) {
        String ns = env.namespaceOrDefault();
        List<String> missing = new ArrayList<>();
        for (Rule rule : required(plan, env)) {
            String[] resource = rule.resource().split("/", 2);
            for (String verb : rule.verbs()) {
                SelfSubjectAccessReview answer;
                try {
                    answer = client.resource(new SelfSubjectAccessReviewBuilder().withNewSpec().withNewResourceAttributes()
                            .withNamespace(ns).withGroup(rule.apiGroup()).withResource(resource[0])
                            .withSubresource(resource.length > 1 ? resource[1] : null).withVerb(verb)
                            .endResourceAttributes().endSpec().build()).create();
                } catch (KubernetesClientException e) {
                    return Optional.empty(); // reviews not offered (or not allowed): the calls themselves will say
                }
                if (answer != null && answer.getStatus() != null && Boolean.FALSE.equals(answer.getStatus().getAllowed())) {
                    missing.add(verb + " " + (rule.apiGroup().isEmpty() ? "" : rule.apiGroup() + "/") + rule.resource());
                }
            }
        }
        if (missing.isEmpty()) {
            return Optional.empty();
        }
        return Optional.of("forbidden: the account " + account(client) + " may not " + String.join(", ", missing)
                + " in namespace " + ns + ": " + GRANT);
    }

    /** Who the API server takes this client for (SelfSubjectReview), as a user would look it up. */
    static String account(KubernetesClient client) {
        try {
            SelfSubjectReview me = client.resource(new SelfSubjectReviewBuilder().build()).create();
            if (me != null && me.getStatus() != null && me.getStatus().getUserInfo() != null
                    && me.getStatus().getUserInfo().getUsername() != null) {
                return me.getStatus().getUserInfo().getUsername();
            }
        } catch (KubernetesClientException e) {
            // an older API server: say whose credentials they are instead
        }
        String user = client.getConfiguration().getUsername();
        return user != null ? user : "of this environment's credentials";
    }

    /** The namespaced Role for {@code env}, with the secrets rule when {@code maskSecrets}. */
    public static Role role(Plan plan, Environment env, String name, boolean maskSecrets) {
        List<PolicyRule> rules = new ArrayList<>(required(plan, env).stream().map(Rule::policy).toList());
        if (maskSecrets) {
            rules.add(secrets().policy());
        }
        return new RoleBuilder().withNewMetadata().withName(name).withNamespace(env.namespaceOrDefault())
                .addToLabels(Labels.MANAGED_BY, Labels.MANAGER).endMetadata().withRules(rules).build();
    }

    /** The RoleBinding of {@code role} to the service account {@code account} in {@code env}'s namespace. */
    public static RoleBinding binding(Environment env, String role, String account, String accountNamespace) {
        return new RoleBindingBuilder().withNewMetadata().withName(role).withNamespace(env.namespaceOrDefault())
                .addToLabels(Labels.MANAGED_BY, Labels.MANAGER).endMetadata()
                .withNewRoleRef().withApiGroup("rbac.authorization.k8s.io").withKind("Role").withName(role).endRoleRef()
                .addNewSubject().withKind("ServiceAccount").withName(account)
                .withNamespace(accountNamespace == null ? env.namespaceOrDefault() : accountNamespace).endSubject()
                .build();
    }
}

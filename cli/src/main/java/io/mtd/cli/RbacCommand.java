package io.mtd.cli;

import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import io.mtd.kube.Permissions;
import io.mtd.plan.Environment;
import io.mtd.plan.Plan;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code mtd rbac PLAN}: the least-privilege Role and RoleBinding per environment, for {@code kubectl apply -f -}. */
@Command(name = "rbac", mixinStandardHelpOptions = true,
        description = "Print, for each environment of the plan, a namespaced Role with exactly the verbs mtd needs there"
                + " and a RoleBinding to a service account; apply with kubectl apply -f -.",
        footer = ExitCode.HELP)
final class RbacCommand implements Callable<Integer> {

    @Mixin
    PlanFile planFile;

    @Option(names = "--service-account", paramLabel = "NAME", defaultValue = "mtd",
            description = "The service account mtd runs as (default: ${DEFAULT-VALUE}).")
    String serviceAccount;

    @Option(names = "--service-account-namespace", paramLabel = "NS",
            description = "The service account's namespace (default: each environment's own).")
    String serviceAccountNamespace;

    @Option(names = "--no-secrets", description = "Leave out reading Secrets: runs still work, but the migration's"
            + " Secret values cannot be masked in logs.")
    boolean noSecrets;

    @Override
    public Integer call() {
        Plan plan = planFile.load();
        if (plan == null) {
            return ExitCode.INVALID;
        }
        KubernetesSerialization yaml = new KubernetesSerialization();
        String role = plan.app() + "-mtd";
        for (Environment env : plan.environments()) {
            System.out.println("# " + env.name() + ": what mtd needs in namespace " + env.namespaceOrDefault() + ":");
            for (Permissions.Rule r : Permissions.required(plan, env)) {
                System.out.println("#   " + (r.apiGroup().isEmpty() ? "" : r.apiGroup() + "/") + r.resource() + " "
                        + String.join(",", r.verbs()) + ": " + r.why());
            }
            if (!noSecrets) {
                System.out.println("#   secrets get: " + Permissions.secrets().why());
            }
            System.out.print(yaml.asYaml(Permissions.role(plan, env, role, !noSecrets)));
            System.out.print(yaml.asYaml(Permissions.binding(env, role, serviceAccount, serviceAccountNamespace)));
        }
        return ExitCode.OK;
    }
}

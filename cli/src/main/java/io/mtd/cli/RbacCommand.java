package io.mtd.cli;

import io.mtd.CheckedPlan;
import io.mtd.MigrateThenDeploy;
import io.mtd.command.RbacManifest;
import io.mtd.kube.Permissions;
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
            description = "The service account mtd runs as (default: ${DEFAULT-VALUE}). It is yours to create"
                    + " (kubectl create serviceaccount NAME -n NS): this prints its Roles and RoleBindings, not the account.")
    String serviceAccount;

    @Option(names = "--service-account-namespace", paramLabel = "NS",
            description = "The service account's namespace (default: each environment's own).")
    String serviceAccountNamespace;

    @Option(names = "--no-secrets", description = "Leave out reading Secrets: runs still work, but the migration's"
            + " Secret values cannot be masked in logs.")
    boolean noSecrets;

    @Override
    public Integer call() {
        CheckedPlan plan = planFile.load();
        if (plan == null) {
            return ExitCode.INVALID;
        }
        RbacManifest manifest;
        try (MigrateThenDeploy engine = planFile.engine()) {
            manifest = engine.rbac(plan, serviceAccount, serviceAccountNamespace, !noSecrets);
        }
        for (RbacManifest.Grant grant : manifest.environments()) {
            System.out.println("# " + grant.environment() + ": what mtd needs in namespace " + grant.namespace() + ":");
            for (Permissions.Rule r : grant.rules()) {
                System.out.println("#   " + (r.apiGroup().isEmpty() ? "" : r.apiGroup() + "/") + r.resource() + " "
                        + String.join(",", r.verbs()) + ": " + r.why());
            }
            for (Permissions.Rule r : grant.checks()) {
                System.out.println("#   " + r.resource() + " " + String.join(",", r.verbs()) + ": " + r.why());
            }
            if (grant.secrets() != null) {
                System.out.println("#   secrets get: " + grant.secrets().why());
            }
            System.out.print(grant.yaml());
        }
        return ExitCode.OK;
    }
}

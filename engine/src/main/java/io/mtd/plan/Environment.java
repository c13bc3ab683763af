package io.mtd.plan;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.List;

/**
 * One stage of the promotion (staging, production, ...): where its cluster is, what to migrate and roll out there.
 *
 * @param name environment name, a lower-case Kubernetes name
 * @param context kubeconfig context of its cluster (default: the current context)
 * @param kubeconfig kubeconfig file of its cluster (default: KUBECONFIG or ~/.kube/config)
 * @param credentialsId Jenkins credentials that reach its cluster (used by the Jenkins plugin only)
 * @param serverUrl API server URL, with a token credential (used by the Jenkins plugin only)
 * @param namespace namespace of the migration Job and the Deployments (default: the context's, else {@code default})
 * @param deployments Deployments to roll out to the new image once the migration succeeded
 * @param container container to update in those Deployments (default: the only container)
 * @param approval whether someone must approve before this environment is touched
 * @param approvers who may approve (default: anyone allowed to build)
 * @param backup the backup Job run right before this environment's migration, instead of {@code migration.backup}
 */
@JsonInclude(JsonInclude.Include.NON_EMPTY)
public record Environment(
        String name,
        String context,
        String kubeconfig,
        String credentialsId,
        String serverUrl,
        String namespace,
        List<String> deployments,
        String container,
        Boolean approval,
        List<String> approvers,
        DatabaseJob backup) {

    public Environment {
        deployments = deployments == null ? List.of() : List.copyOf(deployments);
        approvers = approvers == null ? List.of() : List.copyOf(approvers);
    }

    /** An environment without a backup of its own. */
    public Environment(String name, String context, String kubeconfig, String credentialsId, String serverUrl, String namespace,
            List<String> deployments, String container, Boolean approval, List<String> approvers) {
        this(name, context, kubeconfig, credentialsId, serverUrl, namespace, deployments, container, approval, approvers, null);
    }

    /** The backup taken before this environment's migration: its own, else the migration's for all, else none. */
    public DatabaseJob backupOr(Migration m) {
        return backup != null ? backup : m.backup();
    }

    /** An environment in one namespace of the current kubeconfig context. */
    public static Environment of(String name, String namespace, List<String> deployments) {
        return new Environment(name, null, null, null, null, namespace, deployments, null, null, null);
    }

    public String namespaceOrDefault() {
        return namespace == null || namespace.isBlank() ? "default" : namespace;
    }

    public boolean requiresApproval() {
        return approval != null && approval;
    }

    /** The same environment with its own backup ({@code environments[].backup}) set, or none with null. */
    public Environment withBackup(DatabaseJob newBackup) {
        return new Environment(name, context, kubeconfig, credentialsId, serverUrl, namespace, deployments, container, approval,
                approvers, newBackup);
    }

    public Environment withNamespace(String ns) {
        return new Environment(name, context, kubeconfig, credentialsId, serverUrl, ns, deployments, container, approval, approvers,
                backup);
    }
}

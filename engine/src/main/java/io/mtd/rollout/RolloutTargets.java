package io.mtd.rollout;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.mtd.plan.Environment;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The Deployments an environment's rollout will change, and the container the image goes into in each: found, and
 * checked to be rollable, before the environment's first migration, so that a typo stops the run while the database
 * still matches the code, rather than after its migration, when the rollout would fail.
 */
public final class RolloutTargets {

    private RolloutTargets() {}

    /** One Deployment the plan names and the container the image goes into. */
    public record Target(Deployment deployment, Container container) {}

    /**
     * What the environment's Deployments run now, each checked as {@link #find} does.
     *
     * @param running each Deployment and the image its container runs now, in the plan's order
     * @param problems each Deployment that cannot be rolled out, one line each (the cause, then the fix)
     */
    public record Checked(Map<String, String> running, List<String> problems) {
        public Checked {
            running = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(running));
            problems = List.copyOf(problems);
        }
    }

    /** Every Deployment {@code env} names, checked without changing anything. */
    public static Checked check(KubernetesClient client, Environment env) {
        Map<String, String> running = new LinkedHashMap<>();
        List<String> problems = new ArrayList<>();
        for (String name : env.deployments()) {
            try {
                running.put(name, find(client, env, name).container().getImage());
            } catch (RolloutFailedException e) {
                problems.add(e.getMessage());
            } catch (KubernetesClientException e) {
                problems.add("could not read Deployment " + name + " in namespace " + env.namespaceOrDefault() + ": "
                        + (e.getStatus() != null && e.getStatus().getMessage() != null ? e.getStatus().getMessage() : e.getMessage()));
            }
        }
        return new Checked(running, problems);
    }

    /**
     * The Deployment {@code name} of {@code env} and the container the image goes into.
     *
     * @throws RolloutFailedException when it does not exist, is paused, or the container cannot be told, naming the fix
     */
    public static Target find(KubernetesClient client, Environment env, String name) {
        String namespace = env.namespaceOrDefault();
        Deployment d = client.apps().deployments().inNamespace(namespace).withName(name).get();
        if (d == null) {
            throw new RolloutFailedException("Deployment " + name + " not found in namespace " + namespace
                    + ": check environments[" + env.name() + "].deployments and its namespace (mtd rolls out existing "
                    + "Deployments, it does not create them)");
        }
        if (Boolean.TRUE.equals(d.getSpec().getPaused())) {
            throw new RolloutFailedException("Deployment " + name + " in namespace " + namespace + " is paused, so it would "
                    + "never roll out: resume it first: kubectl rollout resume -n " + namespace + " deployment/" + name);
        }
        return new Target(d, AppContainer.of(d, env));
    }
}

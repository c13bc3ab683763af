package io.mtd.compatibility;

import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.mtd.plan.Environment;
import io.mtd.rollout.AppContainer;
import io.mtd.rollout.RolloutFailedException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The versions the compatibility check tries in an environment: each distinct image its Deployments run now (in the
 * container the rollout sets), but the release's own, with the Deployments that run it; or why there is none to try.
 *
 * @param versions the images to try, each once, in the order of the environment's Deployments
 * @param skipped why nothing is tried, when {@code versions} is empty
 * @param notes what was left out of {@code versions} and why (a Deployment not found, one already on the release)
 */
public record RunningVersions(List<Version> versions, String skipped, List<String> notes) {

    public RunningVersions {
        versions = List.copyOf(versions);
        notes = List.copyOf(notes);
    }

    /** One version serving: its image and the Deployments that run it. */
    public record Version(String image, List<String> deployments) {
        public Version {
            deployments = List.copyOf(deployments);
        }
    }

    /**
     * What {@code env}'s Deployments run now, read from the cluster, to be tried against the schema of {@code release}.
     *
     * @throws io.fabric8.kubernetes.client.KubernetesClientException when a Deployment cannot be read
     */
    public static RunningVersions read(KubernetesClient client, Environment env, String release) {
        if (env.deployments().isEmpty()) {
            return new RunningVersions(List.of(), "environment " + env.name() + " names no Deployments, so which version serves"
                    + " there is unknown (the check runs the images of environments[].deployments)", List.of());
        }
        String namespace = env.namespaceOrDefault();
        Map<String, List<String>> byImage = new LinkedHashMap<>();
        List<String> notes = new ArrayList<>();
        List<String> absent = new ArrayList<>();
        List<String> onRelease = new ArrayList<>();
        for (String name : env.deployments()) {
            Deployment d = client.apps().deployments().inNamespace(namespace).withName(name).get();
            if (d == null) {
                absent.add(name);
                continue;
            }
            String image;
            try {
                image = AppContainer.of(d, env).getImage();
            } catch (RolloutFailedException unclear) {
                // the rollout refuses this Deployment for the same reason, before it changes anything
                notes.add("which version " + name + " runs is unclear: " + unclear.getMessage());
                continue;
            }
            if (release.equals(image)) {
                onRelease.add(name);
            } else {
                byImage.computeIfAbsent(image, k -> new ArrayList<>()).add(name);
            }
        }
        if (!absent.isEmpty()) {
            notes.add(String.join(", ", absent) + (absent.size() == 1 ? " does" : " do") + " not exist in namespace " + namespace
                    + " yet (a first release): no version of " + (absent.size() == 1 ? "it" : "them") + " serves");
        }
        if (!onRelease.isEmpty()) {
            notes.add(String.join(", ", onRelease) + (onRelease.size() == 1 ? " runs" : " run") + " release " + release
                    + " already: no older version of " + (onRelease.size() == 1 ? "it" : "them") + " serves");
        }
        List<Version> versions = byImage.entrySet().stream().map(e -> new Version(e.getKey(), e.getValue())).toList();
        String skipped = null;
        if (versions.isEmpty()) {
            skipped = absent.size() == env.deployments().size() ? "no Deployment of the environment exists yet (a first release):"
                    + " no version serves that the new schema could break"
                    : onRelease.size() + absent.size() == env.deployments().size() ? "the Deployments already run the new image "
                            + release + ": no older version serves" : "no version serving could be told: " + String.join("; ", notes);
        }
        return new RunningVersions(versions, skipped, skipped == null ? notes : List.of());
    }

    /** The release itself, serving in {@code env}'s Deployments once rolled out: tried after the post-rollout migration. */
    public static RunningVersions released(Environment env, String release) {
        return new RunningVersions(List.of(new Version(release, env.deployments())), null, List.of());
    }
}

package io.mtd.rollout;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.mtd.plan.Environment;
import java.util.List;
import java.util.stream.Collectors;

/**
 * The container of a Deployment that runs the application image: the one the environment names, else its only one. The
 * rollout sets its image; the compatibility check runs the image it has now.
 */
public final class AppContainer {

    private AppContainer() {}

    /**
     * The application's container in {@code d}.
     *
     * @throws RolloutFailedException when the environment names a container {@code d} lacks, or names none and {@code d}
     *     has several, saying which to set
     */
    public static Container of(Deployment d, Environment env) {
        List<Container> containers = d.getSpec().getTemplate().getSpec().getContainers();
        String names = containers.stream().map(Container::getName).collect(Collectors.joining(", "));
        String field = "environments[" + env.name() + "].container";
        String where = "Deployment " + d.getMetadata().getName() + " in namespace " + env.namespaceOrDefault();
        if (env.container() != null && !env.container().isBlank()) {
            return containers.stream().filter(c -> env.container().equals(c.getName())).findFirst()
                    .orElseThrow(() -> new RolloutFailedException(where + " has no container named " + env.container()
                            + " (its containers: " + names + "): set " + field + " to one of them"));
        }
        if (containers.size() != 1) {
            throw new RolloutFailedException(where + " has " + containers.size() + " containers (" + names
                    + ") and the plan names none: set " + field + " to the one that runs the application image");
        }
        return containers.get(0);
    }
}

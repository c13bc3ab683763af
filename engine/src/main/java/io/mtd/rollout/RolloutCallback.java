package io.mtd.rollout;

import java.nio.file.Path;
import java.util.concurrent.CompletionStage;

/**
 * The caller's own rollout (the Jenkins step's body, a CLI hook command), called once per environment after that
 * environment's migration succeeded; a failed stage fails the promotion like a failed rollout.
 */
@FunctionalInterface
public interface RolloutCallback {

    CompletionStage<Void> rollout(Target target);

    /**
     * Where to roll out.
     *
     * @param environment the environment's name
     * @param namespace its namespace
     * @param image the image, pinned by digest where one is known
     * @param kubeconfig a kubeconfig file for the environment's cluster, valid while the callback runs
     */
    record Target(String environment, String namespace, String image, Path kubeconfig) {}
}

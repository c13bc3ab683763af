package io.mtd.sandbox;

/**
 * Why the kubelet cannot create a container yet (a missing Secret or key, a user runAsNonRoot forbids); its message is
 * the kubelet's, shown as the container's CreateContainerConfigError.
 */
final class ContainerConfigError extends Exception {

    ContainerConfigError(String message) {
        super(message);
    }
}

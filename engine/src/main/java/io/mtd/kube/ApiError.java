package io.mtd.kube;

import io.fabric8.kubernetes.client.KubernetesClientException;

/** A failed Kubernetes API call in one line: the code and the API server's own message, not fabric8's request dump. */
public final class ApiError {

    private ApiError() {}

    public static String describe(Throwable cause) {
        if (cause instanceof KubernetesClientException k) {
            return "the Kubernetes API answered " + (k.getCode() > 0 ? k.getCode() + " " : "")
                    + (k.getStatus() != null && k.getStatus().getMessage() != null ? k.getStatus().getMessage() : k.getMessage());
        }
        return cause.getMessage() == null ? cause.toString() : cause.getMessage();
    }
}

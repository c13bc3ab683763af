package io.mtd.sandbox;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.client.KubernetesClient;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;

/** The Secrets and ConfigMaps of one namespace, as a container reads them: decoded values by key. */
interface NamespaceData {

    /** The decoded data of Secret {@code name}, or null when it does not exist. */
    Map<String, String> secret(String name);

    /** The data of ConfigMap {@code name}, or null when it does not exist. */
    Map<String, String> configMap(String name);

    /** Reads {@code namespace}'s objects from the API server at each call, as the kubelet does before each start. */
    static NamespaceData of(KubernetesClient client, String namespace) {
        return new NamespaceData() {
            @Override
            public Map<String, String> secret(String name) {
                Secret secret = client.secrets().inNamespace(namespace).withName(name).get();
                return secret == null ? null : decoded(secret);
            }

            @Override
            public Map<String, String> configMap(String name) {
                ConfigMap configMap = client.configMaps().inNamespace(namespace).withName(name).get();
                return configMap == null ? null : configMap.getData() == null ? Map.of() : configMap.getData();
            }
        };
    }

    /** The values a container gets: data only, since the sandbox's API server folds stringData into it on write. */
    private static Map<String, String> decoded(Secret secret) {
        Map<String, String> data = new LinkedHashMap<>();
        if (secret.getData() != null) {
            secret.getData().forEach((k, v) -> data.put(k, new String(Base64.getDecoder().decode(v), StandardCharsets.UTF_8)));
        }
        return data;
    }
}

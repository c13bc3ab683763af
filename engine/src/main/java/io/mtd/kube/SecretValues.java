package io.mtd.kube;

import io.fabric8.kubernetes.api.model.Secret;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A Secret's values as text, the ones a container gets: {@code data} decoded from base64. An API server (the sandbox's
 * too) folds {@code stringData} into {@code data} on write, so a Secret read from a cluster has data only; one not yet
 * written may have both, and then stringData wins, as it will on write.
 */
public final class SecretValues {

    private SecretValues() {}

    public static Map<String, String> of(Secret secret) {
        Map<String, String> values = new LinkedHashMap<>();
        if (secret.getData() != null) {
            secret.getData().forEach((k, v) -> {
                if (v != null) {
                    values.put(k, decode(v));
                }
            });
        }
        if (secret.getStringData() != null) {
            secret.getStringData().forEach((k, v) -> {
                if (v != null) {
                    values.put(k, v);
                }
            });
        }
        return values;
    }

    private static String decode(String base64) {
        try {
            return new String(Base64.getDecoder().decode(base64), StandardCharsets.UTF_8);
        } catch (IllegalArgumentException notBase64) {
            return base64; // never from an API server; kept as written rather than lost
        }
    }
}

package io.mtd.kube;

import io.fabric8.kubernetes.api.model.Secret;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A Secret's values as text: {@code data} decoded from base64, overwritten by {@code stringData} as the API server does
 * when it folds stringData into data on write (a mock server may leave both), so the values are the ones a container gets.
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

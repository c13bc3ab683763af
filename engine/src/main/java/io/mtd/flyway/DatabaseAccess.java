package io.mtd.flyway;

import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.mtd.plan.Flyway;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;

/** The database URL, user and password the migration Job will use, for the pre-flight to connect with. */
public record DatabaseAccess(String url, String user, String password) {

    /** Never the values: this record ends up in logs and exception messages like any other. */
    @Override
    public String toString() {
        return "DatabaseAccess[url=****, user=****, password=****]";
    }

    /** {@code text} with the URL, user and password replaced, for messages from drivers that quote them. */
    String mask(String text) {
        if (text == null) {
            return null;
        }
        String out = text;
        for (String secret : new String[] {url, password, user}) {
            if (secret != null && secret.length() >= 3) {
                out = out.replace(secret, "****");
            }
        }
        return out;
    }

    /**
     * Reads the plan's Secret as the Job's Pod would see it.
     *
     * @throws IllegalArgumentException when the Secret or one of its keys is missing (the Job could not start either)
     * @throws io.fabric8.kubernetes.client.KubernetesClientException when the Secret cannot be read, e.g. forbidden
     */
    public static DatabaseAccess fromSecret(KubernetesClient client, String namespace, Flyway flyway) {
        Secret secret = client.secrets().inNamespace(namespace).withName(flyway.secret()).get();
        if (secret == null) {
            throw new IllegalArgumentException("migration.flyway.secret: Secret '" + flyway.secret() + "' does not exist in namespace '"
                    + namespace + "'; create it with the keys " + flyway.urlKeyOrDefault() + ", " + flyway.userKeyOrDefault()
                    + " and " + flyway.passwordKeyOrDefault());
        }
        List<String> missing = new ArrayList<>();
        String url = value(secret, flyway.urlKeyOrDefault(), missing);
        String user = value(secret, flyway.userKeyOrDefault(), missing);
        String password = value(secret, flyway.passwordKeyOrDefault(), missing);
        if (!missing.isEmpty()) {
            throw new IllegalArgumentException("migration.flyway.secret: Secret '" + flyway.secret() + "' in namespace '" + namespace
                    + "' has no key " + String.join(", ", missing) + "; add it, or name the key it uses with migration.flyway."
                    + "urlKey/userKey/passwordKey");
        }
        return new DatabaseAccess(url, user, password);
    }

    private static String value(Secret secret, String key, List<String> missing) {
        Map<String, String> data = secret.getData();
        if (data != null && data.get(key) != null) {
            return new String(Base64.getDecoder().decode(data.get(key)), StandardCharsets.UTF_8);
        }
        Map<String, String> stringData = secret.getStringData();
        if (stringData != null && stringData.get(key) != null) {
            return stringData.get(key);
        }
        missing.add(key);
        return null;
    }
}

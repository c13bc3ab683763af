package io.mtd.flyway;

import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.mtd.kube.SecretValues;
import io.mtd.plan.Flyway;
import java.util.ArrayList;
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
        Map<String, String> values = SecretValues.of(secret);
        List<String> missing = new ArrayList<>();
        String url = value(values, flyway.urlKeyOrDefault(), missing);
        String user = value(values, flyway.userKeyOrDefault(), missing);
        String password = value(values, flyway.passwordKeyOrDefault(), missing);
        if (!missing.isEmpty()) {
            throw new IllegalArgumentException("migration.flyway.secret: Secret '" + flyway.secret() + "' in namespace '" + namespace
                    + "' has no key " + String.join(", ", missing) + "; add it, or name the key it uses with migration.flyway."
                    + "urlKey/userKey/passwordKey");
        }
        return new DatabaseAccess(url, user, password);
    }

    private static String value(Map<String, String> values, String key, List<String> missing) {
        String value = values.get(key);
        if (value == null) {
            missing.add(key);
        }
        return value;
    }
}

package io.mtd.migration;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapKeySelector;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvFromSource;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.KeyToPath;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretKeySelector;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeProjection;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Stream;

/**
 * What a migration Job's Pod needs from its namespace before its container can start, checked before the Job is
 * created: every Secret and ConfigMap it references (with the keys it names) and its service account. A Job created
 * without them waits, and starts once they appear, maybe long after its run is gone; so a missing one fails the run at
 * once and no Job is created. What the account may not read is not checked, and the run says so.
 *
 * <p>References marked {@code optional} are not required, as the kubelet does not require them; ConfigMaps the engine
 * creates with the Job (Flyway's scripts) are left out.
 */
final class PodPrerequisites {

    /** The ServiceAccount admission plugin's account: every namespace has it. */
    private static final String DEFAULT_ACCOUNT = "default";

    private final KubernetesClient client;
    private final String namespace;
    private final Map<String, Optional<Map<String, ?>>> secrets = new HashMap<>();
    private final Map<String, Optional<Map<String, ?>>> configMaps = new HashMap<>();
    private final Set<String> unreadable = new LinkedHashSet<>();

    private PodPrerequisites(KubernetesClient client, String namespace) {
        this.client = client;
        this.namespace = namespace;
    }

    /**
     * What is missing for the Pod of {@code job}, and what could not be checked.
     *
     * @param missing each missing object or key, as the kubelet or API server would say it
     * @param reason the Kubernetes reason the Pod would have shown (CreateContainerConfigError, or FailedCreate for a
     *     service account the API server refuses its Pods for)
     * @param unchecked what the account may not read, in words
     */
    record Check(List<String> missing, String reason, List<String> unchecked) {
        Check {
            missing = List.copyOf(missing);
            unchecked = List.copyOf(unchecked);
        }

        boolean ok() {
            return missing.isEmpty();
        }
    }

    /** Checks the Pod of {@code job} (a manifest not yet created) in {@code namespace}; {@code own} ConfigMaps are skipped. */
    static Check of(KubernetesClient client, String namespace, Job job, Set<String> own) {
        return new PodPrerequisites(client, namespace).check(job.getSpec().getTemplate().getSpec(), own);
    }

    private Check check(PodSpec pod, Set<String> own) {
        List<String> missing = new ArrayList<>();
        String reason = "CreateContainerConfigError";
        String account = pod.getServiceAccountName() != null ? pod.getServiceAccountName() : pod.getServiceAccount();
        if (account != null && !account.isEmpty() && !DEFAULT_ACCOUNT.equals(account) && !serviceAccountExists(account)) {
            missing.add("error looking up service account " + namespace + "/" + account + ": serviceaccount \"" + account
                    + "\" not found (create it, or fix migration.serviceAccount)");
            reason = "FailedCreate";
        }
        List<Container> containers = Stream.concat(
                pod.getInitContainers() == null ? Stream.<Container>empty() : pod.getInitContainers().stream(),
                pod.getContainers() == null ? Stream.<Container>empty() : pod.getContainers().stream()).toList();
        for (Container c : containers) {
            for (EnvFromSource from : c.getEnvFrom() == null ? List.<EnvFromSource>of() : c.getEnvFrom()) {
                if (from.getSecretRef() != null && !Boolean.TRUE.equals(from.getSecretRef().getOptional())) {
                    secret(from.getSecretRef().getName(), null, missing);
                }
                if (from.getConfigMapRef() != null && !Boolean.TRUE.equals(from.getConfigMapRef().getOptional())
                        && !own.contains(from.getConfigMapRef().getName())) {
                    configMap(from.getConfigMapRef().getName(), null, missing);
                }
            }
            for (EnvVar v : c.getEnv() == null ? List.<EnvVar>of() : c.getEnv()) {
                SecretKeySelector s = v.getValueFrom() == null ? null : v.getValueFrom().getSecretKeyRef();
                if (s != null && !Boolean.TRUE.equals(s.getOptional())) {
                    secret(s.getName(), s.getKey(), missing);
                }
                ConfigMapKeySelector m = v.getValueFrom() == null ? null : v.getValueFrom().getConfigMapKeyRef();
                if (m != null && !Boolean.TRUE.equals(m.getOptional()) && !own.contains(m.getName())) {
                    configMap(m.getName(), m.getKey(), missing);
                }
            }
        }
        for (Volume v : pod.getVolumes() == null ? List.<Volume>of() : pod.getVolumes()) {
            if (v.getSecret() != null && !Boolean.TRUE.equals(v.getSecret().getOptional())) {
                keys(v.getSecret().getItems()).forEach(k -> secret(v.getSecret().getSecretName(), k, missing));
            }
            if (v.getConfigMap() != null && !Boolean.TRUE.equals(v.getConfigMap().getOptional())
                    && !own.contains(v.getConfigMap().getName())) {
                keys(v.getConfigMap().getItems()).forEach(k -> configMap(v.getConfigMap().getName(), k, missing));
            }
            if (v.getProjected() != null && v.getProjected().getSources() != null) {
                for (VolumeProjection p : v.getProjected().getSources()) {
                    if (p.getSecret() != null && !Boolean.TRUE.equals(p.getSecret().getOptional())) {
                        keys(p.getSecret().getItems()).forEach(k -> secret(p.getSecret().getName(), k, missing));
                    }
                    if (p.getConfigMap() != null && !Boolean.TRUE.equals(p.getConfigMap().getOptional())
                            && !own.contains(p.getConfigMap().getName())) {
                        keys(p.getConfigMap().getItems()).forEach(k -> configMap(p.getConfigMap().getName(), k, missing));
                    }
                }
            }
        }
        return new Check(new ArrayList<>(new LinkedHashSet<>(missing)), reason, List.copyOf(unreadable));
    }

    /** The keys a volume names (null for none: the whole object, which must exist). */
    private static List<String> keys(List<KeyToPath> items) {
        if (items == null || items.isEmpty()) {
            List<String> whole = new ArrayList<>();
            whole.add(null);
            return whole;
        }
        return items.stream().map(KeyToPath::getKey).toList();
    }

    private boolean serviceAccountExists(String name) {
        try {
            return client.serviceAccounts().inNamespace(namespace).withName(name).get() != null;
        } catch (KubernetesClientException e) {
            unreadable.add("the service account " + name + " (" + refusal(e, "serviceaccounts") + ")");
            return true;
        }
    }

    private void secret(String name, String key, List<String> missing) {
        Optional<Map<String, ?>> data = secrets.computeIfAbsent(name, n -> read(() -> {
            Secret s = client.secrets().inNamespace(namespace).withName(n).get();
            return s == null ? null : merged(s.getData(), s.getStringData());
        }, "Secret " + n, "secrets"));
        if (data == null) {
            return; // could not be read: not checked
        }
        if (data.isEmpty()) {
            missing.add("secret \"" + name + "\" not found (create the Secret in namespace " + namespace + ", or fix its"
                    + " name in the plan)");
        } else if (key != null && !data.get().containsKey(key)) {
            missing.add("couldn't find key " + key + " in Secret " + namespace + "/" + name + " (add the key to the"
                    + " Secret, or fix migration.secretEnv)");
        }
    }

    private void configMap(String name, String key, List<String> missing) {
        Optional<Map<String, ?>> data = configMaps.computeIfAbsent(name, n -> read(() -> {
            ConfigMap c = client.configMaps().inNamespace(namespace).withName(n).get();
            return c == null ? null : merged(c.getData(), c.getBinaryData());
        }, "ConfigMap " + n, "configmaps"));
        if (data == null) {
            return;
        }
        if (data.isEmpty()) {
            missing.add("configmap \"" + name + "\" not found (create the ConfigMap in namespace " + namespace + ", or fix"
                    + " its name in the plan)");
        } else if (key != null && !data.get().containsKey(key)) {
            missing.add("couldn't find key " + key + " in ConfigMap " + namespace + "/" + name + " (add the key, or fix the"
                    + " plan)");
        }
    }

    /** The object's keys (empty when it does not exist), or null when the account may not read it. */
    private Optional<Map<String, ?>> read(java.util.function.Supplier<Map<String, ?>> get, String what, String resource) {
        try {
            return Optional.ofNullable(get.get());
        } catch (KubernetesClientException e) {
            unreadable.add(what + " (" + refusal(e, resource) + ")");
            return null;
        }
    }

    private static String refusal(KubernetesClientException e, String resource) {
        return e.getCode() == 403 ? "the account may not get " + resource + " here; grant it with the Role `mtd rbac` prints"
                : "it could not be read: HTTP " + e.getCode();
    }

    private static Map<String, ?> merged(Map<String, String> a, Map<String, String> b) {
        Map<String, Object> all = new HashMap<>();
        if (a != null) {
            all.putAll(a);
        }
        if (b != null) {
            all.putAll(b);
        }
        return all;
    }
}

package io.mtd.sandbox;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvFromSource;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.ObjectMeta;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A container's environment as the kubelet builds it: {@code envFrom} sources in order (each with its prefix), then
 * {@code env} entries, whose values may refer to earlier variables as {@code $(VAR)} and may come from a Secret key, a
 * ConfigMap key or a field of the Pod. A missing Secret, ConfigMap or key that is not optional is a
 * {@link ContainerConfigError} with the kubelet's message.
 */
final class ContainerEnvironment {

    private static final Pattern VAR_REF = Pattern.compile("\\$\\(([A-Za-z_][A-Za-z0-9_.-]*)\\)");

    private ContainerEnvironment() {
    }

    /** The environment of {@code container} in the Pod described by {@code pod}, reading {@code data}. */
    static Map<String, String> resolve(ObjectMeta pod, Container container, NamespaceData data) throws ContainerConfigError {
        return resolve(pod, container, data, Map.of());
    }

    /**
     * As {@link #resolve(ObjectMeta, Container, NamespaceData)}, starting from {@code preset}: variables the node gives
     * every container first (the container's own may refer to them as {@code $(VAR)}, or replace them).
     */
    static Map<String, String> resolve(ObjectMeta pod, Container container, NamespaceData data, Map<String, String> preset)
            throws ContainerConfigError {
        Map<String, String> env = new LinkedHashMap<>(preset);
        if (container.getEnvFrom() != null) {
            for (EnvFromSource from : container.getEnvFrom()) {
                String prefix = from.getPrefix() == null ? "" : from.getPrefix();
                if (from.getSecretRef() != null) {
                    secret(data, from.getSecretRef().getName(), Boolean.TRUE.equals(from.getSecretRef().getOptional()))
                            .forEach((k, v) -> env.put(prefix + k, v));
                }
                if (from.getConfigMapRef() != null) {
                    configMap(data, from.getConfigMapRef().getName(), Boolean.TRUE.equals(from.getConfigMapRef().getOptional()))
                            .forEach((k, v) -> env.put(prefix + k, v));
                }
            }
        }
        if (container.getEnv() != null) {
            for (EnvVar var : container.getEnv()) {
                if (var.getValueFrom() == null) {
                    env.put(var.getName(), var.getValue() == null ? "" : expand(var.getValue(), env));
                    continue;
                }
                var from = var.getValueFrom();
                if (from.getSecretKeyRef() != null) {
                    var ref = from.getSecretKeyRef();
                    boolean optional = Boolean.TRUE.equals(ref.getOptional());
                    putKey(env, var.getName(), secret(data, ref.getName(), optional), ref.getKey(), optional,
                            "Secret " + pod.getNamespace() + "/" + ref.getName());
                } else if (from.getConfigMapKeyRef() != null) {
                    var ref = from.getConfigMapKeyRef();
                    boolean optional = Boolean.TRUE.equals(ref.getOptional());
                    putKey(env, var.getName(), configMap(data, ref.getName(), optional), ref.getKey(), optional,
                            "ConfigMap " + pod.getNamespace() + "/" + ref.getName());
                } else if (from.getFieldRef() != null) {
                    env.put(var.getName(), fieldValue(pod, from.getFieldRef().getFieldPath()));
                }
            }
        }
        return env;
    }

    /** Sets {@code variable} to {@code key} of {@code values}; a missing key is an error unless it is optional. */
    private static void putKey(Map<String, String> env, String variable, Map<String, String> values, String key,
            boolean optional, String source) throws ContainerConfigError {
        if (values.containsKey(key)) {
            env.put(variable, values.get(key));
        } else if (!optional) {
            throw new ContainerConfigError("couldn't find key " + key + " in " + source);
        }
    }

    /** Expands {@code $(VAR)} references to variables of {@code env}; a reference to anything else stays as written. */
    static String expand(String value, Map<String, String> env) {
        Matcher m = VAR_REF.matcher(value);
        StringBuilder out = new StringBuilder();
        while (m.find()) {
            String replacement = env.containsKey(m.group(1)) ? env.get(m.group(1)) : m.group();
            m.appendReplacement(out, Matcher.quoteReplacement(replacement));
        }
        m.appendTail(out);
        return out.toString();
    }

    /** The downward API's value of {@code fieldPath} on this node; empty for fields the sandbox does not know. */
    private static String fieldValue(ObjectMeta pod, String fieldPath) {
        switch (fieldPath) {
            case "metadata.name":
                return pod.getName();
            case "metadata.namespace":
                return pod.getNamespace();
            case "metadata.uid":
                return pod.getUid();
            case "status.podIP":
            case "status.hostIP":
                return "127.0.0.1";
            case "spec.nodeName":
                return "sandbox";
            default:
                return "";
        }
    }

    private static Map<String, String> secret(NamespaceData data, String name, boolean optional) throws ContainerConfigError {
        return source(data.secret(name), optional, "secret \"" + name + "\" not found");
    }

    private static Map<String, String> configMap(NamespaceData data, String name, boolean optional) throws ContainerConfigError {
        return source(data.configMap(name), optional, "configmap \"" + name + "\" not found");
    }

    /** A source's values; a source that does not exist has none when it is optional, and is an error otherwise. */
    private static Map<String, String> source(Map<String, String> values, boolean optional, String missing)
            throws ContainerConfigError {
        if (values != null) {
            return values;
        }
        if (optional) {
            return Map.of();
        }
        throw new ContainerConfigError(missing);
    }
}

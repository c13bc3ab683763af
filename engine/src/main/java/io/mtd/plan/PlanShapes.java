package io.mtd.plan;

import com.fasterxml.jackson.annotation.JsonFormat;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.TextNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.RecordComponent;
import java.lang.reflect.Type;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * Checks that every value in a plan's tree has the shape its field needs (a list, a mapping, a single value, a number,
 * true or false) and reports each one that does not with an example of the right shape, leaving it out of the tree so
 * that the rest of the plan can still be read and checked: a user sees every error at once.
 */
final class PlanShapes {

    /** How each field is written, by path with list indices left out. */
    private static final Map<String, String> EXAMPLES = Map.ofEntries(
            Map.entry("app", "app: shop"),
            Map.entry("image", "image: registry.example.com/shop:1.4.0"),
            Map.entry("build", "build: {context: ., dockerfile: Dockerfile}"),
            Map.entry("rollback", "rollback: true"),
            Map.entry("build.args", "args: {VERSION: 1.4.0}"),
            Map.entry("migration", "migration: {command: [python, manage.py, migrate, --noinput], envFromSecret: shop-db}"),
            Map.entry("migration.command", "command: [python, manage.py, migrate, --noinput]"),
            Map.entry("migration.flyway", "flyway: {locations: [db/migration], secret: shop-db}"),
            Map.entry("migration.flyway.locations", "locations: [db/migration]"),
            Map.entry("migration.flyway.schemas", "schemas: [public]"),
            Map.entry("migration.env", "env: {DJANGO_SETTINGS_MODULE: shop.settings}"),
            Map.entry("migration.envFromSecret", "envFromSecret: [shop-db]"),
            Map.entry("migration.envFromConfigMap", "envFromConfigMap: [shop-config]"),
            Map.entry("migration.secretEnv", "secretEnv: [{name: DATABASE_URL, secret: shop-db, key: url}]"),
            Map.entry("migration.secretEnv[]", "- {name: DATABASE_URL, secret: shop-db, key: url}"),
            Map.entry("migration.resources", "resources: {cpu: 500m, memory: 256Mi}"),
            Map.entry("migration.podSecurity", "podSecurity: {runAsUser: 1000}"),
            Map.entry("migration.lock", "lock: {leaseDuration: 30s, waitTimeout: 30m}"),
            Map.entry("migration.compatibility", "compatibility: {command: [python3, manage.py, check_compatibility], timeout: 5m}"),
            Map.entry("migration.compatibility.command", "command: [python3, manage.py, check_compatibility]"),
            Map.entry("migration.compatibility.env", "env: {DJANGO_SETTINGS_MODULE: shop.settings}"),
            Map.entry("migration.snapshot", "snapshot: {secret: shop-db}"),
            Map.entry("migration.snapshot.command", "command: [sh, -c, \"pg_dump --schema-only\"]"),
            Map.entry("migration.drift", "drift: block"),
            Map.entry("migration.backup", "backup: {command: [sh, -c, \"pg_dump -Fc -f /backup/shop.dump\"], volume: {claim: shop-backups, mountPath: /backup}}"),
            Map.entry("migration.backup.command", "command: [sh, -c, \"pg_dump -Fc -f /backup/shop.dump\"]"),
            Map.entry("migration.backup.volume", "volume: {claim: shop-backups, mountPath: /backup}"),
            Map.entry("environments.backup", "backup: {command: [sh, -c, \"pg_dump -Fc -f /backup/shop.dump\"], volume: {claim: shop-backups, mountPath: /backup}}"),
            Map.entry("environments.backup.command", "command: [sh, -c, \"pg_dump -Fc -f /backup/shop.dump\"]"),
            Map.entry("rollout", "rollout: {timeout: 10m, undoOnFailure: true}"),
            Map.entry("environments", "environments: [{name: staging, namespace: shop-staging, deployments: [shop-web]}]"),
            Map.entry("environments[]", "- {name: staging, namespace: shop-staging, deployments: [shop-web]}"),
            Map.entry("environments.deployments", "deployments: [shop-web]"),
            Map.entry("migration.timeout", "timeout: 10m"),
            Map.entry("migration.ttlAfterFinished", "ttlAfterFinished: 1d"),
            Map.entry("migration.onCancel", "onCancel: leave"),
            Map.entry("migration.serviceAccount", "serviceAccount: shop-migrator"),
            Map.entry("migration.lock.leaseDuration", "leaseDuration: 30s"),
            Map.entry("migration.lock.waitTimeout", "waitTimeout: 30m"),
            Map.entry("rollout.timeout", "timeout: 10m"),
            Map.entry("rollout.approvalTimeout", "approvalTimeout: 24h"),
            Map.entry("environments.name", "name: staging"),
            Map.entry("environments.namespace", "namespace: shop-staging"),
            Map.entry("environments.context", "context: staging"),
            Map.entry("environments.approvers", "approvers: [alice, release-managers]"));

    private PlanShapes() {}

    /** Checks the fields of {@code node} (of record {@code type}) and removes each one whose shape is wrong. */
    static void check(JsonNode node, Type type, String path, List<PlanError> errors) {
        Class<?> raw = raw(type);
        if (!raw.isRecord() || !(node instanceof ObjectNode object)) {
            return;
        }
        for (RecordComponent rc : raw.getRecordComponents()) {
            JsonNode value = object.get(rc.getName());
            if (value == null || value.isNull()) {
                continue;
            }
            String p = path.isEmpty() ? rc.getName() : path + "." + rc.getName();
            JsonFormat format = rc.getAccessor().getAnnotation(JsonFormat.class);
            boolean singleAsList = format != null && Arrays.asList(format.with()).contains(JsonFormat.Feature.ACCEPT_SINGLE_VALUE_AS_ARRAY);
            String problem = problem(value, rc.getGenericType(), rc.getName(), p, singleAsList, errors);
            if (problem != null) {
                errors.add(new PlanError(p, problem));
                object.remove(rc.getName());
            }
        }
    }

    /** What is wrong with {@code value} for a field of {@code type}, or null (after checking inside it). */
    private static String problem(JsonNode value, Type type, String name, String path, boolean singleAsList, List<PlanError> errors) {
        Class<?> raw = raw(type);
        if (raw.isRecord()) {
            if (!value.isObject()) {
                return "expected a mapping of fields, not " + describe(value) + ": write it as " + example(path, name, type, value);
            }
            check(value, type, path, errors);
            return null;
        }
        if (List.class.isAssignableFrom(raw)) {
            Type element = type instanceof ParameterizedType pt ? pt.getActualTypeArguments()[0] : Object.class;
            if (!value.isArray()) {
                if (singleAsList && value.isValueNode()) {
                    return null;
                }
                return "expected a list, not " + describe(value) + ": write it as " + example(path, name, type, value);
            }
            ArrayNode array = (ArrayNode) value;
            for (int i = 0; i < array.size(); i++) {
                JsonNode item = array.get(i);
                if (item == null || item.isNull()) {
                    continue;
                }
                String itemPath = path + "[" + i + "]";
                String itemProblem = problem(item, element, name, itemPath, false, errors);
                if (itemProblem != null) {
                    errors.add(new PlanError(itemPath, itemProblem));
                    // a placeholder keeps the other items' indices; its own errors are the one just given
                    array.set(i, raw(element).isRecord() ? array.objectNode() : TextNode.valueOf(""));
                }
            }
            return null;
        }
        if (Map.class.isAssignableFrom(raw)) {
            if (!value.isObject()) {
                return "expected a mapping of names to values, not " + describe(value) + ": write it as "
                        + example(path, name, type, value);
            }
            ObjectNode object = (ObjectNode) value;
            for (String key : List.copyOf(object.properties().stream().map(Map.Entry::getKey).toList())) {
                JsonNode v = object.get(key);
                if (v != null && !v.isNull() && !v.isValueNode()) {
                    errors.add(new PlanError(path + "." + key, "expected a single value, not " + describe(v)
                            + ": write it as " + key + ": value"));
                    object.remove(key);
                }
            }
            return null;
        }
        if (raw == Boolean.class || raw == boolean.class) {
            return value.isBoolean() || value.isTextual() && value.asText().matches("true|false") ? null
                    : "expected true or false, not " + describe(value) + ": write it as " + name + ": true";
        }
        if (raw == Integer.class || raw == int.class || raw == Long.class || raw == long.class) {
            return value.isIntegralNumber() || value.isTextual() && value.asText().matches("-?[0-9]{1,18}") ? null
                    : "expected a whole number, not " + describe(value) + ": write it as " + name + ": 3";
        }
        if (raw == String.class) {
            return value.isValueNode() ? null
                    : "expected a single value, not " + describe(value) + ": write it as " + example(path, name, type, value);
        }
        return null;
    }

    /** What {@code node} is, in the user's terms. */
    static String describe(JsonNode node) {
        if (node.isArray()) {
            return "a list";
        }
        if (node.isObject()) {
            return "a mapping";
        }
        String text = node.asText();
        return "a single value ('" + (text.length() > 40 ? text.substring(0, 40) + "..." : text) + "')";
    }

    /** How the field at {@code path} is written: the user's own value reshaped where that helps, else a known example. */
    private static String example(String path, String name, Type type, JsonNode given) {
        Class<?> raw = raw(type);
        if (List.class.isAssignableFrom(raw) && given.isValueNode() && !given.asText().isBlank()) {
            // command: python manage.py migrate -> [python, manage.py, migrate]; deployments: shop-web -> [shop-web]
            List<String> words = "command".equals(name) ? Arrays.asList(given.asText().trim().split("\\s+")) : List.of(given.asText());
            return name + ": [" + String.join(", ", words) + "]";
        }
        String known = EXAMPLES.get(path.replaceAll("\\[[0-9]+\\]$", "[]").replaceAll("\\[[0-9]+\\]", ""));
        if (known != null) {
            return known;
        }
        if (raw.isRecord()) {
            return name + ": {" + Arrays.stream(raw.getRecordComponents()).limit(2).map(rc -> rc.getName() + ": ...")
                    .collect(Collectors.joining(", ")) + "}";
        }
        if (List.class.isAssignableFrom(raw)) {
            return name + ": [a, b]";
        }
        if (Map.class.isAssignableFrom(raw)) {
            return name + ": {NAME: value}";
        }
        return name + ": value";
    }

    static Class<?> raw(Type type) {
        return type instanceof ParameterizedType pt ? (Class<?>) pt.getRawType() : type instanceof Class<?> c ? c : Object.class;
    }
}

package io.mtd.sandbox;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Kubernetes' strategic merge patch (what {@code kubectl set image}, {@code kubectl apply} send), which the CRUD mock
 * rejects: objects merge key by key, lists of objects merge by their merge key ({@code name}, {@code mountPath},
 * {@code containerPort}, {@code type}), other lists are replaced, a null value deletes and {@code $patch: delete}
 * removes a list element.
 */
final class StrategicMergePatch {

    private static final List<String> MERGE_KEYS = List.of("name", "mountPath", "containerPort", "type", "ip");

    private StrategicMergePatch() {
    }

    /** Applies {@code patch} to {@code target} in place and returns it. */
    static JsonNode apply(JsonNode target, JsonNode patch) {
        if (!(target instanceof ObjectNode) || !(patch instanceof ObjectNode)) {
            return patch;
        }
        ObjectNode result = (ObjectNode) target;
        for (Map.Entry<String, JsonNode> field : patch.properties()) {
            String key = field.getKey();
            JsonNode value = field.getValue();
            if (key.startsWith("$")) {
                continue;
            }
            JsonNode current = result.get(key);
            if (value.isNull()) {
                result.remove(key);
            } else if (value.isObject() && current != null && current.isObject()) {
                result.set(key, apply(current, value));
            } else if (value.isArray() && current != null && current.isArray()) {
                result.set(key, mergeList((ArrayNode) current, (ArrayNode) value));
            } else {
                result.set(key, withoutDirectives(value));
            }
        }
        return result;
    }

    private static JsonNode mergeList(ArrayNode current, ArrayNode patch) {
        String mergeKey = mergeKey(patch);
        if (mergeKey == null) {
            return withoutDirectives(patch);
        }
        List<JsonNode> merged = new ArrayList<>();
        current.forEach(merged::add);
        for (JsonNode element : patch) {
            JsonNode id = element.get(mergeKey);
            int index = -1;
            for (int i = 0; i < merged.size(); i++) {
                if (id != null && id.equals(merged.get(i).get(mergeKey))) {
                    index = i;
                    break;
                }
            }
            boolean delete = "delete".equals(element.path("$patch").asText(null));
            if (index >= 0 && delete) {
                merged.remove(index);
            } else if (index >= 0) {
                merged.set(index, apply(merged.get(index).deepCopy(), element));
            } else if (!delete) {
                merged.add(withoutDirectives(element));
            }
        }
        ArrayNode out = current.arrayNode();
        merged.forEach(out::add);
        return out;
    }

    private static String mergeKey(ArrayNode patch) {
        if (patch.isEmpty() || !patch.get(0).isObject()) {
            return null;
        }
        for (String key : MERGE_KEYS) {
            boolean all = true;
            for (JsonNode element : patch) {
                all &= element.has(key);
            }
            if (all) {
                return key;
            }
        }
        return null;
    }

    private static JsonNode withoutDirectives(JsonNode value) {
        if (value.isObject()) {
            ObjectNode copy = ((ObjectNode) value).deepCopy();
            List<String> directives = new ArrayList<>();
            copy.fieldNames().forEachRemaining(n -> {
                if (n.startsWith("$")) {
                    directives.add(n);
                }
            });
            copy.remove(directives);
            copy.properties().forEach(e -> e.setValue(withoutDirectives(e.getValue())));
            return copy;
        }
        if (value.isArray()) {
            ArrayNode copy = ((ArrayNode) value).arrayNode();
            value.forEach(v -> copy.add(withoutDirectives(v)));
            return copy;
        }
        return value;
    }
}

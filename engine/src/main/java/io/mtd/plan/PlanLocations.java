package io.mtd.plan;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import java.io.IOException;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Reads a plan's token stream once to learn where each field is (line and column, for every error) and to find keys
 * given twice in one mapping, which YAML forbids but a tree reader would silently resolve to the last one.
 */
final class PlanLocations {

    private PlanLocations() {}

    /** Records the location of the value starting at {@code token} under {@code path}, and of everything inside it. */
    static void walk(JsonParser p, JsonToken token, String path, Map<String, JsonLocation> locations, List<PlanError> errors)
            throws IOException {
        locations.putIfAbsent(path, p.currentTokenLocation());
        if (token == JsonToken.START_OBJECT) {
            Set<String> seen = new HashSet<>();
            for (JsonToken t = p.nextToken(); t != null && t != JsonToken.END_OBJECT; t = p.nextToken()) {
                String name = p.currentName();
                JsonLocation at = p.currentTokenLocation();
                String child = path.isEmpty() ? name : path + "." + name;
                if (!seen.add(name)) {
                    errors.add(new PlanError(child, "given twice in the same mapping: keep one (YAML does not allow"
                            + " duplicate keys; the first is at line " + locations.get(child).getLineNr() + ")",
                            at.getLineNr(), at.getColumnNr()));
                }
                walk(p, p.nextToken(), child, locations, errors);
            }
        } else if (token == JsonToken.START_ARRAY) {
            int i = 0;
            for (JsonToken t = p.nextToken(); t != null && t != JsonToken.END_ARRAY; t = p.nextToken()) {
                walk(p, t, path + "[" + i++ + "]", locations, errors);
            }
        }
    }
}

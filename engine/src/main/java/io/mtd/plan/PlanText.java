package io.mtd.plan;

import com.fasterxml.jackson.core.JsonLocation;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A plan as given, before it is checked: read from YAML or JSON (with what was wrong in its shape and where each field
 * is in the text), or built by a caller (the Jenkins step's options). The engine's door checks it once, in one place,
 * and places every error at its line and column.
 */
public final class PlanText {

    private final Plan plan;
    private final List<PlanError> readErrors;
    private final Map<String, JsonLocation> locations;

    PlanText(Plan plan, List<PlanError> readErrors, Map<String, JsonLocation> locations) {
        this.plan = plan;
        this.readErrors = List.copyOf(readErrors);
        this.locations = Map.copyOf(locations);
    }

    /** A plan built in code: nothing to locate. */
    public static PlanText of(Plan plan) {
        return new PlanText(plan, List.of(), Map.of());
    }

    /** The plan written in {@code yamlOrJson} (a plan file's text) as read: see {@link PlanLoader#read(String)}. */
    public static PlanText parse(String yamlOrJson) {
        return PlanLoader.read(yamlOrJson);
    }

    /** The plan as read, or null when the text could not be read as one (its errors say why). */
    public Plan plan() {
        return plan;
    }

    /** The same text with another image reference (a Jenkins step's {@code image} given with a plan file). */
    public PlanText withImage(String image) {
        return plan == null || image == null ? this : new PlanText(plan.withImage(image), readErrors, locations);
    }

    /**
     * Every error of the plan: those found while reading it, then {@code checks}' (the errors the checks found in the
     * plan read), leaving out those under a field whose shape was already wrong ("missing" would only repeat that
     * error), each placed at its field's line and column, or its nearest enclosing field's.
     */
    public List<PlanError> errors(List<PlanError> checks) {
        List<PlanError> all = new ArrayList<>(readErrors);
        List<String> broken = readErrors.stream().map(PlanError::path).toList();
        for (PlanError e : checks) {
            if (broken.stream().noneMatch(b -> under(e.path(), b))) {
                all.add(e);
            }
        }
        return all.stream().map(this::locate).toList();
    }

    private static boolean under(String path, String parent) {
        String p = path == null ? "" : path;
        return p.equals(parent) || p.startsWith(parent + ".") || p.startsWith(parent + "[");
    }

    private PlanError locate(PlanError e) {
        if (e.line() > 0) {
            return e;
        }
        // the nearest enclosing field that is in the file (a missing field is placed at its parent)
        String p = e.path() == null ? "" : e.path();
        while (true) {
            JsonLocation l = locations.get(p);
            if (l != null && l.getLineNr() > 0 && !p.isEmpty()) {
                return e.at(l.getLineNr(), l.getColumnNr());
            }
            int cut = Math.max(p.lastIndexOf('.'), p.lastIndexOf('['));
            if (cut <= 0) {
                return e;
            }
            p = p.substring(0, cut);
        }
    }
}

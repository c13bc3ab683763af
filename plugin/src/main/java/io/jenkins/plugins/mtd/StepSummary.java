package io.jenkins.plugins.mtd;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.jenkinsci.plugins.structs.describable.UninstantiatedDescribable;

/**
 * What a step node does in one phrase ({@code shop → staging, production}): what Graph View, Stage View and the Pipeline
 * Steps table show next to the step's name. Built from the arguments Jenkins stored, never from secret values: only the
 * app (or plan file) and the environments' names.
 */
final class StepSummary {

    private StepSummary() {}

    /**
     * The phrase for a step's stored arguments, whose environments are under {@code environmentsKey} (a list, or a
     * single environment), or null when the arguments name neither an app, a plan file nor an environment.
     */
    static String of(Map<String, Object> namedArgs, String environmentsKey) {
        Object app = namedArgs.get("app");
        Object plan = namedArgs.get("plan");
        String what = app instanceof String a && !a.isBlank() ? a.trim() : plan instanceof String p && !p.isBlank() ? p.trim() : null;
        List<String> names = new ArrayList<>();
        Object environments = namedArgs.get(environmentsKey);
        if (environments instanceof List<?> list) {
            list.forEach(e -> addName(e, names));
        } else {
            addName(environments, names);
        }
        if (names.isEmpty()) {
            return what;
        }
        return (what == null ? "" : what + " → ") + String.join(", ", names);
    }

    /** An environment's name, as the script wrote it: a map, a symbol's arguments, or an environment already made. */
    private static void addName(Object environment, List<String> names) {
        Object name = environment instanceof Map<?, ?> m ? m.get("name")
                : environment instanceof UninstantiatedDescribable u ? u.getArguments().get("name")
                : environment instanceof DeployEnvironment d ? d.getName()
                : null;
        if (name instanceof String s && !s.isBlank()) {
            names.add(s.trim());
        }
    }
}

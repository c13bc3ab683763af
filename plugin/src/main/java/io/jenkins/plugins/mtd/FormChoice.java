package io.jenkins.plugins.mtd;

import java.util.List;
import java.util.Map;
import net.sf.json.JSONObject;

/**
 * An either-or choice of the configure form ({@code f:radioBlock inline="true"}): the fields of the choices not taken are
 * dropped before binding. An inline radio block only hides the blocks not chosen, so the browser still submits their
 * fields next to the radio's value (hudson-behavior.js {@code buildFormTree}); the radio itself is no bean property.
 */
record FormChoice(String radio, Map<String, List<String>> fieldsOf) {

    /** The value of the plan file side of {@link #planOr}. */
    static final String PLAN = "plan";

    /** The value of the form side of {@link #planOr}. */
    static final String FORM = "form";

    /** The value of the Flyway side of {@link #MIGRATION}. */
    static final String FLYWAY = "flyway";

    /** The value of the command side of {@link #MIGRATION}. */
    static final String COMMAND = "command";

    /** Plan file or form, on both steps: the plan file's one field, or the step's own form fields. */
    static FormChoice planOr(List<String> formFields) {
        return new FormChoice("planSource", Map.of(PLAN, List.of("plan"), FORM, formFields));
    }

    /** Command or Flyway, in the migration section. */
    static final FormChoice MIGRATION = new FormChoice("migrationKind",
            Map.of(COMMAND, List.of("command"), FLYWAY, List.of("flyway")));

    /**
     * Removes the radio's value and the fields of every choice but the one taken, in place.
     *
     * @return the choice taken, or null when the JSON holds no choice (not sent by this form: a conflict stays a conflict)
     */
    String keepChosen(JSONObject form) {
        Object chosen = form.remove(radio);
        if (!(chosen instanceof String) || !fieldsOf.containsKey(chosen)) {
            return null;
        }
        fieldsOf.forEach((choice, fields) -> {
            if (!choice.equals(chosen)) {
                fields.forEach(form::remove);
            }
        });
        return (String) chosen;
    }
}

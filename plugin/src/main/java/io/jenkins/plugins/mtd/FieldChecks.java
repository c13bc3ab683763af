package io.jenkins.plugins.mtd;

import hudson.model.Descriptor;
import hudson.model.Item;
import hudson.util.FormValidation;
import io.mtd.MigrateThenDeploy;
import io.mtd.plan.Build;
import io.mtd.plan.Durations;
import io.mtd.plan.Environment;
import io.mtd.plan.Flyway;
import io.mtd.plan.Migration;
import io.mtd.plan.Plan;
import io.mtd.plan.PlanError;
import io.mtd.plan.Rollout;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;
import jenkins.model.Jenkins;
import net.sf.json.JSONObject;

/**
 * Form field checks answered by the engine's door ({@link MigrateThenDeploy#fieldErrors}): a plan holding just the field
 * being edited is checked, and only the errors at that field's path are shown, so the form and a run always agree.
 */
final class FieldChecks {

    private static final String FIRST_ENVIRONMENT = "environments[0].";

    /** The defaults a blank field means, in the words the fields take. */
    static final String DEFAULT_ROLLOUT_TIMEOUT = Durations.format(Rollout.DEFAULTS.timeoutOrDefault());
    static final String DEFAULT_APPROVAL_TIMEOUT = Durations.format(Rollout.DEFAULTS.approvalTimeoutOrDefault());

    private FieldChecks() {}

    /**
     * Refuses a saved step that names neither a plan file nor the application and its image: blank is fine while the
     * form is being filled (a pristine form shows no error), not once it is saved.
     *
     * @param chosen the plan file or form choice the form was saved with ({@link FormChoice#keepChosen}), or null
     */
    static void requireAppAndImage(JSONObject formData, String chosen) throws Descriptor.FormException {
        if (FormChoice.PLAN.equals(chosen) && blankToNull(formData.optString("plan")) == null) {
            throw new Descriptor.FormException(Messages.FieldChecks_PlanRequired(), "plan");
        }
        if (blankToNull(formData.optString("plan")) != null) {
            return;
        }
        if (blankToNull(formData.optString("app")) == null) {
            throw new Descriptor.FormException(Messages.FieldChecks_AppRequired(), "app");
        }
        if (blankToNull(formData.optString("image")) == null) {
            throw new Descriptor.FormException(Messages.FieldChecks_ImageRequired(), "image");
        }
    }

    /**
     * An engine message in the form's words: a capital first letter, and examples given as the value to type rather than
     * as the plan file's {@code key: value}.
     */
    static String formMessage(String message) {
        String m = YAML_EXAMPLE.matcher(message).replaceAll("$1");
        return m.isEmpty() ? m : Character.toUpperCase(m.charAt(0)) + m.substring(1);
    }

    /** "e.g. image: registry/shop:1.4.0" → "e.g. registry/shop:1.4.0" (a plan file key, then the value). */
    private static final Pattern YAML_EXAMPLE = Pattern.compile("(e\\.g\\.,? )[A-Za-z][A-Za-z.]*: ");

    static Plan top(String app, String image, Rollout rollout) {
        return new Plan(app, image, null, null, rollout, List.of());
    }

    static Plan build(Build build) {
        return new Plan(null, null, build, null, null, List.of());
    }

    static Plan migration(Migration migration) {
        return new Plan(null, null, null, migration, null, List.of());
    }

    static Migration flywayMigration(Flyway flyway) {
        return Migration.builder().flyway(flyway).build();
    }

    static Plan environment(String name, String namespace, List<String> deployments, String container, String serverUrl) {
        Environment e = new Environment(blankToNull(name), null, null, null, blankToNull(serverUrl), blankToNull(namespace),
                deployments, blankToNull(container), null, null);
        return new Plan(null, null, null, null, null, List.of(e));
    }

    /**
     * Application, with the plan file typed on the same form.
     *
     * @param chosen the form's plan file or form choice; null when the caller is not that form (both count then)
     */
    static FormValidation checkApp(Item item, String value, String plan, String chosen) {
        // blank is fine here: a plan file may give it, and the whole plan is validated when the build starts
        if (blankToNull(value) == null) {
            return FormValidation.ok();
        }
        if (blankToNull(plan) != null && mayCheck(item)) {
            // the choice is either-or: say it where the user types, not only when the build fails
            return FormChoice.FORM.equals(chosen) ? FormValidation.warning(Messages.FieldChecks_PlanDroppedOnSave())
                    : FormValidation.error(Messages.FieldChecks_PlanAndForm());
        }
        return check(item, top(blankToNull(value), null, null), "app");
    }

    /** The plan file, with the application typed on the same form (a job saved with both, e.g. from its XML). */
    static FormValidation checkPlan(Item item, String value, String app, String chosen) {
        if (blankToNull(value) == null || blankToNull(app) == null || FormChoice.FORM.equals(chosen) || !mayCheck(item)) {
            return FormValidation.ok();
        }
        return FormChoice.PLAN.equals(chosen) ? FormValidation.warning(Messages.FieldChecks_FormDroppedOnSave())
                : FormValidation.error(Messages.FieldChecks_PlanAndForm());
    }

    static FormValidation checkImage(Item item, String value) {
        // blank: a plan file may give it; a variable reference ($GIT_COMMIT) is only known when the build runs
        if (blankToNull(value) == null || value.contains("$")) {
            return FormValidation.ok();
        }
        return check(item, top(null, blankToNull(value), null), "image");
    }

    static FormValidation checkRolloutTimeout(Item item, String value) {
        return check(item, top(null, null, new Rollout(blankToNull(value), null, null, null)), "rollout.timeout");
    }

    static FormValidation checkApprovalTimeout(Item item, String value) {
        return check(item, top(null, null, new Rollout(null, null, null, blankToNull(value))), "rollout.approvalTimeout");
    }

    /** The validator's answer for {@code field} (a plan path such as {@code migration.timeout} or {@code name}). */
    static FormValidation check(Item item, Plan plan, String field) {
        if (!mayCheck(item)) {
            return FormValidation.ok();
        }
        List<String> messages = messagesFor(MigrateThenDeploy.fieldErrors(plan), field);
        return messages.isEmpty() ? FormValidation.ok()
                : FormValidation.error(String.join("\n", messages.stream().map(FieldChecks::formMessage).toList()));
    }

    /** Whether the current user may have the job's fields checked (configure it, or administer outside a job). */
    static boolean mayCheck(Item item) {
        return item == null ? Jenkins.get().hasPermission(Jenkins.ADMINISTER) : item.hasPermission(Item.CONFIGURE);
    }

    /** Messages of the errors at {@code field} or below it; environment paths are matched without their index. */
    static List<String> messagesFor(List<PlanError> errors, String field) {
        List<String> out = new ArrayList<>();
        for (PlanError e : errors) {
            String path = e.path() == null ? "" : e.path();
            if (path.startsWith(FIRST_ENVIRONMENT)) {
                path = path.substring(FIRST_ENVIRONMENT.length());
            }
            if (path.equals(field) || path.startsWith(field + ".") || path.startsWith(field + "[")) {
                out.add(e.message());
            }
        }
        return out;
    }

    private static String blankToNull(String s) {
        return s == null || s.trim().isEmpty() ? null : s.trim();
    }
}

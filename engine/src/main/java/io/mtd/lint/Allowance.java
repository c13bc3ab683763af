package io.mtd.lint;

/**
 * A decision, written down with its reason, to let a rule's finding pass.
 *
 * @param rule the rule id, e.g. {@code ban-drop-column}
 * @param reason why it is safe here (required: an acknowledgement without a reason is not one)
 * @param where where it was made: {@code V5__drop_fax.sql:3} for a comment, {@code plan} for a plan entry
 */
public record Allowance(String rule, String reason, String where) {}

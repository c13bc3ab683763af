package io.mtd.lint;

/**
 * SQL a release will apply: one Flyway script, or what a command printed.
 *
 * @param name how findings name it, e.g. {@code db/migration/V5__drop_fax.sql}
 * @param sql the SQL text
 * @param phase whether it runs before or after the rollout
 * @param transactional whether the migration tool runs it in one transaction (Flyway does by default); SQL that opens
 *     its own with BEGIN (Django's sqlmigrate) is not
 */
public record SqlSource(String name, String sql, Phase phase, boolean transactional) {}

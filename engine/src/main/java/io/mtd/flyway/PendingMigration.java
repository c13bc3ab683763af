package io.mtd.flyway;

/** A migration in the workspace that the database has not applied yet. */
public record PendingMigration(String version, String description, String script) {}

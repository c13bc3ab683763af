package io.mtd.flyway;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/** A real PostgreSQL for a test class, handing out one fresh database per test. */
final class TestDatabase implements AutoCloseable {

    static final String USER = "postgres";
    static final String PASSWORD = "postgres";
    private static final AtomicInteger COUNTER = new AtomicInteger();

    private final EmbeddedPostgres postgres;

    private TestDatabase(EmbeddedPostgres postgres) {
        this.postgres = postgres;
    }

    static TestDatabase start() {
        try {
            return new TestDatabase(EmbeddedPostgres.start());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The JDBC URL of a new, empty database. */
    String newDatabase() throws SQLException {
        String name = "test_" + COUNTER.incrementAndGet();
        try (Connection c = postgres.getPostgresDatabase().getConnection(); Statement s = c.createStatement()) {
            s.execute("create database " + name);
        }
        return postgres.getJdbcUrl(USER, name);
    }

    /** The first column of every row {@code sql} returns, as text. */
    List<String> query(String url, String sql) throws SQLException {
        try (Connection c = java.sql.DriverManager.getConnection(url, USER, PASSWORD);
                Statement s = c.createStatement();
                ResultSet rs = s.executeQuery(sql)) {
            List<String> rows = new ArrayList<>();
            while (rs.next()) {
                rows.add(rs.getString(1));
            }
            return rows;
        }
    }

    @Override
    public void close() throws IOException {
        postgres.close();
    }
}

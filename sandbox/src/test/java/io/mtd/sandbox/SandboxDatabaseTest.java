package io.mtd.sandbox;

import org.junit.jupiter.api.Test;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class SandboxDatabaseTest {

    @Test
    void createdDatabaseAcceptsJdbcConnections() throws Exception {
        try (SandboxDatabase db = SandboxDatabase.start()) {
            db.createDatabase("shop_staging");

            try (Connection c = DriverManager.getConnection(db.jdbcUrl("shop_staging"), db.user(), db.password());
                    Statement s = c.createStatement()) {
                s.execute("create table orders(id int primary key)");
                s.execute("insert into orders values (1)");
                try (ResultSet rs = s.executeQuery("select current_database(), count(*) from orders")) {
                    rs.next();
                    assertThat(rs.getString(1)).isEqualTo("shop_staging");
                    assertThat(rs.getInt(2)).isEqualTo(1);
                }
            }
            assertThat(db.jdbcUrl("shop_staging")).doesNotContain("password").doesNotContain("user=");
        }
    }

    @Test
    void databaseNameMustBeAPlainIdentifier() {
        try (SandboxDatabase db = SandboxDatabase.start()) {
            assertThatThrownBy(() -> db.createDatabase("shop; drop"))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("shop; drop");
        }
    }

    @Test
    void theSecretValuesReachTheDatabaseInEachForm() throws Exception {
        try (SandboxDatabase db = SandboxDatabase.start()) {
            db.createDatabase("shop_production");

            java.util.Map<String, String> values = db.secretValues("shop_production");

            assertThat(values).containsOnlyKeys("DATABASE_URL", "DATABASE_USER", "DATABASE_PASSWORD", "FLYWAY_URL", "FLYWAY_USER",
                    "FLYWAY_PASSWORD", "POSTGRES_URL", "PGHOST", "PGPORT", "PGUSER", "PGPASSWORD", "PGDATABASE");
            assertThat(values.get("DATABASE_URL")).isEqualTo(db.jdbcUrl("shop_production")).startsWith("jdbc:postgresql://");
            assertThat(values.get("FLYWAY_URL")).isEqualTo(values.get("DATABASE_URL"));
            try (Connection c = DriverManager.getConnection(values.get("DATABASE_URL"), values.get("DATABASE_USER"),
                    values.get("DATABASE_PASSWORD")); Statement s = c.createStatement(); ResultSet rs = s.executeQuery("select 1")) {
                assertThat(rs.next()).isTrue();
            }
            java.net.URI url = java.net.URI.create(values.get("POSTGRES_URL"));
            assertThat(url.getScheme()).isEqualTo("postgresql");
            assertThat(url.getUserInfo()).isEqualTo(values.get("PGUSER") + ":" + values.get("PGPASSWORD"));
            assertThat(url.getHost()).isEqualTo(values.get("PGHOST"));
            assertThat(url.getPort()).isEqualTo(Integer.parseInt(values.get("PGPORT"))).isEqualTo(db.port());
            assertThat(url.getPath()).isEqualTo("/" + values.get("PGDATABASE")).isEqualTo("/shop_production");
            try (Connection c = DriverManager.getConnection("jdbc:postgresql://" + values.get("PGHOST") + ":" + values.get("PGPORT")
                    + "/" + values.get("PGDATABASE"), values.get("PGUSER"), values.get("PGPASSWORD"));
                    Statement s = c.createStatement(); ResultSet rs = s.executeQuery("select current_database()")) {
                rs.next();
                assertThat(rs.getString(1)).isEqualTo("shop_production");
            }
            assertThat(db.serverMajorVersion()).isEqualTo(14);
        }
    }
}

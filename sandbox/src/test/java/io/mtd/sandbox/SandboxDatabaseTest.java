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
}

package io.mtd.lint;

import static org.assertj.core.api.Assertions.assertThat;

import io.mtd.sandbox.SandboxDatabase;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class VolatilityTest {

    private static Optional<String> volatileCall(String expression, Map<String, Boolean> declared) {
        return Volatility.volatileCall(SqlLexer.split(expression, "x.sql").get(0).tokens(), declared);
    }

    @Test
    void theBuiltInFunctionsAreThoseOfARealServer() throws Exception {
        Map<String, Boolean> server = new HashMap<>();
        try (SandboxDatabase db = SandboxDatabase.start();
                Connection c = DriverManager.getConnection(db.jdbcUrl("postgres"), db.user(), db.password());
                ResultSet rs = c.createStatement().executeQuery("SELECT proname, bool_and(provolatile = 'v') FROM pg_proc p"
                        + " JOIN pg_namespace n ON n.oid = p.pronamespace WHERE n.nspname = 'pg_catalog' AND p.prokind IN ('f', 'w')"
                        + " GROUP BY proname")) {
            while (rs.next()) {
                server.put(rs.getString(1), rs.getBoolean(2));
            }
        }
        assertThat(Volatility.builtin()).containsExactlyInAnyOrderEntriesOf(server);
    }

    @Test
    void aDefaultIsVolatileWhenItCallsAVolatileFunction() {
        assertThat(volatileCall("gen_random_uuid()", Map.of())).hasValueSatisfying(w -> assertThat(w).contains("gen_random_uuid() is VOLATILE"));
        assertThat(volatileCall("'a-' || (random() * 10)::int", Map.of())).isPresent();
        assertThat(volatileCall("nextval('orders_id_seq'::regclass)", Map.of())).isPresent();
        assertThat(volatileCall("make_token()", Map.of())).hasValueSatisfying(w -> assertThat(w).contains("not a built-in function"));
        assertThat(volatileCall("public.make_token()", Map.of("make_token", false))).isEmpty();
        assertThat(volatileCall("make_token()", Map.of("make_token", true))).hasValueSatisfying(w -> assertThat(w).contains("declares neither"));
    }

    @Test
    void constantsAndStableOrImmutableCallsAreNot() {
        for (String expr : List.of("now()", "CURRENT_TIMESTAMP", "current_timestamp(3)", "timezone('utc', now())", "'{}'::jsonb",
                "'x'::character varying(10)", "ARRAY[]::text[]", "coalesce(NULL, 0)", "lower('A')", "0", "NULL", "true",
                "'2020-01-01'::date + interval '1 day'", "pg_catalog.now()")) {
            assertThat(volatileCall(expr, Map.of())).as(expr).isEmpty();
        }
    }
}
